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
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import multiprocessing
import os
import signal
import sys
import threading
import wave
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podcast import toolchain
from podcast.errors import ConfigError, OutputError, SynthesisError
from podcast.models import Chunk, SpokenChunk
from podcast.voices import Voice

ENGINE_NAME = "pyttsx3+espeak-ng"
CACHE_ENV = "PODCAST_CACHE_DIR"
CHUNK_TIMEOUT_S = 60
SAMPLE_RATE = 22_050  # what espeak-ng produces
MIN_SECONDS_PER_WORD = 0.08  # far below any real rate: shorter audio means truncation


def cache_root() -> Path:
    """Where rendered chunks are kept: $PODCAST_CACHE_DIR or the user's cache folder."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("podcast", appauthor=False))


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
# pyttsx3 writes the WAV inside a ctypes callback, where an exception (disk full) is only
# printed as "Exception ignored"; the hook keeps it so the render can report it properly.
_SAVE_ERRORS: list[BaseException] = []


def _keep_save_errors(unraisable: Any) -> None:
    if "saving WAV" in str(unraisable.exc_value):
        _SAVE_ERRORS.append(unraisable.exc_value)
    else:
        sys.__unraisablehook__(unraisable)


def _init_worker() -> None:
    global _ENGINE
    sys.unraisablehook = _keep_save_errors
    # Ctrl-C reaches the whole process group; the parent decides what stops, so a worker
    # finishes its chunk (no half-written WAV in the cache) and the pool shuts down cleanly.
    # (Inherited already from _no_sigint; set again so the rule reads here.)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # pyttsx3 prints "Audio saved to ..." from espeak's thread for every file; a worker's
    # stdout is the user's terminal (or their --json pipe), so it goes nowhere instead.
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the worker
    toolchain.load_espeak()
    import pyttsx3

    _ENGINE = pyttsx3.init("espeak")


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


def _render(spoken: str, settings: dict[str, Any], out_path: str) -> int:
    """Render one chunk to ``out_path`` (atomically); return its duration in ms."""
    engine = _engine()
    target = Path(out_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp.wav")
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
    os.replace(tmp, target)
    return duration_ms


# ---------------------------------------------------------------------------------------------
# parent side


@dataclass(frozen=True)
class EngineVoice:
    id: str
    name: str
    languages: tuple[str, ...]


def _variants() -> set[str]:
    folder = Path(toolchain.find_espeak().data_dir, "voices", "!v")
    return {p.name.lower() for p in folder.iterdir()} if folder.is_dir() else set()


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
        return f"{full}+{variant}"
    return full


@contextlib.contextmanager
def _no_sigint() -> Iterator[None]:
    """Ignore SIGINT while worker processes may be spawned.

    A spawned worker inherits an ignored SIGINT, and Python then never installs its
    KeyboardInterrupt handler there, so a Ctrl-C during a worker's start-up cannot dump a
    traceback (or "Fatal Python error") on the user. The window is the spawn call itself
    (milliseconds); a Ctrl-C inside it is lost and needs pressing again.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class Synthesizer:
    """A pool of worker processes, each with its own espeak-ng engine, plus the chunk cache."""

    def __init__(self, workers: int | None = None, use_cache: bool = True) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.use_cache = use_cache
        self.version = engine_version()
        self._pool: ProcessPoolExecutor | None = None
        self._voices: list[EngineVoice] | None = None
        self.rendered = 0
        self.reused = 0

    def __enter__(self) -> Synthesizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
            )
        return self._pool

    def engine_voices(self) -> list[EngineVoice]:
        if self._voices is None:
            with _no_sigint():
                future = self._executor().submit(_engine_voices)
            raw = future.result(timeout=CHUNK_TIMEOUT_S)
            self._voices = [EngineVoice(i, n, tuple(langs)) for i, n, langs in raw]
        return self._voices

    def prepare(self, voice: Voice) -> dict[str, Any]:
        """Engine settings for ``voice`` with its id checked and made canonical."""
        settings = voice.engine_settings()
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

    def synthesize(
        self, chunks: Sequence[Chunk], voices: dict[str, Voice], scratch: Path
    ) -> Iterator[SpokenChunk]:
        """Render every chunk (in parallel, cache first) and yield them in order."""
        settings = {name: self.prepare(voice) for name, voice in voices.items()}
        paths = [self.path_for(c.spoken, settings[c.voice], scratch) for c in chunks]
        pending: dict[Path, Future[int]] = {}
        for chunk, path in zip(chunks, paths, strict=True):
            if path in pending or (self.use_cache and path.exists()):
                continue
            with _no_sigint():
                pending[path] = self._executor().submit(
                    _render, chunk.spoken, settings[chunk.voice], str(path)
                )
        self.rendered += len(pending)
        self.reused += len(chunks) - len(pending)
        for chunk, path in zip(chunks, paths, strict=True):
            future = pending.get(path)
            if future is not None:
                try:
                    future.result(timeout=CHUNK_TIMEOUT_S)
                except SynthesisError as exc:
                    raise SynthesisError(f"{exc} while speaking: {chunk.text[:80]!r}") from None
            yield SpokenChunk(chunk, path)
