"""The espeak-ng engine, driven through pyttsx3 (``engine = "pyttsx3"``, the default).

pyttsx3 lives only here. Its traps are handled in one place:
- espeak-ng initialises once per process, so each worker process owns one engine
  (``start_worker``), and the parent process never loads it;
- exactly one ``save_to_file`` + ``runAndWait`` per file;
- unknown voice ids are accepted silently, so ids are checked against the engine's list
  (``resolve_voice``) and the voice in use is read back after each render;
- every WAV is checked (non-empty, plausible length for its words).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
import threading
import time
import wave
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

from podcast import toolchain
from podcast.cache import CACHE_ENV, put
from podcast.engines.base import (
    BaseEngine,
    EngineVoice,
    Extra,
    Finding,
    PrepareContext,
    Setting,
    SettingProblem,
    check_duration,
    close_matches,
    parse_settings,
    settings_table,
    tmp_path,
    wav_duration_ms,
)
from podcast.errors import ConfigError, OutputError, PodcastError, SynthesisError

NAME = "pyttsx3"
DEFAULT_VOICE = "gmw/en-us"
DEFAULT_RATE_WPM = 165
DEFAULT_PITCH = 50
DEFAULT_VOLUME = 1.0
RATE_RANGE = (80, 450)
PITCH_RANGE = (0, 99)
VOLUME_RANGE = (0.0, 1.0)
DRIVER_POLL_S = 0.01  # the longest the driver's loop sleeps before it looks again
_LOOP_ENDED = threading.Event()  # set when the driver's loop is told to end
IDLE_POLL_S = 0.0005  # how often _wait_for_espeak asks whether espeak-ng's thread is idle
_VOICE_RE = re.compile(r"^[a-z0-9_/-]+(?:\+[a-z0-9_-]+)?$", re.IGNORECASE)


@dataclass(frozen=True)
class EspeakSettings:
    """An espeak-ng voice id (a variant after "+"), its rate, pitch and volume."""

    voice: str = DEFAULT_VOICE
    rate_wpm: int = DEFAULT_RATE_WPM
    pitch: int = DEFAULT_PITCH
    volume: float = DEFAULT_VOLUME


SETTINGS = (
    Setting("voice", "voice", str, pattern=_VOICE_RE,
            pattern_hint="'{value}' is not an engine voice id (like 'gmw/en-us' or 'gmw/en-us+f3')"),
    Setting("rate", "rate_wpm", int, RATE_RANGE),
    Setting("pitch", "pitch", int, PITCH_RANGE),
    Setting("volume", "volume", (int, float), VOLUME_RANGE),
)  # fmt: skip


class EspeakEngine(BaseEngine):
    name = NAME
    label = "espeak-ng"
    keys = tuple(s.key for s in SETTINGS)
    steady = True  # a formant voice keeps its level: the first minute predicts the episode
    isolated = True  # pyttsx3's espeak-ng and Piper's crash a process that loads both

    def parse(self, table: Mapping[str, Any]) -> tuple[EspeakSettings | None, list[SettingProblem]]:
        return parse_settings(EspeakSettings, SETTINGS, table)

    def to_table(self, settings: EspeakSettings) -> dict[str, Any]:
        return settings_table(settings, SETTINGS)

    def comments(self) -> dict[str, str]:
        return {
            "voice": "an espeak-ng voice id ('podcast voices list'); a variant with \"+\", "
            'e.g. "gmw/en-us+f3"',
            "rate": "words per minute (80-450)",
            "pitch": "0-99",
            "volume": "0.0-1.0",
        }

    def available(self) -> str | None:
        try:
            toolchain.find_espeak()
        except PodcastError as exc:
            return str(exc)
        return None

    def version(self) -> str:
        espeak = toolchain.find_espeak()
        pyttsx3 = toolchain.distribution_version("pyttsx3")
        return f"pyttsx3 {pyttsx3}; espeak-ng {espeak.version} ({espeak.origin})"

    def voice_for(self, settings: EspeakSettings, language: str) -> EspeakSettings | None:
        ids = espeak_voice_ids(toolchain.find_espeak().data_dir)
        found = ids.get(language) or ids.get(language.split("-")[0])
        return replace(settings, voice=found) if found else None

    def prepare(self, settings: EspeakSettings, context: PrepareContext) -> EspeakSettings:
        return replace(settings, voice=resolve_voice(settings.voice, context.voices()))

    def voice_id(self, settings: EspeakSettings) -> str:
        return settings.voice

    def describe(self, settings: EspeakSettings) -> str:
        return f"{settings.voice} at {settings.rate_wpm} wpm"

    def voices(self) -> list[EngineVoice]:
        return [
            EngineVoice(v.id, v.name, tuple(v.languages or ()))
            for v in _engine().getProperty("voices")
        ]

    def extras(self) -> list[Extra]:
        return [Extra("variants", "Variants (add to an id with '+', e.g. gmw/en-us+f3)",
                      tuple(variants()))]  # fmt: skip

    def diagnose(self, voices: Callable[[], Sequence[EngineVoice]]) -> list[Finding]:
        try:
            espeak = toolchain.find_espeak()
        except PodcastError as exc:
            return [Finding("espeak-ng", False, str(exc),
                            "pip install --force-reinstall espeakng-loader")]  # fmt: skip
        found = [Finding("espeak-ng", True, f"{espeak.version} from the {espeak.origin}: "
                         f"library {espeak.library}, data {espeak.data_dir}")]  # fmt: skip
        try:
            listed = voices()
        except PodcastError as exc:
            return [*found, Finding("engine", False, str(exc), "run 'pip install -e .' again")]
        english = sum(1 for v in listed if any(lang.startswith("en") for lang in v.languages))
        return [*found, Finding("engine voices", True,
                                f"{len(listed)} espeak-ng voices ({english} English)")]  # fmt: skip

    def start_worker(self) -> None:
        _start()

    def render(self, text: str, settings: EspeakSettings, out_path: str) -> int:
        return render_chunk(text, settings, out_path)


# ---------------------------------------------------------------------------------------------
# voice ids


def espeak_voice_ids(data_dir: str) -> dict[str, str]:
    """espeak-ng voice ids by language code, from its data folder ("fr" -> "roa/fr")."""
    root = Path(data_dir) / "lang"
    ids: dict[str, str] = {}
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file():
                ids.setdefault(path.name.lower(), path.relative_to(root).as_posix())
    return ids


def _variants() -> dict[str, str]:
    """espeak-ng's voice variants: lowercase name -> the file's own name (``alex`` -> ``Alex``).

    espeak-ng finds a variant by file name, case-sensitively: ``+alex`` silently falls back to
    the plain voice, so the id must keep the file's case.
    """
    folder = Path(toolchain.find_espeak().data_dir, "voices", "!v")
    return {p.name.lower(): p.name for p in folder.iterdir()} if folder.is_dir() else {}


def variants() -> list[str]:
    """The names of espeak-ng's voice variants (``f3``, ``m3``, ``Alex`` ...)."""
    return sorted(_variants().values(), key=str.lower)


def resolve_voice(requested: str, available: Sequence[EngineVoice]) -> str:
    """The engine's full id for ``requested`` (``en-us`` -> ``gmw/en-us``, variants kept).

    pyttsx3 accepts unknown ids silently, so an id the engine lacks is an error that lists
    the closest matches.
    """
    base, _, variant = requested.strip().lower().partition("+")
    ids = {v.id.lower(): v.id.lower() for v in available}
    short = {v.id.lower().rsplit("/", 1)[-1]: v.id.lower() for v in available}
    full = ids.get(base) or short.get(base)
    if full is None:
        hint = close_matches(base, sorted({*ids, *short}))
        raise ConfigError(f"espeak-ng has no voice '{requested}'{hint}")
    if variant:
        found = _variants()
        if variant not in found:
            hint = close_matches(variant, sorted(found))
            raise ConfigError(f"espeak-ng has no voice variant '+{variant}'{hint}")
        return f"{full}+{found[variant]}"
    return full


# ---------------------------------------------------------------------------------------------
# worker side: one pyttsx3 engine per process

_ENGINE: Any = None
_IN_USE: tuple[str, int, float, int] | None = None  # the settings the engine has now
# pyttsx3 writes the WAV inside a ctypes callback, where an exception (disk full) is only
# printed as "Exception ignored" and the utterance never ends (the worker would hang until
# the watchdog). The hook keeps the error and stops the utterance so the render reports it.
_SAVE_ERRORS: list[BaseException] = []


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


def _start() -> None:
    global _ENGINE
    # pyttsx3 prints "Audio saved to ..." from espeak's thread for every file; a worker's
    # stdout is the user's terminal (or their --json pipe), so it goes nowhere instead.
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the worker
    sys.unraisablehook = _keep_save_errors
    toolchain.load_espeak()
    import pyttsx3

    _allow_phoneme_input()
    _poll_faster()
    with _quiet_stderr():
        _ENGINE = pyttsx3.init("espeak")
    _watch_the_end(_ENGINE.proxy._driver)
    _wake_at_the_end(_ENGINE.proxy._driver)
    _no_cancel_after_the_end(_ENGINE.proxy._driver)


def _no_cancel_after_the_end(driver: Any) -> None:
    """Keep pyttsx3 from cancelling espeak-ng's queue once an utterance has ended.

    At the end of each utterance pyttsx3 ends its loop with ``stop()``, which calls
    ``espeak_Cancel`` whenever espeak-ng still reports itself busy, as it does while it winds
    down the message. Cancelling empties espeak-ng's command queue, and the next chunk's
    settings may already be on it (``espeak_SetParameter`` is queued in this mode): seen here as
    a whole worker speaking at pyttsx3's default 200 words a minute instead of the voice's 165,
    every chunk 19 % short. Nothing of ours stops an utterance half-way (a stuck worker is
    killed), so ``stop`` cancels only while one is being spoken.
    """
    stop = driver.stop

    def stop_while_speaking() -> None:
        if driver._speaking:
            stop()

    driver.stop = stop_while_speaking


@functools.cache
def _get_parameter() -> Callable[[int, int], int]:
    """``espeak_GetParameter(parameter, current)`` (pyttsx3's binding leaves out ``current``)."""
    import ctypes

    from pyttsx3.drivers import _espeak

    get = _espeak.dll.espeak_GetParameter
    get.argtypes, get.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return cast(Callable[[int, int], int], get)


def _in_effect() -> tuple[int, int, int]:
    """The rate, volume and pitch espeak-ng last spoke with (its current values: a setting
    waiting on its queue counts once an utterance after it has been spoken)."""
    from pyttsx3.drivers import _espeak

    get = _get_parameter()
    return (get(_espeak.RATE, 1), get(_espeak.VOLUME, 1), get(_espeak.PITCH, 1))


def _wanted(settings: EspeakSettings) -> tuple[int, int, int]:
    return (settings.rate_wpm, int(round(settings.volume * 100, 2)), int(settings.pitch))


# How far into the last utterance espeak-ng's events reached (ms): its last word, sentence or
# clause end. The end-of-message event itself carries no position (0 in espeak-ng 1.51).
_ENDS_MS: list[int] = []
# A WAV may fall short of that position by less than this: rounding of ms and samples.
END_SLACK_MS = 5


def _watch_the_end(driver: Any) -> None:
    """Know how far each utterance reaches, and keep all of its audio.

    pyttsx3's callback writes the WAV when it sees the end-of-message event, and only then adds
    the samples that came with that event, to a buffer it has just cleared: audio delivered in
    the same buffer as the end of the message would be lost. This callback adds those samples
    first, and notes the furthest audio position of the utterance's events (its last word,
    sentence and clause ends), so ``render_chunk`` can refuse a WAV that stops before its last
    word instead of letting words go missing.
    """
    import ctypes

    from pyttsx3.drivers import _espeak

    on_synth = driver._onSynth

    def watched(wav: Any, numsamples: int, events: Any) -> int:
        at = 0
        while driver._speaking and events[at].type != _espeak.EVENT_LIST_TERMINATED:
            event = events[at]
            if event.type == _espeak.EVENT_MSG_TERMINATED:
                if numsamples > 0:
                    driver._data_buffer += ctypes.string_at(wav, numsamples * 2)
                    numsamples = 0
                break
            if _ENDS_MS:
                _ENDS_MS[0] = max(_ENDS_MS[0], event.audio_position)
            else:
                _ENDS_MS.append(event.audio_position)
            at += 1
        result: int = on_synth(wav, numsamples, events)
        return result

    _espeak.SetSynthCallback(watched)


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Drop what native code writes on fd 2 while espeak-ng initialises.

    A system libespeak-ng (Debian's 1.51) probes PulseAudio through libpcaudio at init, although
    pyttsx3 only retrieves audio; when that probe fails (no server, a full disk, a file-size
    limit) libpulse prints "ftruncate() failed: ..." on the user's terminal. Nothing of ours is
    written there during init: errors reach the parent through the worker's pipe.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _poll_faster() -> None:
    """Let ``runAndWait`` return as soon as an utterance ends, without polling for it.

    pyttsx3's espeak driver polls for the end of each utterance with ``time.sleep(0.01)``:
    10-20 ms per chunk, longer than espeak-ng takes to speak a sentence (measured here: 56 seed
    chunks in 1.61 s with the driver's poll, 0.69 s with a 0.5 ms poll). A 0.5 ms poll wakes
    the worker 2,000 times a second while espeak-ng speaks, each time taking the GIL from the
    thread espeak-ng calls back on (8 articles: each worker's main thread 0.45 CPU-s, 0.35 with
    this). So the driver's sleep waits for the end instead (``_wake_at_the_end``: its
    ``endLoop`` wakes it), at most ``DRIVER_POLL_S``. Only the driver's own module sees this
    clock.
    """
    import types

    from pyttsx3.drivers import espeak as driver

    def sleep(_seconds: float) -> None:
        _LOOP_ENDED.wait(DRIVER_POLL_S)
        _LOOP_ENDED.clear()

    driver.time = types.SimpleNamespace(sleep=sleep)


def _wake_at_the_end(driver: Any) -> None:
    """Wake the driver's loop (``_poll_faster``) when it is told to end: from espeak-ng's
    thread at the end of the message, or from the command queue."""
    end_loop = driver.endLoop

    def end_and_wake() -> None:
        end_loop()
        _LOOP_ENDED.set()

    driver.endLoop = end_and_wake


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

    ``espeak_Synchronize`` would do the same but checks every 20 ms (``usleep(20000)`` in
    espeak-ng's speech.c), longer than a short chunk takes to speak: for 100 chunks of
    dialogue, 1.7 s of a worker's 2.4 s went there. This asks every ``IDLE_POLL_S`` (espeak-ng
    is usually idle by the first or second look).
    """
    from pyttsx3.drivers import _espeak

    while _espeak.IsPlaying():
        time.sleep(IDLE_POLL_S)


def _engine() -> Any:
    if _ENGINE is None:
        _start()
    return _ENGINE


# Phoneme input is on (``_allow_phoneme_input``): a whole ``[[...]]`` group is a lexicon's
# phonemes; any other ``[[`` or ``]]`` would switch espeak-ng into (or out of) phoneme mode for
# the rest of the chunk, so it is given to the engine as a space (brackets carry no words).
_PHONEME_GROUP = re.compile(r"((?<!\[)\[\[[^\[\]]*\]\](?!\]))")
_STRAY_MARKUP = re.compile(r" *(?:\[\[+|\]\]+) *")


def markup_safe(spoken: str) -> str:
    """``spoken`` with no phoneme markup but whole ``[[...]]`` groups (the lexicon's)."""
    parts = _PHONEME_GROUP.split(spoken)  # odd items are the groups
    return "".join(
        part if index % 2 else _STRAY_MARKUP.sub(" ", part) for index, part in enumerate(parts)
    )


def _forget_settings() -> None:
    global _IN_USE
    _IN_USE = None


def _use(engine: Any, settings: EspeakSettings) -> None:
    """Give the engine ``settings`` unless it has them from the previous chunk: each
    ``setProperty`` costs about a millisecond (loading the voice most), as much as espeak-ng
    takes to speak a short line of dialogue."""
    global _IN_USE
    wanted = (settings.voice, settings.rate_wpm, settings.volume, settings.pitch)
    if wanted == _IN_USE:
        return
    _IN_USE = None  # until all four are set
    engine.setProperty("voice", settings.voice)
    engine.setProperty("rate", settings.rate_wpm)
    engine.setProperty("volume", settings.volume)
    engine.setProperty("pitch", settings.pitch)
    _IN_USE = wanted


def render_chunk(spoken: str, settings: EspeakSettings, out_path: str) -> int:
    """Render one chunk to ``out_path`` (atomically); return its duration in ms.

    Runs in a worker process; ``settings`` are prepared (the voice id resolved). This is the
    one place that talks to pyttsx3.
    """
    engine = _engine()
    target = Path(out_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path(target, os.getpid())
    _use(engine, settings)
    _wait_for_espeak()
    _SAVE_ERRORS.clear()
    _ENDS_MS.clear()
    engine.save_to_file(markup_safe(spoken), str(tmp))
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
    if in_use != settings.voice.lower():
        tmp.unlink(missing_ok=True)
        raise SynthesisError(f"espeak-ng spoke with voice '{in_use}' instead of '{settings.voice}'")
    if _in_effect() != _wanted(settings):  # a setting lost on espeak-ng's queue
        _forget_settings()  # the retry sets them all again
        tmp.unlink(missing_ok=True)
        raise SynthesisError(
            f"espeak-ng spoke with rate, volume and pitch {_in_effect()} instead of "
            f"{_wanted(settings)}"
        )
    try:
        duration_ms = wav_duration_ms(tmp)
    except (OSError, wave.Error, EOFError) as exc:
        tmp.unlink(missing_ok=True)
        raise SynthesisError(f"the engine wrote no usable audio ({exc})") from exc
    try:
        check_duration(duration_ms, spoken, "the engine's")
        if _ENDS_MS and duration_ms < _ENDS_MS[-1] - END_SLACK_MS:
            raise SynthesisError(
                f"espeak-ng cut the audio short ({duration_ms} ms of {_ENDS_MS[-1]} ms)"
            )
    except SynthesisError:
        tmp.unlink(missing_ok=True)
        raise
    if not put(tmp, target):  # another build rendered it first: use theirs
        return wav_duration_ms(target)
    return duration_ms
