"""Property: any unicode text either becomes a narration (and an episode) or is refused with one
clear PodcastError line; nothing else (no crash, no traceback, no hang) is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from podcast.build.plan import load_script
from podcast.cli import app
from podcast.config.voices import Voice
from podcast.errors import PodcastError
from tests.hostile import HOSTILE_TITLES

SAMPLE = (
    "the river rose 3 feet on Jan. 6, 2021 at 2:30 p.m. $44 billion 50% Dr. Smith "
    "https://example.com/a?b=c me@example.com 😀 — … « » # & % ½ 𝕏 GOP NASA XXV"
)
WORDS = st.sampled_from(SAMPLE.split(" "))
PROSE = st.lists(st.lists(WORDS, min_size=1, max_size=30).map(" ".join), max_size=8).map(
    "\n\n".join
)
ANY_TEXT = st.one_of(st.text(max_size=400), PROSE, st.sampled_from(list(HOSTILE_TITLES.values())))


def _check_plan(text: str, folder: Path, suffix: str) -> None:
    path = folder / f"article{suffix}"
    path.write_text(text, encoding="utf-8", newline="")
    try:
        plan = load_script(str(path), Voice())
    except PodcastError as exc:
        message = str(exc)
        assert message.strip() and "\n" not in message, repr(message)
        assert "Traceback" not in message
        return
    chunks = plan.chunks()
    assert chunks, "a plan without a single chunk"
    assert all(c.spoken.strip() for c in chunks), [c.spoken for c in chunks if not c.spoken]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ANY_TEXT, suffix=st.sampled_from([".txt", ".md"]))
@example(text="", suffix=".txt")
@example(text="\x00", suffix=".txt")
@example(text="\ufeff", suffix=".md")
@example(text="#\n\n#", suffix=".md")
@example(text="# \n\n## ", suffix=".md")
@example(text="\r\r\r", suffix=".txt")
@example(text="a" * 5000, suffix=".txt")
def test_any_text_is_planned_or_refused_clearly(
    text: str, suffix: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _check_plan(text, tmp_path_factory.mktemp("any"), suffix)


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(min_size=1, max_size=120), PROSE))
def test_any_text_builds_or_fails_with_one_line(
    text: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("build")
    (root / "voices").mkdir()
    (root / "a.txt").write_text(text, encoding="utf-8", newline="")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PODCAST_HOME", str(root))
        mp.chdir(root)
        result = CliRunner().invoke(app, ["build", "a.txt", "--out", "out", "--workers", "1"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    if result.exit_code == 0:
        (episode,) = (root / "out").iterdir()
        assert (episode / f"{episode.name}.mp3").stat().st_size > 0
    else:
        assert result.exit_code == 1
        (line,) = result.stderr.splitlines()
        assert line.startswith("error: ")
        out = root / "out"
        assert not out.exists() or list(out.iterdir()) == []
