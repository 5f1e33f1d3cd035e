"""Shared fixtures: one real build of the seed per test session (real espeak-ng, real ffmpeg)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_python(
    code: str, cwd: Path | None = None, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``code`` run by this Python in a process of its own (what it imports, sets or prints
    starts from nothing), its output captured as text."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, check=check)  # fmt: skip


SEED = ROOT / "seeds" / "trump-musk-x-interview.txt"
CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test session renders into its own chunk cache, never the user's."""
    mp = pytest.MonkeyPatch()
    mp.setenv("PODCAST_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    mp.setenv("PODCAST_HOME", str(ROOT))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def seed_episode(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Build the seed once; return its folder, manifest and script."""
    from functools import partial

    from podcast.audio.structure import add_structure
    from podcast.build.pipeline import BuildOptions, build
    from podcast.build.plan import load_script
    from podcast.config.show import load_show
    from podcast.config.voices import load_voice
    from podcast.text.normalize import normalize

    out = tmp_path_factory.mktemp("episodes")
    (episode,) = build([str(SEED)], BuildOptions(out_dir=out))
    voice = load_voice("default", ROOT / "voices")
    script = load_script(str(SEED), voice)
    show = load_show(None, ROOT)
    return {
        "episode": episode,
        "dir": episode.directory,
        "mp3": episode.directory / episode.audio_name,
        "manifest": json.loads((episode.directory / "episode.json").read_text()),
        "script": script,
        "show": show,
        "produced": add_structure(
            script, show, voice.name, partial(normalize, lexicon=voice.lexicon)
        ),
    }


@pytest.fixture
def make_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """A project folder with the shipped voices, one article (article.md) and its own cache."""

    def make(article: str) -> Path:
        shutil.copytree(ROOT / "voices", tmp_path / "voices")
        (tmp_path / "article.md").write_text(article, encoding="utf-8")
        monkeypatch.setenv("PODCAST_HOME", str(tmp_path))
        monkeypatch.setenv("PODCAST_CACHE_DIR", str(tmp_path / "cache"))
        return tmp_path

    return make
