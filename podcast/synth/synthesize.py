"""Speech synthesis: chunks in, WAV files out, through pyttsx3 driving espeak-ng.

pyttsx3 lives only here. Its traps (see PITFALLS.md) are handled in one place:
- espeak-ng initialises once per process, so each worker process owns one engine;
- exactly one ``save_to_file`` + ``runAndWait`` per file;
- its "Audio saved to" chatter on stdout is swallowed;
- unknown voice ids are accepted silently, so ids are checked against the engine's list and
  the voice in use is read back after each render;
- every WAV is checked (non-empty, plausible length for its words).

Rendered chunks are kept in a content-addressed cache (key: spoken text + voice settings +
engine and library versions) so a rebuild re-renders only what changed.

Workers are spawned processes under a watchdog (``WorkerPool``): one that dies or hangs is
replaced and its chunk retried; a chunk that fails twice fails the build naming its text.
``worker_main`` is the worker's entry point and ``render_chunk`` the one function that speaks.
"""

from __future__ import annotations

import collections
import contextlib
import difflib
import hashlib
import itertools
import json
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
import types
import wave
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing import connection as mp_connection
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from podcast import toolchain
from podcast.cache import CACHE_ENV, atomic_write, cache_root, publish, remove_stale_temporaries
from podcast.config.voices import DEFAULT_ENGINE as PYTTSX3
from podcast.config.voices import PIPER_ENGINE as PIPER
from podcast.config.voices import Voice
from podcast.errors import ConfigError, OutputError, SynthesisError
from podcast.models import Chunk, SpokenChunk

ENGINE_NAME = "pyttsx3+espeak-ng"
CHUNK_TIMEOUT_S = 60  # per chunk; a chunk is at most a sentence, rendered in well under 1 s
TIMEOUT_ENV = "PODCAST_CHUNK_TIMEOUT_S"
SAMPLE_RATE = 22_050  # what espeak-ng produces
MIN_SECONDS_PER_WORD = 0.08  # far below any real rate: shorter audio means truncation


def engine_version() -> str:
    from importlib.metadata import version

    import pyttsx3  # noqa: F401  (version only; the engine is never started in this process)

    espeak = toolchain.find_espeak()
    return f"pyttsx3 {version('pyttsx3')}; espeak-ng {espeak.version} ({espeak.origin})"


def chunk_key(spoken: str, settings: dict[str, Any], version: str) -> str:
    """Content address of a rendered chunk."""
    payload = json.dumps({"spoken": spoken, "settings": settings, "engine": version},
                         sort_keys=True, ensure_ascii=False)  # fmt: skip
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------
# worker side: one engine per process


_ENGINE: Any = None
FAULT_ENV = "PODCAST_TEST_FAULT"  # test hook, see _inject_fault
# pyttsx3 writes the WAV inside a ctypes callback, where an exception (disk full) is only
# printed as "Exception ignored" and the utterance never ends (the worker would hang until
# the watchdog). The hook keeps the error and stops the utterance so the render reports it.
_SAVE_ERRORS: list[BaseException] = []
_OUTPUT_FAILURE = "output"  # marks a worker's reply whose error is the disk's, not the text's


def _keep_save_errors(unraisable: Any) -> None:
    if getattr(unraisable.object, "__qualname__", "") == "Wave_write.__del__":
        return  # the echo of a save error (a writer whose file never opened), already kept
    if "saving WAV" not in str(unraisable.exc_value):
        sys.__unraisablehook__(unraisable)
        return
    _SAVE_ERRORS.append(unraisable.exc_value)
    driver = getattr(unraisable.object, "__self__", None)
    if driver is not None and hasattr(driver, "_stopping"):
        driver._stopping = True  # its loop then cancels the utterance and returns


def _init_worker() -> None:
    global _ENGINE
    # pyttsx3 prints "Audio saved to ..." from espeak's thread for every file; a worker's
    # stdout is the user's terminal (or their --json pipe), so it goes nowhere instead.
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the worker
    sys.unraisablehook = _keep_save_errors
    toolchain.load_espeak()
    import pyttsx3

    _allow_phoneme_input()
    _poll_faster()
    _ENGINE = pyttsx3.init("espeak")


DRIVER_POLL_S = 0.0005


def _poll_faster() -> None:
    """Let ``runAndWait`` notice the end of an utterance within half a millisecond.

    pyttsx3's espeak driver polls for the end of each utterance with ``time.sleep(0.01)``:
    10-20 ms per chunk, longer than espeak-ng takes to speak a sentence (measured here: 56 seed
    chunks in 1.61 s with the driver's poll, 0.69 s with this one). Only the driver's own
    module sees this clock.
    """
    import types

    from pyttsx3.drivers import espeak as driver

    driver.time = types.SimpleNamespace(sleep=lambda _seconds: time.sleep(DRIVER_POLL_S))


def _inject_fault(spoken: str, attempt: int) -> None:
    """Make this worker die, hang or fail on a chosen chunk, for tests of the watchdog.

    ``PODCAST_TEST_FAULT=KIND:TEXT`` with KIND ``exit``, ``hang`` or ``fail`` acts on the first
    attempt at any chunk whose spoken text contains TEXT (the retry then succeeds);
    ``exit-always``, ``hang-always`` and ``fail-always`` act on every attempt.
    """
    spec = os.environ.get(FAULT_ENV)
    if not spec or ":" not in spec:
        return
    kind, _, needle = spec.partition(":")
    kind, _, always = kind.partition("-")
    if needle not in spoken or (attempt > 1 and always != "always"):
        return
    if kind == "exit":
        os._exit(70)
    elif kind == "hang":
        while True:
            time.sleep(60)
    elif kind == "fail":
        raise SynthesisError("the engine failed (injected by PODCAST_TEST_FAULT)")


def worker_main(conn: Connection, engine: str = PYTTSX3) -> None:
    """Entry point of a synthesis worker process: one engine, then one task at a time.

    Receives ``(task_id, kind, args, attempt)``; sends back ``(task_id, ok, value)`` where
    value is the result or the error's message. ``kind`` is "render" (``render_chunk``, or
    Piper's renderer in a Piper worker) or "voices". ``None`` ends the worker. Ctrl-C is the
    parent's to handle: the worker ignores it so that an interrupted build is not mistaken for
    dying workers. A process runs one engine only: Piper's espeak-ng crashes a process that
    loaded pyttsx3's.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    render = render_chunk
    if engine == PIPER:
        from podcast.engines import piper as piper_engine

        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the worker
        piper_engine.init_worker()
        render = piper_engine.render
    else:
        _init_worker()
    conn.send((-1, True, "ready"))  # time limits count from here
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        task_id, kind, args, attempt = message
        try:
            if kind == "render":
                _inject_fault(args[0], attempt)
                value: Any = render(*args)
            elif kind == "voices":
                value = _engine_voices()
            else:
                raise ValueError(f"unknown task {kind!r}")
            reply = (task_id, True, value)
        except OutputError as exc:  # the disk's fault: no retry, the user must act
            reply = (task_id, False, (_OUTPUT_FAILURE, str(exc)))
        except Exception as exc:  # reported to the parent, which retries or fails the build
            reply = (task_id, False, str(exc) or type(exc).__name__)
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return


def _allow_phoneme_input() -> None:
    """Let lexicon entries use espeak phoneme input ``[[...]]``.

    pyttsx3 calls ``espeak_Synth`` without the espeakPHONEMES flag, so ``[[m'Vsk]]`` would be
    read out as letters; normalization removes brackets from article text, so only the
    lexicon's phonemes ever reach the engine in brackets.
    """
    from pyttsx3.drivers import _espeak

    synth = _espeak.Synth
    if getattr(synth, "_podcast_phonemes", False):
        return

    def synth_with_phonemes(text: bytes, *args: Any, flags: int = 0, **kwargs: Any) -> Any:
        return synth(text, *args, flags=flags | _espeak.PHONEMES, **kwargs)

    synth_with_phonemes._podcast_phonemes = True  # type: ignore[attr-defined]
    _espeak.Synth = synth_with_phonemes


def _wait_for_espeak() -> None:
    """Block until espeak-ng's own synthesis thread is idle.

    pyttsx3 runs espeak-ng in AUDIO_OUTPUT_RETRIEVAL mode, where synthesis happens on espeak's
    thread. ``runAndWait`` returns at the end-of-message event, possibly before that thread
    is idle; the next ``runAndWait`` then sees it "playing", cancels, and our WAV comes out
    missing or empty (seen here on about one build in three without this wait).
    """
    from pyttsx3.drivers import _espeak

    _espeak.Synchronize()


def _engine() -> Any:
    if _ENGINE is None:
        _init_worker()
    return _ENGINE


def _engine_voices() -> list[tuple[str, str, list[str]]]:
    """(id, name, languages) of every voice the engine offers."""
    return [(v.id, v.name, list(v.languages or [])) for v in _engine().getProperty("voices")]


def wav_duration_ms(path: Path) -> int:
    with wave.open(str(path), "rb") as wav:
        return round(wav.getnframes() * 1000 / wav.getframerate())


def render_chunk(spoken: str, settings: dict[str, Any], out_path: str) -> int:
    """Render one chunk to ``out_path`` (atomically); return its duration in ms.

    Runs in a worker process. ``settings`` are the voice's engine settings (see
    ``Synthesizer.prepare``); this is the one place that talks to the engine.
    """
    engine = _engine()
    target = Path(out_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_path(target, os.getpid())
    engine.setProperty("voice", settings["engine_voice"])
    engine.setProperty("rate", settings["rate_wpm"])
    engine.setProperty("volume", settings["volume"])
    engine.setProperty("pitch", settings["pitch"])
    _wait_for_espeak()
    _SAVE_ERRORS.clear()
    engine.save_to_file(spoken, str(tmp))
    engine.runAndWait()
    _wait_for_espeak()
    if _SAVE_ERRORS:
        tmp.unlink(missing_ok=True)
        reason = str(_SAVE_ERRORS[-1]).removeprefix("Error saving WAV file: ")
        raise OutputError(
            f"cannot write the chunk cache in {target.parent} ({reason}); free some disk "
            f"space or set {CACHE_ENV} to another folder"
        )
    in_use = str(engine.getProperty("voice") or "").lower()
    if in_use != settings["engine_voice"].lower():
        tmp.unlink(missing_ok=True)
        raise SynthesisError(
            f"espeak-ng spoke with voice '{in_use}' instead of '{settings['engine_voice']}'"
        )
    try:
        duration_ms = wav_duration_ms(tmp)
    except (OSError, wave.Error, EOFError) as exc:
        tmp.unlink(missing_ok=True)
        raise SynthesisError(f"the engine wrote no usable audio ({exc})") from exc
    words = len(spoken.split())
    if duration_ms <= 0 or duration_ms < words * MIN_SECONDS_PER_WORD * 1000:
        tmp.unlink(missing_ok=True)
        raise SynthesisError(
            f"the engine's audio is too short ({duration_ms} ms for {words} words)"
        )
    if not publish(tmp, target):  # another build rendered it first: use theirs
        return wav_duration_ms(target)
    return duration_ms


# ---------------------------------------------------------------------------------------------
# parent side


@dataclass(frozen=True)
class EngineVoice:
    id: str
    name: str
    languages: tuple[str, ...]


def _variants() -> dict[str, str]:
    """espeak-ng's voice variants: lowercase name -> the file's own name (``alex`` -> ``Alex``).

    espeak-ng finds a variant by file name, case-sensitively: ``+alex`` silently falls back to
    the plain voice, so the id must keep the file's case.
    """
    folder = Path(toolchain.find_espeak().data_dir, "voices", "!v")
    return {p.name.lower(): p.name for p in folder.iterdir()} if folder.is_dir() else {}


def engine_variants() -> list[str]:
    """The names of espeak-ng's voice variants (``f3``, ``m3``, ``Alex`` ...)."""
    return sorted(_variants().values(), key=str.lower)


def resolve_engine_voice(requested: str, available: Sequence[EngineVoice]) -> str:
    """The engine's full id for ``requested`` (``en-us`` -> ``gmw/en-us``, variants kept).

    pyttsx3 accepts unknown ids silently, so an id the engine lacks is an error that lists
    the closest matches.
    """
    base, _, variant = requested.strip().lower().partition("+")
    ids = {v.id.lower(): v.id.lower() for v in available}
    short = {v.id.lower().rsplit("/", 1)[-1]: v.id.lower() for v in available}
    full = ids.get(base) or short.get(base)
    if full is None:
        close = difflib.get_close_matches(base, sorted({*ids, *short}), n=3)
        hint = f"; close matches: {', '.join(close)}" if close else ""
        raise ConfigError(f"espeak-ng has no voice '{requested}'{hint}")
    if variant:
        variants = _variants()
        if variant not in variants:
            close = difflib.get_close_matches(variant, sorted(variants), n=3)
            hint = f"; close matches: {', '.join(close)}" if close else ""
            raise ConfigError(f"espeak-ng has no voice variant '+{variant}'{hint}")
        return f"{full}+{variants[variant]}"
    return full


def _write_silence(path: Path) -> None:
    """An empty WAV in the engine's format, for a chunk with no words to speak."""
    with (
        tempfile.NamedTemporaryFile(dir=_parent(path), suffix=".tmp.wav", delete=False) as fh,
        wave.open(fh, "wb") as wav,
    ):
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
    publish(Path(fh.name), path)


def _parent(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.parent


def _tmp_path(target: Path, pid: int) -> Path:
    """Where process ``pid`` writes ``target`` before moving it into place (same folder)."""
    return target.with_name(f".{target.stem}.{pid}.tmp.wav")


@dataclass
class _Task:
    task_id: int
    kind: str
    args: tuple[Any, ...]
    future: Future[Any]
    label: str  # what to name in an error: the chunk's text
    attempt: int = 0
    started: float = 0.0


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    task: _Task | None = None
    ready: bool = False  # its engine is up (time limits count from then)
    spawned: float = 0.0


@contextlib.contextmanager
def _bare_main() -> Iterator[None]:
    """Start processes without making them run our ``__main__`` first.

    A spawned process imports the parent's main module before its target: for ``podcast`` that
    is the CLI, and Typer, Click and Rich cost a worker about 0.1 s of CPU (measured with
    PYTHONPROFILEIMPORTTIME on a build), for nothing: ``worker_main`` needs only this module.
    multiprocessing skips that step when ``__main__`` has neither a spec nor a file.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class WorkerPool:
    """Synthesis worker processes (spawned, one engine each) under a watchdog.

    A dispatcher thread hands one task at a time to each idle worker. A worker that dies or
    takes longer than ``timeout_s`` on one task is killed and replaced, and its task is tried
    again; a task that fails ``MAX_ATTEMPTS`` times fails with a SynthesisError naming it.
    Workers start lazily, never more than there are tasks waiting.
    """

    MAX_ATTEMPTS = 2

    def __init__(self, size: int, timeout_s: float, engine: str = PYTTSX3) -> None:
        self.size = max(1, size)
        self.engine = engine
        self.timeout_s = timeout_s
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._queue: collections.deque[_Task] = collections.deque()
        self._workers: list[_Worker] = []
        self._ids = itertools.count()
        self._wake_r, self._wake_w = os.pipe()
        self._closed = False
        self.replaced = 0  # workers replaced after dying or hanging
        self._start_failures = 0
        self._thread = threading.Thread(target=self._run, name="synthesis-watchdog", daemon=True)
        self._thread.start()

    def submit(self, kind: str, args: tuple[Any, ...], label: str) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the synthesis pool is closed")
            self._queue.append(_Task(next(self._ids), kind, args, future, label))
        os.write(self._wake_w, b"x")
        return future

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for task in self._queue:
                task.future.cancel()
            self._queue.clear()
        os.write(self._wake_w, b"x")
        self._thread.join(timeout=10)
        for worker in self._workers:
            if worker.task is not None:  # nobody may wait forever on a chunk never finished
                worker.task.future.cancel()
            self._stop(worker)
        self._workers.clear()
        os.close(self._wake_r)
        os.close(self._wake_w)

    # dispatcher thread ---------------------------------------------------------------------

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=worker_main, args=(child, self.engine), name="podcast-synthesis", daemon=True
        )
        with _bare_main():
            process.start()
        child.close()
        worker = _Worker(process, parent, spawned=time.monotonic())
        self._workers.append(worker)
        return worker

    def prestart(self) -> None:
        """Start one worker now, so that its engine is ready when the first chunk comes."""
        with self._lock:
            if not self._workers and not self._closed:
                self._spawn()
        os.write(self._wake_w, b"x")

    def _stop(self, worker: _Worker, kill: bool = False) -> None:
        if not worker.ready:  # still starting: nothing of value to wait for
            kill = True
        if not kill and worker.process.is_alive():
            with contextlib.suppress(OSError):
                worker.conn.send(None)
            worker.process.join(timeout=2)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(timeout=5)
        worker.conn.close()

    def _assign(self) -> None:
        with self._lock:
            free = sum(1 for w in self._workers if w.task is None)  # idle or starting
            while len(self._workers) < self.size and free < len(self._queue):
                self._spawn()
                free += 1
            while self._queue:
                idle = next((w for w in self._workers if w.ready and w.task is None), None)
                if idle is None:
                    return
                task = self._queue.popleft()
                if task.future.cancelled():
                    continue
                task.attempt += 1
                task.started = time.monotonic()
                idle.task = task
                # if the worker is already dead, its sentinel fires next and the task is retried
                with contextlib.suppress(BrokenPipeError, OSError):
                    idle.conn.send((task.task_id, task.kind, task.args, task.attempt))

    def _failed(self, worker: _Worker, reason: str) -> None:
        """``worker`` died or hung: replace it and retry its task (or give up on it)."""
        task = worker.task
        worker.task = None
        self._stop(worker, kill=True)
        self._workers.remove(worker)
        self.replaced += 1
        if task is None:
            if not worker.ready:
                self._start_failures += 1
                if self._start_failures >= self.MAX_ATTEMPTS:
                    self._fail_all(f"{reason} twice; run 'podcast doctor'")
            return
        if task.kind == "render":  # what the dead worker left half-written
            _tmp_path(Path(task.args[2]), worker.process.pid or 0).unlink(missing_ok=True)
        self._retry_or_fail(task, reason)

    def _fail_all(self, message: str) -> None:
        with self._lock:
            queued, self._queue = list(self._queue), collections.deque()
        for task in queued:
            task.future.set_exception(SynthesisError(message))

    def _retry_or_fail(self, task: _Task, reason: str) -> None:
        if task.attempt < self.MAX_ATTEMPTS:
            with self._lock:
                self._queue.appendleft(task)
            return
        task.future.set_exception(
            SynthesisError(
                f"{reason} twice while speaking {task.label!r}; check that text "
                "(or run 'podcast doctor')"
            )
        )

    def _run(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
            self._assign()
            now = time.monotonic()
            deadlines = [
                w.task.started + self.timeout_s if w.task else w.spawned + self.timeout_s
                for w in self._workers
                if w.task or not w.ready
            ]
            waitables: list[Any] = [self._wake_r]
            for w in self._workers:
                waitables += [w.conn, w.process.sentinel]
            timeout = max(0.0, min(deadlines) - now) if deadlines else None
            ready = mp_connection.wait(waitables, timeout=timeout)
            if self._wake_r in ready:
                os.read(self._wake_r, 4096)
            for worker in list(self._workers):
                if worker.conn in ready:
                    self._receive(worker)
                elif worker.process.sentinel in ready:
                    code = worker.process.exitcode
                    self._failed(worker, f"the synthesis process died (exit code {code})")
                elif worker.task and time.monotonic() > worker.task.started + self.timeout_s:
                    self._failed(worker, f"the engine hung (no audio after {self.timeout_s:g} s)")
                elif not worker.ready and time.monotonic() > worker.spawned + self.timeout_s:
                    self._failed(worker, "the engine did not start")

    def _receive(self, worker: _Worker) -> None:
        try:
            task_id, ok, value = worker.conn.recv()
        except (EOFError, OSError):
            self._failed(worker, "the synthesis process died")
            return
        if task_id == -1:
            worker.ready = True
            self._start_failures = 0
            return
        task = worker.task
        worker.task = None
        if task is None or task.task_id != task_id:
            return
        if ok:
            task.future.set_result(value)
        elif isinstance(value, tuple) and value[0] == _OUTPUT_FAILURE:
            task.future.set_exception(OutputError(value[1]))  # disk full: retrying cannot help
        else:
            self._retry_or_fail(task, f"the engine failed ({value})")


class Synthesizer:
    """A watchdog pool of worker processes, each with its own espeak-ng engine, plus the cache."""

    def __init__(
        self,
        workers: int | None = None,
        use_cache: bool = True,
        timeout_s: float | None = None,
        on_rendered: Callable[[], None] | None = None,
    ) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.use_cache = use_cache
        self.version = engine_version()
        self.timeout_s = timeout_s or float(os.environ.get(TIMEOUT_ENV) or CHUNK_TIMEOUT_S)
        self.on_rendered = on_rendered
        self._pools: dict[str, WorkerPool] = {}  # one per engine: Piper never shares a process
        self._voices: list[EngineVoice] | None = None
        self._settings: dict[str, dict[str, Any]] = {}
        self._jobs: dict[Path, Future[Any]] = {}
        self.rendered = 0
        self.reused = 0

    def __enter__(self) -> Synthesizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
        # temporaries of builds that were killed outright (this build's own are gone by now)
        for folder in {path.parent for path in self._jobs}:
            remove_stale_temporaries(folder)

    @property
    def replaced_workers(self) -> int:
        return sum(pool.replaced for pool in self._pools.values())

    def warm_up(self, engine: str = PYTTSX3) -> None:
        """Start one worker of ``engine`` in the background (a build calls this before its text
        stages, so the engine starts while the article is read; a build with nothing to render
        pays for it only on the other core)."""
        self._workers(engine).prestart()

    def _workers(self, engine: str = PYTTSX3) -> WorkerPool:
        if engine not in self._pools:
            self._pools[engine] = WorkerPool(self.workers, self.timeout_s, engine)
        return self._pools[engine]

    def engine_voices(self) -> list[EngineVoice]:
        """The engine's voices: asked once per engine version, then read from the cache."""
        if self._voices is None:
            memo = cache_root() / "engine" / f"voices-{chunk_key('', {}, self.version)[:16]}.json"
            raw = None
            if self.use_cache:
                with contextlib.suppress(OSError, ValueError):
                    raw = json.loads(memo.read_text(encoding="utf-8"))
            if raw is None:
                future = self._workers().submit("voices", (), "the list of voices")
                raw = future.result(timeout=self.timeout_s * WorkerPool.MAX_ATTEMPTS + 30)
                if self.use_cache:
                    with contextlib.suppress(OSError):
                        atomic_write(memo, json.dumps(raw).encode("utf-8"))
            self._voices = [EngineVoice(i, n, tuple(langs)) for i, n, langs in raw]
        return self._voices

    def prepare(self, voice: Voice) -> dict[str, Any]:
        """Engine settings for ``voice`` with its id checked and made canonical."""
        settings = voice.engine_settings()
        if voice.engine == PIPER:
            from podcast.engines import piper as piper_engine

            source = Path(voice.source)
            try:
                return piper_engine.prepare(
                    settings, voice.lexicon, source.parent if source.is_file() else None
                )
            except ConfigError as exc:
                raise type(exc)(f"voice '{voice.name}' ({voice.source}): {exc}") from None
        try:
            settings["engine_voice"] = resolve_engine_voice(
                voice.engine_voice, self.engine_voices()
            )
        except ConfigError as exc:
            raise ConfigError(f"voice '{voice.name}' ({voice.source}): {exc}") from None
        return settings

    def path_for(self, spoken: str, settings: dict[str, Any], scratch: Path) -> Path:
        key = chunk_key(spoken, settings, self.version)
        root = cache_root() / "chunks" if self.use_cache else scratch
        return root / key[:2] / f"{key}.wav"

    def locate(
        self, chunks: Sequence[Chunk], voices: dict[str, Voice], scratch: Path
    ) -> list[SpokenChunk]:
        """Where each chunk's audio is, or will be once rendered (its content address)."""
        for name, voice in voices.items():
            if name not in self._settings:
                self._settings[name] = self.prepare(voice)
        return [
            SpokenChunk(c, self.path_for(c.spoken, self._settings[c.voice], scratch))
            for c in chunks
        ]

    def render(self, items: Sequence[SpokenChunk]) -> list[Future[Any]]:
        """Start rendering every item whose audio is missing; one future per item, in order.

        A chunk already rendered (cache) or already under way is not rendered again.
        """
        futures = []
        for item in items:
            path = item.wav_path
            job = self._jobs.get(path)
            if job is None:
                if self.use_cache and path.exists():
                    job = Future()
                    job.set_result(None)
                    self.reused += 1
                elif not item.chunk.spoken.strip():  # nothing to say (e.g. a scene break)
                    _write_silence(path)
                    job = Future()
                    job.set_result(None)
                else:
                    settings = self._settings[item.chunk.voice]
                    job = self._workers(settings["engine"]).submit(
                        "render", (item.chunk.spoken, settings, str(path)), item.chunk.text[:80]
                    )
                    self.rendered += 1
                    if self.on_rendered is not None:
                        job.add_done_callback(self._report)
                self._jobs[path] = job
            futures.append(job)
        return futures

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
