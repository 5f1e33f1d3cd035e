"""M4B and Opus: the second and third formats, made from the same timeline as the MP3.

One real build (espeak-ng, ffmpeg) with ``--format mp3,m4b,opus``; each file read back by
ffmpeg's demuxers (ffprobe where installed: chapters, duration) and by mutagen (tags), never
by the package's own readers alone. Opus needs ffmpeg's libopus: where the ffmpeg in use
(``PODCAST_FFMPEG=wheel|system``) lacks it, its tests skip and the build says why.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from podcast import formats
from podcast.cli import app
from podcast.formats import derived
from tests import readback
from tests.readback import text_frame

ARTICLE = """# Two Formats, One Timeline

## First Part

The first part says one thing, then another, and then a third thing at some length.
It ends here.

## Second Part

The second part is short. “It is the last quotation of this test,” said Ann Example.
"""

OPUS_MISSING = formats.get("opus").available()  # type: ignore[attr-defined]
needs_opus = pytest.mark.skipif(OPUS_MISSING is not None, reason=str(OPUS_MISSING))


def _frame_ms(name: str) -> float:
    fmt = formats.get(name)
    return fmt.samples_per_frame * 1000 / fmt.sample_rate


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("alt")
    (folder / "two.md").write_text(ARTICLE, encoding="utf-8")
    asked = "mp3,m4b" if OPUS_MISSING else "mp3,m4b,opus"
    result = CliRunner().invoke(
        app, ["build", str(folder / "two.md"), "--format", asked, "--out", str(folder / "eps")]
    )
    assert result.exit_code == 0, result.output
    (mp3,) = (folder / "eps").glob("*/*.mp3")
    return {"mp3": mp3, "manifest": json.loads((mp3.parent / "episode.json").read_text())}


def _file(built: dict, name: str) -> Path:
    return built["mp3"].with_suffix(formats.get(name).suffix)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["m4b", pytest.param("opus", marks=needs_opus)])
def test_same_chapters_and_duration_as_the_mp3(built: dict, name: str) -> None:
    path, frame = _file(built, name), _frame_ms(name)
    # the MP3's chapters as its ID3 CHAP frames say (ffmpeg shifts an MP3's chapters by the
    # encoder delay it reports as the stream's start when it dumps them)
    tag = readback.parse_id3(built["mp3"])
    mp3_chapters = [
        (text_frame(f.sub_frames[0]), readback.chap_fields(f)[1])
        for f in tag.frames if f.id == "CHAP"
    ]  # fmt: skip
    chapters = readback.ffprobe_chapters(path)
    assert [c.title for c in chapters] == [title for title, _ in mp3_chapters]
    assert len(chapters) == 4  # intro, two parts, outro
    for mine, (_, start_ms) in zip(chapters, mp3_chapters, strict=True):
        assert abs(mine.start_ms - start_ms) <= frame, (mine, start_ms)
    mp3_ms = formats.default().duration_ms(built["mp3"])
    assert abs(readback.ffmpeg_duration_ms(path) - mp3_ms) <= frame  # decoded to the end
    assert abs(formats.get(name).duration_ms(path) - mp3_ms) <= frame
    assert built["manifest"]["duration_ms"] == mp3_ms


@pytest.mark.slow
def test_m4b_tags_cover_and_brand_as_mutagen_reads_them(built: dict) -> None:
    from mutagen.mp4 import MP4

    path = _file(built, "m4b")
    audio = MP4(str(path))
    mp3_tags = formats.default().read_tags(built["mp3"])
    assert audio.tags is not None
    assert audio.tags["©nam"] == ["Two Formats, One Timeline"]
    assert audio.tags["©alb"] == [mp3_tags.album] and audio.tags["©ART"] == [mp3_tags.artist]
    assert (audio.tags.get("©cmt") or [""]) == [mp3_tags.comment]
    assert bytes(audio.tags["covr"][0]) == mp3_tags.cover and mp3_tags.cover
    assert [c.title for c in audio.chapters or ()] == [c.title for c in mp3_tags.chapters]
    assert (audio.info.codec, audio.info.sample_rate) == ("mp4a.40.2", 44_100)  # AAC-LC
    assert path.read_bytes()[8:12] == b"M4B "  # the audiobook brand


@pytest.mark.slow
@needs_opus
def test_opus_vorbis_comments_and_chapters_as_mutagen_reads_them(built: dict) -> None:
    from mutagen.oggopus import OggOpus

    audio = OggOpus(str(_file(built, "opus")))
    comments = {key.upper(): value for key, value in audio.tags or ()}  # names: any case
    mp3_tags = formats.default().read_tags(built["mp3"])
    assert comments["TITLE"] == "Two Formats, One Timeline"
    assert (comments["ARTIST"], comments["ALBUM"]) == (mp3_tags.artist, mp3_tags.album)
    assert "METADATA_BLOCK_PICTURE" in comments
    numbered = sorted(k for k in comments if re.fullmatch(r"CHAPTER\d{3}", k))
    assert [comments[f"{k}NAME"] for k in numbered] == [c.title for c in mp3_tags.chapters]
    for key, mark in zip(numbered, mp3_tags.chapters, strict=True):
        h, m, s = comments[key].split(":")
        assert round((int(h) * 3600 + int(m) * 60 + float(s)) * 1000) == mark.start_ms


@pytest.mark.slow
def test_the_manifest_lists_every_format_and_loudness_holds(built: dict) -> None:
    names = {f["name"] for f in built["manifest"]["files"]}
    asked = ["m4b"] if OPUS_MISSING else ["m4b", "opus"]
    for name in asked:
        path = _file(built, name)
        assert path.name in names and path.stat().st_size > 0
        measured = readback.ebur128(path)  # the MP3's loudness chain, kept through the encode
        assert abs(measured["I"] - -16.0) <= 1.0 and measured["TP"] <= -0.5, (name, measured)
    assert not list(built["mp3"].parent.glob(".*partial*"))


def test_an_unknown_format_is_a_usage_error_with_a_hint(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["build", "x.md", "--format", "mp3,m4a"])
    assert result.exit_code == 2
    assert "no format 'm4a'" in result.output and "did you mean 'm4b'" in result.output


def test_a_format_whose_encoder_is_missing_stops_the_build_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(derived, "_encoders", lambda path: frozenset({"aac", "libmp3lame"}))
    (tmp_path / "a.md").write_text("# A\n\nOne sentence.\n", encoding="utf-8")
    out = tmp_path / "eps"
    result = CliRunner().invoke(
        app, ["build", str(tmp_path / "a.md"), "--format", "opus", "--out", str(out)]
    )
    assert result.exit_code == 1
    message = result.output.strip().splitlines()[-1]
    assert "opus needs ffmpeg's libopus encoder" in message and "PODCAST_FFMPEG=" in message
    assert not out.exists() or not any(out.iterdir())


def test_only_formats_that_can_be_made_from_the_episode_are_extra() -> None:
    class Plain:  # an OutputFormat with nothing to derive from (like the seam test's WAV)
        name, suffix = "plain-test", ".plain"

    formats.register(Plain())  # type: ignore[arg-type]
    try:
        assert [f.name for f in formats.derivable(["mp3", "m4b", "M4B", " "])] == ["m4b"]
        with pytest.raises(Exception, match="plain-test cannot be made from the episode"):
            formats.derivable(["plain-test"])
    finally:
        formats.unregister("plain-test")


@pytest.mark.slow
def test_the_seed_builds_mp3_alone_by_default_and_its_captions_fit(seed_episode: dict) -> None:
    folder = seed_episode["dir"]
    assert not [
        p for p in folder.iterdir() if formats.by_suffix(p) not in (None, formats.default())
    ]
    vtt = (folder / "transcript.vtt").read_text(encoding="utf-8")
    blocks = [b.splitlines() for b in vtt.split("\n\n")[1:] if b.strip()]
    times = []
    for timing, *lines in blocks:
        start, end = (_ms(t) for t in timing.split(" --> "))
        times.append((start, end))
        text = [re.sub(r"^<v [^>]*>", "", line) for line in lines]
        one_word = len(" ".join(text).split()) == 1
        assert (len(text) <= 2 and all(len(line) <= 42 for line in text)) or one_word, lines
        assert end - start <= 7000 or one_word, timing
        assert "<v Narrator>" not in lines[0] and "<v Quote>" not in lines[0]
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(times))
    # the JSON transcript keeps whole sentences: every caption lies inside one of its segments
    segments = json.loads((folder / "transcript.json").read_text())["segments"]
    spans = [(round(s["startTime"] * 1000), round(s["endTime"] * 1000)) for s in segments]
    assert len(segments) < len(blocks)
    assert all(any(a <= start and end <= b for a, b in spans) for start, end in times)


def _ms(stamp: str) -> int:
    h, m, s = stamp.split(":")
    return round((int(h) * 3600 + int(m) * 60 + float(s)) * 1000)
