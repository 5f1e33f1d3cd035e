"""End to end: the seed article becomes a chaptered MP3 that independent readers agree on."""

from __future__ import annotations

import array
import json
import re

import pytest

from podcast.text.segment import words
from tests import readback

pytestmark = pytest.mark.slow

FILES = (
    "chapters.json",
    "transcript.vtt",
    "transcript.srt",
    "transcript.json",
    "shownotes.md",
    "shownotes.html",
    "episode.json",
)


def test_writes_all_episode_files(seed_episode: dict) -> None:
    folder = seed_episode["dir"]
    names = {p.name for p in folder.iterdir()}
    assert names == {seed_episode["mp3"].name, *FILES}
    for entry in seed_episode["manifest"]["files"]:
        assert (folder / entry["name"]).stat().st_size == entry["size_bytes"]


def test_mp3_is_cbr_44k_mono_96k_with_info_header(seed_episode: dict) -> None:
    info = readback.mp3_stream(seed_episode["mp3"])
    assert (info.mpeg_version, info.layer) == ("1", 3)
    assert (info.sample_rate, info.channels, info.bitrate_kbps) == (44100, 1, 96)
    assert info.xing_tag == "Info"  # LAME's name for the CBR header
    assert readback.all_frame_bitrates(seed_episode["mp3"]) == {96}


def test_id3_is_v23_with_one_ordered_toplevel_ctoc(seed_episode: dict) -> None:
    tag = readback.parse_id3(seed_episode["mp3"])
    assert tag.major == 3
    ctocs = [f for f in tag.frames if f.id == "CTOC"]
    chaps = [f for f in tag.frames if f.id == "CHAP"]
    assert len(ctocs) == 1
    _, flags, children = readback.ctoc_fields(ctocs[0])
    assert flags & 0x03 == 0x03
    ids = [readback.chap_fields(c)[0] for c in chaps]
    assert children == ids
    starts = [readback.chap_fields(c)[1] for c in chaps]
    assert starts == sorted(starts), "CHAP frames must be stored in time order"
    for chap in chaps:
        assert chap.sub_frames[0].id == "TIT2"
        assert readback.chap_fields(chap)[3:] == (0xFFFFFFFF, 0xFFFFFFFF)
    texts = {f.id: readback.text_frame(f) for f in tag.frames if f.id in {"TIT2", "TPE1", "TALB"}}
    assert texts["TIT2"].startswith("After a glitchy start")
    assert texts["TPE1"] and texts["TALB"]
    comments = [readback.comment_frame(f) for f in tag.frames if f.id == "COMM"]
    assert not any("trump-musk-x-interview.txt" in c for c in comments), "a local path"
    # the seed gives no date: no date frame (never the build day), and the manifest says so
    assert seed_episode["manifest"]["date_source"] == "unknown"
    assert not any(f.id in {"TYER", "TDAT", "TDRC"} for f in tag.frames)


def test_independent_reader_sees_chapters_in_order_contiguous(seed_episode: dict) -> None:
    chapters = readback.ffprobe_chapters(seed_episode["mp3"])
    manifest = seed_episode["manifest"]
    json_chapters = json.loads((seed_episode["dir"] / "chapters.json").read_text())
    assert json_chapters["version"] == "1.2.0"
    assert 3 <= len(chapters) <= 8
    assert [c.title for c in chapters] == [c["title"] for c in manifest["chapters"]]
    assert [c["title"] for c in json_chapters["chapters"]] == [c.title for c in chapters]
    # ffmpeg reports times relative to the first decoded sample (encoder delay), so allow 60 ms
    for ours, theirs in zip(manifest["chapters"], chapters, strict=True):
        assert abs(ours["start_ms"] - theirs.start_ms) <= 60
    for ours, js in zip(manifest["chapters"], json_chapters["chapters"], strict=True):
        assert round(js["startTime"] * 1000) == ours["start_ms"]
    assert manifest["chapters"][0]["start_ms"] == 0
    for a, b in zip(manifest["chapters"], manifest["chapters"][1:], strict=False):
        assert a["end_ms"] == b["start_ms"]
    assert manifest["chapters"][-1]["end_ms"] == manifest["duration_ms"]
    assert abs(manifest["duration_ms"] - readback.ffmpeg_duration_ms(seed_episode["mp3"])) <= 60


def test_chapter_titles_are_short_and_not_generic(seed_episode: dict) -> None:
    for chapter in seed_episode["manifest"]["chapters"]:
        title = chapter["title"]
        assert 1 <= len(title.split()) <= 8, title
        assert not re.fullmatch(r"(chapter|part|section)\s*\d+", title, re.IGNORECASE)


def _rms(pcm: array.array, start_ms: int, end_ms: int, rate: int) -> float:
    window = pcm[start_ms * rate // 1000 : end_ms * rate // 1000]
    return (sum(s * s for s in window) / max(1, len(window))) ** 0.5


def test_chapter_marks_sit_in_silence_before_first_word(seed_episode: dict) -> None:
    rate = 8000
    pcm = array.array("h", readback.decode_pcm(seed_episode["mp3"], rate))
    speech = _rms(pcm, 1000, 3000, rate)
    for chapter in seed_episode["manifest"]["chapters"][1:]:
        mark = chapter["start_ms"]
        assert _rms(pcm, mark - 100, mark + 100, rate) < speech / 30, chapter["title"]


def _cues(vtt: str) -> list[tuple[str, str, str]]:
    blocks = [b for b in vtt.split("\n\n")[1:] if "-->" in b]
    out = []
    for block in blocks:
        timing, *text = block.strip().splitlines()
        start, end = timing.split(" --> ")
        out.append((start, end, " ".join(text)))
    return out


def test_transcript_covers_the_article_in_order(seed_episode: dict) -> None:
    vtt = (seed_episode["dir"] / "transcript.vtt").read_text()
    assert vtt.startswith("WEBVTT\n")
    cues = _cues(vtt)
    said = words(re.sub(r"<[^>]+>", "", c[2]).replace("&amp;", "&") for c in cues)
    # the show's intro and outro (podcast.toml) frame the article
    script = seed_episode["produced"].script
    expected = words(chunk.text for chunk in script.chunks())
    assert said == expected
    starts = [c[0] for c in cues]
    assert starts == sorted(starts)
    srt = (seed_episode["dir"] / "transcript.srt").read_text()
    assert srt.count(" --> ") == len(cues)
    assert re.search(r"^00:00:00,000 --> \d\d:\d\d:\d\d,\d{3}$", srt, re.MULTILINE)


def test_page_furniture_is_removed_and_listed(seed_episode: dict) -> None:
    transcript = (seed_episode["dir"] / "transcript.vtt").read_text()
    removed = " ".join(r["text"] for r in seed_episode["manifest"]["removed"])
    for furniture in (
        "Share via",
        "More to Read",
        "Politics newsletter",
        "In your inbox three times per week",
        "promotional content",
    ):
        assert furniture not in transcript
        assert furniture in removed


def test_opens_with_the_show_then_the_title(seed_episode: dict) -> None:
    cues = _cues((seed_episode["dir"] / "transcript.vtt").read_text())
    chapters = seed_episode["manifest"]["chapters"]
    assert cues[0][0] == "00:00:00.000"
    assert chapters[0]["title"] == "Intro" and chapters[-1]["title"] == "Outro"
    assert re.sub(r"<[^>]+>", "", cues[0][2]) == "Articles, Read Aloud."
    first_body = [c for c in cues if c[0] >= _clock(chapters[1]["start_ms"])]
    assert re.sub(r"<[^>]+>", "", first_body[0][2]).startswith("After a glitchy start")


def _clock(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
