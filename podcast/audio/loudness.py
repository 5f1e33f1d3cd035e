"""Loudness: measure speech PCM before encoding, choose a gain and a limiter, verify the MP3.

Target (what Apple and Spotify ask of podcasts): -16 LUFS integrated, measured as dual-mono (ITU BS.1770,
EBU R128; a mono file counts twice, +3 dB), within ±1 LU, and a true peak at or below -1 dBTP on
the encoded MP3.

ffmpeg's ``loudnorm`` is slow (it resamples to 192 kHz) and its defaults are wrong for
podcasts, so we do it cheaply instead:

1. **measure** the opening speech before encoding: the first chunks' 22.05 kHz PCM (about a
   minute; see ``encode.opening``) is read by the meter (``meter.Meter``, BS.1770 in this
   process; ``measure_speech``: each chunk's readings are its own and are cached, see below). A
   synthetic voice is steady, and the pauses between chunks are digital silence, which the
   BS.1770 gate ignores, so that speech predicts the episode's integrated loudness closely;
2. **apply** one static gain plus a peak limiter (``encoder_filters``) as an ffmpeg ``-af``
   chain in the encoder. The same chain can be applied to every chapter of an episode, so
   chapters encoded separately stay level with each other;
3. **verify** the final MP3, part by part (``combine``), and record the figures: from what
   each part's encoder was given (``measure_tap``), which predicts the MP3 (``from_input``)
   closely enough to accept when it clears the spec by a margin, else from each part decoded
   as players decode it (``measure_blocks``); both with the meter's readings and BS.1770 true
   peak. ``measure_file`` is ffmpeg's ``ebur128=peak=true`` pass over a whole file, an
   independent meter (``podcast info --loudness``, and the tests that check ours against it).

The limiter works on sample peaks at 44.1 kHz; its ceiling sits 0.5 dB below the -1 dBTP
limit to leave room for inter-sample peaks and the MP3 encoder's overshoot (measured on the
seed: ceiling -1.5 dBFS gave -1.9 dBTP in the MP3; running the limiter at 4x oversampling cost a
third more encoding time for the same result). If the verification finds the MP3 more than
``FIRST_ENCODE_TOLERANCE_LU`` off the target (or over the peak limit), ``corrected`` gives the
plan for one re-encode.
"""

from __future__ import annotations

import functools
import math
import re
import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

with warnings.catch_warnings():  # deprecated in 3.12; the audioop-lts wheel replaces it later
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

from podcast import formats
from podcast.audio import ffmpeg, meter, pcm
from podcast.errors import OutputError, ToolchainError
from podcast.formats import OutputFormat

TARGET_LUFS = -16.0
TOLERANCE_LU = 1.0
# An episode encoded with the gain its opening speech predicts is kept when it lands this
# close to the target (half the spec's tolerance); otherwise it is encoded again, corrected.
FIRST_ENCODE_TOLERANCE_LU = 0.5
MAX_TRUE_PEAK_DBTP = -1.0
# Where the limiter holds sample peaks; the rest is headroom for the encoder's overshoot.
LIMITER_CEILING_DBTP = -1.5
LIMITER_ATTACK_MS = 5
LIMITER_RELEASE_MS = 50
# The gain moves in steps this size (at most ±0.25 dB off, well inside the ±1 LU tolerance).
GAIN_STEP_DB = 0.5
# Gain is never raised beyond this: a near-silent input is a bug to show, not to amplify.
MAX_GAIN_DB = 30.0
EBUR128 = "ebur128=peak=true:dualmono=true:framelog=verbose"

_NUMBER = r"(-?(?:\d+(?:\.\d+)?|inf))"


@dataclass(frozen=True)
class Loudness:
    """What a meter reads from encoded audio: dual-mono loudness, true peak (4x oversampled)."""

    integrated_lufs: float
    true_peak_dbtp: float
    lra_lu: float

    def within_spec(self, tolerance_lu: float | None = None) -> bool:
        """-16 LUFS within ±1 LU (or ``tolerance_lu``) and a true peak at or below -1 dBTP."""
        tolerance = TOLERANCE_LU if tolerance_lu is None else tolerance_lu
        return (
            abs(self.integrated_lufs - TARGET_LUFS) <= tolerance + 1e-9  # -15.7 is 0.3 off
            and self.true_peak_dbtp <= MAX_TRUE_PEAK_DBTP
        )

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class SpeechLoudness:
    """The speech's loudness before encoding (``speech_loudness``): the pre-pass reads sample
    peaks, as true-peak metering (4x oversampling) would cost three times as much and only the
    integrated loudness decides the gain."""

    integrated_lufs: float
    sample_peak_dbfs: float
    lra_lu: float


@dataclass(frozen=True)
class LoudnessPlan:
    """What the encoder applies: a gain in dB and a limiter ceiling, from a measurement."""

    measured: SpeechLoudness
    gain_db: float
    ceiling_dbtp: float = LIMITER_CEILING_DBTP

    def filters(self) -> list[str]:
        return encoder_filters(self.gain_db, self.ceiling_dbtp)


def parse_summary(log: str) -> Loudness:
    """Read the summary ``ebur128=peak=true`` prints at the end of a pass."""
    at = log.rfind("Summary:")
    summary = log[at:] if at >= 0 else ""
    found = {
        key: re.search(pattern, summary)
        for key, pattern in (
            ("integrated_lufs", rf"\bI:\s+{_NUMBER} LUFS"),
            ("lra_lu", rf"\bLRA:\s+{_NUMBER} LU\b"),
            ("true_peak_dbtp", rf"\bPeak:\s+{_NUMBER} dBFS"),
        )
    }
    if any(match is None for match in found.values()):
        raise ToolchainError(
            "ffmpeg's ebur128 filter printed no loudness summary; run 'podcast doctor'"
        )
    values = {key: float(match.group(1)) for key, match in found.items() if match}
    return Loudness(**values)


def _run_ebur128(input_args: list[str]) -> Loudness:
    log = ffmpeg.run(
        [*input_args, "-af", EBUR128, "-f", "null", "-"],
        doing="measure loudness",
        hint="run 'podcast doctor'",
        log_level="info",
    )
    return parse_summary(log)


# --- measuring an episode part by part ------------------------------------------------------
# A BS.1770 meter reads 400 ms blocks (momentary, every 100 ms) for the integrated loudness and
# 3 s blocks (short-term) for the loudness range, then gates them. The blocks of separately
# measured stretches of audio, put side by side, are the blocks of the whole (the stretches of
# an episode meet in digital silence, which the gates drop), so an episode joined from cached
# parts can be verified from its parts' cached blocks: only a changed part is measured again.

# Bumped when readings kept in the cache were measured wrongly (v2: ffmpeg's "nan" readings of
# silence kept) or are kept differently (v3: sealed, bound to the digest of the entry they
# measured; v4: read in this process by ``meter``, to full precision, the true peak with
# BS.1770's own filter).
READINGS_VERSION = 4

ABSOLUTE_GATE_LUFS = -70.0


@dataclass(frozen=True)
class Blocks:
    """The meter's 100 ms readings of one stretch of audio, and its true peak."""

    momentary: tuple[float, ...]
    short_term: tuple[float, ...]
    true_peak_dbtp: float


def measure_blocks(stream: bytes, output_format: OutputFormat | None = None) -> Blocks:
    """Blocks and true peak of an encoded stream (one part of an episode, in
    ``output_format``, default ``formats.default()``): decoded as a player decodes it
    (``formats.decode``: MP3 in this process), then read by ``meter.Meter``."""
    fmt = output_format or formats.default()
    return _read(formats.decode(fmt, stream), fmt.sample_rate, "decodes to")


def _read(pieces: Iterable[bytes], sample_rate: int, what: str) -> Blocks:
    """``pieces`` (32-bit float PCM at ``sample_rate``) read by ``meter.Meter``; a part that
    ``what`` (decodes to, holds) less than one reading is an encoder fault."""
    reader = meter.Meter(sample_rate)
    for piece in pieces:
        reader.add(piece)
    read = reader.readings()
    if not read.momentary:
        raise OutputError(f"an encoded part {what} less than 100 ms of audio; run 'podcast doctor'")
    return Blocks(read.momentary, read.short_term, read.true_peak_db)


_TAP_READ_BYTES = 1 << 18  # a tap is read in pieces of 256 KB (3 s of speech), as MP3 is decoded


def measure_tap(path: Path, sample_rate: int = pcm.SAMPLE_RATE) -> Blocks:
    """Blocks and true peak of what an encoder was given (``assemble.tapped_args``: 32-bit
    float PCM at the speech's rate, after the gain and the limiter): read in pieces by
    ``meter.Meter``, with no decoding. ``build.finish.verify`` says when they stand for the
    MP3's."""
    with path.open("rb") as fh:
        return _read(iter(functools.partial(fh.read, _TAP_READ_BYTES), b""), sample_rate, "holds")


def _energy(lufs: float) -> float:
    return 10 ** ((lufs + 0.691) / 10)


def _lufs(energy: float) -> float:
    return -0.691 + 10 * math.log10(energy) if energy > 0 else -math.inf


def _gated_mean(values: list[float], relative_lu: float) -> tuple[float, list[float]]:
    loud = [v for v in values if v > ABSOLUTE_GATE_LUFS]
    if not loud:
        return -math.inf, []
    ungated = _lufs(sum(map(_energy, loud)) / len(loud))
    kept = [v for v in loud if v > ungated + relative_lu]
    return (_lufs(sum(map(_energy, kept)) / len(kept)) if kept else ungated), kept


def integrated_of(stretches: Iterable[Sequence[float]]) -> float:
    """The integrated loudness (not rounded) of stretches of audio played back to back, from
    each one's momentary readings: a reading counts once its 400 ms window is full (the
    first 3 do not), as in ffmpeg; gated as BS.1770 says."""
    return _gated_mean([m for momentary in stretches for m in momentary[3:]], -10.0)[0]


def combine(parts: Iterable[Blocks]) -> Loudness:
    """The loudness of the parts played back to back (BS.1770 / EBU R128 gating)."""
    items = list(parts)
    integrated = integrated_of(part.momentary for part in items)
    short_term = [s for part in items for s in part.short_term[29:]]
    _, kept = _gated_mean(short_term, -20.0)
    kept.sort()
    lra = kept[round(0.95 * (len(kept) - 1))] - kept[round(0.10 * (len(kept) - 1))] if kept else 0
    peak = max((part.true_peak_dbtp for part in items), default=-math.inf)
    return Loudness(round(integrated, 1), round(peak, 1), round(lra, 1))


def measure_file(path: Path) -> Loudness:
    """Loudness of an audio file (the encoded MP3), as a loudness meter reads it."""
    return _run_ebur128(["-i", str(path)])


# --- the pre-pass, chunk by chunk ----------------------------------------------------------
# The gain is chosen from the speech alone. Each chunk's readings are kept in the cache beside
# its WAV, so a rebuild after an edit measures only the chunks that changed. For a chunk's
# readings to depend on that chunk alone, the pre-pass stream puts every chunk on a 100 ms step
# (where the meter takes its readings) after at least 400 ms of digital silence (one momentary
# window, and long enough for the K-weighting filter to forget the previous chunk): the
# readings whose window ends after a chunk's start and no later than the next chunk's start
# then see that chunk and silence only, wherever it sits in the episode.

_STEP_S = 0.1
_GAP_S = 0.4


@dataclass(frozen=True)
class SpeechLevel:
    """One chunk's pre-pass readings (100 ms apart) and its sample peak."""

    momentary: tuple[float, ...]
    short_term: tuple[float, ...]
    sample_peak_dbfs: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SpeechLevel:
        return cls(
            tuple(float(v) for v in data["momentary"]),
            tuple(float(v) for v in data["short_term"]),
            float(data["sample_peak_dbfs"]),
        )


def _dbfs(peak: int) -> float:
    return 20 * math.log10(peak / 32768) if peak > 0 else -math.inf


def measure_speech(
    chunks: Iterable[bytes], sample_rate: int = pcm.SAMPLE_RATE
) -> list[SpeechLevel]:
    """Each 16-bit mono PCM chunk's readings on its own, all in one pass of the meter."""
    step = round(sample_rate * _STEP_S)
    gap = round(sample_rate * _GAP_S)
    steps: list[int] = []  # readings that belong to each chunk
    peaks: list[int] = []

    def laid_out() -> Iterator[bytes]:
        yield bytes(2 * gap)
        for speech in chunks:
            samples = len(speech) // 2
            span = -(-(samples + gap) // step) * step  # the chunk, then silence to a step
            steps.append(span // step)
            peaks.append(audioop.max(speech, 2) if speech else 0)
            yield speech
            yield bytes(2 * (span - samples))

    reader = meter.Meter(sample_rate, true_peak=False)  # the gain needs no true peak
    for piece in laid_out():
        reader.add_pcm16(piece)
    read = reader.readings()
    readings = list(zip(read.momentary, read.short_term, strict=True))
    first = gap // step  # readings of the leading silence
    levels = []
    for count, peak in zip(steps, peaks, strict=True):
        mine = readings[first : first + count]
        first += count
        levels.append(
            SpeechLevel(tuple(m for m, _ in mine), tuple(s for _, s in mine), _dbfs(peak))
        )
    return levels


def speech_loudness(levels: Iterable[SpeechLevel]) -> SpeechLoudness:
    """The speech's loudness from its chunks' readings."""
    items = list(levels)
    integrated, _ = _gated_mean([m for level in items for m in level.momentary], -10.0)
    _, kept = _gated_mean([s for level in items for s in level.short_term], -20.0)
    kept.sort()
    lra = kept[round(0.95 * (len(kept) - 1))] - kept[round(0.10 * (len(kept) - 1))] if kept else 0
    peak = max((level.sample_peak_dbfs for level in items), default=-math.inf)
    return SpeechLoudness(round(integrated, 1), round(peak, 1), round(lra, 1))


# What the encoder was given (``measure_tap``: the speech after gain and limiter, at 22.05 kHz)
# stands for the MP3 it made once the encoder's own scaling is known. LAME plays its MP3 quieter
# than its input by an amount that depends on the bitrate and not on the sound (a 1 kHz tone and
# speech alike: 0.45 dB up to 160 kbps, 0.27 at 192, 0.18 at 224, none from 256; the same with
# LAME 3.100 in Debian's ffmpeg and in the wheel's), which ``Codec`` holds, measured once per
# encoder and bitrate (``build.encode.codec``); the resampling to 44.1 kHz takes 0.05 LU more
# off speech. At 96 kbps every part of 9 episodes (espeak-ng and Piper; English, French and
# German; 2 to 225 parts) read 0.48-0.49 LU under its input, and the MP3's true peak is its
# input's, less the scaling, plus at most 0.2 dB of the encoder's overshoot (0.1 at 192 and 320
# kbps). tests/test_loudness_bound.py reads both on real episodes. An input reading is accepted
# when the MP3 it predicts clears the spec by ``INPUT_MARGIN_LU``; otherwise every part is
# decoded and read (``build.finish.verify``).
RESAMPLING_LOSS_LU = 0.05
OVERSHOOT_DB = 0.3  # bounds the encoder's overshoot of its input's true peak (0.2 measured)
INPUT_MARGIN_LU = 0.2


@dataclass(frozen=True)
class Codec:
    """What the encoder does to the level of what it is given, at one bitrate."""

    scale_db: float  # how much quieter its output plays (a tone encoded and decoded)

    @property
    def loss_lu(self) -> float:
        """How much lower the MP3 of our speech reads than the encoder's input."""
        return self.scale_db + RESAMPLING_LOSS_LU


LAME_96K = Codec(0.45)  # LAME 3.100 at 96 kbps, for callers that do not measure it


def from_input(reading: Loudness, codec: Codec = LAME_96K) -> Loudness:
    """What the MP3 reads, estimated from what its encoder was given: the loudness less the
    codec's loss, and a bound on the true peak."""
    return Loudness(
        round(reading.integrated_lufs - codec.loss_lu, 1),
        round(reading.true_peak_dbtp - codec.scale_db + OVERSHOOT_DB, 1),
        reading.lra_lu,
    )


def input_clears_spec(
    reading: Loudness, tolerance_lu: float | None = None, codec: Codec = LAME_96K
) -> bool:
    """The input's reading ``reading`` shows the MP3 within the spec (``Loudness.within_spec``
    with ``tolerance_lu``) by ``INPUT_MARGIN_LU``, so the MP3 need not be decoded to tell."""
    tolerance = TOLERANCE_LU if tolerance_lu is None else tolerance_lu
    return from_input(reading, codec).within_spec(tolerance - INPUT_MARGIN_LU)


def gain_for(
    measured: SpeechLoudness, target_lufs: float = TARGET_LUFS, codec: Codec = LAME_96K
) -> float:
    """The static gain (dB) that brings ``measured`` to ``target_lufs`` in the MP3."""
    if math.isinf(measured.integrated_lufs):
        raise OutputError("the episode is silent (no measurable loudness); check the voice")
    # a steady voice's speech as encoded reads as its speech alone (the gate drops the pauses;
    # the limiter takes little off it: the encoder's input read -15.7 to -15.2 LUFS on the seed,
    # the treasury report and 4 corpus texts, for -15.5 planned and a gain in 0.5 dB steps),
    # so the gain allows only for the encoder's loss; a varying voice's is then corrected by
    # reading its speech through the limiter (``through_limiter``)
    gain = target_lufs - measured.integrated_lufs + codec.loss_lu
    return _stepped(gain)


def _stepped(gain_db: float) -> float:
    """``gain_db`` in whole steps (a small edit to an article keeps its gain, so its cached
    parts stay valid), and never over ``MAX_GAIN_DB``."""
    return min(MAX_GAIN_DB, round(gain_db / GAIN_STEP_DB) * GAIN_STEP_DB)


def limited_loudness(speech: Iterable[bytes], filters: Sequence[str]) -> float:
    """The integrated loudness (LUFS, dual mono) of ``speech`` (our 16-bit PCM, laid out as it
    will be encoded) after ``filters`` (the encoder's chain: the gain and the limiter): what the
    encoder's input will read (``measure_tap``), read as ffmpeg streams it out."""
    reader = meter.Meter(pcm.SAMPLE_RATE, true_peak=False)
    ffmpeg.stream(
        [*pcm.FFMPEG_INPUT, "-i", "pipe:0", "-af", ",".join(filters),
         "-f", "s16le", "-ac", str(pcm.CHANNELS), "-ar", str(pcm.SAMPLE_RATE), "-"],
        doing="read the speech through the encoder's limiter", hint="run 'podcast doctor'",
        feed=speech, read=reader.add_pcm16,
    )  # fmt: skip
    return integrated_of([reader.readings().momentary])


def through_limiter(
    level: LoudnessPlan, input_lufs: float, codec: Codec = LAME_96K
) -> LoudnessPlan:
    """``level`` with its gain moved so that the encoder's input reads the codec's loss over
    the target, given that with ``level`` it reads ``input_lufs`` (``limited_loudness``)."""
    if math.isinf(input_lufs):
        return level
    return replace(
        level, gain_db=_stepped(level.gain_db + TARGET_LUFS + codec.loss_lu - input_lufs)
    )


def plan(measured: SpeechLoudness, codec: Codec = LAME_96K) -> LoudnessPlan:
    """Gain and limiter for speech measured with ``speech_loudness``, encoded by ``codec``."""
    return LoudnessPlan(measured, gain_for(measured, codec=codec))


def corrected(previous: LoudnessPlan, verified: Loudness) -> LoudnessPlan:
    """A second plan after ``verified`` (the MP3 encoded with ``previous``) missed the spec."""
    gain = previous.gain_db + (TARGET_LUFS - verified.integrated_lufs)
    ceiling = previous.ceiling_dbtp
    if verified.true_peak_dbtp > MAX_TRUE_PEAK_DBTP:
        ceiling -= verified.true_peak_dbtp - MAX_TRUE_PEAK_DBTP + 0.3
    return LoudnessPlan(previous.measured, round(min(MAX_GAIN_DB, gain), 2), round(ceiling, 2))


def encoder_filters(gain_db: float, ceiling_dbtp: float = LIMITER_CEILING_DBTP) -> list[str]:
    """The ffmpeg audio filters (one ``-af`` chain, joined with ``,``) for gain + limiter.

    The limiter works at the speech's own rate (22.05 kHz) and the encoder resamples after it:
    with the wheel's ffmpeg that costs 0.5 CPU-s less per 9 minutes than limiting at 44.1 kHz
    (the same with Debian's ffmpeg 5.1). The peaks the resampler adds between samples are what
    the ceiling's 0.5 dB headroom is for, and the MP3's true peak is verified anyway. ``level=0``
    turns off alimiter's own auto-levelling; ``latency=1`` removes its look-ahead delay, so the
    timeline (chapter marks, cues) does not move.
    """
    limit = max(0.0625, min(1.0, 10 ** (ceiling_dbtp / 20)))
    return [
        f"volume={gain_db:+.2f}dB",
        f"alimiter=limit={limit:.4f}:attack={LIMITER_ATTACK_MS}:release={LIMITER_RELEASE_MS}"
        ":level=0:latency=1",
    ]


LOUDNESS_HINT = "check the voice's volume and the show's music_db"


def require_spec(name: str, verified: Loudness, encodes: int, accept: bool = False) -> str:
    """Fail (an OutputError on one line) when the episode ``name`` misses the spec after its
    ``encodes``; with ``accept``, return the warning to show instead ("" when it is in spec)."""
    if verified.within_spec():
        return ""
    missed = (
        f"{name}: the episode measures {verified.integrated_lufs:g} LUFS and "
        f"{verified.true_peak_dbtp:+g} dBTP after {encodes} encodes, outside the spec "
        f"({TARGET_LUFS:g} ± {TOLERANCE_LU:g} LUFS, at most {MAX_TRUE_PEAK_DBTP:g} dBTP)"
    )
    if not accept:
        raise OutputError(f"{missed}; {LOUDNESS_HINT}, or pass --accept-loudness to keep it")
    return f"{missed}; kept because of --accept-loudness"


def report(
    plan_used: LoudnessPlan,
    verified: Loudness,
    seconds: float,
    encodes: int = 1,
    exact: bool = True,
) -> dict[str, Any]:
    """The ``loudness`` section of episode.json (``exact``: ``verified`` was read from the
    decoded MP3; else estimated from its encoder's input, see ``from_input``)."""
    estimated = "the encoder's input, less the encoder's loss (the true peak: a bound on the MP3's)"
    return {
        "target_lufs": TARGET_LUFS,
        "measurement": "ITU BS.1770-4 / EBU R128, dual-mono (libebur128; true peak per Annex 2)",
        "read_from": "the decoded MP3" if exact else estimated,
        "before": {
            "integrated_lufs": plan_used.measured.integrated_lufs,
            "sample_peak_dbfs": plan_used.measured.sample_peak_dbfs,
            "lra_lu": plan_used.measured.lra_lu,
        },
        "gain_db": plan_used.gain_db,
        "encodes": encodes,
        "limiter_ceiling_dbtp": plan_used.ceiling_dbtp,
        "integrated_lufs": verified.integrated_lufs,
        "true_peak_dbtp": verified.true_peak_dbtp,
        "lra_lu": verified.lra_lu,
        "within_spec": verified.within_spec(),
        "analysis_seconds": round(seconds, 3),
    }


class Stopwatch:
    """Adds up the time spent in the loudness step (measure + verify)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds += time.perf_counter() - self._start
