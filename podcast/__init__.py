"""podcast: written articles in, publishable podcast episodes out, offline.

The Python API (the command line is a thin layer over it)::

    import podcast

    episodes = podcast.build(["article.md"], podcast.BuildOptions(voice="natural"))
    plan = podcast.script("article.md")  # what would be said, chapter by chapter; no audio

Every error a user can fix is a ``PodcastError`` whose message says what to do.
Names are loaded on first use, so ``import podcast`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from podcast.version import __version__ as __version__

__all__ = ["BuildOptions", "Episode", "PodcastError", "Script", "build", "script"]

if TYPE_CHECKING:
    from podcast.api import BuildOptions, Episode, PodcastError, Script, build, script


def __getattr__(name: str) -> Any:
    if name in __all__:
        from podcast import api

        return getattr(api, name)
    raise AttributeError(f"module 'podcast' has no attribute {name!r}")
