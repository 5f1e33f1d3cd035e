"""What every config file (voice, show, lexicon) shares: reading its TOML, and reporting every
problem in it at once, each with the file and the key, with a "did you mean" for a mistyped key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podcast.errors import ConfigError, did_you_mean

__all__ = ["ConfigProblems", "Problem", "did_you_mean", "read_toml", "unknown_keys"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a config file: where (file and key) and what to do."""

    where: str
    key: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.where}: {self.key}: {self.message}"
            if self.key
            else f"{self.where}: {self.message}"
        )


class ConfigProblems(ConfigError):
    """A config file has one or more problems; ``problems`` lists them all."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


def raise_problems(problems: Iterable[Problem]) -> None:
    """Raise ``ConfigProblems`` when there is any problem."""
    found = list(problems)
    if found:
        raise ConfigProblems(found)


def unknown_keys(
    where: str, table: Mapping[str, Any], known: Iterable[str], prefix: str = ""
) -> list[Problem]:
    """A problem for each key of ``table`` that is not ``known``, with the closest known key."""
    options = set(known)
    return [
        Problem(where, "", f"unknown key '{prefix}{key}'{did_you_mean(key, options)}")
        for key in table
        if key not in options
    ]


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML document at ``path``; a ConfigError naming the file when it cannot be read."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from exc
