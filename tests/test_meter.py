"""The loudness meter that runs in this process (``podcast.audio.meter``), read against
ffmpeg's ``ebur128`` filter on the same audio, and its true peak against the whole
oversampled signal computed sample by sample."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podcast import formats, toolchain
from podcast.audio import assemble, ffmpeg, loudness, meter, pcm
from podcast.models import PAUSE_PARAGRAPH, Chunk
from tests.synthetic import tone_wav

_READING = r"(-?(?:\d+(?:\.\d+)?|inf)|nan)"
_BLOCK = re.compile(rf"\bM:\s*{_READING}\s+S:\s*{_READING}")


def _level(text: str) -> float:
    value = float(text)
    return -math.inf if math.isnan(value) else value


def ffmpeg_readings(input_args: list[str], data: bytes | None = None) -> list[tuple[float, float]]:
    """What ffmpeg's ebur128 filter logs every 100 ms: (momentary, short-term)."""
    log = ffmpeg.run(
        [*input_args, "-af", "ebur128=peak=none:dualmono=true:framelog=verbose", "-f", "null", "-"],
        doing="measure", hint="", feed=[data] if data is not None else None, log_level="verbose",
    )  # fmt: skip
    return [(_level(m), _level(s)) for m, s in _BLOCK.findall(log)]


def ffmpeg_true_peak(path: Path) -> float:
    """ffmpeg's own true-peak meter (ebur128 at 192 kHz, its resampler's filter)."""
    return loudness.measure_file(path).true_peak_dbtp


def every_sample_true_peak(x: np.ndarray) -> float:
    """Annex 2's 4x oversampling computed for every output sample (no block skipped)."""
    return max(
        float(np.abs(np.convolve(x.astype(np.float64), np.array(phase))).max())
        for phase in meter.PHASES
    )


def assert_readings_agree(ours: meter.Readings, theirs: list[tuple[float, float]]) -> None:
    """ffmpeg prints one decimal: every reading whose window is full agrees to 0.05 LU, and
    both count the same 100 ms steps (ffmpeg may log one more for a last partial step)."""
    assert 0 <= len(theirs) - len(ours.momentary) <= 1, (len(theirs), len(ours.momentary))
    compared = 0
    for index, (m, s) in enumerate(theirs[: len(ours.momentary)]):
        pairs = [(ours.momentary[index], m, meter.MOMENTARY_STEPS)]
        pairs.append((ours.short_term[index], s, meter.SHORT_TERM_STEPS))
        for mine, logged, steps in pairs:
            if index < steps - 1 or logged < -70:  # window not yet full; below the gate
                continue
            assert mine == pytest.approx(logged, abs=0.051), (index, mine, logged)
            compared += 1
    assert compared > len(theirs)  # most momentary and short-term readings were compared


@pytest.fixture(scope="module")
def speech_part(tmp_path_factory: pytest.TempPathFactory) -> assemble.EncodedPart:
    """A part of real speech (espeak-ng) encoded with the build's gain and limiter chain."""
    from podcast.config.voices import load_voice
    from podcast.synth.synthesize import Synthesizer
    from tests.conftest import ROOT

    folder = tmp_path_factory.mktemp("meter")
    voice = load_voice("default", ROOT / "voices")
    texts = [
        "The harbour master counted forty-two ships before noon, and none of them was late.",
        "Storms came in from the west; the lighthouse keeper wrote every one of them down.",
        "By evening the quay was quiet again, apart from the gulls and a single fiddler.",
    ]
    chunks = [Chunk(t, t, voice.name, i, PAUSE_PARAGRAPH) for i, t in enumerate(texts)]
    with Synthesizer(workers=1, use_cache=False) as synth:
        spoken = list(synth.synthesize(chunks, {voice.name: voice}, folder / "chunks"))
    part = assemble.Part(0, 0, tuple(chunks), (700,) * len(chunks))
    chain = loudness.encoder_filters(6.0)  # loud enough for the limiter to hold the peaks
    wavs = [item.wav_path for item in spoken]
    return assemble.encode_part(part, wavs, folder / "speech.part", 96, chain)


def test_a_part_reads_as_ffmpeg_reads_it(speech_part: assemble.EncodedPart, tmp_path) -> None:
    """Our decoder and meter against ffmpeg's decoder and ebur128 filter, on real speech."""
    stream = assemble.part_stream(speech_part)
    fmt = speech_part.output_format
    reader = meter.Meter(fmt.sample_rate)
    for samples in formats.decode(fmt, stream):
        reader.add(samples)
    ours = reader.readings()
    assert_readings_agree(ours, ffmpeg_readings([*fmt.decoder_args(), "-i", "pipe:0"], stream))
    as_file = tmp_path / "part.mp3"
    as_file.write_bytes(stream)
    assert ours.true_peak_db == pytest.approx(ffmpeg_true_peak(as_file), abs=0.2)
    assert -4.0 < ours.true_peak_db <= -1.0  # the limiter held it, and it was metered
    blocks = loudness.measure_blocks(stream, fmt)
    assert blocks.momentary == ours.momentary and blocks.true_peak_dbtp == ours.true_peak_db


def test_the_mp3_decoder_gives_the_samples_ffmpeg_gives(speech_part: assemble.EncodedPart) -> None:
    """Decoded in this process, the encoder's delay and padding removed as the Info header
    says (players do the same): exactly the part's samples, and the ones ffmpeg decodes (which,
    reading a pipe, leaves some of the padding on)."""
    stream = assemble.part_stream(speech_part)
    ours = np.frombuffer(b"".join(formats.decode(speech_part.output_format, stream)), np.float32)
    decode = ["-f", "mp3", "-i", "pipe:0", "-f", "f32le", "-"]
    theirs = np.frombuffer(
        ffmpeg.read_output(decode, doing="d", hint="", feed=[stream]), np.float32
    )
    assert len(ours) == speech_part.content_samples
    assert 0 <= len(theirs) - len(ours) <= speech_part.stream.padding
    assert float(np.abs(ours - theirs[: len(ours)]).max()) < 1e-3
    assert float(np.abs(theirs[len(ours) :]).max(initial=0)) < 1e-3  # the padding is silence


def test_the_prepass_reads_pcm_as_ffmpeg_reads_it(tmp_path: Path) -> None:
    """16-bit PCM at the engines' rate (the pre-pass): tones, pauses of digital silence
    (ffmpeg logs "nan" for those: silence, -inf here) and a loud burst."""
    data = b"".join(
        assemble.load_speech(tone_wav(tmp_path / f"{i}.wav", ms, hz=hz, amplitude=amp))
        + bytes(2 * pcm.SAMPLE_RATE * pause // 1000)
        for i, (ms, hz, amp, pause) in enumerate(
            [(1500, 300, 6000, 800), (4000, 1200, 20000, 2500), (900, 5000, 30000, 3000)]
        )
    )
    reader = meter.Meter(pcm.SAMPLE_RATE, true_peak=False)
    reader.add_pcm16(data[:12345])  # in pieces that do not fall on steps or samples
    reader.add_pcm16(data[12345:])
    ours = reader.readings()
    args = ["-f", "s16le", "-ar", str(pcm.SAMPLE_RATE), "-ac", "1", "-i", "pipe:0"]
    assert_readings_agree(ours, ffmpeg_readings(args, data))
    assert ours.momentary[-1] == -math.inf  # 3 s of digital silence after a loud burst


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from(["noise", "near-nyquist", "impulses", "speechlike"]),
    st.integers(1, 40_000),
)
def test_true_peak_skips_only_blocks_that_cannot_hold_it(seed: int, kind: str, n: int) -> None:
    """The true peak with blocks skipped equals the oversampled signal's highest value
    computed for every sample, on signals made to put inter-sample peaks where skipping
    would miss them, fed whole and in pieces."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    if kind == "noise":
        x = rng.normal(0, 0.2, n)
    elif kind == "near-nyquist":  # alternating signs: the worst case for interpolation
        x = 0.5 * np.cos(np.pi * t * rng.uniform(0.9, 1.0) + rng.uniform(0, 6.3))
    elif kind == "impulses":
        x = np.zeros(n)
        x[rng.integers(0, n, 5)] = rng.uniform(-1, 1, 5)
    else:  # quiet stretches with loud, short bursts
        x = rng.normal(0, 0.01, n) * np.sin(t / 300.0) ** 8
        x[rng.integers(0, n, 3)] += rng.uniform(-0.9, 0.9, 3)
    x = x.astype(np.float32)
    expected = every_sample_true_peak(x)
    zeros = np.zeros(meter.TAPS - 1, np.float32)
    whole = meter.true_peak_of(np.concatenate([x, zeros]), zeros)  # and the filter's tail
    assert whole == pytest.approx(expected, rel=1e-5, abs=1e-9)
    reader = meter.Meter(44_100)
    cut = int(rng.integers(0, n + 1))
    reader.add(x[:cut])
    reader.add(x[cut:])
    assert reader.readings().true_peak == pytest.approx(expected, rel=1e-5, abs=1e-9)


def test_readings_do_not_depend_on_how_the_audio_is_cut() -> None:
    rng = np.random.default_rng(7)
    x = (rng.normal(0, 0.1, 44_100 * 5) * np.repeat(rng.uniform(0, 1, 50), 4_410)).astype(
        np.float32
    )
    whole = meter.Meter(44_100)
    whole.add(x)
    pieces = meter.Meter(44_100)
    for piece in np.array_split(x, np.sort(rng.integers(0, len(x), 17))):
        pieces.add(piece)
    assert pieces.readings() == whole.readings()
    assert len(whole.readings().momentary) == 50


def test_the_meter_needs_no_ffmpeg_process(speech_part, monkeypatch) -> None:
    """Reading an MP3 part starts no ffmpeg (that was a process per part with ffmpeg < 7)."""
    started = []
    monkeypatch.setattr(ffmpeg.subprocess, "Popen", lambda *a, **k: started.append(a))
    blocks = loudness.measure_blocks(assemble.part_stream(speech_part))
    assert blocks.momentary and not started
    assert toolchain.find_ffmpeg()  # (an ffmpeg is there; it is just not needed)


def test_a_part_that_does_not_decode_is_a_clear_error() -> None:
    from podcast.errors import OutputError

    with pytest.raises(OutputError, match="does not decode"):
        list(formats.decode(formats.default(), b"not an mp3 stream at all" * 100))
