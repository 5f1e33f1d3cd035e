"""Show config validation, cover art checks, loudness helpers and episode structure."""

from __future__ import annotations

import array
import itertools
import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from podcast.audio import loudness
from podcast.cli import app
from podcast.config import cover
from podcast.config.show import Show, load_show, parse_show
from podcast.errors import ConfigError
from podcast.toolchain import find_ffmpeg
from tests import readback
from tests.conftest import ROOT

REQUIRED = {"title": "T", "author": "A", "description": "D"}


def _ffmpeg(*args: str) -> None:
    subprocess.run([find_ffmpeg().path, "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def art(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("art")
    (folder / "cover.png").write_bytes(cover.draw_default_cover(1400))
    (folder / "small.png").write_bytes(cover.draw_default_cover(600))
    rows = [bytes(1500 * 3)] * 1400
    (folder / "wide.png").write_bytes(cover.encode_png(1500, 1400, rows))
    _ffmpeg("-i", str(folder / "cover.png"), str(folder / "cover.jpg"))
    _ffmpeg("-i", str(folder / "cover.png"), "-pix_fmt", "gray", str(folder / "gray.png"))
    return folder


def test_default_cover_is_square_rgb_png_and_small() -> None:
    data = (ROOT / "cover.png").read_bytes()
    assert cover.image_info(data) == cover.ImageInfo("png", 1400, 1400, "rgb")
    assert len(data) < 100_000
    assert data == cover.draw_default_cover(), "cover.png is what podcast.config.cover draws"


def test_jpeg_cover_is_read(art: Path) -> None:
    info = cover.image_info((art / "cover.jpg").read_bytes())
    assert info == cover.ImageInfo("jpeg", 1400, 1400, "rgb")
    assert cover.check_cover(art / "cover.jpg") == []


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("small.png", "600x600 px; use 1400 to 3000 px"),
        ("wide.png", "it must be square"),
        ("gray.png", "is gray; save it as RGB"),
        ("missing.png", "no such file"),
    ],
)
def test_bad_cover_is_a_clear_error(art: Path, name: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        parse_show({**REQUIRED, "cover": name}, "show.toml", art)


def test_every_problem_is_reported_at_once_with_hints(art: Path) -> None:
    data = {"titel": "x", "category": "Tech", "explicit": "no", "intro": {"txt": "hi"}}
    with pytest.raises(ConfigError) as caught:
        parse_show(data, "show.toml", art)
    message = str(caught.value)
    for expected in (
        "unknown key 'titel' (did you mean 'title'?)",
        "missing required key 'title'",
        "missing required key 'author'",
        "missing required key 'description'",
        "'Tech' is not an Apple Podcasts category (did you mean 'Technology'?)",
        "'explicit' must be true or false",
        "unknown key 'intro.txt' (did you mean 'text'?)",
    ):
        assert expected in message
    assert message.count("show.toml:") == 7


def test_subcategory_must_belong_to_category(art: Path) -> None:
    with pytest.raises(ConfigError, match="'Tech News' is not in 'Arts'"):
        parse_show({**REQUIRED, "category": "Arts", "subcategory": "Tech News"}, "s", art)


def test_no_file_means_defaults_and_project_file_is_valid(tmp_path: Path) -> None:
    assert load_show(None, tmp_path) == Show()
    shipped = load_show(None, ROOT)
    assert shipped.title and shipped.cover == (ROOT / "cover.png").resolve()
    assert shipped.intro.enabled and shipped.outro.enabled
    with pytest.raises(ConfigError, match="does not exist"):
        load_show(tmp_path / "nope.toml", tmp_path)


def test_cast_table_is_kept_for_the_cast_module(art: Path) -> None:
    show = parse_show({**REQUIRED, "cast": {"narrator": "default"}}, "s", art)
    assert show.cast == {"narrator": "default"}


def test_ebur128_summary_is_parsed() -> None:
    log = (
        "[Parsed_ebur128_0 @ 0x1] t: 1.0 M: -20 S: -20 I: -30.0 LUFS\n"
        "[Parsed_ebur128_0 @ 0x1] Summary:\n\n  Integrated loudness:\n    I:         -18.5 LUFS\n"
        "    Threshold: -28.6 LUFS\n\n  Loudness range:\n    LRA:         2.1 LU\n"
        "  True peak:\n    Peak:       -1.2 dBFS\n"
    )
    assert loudness.parse_summary(log) == loudness.Loudness(-18.5, -1.2, 2.1)


def test_gain_plan_targets_minus_16_and_limits_peaks() -> None:
    measured = loudness.SpeechLoudness(-20.0, -3.0, 2.0)
    level = loudness.plan(measured)
    assert level.gain_db == pytest.approx(4.0 + loudness.LAME_96K.loss_lu)
    chain = ",".join(level.filters())
    assert "volume=+4.50dB" in chain and "alimiter=limit=0.8414" in chain
    assert "latency=1" in chain and "loudnorm" not in chain
    fixed = loudness.corrected(level, loudness.Loudness(-17.5, -0.5, 2.0))
    assert fixed.gain_db == pytest.approx(level.gain_db + 1.5)
    assert fixed.ceiling_dbtp < level.ceiling_dbtp


# --- episode structure with a jingle, a music bed and stings (real audio) ---------------------

ARTICLE = """# Short & sweet, 1 < 2

## First part

The first part has two sentences. Here is the second one.

## [Second part](https://example.org/second?a=1&b=2)

Another chapter with some words in it. And more words.

## Third

The end is near. Done.
"""


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("show")
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=660:duration=1.5", str(folder / "jingle.wav"))
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=0.8", str(folder / "sting.mp3"))
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=220:duration=2", str(folder / "bed.wav"))
    (folder / "cover.png").write_bytes(cover.draw_default_cover())
    (folder / "show.toml").write_text(
        'title = "Test & <Show>"\nauthor = "Tester"\ndescription = "A test show."\n'
        'category = "Technology"\ncover = "cover.png"\n'
        '[intro]\ntext = ["Welcome to {show}.", "This is {title}."]\n'
        'audio = "jingle.wav"\nmusic = "bed.wav"\nmusic_db = -14\n'
        '[outro]\ntext = ["Goodbye."]\naudio = "jingle.wav"\n'
        '[between_chapters]\nsting = "sting.mp3"\n',
        encoding="utf-8",
    )
    (folder / "short.md").write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["build", str(folder / "short.md"), "--show", str(folder / "show.toml"),
         "--out", str(folder / "eps")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (mp3,) = (folder / "eps").glob("*/*.mp3")
    return {
        "mp3": mp3,
        "manifest": json.loads((mp3.parent / "episode.json").read_text()),
        "cues": json.loads((mp3.parent / "transcript.json").read_text())["segments"],
        "pcm": array.array("h", readback.decode_pcm(mp3, 8000)),
    }


def _rms(pcm: array.array, start_ms: int, end_ms: int) -> float:
    window = pcm[start_ms * 8 : end_ms * 8]
    return (sum(s * s for s in window) / max(1, len(window))) ** 0.5


@pytest.mark.slow
def test_intro_and_outro_are_chapters_around_the_article(produced: dict) -> None:
    titles = [c["title"] for c in produced["manifest"]["chapters"]]
    assert titles == ["Intro", "First part", "Second part", "Third", "Outro"]
    assert produced["manifest"]["chapters"][0]["start_ms"] == 0
    bodies = [c["body"] for c in produced["cues"]]
    assert bodies[0] == "Welcome to Test & <Show>. This is Short & sweet, 1 < 2."
    assert bodies[-1] == "Goodbye."


@pytest.mark.slow
def test_jingle_bed_and_stings_are_heard_where_the_timeline_says(produced: dict) -> None:
    pcm, cues = produced["pcm"], produced["cues"]
    chapters = produced["manifest"]["chapters"]
    # the jingle opens the episode, before any word
    assert _rms(pcm, 100, 1200) > 1000
    # the music bed plays alone before the intro lines (lead-in) ...
    intro_cue = cues[0]
    assert (
        _rms(
            pcm,
            round(intro_cue["startTime"] * 1000) + 200,
            round(intro_cue["startTime"] * 1000) + 1200,
        )
        > 300
    )
    # ... and a sting sounds between each article chapter, before the next mark
    for before, chapter in itertools.pairwise(chapters[1:4]):
        last_word = max(c["endTime"] for c in cues if c["startTime"] * 1000 < chapter["start_ms"])
        gap = (round(last_word * 1000), chapter["start_ms"])
        assert gap[1] - gap[0] > 800, before["title"]
        assert _rms(pcm, *gap) > 500, f"no sting after {before['title']}"
    # marks still sit in silence
    for chapter in chapters[1:]:
        assert _rms(pcm, chapter["start_ms"] - 80, chapter["start_ms"] + 80) < 200


@pytest.mark.slow
def test_a_linked_heading_gives_its_chapter_a_url_everywhere(produced: dict) -> None:
    url = "https://example.org/second?a=1&b=2"
    folder = produced["mp3"].parent
    chapters = json.loads((folder / "chapters.json").read_text())["chapters"]
    assert [c.get("url", "") for c in chapters] == ["", "", url, "", ""]
    result = CliRunner().invoke(app, ["info", str(produced["mp3"]), "--json", "--no-loudness"])
    assert [c["url"] for c in json.loads(result.stdout)["chapters"]] == ["", "", url, "", ""]
    assert f"[Second part](<{url}>)" in (folder / "shownotes.md").read_text()
    assert (
        'href="https://example.org/second?a=1&amp;b=2"' in (folder / "shownotes.html").read_text()
    )


@pytest.mark.slow
def test_structured_episode_is_in_loudness_spec(produced: dict) -> None:
    recorded = produced["manifest"]["loudness"]
    assert recorded["within_spec"], recorded


def test_chapter_url_becomes_wxxx_after_tit2(tmp_path: Path) -> None:
    from podcast.formats import Tags
    from podcast.formats.mp3 import id3 as tag
    from podcast.models import ChapterMark

    mp3 = tmp_path / "x.mp3"
    _ffmpeg("-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "2", "-b:a", "64k", str(mp3))
    marks = (
        ChapterMark("One", 0, 1000, "https://example.org/a"),
        ChapterMark("Två", 1000, 2000, "https://example.org/ü"),
    )
    tag.write_tags(mp3, Tags("T", "A", "S", "2024-01-01", "Source: x"), marks)
    parsed = readback.parse_id3(mp3)
    chaps = [f for f in parsed.frames if f.id == "CHAP"]
    assert [[s.id for s in c.sub_frames] for c in chaps] == [["TIT2", "WXXX"]] * 2
    read = tag.read_tags(mp3)
    assert [c.url for c in read.chapters] == ["https://example.org/a", "https://example.org/%C3%BC"]
