"""Compiled regular expressions kept between builds (``podcast.compiled``, issue 19): a pattern
handed back from the memo is the pattern ``re`` compiles, a damaged or foreign memo is never
used, and a build keeps what it compiled in its own cache folder."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from podcast import cache, compiled
from tests.conftest import SEED

pytestmark = pytest.mark.skipif(
    not compiled.supported(), reason="CPython 3.11-3.13's re only: elsewhere patterns compile"
)

# patterns of the kinds a build compiles: groups, names, look-arounds, classes, flags, bytes
PATTERNS: list[tuple[str | bytes, int]] = [
    (r"(?P<year>\d{4})-(?P<month>\d\d)(?:-(\d\d))?", 0),
    (r"(?<=[.!?])\s+(?=[A-Z])|\b(?:Mr|Dr|St)\.(?!\w)", 0),
    (r"[€$£]\s?(\d[\d,]*(?:\.\d+)?)\s*(million|billion|bn|m)?\b", re.IGNORECASE),
    (r"^\s*#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE),
    (r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE),
    (rb"\x00+|RIFF....WAVE", re.DOTALL),
]
TEXTS = [
    "On 2024-03-07 Mr. Smith paid $1,200.50 million. Then Dr. Who left! And St. Ives?",
    "# Title ##\n  ## Part two\nl'été d’Émile, 42 ways",
]


def test_a_pattern_from_the_memo_is_the_pattern_re_compiles(tmp_path: Path) -> None:
    code = "\n".join(
        [
            "import re, sys",
            "from pathlib import Path",
            "from podcast import compiled",
            f"memo = compiled.remember(Path({str(tmp_path)!r}))",
            f"patterns = {PATTERNS!r}",
            "made = [re.compile(p, f) for p, f in patterns]",
            "memo.save()",
            "print(len(memo.used), len(memo.learned))",
        ]
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert first.stdout.split() == ["0", str(len(PATTERNS))]
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)  # fmt: skip
    assert second.stdout.split() == [str(len(PATTERNS)), "0"]  # all from the memo, none new
    memo = compiled.Memo(compiled.memo_path(tmp_path))
    assert len(memo.known) == len(PATTERNS)
    import _sre

    for (is_bytes, pattern, flags), args in memo.known.items():
        kept = _sre.compile(pattern, *args)
        fresh = re.compile(pattern, flags)
        assert (kept.pattern, kept.flags, kept.groups, dict(kept.groupindex)) == (
            fresh.pattern, fresh.flags, fresh.groups, dict(fresh.groupindex)
        )  # fmt: skip
        for text in TEXTS:
            subject = text.encode() if is_bytes else text
            assert [m.span() for m in kept.finditer(subject)] == [  # type: ignore[arg-type]
                m.span()
                for m in fresh.finditer(subject)  # type: ignore[arg-type]
            ]
            replacement = b"<>" if is_bytes else "<>"
            assert kept.sub(replacement, subject) == fresh.sub(replacement, subject)


def test_a_damaged_or_foreign_memo_is_not_used(tmp_path: Path, capsys) -> None:
    path = compiled.memo_path(tmp_path)
    cache.write_entry(
        path, b'{"format": 1, "patterns": [[0, "a+", 0, 32, "//8AAA==", 0, {}, [], 0]]}'
    )
    # sealed, but its code is not code the matcher takes: compiled as usual instead
    memo = compiled.Memo(path)
    assert list(memo.known) == [(False, "a+", 0)]
    pattern = memo.compile("a+", 0, compiled.original_compile(), compiled._Recording())
    assert pattern.match("aaa").group() == "aaa" and (False, "a+", 0) not in memo.known
    # damaged on disk: reported once, deleted, nothing used
    data = path.read_bytes()
    path.write_bytes(data[:20] + b"X" + data[21:])
    assert compiled.Memo(path).known == {}
    assert "was damaged" in capsys.readouterr().err and not path.exists()
    # sealed JSON of another shape: nothing used
    cache.write_entry(path, b'{"format": 1, "patterns": [["not", "an", "entry"]]}')
    assert compiled.Memo(path).known == {}
    # another interpreter's memo is another entry
    assert compiled.memo_path(tmp_path).parent == tmp_path / "regex"


@pytest.mark.slow
def test_a_build_keeps_its_patterns_in_its_cache_and_not_without_one(tmp_path: Path) -> None:
    env_cache = tmp_path / "cache"
    build = [sys.executable, "-m", "podcast", "build", str(SEED), "--out", str(tmp_path / "out")]
    env = {"PODCAST_CACHE_DIR": str(env_cache), "PATH": "/usr/bin:/bin"}
    import os

    env = {**os.environ, **env}
    subprocess.run([*build, "--no-cache"], env=env, check=True, capture_output=True)
    assert not (env_cache / "regex").exists()  # --no-cache: no cache of any kind
    subprocess.run(build, env=env, check=True, capture_output=True)
    (kept,) = (env_cache / "regex").iterdir()
    memo = compiled.Memo(kept)
    assert len(memo.known) > 300  # the normalizer's rules, pysbd's, the readers'


def test_patterns_no_build_uses_are_dropped_and_facts_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Patterns made of a process id (fnmatch's, of a temporary name) or of one text's words
    would pile up: one unused for more than ``MAX_IDLE_BUILDS`` builds is dropped. Facts read from
    patterns (``fact``) are kept with them, and computed again only when not kept."""
    path = compiled.memo_path(tmp_path)
    compile, recording = compiled.original_compile(), compiled._Recording()
    monkeypatch.setattr(re._compiler, "_sre", recording)  # type: ignore[attr-defined]
    first = compiled.Memo(path)
    for source in ("a+b", "c+d", "e+f"):
        first.compile(source, 0, compile, recording)
    first.new_facts["a fact"] = True
    first.facts_read.add("a fact")
    first.save()
    for build in range(compiled.MAX_IDLE_BUILDS + 1):
        memo = compiled.Memo(path)
        assert memo.facts == {"a fact": True}
        memo.facts_read.add("a fact")
        memo.compile("a+b", 0, compile, recording)  # used by every build
        memo.compile(f"pid{build}", 0, compile, recording)  # learned by one only
        memo.save()
        assert (False, "c+d", 0) in memo.known  # kept while idle builds are few
    kept = compiled.Memo(path).known
    assert (False, "a+b", 0) in kept and (False, "c+d", 0) not in kept
    # c+d went unused for MAX_IDLE_BUILDS + 1 builds, pid0 (learned by the first) for one less
    assert (False, "pid0", 0) in kept and (False, f"pid{compiled.MAX_IDLE_BUILDS}", 0) in kept
