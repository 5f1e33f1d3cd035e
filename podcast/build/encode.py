"""Step 3 of a build: encode an episode part by part, with the gain its speech predicts.

The gain comes from the opening minute of speech (``opening``), so encoding starts while the
engines render the rest; every part gets the same gain + limiter chain, each encoder waits for
its own part's chunks, and parts already in the cache with that chain are reused. What each
part's encoder is given (after the gain and the limiter) is read as it is encoded
(``input_loudness``) and kept beside it in the cache; the part itself is decoded and read only
when the build needs its exact readings (``part_loudness``, ``build.finish.verify``). Encoding a part and
measuring it is one unit of work (``encode_units``), run where the build's work runs (``Runner``:
the ``Synthesizer``'s backend, this machine or the Dask cluster of ``--cluster``); the client
waits for a part's chunks, then hands the unit out.

The readings kept beside a chunk or a part (memos) are cache entries like any other: sealed,
checked when read (a damaged memo is reported, deleted and measured again), and bound to the
digest of the entry they measured, so a chunk or part built again is measured again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import itertools
import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from podcast import cache, engines, toolchain
from podcast.audio import assemble, loudness, meter
from podcast.build.render import Rendering
from podcast.cache import cache_root
from podcast.config.voices import Voice
from podcast.errors import ToolchainError
from podcast.models import Script, SpokenChunk
from podcast.progress import ENCODING, Progress

PREDICT_WORDS = 150  # the opening speech (about a minute) whose loudness sets the gain
# consecutive parts to encode go to one encoder process (a unit) once they hold this many
# words: about what one part was before parts were cut at sentences; twice as many with an
# ffmpeg whose every start loads its shared libraries (``toolchain.Ffmpeg.linked``: a start
# costs it 0.06-0.14 CPU-s, a static build 0.013; more parts to one process cost it a LAME
# encoder's memory each: docs/performance.md, "Session 13")
JOB_MIN_WORDS = 150
JOB_MIN_WORDS_LINKED = 300
# loudness readings kept in the cache beside a chunk's WAV and beside an encoded part
SPEECH_LEVEL_MEMO = f".level-v{loudness.READINGS_VERSION}.json"
PART_LOUDNESS_MEMO = f".loudness-v{loudness.READINGS_VERSION}.json"
# readings of what the encoder was given for a part (its tap: ``input_loudness``)
PART_INPUT_MEMO = f".input-v{loudness.READINGS_VERSION}.json"
CODEC_MEMO = ".codec-v1.json"  # the encoder's scaling at one bitrate (``codec``)
# a varying voice's speech read through its limiter (``through_limiter``): at most this often,
# until the gain moves by no more than this
LIMITER_READS = 4
LIMITER_FOLLOWS_DB = 1.0
R = TypeVar("R")
T = TypeVar("T")


class Runner(Protocol):
    """Where a unit of work runs (``synth.executor.Backend.run``, via the ``Synthesizer``)."""

    @property
    def runs_here(self) -> bool: ...

    def run(
        self,
        fn: Callable[..., R],
        args: tuple[Any, ...],
        label: str,
        inputs: Sequence[Path] = (),
        outputs: Sequence[Path] = (),
    ) -> R: ...


@dataclass(frozen=True)
class EncodeSettings:
    """How every part of a build is encoded."""

    bitrate_kbps: int
    filters: tuple[str, ...]  # the caller's extra filters (the loudness chain comes after)
    use_cache: bool
    extra_formats: tuple[str, ...] = ()  # made from the finished episode (formats.derivable)
    # keep an episode that misses the loudness spec after its corrective encode (with a warning)
    accept_loudness: bool = False


def read_memo(memo: Path, of: str | None) -> Any:
    """The readings kept in ``memo`` for the entry whose seal's digest is ``of`` (None: there
    are none, they are for other content, or they were damaged: measure again)."""
    if of is None:
        return None
    data = cache.read_entry(memo)
    if data is None:
        return None
    try:
        kept = json.loads(data.decode("utf-8"))
    except ValueError:
        kept = None
    if not isinstance(kept, dict) or "value" not in kept:
        cache.report_damaged(memo)
        memo.unlink(missing_ok=True)
        return None
    return kept["value"] if kept.get("of") == of else None


def write_memo(memo: Path, of: str | None, value: Any) -> None:
    """Keep ``value`` (readings of the entry whose digest is ``of``) in ``memo``, sealed."""
    if of is not None:
        with contextlib.suppress(OSError):
            cache.write_entry(memo, json.dumps({"of": of, "value": value}).encode("utf-8"))


@dataclass(frozen=True)
class Encoders:
    """The threads a build encodes with: each of ``lanes`` waits for a unit's chunks and runs
    its encoder; ``meter`` measures what the lanes encoded, so that a lane starts its next
    encoder process while the parts it made are measured (measuring in the lane left the
    cores idle: 1.3 of 2 busy in a cold build of the seed)."""

    lanes: ThreadPoolExecutor
    meter: ThreadPoolExecutor
    spare: assemble.SpareEncoder | None = None  # the first part encoded alone may take it

    def cancel(self) -> None:
        """Nothing queued runs after this (a failed or interrupted build)."""
        self.lanes.shutdown(wait=False, cancel_futures=True)
        self.meter.shutdown(wait=False, cancel_futures=True)


@contextlib.contextmanager
def encoders(slots: int, spare: assemble.SpareEncoder | None = None) -> Iterator[Encoders]:
    """``slots`` lanes and one meter thread, stopped in that order when the build ends."""
    with (
        ThreadPoolExecutor(1, thread_name_prefix="meter") as meter,
        ThreadPoolExecutor(slots, thread_name_prefix="encode") as lanes,
    ):
        yield Encoders(lanes, meter, spare)


@contextlib.contextmanager
def spare_encoder(
    settings: EncodeSettings, runs_here: bool
) -> Iterator[assemble.SpareEncoder | None]:
    """An encoder started now, for the build's first part encoded alone (a rebuild's edit:
    ``assemble.SpareEncoder``), ended with the build if nobody took it. Only with the cache (its
    files are temporaries in the cache's parts folder) and with the encoders on this machine."""
    spare = None
    if settings.use_cache and runs_here:
        # if ffmpeg is missing or the cache cannot be written, the build's first encode says so
        with contextlib.suppress(OSError, ToolchainError):
            spare = assemble.SpareEncoder.start(cache_root() / "parts", settings.bitrate_kbps)
    try:
        yield spare
    finally:
        if spare is not None:
            spare.close()


@dataclass(frozen=True)
class Encoding:
    """An episode's parts as they are being encoded with a predicted gain."""

    parts: tuple[assemble.Part, ...]
    encoded: tuple[Future[assemble.EncodedPart], ...]  # one per part, in order
    level: loudness.LoudnessPlan  # the gain they are encoded with
    loudness_seconds: float  # spent predicting it
    codec: loudness.Codec = loudness.LAME_96K  # how the encoder scales what it is given


def opening(spoken: Sequence[SpokenChunk], voices: Iterable[Voice]) -> list[SpokenChunk]:
    """The chunks whose loudness sets the episode's gain: its first ``PREDICT_WORDS`` words
    when every voice's engine is a steady one (``Engine.steady``), otherwise all of them.

    espeak-ng keeps its level, so its first minute predicts the episode's loudness to a few
    tenths of a LU (the seed and the four corpus articles: the same gain step as their whole
    speech); the parts encoded with that gain are then measured and, if the episode misses
    -16 LUFS by more than ``loudness.FIRST_ENCODE_TOLERANCE_LU``, encoded once more. Waiting
    for the whole episode's speech instead would hold every encoder until the last chunk is
    rendered. A neural voice (Piper) varies its level with the text: on the seed its first 150
    words read 1.6 LU quieter than its whole speech (300 words: 0.1 LU), so with it the gain
    waits for all of the speech, as rendering dominates its build anyway.
    """
    if not steady(voices):
        return list(spoken)
    words = 0
    for count, item in enumerate(spoken, start=1):
        words += len(item.chunk.spoken.split())
        if words >= PREDICT_WORDS:
            return list(spoken[:count])
    return list(spoken)


def codec(bitrate_kbps: int, use_cache: bool = True) -> loudness.Codec:
    """How this build's encoder scales what it is given at ``bitrate_kbps`` (``loudness.Codec``):
    measured with a test tone (``assemble.tone_scale_db``) once per encoder and bitrate, and
    kept in the cache (bound to both)."""
    return _codec_in(cache_root() if use_cache else None, bitrate_kbps)


def _codec_in(root: Path | None, bitrate_kbps: int) -> loudness.Codec:
    with _CODEC_LOCK:  # one measurement, whoever asks first (``warm_up_codec``)
        return _codec(assemble.encoder_version(), bitrate_kbps, root)


def warm_up_codec(bitrate_kbps: int, use_cache: bool) -> None:
    """Have ``codec`` ready in the background (a build starts it before its text stages: the
    first build with an encoder measures it, 0.1 s, which the gain then need not wait for)."""
    root = cache_root() if use_cache else None  # this build's, whenever the thread runs

    def measure() -> None:
        with contextlib.suppress(Exception):  # a failure is the build's to report, when asked
            _codec_in(root, bitrate_kbps)

    threading.Thread(target=measure, name="codec", daemon=True).start()


_CODEC_LOCK = threading.Lock()


@functools.cache
def _codec(version: str, bitrate_kbps: int, root: Path | None) -> loudness.Codec:
    if root is None:  # no cache (--no-cache): measured for this build only
        return loudness.Codec(assemble.tone_scale_db(bitrate_kbps))
    about = f"{version}; {bitrate_kbps} kbps; {CODEC_MEMO}"
    of = hashlib.sha256(about.encode("utf-8")).hexdigest()
    memo = root / "codec" / f"{of[:32]}{CODEC_MEMO}"
    kept = read_memo(memo, of)
    if isinstance(kept, int | float) and not isinstance(kept, bool):
        return loudness.Codec(float(kept))
    if kept is not None:  # sealed, of this encoder, yet not a number: another version's
        cache.report_damaged(memo)
        memo.unlink(missing_ok=True)
    scale = assemble.tone_scale_db(bitrate_kbps)
    write_memo(memo, of, scale)
    return loudness.Codec(scale)


def steady(voices: Iterable[Voice]) -> bool:
    """Every voice's engine keeps its level (``Engine.steady``)."""
    return all(engines.get(voice.engine).steady for voice in voices)


def through_limiter(
    level: loudness.LoudnessPlan,
    parts: Sequence[assemble.Part],
    spoken: Sequence[SpokenChunk],
    filters: Sequence[str],
    scaling: loudness.Codec = loudness.LAME_96K,
) -> loudness.LoudnessPlan:
    """``level`` corrected for what the limiter and the pauses take off a varying voice: all of
    its speech, laid out as it will be encoded, read through the gain and the limiter.

    The gain from the speech alone left Piper's episodes 0.5-0.6 LU under the target (the
    encoder's input read -16.1 LUFS where -15.5 was planned: the limiter takes more off its
    peakier speech), so every part was encoded twice; reading it costs one ffmpeg pass
    over the speech (0.3 CPU-s for the seed's 9 minutes) and is only done once every chunk is
    rendered anyway.
    """

    def laid_out() -> Iterator[bytes]:
        for part in parts:
            yield from assemble.part_audio(part, [item.wav_path for item in spoken[part.span]])

    for _ in range(LIMITER_READS):
        read = loudness.limited_loudness(laid_out(), [*filters, *level.filters()])
        corrected = loudness.through_limiter(level, read, scaling)
        # a small move is one the limiter follows; after a large one (a voice far too peaky
        # for its gain), what the limiter takes off at the new gain is read again
        if abs(corrected.gain_db - level.gain_db) <= LIMITER_FOLLOWS_DB:
            return corrected
        level = corrected
    return level


def speech_levels(
    spoken: Sequence[SpokenChunk], jobs: Mapping[Path, Future[Any]]
) -> list[loudness.SpeechLevel]:
    """The pre-pass readings of ``spoken``'s chunks: kept beside each WAV, or measured (in one
    ffmpeg pass, as they are rendered) and kept there for the next build."""
    known: dict[Path, loudness.SpeechLevel] = {}
    for item in spoken:
        if item.wav_path not in known:  # a chunk in the cache may have its readings there
            memo = item.wav_path.with_suffix(SPEECH_LEVEL_MEMO)
            kept = read_memo(memo, cache.digest_of(item.wav_path))
            if kept is not None:
                try:
                    known[item.wav_path] = loudness.SpeechLevel.from_dict(kept)
                except (ValueError, KeyError, TypeError):
                    cache.report_damaged(memo)
                    memo.unlink(missing_ok=True)
    missing = list(dict.fromkeys(i.wav_path for i in spoken if i.wav_path not in known))

    def speech_as_rendered() -> Iterator[bytes]:
        for path in missing:
            job = jobs.get(path)
            if job is not None:
                job.result()
            yield assemble.load_speech(path)

    if missing:
        for path, level in zip(missing, loudness.measure_speech(speech_as_rendered()), strict=True):
            known[path] = level
            write_memo(path.with_suffix(SPEECH_LEVEL_MEMO), cache.digest_of(path), level.as_dict())
    return [known[item.wav_path] for item in spoken]


def start_encoding(
    script: Script,
    rendering: Rendering,
    voices: dict[str, Voice],
    settings: EncodeSettings,
    encoders: Encoders,
    work: Path,
    progress: Progress,
    runner: Runner,
) -> Encoding:
    """Predict the gain from the opening speech, then queue every part's encode (in order:
    each part is encoded as soon as its chunks are rendered, while the engines render the rest).
    ``encoders``' lanes wait for the chunks; ``runner`` runs each unit's encoder.
    """
    spoken, jobs = rendering.spoken, rendering.jobs
    if runner.runs_here and rendering.renders:
        meter.warm_up()  # speech to render, so parts to encode and measure in this process
    parts = assemble.plan_parts(script, voices)
    with loudness.Stopwatch() as clock:
        # the episode's opening speech predicts its loudness; the encoded parts are verified
        sample = opening(spoken, voices.values())
        scaling = codec(settings.bitrate_kbps, settings.use_cache)
        level = loudness.plan(loudness.speech_loudness(speech_levels(sample, jobs)), scaling)
        if not steady(voices.values()):  # all of its speech is rendered by now
            level = through_limiter(level, parts, spoken, settings.filters, scaling)
    chain = (*settings.filters, *level.filters())
    version = assemble.encoder_version()
    parts_dir = cache_root() / "parts" if settings.use_cache else work / "parts"

    paths = []
    for part in parts:
        keys = [item.wav_path.stem for item in spoken[part.span]]
        key = assemble.part_key(part, keys, settings.bitrate_kbps, chain, version)
        paths.append(parts_dir / key[:2] / f"{key}.part")
    encoded: dict[int, Future[assemble.EncodedPart]] = {}

    # a cluster's workers find ffmpeg where they run: units of the size they were tuned with
    min_words = unit_words() if runner.runs_here else JOB_MIN_WORDS

    def queue(numbers: list[int], first_alone: bool = False) -> None:
        # several consecutive parts to one encoder process: docs/performance.md, "Session 9"
        for _, run in itertools.groupby(enumerate(numbers), lambda each: each[1] - each[0]):
            for unit in units([(parts[n], n) for _, n in run], min_words, first_alone):
                first_alone = False
                waits = [_chunk_jobs(part, rendering) for part, _ in unit]
                future = encoders.lanes.submit(_encode, [(p, paths[n]) for p, n in unit], spoken,
                                               waits, settings.bitrate_kbps, chain, progress,
                                               runner, encoders.meter, encoders.spare)  # fmt: skip
                for (_, n), each in zip(unit, _each(future, len(unit)), strict=True):
                    encoded[n] = each

    # the parts not in the cache are queued first (a rebuild's edit), then those there are
    # read (which checks their seals; a damaged one is queued then)
    kept = [n for n, path in enumerate(paths) if settings.use_cache and cache.may_hold(path)]
    if runner.runs_here and len(kept) < len(parts):
        meter.warm_up()  # (a rebuild's edited speech may be rendered by now)
    progress.add(ENCODING, len(parts) - len(kept))
    # the first part to encode takes the encoder started ahead (``spare_encoder``) on its own
    queue(sorted(set(range(len(parts))) - set(kept)), first_alone=encoders.spare is not None)
    damaged = []
    for n in kept:
        cached = assemble.load_part(paths[n])
        progress.add(ENCODING, 1, done=int(cached is not None))
        if cached is None:
            damaged.append(n)
        else:  # usually already measured
            encoded[n] = encoders.lanes.submit(_measured, cached)
    queue(damaged)
    in_order = tuple(encoded[n] for n in range(len(parts)))
    return Encoding(tuple(parts), in_order, level, clock.seconds, scaling)


def _chunk_jobs(part: assemble.Part, rendering: Rendering) -> list[Future[Any] | None]:
    """The rendering of each of ``part``'s chunks (None: a produced part's, mixed already)."""
    return [rendering.jobs.get(item.wav_path) for item in rendering.spoken[part.span]]


def _each(unit: Future[Any], count: int) -> list[Future[Any]]:
    """One future per item of the list ``unit`` returns (or of the list a future it returns
    returns), settled when it is."""
    each: list[Future[Any]] = [Future() for _ in range(count)]

    def settle(done: Future[Any]) -> None:
        if done.cancelled():
            for future in each:
                future.cancel()
        elif (error := done.exception()) is not None:
            for future in each:
                future.set_exception(error)
        elif isinstance(value := done.result(), Future):
            value.add_done_callback(settle)
        else:
            for future, item in zip(each, value, strict=True):
                future.set_result(item)

    unit.add_done_callback(settle)
    return each


def _encode(
    job: Sequence[tuple[assemble.Part, Path]],
    spoken: Sequence[SpokenChunk],
    rendered: Sequence[Sequence[Future[Any] | None]],
    bitrate_kbps: int,
    filters: Sequence[str],
    progress: Progress,
    runner: Runner,
    meter: ThreadPoolExecutor,
    spare: assemble.SpareEncoder | None = None,
) -> list[assemble.EncodedPart] | Future[list[assemble.EncodedPart]]:
    """Encode ``job``'s parts as their chunks are ``rendered`` (each part's, in order). Here:
    with one encoder process, each chunk read once it is rendered (``assemble.part_audio``),
    then measured by the ``meter`` thread (the future of that); on a cluster: once all are,
    one unit that encodes and measures there (``encode_units``)."""
    wavs = [[i.wav_path for i in spoken[part.span]] for part, _ in job]
    paths = [path for _, path in job]
    if runner.runs_here:
        with _tapped(paths) as taps:
            encoded = assemble.encode_parts(
                [p for p, _ in job], wavs, paths, bitrate_kbps, filters, taps=taps,
                rendered=rendered, spare=spare,
            )  # fmt: skip
            for _ in job:
                progress.advance(ENCODING)
            return meter.submit(_all_measured, encoded, taps)
    for chunk_job in (each for part in rendered for each in part if each is not None):
        chunk_job.result()
    first = spoken[job[0][0].span][0]
    label = f"encoding the part that begins {first.chunk.text[:60]!r}"
    args = ([p for p, _ in job], wavs, paths, bitrate_kbps, tuple(filters))
    inputs = [w for ws in wavs for w in ws]
    results = runner.run(encode_units, args, label, inputs=inputs, outputs=paths)
    for _ in job:
        progress.advance(ENCODING)
    return results


def encode_units(
    parts: Sequence[assemble.Part],
    wavs: Sequence[Sequence[Path]],
    paths: Sequence[Path],
    bitrate_kbps: int,
    filters: Sequence[str],
) -> list[assemble.EncodedPart]:
    """One unit of work: encode consecutive ``parts`` (each from its chunks' WAVs, into its
    cache entry in ``paths``) with one encoder process (``encode_parts``), and measure each
    (kept beside it: ``input_loudness``). Runs on this machine or on a cluster's worker; what
    it returns is small."""
    with _tapped(paths) as taps:
        results = assemble.encode_parts(parts, wavs, paths, bitrate_kbps, filters, taps=taps)
        return _all_measured(results, taps)


@contextlib.contextmanager
def _tapped(paths: Sequence[Path]) -> Iterator[list[Path]]:
    """A tap file (``assemble.tapped_args``) beside each of ``paths``' entries, for the
    encoder to write and the meter to read; removed once read (``input_loudness``) or when the
    encoding fails."""
    taps: list[Path] = []
    try:
        taps += [assemble.temporary(path, ".tmp.tap") for path in paths]
        yield taps
    except BaseException:
        for tap in taps:
            tap.unlink(missing_ok=True)
        raise


def _measured(part: assemble.EncodedPart, tap: Path | None = None) -> assemble.EncodedPart:
    """``part`` with its readings in the cache: from its ``tap`` (just encoded), else those
    kept; a part kept without them (encoded by an older version) is measured exactly."""
    if input_loudness(part, tap) is None:
        part_loudness(part)
    return part


def _all_measured(
    parts: list[assemble.EncodedPart], taps: Sequence[Path]
) -> list[assemble.EncodedPart]:
    try:
        return [_measured(part, tap) for part, tap in zip(parts, taps, strict=True)]
    finally:
        for tap in taps:  # those not read: a part failed
            tap.unlink(missing_ok=True)


def input_loudness(part: assemble.EncodedPart, tap: Path | None = None) -> loudness.Blocks | None:
    """The readings of what the encoder was given for ``part``: read from its ``tap`` (then
    removed) and kept beside the part; without a tap, those kept (None if there are none).
    ``build.finish.verify`` says when they stand for the part's own (``part_loudness``)."""
    memo = part.path.with_suffix(PART_INPUT_MEMO)
    of = cache.digest_of(part.path)
    if tap is None:
        return _blocks(memo, read_memo(memo, of))
    try:
        blocks = loudness.measure_tap(tap)
    finally:
        tap.unlink(missing_ok=True)
    write_memo(memo, of, dataclasses.asdict(blocks))
    return blocks


def part_loudness(part: assemble.EncodedPart) -> loudness.Blocks:
    """The part's loudness blocks and true peak (decoded as players decode it), measured once
    and kept beside the part."""
    memo = part.path.with_suffix(PART_LOUDNESS_MEMO)
    of = cache.digest_of(part.path)
    blocks = _blocks(memo, read_memo(memo, of))
    if blocks is None:
        blocks = loudness.measure_blocks(assemble.part_stream(part), part.output_format)
        write_memo(memo, of, dataclasses.asdict(blocks))
    return blocks


def _blocks(memo: Path, data: Any) -> loudness.Blocks | None:
    """The blocks kept in ``memo`` (``data``: its readings), None if none or damaged."""
    if data is None:
        return None
    try:
        return loudness.Blocks(
            tuple(float(v) for v in data["momentary"]),
            tuple(float(v) for v in data["short_term"]),
            float(data["true_peak_dbtp"]),
        )
    except (ValueError, KeyError, TypeError):
        cache.report_damaged(memo)
        memo.unlink(missing_ok=True)
        return None


def reencode(
    parts: Sequence[assemble.Part],
    spoken: Sequence[SpokenChunk],
    level: loudness.LoudnessPlan,
    settings: EncodeSettings,
    work: Path,
) -> list[assemble.EncodedPart]:
    """Every part again with a corrected loudness chain (only when the first pass missed)."""
    chain = (*settings.filters, *level.filters())

    def encode(unit: list[tuple[assemble.Part, int]]) -> list[assemble.EncodedPart]:
        wavs = [[i.wav_path for i in spoken[part.span]] for part, _ in unit]
        targets = [work / "reencoded" / f"{number}.part" for _, number in unit]
        some = [part for part, _ in unit]
        return encode_units(some, wavs, targets, settings.bitrate_kbps, chain)

    numbered = [(part, number) for number, part in enumerate(parts)]
    with ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="reencode") as pool:
        return [part for unit in pool.map(encode, units(numbered, unit_words()))
                for part in unit]  # fmt: skip


def unit_words() -> int:
    """How many words a unit of parts holds at least, for this machine's ffmpeg."""
    return JOB_MIN_WORDS_LINKED if toolchain.find_ffmpeg().linked else JOB_MIN_WORDS


def units(
    parts: Iterable[tuple[assemble.Part, T]],
    min_words: int,
    first_alone: bool = False,
) -> list[list[tuple[assemble.Part, T]]]:
    """Consecutive ``parts`` (each with what goes with it) in units for one encoder process:
    each closed once it holds ``min_words`` words (the last may hold fewer); with
    ``first_alone``, the first part is a unit of its own (for the encoder started ahead)."""
    out: list[list[tuple[assemble.Part, T]]] = []
    unit: list[tuple[assemble.Part, T]] = []
    words = 0
    for item in parts:
        unit.append(item)
        words += _words([item[0]])
        if words >= min_words or (first_alone and not out):
            out.append(unit)
            unit, words = [], 0
    return [*out, unit] if unit else out


def _words(parts: Iterable[assemble.Part]) -> int:
    return sum(len(chunk.spoken.split()) for part in parts for chunk in part.chunks)
