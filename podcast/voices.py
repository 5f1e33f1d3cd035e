"""Voice configurations (``voices/NAME.toml``): typed settings with validation.

Layering is explicit: built-in defaults < the voice file < command-line overrides.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from podcast.errors import ConfigError
from podcast.models import (
    PAUSE_CHAPTER,
    PAUSE_CLAUSE,
    PAUSE_END,
    PAUSE_PARAGRAPH,
    PAUSE_SENTENCE,
)

DEFAULT_VOICE_NAME = "default"
DEFAULT_ENGINE = "pyttsx3"
DEFAULT_ENGINE_VOICE = "gmw/en-us"
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


@dataclass(frozen=True)
class Voice:
    """Effective settings of one voice."""

    name: str = DEFAULT_VOICE_NAME
    engine: str = DEFAULT_ENGINE
    engine_voice: str = DEFAULT_ENGINE_VOICE
    language: str = "en"
    rate_wpm: int = DEFAULT_RATE_WPM
    pitch: int = DEFAULT_PITCH
    volume: float = DEFAULT_VOLUME
    pauses_ms: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PAUSES_MS))
    lexicon: dict[str, str] = field(default_factory=dict)
    source: str = "built-in defaults"

    def pause_ms(self, kind: str) -> int:
        return self.pauses_ms.get(kind, DEFAULT_PAUSES_MS[PAUSE_SENTENCE])

    def engine_settings(self) -> dict[str, Any]:
        """What the engine needs to render a chunk; the cache key is built from this."""
        return {
            "engine": self.engine,
            "engine_voice": self.engine_voice,
            "rate_wpm": self.rate_wpm,
            "pitch": self.pitch,
            "volume": self.volume,
        }


_KEYS = {f.name for f in fields(Voice)} - {"name", "source", "pauses_ms", "lexicon"}
_TOML_KEYS = {"engine", "voice", "language", "rate", "pitch", "volume", "pauses", "lexicon"}
_TOML_TO_FIELD = {"voice": "engine_voice", "rate": "rate_wpm"}


def _did_you_mean(key: str, options: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(options), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _check_range(problems: list[str], where: str, key: str, value: Any, bounds: tuple) -> None:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(f"{where}: '{key}' must be a number, not {value!r}")
    elif not low <= value <= high:
        problems.append(f"{where}: '{key}' = {value} is out of range ({low} to {high})")


def parse_voice(name: str, data: dict[str, Any], where: str) -> Voice:
    """Validate a voice table; report every problem at once."""
    problems: list[str] = []
    for key in data:
        if key not in _TOML_KEYS:
            problems.append(f"{where}: unknown key '{key}'{_did_you_mean(key, _TOML_KEYS)}")
    values: dict[str, Any] = {}
    for key in ("engine", "voice", "language"):
        if key in data:
            if not isinstance(data[key], str) or not data[key].strip():
                problems.append(f"{where}: '{key}' must be a non-empty string")
            else:
                values[_TOML_TO_FIELD.get(key, key)] = data[key].strip()
    if "rate" in data:
        _check_range(problems, where, "rate", data["rate"], RATE_RANGE)
        values["rate_wpm"] = data["rate"]
    if "pitch" in data:
        _check_range(problems, where, "pitch", data["pitch"], PITCH_RANGE)
        values["pitch"] = data["pitch"]
    if "volume" in data:
        _check_range(problems, where, "volume", data["volume"], VOLUME_RANGE)
        values["volume"] = data["volume"]
    pauses = dict(DEFAULT_PAUSES_MS)
    for kind, ms in (data.get("pauses") or {}).items():
        if kind not in DEFAULT_PAUSES_MS:
            problems.append(
                f"{where}: unknown pause 'pauses.{kind}'{_did_you_mean(kind, set(DEFAULT_PAUSES_MS))}"
            )
        else:
            _check_range(problems, where, f"pauses.{kind}", ms, PAUSE_RANGE_MS)
            pauses[kind] = ms
    lexicon = data.get("lexicon") or {}
    if not isinstance(lexicon, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in lexicon.items()
    ):
        problems.append(f"{where}: 'lexicon' must map words to how to say them (strings)")
        lexicon = {}
    if values.get("engine", DEFAULT_ENGINE) != DEFAULT_ENGINE:
        problems.append(f"{where}: engine '{values['engine']}' is not supported (use 'pyttsx3')")
    if problems:
        raise ConfigError("; ".join(problems))
    for key in ("rate_wpm", "pitch"):
        if key in values:
            values[key] = int(values[key])
    if "volume" in values:
        values["volume"] = float(values["volume"])
    return Voice(name=name, pauses_ms=pauses, lexicon=dict(lexicon), source=where, **values)


def load_voice(name: str, voices_dir: Path) -> Voice:
    """The voice called ``name``: ``voices_dir/NAME.toml``, or the built-in default."""
    if not re.fullmatch(r"[\w-]+", name):  # a name, never a path out of voices/
        raise ConfigError(
            f"voice name '{name}' is not a plain name; use letters, digits, '-' or '_'"
        )
    path = voices_dir / f"{name}.toml"
    if not path.is_file():
        if name == DEFAULT_VOICE_NAME:
            return Voice()
        known = sorted(p.stem for p in voices_dir.glob("*.toml")) if voices_dir.is_dir() else []
        hint = _did_you_mean(name, set(known))
        listing = ", ".join(known) or "none"
        raise ConfigError(f"unknown voice '{name}'{hint}; voices in {voices_dir}: {listing}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from exc
    return parse_voice(name, data, str(path))


def with_overrides(voice: Voice, **overrides: Any) -> Voice:
    """Command-line flags win over the file; ``None`` means "not given"."""
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = set(given) - _KEYS
    if unknown:
        raise ConfigError(f"unknown voice setting(s): {', '.join(sorted(unknown))}")
    return replace(voice, **given)
