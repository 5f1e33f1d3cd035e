"""Speech synthesis for a build: chunks in, WAV files out, whatever engine each voice uses.

``Synthesizer`` is the one facade the build, previews, ``doctor`` and ``voices`` use. It
prepares each voice with its engine (``podcast.engines``), addresses each chunk in the cache
(``synth.chunks``: text + the chunk's own engine, version and settings) and renders what is
missing through an executor (``synth.executor``: one per engine; the local worker pool of
``synth.pool`` under a watchdog, or Dask tasks with ``cluster``). It knows no engine by name.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from podcast import cache, engines
from podcast.cache import cache_root, remove_stale_temporaries
from podcast.config.voices import Voice
from podcast.engines.base import (
    EngineUnavailable,
    EngineVoice,
    PrepareContext,
    SettingError,
)
from podcast.errors import ConfigError
from podcast.models import PAUSE_CHAPTER, PAUSE_END, PAUSE_PARAGRAPH, Chunk, SpokenChunk
from podcast.synth.chunks import chunk_key, chunk_path, write_empty
from podcast.synth.executor import (
    Backend,
    Executor,
    LocalBackend,
    backend_for,
    prepare_cluster,
)
from podcast.synth.pool import WorkerPool

CHUNK_TIMEOUT_S = 60  # per chunk; a chunk is at most a sentence, rendered in well under 1 s
TIMEOUT_ENV = "PODCAST_CHUNK_TIMEOUT_S"
# chunks handed to an executor together (a cluster's task each: docs/cluster.md, "What it costs")
BATCH_WORDS = 150  # about a minute of speech, cut where a paragraph ends
BATCH_CHUNKS = 16
BATCH_ENDS = (PAUSE_PARAGRAPH, PAUSE_CHAPTER, PAUSE_END)
R = TypeVar("R")


def _done() -> Future[Any]:
    job: Future[Any] = Future()
    job.set_result(None)
    return job


class _Kept(Future[Any]):
    """The future of a chunk the cache holds: settled once its seal is checked (``settle``),
    by whoever gets to it first: the background sweep (``_sweep``, in order) or the first
    caller of ``result`` (an encoder waiting for the chunk checks it itself, at once)."""

    def __init__(
        self, settle: Callable[[SpokenChunk, Future[Any], bool], None], item: SpokenChunk,
        urgent: bool,
    ) -> None:  # fmt: skip
        super().__init__()
        self._settle, self._item, self._urgent = settle, item, urgent
        self._claim = threading.Lock()
        self._claimed = False

    def check(self) -> None:
        """Check the chunk now, unless it is (being) checked already."""
        with self._claim:
            if self._claimed:
                return
            self._claimed = True
        self._settle(self._item, self, self._urgent)

    def result(self, timeout: float | None = None) -> Any:
        if not self.done():
            self.check()
        return super().result(timeout)


def _sweep(kept: list[_Kept]) -> None:
    for future in kept:
        future.check()


def _follow(source: Future[Any], target: Future[Any]) -> None:
    """Settle ``target`` as ``source`` settles."""

    def copy(done: Future[Any]) -> None:
        if done.cancelled():
            target.cancel()
        elif (error := done.exception()) is not None:
            target.set_exception(error)
        else:
            target.set_result(done.result())

    source.add_done_callback(copy)


def batches(
    items: Sequence[SpokenChunk], engine_of: Callable[[SpokenChunk], str]
) -> Iterator[list[SpokenChunk]]:
    """``items`` in order, cut into runs of one engine that end where a paragraph (or more)
    ends once they hold ``BATCH_WORDS`` words, or at ``BATCH_CHUNKS`` chunks: about one part
    each (``assemble.plan_parts`` cuts the same way), so a part's encoder waits on one batch."""
    run: list[SpokenChunk] = []
    words = 0
    for item in items:
        if run and engine_of(item) != engine_of(run[0]):
            yield run
            run, words = [], 0
        run.append(item)
        words += len(item.chunk.spoken.split())
        if len(run) >= BATCH_CHUNKS or (
            item.chunk.pause_after in BATCH_ENDS and words >= BATCH_WORDS
        ):
            yield run
            run, words = [], 0
    if run:
        yield run


class Synthesizer:
    """Worker pools (one per engine in use, each worker with its own engine) plus the cache."""

    def __init__(
        self,
        workers: int | None = None,
        use_cache: bool = True,
        timeout_s: float | None = None,
        on_rendered: Callable[[], None] | None = None,
        cluster: str | None = None,
        shared_cache: bool = False,
        on_queued: Callable[[int], None] | None = None,
    ) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.use_cache = use_cache
        self.timeout_s = timeout_s or float(os.environ.get(TIMEOUT_ENV) or CHUNK_TIMEOUT_S)
        self.on_rendered = on_rendered
        self.on_queued = on_queued  # how many more chunks are to be rendered (progress)
        # where rendering runs: the local pool, or a Dask cluster (connected in the background
        # while the articles are read; ``prepare`` waits for it, before any work)
        self._connection: Future[Backend] = Future()
        if cluster:
            prepare_cluster(cluster)
            threading.Thread(
                target=self._connect, args=(cluster, shared_cache), daemon=True, name="cluster"
            ).start()
        else:
            self._connection.set_result(backend_for(None, self.workers, False, self.timeout_s))
        self._lock = threading.Lock()
        self._pools: dict[str, Executor] = {}  # one per engine: engines never share a process
        self._stopping: list[threading.Thread] = []  # engines being stopped (stop_engines)
        self._versions: dict[str, str] = {}
        self._voices: dict[str, list[EngineVoice]] = {}
        self._prepared: dict[tuple[Any, ...], Any] = {}
        self._plans: dict[Path, tuple[str, Any]] = {}  # a chunk's path -> (engine, settings)
        self._jobs: dict[Path, Future[Any]] = {}
        self._checks: ThreadPoolExecutor | None = None  # reads cached chunks (``render``)
        self.rendered = 0
        self.reused = 0

    def _connect(self, cluster: str, shared_cache: bool) -> None:
        try:
            self._connection.set_result(
                backend_for(cluster, self.workers, shared_cache, self.timeout_s)
            )
        except BaseException as exc:  # raised where the backend is first needed
            self._connection.set_exception(exc)

    @property
    def _backend(self) -> Backend:
        return self._connection.result()

    def __enter__(self) -> Synthesizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stop_engines(self) -> None:
        """Stop the engines (every chunk is rendered): their memory is free for what is left.
        The backend stays, for the units still running (``run``). The engines are told to stop
        and waited for in the background (an espeak-ng worker takes a few hundred ms to exit,
        while the build finishes its last parts); ``close`` waits for them."""
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            stopping = threading.Thread(target=pool.close, daemon=True, name="stop-engines")
            stopping.start()
            self._stopping.append(stopping)

    def stop_engines_after(self, waits: Sequence[Callable[[], object]]) -> Future[None]:
        """``stop_engines`` once each of ``waits`` has returned (every chunk rendered, or its
        cache entry checked and, if damaged, rendered again), in the background; the future
        says when, or what failed (the engines stop either way)."""
        done: Future[None] = Future()

        def wait_then_stop() -> None:
            try:
                for wait in waits:
                    wait()
            except BaseException as exc:
                done.set_exception(exc)
            else:
                done.set_result(None)
            finally:
                self.stop_engines()

        threading.Thread(target=wait_then_stop, name="rendered", daemon=True).start()
        return done

    def close(self) -> None:
        if self._checks is not None:
            self._checks.shutdown(cancel_futures=True)
        self.stop_engines()
        for stopping in self._stopping:
            stopping.join()
        if self._connection.exception() is None:
            self._backend.close()
        # temporaries of builds that were killed outright (this build's own are gone by now)
        for folder in {path.parent for path in self._jobs}:
            remove_stale_temporaries(folder)

    @property
    def runs_here(self) -> bool:
        """Whether units of work (``run``) run in this process (no cluster)."""
        return isinstance(self._backend, LocalBackend)

    @property
    def slots(self) -> int:
        """How many units can run at once where the work runs (cores, or cluster threads)."""
        return self._backend.slots

    def run(
        self,
        fn: Callable[..., R],
        args: tuple[Any, ...],
        label: str,
        inputs: Sequence[Path] = (),
        outputs: Sequence[Path] = (),
    ) -> R:
        """A unit of the build other than rendering (encode a part, measure it) where the work
        runs: here, or on the cluster (``executor.Backend.run``)."""
        return self._backend.run(fn, args, label, inputs, outputs)

    @property
    def replaced_workers(self) -> int:
        return sum(pool.replaced for pool in self._pools.values())

    def warm_up(self, engine: str) -> None:
        """Start one worker of ``engine`` in the background (a build calls this before its text
        stages, so the engine starts while the article is read; a build with nothing to render
        pays for it only on the other core)."""
        self._connection.add_done_callback(
            lambda done: None if done.exception() else self._workers(engine).prestart()
        )

    def _workers(self, engine: str) -> Executor:
        with self._lock:
            if engine not in self._pools:
                self._pools[engine] = self._backend.executor(engine, self.timeout_s)
            return self._pools[engine]

    def version(self, engine: str) -> str:
        """``engine``'s version, asked once per build."""
        if engine not in self._versions:
            self._versions[engine] = engines.get(engine).version()
        return self._versions[engine]

    def engine_voices(self, engine: str) -> list[EngineVoice]:
        """``engine``'s voices. An isolated engine is asked in its own worker process once per
        engine version, then read from the cache."""
        if engine in self._voices:
            return self._voices[engine]
        found = engines.get(engine)
        if not found.isolated:
            self._voices[engine] = list(found.voices())
            return self._voices[engine]
        stamp = hashlib.sha256(
            f"{engine}\n{self.version(engine)}\n{cache.ENTRY_FORMAT}".encode()
        ).hexdigest()[:16]
        memo = cache_root() / "engine" / f"voices-{stamp}.json"
        raw = None
        if self.use_cache:
            with contextlib.suppress(OSError, ValueError):
                data = cache.read_entry(memo)  # a damaged list is reported and asked again
                raw = json.loads(data.decode("utf-8")) if data is not None else None
        if raw is None:
            future = self._workers(engine).submit("voices", (), "the list of voices")
            listed = future.result(timeout=self.timeout_s * WorkerPool.MAX_ATTEMPTS + 30)
            raw = [[v.id, v.name, list(v.languages)] for v in listed]
            if self.use_cache:
                with contextlib.suppress(OSError):
                    cache.write_entry(memo, json.dumps(raw).encode("utf-8"))
        self._voices[engine] = [EngineVoice(i, n, tuple(langs)) for i, n, langs in raw]
        return self._voices[engine]

    def prepare(self, voice: Voice) -> Any:
        """``voice``'s engine settings checked against what is installed and made canonical.

        Raises a ConfigError naming the voice and its file (an EngineUnavailable when the
        engine is an extra that is not installed)."""
        memo = (voice.name, voice.engine, voice.settings, voice.source,
                tuple(sorted(voice.lexicon.items())))  # fmt: skip
        if memo not in self._prepared:
            backend = self._backend  # a cluster that cannot be reached fails here, on its own
            try:
                self._prepared[memo] = self.check(voice)
                backend.check(voice.engine)  # the cluster's workers have it, same version
            except ConfigError as exc:
                message = f"voice '{voice.name}' ({voice.source}): {exc}"
                if isinstance(exc, EngineUnavailable):
                    raise EngineUnavailable(message, exc.hint) from None
                raise ConfigError(message) from None
        return self._prepared[memo]

    def check(self, voice: Voice) -> Any:
        """Like ``prepare``, but the engine's own error (no voice name): SettingError,
        EngineUnavailable or ConfigError, for ``voices check`` to place in the file."""
        engine = engines.get(voice.engine)
        source = Path(voice.source)
        context = PrepareContext(
            voice.lexicon,
            source.parent if source.is_file() else None,
            lambda: self.engine_voices(voice.engine),
        )
        return engine.prepare(voice.settings, context)

    def locate(
        self, chunks: Sequence[Chunk], voices: dict[str, Voice], scratch: Path
    ) -> list[SpokenChunk]:
        """Where each chunk's audio is, or will be once rendered (its content address)."""
        prepared = {name: (voice.engine, self.prepare(voice)) for name, voice in voices.items()}
        root = cache_root() / "chunks" if self.use_cache else scratch
        located = []
        for chunk in chunks:
            engine, settings = prepared[chunk.voice]
            path = chunk_path(root, chunk_key(chunk.spoken, engine, self.version(engine), settings))
            self._plans[path] = (engine, settings)
            located.append(SpokenChunk(chunk, path))
        return located

    def render(self, items: Sequence[SpokenChunk], urgent: bool = False) -> list[Future[Any]]:
        """Start rendering every item whose audio is missing; one future per item, in order.

        A chunk already rendered (cache) or already under way is not rendered again. The chunks
        not in the cache are queued first; those in it are then checked in the background, in
        order (``cache.check``: a damaged one is reported and rendered again), each future
        settled as its chunk is: a rebuild's edited chunk is rendered, and its part encoded,
        while the cache is read. ``urgent``: before every chunk queued (the build waits for
        these now). The chunks to render go to their engine's executor in batches
        (``batches``: about a part's chunks), which a cluster runs as one task each.
        """
        cached: dict[Path, SpokenChunk] = {}  # in order, each chunk once
        missing: dict[Path, SpokenChunk] = {}
        for item in items:
            path = item.wav_path
            if path not in self._jobs and path not in missing:
                kept = self.use_cache and cache.may_hold(path)
                (cached if kept else missing)[path] = item
        self._queue(self._to_render(missing.values()), urgent)
        if cached:
            kept_chunks = [(item, _Kept(self._settle, item, urgent)) for item in cached.values()]
            self._jobs.update((item.wav_path, future) for item, future in kept_chunks)
            if self._checks is None:
                self._checks = ThreadPoolExecutor(1, thread_name_prefix="cache-checks")
            self._checks.submit(_sweep, [future for _, future in kept_chunks])
        return [self._jobs[item.wav_path] for item in items]

    def _settle(self, item: SpokenChunk, future: Future[Any], urgent: bool) -> None:
        """Check the cached chunk ``item`` and settle its ``future``: at once if it is whole
        (or says nothing: written then), else once it is rendered again."""
        try:
            if cache.check(item.wav_path):
                with self._lock:
                    self.reused += 1
                future.set_result(None)
            elif self._to_render([item]):
                self._queue([item], urgent)
                _follow(self._jobs[item.wav_path], future)
            else:
                future.set_result(None)
        except BaseException as exc:  # whoever waits on the chunk learns why
            future.set_exception(exc)

    def _to_render(self, items: Iterable[SpokenChunk]) -> list[SpokenChunk]:
        """Those of ``items`` with something to say (those without are written at once)."""
        missing = []
        for item in items:
            if item.chunk.spoken.strip():
                missing.append(item)
            else:  # nothing to say (e.g. a scene break)
                write_empty(item.wav_path)
                self._jobs.setdefault(item.wav_path, _done())
        return missing

    def _queue(self, missing: list[SpokenChunk], urgent: bool) -> None:
        if missing and self.on_queued is not None:
            self.on_queued(len(missing))
        for batch in batches(missing, lambda item: self._plans[item.wav_path][0]):
            engine = self._plans[batch[0].wav_path][0]
            units = [
                ((item.chunk.spoken, self._plans[item.wav_path][1], str(item.wav_path)),
                 item.chunk.text[:80])
                for item in batch
            ]  # fmt: skip
            jobs = self._workers(engine).submit_batch("render", units, urgent)
            with self._lock:  # a damaged cached chunk is queued by whoever checked it
                self.rendered += len(jobs)
            for item, job in zip(batch, jobs, strict=True):
                self._jobs[item.wav_path] = job
                if self.on_rendered is not None:
                    job.add_done_callback(self._report)

    def _report(self, _future: Future[Any]) -> None:
        if self.on_rendered is not None:
            self.on_rendered()

    def synthesize(
        self, chunks: Sequence[Chunk], voices: dict[str, Voice], scratch: Path
    ) -> Iterator[SpokenChunk]:
        """Render every chunk (in parallel, cache first) and yield them in order."""
        items = self.locate(chunks, voices, scratch)
        for item, future in zip(items, self.render(items), strict=True):
            future.result()
            yield item


__all__ = ["SettingError", "Synthesizer"]
