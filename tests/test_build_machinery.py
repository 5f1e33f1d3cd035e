"""The build machinery: watchdog over synthesis workers, the shared cache, parts joined
losslessly with an exact timeline, incremental rebuilds. Speed itself is in benchmarks/."""

from __future__ import annotations

import array
import json
import os
import struct
import subprocess
import sys
import threading
import wave
from pathlib import Path

import pytest
from mutagen.mp3 import MP3

from podcast import formats
from podcast.audio import assemble, pcm
from podcast.build import encode
from podcast.config.voices import Voice
from podcast.errors import SynthesisError
from podcast.formats.mp3 import frames as mpeg
from podcast.models import (
    PAUSE_CHAPTER,
    PAUSE_CLAUSE,
    PAUSE_END,
    PAUSE_PARAGRAPH,
    PAUSE_SENTENCE,
    Chapter,
    Chunk,
    Script,
    SpokenChunk,
)
from podcast.progress import Progress, for_stderr
from podcast.synth.synthesize import Synthesizer
from tests import readback
from tests.conftest import ROOT
from tests.doubles import CountingProgress
from tests.synthetic import tone_wav

ARTICLE = """# Watchdog test

## First part

The first paragraph says hello to the listener.

The second paragraph has a marker word: zebra crossing.

## Second part

The third paragraph is the last one here.
"""


def _article(folder: Path, text: str = ARTICLE) -> Path:
    path = folder / "article.md"
    path.write_text(text, encoding="utf-8")
    return path


def _script_chunks(path: Path) -> tuple[Script, Voice]:
    from podcast.build.plan import load_script
    from podcast.config.voices import load_voice

    voice = load_voice("default", ROOT / "voices")
    return load_script(str(path), voice), voice


# --------------------------------------------------------------------------------- watchdog


@pytest.mark.slow
def test_killed_worker_is_replaced_and_its_chunk_retried(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PODCAST_TEST_FAULT", "exit:zebra")
    script, voice = _script_chunks(_article(tmp_path))
    with Synthesizer(workers=2, use_cache=False) as synth:
        items = list(synth.synthesize(script.chunks(), {voice.name: voice}, tmp_path / "w"))
        assert synth.replaced_workers == 1
    assert [i.chunk for i in items] == script.chunks()
    for item in items:
        with wave.open(str(item.wav_path)) as wav:
            assert wav.getnframes() > 0


@pytest.mark.slow
def test_build_succeeds_although_a_worker_dies(tmp_path, monkeypatch) -> None:
    from podcast.build.pipeline import BuildOptions, build

    monkeypatch.setenv("PODCAST_TEST_FAULT", "exit:zebra")
    (episode,) = build([str(_article(tmp_path))], BuildOptions(out_dir=tmp_path, use_cache=False))
    cues = " ".join((episode.directory / "transcript.vtt").read_text().split())  # lines joined
    assert "zebra crossing" in cues
    assert not list(tmp_path.glob(".*.partial"))


@pytest.mark.slow
def test_hung_worker_is_killed_and_its_chunk_retried(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PODCAST_TEST_FAULT", "hang:zebra")
    script, voice = _script_chunks(_article(tmp_path))
    with Synthesizer(workers=1, use_cache=False, timeout_s=5) as synth:
        items = list(synth.synthesize(script.chunks(), {voice.name: voice}, tmp_path / "w"))
        assert synth.replaced_workers == 1
    assert all(i.wav_path.stat().st_size > 1000 for i in items)


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["exit-always:zebra", "fail-always:zebra"])
def test_a_chunk_that_fails_twice_fails_the_build_naming_its_text(
    tmp_path, monkeypatch, fault
) -> None:
    monkeypatch.setenv("PODCAST_TEST_FAULT", fault)
    script, voice = _script_chunks(_article(tmp_path))
    with (
        Synthesizer(workers=2, use_cache=False) as synth,
        pytest.raises(SynthesisError, match=r"twice while speaking .*zebra crossing"),
    ):
        list(synth.synthesize(script.chunks(), {voice.name: voice}, tmp_path / "w"))


# ------------------------------------------------------------------------------------ cache


@pytest.mark.slow
def test_two_concurrent_builds_share_the_cache_and_agree(tmp_path) -> None:
    article = _article(tmp_path)
    env = {**os.environ, "PODCAST_CACHE_DIR": str(tmp_path / "cache")}
    builds = [
        subprocess.Popen(
            [sys.executable, "-m", "podcast", "build", str(article), "--out", str(tmp_path / n)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in ("a", "b")
    ]
    for proc in builds:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    chapters = [
        json.loads(next((tmp_path / n).glob("*/chapters.json")).read_text()) for n in ("a", "b")
    ]
    assert chapters[0] == chapters[1]
    vtts = [next((tmp_path / n).glob("*/transcript.vtt")).read_text() for n in ("a", "b")]
    assert vtts[0] == vtts[1]
    leftovers = [p for p in (tmp_path / "cache").rglob("*") if ".tmp" in p.name]
    assert leftovers == []


@pytest.mark.slow
def test_rebuild_after_an_edit_renders_one_chunk_and_reencodes_one_part(
    tmp_path, monkeypatch
) -> None:
    from podcast.build.pipeline import BuildOptions, build

    monkeypatch.setattr(assemble, "PART_MIN_WORDS", 8)  # parts of a sentence or two
    article = _article(tmp_path)
    build([str(article)], BuildOptions(out_dir=tmp_path / "out"))
    parts_dir = Path(os.environ["PODCAST_CACHE_DIR"]) / "parts"
    before = set(parts_dir.rglob("*.part"))
    article.write_text(ARTICLE.replace("says hello", "says goodbye"), encoding="utf-8")
    progress = CountingProgress()
    (episode,) = build([str(article)], BuildOptions(out_dir=tmp_path / "out"), progress)
    assert progress.totals["speaking chunks"] == 1
    assert progress.totals["encoding parts"] >= 2
    assert progress.done["encoding parts"] == progress.totals["encoding parts"]
    assert len(set(parts_dir.rglob("*.part")) - before) == 1
    assert "says goodbye" in " ".join((episode.directory / "transcript.vtt").read_text().split())


@pytest.mark.slow
def test_a_cold_build_encodes_consecutive_parts_with_one_encoder(tmp_path, monkeypatch) -> None:
    from podcast.build.pipeline import BuildOptions, build

    monkeypatch.setattr(assemble, "PART_MIN_WORDS", 8)  # parts of a sentence or two
    together: list[tuple[int, int]] = []  # (first chunk, parts) of each encoder process
    encode_parts = assemble.encode_parts

    def counted(parts, *args, **kwargs):  # type: ignore[no-untyped-def]
        together.append((parts[0].first_chunk, len(parts)))
        return encode_parts(parts, *args, **kwargs)

    monkeypatch.setattr(assemble, "encode_parts", counted)
    measured_in: dict[Path, str] = {}  # where each part's tap was read (then kept beside it)
    input_loudness = encode.input_loudness

    def measured(part, tap=None):  # type: ignore[no-untyped-def]
        if tap is not None:
            measured_in.setdefault(part.path, threading.current_thread().name)
        return input_loudness(part, tap)

    monkeypatch.setattr(encode, "input_loudness", measured)
    monkeypatch.setenv("PODCAST_CACHE_DIR", str(tmp_path / "cache"))  # none of it cached
    (episode,) = build([str(_article(tmp_path))], BuildOptions(out_dir=tmp_path / "out"))
    parts = list((tmp_path / "cache" / "parts").rglob("*.part"))
    # the article is shorter than JOB_MIN_WORDS: its first part to the encoder started ahead
    # (``encode.spare_encoder``), all the others to one encoder process (the two run on two
    # lanes at once: either may start first)
    (first, first_count), (rest, rest_count) = sorted(together)
    assert first_count == 1 and rest_count == len(parts) - 1 >= 2 and first < rest
    # ... measured by the meter thread, while the encoder lanes go on to the next unit
    assert len(measured_in) == len(parts)
    assert {name.split("_")[0] for name in measured_in.values()} == {"meter"}
    # each from its tap, which is gone once read
    assert all(part.with_suffix(encode.PART_INPUT_MEMO).exists() for part in parts)
    assert not [p.name for p in (tmp_path / "cache").rglob("*") if ".tmp" in p.name]
    assert [c.title for c in episode.chapters] == ["Intro", "First part", "Second part", "Outro"]
    assert not [p for p in parts[0].parent.parent.rglob(".*") if p.is_file()]  # no temporaries


@pytest.mark.parametrize("linked", [False, True])
def test_an_ffmpeg_on_shared_libraries_gets_fewer_larger_units(
    tmp_path, monkeypatch, linked: bool
) -> None:
    """Every start of an ffmpeg linked against shared libraries costs 0.06-0.14 CPU-s, of a
    static one 0.013: the parts of a cold build go to fewer encoder processes with the first."""
    from podcast import toolchain
    from podcast.build.pipeline import BuildOptions, build

    monkeypatch.setattr(assemble, "PART_MIN_WORDS", 8)
    monkeypatch.setattr(encode, "JOB_MIN_WORDS", 6)  # every part of 8 words or more: a unit
    monkeypatch.setattr(encode, "JOB_MIN_WORDS_LINKED", 1000)  # all of them: one unit
    monkeypatch.setattr(toolchain.Ffmpeg, "linked", property(lambda self: linked))
    calls: list[int] = []
    encode_parts = assemble.encode_parts

    def counted(parts, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(parts))
        return encode_parts(parts, *args, **kwargs)

    monkeypatch.setattr(assemble, "encode_parts", counted)
    monkeypatch.setenv("PODCAST_CACHE_DIR", str(tmp_path / "cache"))
    build([str(_article(tmp_path))], BuildOptions(out_dir=tmp_path / "out"))
    parts = len(list((tmp_path / "cache" / "parts").rglob("*.part")))
    assert parts >= 3
    # the first part to the encoder started ahead, the others together or one by one
    assert sorted(calls) == ([1, parts - 1] if linked else [1] * parts)


def test_an_ffmpeg_is_linked_when_it_is_a_small_program(tmp_path) -> None:
    """Told from the binary's size: a distribution's ffmpeg is a small program on its shared
    libraries, a static build holds them (the wheel's: 170 MB)."""
    import imageio_ffmpeg

    from podcast import toolchain

    small, large = tmp_path / "small", tmp_path / "large"
    small.write_bytes(b"\x7fELF" + bytes(300_000))
    with large.open("wb") as fh:  # sparse: no 20 MB written
        fh.truncate(20 * 1024 * 1024)
    assert toolchain.Ffmpeg(str(small), "7.1", "system").linked
    assert not toolchain.Ffmpeg(str(large), "7.1", "system").linked
    assert toolchain.Ffmpeg(str(tmp_path / "gone"), "7.1", "system").linked  # the costlier case
    assert not toolchain.Ffmpeg(imageio_ffmpeg.get_ffmpeg_exe(), "9", "wheel").linked
    system = "/usr/bin/ffmpeg"
    if os.path.exists(system):  # Debian's: a 0.3 MB program on 215 libraries
        assert toolchain.Ffmpeg(system, "5.1", "system").linked


def test_progress_is_silent_when_stderr_is_not_a_terminal(tmp_path) -> None:
    with open(tmp_path / "log", "w") as stream:
        assert type(for_stderr(stream)) is Progress


# ------------------------------------------------------------------- parts and their joins

RATE = pcm.SAMPLE_RATE


def _tone_wav(path: Path, speech_ms: int) -> Path:
    return tone_wav(path, speech_ms, trail_ms=200, hz=330, amplitude=9000)


@pytest.fixture(scope="module")
def joined(tmp_path_factory):
    """Six tone chunks, one paragraph each, so every chunk is its own part."""
    folder = tmp_path_factory.mktemp("parts")
    chunks = [
        Chunk(f"w{i}.", f"w{i}.", "v", i, PAUSE_PARAGRAPH if i < 5 else PAUSE_END) for i in range(6)
    ]
    script = Script(
        "T", "t", "src", (Chapter("A", tuple(chunks[:3])), Chapter("B", tuple(chunks[3:])))
    )
    spoken = [
        SpokenChunk(c, _tone_wav(folder / f"{i}.wav", 300 + 170 * i)) for i, c in enumerate(chunks)
    ]
    mp3 = folder / "joined.mp3"
    timeline = assemble.render(script, iter(spoken), {"v": Voice(name="v")}, mp3, part_min_words=1)
    return timeline, mp3


def test_parts_are_cut_at_sentences_across_chapters() -> None:
    # two words per chunk; cuts after a sentence, a paragraph or a chapter once a part has 4
    # words, never after a clause
    pauses = [PAUSE_PARAGRAPH, PAUSE_CLAUSE, PAUSE_SENTENCE, PAUSE_CHAPTER, PAUSE_PARAGRAPH,
              PAUSE_SENTENCE, PAUSE_PARAGRAPH]  # fmt: skip
    chunks = [Chunk(f"w{i} x", f"w{i} x", "v", i, pause) for i, pause in enumerate(pauses)]
    script = Script(
        "T", "t", "s",
        (Chapter("Intro", chunks[:1]), Chapter("A", tuple(chunks[1:4])),
         Chapter("B", tuple(chunks[4:]))),
    )  # fmt: skip
    parts = assemble.plan_parts(script, {"v": Voice(name="v")}, min_words=4)
    # the one-chunk intro runs into chapter A; no cut after the clause, one after the sentence
    assert [len(p.chunks) for p in parts] == [3, 2, 2]
    assert [p.first_chunk for p in parts] == [0, 3, 5]
    assert [p.chapter_index for p in parts] == [0, 1, 2]


def test_no_part_ends_where_a_voice_barely_pauses() -> None:
    # the encoder's padding (up to a frame) lands where a part ends: never inside speech
    pauses = [PAUSE_SENTENCE, PAUSE_SENTENCE, PAUSE_PARAGRAPH, PAUSE_SENTENCE, PAUSE_END]
    chunks = [Chunk(f"w{i} x", f"w{i} x", "v", i, pause) for i, pause in enumerate(pauses)]
    script = Script("T", "t", "s", (Chapter("A", tuple(chunks)),))
    hurried = Voice(name="v", pauses_ms={**Voice(name="v").pauses_ms, PAUSE_SENTENCE: 40})
    parts = assemble.plan_parts(script, {"v": hurried}, min_words=2)
    assert [len(p.chunks) for p in parts] == [3, 2]  # only at the paragraph
    assert 40 < assemble.PART_CUT_MIN_PAUSE_MS <= Voice(name="v").pause_ms(PAUSE_SENTENCE)
    steady = assemble.plan_parts(script, {"v": Voice(name="v")}, min_words=2)
    assert [len(p.chunks) for p in steady] == [1, 1, 1, 1, 1]


def test_a_short_last_part_joins_the_one_before() -> None:
    texts = ["a b c d e f", "g h i j k l", "bye"]
    pauses = [PAUSE_PARAGRAPH, PAUSE_PARAGRAPH, PAUSE_END]
    chunks = [Chunk(t, t, "v", i, p) for i, (t, p) in enumerate(zip(texts, pauses, strict=True))]
    script = Script("T", "t", "s", (Chapter("A", tuple(chunks[:2])), Chapter("Outro", chunks[2:])))
    voices = {"v": Voice(name="v")}
    assert [len(p.chunks) for p in assemble.plan_parts(script, voices, min_words=6)] == [1, 2]
    # one word is a third of 3 words: a part of its own
    assert [len(p.chunks) for p in assemble.plan_parts(script, voices, min_words=3)] == [1, 1, 1]


def test_joined_file_has_one_info_header_for_the_whole(joined) -> None:
    timeline, mp3 = joined
    data = mp3.read_bytes()
    stream = mpeg.scan(data)  # every frame header checked, frame count matches the header
    assert stream.info.frames == stream.audio_frames
    assert readback.mp3_stream(mp3).xing_tag == "Info"
    # players' duration (Info frames minus delay and padding) is the timeline's, to the ms
    info = stream.info
    samples = info.frames * mpeg.SAMPLES_PER_FRAME - info.delay - info.padding
    assert (
        round(samples * 1000 / 44_100)
        == timeline.duration_ms
        == formats.get("mp3").duration_ms(mp3)
    )
    # mutagen reads LAME-tagged delay only from "LAME" encoders; ffmpeg writes "Lavc"
    assert round(MP3(str(mp3)).info.length * 1000) == round(info.frames * 1152 * 1000 / 44_100)
    tag_crc = struct.unpack(
        ">H", stream.info_frame[stream.info.offset + 154 : stream.info.offset + 156]
    )[0]
    zeroed = bytearray(stream.info_frame)
    zeroed[stream.info.offset + 154 : stream.info.offset + 156] = b"\0\0"
    assert tag_crc == mpeg.crc16(bytes(zeroed[:190]))
    assert stream.info.music_crc == mpeg.crc16(data[stream.audio_start :])
    err = subprocess.run(
        [readback.find_ffmpeg().path, "-v", "warning", "-i", str(mp3), "-f", "null", "-"],
        capture_output=True, text=True,
    ).stderr  # fmt: skip
    assert err.strip() == ""


def _onsets(pcm: array.array, rate: int) -> list[int]:
    """Where each tone burst starts (ms), found sample by sample in the decoded audio."""
    quiet_needed = rate // 50  # 20 ms of quiet before a burst
    onsets, quiet = [], quiet_needed
    for i, sample in enumerate(pcm):
        if abs(sample) > 3000:
            if quiet >= quiet_needed:
                onsets.append(round(i * 1000 / rate))
            quiet = 0
        else:
            quiet += 1
    return onsets


def test_timeline_matches_the_joined_audio_to_the_millisecond(joined) -> None:
    timeline, mp3 = joined
    rate = 44_100
    pcm = array.array("h", readback.decode_pcm(mp3, rate))
    heard = _onsets(pcm, rate)
    planned = [p.start_ms for p in timeline.placements]
    assert len(heard) == len(planned)
    # the trim keeps 15 ms of the WAV's own lead-in before the tone
    for ours, theirs in zip(planned, heard, strict=True):
        assert abs(theirs - (ours + assemble.TRIM_MARGIN_MS)) <= 2, (planned, heard)
    assert round(len(pcm) * 1000 / rate) == timeline.duration_ms


def test_crc16_of_joined_streams_combines_without_rereading() -> None:
    a, b = os.urandom(777), os.urandom(2049)
    assert mpeg.crc16_combine(mpeg.crc16(a), mpeg.crc16(b), len(b)) == mpeg.crc16(a + b)
    assert mpeg.crc16_combine(0, mpeg.crc16(b), len(b)) == mpeg.crc16(b)


def _two_parts(folder: Path) -> tuple[list[assemble.Part], list[list[Path]]]:
    wavs = [_tone_wav(folder / f"{i}.wav", 300 + 170 * i) for i in range(5)]
    chunks = tuple(Chunk(f"w{i}.", f"w{i}.", "v", i, PAUSE_SENTENCE) for i in range(5))
    parts = [
        assemble.Part(0, 0, chunks[:2], (350, 350)),
        assemble.Part(0, 2, chunks[2:], (350, 700, 1000)),
    ]
    return parts, [wavs[:2], wavs[2:]]


CHAIN = ["volume=+1.50dB", "alimiter=limit=0.8414:attack=5:release=50:level=0:latency=1"]


def test_parts_encoded_together_are_the_bytes_of_parts_encoded_alone(tmp_path) -> None:
    from podcast import cache

    parts, wavs = _two_parts(tmp_path)
    alone = [
        assemble.encode_part(part, w, tmp_path / "alone" / f"{i}.part", 96, CHAIN)
        for i, (part, w) in enumerate(zip(parts, wavs, strict=True))
    ]
    outs = [tmp_path / "together" / f"{i}.part" for i in range(2)]
    together = assemble.encode_parts(parts, wavs, outs, 96, CHAIN)
    for one, other in zip(alone, together, strict=True):
        assert cache.read_entry(one.path) == cache.read_entry(other.path) is not None
        assert one.speech == other.speech
        assert one.stream.audio_frames == other.stream.audio_frames > 0
    assert [len(p.speech) for p in together] == [2, 3]
    assert sorted(p.name for p in (tmp_path / "together").iterdir()) == ["0.part", "1.part"]


def test_a_part_read_back_from_the_cache_is_the_part_its_encoder_wrote(tmp_path) -> None:
    """A sealed part is read by its Info frame (every frame was checked when it was written):
    the same stream as a walk over every frame finds, and a part whose stream is not MP3 is
    still refused (reported, deleted: encoded again)."""
    from podcast import cache

    parts, wavs = _two_parts(tmp_path)
    written = assemble.encode_part(parts[1], wavs[1], tmp_path / "p.part", 96, CHAIN)
    read = assemble.load_part(written.path)
    assert read == written
    data = cache.read_entry(written.path)
    assert data is not None
    at = written.stream.audio_start - len(written.stream.header)
    assert mpeg.scan(data[at:], at) == read.stream  # every frame walked
    cache.write_entry(written.path, data[:at] + b"ID3" + data[at + 3 :])  # sealed, not MP3
    assert assemble.load_part(written.path) is None and not written.path.exists()


def test_a_failed_joint_encode_names_the_folder_and_leaves_nothing(tmp_path) -> None:
    from podcast.errors import OutputError

    parts, wavs = _two_parts(tmp_path)
    outs = [tmp_path / "out" / f"{i}.part" for i in range(2)]
    with pytest.raises(OutputError) as failed:
        assemble.encode_parts(parts, wavs, outs, 96, ["nosuchfilter=1"])
    assert f"write in {tmp_path / 'out'}" in str(failed.value)
    assert list((tmp_path / "out").iterdir()) == []


def test_encode_args_take_extra_filters_before_resampling(tmp_path) -> None:
    args = assemble.encode_args(tmp_path / "x.mp3", 96, ["volume=2dB", "alimiter=limit=0.9"])
    assert args[args.index("-af") + 1] == "volume=2dB,alimiter=limit=0.9,aresample=44100"


@pytest.mark.slow
def test_closing_the_pool_releases_whoever_waits_on_a_chunk(monkeypatch) -> None:
    from concurrent.futures import CancelledError

    from podcast import engines
    from podcast.engines.espeak import EspeakSettings
    from podcast.synth.pool import WorkerPool

    monkeypatch.setenv("PODCAST_TEST_FAULT", "hang-always:zebra")
    pool = WorkerPool(1, timeout_s=60, engine=engines.get("pyttsx3"))
    settings = EspeakSettings(voice="gmw/en-us", rate_wpm=165, volume=1.0, pitch=50)
    future = pool.submit("render", ("zebra", settings, "/nonexistent/x.wav"), "zebra")
    pool.close()
    with pytest.raises(CancelledError):
        future.result(timeout=30)


@pytest.mark.slow
def test_a_chunk_with_nothing_to_say_is_silence_not_an_engine_failure(tmp_path) -> None:
    voice = Voice(name="v")
    chunk = Chunk("* * *", "", "v", 0, PAUSE_END)
    with Synthesizer(workers=1, use_cache=False) as synth:
        (item,) = list(synth.synthesize([chunk], {"v": voice}, tmp_path))
    assert assemble.load_speech(item.wav_path) == b""


def test_progress_bars_count_work_reported_before_its_total() -> None:
    import io

    from podcast.progress import RichProgress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    bars = RichProgress(Terminal())
    with bars:
        bars.advance("speaking chunks")  # a worker may finish before the total is known
        bars.add("speaking chunks", 5)
        bars.advance("speaking chunks", 4)
        bars.add("encoding parts", 2, done=1)
    counts = {t.description: (t.completed, t.total) for t in bars._bars.tasks}
    assert counts == {"speaking chunks": (5, 5), "encoding parts": (1, 2)}


@pytest.mark.slow
def test_one_build_of_several_articles_shares_the_workers(tmp_path) -> None:
    from podcast.build.pipeline import BuildOptions, build

    first = _article(tmp_path)
    second = tmp_path / "second.md"
    second.write_text(ARTICLE.replace("Watchdog test", "Second article"), encoding="utf-8")
    episodes = build([str(first), str(second)], BuildOptions(out_dir=tmp_path / "out"))
    assert [e.title for e in episodes] == ["Watchdog test", "Second article"]
    for episode in episodes:
        vtt = (episode.directory / "transcript.vtt").read_text()
        assert "zebra crossing" in " ".join(vtt.split())  # a caption's lines joined
        assert readback.ffmpeg_duration_ms(episode.directory / episode.audio_name) > 5000


@pytest.mark.slow
def test_loudness_combined_from_parts_is_what_a_meter_reads_on_the_mp3(seed_episode) -> None:
    from podcast.audio import loudness

    recorded = seed_episode["manifest"]["loudness"]
    whole = loudness.measure_file(seed_episode["mp3"])  # one ebur128 pass over the final file
    assert abs(recorded["integrated_lufs"] - whole.integrated_lufs) <= 0.2
    # read from the encoder's input, the true peak is a bound: never under the MP3's
    assert recorded["read_from"].startswith("the encoder's input")
    assert whole.true_peak_dbtp <= recorded["true_peak_dbtp"] <= whole.true_peak_dbtp + 0.6
    assert abs(recorded["lra_lu"] - whole.lra_lu) <= 1.0
    assert recorded["within_spec"] and recorded["encodes"] == 1


def test_combining_blocks_gates_silence_and_keeps_the_highest_peak() -> None:
    from podcast.audio import loudness

    speech = loudness.Blocks((-20.0,) * 50, (-20.0,) * 50, -3.0)
    pause = loudness.Blocks((-120.0,) * 30, (-120.0,) * 30, -60.0)
    louder = loudness.Blocks((-17.0,) * 50, (-17.0,) * 50, -1.5)
    combined = loudness.combine([speech, pause, louder])
    assert combined.true_peak_dbtp == -1.5
    assert -18.6 <= combined.integrated_lufs <= -18.2  # energy mean of -20 and -17, pause gated
    assert combined.lra_lu == 3.0


def test_a_mispredicted_gain_is_corrected_by_a_second_encode(tmp_path, monkeypatch) -> None:
    """The gain comes from the opening speech; when the encoded episode then misses -16 LUFS
    by more than half a LU (here: a prediction 4 dB too quiet), it is encoded once more."""
    from podcast.audio import loudness
    from podcast.build.pipeline import BuildOptions, build

    predicted = loudness.plan

    def too_quiet(measured: loudness.SpeechLoudness, codec=loudness.LAME_96K):
        level = predicted(measured, codec)
        return loudness.LoudnessPlan(level.measured, level.gain_db - 4.0)

    monkeypatch.setattr(loudness, "plan", too_quiet)
    options = BuildOptions(out_dir=tmp_path / "out", use_cache=False)
    (episode,) = build([str(_article(tmp_path, ARTICLE * 3))], options)
    report = json.loads((episode.directory / "episode.json").read_text())["loudness"]
    assert report["encodes"] == 2, report
    assert report["within_spec"] and abs(report["integrated_lufs"] + 16.0) <= 1.0
    whole = loudness.measure_file(episode.directory / episode.audio_name)
    assert abs(whole.integrated_lufs - report["integrated_lufs"]) <= 0.3
    assert whole.true_peak_dbtp <= -1.0


def test_gain_is_predicted_from_the_opening_only_for_steady_voices(tmp_path) -> None:
    from podcast.build.encode import PREDICT_WORDS, opening

    words = " ".join(["word"] * 40)
    spoken = [
        SpokenChunk(Chunk(words, words, "v", i, PAUSE_PARAGRAPH), tmp_path / f"{i}.wav")
        for i in range(10)
    ]
    espeak = Voice(name="v")
    first = opening(spoken, [espeak])
    assert first == spoken[: -(-PREDICT_WORDS // 40)]  # the chunk that reaches 150 words ends it
    assert opening(spoken[:2], [espeak]) == spoken[:2]  # a short episode: all of it
    piper = Voice(name="natural", engine="piper")  # the packaged en_US-joe-medium
    assert opening(spoken, [espeak, piper]) == spoken


def test_encoder_failure_quotes_ffmpeg_errors_without_their_log_prefixes(tmp_path) -> None:
    from podcast.errors import OutputError

    encoder = assemble.Encoder(tmp_path / "missing" / "x.mp3", 96)
    encoder.write(bytes(4410))
    with pytest.raises(OutputError) as failed:
        encoder.close()
    message = str(failed.value)
    assert "No such file or directory" in message, message
    assert "[fatal]" not in message and "[error]" not in message and " @ 0x" not in message
