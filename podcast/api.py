"""The public Python API, re-exported by ``podcast`` (see its docstring)."""

from __future__ import annotations

from collections.abc import Sequence

from podcast.build.pipeline import build as _build
from podcast.build.plan import BuildOptions, plan_episode, setup
from podcast.errors import PodcastError
from podcast.models import Episode, Script
from podcast.progress import Progress

__all__ = ["BuildOptions", "Episode", "PodcastError", "Script", "build", "script"]


def build(
    sources: Sequence[str] = (),
    options: BuildOptions | None = None,
    progress: Progress | None = None,
) -> list[Episode]:
    """Build one episode per source (article files, folders of articles, or "-" for stdin;
    none: the project's ``seeds/``) and return what was written for each."""
    return _build(sources, options or BuildOptions(), progress)


def script(source: str, options: BuildOptions | None = None) -> Script:
    """What the episode of ``source`` will say, chapter by chapter (the show's intro and outro
    included), and what cleaning removed; no audio is made."""
    options = options or BuildOptions()
    produced, _ = plan_episode(source, setup(options), options.language)
    return produced.script
