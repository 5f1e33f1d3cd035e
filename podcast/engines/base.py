"""What a speech engine is: the ``Engine`` protocol and the small values it exchanges.

An engine owns everything particular to it: its typed settings (parsed and validated from the
voice file's table by the engine itself), its install hint and version, its voices and how a
voice id resolves, the voice it picks for a language, and the code that renders a chunk in a
worker process. The rest of the package asks the registry (``podcast.engines.get``) and never
branches on an engine's name.

Settings are a frozen dataclass per engine; ``parse_settings`` turns a table into one from a
declarative list of ``Setting`` specs, with the messages every voice file shares.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import wave
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

from podcast.cache import put
from podcast.errors import ConfigError

MIN_SECONDS_PER_WORD = 0.08  # far below any real rate: shorter audio means truncation


class EngineUnavailable(ConfigError):
    """The engine (or a model it needs) is not installed here: an optional extra.

    ``hint`` is the command that installs it."""

    def __init__(self, message: str, hint: str = "") -> None:
        self.hint = hint
        super().__init__(message)


class SettingError(ConfigError):
    """One setting of a voice does not fit the installed engine; ``key`` names the setting."""

    def __init__(self, key: str, detail: str) -> None:
        self.key = key
        self.detail = detail
        super().__init__(f"{key}: {detail}")


@dataclass(frozen=True)
class SettingProblem:
    """One thing wrong in an engine's table: the key and what to do (the file is added by
    the voice config that reads it)."""

    key: str
    message: str


@dataclass(frozen=True)
class EngineVoice:
    """One voice an engine offers: its id, a readable name and its languages."""

    id: str
    name: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Extra:
    """An engine-specific line of ``podcast voices list`` (``key`` in its JSON)."""

    key: str
    title: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    """One line of ``podcast doctor`` about an engine; ``ok`` False fails the doctor."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class PrepareContext:
    """What an engine may need to check a voice's settings before any rendering.

    ``lexicon`` is the voice's own; ``base_dir`` the folder of its file (relative model paths);
    ``voices`` lists the engine's voices (asked of a worker process, then cached)."""

    lexicon: Mapping[str, str] = field(default_factory=dict)
    base_dir: Path | None = None
    voices: Callable[[], Sequence[EngineVoice]] = lambda: ()


SettingsT = TypeVar("SettingsT")


@runtime_checkable
class Engine(Protocol):
    """A speech engine, registered with ``podcast.engines.register(engine)``.

    The engine object is sent (pickled) to each of its worker processes: keep it stateless,
    and import heavy libraries inside ``start_worker``/``render`` only.
    """

    name: ClassVar[str]  # the value of ``engine =`` in a voice file
    label: ClassVar[str]  # how messages name it ("espeak-ng", "Piper")
    keys: ClassVar[tuple[str, ...]]  # the voice-file keys it reads, in file order
    steady: ClassVar[bool]  # its loudness is steady: the first minute predicts the episode's
    isolated: ClassVar[bool]  # its library loads only in worker processes (listings too)

    def parse(self, table: Mapping[str, Any]) -> tuple[Any, list[SettingProblem]]:
        """Typed settings from the voice file's engine keys, or (None, problems)."""
        ...

    def to_table(self, settings: Any) -> dict[str, Any]:
        """The settings under their voice-file keys, in file order (``voices show``)."""
        ...

    def comments(self) -> dict[str, str]:
        """A short comment per key, for the voice file ``voices new`` writes."""
        ...

    def foreign_key(self, key: str, owners: Sequence[str]) -> str:
        """The message for ``key``, a setting of the engines ``owners`` but not of this one."""
        ...

    def available(self) -> str | None:
        """None when the engine can be used here, else why not with the install command."""
        ...

    def version(self) -> str:
        """The engine's version (and its libraries'): part of every chunk's cache key."""
        ...

    def voice_for(self, settings: Any, language: str) -> Any | None:
        """Settings speaking ``language`` with this engine's own voice for it, or None."""
        ...

    def prepare(self, settings: Any, context: PrepareContext) -> Any:
        """The settings checked against what is installed and made canonical (resolved voice
        id, model found). Raises SettingError, EngineUnavailable or ConfigError."""
        ...

    def voice_id(self, settings: Any) -> str:
        """The prepared settings' voice, as ``voices check`` and ``voices list`` show it."""
        ...

    def describe(self, settings: Any) -> str:
        """The prepared settings in a few words, for ``podcast doctor``."""
        ...

    def voices(self) -> list[EngineVoice]:
        """Every voice the engine offers (in a worker process when ``isolated``)."""
        ...

    def extras(self) -> list[Extra]:
        """Engine-specific lines of ``podcast voices list``."""
        ...

    def diagnose(self, voices: Callable[[], Sequence[EngineVoice]]) -> list[Finding]:
        """What ``podcast doctor`` says about the engine itself."""
        ...

    def start_worker(self) -> None:
        """Run once in each worker process, before its first ``render``."""
        ...

    def render(self, text: str, settings: Any, out_path: str) -> int:
        """Speak ``text`` into the WAV ``out_path`` (atomically); return its duration in ms."""
        ...


# ---------------------------------------------------------------------------------------------
# settings parsing shared by the engines


@dataclass(frozen=True)
class Setting:
    """One voice-file key of an engine: the settings field it fills, its type and range."""

    key: str
    field: str
    kind: type | tuple[type, ...]
    bounds: tuple[float, float] | None = None
    pattern: re.Pattern[str] | None = None
    pattern_hint: str = ""  # "'{value}' is not ...": the message when ``pattern`` fails


def type_name(kind: type | tuple[type, ...]) -> str:
    if kind is int:
        return "a whole number"
    if kind is str:
        return "a string"
    return "a number"


def check_value(spec: Setting, given: Any) -> tuple[Any, str]:
    """(the value converted to its field's type, "") or (None, the problem)."""
    value: Any = given
    if not isinstance(value, spec.kind) or isinstance(value, bool):
        return None, f"must be {type_name(spec.kind)}, not {value!r}"
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None, "must not be empty"
        if spec.pattern is not None and not spec.pattern.match(value):
            return None, spec.pattern_hint.format(value=value)
        return value, ""
    number = float(given) if isinstance(given, (int, float)) else 0.0
    if spec.bounds is not None:
        low, high = spec.bounds
        if not low <= number <= high:
            return None, f"{value} is out of range ({low} to {high})"
    kinds = spec.kind if isinstance(spec.kind, tuple) else (spec.kind,)
    return (number if float in kinds else int(number)), ""


def parse_settings(
    cls: type[SettingsT], specs: Sequence[Setting], table: Mapping[str, Any]
) -> tuple[SettingsT | None, list[SettingProblem]]:
    """``cls`` filled from ``table`` (defaults for keys it lacks), or None and every problem.

    Keys of ``table`` that no spec names are the caller's to report (they are not passed in)."""
    problems: list[SettingProblem] = []
    values: dict[str, Any] = {}
    for spec in specs:
        if spec.key in table:
            value, problem = check_value(spec, table[spec.key])
            if problem:
                problems.append(SettingProblem(spec.key, problem))
            else:
                values[spec.field] = value
    if problems:
        return None, problems
    return cls(**values), []


def settings_table(settings: Any, specs: Sequence[Setting]) -> dict[str, Any]:
    """The settings under their voice-file keys, in the specs' order."""
    return {spec.key: getattr(settings, spec.field) for spec in specs}


def settings_key(settings: Any) -> dict[str, Any]:
    """The settings as plain JSON-able values (for a cache key)."""
    return dataclasses.asdict(settings)


def close_matches(word: str, candidates: Sequence[str]) -> str:
    """ "; close matches: a, b" (up to three), or "" when nothing is close."""
    close = difflib.get_close_matches(word, sorted(candidates), n=3)
    return f"; close matches: {', '.join(close)}" if close else ""


class BaseEngine:
    """Defaults an engine may inherit (it still has to be registered)."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    keys: ClassVar[tuple[str, ...]] = ()
    steady: ClassVar[bool] = True
    isolated: ClassVar[bool] = False

    def comments(self) -> dict[str, str]:
        return {}

    def foreign_key(self, key: str, owners: Sequence[str]) -> str:
        return "only for " + " or ".join(f'engine = "{owner}"' for owner in owners)

    def available(self) -> str | None:
        return None

    def voice_for(self, settings: Any, language: str) -> Any | None:
        return None

    def prepare(self, settings: Any, context: PrepareContext) -> Any:
        return settings

    def describe(self, settings: Any) -> str:
        return f"{self.label} {self.voice_id(settings)}"

    def voice_id(self, settings: Any) -> str:
        return str(getattr(settings, "voice", self.name))

    def voices(self) -> list[EngineVoice]:
        return []

    def extras(self) -> list[Extra]:
        return []

    def diagnose(self, voices: Callable[[], Sequence[EngineVoice]]) -> list[Finding]:
        return []

    def start_worker(self) -> None:
        return None

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), ())  # stateless: a worker gets a fresh one of the same class


# ---------------------------------------------------------------------------------------------
# WAV files


def tmp_path(target: Path, pid: int) -> Path:
    """Where process ``pid`` writes ``target`` before moving it into place (same folder)."""
    return target.with_name(f".{target.stem}.{pid}.tmp.wav")


def wav_duration_ms(path: Path) -> int:
    with wave.open(str(path), "rb") as wav:
        return round(wav.getnframes() * 1000 / wav.getframerate())


def check_duration(duration_ms: int, text: str, who: str) -> None:
    """Refuse audio too short for its words (a truncated or empty render)."""
    from podcast.errors import SynthesisError

    words = len(text.split())
    if duration_ms <= 0 or duration_ms < words * MIN_SECONDS_PER_WORD * 1000:
        raise SynthesisError(f"{who} audio is too short ({duration_ms} ms for {words} words)")


def write_silence_wav(target: Path, tmp: Path, sample_rate: int, ms: int) -> int:
    """Write ``ms`` of 16-bit mono silence to ``target`` through ``tmp``; return its length."""
    frames = round(sample_rate * ms / 1000)
    try:
        with wave.open(str(tmp), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(sample_rate)
            wav.writeframes(bytes(2 * frames))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if not put(tmp, target):  # another build wrote it first: use theirs
        return wav_duration_ms(target)
    return round(frames * 1000 / sample_rate)
