"""Voice configurations (``voices/NAME.toml``): typed settings with validation.

A voice has what every voice has (its engine, language, pauses, lexicon) plus ``settings``:
the typed settings of its engine, which the engine parses from the file's other keys
(``podcast.engines``). Layering is explicit: built-in defaults < the voice file <
command-line overrides, and every effective setting remembers where it came from
(``Voice.origins``, shown by ``voices show``).

Validation reports every problem in a file at once, each with the file and the key: unknown
keys (with a "did you mean"), another engine's keys, wrong types, out-of-range values,
malformed lexicon entries. Whether the engine really has the configured voice is checked by
the engine itself when a voice is prepared (``Synthesizer.prepare``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from podcast import engines
from podcast.config.lexicon import check_lexicon
from podcast.config.problems import ConfigProblems, Problem
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
DEFAULT_LANGUAGE = "en"
DEFAULT_PAUSES_MS = {
    PAUSE_CLAUSE: 150,
    PAUSE_SENTENCE: 350,
    PAUSE_PARAGRAPH: 700,
    PAUSE_CHAPTER: 1600,
    PAUSE_END: 1000,
}
PAUSE_RANGE_MS = (0, 10_000)
PAUSE_ALIASES = {"comma": PAUSE_CLAUSE}  # the pause after a comma is the clause pause

ORIGIN_DEFAULT = "built-in default"
ORIGIN_FLAG = "command line"

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$", re.IGNORECASE)
# The keys a voice file starts with ("voice" is its engine's: every engine names one).
_LEADING_KEYS = ("engine", "voice", "language")
_TABLES = ("pauses", "lexicon")


def _default_engine() -> str:
    return engines.default().name


@dataclass(frozen=True)
class Voice:
    """Effective settings of one voice.

    ``settings`` is the typed settings value of the voice's engine (its defaults when not
    given). ``origins`` maps each setting (``rate``, ``pauses.sentence``, ``lexicon.Musk``
    ...) to where its value came from: the built-in default, a voice file, or the command line.
    """

    name: str = DEFAULT_VOICE_NAME
    engine: str = field(default_factory=_default_engine)
    language: str = DEFAULT_LANGUAGE
    settings: Any = None
    pauses_ms: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PAUSES_MS))
    lexicon: dict[str, str] = field(default_factory=dict)
    source: str = "built-in defaults"
    origins: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.settings is None:
            defaults, _ = engines.get(self.engine).parse({})
            object.__setattr__(self, "settings", defaults)

    def pause_ms(self, kind: str) -> int:
        return self.pauses_ms.get(kind, DEFAULT_PAUSES_MS[PAUSE_SENTENCE])

    def origin(self, key: str) -> str:
        return self.origins.get(key, ORIGIN_DEFAULT)

    def table(self) -> dict[str, Any]:
        """Every effective setting under its config-file key, in file order."""
        values: dict[str, Any] = {"engine": self.engine, "language": self.language}
        values |= engines.get(self.engine).to_table(self.settings)
        values = {key: values[key] for key in _file_order(values)}
        values |= {f"pauses.{kind}": ms for kind, ms in self.pauses_ms.items()}
        values |= {f"lexicon.{word}": saying for word, saying in self.lexicon.items()}
        return values


def _file_order(keys: Any) -> list[str]:
    present = list(keys)
    return [k for k in _LEADING_KEYS if k in present] + [
        k for k in present if k not in _LEADING_KEYS
    ]


def toml_keys() -> tuple[str, ...]:
    """Every key a voice file may have (whichever its engine), in file order."""
    keys = ["engine", "language"]
    for engine in engines.all_engines():
        keys += [k for k in engine.keys if k not in keys]
    return (*_file_order(keys), *_TABLES)


class VoiceConfigError(ConfigProblems):
    """A voice config has one or more problems; ``problems`` lists them all."""


def _check_language(value: Any, where: str, problems: list[Problem]) -> str | None:
    if not isinstance(value, str) or isinstance(value, bool):
        problems.append(Problem(where, "language", f"must be a string, not {value!r}"))
        return None
    value = value.strip()
    if not value:
        problems.append(Problem(where, "language", "must not be empty"))
    elif not _LANGUAGE_RE.match(value):
        problems.append(Problem(where, "language", f"'{value}' is not a language code (like 'en')"))
    else:
        return value
    return None


def _check_engine(value: Any, where: str, problems: list[Problem]) -> str | None:
    if not isinstance(value, str):
        problems.append(Problem(where, "engine", f"must be a string, not {value!r}"))
        return None
    value = value.strip()
    if not value:
        problems.append(Problem(where, "engine", "must not be empty"))
        return None
    if value not in engines.names():
        known = engines.names()
        problems.append(Problem(where, "engine", f"unknown engine '{value}'"
                                f"{did_you_mean(value, known)}; use one of: {', '.join(known)}"))  # fmt: skip
        return None
    return value


def _engine_settings(
    engine: engines.Engine, table: Mapping[str, Any], where: str, problems: list[Problem]
) -> Any:
    """``engine``'s settings from ``table`` (every key but the voice's own), or None with the
    problems recorded: another engine's keys, unknown keys, and the engine's own findings."""
    own: dict[str, Any] = {}
    for key, value in table.items():
        if key in engine.keys:
            own[key] = value
            continue
        owners = [other.name for other in engines.all_engines() if key in other.keys]
        if owners:
            problems.append(Problem(where, key, engine.foreign_key(key, owners)))
        else:
            keys = toml_keys()
            problems.append(Problem(where, key, f"unknown key{did_you_mean(key, keys)}; "
                                    f"keys are {', '.join(keys)}"))  # fmt: skip
    settings, found = engine.parse(own)
    problems += [Problem(where, p.key, p.message) for p in found]
    return settings


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


def parse_voice(name: str, data: dict[str, Any], where: str) -> Voice:
    """Validate a voice table (as read from TOML) into a Voice; report every problem at once."""
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    engine_name = _default_engine()
    if "engine" in data:
        checked = _check_engine(data["engine"], where, problems)
        if checked is not None:
            engine_name = values["engine"] = checked
            origins["engine"] = where
    if "language" in data:
        language = _check_language(data["language"], where, problems)
        if language is not None:
            values["language"] = language
            origins["language"] = where
    rest = {k: v for k, v in data.items() if k not in ("engine", "language", *_TABLES)}
    if "engine" in values or "engine" not in data:  # an unknown engine's keys mean nothing
        settings = _engine_settings(engines.get(engine_name), rest, where, problems)
        values["settings"] = settings
        origins |= dict.fromkeys(rest, where)
    pauses = dict(DEFAULT_PAUSES_MS)
    file_pauses = _check_pauses(data.get("pauses", {}), where, problems)
    pauses |= file_pauses
    origins |= {f"pauses.{kind}": where for kind in file_pauses}
    lexicon = check_lexicon(data.get("lexicon", {}), where, problems)
    origins |= {f"lexicon.{word}": where for word in lexicon}
    if problems:
        order = list(data)
        problems.sort(key=lambda p: order.index(p.key.split(".")[0]) if p.key.split(".")[0]
                      in order else len(order))  # fmt: skip
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


# Command-line overrides (keyword names) -> voice-file keys.
_OVERRIDE_KEYS = {"engine_voice": "voice", "language": "language", "rate_wpm": "rate",
                  "pitch": "pitch", "volume": "volume"}  # fmt: skip


def with_overrides(voice: Voice, **overrides: Any) -> Voice:
    """Command-line flags win over the file; ``None`` means "not given".

    The values are validated like the file's (by the voice's engine), and reported as coming
    from the command line.
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = set(given) - set(_OVERRIDE_KEYS)
    if unknown:
        raise ConfigError(f"unknown voice setting(s): {', '.join(sorted(unknown))}")
    if not given:
        return voice
    flags = {_OVERRIDE_KEYS[name]: value for name, value in given.items()}
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    origins = dict(voice.origins)
    if "language" in flags:
        language = _check_language(flags.pop("language"), ORIGIN_FLAG, problems)
        if language is not None:
            values["language"] = language
            origins["language"] = ORIGIN_FLAG
    if flags:
        engine = engines.get(voice.engine)
        current = {k: v for k, v in engine.to_table(voice.settings).items()
                   if v is not None and v != ""}  # fmt: skip
        flag_problems: list[Problem] = []
        settings = _engine_settings(engine, flags, ORIGIN_FLAG, flag_problems)
        if not flag_problems:
            settings = _engine_settings(engine, current | flags, ORIGIN_FLAG, flag_problems)
        problems += flag_problems
        values["settings"] = settings
        origins |= dict.fromkeys(flags, ORIGIN_FLAG)
    if problems:
        raise VoiceConfigError(problems)
    return replace(voice, origins=origins, **values)
