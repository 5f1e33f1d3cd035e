"""Where a project's folders are: seeds/, voices/, episodes/.

The project root is the nearest folder, from the working directory upwards, that holds a
``podcast.toml`` or a ``voices/`` folder; without one, the working directory itself.
``PODCAST_HOME`` overrides the search.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def seeds_dir(self) -> Path:
        return self.root / "seeds"

    @property
    def voices_dir(self) -> Path:
        return self.root / "voices"

    @property
    def episodes_dir(self) -> Path:
        return self.root / "episodes"


def find_project(start: Path | None = None) -> Project:
    home = os.environ.get("PODCAST_HOME")
    if home:
        return Project(Path(home).resolve())
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "podcast.toml").is_file() or (folder / "voices").is_dir():
            return Project(folder)
    return Project(here)
