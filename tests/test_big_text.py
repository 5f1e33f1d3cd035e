"""Big inputs (issue 18): a source over its format's limit is refused with one line naming the
limit, before it is read; ``podcast script`` printed chapter by chapter says exactly what the
whole script says. (Time and memory per MB: ``python -m benchmarks script``, never a test.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from podcast import api
from podcast.cli import app
from podcast.models import Chunk, Script
from podcast.text.readers import registry
from podcast.text.topics import depth_scores
from tests.conftest import SEED

runner = CliRunner()
MB = registry.MB


def _sparse(path: Path, head: bytes, size: int) -> Path:
    """A file of ``size`` bytes that starts with ``head`` and costs no disk (a sparse file)."""
    with path.open("wb") as fh:
        fh.write(head)
        fh.truncate(size)
    return path


def _one_error_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: ")
    return line


@pytest.mark.parametrize(
    ("name", "head", "reader"),
    [
        ("page.html", b"<!doctype html><html><body><p>Hello</p>", "html"),
        ("notes.md", b"# A heading\n\nSome text.\n", "markdown"),
    ],
)
def test_a_whole_read_format_over_its_limit_is_refused_naming_the_limit(
    tmp_path: Path, name: str, head: bytes, reader: str
) -> None:
    label, limit = registry.READ_WHOLE_LIMITS[reader]
    big = _sparse(tmp_path / name, head, limit + 1)
    line = _one_error_line(runner.invoke(app, ["script", str(big)]))
    assert f"{big}: is {(limit + 1) / MB:.1f} MB" in line
    assert f"{label} is read whole with a limit of {limit // MB} MB" in line
    assert line.endswith("split it, or convert it to plain text")


def test_a_page_over_every_limit_is_told_its_own_format_limit(tmp_path: Path) -> None:
    big = _sparse(tmp_path / "article.html", b"<!doctype html><p>Hi", registry.MAX_INPUT_BYTES * 2)
    line = _one_error_line(runner.invoke(app, ["script", str(big)]))
    assert f"{big}: is 100.0 MB, and HTML is read whole with a limit of 5 MB" in line


def test_a_text_over_the_input_limit_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = _sparse(tmp_path / "book.txt", b"A title\n\nSome text.\n", registry.MAX_INPUT_BYTES + 1)
    limited = registry._limited

    def never_the_whole_file(raw: bytes, shown: str, size: int = 0) -> bytes:
        assert len(raw) <= registry.HEAD_BYTES, "a file over the limit was read"
        return limited(raw, shown, size)

    monkeypatch.setattr(registry, "_limited", never_the_whole_file)
    line = _one_error_line(runner.invoke(app, ["script", str(big)]))
    assert line == f"error: {big}: larger than 50 MB; split the article"


def test_html_on_standard_input_over_its_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.READ_WHOLE_LIMITS, "html", ("HTML", MB))
    page = "<!doctype html><html><body>" + "<p>Some words here.</p>\n" * (MB // 20)
    line = _one_error_line(runner.invoke(app, ["script", "-"], input=page))
    assert "error: standard input: is 1.0 MB, and HTML is read whole with a limit of 1 MB" in line


def test_a_page_under_the_limit_is_still_read(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<!doctype html><html><head><title>Small</title></head><body><h1>Small"
                    "</h1><p>A paragraph of the small page, read as always.</p></body></html>",
                    encoding="utf-8")  # fmt: skip
    result = runner.invoke(app, ["script", str(page)])
    assert result.exit_code == 0, result.output
    assert "A paragraph of the small page, read as always." in result.stdout


def _whole_script_text(script: Script) -> str:
    """``podcast script``'s output made from the whole Script, as it was before streaming."""
    lines = [f"# {script.title}"]
    for chapter in script.chapters:
        lines.append(f"\n## {chapter.title}\n")
        for chunk in chapter.chunks:
            if chunk.audio:
                lines.append(f"[audio: {chunk.audio}]")
            else:
                lines.append(f"{chunk.speaker}: {chunk.spoken}" if chunk.speaker else chunk.spoken)
    if script.removed:
        lines.append("\n## Removed (not spoken)\n")
        lines += [f"- [{r.reason}] {r.text}" for r in script.removed]
    return "\n".join(lines) + "\n"


def _whole_script_json(script: Script) -> str:
    def chunk_json(chunk: Chunk) -> dict[str, str]:
        entry = {"text": chunk.text, "spoken": chunk.spoken, "voice": chunk.voice,
                 "language": chunk.language or script.language}  # fmt: skip
        if chunk.speaker:
            entry["speaker"] = chunk.speaker
        if chunk.audio:
            entry["audio"] = chunk.audio
        return entry

    document = {
        "title": script.title,
        "language": script.language,
        "chapters": [
            {"title": c.title, "chunks": [chunk_json(k) for k in c.chunks]} for c in script.chapters
        ],
        "removed": [{"text": r.text, "reason": r.reason} for r in script.removed],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def test_the_streamed_script_equals_the_whole_script() -> None:
    """The seed has a cast (quotes to their voice), the show's intro and outro, and a pause
    between chapters: printed chapter by chapter, the script is byte for byte the whole one."""
    whole = api.script(str(SEED))
    assert len(whole.chapters) > 3 and whole.removed
    assert all(len(r.text) <= 300 for r in whole.removed)  # the human listing shows them whole
    text = runner.invoke(app, ["script", str(SEED)])
    assert text.exit_code == 0, text.output
    assert text.stdout == _whole_script_text(whole)
    as_json = runner.invoke(app, ["script", str(SEED), "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert as_json.stdout == _whole_script_json(whole)


def test_topic_depths_on_a_plateau_are_linear_and_unchanged() -> None:
    """Paragraphs all alike (a text repeated) give equal similarities: every depth is 0, and
    the climb to each side is carried along, not walked again from every gap."""
    assert depth_scores(["the cat sat on the mat with a hat"] * 20_000) == [0.0] * 19_999
    valley = ["apples pears plums"] * 3 + ["engines pistons gears"] * 3
    depths = depth_scores(valley)
    assert max(depths) == depths[2] > 0 and depths.index(max(depths)) == 2
