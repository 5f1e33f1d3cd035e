"""Compiled regular expressions kept between builds (issue 19).

A build compiles about 640 regular expressions: the normalizer's rules, pysbd's, the readers'.
Python's ``re`` parses each into the code its C matcher runs, in Python: 0.11 s of a rebuild's
0.8 s, every build. That code depends only on the pattern, its flags and the interpreter, so
a build keeps what it compiled in the cache (one sealed entry per interpreter build, read with
``cache.read_entry``), and the next one hands it back to the matcher (``_sre.compile``, which
checks the code it is given) instead of parsing again: 1-2 ms for all of them.

What is kept is exactly what ``re`` gave the matcher the first time (recorded as it happens,
``_Recording``), keyed by the interpreter's version and build, the matcher's ``MAGIC`` and the
pattern with its flags. Anything unexpected (a damaged or foreign entry, code the matcher
refuses, an interpreter whose ``re`` works otherwise) falls back to compiling as usual.
"""

from __future__ import annotations

import _sre
import array
import base64
import contextlib
import hashlib
import json
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from podcast import cache

FORMAT = 1
# A pattern no build has used for more than this many builds is dropped (those made of a process id or
# of the abbreviations one text holds would pile up), and no more than MAX_KEPT are kept.
MAX_IDLE_BUILDS = 10
MAX_KEPT = 4000
_CODE = "I"  # the matcher's code words (``_sre.CODESIZE`` bytes each)

# (bytes?, pattern, flags) -> the matcher's arguments after the pattern
Key = tuple[bool, str | bytes, int]
Args = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]


def supported() -> bool:
    """Whether this interpreter's ``re`` compiles as the one this was written against
    (``re._compiler.compile`` ending in ``_sre.compile``: CPython 3.11 to 3.13)."""
    compiler = getattr(re, "_compiler", None)
    return (
        sys.implementation.name == "cpython"
        and (3, 11) <= sys.version_info[:2] <= (3, 13)
        and compiler is not None
        and getattr(compiler, "_sre", None) in (_sre, _recording)
        and array.array(_CODE).itemsize == getattr(_sre, "CODESIZE", None)
    )


class _Recording:
    """``_sre`` as ``re._compiler`` sees it, but what its ``compile`` is given is kept, per
    thread, for the memo."""

    def __init__(self) -> None:
        self.given = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(_sre, name)

    def compile(self, pattern: Any, *args: Any) -> Any:
        self.given.args = (pattern, *args)
        return _sre.compile(pattern, *args)


class Memo:
    """The compiled patterns kept in ``path`` (a cache entry), and those learned this run;
    with them, facts read from patterns (``fact``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.known, self.idle, self.facts = _read(path)
        self.used: set[Key] = set()
        self.facts_read: set[str] = set()
        self.learned: dict[Key, Args] = {}
        self.new_facts: dict[str, bool] = {}

    def compile(
        self, pattern: Any, flags: int, compile: Callable[[Any, int], Any], recording: _Recording
    ) -> Any:
        """``pattern`` compiled with ``flags``: from the memo, or by ``compile`` (``re``'s,
        whose arguments to the matcher ``recording`` keeps: learned)."""
        if not isinstance(pattern, str | bytes) or flags & re.DEBUG:
            return compile(pattern, flags)
        key: Key = (isinstance(pattern, bytes), pattern, int(flags))
        known = self.known.get(key)
        if known is not None:
            try:
                made = _sre.compile(pattern, *known)
            except Exception:  # not code this matcher takes: compile it
                self.known.pop(key, None)
            else:
                self.used.add(key)
                return made
        recording.given.args = None
        made = compile(pattern, flags)
        given = recording.given.args
        if given is not None and given[0] is pattern:
            self.learned[key] = (given[1], list(given[2]), given[3], dict(given[4]),
                                 tuple(given[5]))  # fmt: skip
        return made

    def save(self) -> None:
        """Keep what was compiled this run (first) and before, if it learned anything."""
        if not self.learned and not self.new_facts:
            return
        keep = {**self.learned, **{k: self.known[k] for k in self.used if k in self.known}}
        idle = dict.fromkeys(keep, 0)
        for key, args in self.known.items():
            if len(keep) >= MAX_KEPT:
                break
            if key not in keep and self.idle.get(key, 0) < MAX_IDLE_BUILDS:
                keep[key], idle[key] = args, self.idle.get(key, 0) + 1
        entries = [[*_entry(key, args), idle[key]] for key, args in keep.items()]
        facts = {name: value for name, value in {**self.facts, **self.new_facts}.items()
                 if name in self.facts_read}  # fmt: skip
        data = json.dumps(
            {"format": FORMAT, "patterns": entries, "facts": facts}, separators=(",", ":")
        )
        with contextlib.suppress(OSError):  # a cache that cannot be written: compile next time
            cache.write_entry(self.path, data.encode("utf-8"))


def _entry(key: Key, args: Args) -> list[Any]:
    is_bytes, pattern, flags = key
    text = pattern.decode("latin-1") if isinstance(pattern, bytes) else pattern
    final_flags, code, groups, groupindex, indexgroup = args
    packed = base64.b64encode(array.array(_CODE, code).tobytes()).decode("ascii")
    return [int(is_bytes), text, flags, final_flags, packed, groups, groupindex, indexgroup]


def _read(path: Path) -> tuple[dict[Key, Args], dict[Key, int], dict[str, bool]]:
    """The patterns kept in ``path``, how many builds each has gone unused, and the facts."""
    data = cache.read_entry(path)  # None if absent; a damaged one is reported and deleted
    if data is None:
        return {}, {}, {}
    known: dict[Key, Args] = {}
    idle: dict[Key, int] = {}
    try:
        kept = json.loads(data)
        if kept.get("format") != FORMAT:
            return {}, {}, {}
        facts = {str(name): value for name, value in kept.get("facts", {}).items()}
        if not all(isinstance(value, bool) for value in facts.values()):
            return {}, {}, {}
        for is_bytes, text, flags, final, packed, groups, groupindex, indexgroup, unused in kept[
            "patterns"
        ]:
            pattern = text.encode("latin-1") if is_bytes else text
            code = array.array(_CODE, base64.b64decode(packed)).tolist()
            key = (bool(is_bytes), pattern, int(flags))
            known[key] = (int(final), code, int(groups), dict(groupindex), tuple(indexgroup))
            idle[key] = int(unused)
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}, {}, {}  # sealed, yet not ours: compile as usual, and replace it
    return known, idle, facts


def cache_folder(given: str | None) -> Path:
    """The cache folder a build's ``--cache`` names (with an object store, or none: this
    machine's own, ``PODCAST_CACHE_DIR`` or the user's cache folder)."""
    from podcast import object_store

    if given is None or object_store.is_url(given):
        return cache.cache_root()
    return Path(given).expanduser().resolve()


def memo_path(root: Path) -> Path:
    """The entry for this interpreter under the cache folder ``root``."""
    about = f"{sys.version}|{sys.implementation.cache_tag}|{_sre.MAGIC}|{_sre.CODESIZE}|{FORMAT}"
    return root / "regex" / f"{hashlib.sha256(about.encode()).hexdigest()[:32]}.json"


_memo: Memo | None = None  # the build's (``remember``)
_original: Callable[[Any, int], Any] | None = None  # re's own compile, once the hook is in
_recording = _Recording()


def original_compile() -> Callable[[Any, int], Any]:
    """``re._compiler.compile`` as ``re`` has it, without the memo."""
    from re import _compiler  # type: ignore[attr-defined]

    return _original or _compiler.compile


def _through_memo(pattern: Any, flags: int = 0) -> Any:
    compile = original_compile()
    memo = _memo
    if memo is None:
        return compile(pattern, flags)
    return memo.compile(pattern, flags, compile, _recording)


def fact(name: str, compute: Callable[[], bool]) -> bool:
    """A yes-or-no fact read from this build's patterns (``name`` says which fact of which
    pattern, and the version of the code that reads it), kept with them: read once per
    interpreter build (``text.normalize.needs_digit`` parses 99 rules again, 15-20 ms)."""
    memo = _memo
    if memo is None:
        return compute()
    memo.facts_read.add(name)
    known = memo.facts.get(name, memo.new_facts.get(name))
    if known is None:
        known = memo.new_facts[name] = compute()
    return known


def remember(root: Path) -> Memo | None:
    """Compile through the memo kept under the cache folder ``root`` from now on, in this
    process (None where this interpreter's ``re`` is not the one this knows)."""
    global _memo, _original
    if not supported():
        return None
    from re import _compiler  # type: ignore[attr-defined]

    if _original is None:
        _original = _compiler.compile
        _compiler._sre = _recording
        _compiler.compile = _through_memo
    _memo = Memo(memo_path(root))
    return _memo
