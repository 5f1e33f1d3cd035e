"""Every bad input through the real CLI: one clear line on stderr, the right exit code, no
traceback, and nothing written (no episode, no temporary folder)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from podcast.cli import app

SHORT = "A Short Note\n\nThe river rose three feet overnight. Residents moved their cars.\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project (seeds/, voices/) as the working directory, with its own cache."""
    (tmp_path / "seeds").mkdir()
    (tmp_path / "voices").mkdir()
    monkeypatch.setenv("PODCAST_HOME", str(tmp_path))
    monkeypatch.setenv("PODCAST_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(name: str, data: str | bytes) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")

    return setup


def nothing(root: Path) -> None:
    pass


def unwritable_out(root: Path) -> None:
    (root / "out").mkdir()
    (root / "out").chmod(0o555)
    write("a.txt", SHORT)(root)


@dataclass(frozen=True)
class Case:
    setup: Callable[[Path], None]
    args: list[str]
    # The exact stderr line after "error: "; {root} is the project folder, {any} stands for
    # text that differs between Python versions (tomllib's wording, strerror).
    message: str


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4

CASES: dict[str, Case] = {
    "missing file": Case(nothing, ["nope.txt"], "nope.txt: no such file; check the path"),
    "folder without articles": Case(
        lambda root: (root / "empty").mkdir(),
        ["empty"],
        "empty has no articles (.txt, .md, .html, .epub); add one or name a file",
    ),
    "no argument and empty seeds/": Case(
        nothing, [], "{root}/seeds has no articles (.txt, .md, .html, .epub); add one"
    ),
    "empty file": Case(
        write("a.txt", ""), ["a.txt"], "a.txt: is empty; give an article with some text"
    ),
    "whitespace-only file": Case(
        write("a.txt", " \n\t\n  \n\n"),
        ["a.txt"],
        "a.txt: is empty; give an article with some text",
    ),
    "empty standard input": Case(
        nothing, ["-"], "<stdin>: is empty; give an article with some text"
    ),
    "binary file": Case(
        write("a.txt", PNG),
        ["a.txt"],
        "a.txt: looks like a binary file, not text; give an article file",
    ),
    "only links, emoji and symbols": Case(
        write("a.txt", "https://example.com/a\n\n😀 🎉 $$$ %%% ### https://x.org me@example.com\n"),
        ["a.txt"],
        "a.txt: has no words to speak (only links, emoji or symbols); give an article with text",
    ),
    "only emoji": Case(
        write("a.txt", "😀 🎉\n\n🎉🎉\n"), ["a.txt"], "a.txt: nothing left to say after cleaning"
    ),
    "Cyrillic article, English voice": Case(
        write("a.txt", "Заголовок\n\nЭто статья на русском языке. Она очень интересная.\n"),
        ["a.txt"],
        "a.txt: is written in Cyrillic script, which voice 'default' (language 'en') cannot "
        "read; choose a voice for the article's language with --voice",
    ),
    "Chinese article, English voice": Case(
        write("a.txt", "标题\n\n这是一篇中文文章。它很有意思。\n"),
        ["a.txt"],
        "a.txt: is written in CJK script, which voice 'default' (language 'en') cannot "
        "read; choose a voice for the article's language with --voice",
    ),
    "malformed voice TOML": Case(
        lambda root: (write("a.txt", SHORT)(root), write("voices/bad.toml", "rate = = 1\n")(root)),
        ["a.txt", "--voice", "bad"],
        "{root}/voices/bad.toml: not valid TOML ({any}); fix the file",
    ),
    "voice TOML with wrong keys and values": Case(
        lambda root: (
            write("a.txt", SHORT)(root),
            write("voices/bad.toml", 'rat = 170\npitch = "high"\nvolume = 7\n')(root),
        ),
        ["a.txt", "--voice", "bad"],
        "{root}/voices/bad.toml: rat: unknown key (did you mean 'rate'?); keys are {any}; "
        "{root}/voices/bad.toml: pitch: must be a whole number, not 'high'; "
        "{root}/voices/bad.toml: volume: 7 is out of range (0.0 to 1.0)",
    ),
    "unknown voice": Case(
        lambda root: (write("a.txt", SHORT)(root), write("voices/narrator.toml", "")(root)),
        ["a.txt", "--voice", "narator"],
        "unknown voice 'narator' (did you mean 'narrator'?); voices in {root}/voices: "
        "default, narrator (create one with 'podcast voices new narator')",
    ),
    "voice the engine does not have": Case(
        lambda root: (
            write("a.txt", SHORT)(root),
            write("voices/odd.toml", 'voice = "en-atlantis"\n')(root),
        ),
        ["a.txt", "--voice", "odd"],
        "voice 'odd' ({root}/voices/odd.toml): espeak-ng has no voice 'en-atlantis'",
    ),
    "output folder is a file": Case(
        lambda root: (write("a.txt", SHORT)(root), write("out", "not a folder")(root)),
        ["a.txt"],
        "out is a file, not a folder; choose another --out",
    ),
}


def run(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args, input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a crash: show its traceback
    return result.exit_code, result.stdout, result.stderr


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gives_one_clear_line_and_writes_nothing(name: str, project: Path) -> None:
    case = CASES[name]
    case.setup(project)
    before = files_under(project / "out") if (project / "out").is_dir() else None
    code, stdout, stderr = run(["build", *case.args, "--out", "out"])
    pattern = re.escape("error: " + case.message).replace(re.escape("{any}"), ".+")
    pattern = pattern.replace(re.escape("{root}"), re.escape(str(project)))
    assert (code, stdout) == (1, ""), stderr
    assert len(stderr.splitlines()) == 1, stderr
    assert re.fullmatch(pattern, stderr.rstrip("\n")), stderr
    if before is None:
        assert not (project / "out").is_dir() or files_under(project / "out") == []
    else:
        assert files_under(project / "out") == before


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_folder(project: Path) -> None:
    unwritable_out(project)
    code, _, stderr = run(["build", "a.txt", "--out", "out"])
    assert (code, stderr.splitlines()) == (
        1,
        [f"error: {project}/out is not writable (Permission denied); choose another --out"],
    )
    assert files_under(project / "out") == []


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["build", "--bitrate", "9999", "a.txt"], "--bitrate"),
        (["build", "--bitrate", "loud", "a.txt"], "--bitrate"),
        (["build", "--workers", "0", "a.txt"], "--workers"),
        (["build", "--frobnicate", "a.txt"], "--frobnicate"),
        (["script", "--json", "--colour", "a.txt"], "--colour"),
        (["script"], "SOURCE"),
        (["publish-everything"], "publish-everything"),
    ],
)
def test_usage_errors_exit_2_and_name_the_problem(
    args: list[str], named: str, project: Path
) -> None:
    write("a.txt", SHORT)(project)
    proc = subprocess.run(
        [sys.executable, "-m", "podcast", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.returncode == 2, proc.stderr
    assert named.lower() in proc.stderr.lower()
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert not (project / "episodes").exists()


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux /sys")
def test_read_only_output_folder(project: Path) -> None:
    """/sys refuses new folders even to root: the same one line as any unwritable folder."""
    write("a.txt", SHORT)(project)
    code, stdout, stderr = run(["build", "a.txt", "--out", "/sys/kernel"])
    assert (code, stdout) == (1, "")
    assert re.fullmatch(
        r"error: /sys/kernel is not writable \((Permission denied|Operation not permitted)\); "
        r"choose another --out\n",
        stderr,
    ), stderr
    assert not any(p.name.endswith(".partial") for p in Path("/sys/kernel").iterdir())


LATIN1 = "Café Society\n\nThe café opened in 1923. Its crème brûlée was famous.\n"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(LATIN1.encode("latin-1"), id="latin-1"),
        pytest.param(LATIN1.encode("cp1252").replace(b"1923", b"1923 \x80"), id="cp1252"),
        pytest.param(
            LATIN1.encode("utf-8") + "Second café.\n".encode("latin-1"), id="mixed utf-8+latin-1"
        ),
    ],
)
def test_other_encodings_are_read_right_or_refused_never_mojibake(
    data: bytes, project: Path
) -> None:
    (project / "a.txt").write_bytes(data)
    code, stdout, stderr = run(["script", "a.txt"])
    if code == 0:  # detected: every accented word must come out right
        assert "Café" in stdout and "crème brûlée" in stdout
        assert not any(m in stdout for m in ("Ã", "Â", "\ufffd")), stdout
    else:
        assert code == 1
        (line,) = stderr.splitlines()
        assert line.startswith("error: a.txt: ") and "UTF-8" in line, line


def test_utf16_with_bom_is_read(project: Path) -> None:
    (project / "a.txt").write_bytes(LATIN1.encode("utf-16"))
    code, stdout, _ = run(["script", "a.txt"])
    assert code == 0 and "crème brûlée" in stdout


@pytest.mark.slow
def test_a_book_pasted_as_one_line_finishes(tmp_path: Path, project: Path) -> None:
    """A whole book pasted as one 2 MB line (ten times what the segmenter's careful path takes)
    is planned in full (no hang, no word lost)."""
    sentence = "The committee met on Tuesday and agreed to publish the report in spring. "
    line = sentence * (2 * 1024 * 1024 // len(sentence) + 1)
    (project / "book.txt").write_text(line + "\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "podcast", "script", "book.txt", "--json"],
        capture_output=True,
        text=True,
        timeout=900,  # a guard against a hang, not a speed target
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    import json

    plan = json.loads(proc.stdout)
    chunks = [c for chapter in plan["chapters"] for c in chapter["chunks"]]
    assert plan["title"] == "book"
    assert len(chunks) == line.count("spring.") + 1  # the title, then one chunk per sentence
    assert max(len(c["text"]) for c in chunks) <= 300
