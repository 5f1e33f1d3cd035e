"""The public Python API: the names ``podcast`` exports, and that they do what the CLI does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import podcast


def test_the_public_api_is_what_all_says() -> None:
    assert sorted(podcast.__all__) == [
        "BuildOptions", "Episode", "PodcastError", "Script", "build", "script",
    ]  # fmt: skip
    for name in podcast.__all__:
        assert getattr(podcast, name) is not None
    with pytest.raises(AttributeError):
        podcast.no_such_name  # noqa: B018


def test_importing_podcast_loads_no_stage() -> None:
    """``import podcast`` stays cheap: the build's modules load on first use of a name."""
    code = "import sys, podcast; print(sorted(m for m in sys.modules if m.startswith('podcast.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['podcast.version']"


def test_script_plans_an_article_without_audio(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    article = tmp_path / "a.md"
    article.write_text("# Tides\n\nThe sea rises twice a day.\n\n## Why\n\nThe moon pulls it.\n")
    plan = podcast.script(str(article))
    assert plan.title == "Tides"
    spoken = " ".join(c.spoken for ch in plan.chapters for c in ch.chunks)
    assert "The sea rises twice a day." in spoken and "The moon pulls it." in spoken
    assert not list(tmp_path.glob("**/*.mp3"))


def test_a_user_error_is_a_podcast_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(podcast.PodcastError, match=r"no such file|not found|does not exist"):
        podcast.script(str(tmp_path / "missing.txt"))
