"""Which articles a build reads: files as given, folders of articles, or the project's seeds."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from podcast.errors import InputError
from podcast.project import Project
from podcast.text.readers import articles_in, supported_inputs


def expand_sources(sources: Sequence[str]) -> list[str]:
    """Files as given; a folder stands for the articles directly inside it."""
    expanded: list[str] = []
    for source in sources:
        folder = Path(source)
        if source != "-" and folder.is_dir():
            found = articles_in(folder)
            if not found:
                raise InputError(
                    f"{source} has no articles ({supported_inputs()}); add one or name a file"
                )
            expanded += [str(p) for p in found]
        else:
            expanded.append(source)
    return expanded


def default_sources(project: Project) -> list[str]:
    """Every article in the project's ``seeds/``."""
    if not project.seeds_dir.is_dir():
        raise InputError(f"no article given and no seeds/ folder in {project.root}; name a file")
    found = articles_in(project.seeds_dir)
    if not found:
        raise InputError(f"{project.seeds_dir} has no articles ({supported_inputs()}); add one")
    return [str(p) for p in found]


def build_targets(sources: Sequence[str], project: Project) -> list[str]:
    """The articles a build of ``sources`` reads: as given (folders expanded), or, with none
    given, the project's seeds."""
    return expand_sources(sources) or default_sources(project)
