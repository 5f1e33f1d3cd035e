"""The Piper engine: optional. Without the extra, clear messages; with it, a real build.

Tests that need piper-tts (``pip install -e '.[natural]'``) are skipped without it, saying so.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from podcast.cli import app
from podcast.engines import piper as piper_engine

ROOT = Path(__file__).resolve().parent.parent
NEEDS_PIPER = pytest.mark.skipif(
    not (piper_engine.installed() and piper_engine.packaged_voices()),
    reason="Piper is an optional extra: pip install -e '.[natural]'",
)
SENTENCES = (
    "The company said it would add new servers before the interview. "
    "Musk asked the former president about immigration and the economy. "
    "Many listeners could not join the stream for forty minutes."
)
MAX_PIPER_WER = 0.3  # measured here: 0.10 (espeak-ng through pyttsx3: 0.81)
ARTICLE = """\
# A short test

Musk interviewed Trump on Monday night, and many people tried to listen.

“There appears to be a massive attack on the servers,” Musk posted on his platform.
"""


@pytest.fixture
def project(make_project: Callable[[str], Path]) -> Path:
    return make_project(ARTICLE)


@pytest.fixture
def without_piper(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine as if the extra were not installed."""
    monkeypatch.setattr(piper_engine, "installed", lambda: False)


def test_without_the_extra_check_says_unavailable_with_the_install_command(
    project: Path, without_piper: None
) -> None:
    result = CliRunner().invoke(app, ["voices", "check"])
    assert result.exit_code == 0, result.output
    assert (
        "unavailable  natural: the Piper engine is not installed; pip install -e '.[natural]'"
        in result.stdout
    )


def test_without_the_extra_doctor_warns_and_a_build_can_still_work(
    project: Path, without_piper: None
) -> None:
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    assert re.search(r"warning  voice 'natural': unavailable: .*pip install -e '\.\[natural\]'",
                     result.stdout)  # fmt: skip


def test_without_the_extra_building_with_it_is_one_clear_line(
    project: Path, without_piper: None
) -> None:
    result = CliRunner().invoke(app, ["build", str(project / "article.md"), "--voice", "natural"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: voice 'natural'")
    assert "pip install -e '.[natural]'" in result.stderr


def test_unknown_piper_voice_lists_the_installed_ones(project: Path) -> None:
    (project / "voices" / "odd.toml").write_text('engine = "piper"\nvoice = "en_US-bob"\n')
    result = CliRunner().invoke(app, ["voices", "check", "odd"])
    if not piper_engine.installed():
        assert "unavailable" in result.stdout
        return
    assert result.exit_code == 1
    assert "no Piper voice 'en_US-bob'" in result.stderr


@NEEDS_PIPER
def test_piper_lexicon_phonemes_are_checked_against_the_model(project: Path) -> None:
    (project / "voices" / "odd.toml").write_text(
        'engine = "piper"\n[lexicon]\nMusk = "[[m\'Vsk]]"\nTrump = "[[tɹˈʌmp]]"\n'
    )
    result = CliRunner().invoke(app, ["voices", "check", "odd"])
    assert result.exit_code == 1
    assert "lexicon.Musk: en_US-joe-medium has no phoneme(s) V;" in result.stderr
    assert "Trump" not in result.stderr


@NEEDS_PIPER
@pytest.mark.slow
def test_natural_build_meets_the_default_checks_with_a_pyttsx3_quote_voice(project: Path) -> None:
    from podcast.toolchain import find_ffmpeg

    result = CliRunner().invoke(
        app, ["build", str(project / "article.md"), "--voice", "natural",
              "--cast", "quotes=quote", "--out", str(project / "eps")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (folder,) = (project / "eps").iterdir()
    mp3 = folder / f"{folder.name}.mp3"
    meta = subprocess.run([find_ffmpeg().path, "-v", "error", "-i", str(mp3), "-f", "ffmetadata", "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert meta.count("[CHAPTER]") >= 1 and "TIMEBASE=1/1000" in meta
    vtt = (folder / "transcript.vtt").read_text()
    payloads = [" ".join(b.splitlines()[1:]) for b in vtt.split("\n\n")[1:] if b.strip()]
    assert "“There appears to be a massive attack on the servers,”" in payloads
    assert (folder / "transcript.srt").is_file() and (folder / "chapters.json").is_file()


@NEEDS_PIPER
@pytest.mark.slow
def test_piper_stays_intelligible(project: Path) -> None:
    pytest.importorskip("pocketsphinx", reason="pocketsphinx measures WER: pip install -e '.[dev]'")
    from podcast.inspect.intelligibility import audio_wer

    out = project / "natural.mp3"
    result = CliRunner().invoke(app, ["voices", "preview", "natural", "--text", SENTENCES,
                                      "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert audio_wer(out, SENTENCES) <= MAX_PIPER_WER


@pytest.mark.slow
def test_every_installed_engine_is_measured_and_piper_is_the_clearer(project: Path) -> None:
    """WER of the same sentences per installed engine (espeak-ng always, Piper with the extra)."""
    pytest.importorskip("pocketsphinx", reason="pocketsphinx measures WER: pip install -e '.[dev]'")
    from podcast.inspect.intelligibility import audio_wer

    scores = {}
    voices = ["default", "natural"] if piper_engine.installed() else ["default"]
    for voice in voices:
        out = project / f"{voice}.mp3"
        result = CliRunner().invoke(
            app, ["voices", "preview", voice, "--text", SENTENCES, "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        scores[voice] = audio_wer(out, SENTENCES)
    # espeak-ng's formant voice is hard for the recognizer (0.81 here) but not noise
    assert scores["default"] < 1.0
    if "natural" in scores:
        assert scores["natural"] < scores["default"] - 0.3, scores
