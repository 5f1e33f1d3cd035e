"""Step 2 of a build: give every chunk of an episode to the engines (the cache first).

Rendering is started, not awaited: the encoders wait for the chunks of their own part.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podcast import object_store
from podcast.audio import structure
from podcast.cache import CACHE_ENV, cache_root, use_store
from podcast.config.voices import Voice
from podcast.errors import ConfigError
from podcast.models import SpokenChunk
from podcast.synth.synthesize import Synthesizer


@dataclass(frozen=True)
class Rendering:
    """An episode's speech as it is being rendered."""

    spoken: tuple[SpokenChunk, ...]  # every chunk in order, the show's produced parts included
    jobs: Mapping[Path, Future[Any]]  # each WAV's rendering, or the check of its cache entry
    renders: bool = False  # some chunk is being rendered (not only checked): parts to encode

    def wait(self) -> None:
        for job in self.jobs.values():
            job.result()


def start_rendering(
    produced: structure.Structure,
    voices: dict[str, Voice],
    synthesizer: Synthesizer,
    work: Path,
) -> Rendering:
    """Start rendering ``produced``'s speech with ``voices`` (by name).

    The show's produced parts (intro, outro) are mixed from their lines, so those lines are
    rendered first and the parts mixed before this returns.
    """
    before = synthesizer.rendered
    located = synthesizer.locate(produced.speech_chunks(), voices, work / "chunks")
    lines = {line for audio in produced.produced_audio.values() for line in audio.lines}
    first = synthesizer.render([item for item in located if item.chunk in lines], urgent=True)
    paths = [item.wav_path for item in located]
    jobs = dict(zip(paths, synthesizer.render(located), strict=True))
    for job in first:
        job.result()
    produced_dir = cache_root() / "produced" if synthesizer.use_cache else work / "produced"
    spoken = tuple(structure.in_order(produced, located, produced_dir))
    return Rendering(spoken, jobs, synthesizer.rendered > before)


@contextlib.contextmanager
def cache_dir(folder: Path | str | None, cluster: str | None = None) -> Iterator[None]:
    """The chunk cache is ``folder`` while this lasts (``--cache``; None: as configured).

    ``folder`` may be an object store's URL (``s3://bucket/prefix``, any fsspec URL): the cache
    is then this machine's copy of it with the store behind it (``podcast.object_store``).
    A store held in this process only (``memory://``) cannot serve a ``cluster``."""
    if folder is None:
        yield
        return
    store = None
    if object_store.is_url(folder):
        url = str(folder)
        if cluster and url.split("://", 1)[0] in object_store.PRIVATE:
            raise ConfigError(
                f"--cache {url} lives in this process only and the cluster's workers cannot "
                "see it; give a shared folder or an object store every worker reaches (s3://)"
            )
        store, root = object_store.open_store(url)
    else:
        root = Path(folder).expanduser().resolve()
    before = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(root)
    replaced = use_store(store)
    try:
        yield
    finally:
        use_store(replaced)
        if before is None:
            os.environ.pop(CACHE_ENV, None)
        else:
            os.environ[CACHE_ENV] = before
