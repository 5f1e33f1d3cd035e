"""Unit tests of the audio-side stages with synthetic audio: timeline, tags, transcripts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from podcast import formats
from podcast.audio import assemble
from podcast.build import transcript
from podcast.config.voices import Voice
from podcast.formats.mp3 import id3 as tag
from podcast.models import (
    PAUSE_CHAPTER,
    PAUSE_END,
    PAUSE_SENTENCE,
    Chapter,
    ChapterMark,
    Chunk,
    Cue,
    Script,
    SpokenChunk,
)
from tests import readback
from tests.synthetic import tone_wav


def _script() -> Script:
    c = [
        Chunk("Title.", "Title.", "v", 0, PAUSE_CHAPTER),
        Chunk("One, long", "One, long", "v", 1, "clause"),
        Chunk("sentence.", "sentence.", "v", 1, PAUSE_CHAPTER),
        Chunk("Two.", "Two.", "v", 2, PAUSE_SENTENCE),
        Chunk("Three.", "Three.", "v", 3, PAUSE_END),
    ]
    return Script("T", "t", "src", (Chapter("A", tuple(c[:3])), Chapter("B", tuple(c[3:]))))


@pytest.fixture
def rendered(tmp_path: Path):
    script = _script()
    spoken = [
        SpokenChunk(chunk, tone_wav(tmp_path / f"{i}.wav", 500 + 100 * i))
        for i, chunk in enumerate(script.chunks())
    ]
    voice = Voice(name="v")
    mp3 = tmp_path / "t.mp3"
    timeline = assemble.render(script, iter(spoken), {"v": voice}, mp3)
    return script, voice, timeline, mp3


def test_timeline_trims_engine_silence_and_inserts_our_pauses(rendered) -> None:
    _, voice, timeline, _ = rendered
    p = timeline.placements
    margin = 2 * assemble.TRIM_MARGIN_MS + 5
    for i, placement in enumerate(p):
        assert abs((placement.end_ms - placement.start_ms) - (500 + 100 * i)) <= margin
    gap = p[1].start_ms - p[0].end_ms
    assert abs(gap - voice.pause_ms(PAUSE_CHAPTER)) <= 2
    assert p[2].start_ms - p[1].end_ms == pytest.approx(voice.pause_ms("clause"), abs=2)
    assert timeline.duration_ms == pytest.approx(p[-1].end_ms + voice.pause_ms(PAUSE_END), abs=2)


def test_chapter_mark_is_in_the_pause_before_the_first_word(rendered) -> None:
    _, _, timeline, _ = rendered
    first_of_b = timeline.placements[3]
    last_of_a = timeline.placements[2]
    mark = timeline.chapters[1]
    assert timeline.chapters[0].start_ms == 0
    assert last_of_a.end_ms < mark.start_ms < first_of_b.start_ms
    assert timeline.chapters[0].end_ms == mark.start_ms
    assert timeline.chapters[-1].end_ms == timeline.duration_ms


def test_one_cue_per_sentence(rendered) -> None:
    _, _, timeline, _ = rendered
    assert [c.text for c in timeline.cues] == ["Title.", "One, long sentence.", "Two.", "Three."]
    assert timeline.cues[1].start_ms == timeline.placements[1].start_ms
    assert timeline.cues[1].end_ms == timeline.placements[2].end_ms


def test_encoded_duration_matches_the_timeline(rendered) -> None:
    _, _, timeline, mp3 = rendered
    # players skip the encoder delay and padding the Info header names: the timeline, to the ms
    assert formats.get("mp3").duration_ms(mp3) == timeline.duration_ms
    assert abs(readback.ffmpeg_duration_ms(mp3) - timeline.duration_ms) <= 30
    info = readback.mp3_stream(mp3)
    assert (info.sample_rate, info.channels, info.bitrate_kbps) == (44100, 1, 96)


def test_chapters_are_written_in_time_order_although_mutagen_sorts_by_size(rendered) -> None:
    _, _, _, mp3 = rendered
    # Titles of decreasing length make mutagen's size order the reverse of time order.
    marks = tuple(ChapterMark("x" * (60 - 10 * i), i * 200, (i + 1) * 200) for i in range(5))
    tag.write_tags(mp3, formats.Tags("t", "a", "b", "2024-01-01", "c"), marks)
    chaps = [f for f in readback.parse_id3(mp3).frames if f.id == "CHAP"]
    assert [readback.chap_fields(c)[1] for c in chaps] == [0, 200, 400, 600, 800]
    assert [c.title for c in readback.ffprobe_chapters(mp3)] == [m.title for m in marks]


def test_too_many_chapters_is_a_clear_error(rendered) -> None:
    from podcast.errors import OutputError

    _, _, _, mp3 = rendered
    marks = tuple(ChapterMark(str(i), i, i + 1) for i in range(256))
    with pytest.raises(OutputError, match="at most 255"):
        tag.write_tags(mp3, formats.Tags("t", "a", "b", "", "c"), marks)


@pytest.mark.parametrize(
    ("ms", "vtt", "srt"),
    [(0, "00:00:00.000", "00:00:00,000"), (3_723_004, "01:02:03.004", "01:02:03,004")],
)
def test_clock_formats(ms: int, vtt: str, srt: str) -> None:
    cue = Cue(ms, ms + 1, "x")
    assert transcript.webvtt([cue]).splitlines()[2].startswith(vtt)
    assert transcript.srt([cue]).splitlines()[1].startswith(srt)


def test_vtt_escapes_markup_and_arrows() -> None:
    text = transcript.webvtt([Cue(0, 1, "a <b> & c --> d", speaker="Ann Bo")])
    payload = text.splitlines()[3]
    assert payload == "<v Ann Bo>a &lt;b&gt; &amp; c --&gt; d"


def test_speaker_labels_that_are_no_person_are_left_out_of_every_transcript() -> None:
    cues = [Cue(0, 1000, "The Secretary spoke at Twitter.", speaker="Secretary"),
            Cue(1000, 2000, "Nobody said this.", speaker="Quote"),
            Cue(2000, 3000, "Ann Bo said so.", speaker="Ann Bo")]  # fmt: skip
    vtt, srt = transcript.webvtt(cues), transcript.srt(cues)
    segments = json.loads(transcript.podcasting20_json(cues))["segments"]
    assert re.findall(r"<v ([^>]*)>", vtt) == ["Ann Bo"]
    assert "Secretary:" not in srt and "Quote:" not in srt and "Ann Bo: Ann Bo said" in srt
    assert [s.get("speaker") for s in segments] == [None, None, "Ann Bo"]
