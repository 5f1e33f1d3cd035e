"""``podcast voices`` commands and a real build with a cast (real espeak-ng, real ffmpeg)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from podcast.cli import app

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("default", "anchor", "quote")
ARTICLE = """\
# Musk and Trump talk on X

Musk interviewed Trump on Monday night. “There appears to be a massive attack on X,” Musk
posted. “Worst case, we will post the conversation later.”

Trump spoke about the crowd. “It was the biggest crowd that anyone has ever seen,” Trump said.
The campaign called it a “live chat” with friends.
"""


@pytest.fixture
def project(make_project: Callable[[str], Path]) -> Path:
    return make_project(ARTICLE)


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args))


def test_shipped_voices_pass_check(project: Path) -> None:
    result = run("voices", "check")
    assert result.exit_code == 0, result.output
    for name in SHIPPED:
        assert re.search(rf"^ok +{name}: gmw/", result.stdout, re.M)


def test_broken_config_gets_one_message_per_problem_and_exit_1(project: Path) -> None:
    (project / "voices" / "broken.toml").write_text(
        'voice = "gmw/en-uss"\nrat = 170\nrate = 900\n[pauses]\nsentense = 300\n'
    )
    result = run("voices", "check")
    assert result.exit_code == 1
    problems = [line for line in result.stderr.splitlines() if line.startswith("problem")]
    where = str(project / "voices" / "broken.toml")
    # The close matches come from the installed espeak-ng's own voices, which differ between
    # releases (the wheel's 1.52 has gmw/en-shaw, Debian's 1.51 does not): the nearest is
    # gmw/en-us in both, and every match is a voice that engine really has.
    unknown = (
        f"problem  broken: {where}: voice: espeak-ng has no voice 'gmw/en-uss'; close matches: "
    )
    assert problems[0].startswith(unknown), problems[0]
    close = problems[0].removeprefix(unknown).split(", ")
    listed = json.loads(run("voices", "list", "--json").stdout)["engine"]
    real = {v["id"] for v in listed if v["engine"] == "pyttsx3"}
    assert close[0] == "gmw/en-us" and 1 <= len(close) <= 3 and set(close) <= real, close
    assert problems[1:] == [
        f"problem  broken: {where}: rat: unknown key (did you mean 'rate'?); keys are engine, "
        "voice, language, rate, pitch, volume, model, length_scale, noise_scale, noise_w, "
        "sentence_silence_ms, speaker_id, pauses, lexicon",
        f"problem  broken: {where}: rate: 900 is out of range (80 to 450)",
        f"problem  broken: {where}: pauses.sentense: unknown pause (did you mean 'sentence'?); "
        "pauses are clause, sentence, paragraph, chapter, end",
    ]
    assert "4 problem(s) in 1 of 5 voice(s)" in result.stderr
    assert re.search(r"^ok +quote:", result.stdout, re.M)  # the good ones still reported


def test_unknown_variant_lists_close_matches(project: Path) -> None:
    (project / "voices" / "odd.toml").write_text('voice = "gmw/en-us+f33"\n')
    result = run("voices", "check", "odd")
    assert result.exit_code == 1
    assert "espeak-ng has no voice variant '+f33'; close matches: f3" in result.stderr


def test_show_says_where_each_setting_came_from(project: Path) -> None:
    result = run("voices", "show", "quote", "--rate", "200", "--json")
    assert result.exit_code == 0, result.output
    settings = json.loads(result.stdout)["settings"]
    assert settings["rate"] == {"value": 200, "from": "command line"}
    assert settings["pitch"]["from"] == str(project / "voices" / "quote.toml")
    assert settings["voice"]["value"] == "gmw/en-us+f3"


def test_show_of_a_missing_voice_is_one_line_exit_1(project: Path) -> None:
    result = run("voices", "show", "quot")
    assert result.exit_code == 1
    assert "did you mean 'quote'" in result.stderr


def test_new_writes_a_commented_config_that_passes_check(project: Path) -> None:
    result = run("voices", "new", "mine", "--from", "quote")
    assert result.exit_code == 0, result.output
    text = (project / "voices" / "mine.toml").read_text()
    assert "# " in text and 'voice = "gmw/en-us+f3"' in text
    assert run("voices", "check", "mine").exit_code == 0
    again = run("voices", "new", "mine")
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_list_json_has_configured_and_engine_voices(project: Path) -> None:
    result = run("voices", "list", "--lang", "en", "--json")
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    assert {v["name"] for v in listing["configured"]} >= set(SHIPPED)
    assert {v["language"] for v in listing["configured"] if v["ok"]} == {"en"}
    ids = {v["id"] for v in listing["engine"]}
    assert "gmw/en-us" in ids and not any(i.startswith("roa/") for i in ids)


@pytest.mark.slow
@pytest.mark.parametrize("name", SHIPPED)
def test_preview_of_each_voice_produces_audio(project: Path, name: str) -> None:
    import subprocess

    from podcast.toolchain import find_ffmpeg

    out = project / f"{name}.mp3"
    result = run("voices", "preview", name, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    probe = subprocess.run([find_ffmpeg().path, "-hide_banner", "-i", str(out)],
                           capture_output=True, text=True)  # fmt: skip
    seconds = re.search(r"Duration: 00:00:(\d+)\.", probe.stderr)
    assert seconds and int(seconds.group(1)) >= 4  # the default sample is two sentences
    # made the way an episode is: tagged, and at the loudness every episode gets
    from tests.readback import ebur128, parse_id3, text_frame

    titles = [text_frame(f) for f in parse_id3(out).frames if f.id == "TIT2"]
    assert titles == [f"Preview of {name}"]
    measured = ebur128(out)
    assert abs(measured["I"] - -16.0) <= 1.0 and measured["TP"] <= -1.0, measured


@pytest.mark.slow
def test_cast_build_puts_quotes_in_their_voices_and_rerenders_only_the_changed_voice(
    project: Path,
) -> None:
    from podcast.build.pipeline import build_episode
    from podcast.build.plan import load_cast, load_script
    from podcast.config.voices import load_voice
    from podcast.synth.synthesize import Synthesizer

    def build(out: Path) -> tuple[Path, Synthesizer]:
        narrator = load_voice("default", project / "voices")
        cast, voices = load_cast(["quotes=quote", "Musk=anchor"], narrator, project / "voices")
        script = load_script(str(project / "article.md"), narrator, cast=cast, voices=voices)
        with Synthesizer(workers=2) as synth:
            episode = build_episode(script, narrator, synth, out, voices=voices)
        return episode.directory, synth

    folder, first = build(project / "one")
    # captions wrap at 42 characters (a cue's lines joined here); labels name people only:
    # this article never gives "Musk" or "Trump" as a person's full name, so neither is one
    vtt = (folder / "transcript.vtt").read_text()
    payloads = [" ".join(b.splitlines()[1:]) for b in vtt.split("\n\n")[1:] if b.strip()]
    assert "“There appears to be a massive attack on X,”" in payloads
    assert "“Worst case, we will post the conversation later.”" in payloads
    assert "“It was the biggest crowd that anyone has ever seen,”" in payloads
    assert "Musk posted." in payloads and "<v " not in vtt
    assert any("“live chat”" in p for p in payloads)  # a scare quote stays with the narrator
    srt = (folder / "transcript.srt").read_text()
    assert "\n“There appears" in srt and "Musk:" not in srt

    # Only the quote voice changes: only the chunks it speaks (Trump's quote) render again.
    quote_file = project / "voices" / "quote.toml"
    quote_file.write_text(quote_file.read_text().replace("pitch = 64", "pitch = 70"))
    _, second = build(project / "two")
    assert first.rendered > second.rendered == 1
    assert second.reused == first.rendered + first.reused - 1


def test_list_text_shows_each_configured_voice_and_engine_voices(project: Path) -> None:
    result = run("voices", "list", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert re.search(r"^  quote +gmw/en-us\+f3 ", result.stdout, re.M)
    assert re.search(r"^  natural +(piper:|UNAVAILABLE)", result.stdout, re.M)
    assert re.search(r"^Engine voices \(\d+\):", result.stdout, re.M)
    assert "gmw/en-us " in result.stdout
    assert re.search(r"^Variants .*\bf3\b.*\bAlex\b", result.stdout, re.M)


@pytest.mark.slow
def test_a_variant_is_spoken_with_the_case_of_its_file(project: Path) -> None:
    """espeak-ng finds variants case-sensitively: '+alex' would fall back to the plain voice."""
    (project / "voices" / "alex.toml").write_text('voice = "gmw/en-us+alex"\n')
    check = run("voices", "check", "alex")
    assert check.exit_code == 0 and "gmw/en-us+Alex" in check.stdout
    result = run("voices", "preview", "alex", "--text", "One two three.", "--out",
                 str(project / "alex.mp3"))  # fmt: skip
    assert result.exit_code == 0, result.output
