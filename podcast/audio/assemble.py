"""Assembly and encoding: rendered chunks + pauses -> encoded parts -> one file + its timeline.

pydub lives only here. Each chunk's WAV is trimmed of the engine's own leading and trailing
silence, then our pauses (clause < sentence < paragraph < chapter) are inserted, so the pause
structure follows the text.

The episode is encoded in *parts*: runs of whole sentences, about 25 s each (see
``plan_parts``). Each part is streamed chunk by chunk into its own ffmpeg process (memory is
bounded by one chunk; the episode is never one AudioSegment) and kept in the cache under a
hash of everything that decides its bytes, so a rebuild after an edit re-encodes only the
parts whose text changed. The parts' frames are then joined without re-encoding by the output
format (``podcast.formats``; MP3: behind one Info header for the whole file). Every part
starts with the encoder's delay and ends with its padding (a few ms of silence, inside a
pause); positions on the timeline come from the parts' frame counts (MP3: 1152 samples per
frame at 44.1 kHz), so the chapter marks and cues match the joined file exactly.
"""

from __future__ import annotations

import array
import dataclasses
import functools
import hashlib
import json
import math
import os
import struct
import sys
import tempfile
import threading
import warnings
import wave
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

with warnings.catch_warnings():  # deprecated in 3.12; the audioop-lts wheel replaces it later
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

from podcast import cache, formats, toolchain
from podcast.audio import ffmpeg, pcm
from podcast.audio.pcm import SAMPLE_RATE, SAMPLE_WIDTH
from podcast.cache import ENTRY_FORMAT, put
from podcast.config.voices import Voice
from podcast.errors import OutputError
from podcast.formats import EncodedStream, FormatError, OutputFormat
from podcast.models import (
    PAUSE_CHAPTER,
    PAUSE_PARAGRAPH,
    PAUSE_SENTENCE,
    ChapterMark,
    Chunk,
    Cue,
    Placement,
    Script,
    SpokenChunk,
    Timeline,
)

DEFAULT_BITRATE_KBPS = 96
SILENCE_THRESHOLD_DBFS = -50.0
TRIM_MARGIN_MS = 15
# About 25 s of speech: a rebuild after an edit re-encodes and re-measures that much. A cold
# build encodes consecutive parts with one encoder process (``encode_parts``), so small parts
# do not cost it a process each: docs/performance.md, "Session 9".
PART_MIN_WORDS = 60
PART_FORMAT = 1
_PART_CUTS = (PAUSE_SENTENCE, PAUSE_PARAGRAPH, PAUSE_CHAPTER)  # where a part may end...
# ...if the pause there is at least this long: a cut adds up to a frame of the encoder's
# padding (26 ms) inside the pause, which a pause a voice shortened to nothing would not hide
PART_CUT_MIN_PAUSE_MS = 100
_PART_MAGIC = b"PODPART1"


class Waitable(Protocol):
    """What is awaited before a chunk's WAV is read: its rendering (a ``Future``)."""

    def result(self, timeout: float | None = None) -> Any: ...


@functools.cache
def _pydub() -> Any:
    """Import pydub pointed at our ffmpeg (it warns at import when none is on PATH)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        import pydub
        import pydub.silence

    pydub.AudioSegment.converter = toolchain.find_ffmpeg().path
    return pydub


def load_speech(path: Path) -> bytes:
    """A chunk's PCM (16-bit mono 22.05 kHz) without the engine's silence at either end.

    Silence is what pydub's ``detect_leading_silence`` calls silence (5 ms windows under
    ``SILENCE_THRESHOLD_DBFS``); ``TRIM_MARGIN_MS`` of it is kept at each end. WAVs in our
    format are read and measured directly (this runs for every chunk of a cold build); others
    are converted with pydub first.
    """
    with wave.open(str(path), "rb") as wav:
        native = pcm.is_native(wav)
        audio = wav.readframes(wav.getnframes()) if native else b""
    if not native:
        pydub = _pydub()
        segment = pydub.AudioSegment.from_wav(str(path))
        segment = segment.set_frame_rate(SAMPLE_RATE).set_channels(pcm.CHANNELS)
        audio = bytes(segment.set_sample_width(SAMPLE_WIDTH).raw_data)
    length_ms = len(audio) // SAMPLE_WIDTH * 1000 // SAMPLE_RATE
    lead = _silent_ms(audio, range(0, length_ms, _SILENCE_WINDOW_MS))
    trail = _silent_ms(audio, range(length_ms - _SILENCE_WINDOW_MS, -1, -_SILENCE_WINDOW_MS))
    start_ms = max(0, lead - TRIM_MARGIN_MS)
    end_ms = min(length_ms, length_ms - trail + TRIM_MARGIN_MS)
    if end_ms <= start_ms:  # all silence: keep it as it is rather than lose the chunk
        return audio
    return audio[pcm.samples(start_ms) * SAMPLE_WIDTH : pcm.samples(end_ms) * SAMPLE_WIDTH]


_SILENCE_WINDOW_MS = 5
_SILENCE_RMS = 32768 * 10 ** (SILENCE_THRESHOLD_DBFS / 20)


def _silent_ms(audio: bytes, windows: range) -> int:
    """How many ms of ``windows`` (5 ms steps, from one end) pass before the first sound."""
    silent = 0
    for ms in windows:
        window = audio[
            pcm.samples(ms) * SAMPLE_WIDTH : pcm.samples(ms + _SILENCE_WINDOW_MS) * SAMPLE_WIDTH
        ]
        if window and audioop.rms(window, SAMPLE_WIDTH) >= _SILENCE_RMS:
            break
        silent += _SILENCE_WINDOW_MS
    return silent


def encode_args(
    out_path: Path,
    bitrate_kbps: int = DEFAULT_BITRATE_KBPS,
    filters: Sequence[str] = (),
    output_format: OutputFormat | None = None,
) -> list[str]:
    """The ffmpeg arguments that encode our PCM (``pcm``: s16le 22.05 kHz mono on stdin)."""
    fmt = output_format or formats.default()
    return ["-y", *pcm.FFMPEG_INPUT, "-i", "pipe:0",
            *output_args(out_path, bitrate_kbps, filters, fmt)]  # fmt: skip


def tapped_args(
    index: int, out_path: Path, tap: Path, bitrate_kbps: int, filters: Sequence[str],
    fmt: OutputFormat,
) -> tuple[str, list[str]]:  # fmt: skip
    """The filtergraph and output arguments of input ``index`` encoded into ``out_path`` as
    ``output_args`` would (the same bytes), and tapped: what the encoder is given before its
    resampling (``filters`` applied: the loudness chain's gain and limiter) is also written
    to ``tap`` as 32-bit float PCM at the speech's rate, for the meter (``build.encode``)."""
    chain = ",".join([*filters, "asplit=2"])
    graph = (
        f"[{index}:a]{chain}[encode{index}][tap{index}];"
        f"[encode{index}]aresample={fmt.sample_rate}[out{index}]"
    )
    return graph, [
        "-map", f"[out{index}]", *_encoded(out_path, bitrate_kbps, fmt),
        "-map", f"[tap{index}]", "-c:a", "pcm_f32le", "-f", "f32le", str(tap),
    ]  # fmt: skip


def _streams_args(
    inputs: Sequence[Sequence[str]],
    out_paths: Sequence[Path],
    taps: Sequence[Path] | None,
    bitrate_kbps: int,
    filters: Sequence[str],
    fmt: OutputFormat,
) -> list[str]:
    """ffmpeg's arguments for ``inputs`` (each an input's options and ``-i``), each encoded
    into its own ``out_paths`` entry, and tapped into ``taps`` (``tapped_args``) if given."""
    args = ["-y", *(arg for each in inputs for arg in each)]
    if taps is None:
        for index, target in enumerate(out_paths):
            args += ["-map", f"{index}:a", *output_args(target, bitrate_kbps, filters, fmt)]
        return args
    graphs, outputs = [], []
    for index, (target, tap) in enumerate(zip(out_paths, taps, strict=True)):
        graph, output = tapped_args(index, target, tap, bitrate_kbps, filters, fmt)
        graphs.append(graph)
        outputs += output
    return [*args, "-filter_complex", ";".join(graphs), *outputs]


def output_args(
    out_path: Path, bitrate_kbps: int, filters: Sequence[str], fmt: OutputFormat
) -> list[str]:
    """The ffmpeg arguments of one encoded output stream.

    ``filters`` are extra ``-af`` filters (e.g. gain and a limiter) applied before the
    resampling to the format's rate; the format (default: ``formats.default()``) adds its
    encoder's options (MP3: CBR 44.1 kHz mono, no ID3 tag, an Info header).
    """
    chain = [*filters, f"aresample={fmt.sample_rate}"]
    return ["-af", ",".join(chain), *_encoded(out_path, bitrate_kbps, fmt)]


def _encoded(out_path: Path, bitrate_kbps: int, fmt: OutputFormat) -> list[str]:
    """The options of an output stream in ``fmt`` at the format's rate, and its path."""
    return [
        "-ar", str(fmt.sample_rate), "-ac", str(pcm.CHANNELS),
        *fmt.encoder_args(bitrate_kbps), str(out_path),
    ]  # fmt: skip


def encoder_version(output_format: OutputFormat | None = None) -> str:
    """What decides the encoder's bytes besides its input: part of every part's cache key."""
    found = toolchain.find_ffmpeg()
    fmt = output_format or formats.default()
    return f"ffmpeg {found.version} ({found.origin}); {fmt.encoder_id}; parts v{PART_FORMAT}"


_TONE_PERIOD = 21  # samples: a 1050 Hz tone at 22.05 kHz, each period the same samples
_TONE_PEAK = 3277  # -20 dBFS: no encoder clips it


def tone_scale_db(bitrate_kbps: int, output_format: OutputFormat | None = None) -> float:
    """How much quieter (dB) the encoder's output plays than what it was given: 2 s of a 1050 Hz
    tone encoded as a part's PCM is (``encode_args``), decoded as players decode it, and the
    RMS of the middle second of each compared (``loudness.Codec``)."""
    fmt = output_format or formats.default()
    rate = SAMPLE_RATE
    period = [
        round(_TONE_PEAK * math.sin(2 * math.pi * i / _TONE_PERIOD)) for i in range(_TONE_PERIOD)
    ]
    tone = array.array("h", period * (2 * rate // _TONE_PERIOD))
    if tone.itemsize != SAMPLE_WIDTH or sys.byteorder != "little":
        raise OutputError(
            "this machine's 16-bit samples are not little-endian; run 'podcast doctor'"
        )
    encoded: list[bytes] = []  # through a pipe, never on disk
    ffmpeg.stream(
        encode_args(Path("-"), bitrate_kbps, (), fmt), doing="encode a test tone",
        hint="run 'podcast doctor'", feed=[tone.tobytes()], read=encoded.append,
    )  # fmt: skip
    decoded = array.array("f", b"".join(formats.decode(fmt, b"".join(encoded))))
    given = [v / 32768 for v in tone[rate // 2 : 3 * rate // 2]]
    made = decoded[fmt.sample_rate // 2 : 3 * fmt.sample_rate // 2]
    if len(made) < fmt.sample_rate:
        raise OutputError("the encoder's test tone decodes too short; run 'podcast doctor'")

    def rms(values: Sequence[float]) -> float:
        return math.sqrt(sum(v * v for v in values) / len(values))

    return round(20 * math.log10(rms(given) / rms(made)), 2) + 0.0  # not -0.0


_WRITE_HINT = "free some disk space there (or choose another --out, or another PODCAST_CACHE_DIR)"


def _cache_folder(out_path: Path) -> Path:
    """The folder to name when ``out_path`` cannot be written: the cache (not its parts/xx),
    or the episode's output folder (not its temporary one)."""
    where = out_path.parent
    return where.parent if where.name.endswith(".partial") or len(where.name) == 2 else where


class Encoder:
    """An ffmpeg process that turns a stream of our PCM into an output format's stream."""

    def __init__(
        self,
        out_path: Path,
        bitrate_kbps: int = DEFAULT_BITRATE_KBPS,
        filters: Sequence[str] = (),
        output_format: OutputFormat | None = None,
        tap: Path | None = None,
        spare: SpareEncoder | None = None,
    ) -> None:
        self.out_path = out_path
        self._moves: list[tuple[Path, Path]] = []  # the spare's outputs, to their names
        fmt = output_format or formats.default()
        if spare is not None and tap is not None:
            taken = spare.take(bitrate_kbps, filters, fmt)
            if taken is not None:
                self._process = taken
                self._moves = [(spare.out, out_path), (spare.tap, tap)]
                return
        if tap is None:
            args = encode_args(out_path, bitrate_kbps, filters, output_format)
        else:  # the PCM it encodes also written to ``tap`` (``tapped_args``)
            source = [*pcm.FFMPEG_INPUT, "-i", "pipe:0"]
            args = _streams_args([source], [out_path], [tap], bitrate_kbps, filters, fmt)
        self._process = ffmpeg.Process(
            args,
            doing=f"write in {_cache_folder(out_path)}",
            hint=_WRITE_HINT,
            feed=True,
        )

    def write(self, audio: bytes) -> None:
        self._process.write(audio)

    def close(self) -> str:
        """Wait for ffmpeg to finish; return what it logged (errors raise ``FfmpegError``)."""
        log = self._process.close()
        for written, target in self._moves:
            os.replace(written, target)
        return log

    def kill(self) -> None:
        self._process.kill()
        for written, _ in self._moves:
            written.unlink(missing_ok=True)


class SpareEncoder:
    """An encoder process started before it is known what it will encode.

    A system ffmpeg spends 0.08 CPU-s loading its 215 libraries before it reads an option, and
    a rebuild's edited part waited for that. This one starts with the build, its input (our
    PCM on stdin) and outputs (a part and its tap, as ``tapped_args`` names them, at temporary
    names in ``folder``) fixed, and waits for its filtergraph on a pipe it reads as a file
    (``ffmpeg.graph_from_file``). The first ``Encoder`` with a tap at its bitrate takes it
    (``take``) and moves its outputs to its own names. ``close`` ends one nobody took; if
    this process dies first, the pipe and stdin close and it exits without writing.
    """

    def __init__(self, folder: Path, bitrate_kbps: int, option: str) -> None:
        fmt = formats.default()
        self.bitrate_kbps = bitrate_kbps
        self.out = temporary(folder / "spare", f".tmp{fmt.suffix}")
        self.tap = temporary(folder / "spare", ".tmp.f32")
        self._lock = threading.Lock()
        self._taken = False
        read, self._graph = os.pipe()
        try:
            _, outputs = tapped_args(0, self.out, self.tap, bitrate_kbps, (), fmt)
            self._process = ffmpeg.Process(
                ["-y", *pcm.FFMPEG_INPUT, "-i", "pipe:0", option, f"/dev/fd/{read}", *outputs],
                doing=f"write in {_cache_folder(self.out)}",
                hint=_WRITE_HINT,
                feed=True,
                pass_fds=(read,),
            )
        except BaseException:
            os.close(self._graph)
            self._remove()
            raise
        finally:
            os.close(read)

    @classmethod
    def start(cls, folder: Path, bitrate_kbps: int) -> SpareEncoder | None:
        """One for parts encoded at ``bitrate_kbps`` into ``folder``'s entries (None where an
        ffmpeg cannot read its graph from a pipe: a git build, or not a POSIX system)."""
        option = ffmpeg.graph_from_file()
        if option is None or os.name != "posix":
            return None
        cache.remove_stale_temporaries(folder)  # a killed build's spare files
        return cls(folder, bitrate_kbps, option)

    @property
    def pid(self) -> int:
        """Its process id (taken or not)."""
        return self._process.pid

    def take(
        self, bitrate_kbps: int, filters: Sequence[str], fmt: OutputFormat
    ) -> ffmpeg.Process | None:
        """The process, given ``filters`` and encoding from now on, for the first caller it
        can encode for (the default format at its bitrate); None for any other."""
        if fmt is not formats.default() or bitrate_kbps != self.bitrate_kbps:
            return None
        with self._lock:
            if self._taken:
                return None
            self._taken = True
        graph, _ = tapped_args(0, self.out, self.tap, bitrate_kbps, filters, fmt)
        try:  # a few hundred bytes: within the pipe's buffer, written at once
            os.write(self._graph, graph.encode("utf-8"))
        except OSError:
            pass  # it has stopped: writing its input says why
        finally:
            os.close(self._graph)
        return self._process

    def close(self) -> None:
        """End it if nobody took it (the encoder that did has moved or removed its files)."""
        with self._lock:
            taken, self._taken = self._taken, True
        if not taken:
            os.close(self._graph)
            self._process.kill()
            self._remove()

    def _remove(self) -> None:
        for path in (self.out, self.tap):
            path.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# parts: planned from the script, encoded separately, joined losslessly


@dataclass(frozen=True)
class Part:
    """A run of chunks of one chapter, encoded as one stream, with the pause after each chunk.

    (Not the show's produced audio: that is ``structure.ProducedAudio``.)
    """

    chapter_index: int  # the chapter of its first chunk (a part may run into the next)
    first_chunk: int  # index of its first chunk in ``script.chunks()``
    chunks: tuple[Chunk, ...]
    pauses_ms: tuple[int, ...]

    @property
    def span(self) -> slice:
        """Where its chunks sit in the episode's list of chunks."""
        return slice(self.first_chunk, self.first_chunk + len(self.chunks))


@dataclass(frozen=True)
class EncodedPart:
    """A part on disk: its frames, and where each chunk's speech sits inside it."""

    path: Path
    stream: EncodedStream
    speech: tuple[tuple[int, int], ...]  # (start, end) of each chunk, in 22.05 kHz samples
    output_format: OutputFormat = dataclasses.field(
        default_factory=formats.default, repr=False, compare=False
    )

    @property
    def frames_samples(self) -> int:
        """Samples the part occupies in the joined file (whole frames, delay and padding)."""
        return self.stream.audio_frames * self.output_format.samples_per_frame

    @property
    def content_samples(self) -> int:
        """Samples of our PCM in it, at the format's rate."""
        return self.frames_samples - self.stream.delay - self.stream.padding


def plan_parts(
    script: Script, voices: dict[str, Voice], min_words: int | None = None
) -> list[Part]:
    """Cut the script into parts: a part ends at the end of the first sentence (or paragraph,
    or chapter) that brings it to ``min_words`` words, or at the script's end; a last part
    shorter than a third of that (an outro) joins the one before it.

    Cuts fall only where the text already pauses (at least ``PART_CUT_MIN_PAUSE_MS``), and
    depend only on the words since the last cut, so an edit moves at most the cut right after
    it: later parts keep their content and their cache entries. Parts run across chapters (a
    chapter mark is placed from its first chunk, wherever that is): a short chapter (an intro)
    is no part of its own, since each part is a stream with its own encoder delay and padding.
    """
    min_words = PART_MIN_WORDS if min_words is None else min_words
    items = [(index, chunk) for index, ch in enumerate(script.chapters) for chunk in ch.chunks]
    runs: list[list[tuple[int, Chunk]]] = []
    run: list[tuple[int, Chunk]] = []
    words = 0
    for position, (chapter_index, chunk) in enumerate(items):
        run.append((chapter_index, chunk))
        words += len(chunk.spoken.split())
        last = position == len(items) - 1
        pause_ms = voices[chunk.voice].pause_ms(chunk.pause_after)
        cut = chunk.pause_after in _PART_CUTS and pause_ms >= PART_CUT_MIN_PAUSE_MS
        if last or (cut and words >= min_words):
            runs.append(run)
            run, words = [], 0
    if len(runs) > 1 and sum(len(c.spoken.split()) for _, c in runs[-1]) < min_words // 3:
        runs[-2:] = [runs[-2] + runs[-1]]
    parts: list[Part] = []
    index = 0
    for each in runs:
        chunks = tuple(chunk for _, chunk in each)
        pauses = tuple(voices[c.voice].pause_ms(c.pause_after) for c in chunks)
        parts.append(Part(each[0][0], index, chunks, pauses))
        index += len(chunks)
    return parts


def part_key(part: Part, chunk_keys: Sequence[str], bitrate_kbps: int, filters: Sequence[str],
             version: str) -> str:  # fmt: skip
    """Content address of an encoded part: its chunks' audio, pauses, trimming and encoder."""
    payload = json.dumps(
        {
            "chunks": list(chunk_keys),
            "pauses_ms": list(part.pauses_ms),
            "trim": [SILENCE_THRESHOLD_DBFS, TRIM_MARGIN_MS],
            "bitrate_kbps": bitrate_kbps,
            "filters": list(filters),
            "encoder": version,
            "entry": ENTRY_FORMAT,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _pack(meta: dict[str, Any], encoded: bytes) -> bytes:
    blob = json.dumps(meta).encode("utf-8")
    return _PART_MAGIC + struct.pack(">I", len(blob)) + blob + encoded


def load_part(path: Path, output_format: OutputFormat | None = None) -> EncodedPart | None:
    """A part written by ``encode_part``, its seal checked (``cache.read_entry``); None if
    absent or damaged (a damaged part is reported and deleted: encode it again)."""
    fmt = output_format or formats.default()
    data = cache.read_entry(path)
    if data is None:
        return None
    try:
        if not data.startswith(_PART_MAGIC):
            raise FormatError("not a part file")
        size = struct.unpack(">I", data[len(_PART_MAGIC) : len(_PART_MAGIC) + 4])[0]
        start = len(_PART_MAGIC) + 4
        meta = json.loads(data[start : start + size])
        stream = fmt.scan(data[start + size :], base=start + size, sealed=True)
        speech = tuple((int(a), int(b)) for a, b in meta["speech"])
    except (FormatError, ValueError, KeyError, TypeError, struct.error):
        # sealed, yet not a part of this format: written by another version; encode it again
        cache.report_damaged(path)
        path.unlink(missing_ok=True)
        return None
    return EncodedPart(path, stream, speech, output_format=fmt)


def encode_part(
    part: Part,
    wav_paths: Sequence[Path],
    out_path: Path,
    bitrate_kbps: int = DEFAULT_BITRATE_KBPS,
    filters: Sequence[str] = (),
    output_format: OutputFormat | None = None,
    tap: Path | None = None,
    rendered: Sequence[Waitable | None] = (),
    spare: SpareEncoder | None = None,
) -> EncodedPart:
    """Encode ``part`` (its chunks' WAVs, trimmed, with its pauses) into ``out_path``; with
    ``tap``, also write the PCM the encoder is given there (``tapped_args``).

    The chunks are streamed into the encoder one by one, each once it is ``rendered`` (see
    ``part_audio``): the encoder starts first (a system ffmpeg takes 0.08 s to start; with a
    tap, the ``spare`` started ahead, if it is still there to take). The
    file holds a small header (where each chunk's speech is) and the encoded stream; it is
    written to a temporary name and moved into place, so concurrent builds are safe.
    """
    fmt = output_format or formats.default()
    tmp = temporary(out_path, f".tmp{fmt.suffix}")
    try:
        encoder = Encoder(tmp, bitrate_kbps, filters, fmt, tap, spare)
        layout = _Layout()
        try:
            for piece in part_audio(part, wav_paths, layout, rendered):
                encoder.write(piece)
            encoder.close()
        except BaseException:
            encoder.kill()
            raise
        return _publish(tmp, out_path, layout, fmt)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def encode_parts(
    parts: Sequence[Part],
    wav_paths: Sequence[Sequence[Path]],
    out_paths: Sequence[Path],
    bitrate_kbps: int = DEFAULT_BITRATE_KBPS,
    filters: Sequence[str] = (),
    output_format: OutputFormat | None = None,
    taps: Sequence[Path] | None = None,
    rendered: Sequence[Sequence[Waitable | None]] = (),
    spare: SpareEncoder | None = None,
) -> list[EncodedPart]:
    """Encode several parts (each with its chunks' WAVs, into its own ``out_paths`` entry) with
    one encoder process: one input and one output stream per part, each encoded on its own
    as ``encode_part`` would (the same filters and encoder settings, a stream of its own; with
    ``taps``, each tapped into its own, as ``encode_part``'s ``tap``). One part alone is
    ``encode_part``'s (which may take the ``spare``).

    A system ffmpeg of 215 shared libraries costs 0.08-0.13 CPU-s to start: small parts (what a
    rebuild after an edit encodes again) need not cost a cold build one process each. Every
    part's PCM is written to a temporary file beside its entry first (each chunk once it is
    ``rendered``, as ``part_audio`` reads them), and ffmpeg reads several inputs in turn.
    """
    if len(parts) == 1:
        return [encode_part(parts[0], wav_paths[0], out_paths[0], bitrate_kbps, filters,
                            output_format, taps[0] if taps else None,
                            rendered[0] if rendered else (), spare)]  # fmt: skip
    fmt = output_format or formats.default()
    sources: list[Path] = []
    targets: list[Path] = []
    layouts: list[_Layout] = []
    try:
        for number, (part, wavs, out_path) in enumerate(
            zip(parts, wav_paths, out_paths, strict=True)
        ):
            sources.append(temporary(out_path, ".tmp.pcm"))
            targets.append(temporary(out_path, f".tmp{fmt.suffix}"))
            layouts.append(_Layout())
            try:
                with sources[-1].open("wb") as fh:
                    ready = rendered[number] if rendered else ()
                    for piece in part_audio(part, wavs, layouts[-1], ready):
                        fh.write(piece)
            except OSError as exc:
                raise OutputError(
                    f"cannot write in {_cache_folder(out_path)} ({exc.strerror or exc}); "
                    f"{_WRITE_HINT}"
                ) from exc
        inputs = [[*pcm.FFMPEG_INPUT, "-i", str(source)] for source in sources]
        args = _streams_args(inputs, targets, taps, bitrate_kbps, filters, fmt)
        ffmpeg.run(args, doing=f"write in {_cache_folder(out_paths[0])}", hint=_WRITE_HINT)
        return [
            _publish(target, out_path, layout, fmt)
            for target, out_path, layout in zip(targets, out_paths, layouts, strict=True)
        ]
    finally:
        for path in (*sources, *targets):
            path.unlink(missing_ok=True)


def temporary(beside: Path, suffix: str) -> Path:
    """A new empty file beside ``beside`` (hidden, ``.tmp`` in its name: a killed build's are
    swept by ``cache.remove_stale_temporaries``)."""
    beside.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{beside.stem}.", suffix=suffix, dir=beside.parent)
    os.close(fd)
    return Path(name)


@dataclass
class _Layout:
    """Where each chunk's speech sits in a part's PCM, and the PCM's length (in samples)."""

    speech: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    samples: int = 0


def part_audio(
    part: Part,
    wav_paths: Sequence[Path],
    layout: _Layout | None = None,
    rendered: Sequence[Waitable | None] = (),
) -> Iterator[bytes]:
    """The part's PCM in pieces, as it is encoded: each chunk's trimmed speech, then its pause;
    ``layout`` follows what was read. ``rendered``: each WAV's rendering (None: there already),
    waited for just before the WAV is read."""
    layout = layout if layout is not None else _Layout()
    for number, (wav, pause_ms) in enumerate(zip(wav_paths, part.pauses_ms, strict=True)):
        if number < len(rendered) and (waitable := rendered[number]) is not None:
            waitable.result()
        audio = load_speech(wav)
        length = len(audio) // SAMPLE_WIDTH
        layout.speech.append((layout.samples, layout.samples + length))
        pause = pcm.silence(pause_ms)
        yield audio
        yield pause
        layout.samples += length + len(pause) // SAMPLE_WIDTH


def _publish(tmp: Path, out_path: Path, layout: _Layout, fmt: OutputFormat) -> EncodedPart:
    """The encoder's output ``tmp`` for ``out_path`` packed with ``layout``, sealed and moved
    into place (``cache.put``); another build's entry already there wins."""
    encoded = tmp.read_bytes()
    packed = _pack({"speech": layout.speech, "samples": layout.samples}, encoded)
    header = len(packed) - len(encoded)
    try:
        stream = fmt.scan(encoded, base=header)
    except FormatError as exc:
        raise OutputError(f"ffmpeg wrote an unexpected {fmt.name} stream ({exc})") from exc
    tmp.write_bytes(packed)
    # sealed as it is published; a damaged entry already there is replaced by ours
    if not put(tmp, out_path):  # another build encoded it first: use theirs
        theirs = load_part(out_path, fmt)
        if theirs is not None:  # the same bytes as ours
            return theirs
        cache.write_entry(out_path, packed)  # theirs went bad since: ours replaces it
    return EncodedPart(out_path, stream, tuple(layout.speech), fmt)


def part_stream(part: EncodedPart) -> bytes:
    """The part's stream as ffmpeg wrote it (MP3: the Info frame and the audio frames)."""
    with part.path.open("rb") as fh:
        fh.seek(part.stream.audio_start - len(part.stream.header))
        return fh.read(len(part.stream.header) + part.stream.audio_bytes)


def join_parts(parts: Sequence[EncodedPart], out_path: Path) -> None:
    """Write the episode's audio file: every part's frames in order, joined by their format
    (MP3: one Info header for the whole)."""
    if not parts:
        raise OutputError("nothing to encode: the script is empty")
    content = sum(p.frames_samples for p in parts[:-1]) + parts[-1].content_samples
    try:
        with out_path.open("wb") as out:
            parts[0].output_format.join([(p.path, p.stream) for p in parts], out, content)
    except FormatError as exc:
        raise OutputError(
            f"cannot join the encoded parts ({exc}); rebuild with --no-cache"
        ) from exc


def timeline(script: Script, parts: Sequence[Part], encoded: Sequence[EncodedPart]) -> Timeline:
    """The timeline of the joined file: every position counted in whole frames of its parts.

    Chapter marks sit in the middle of the pause before each chapter's first word; cues span
    each sentence's speech.
    """
    rate = encoded[0].output_format.sample_rate if encoded else pcm.EPISODE_SAMPLE_RATE

    def at_ms(start: int, speech_samples: int) -> int:  # a speech position, in the joined file
        return pcm.ms(start + round(speech_samples * rate / SAMPLE_RATE), rate)

    placements: list[Placement] = []
    start = 0  # where the current part starts in the joined file (samples at the format's rate)
    for part, enc in zip(parts, encoded, strict=True):
        for chunk, (a, b) in zip(part.chunks, enc.speech, strict=True):
            placements.append(Placement(chunk, at_ms(start, a), at_ms(start, b)))
        last_start = start
        start += enc.frames_samples
    duration_ms = pcm.ms(last_start + encoded[-1].content_samples, rate) if encoded else 0
    starts_ms = []
    first = 0  # the chapter's first chunk, counted over the whole script
    for chapter in script.chapters:
        if first == 0:
            starts_ms.append(0)
        else:
            starts_ms.append((placements[first - 1].end_ms + placements[first].start_ms) // 2)
        first += len(chapter.chunks)
    marks = tuple(
        ChapterMark(chapter.title, a, b, chapter.url, chapter.image)
        for chapter, a, b in zip(
            script.chapters, starts_ms, [*starts_ms[1:], duration_ms], strict=True
        )
    )
    return Timeline(tuple(placements), marks, tuple(cues_from(placements)), duration_ms)


def render(
    script: Script,
    spoken: Iterator[SpokenChunk],
    voices: dict[str, Voice],
    out_path: Path,
    bitrate_kbps: int = DEFAULT_BITRATE_KBPS,
    filters: Sequence[str] = (),
    part_min_words: int | None = None,
    output_format: OutputFormat | None = None,
) -> Timeline:
    """Encode the whole episode into ``out_path`` in one go (no cache); return its timeline.

    ``spoken`` yields the script's chunks in order. The pipeline uses the parts directly (in
    parallel, cached); this is the simple serial path for callers that have the WAVs.
    """
    parts = plan_parts(script, voices, part_min_words)
    encoded = []
    with tempfile.TemporaryDirectory(prefix=".parts.", dir=out_path.parent) as scratch:
        for number, part in enumerate(parts):
            items = [next(spoken) for _ in part.chunks]
            if [i.chunk for i in items] != list(part.chunks):
                raise RuntimeError("synthesis returned chunks out of order")
            wavs = [i.wav_path for i in items]
            target = Path(scratch, f"{number}.part")
            encoded.append(encode_part(part, wavs, target, bitrate_kbps, filters, output_format))
        join_parts(encoded, out_path)
    return timeline(script, parts, encoded)


def cues_from(placements: list[Placement]) -> Iterator[Cue]:
    """One cue per sentence: from its first chunk's speech to its last chunk's."""
    group: list[Placement] = []
    for placement in [*placements, None]:
        if group and (
            placement is None or placement.chunk.sentence_id != group[0].chunk.sentence_id
        ):
            yield Cue(
                group[0].start_ms,
                group[-1].end_ms,
                " ".join(p.chunk.text for p in group),
                group[0].chunk.speaker,
            )
            group = []
        if placement is not None:
            group.append(placement)
