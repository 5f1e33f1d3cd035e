"""Lexicons: how to say words the engines get wrong, validated the same way wherever they are.

``word = "how to say it"``; a saying may be plain words or espeak-ng phoneme input
(``[[m'Vsk]]``). The project's file (``lexicon.toml``, entries optionally under ``[lexicon]``)
and every voice file's ``[lexicon]`` table go through ``check_lexicon``: a plain, non-empty
word; a non-empty saying whose phonemes are balanced ``[[...]]`` groups; no control
characters; and limits on lengths and count (a 100 KB saying once passed and then killed every
synthesis process). The project's entries apply under each voice's own.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from podcast.config.problems import Problem, raise_problems, read_toml

LEXICON_FILE = "lexicon.toml"
MAX_WORD_CHARS = 100
MAX_SAYING_CHARS = 500  # a long sentence; the engine is given a sentence at a time
MAX_ENTRIES = 10_000
_PHONEMES_RE = re.compile(r"\[\[(.*?)\]\]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def check_lexicon(
    data: Any, where: str, problems: list[Problem], prefix: str = "lexicon."
) -> dict[str, str]:
    """The valid entries of the lexicon table ``data`` (from the file ``where``); a Problem
    naming the file and the key (``prefix`` + word) for every bad one."""
    if not isinstance(data, dict):
        problems.append(Problem(where, prefix.rstrip("."),
                                'must be a table like [lexicon] Musk = "musk"'))  # fmt: skip
        return {}
    if len(data) > MAX_ENTRIES:
        problems.append(Problem(where, prefix.rstrip("."), f"has {len(data)} entries; at most "
                                f"{MAX_ENTRIES} are allowed (split it by voice)"))  # fmt: skip
        return {}
    lexicon: dict[str, str] = {}
    for word, saying in data.items():
        message = _entry_problem(word, saying)
        if message:
            # a word that cannot be shown as it is (empty, huge, control characters) is quoted
            shown = word if _plain_key(word) else repr(word[:40] + ("..." if word[40:] else ""))
            problems.append(Problem(where, f"{prefix}{shown}", message))
        else:
            lexicon[word] = saying
    return lexicon


def _plain_key(word: str) -> bool:
    return bool(word.strip()) and len(word) <= MAX_WORD_CHARS and not _CONTROL.search(word)


def _entry_problem(word: str, saying: Any) -> str:
    """What is wrong with one entry, or ""."""
    if not word.strip():
        return "the word is empty; write the word to respell"
    if len(word) > MAX_WORD_CHARS:
        return f"the word is {len(word)} characters long; at most {MAX_WORD_CHARS} are allowed"
    if "[" in word or "]" in word or _CONTROL.search(word):
        return "the word must be plain text (no brackets, no control characters)"
    if not isinstance(saying, str) or not saying.strip():
        return f"must be a non-empty string, not {saying!r}"
    if len(saying) > MAX_SAYING_CHARS:
        return (
            f"the saying is {len(saying)} characters long; at most {MAX_SAYING_CHARS} are allowed"
        )
    if _CONTROL.search(saying):
        return "the saying has a control character; write it on one line of plain text"
    outside = re.sub(_PHONEMES_RE, "", saying)
    if saying.count("[[") != saying.count("]]") or "[" in outside or "]" in outside:
        return f"unbalanced phoneme brackets in {saying!r}; write phonemes as [[...]]"
    if any(not m.group(1).strip() for m in _PHONEMES_RE.finditer(saying)):
        return "empty [[ ]] phonemes"
    return ""


def load_lexicon(path: Path) -> dict[str, str]:
    """A lexicon file's entries. A missing file is an empty lexicon; a broken one is a
    ConfigError naming the file and every bad entry."""
    if not path.is_file():
        return {}
    data = read_toml(path)
    nested = isinstance(data.get("lexicon"), dict)
    problems: list[Problem] = []
    entries = check_lexicon(
        data["lexicon"] if nested else data, str(path), problems, "lexicon." if nested else ""
    )
    raise_problems(problems)
    return entries
