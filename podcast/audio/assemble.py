"""Assembly and encoding: rendered chunks + pauses -> encoded parts -> one MP3 + its timeline.

pydub lives only here. Each chunk's WAV is trimmed of the engine's own leading and trailing
silence, then our pauses (clause < sentence < paragraph < chapter) are inserted, so the pause
structure follows the text.

The episode is encoded in *parts*: runs of whole paragraphs within one chapter (see
``plan_parts``). Each part is streamed chunk by chunk into its own ffmpeg process (memory is
bounded by one chunk; the episode is never one AudioSegment) and kept in the cache under a
hash of everything that decides its bytes, so a rebuild after an edit re-encodes only the
parts whose text changed. The parts' MP3 frames are then joined without re-encoding
(``podcast.formats.mp3.frames``) behind one Info header for the whole file. Every part starts with the
encoder's delay and ends with its padding (a few ms of silence, inside a pause); positions on
the timeline come from the parts' frame counts (1152 samples per frame at 44.1 kHz), so the
chapter marks and cues match the joined file exactly.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import re
import signal
import struct
import subprocess
import tempfile
import warnings
import wave
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

with warnings.catch_warnings():  # deprecated in 3.12; the audioop-lts wheel replaces it later
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

from podcast import toolchain
from podcast.cache import publish
from podcast.config.voices import Voice
from podcast.errors import OutputError, ToolchainError
from podcast.formats.mp3 import frames as mpeg
from podcast.models import (
    PAUSE_PARAGRAPH,
    ChapterMark,
    Chunk,
    Cue,
    Placement,
    Script,
    SpokenChunk,
    Timeline,
)

SAMPLE_RATE = 22_050
SAMPLE_WIDTH = 2
OUTPUT_SAMPLE_RATE = 44_100
DEFAULT_BITRATE_KBPS = 96
LAME_QUALITY = 7  # LAME -q 7: twice as fast as the default, no audible loss for speech
SILENCE_THRESHOLD_DBFS = -50.0
TRIM_MARGIN_MS = 15
PART_MIN_WORDS = 150  # about 1 min of speech: an edit re-encodes and re-measures little
PART_FORMAT = 1
_PART_MAGIC = b"PODPART1"


def _ms(samples: int) -> int:
    return round(samples * 1000 / SAMPLE_RATE)


def _samples(ms: int) -> int:
    return round(ms * SAMPLE_RATE / 1000)


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
        native = (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (
            SAMPLE_RATE, 1, SAMPLE_WIDTH,
        )  # fmt: skip
        pcm = wav.readframes(wav.getnframes()) if native else b""
    if not native:
        pydub = _pydub()
        segment = pydub.AudioSegment.from_wav(str(path))
        segment = segment.set_frame_rate(SAMPLE_RATE).set_channels(1)
        pcm = bytes(segment.set_sample_width(SAMPLE_WIDTH).raw_data)
    length_ms = len(pcm) // SAMPLE_WIDTH * 1000 // SAMPLE_RATE
    lead = _silent_ms(pcm, range(0, length_ms, _SILENCE_WINDOW_MS))
    trail = _silent_ms(pcm, range(length_ms - _SILENCE_WINDOW_MS, -1, -_SILENCE_WINDOW_MS))
    start_ms = max(0, lead - TRIM_MARGIN_MS)
    end_ms = min(length_ms, length_ms - trail + TRIM_MARGIN_MS)
    if end_ms <= start_ms:  # all silence: keep it as it is rather than lose the chunk
        return pcm
    return pcm[_samples(start_ms) * SAMPLE_WIDTH : _samples(end_ms) * SAMPLE_WIDTH]


_SILENCE_WINDOW_MS = 5
_SILENCE_RMS = 32768 * 10 ** (SILENCE_THRESHOLD_DBFS / 20)


def _silent_ms(pcm: bytes, windows: range) -> int:
    """How many ms of ``windows`` (5 ms steps, from one end) pass before the first sound."""
    silent = 0
    for ms in windows:
        window = pcm[_samples(ms) * SAMPLE_WIDTH : _samples(ms + _SILENCE_WINDOW_MS) * SAMPLE_WIDTH]
        if window and audioop.rms(window, SAMPLE_WIDTH) >= _SILENCE_RMS:
            break
        silent += _SILENCE_WINDOW_MS
    return silent


def _silence(ms: int) -> bytes:
    return bytes(_samples(ms) * SAMPLE_WIDTH)


def encode_args(
    out_path: Path,
    bitrate_kbps: int = DEFAULT_BITRATE_KBPS,
    filters: Sequence[str] = (),
    meter: Sequence[str] = (),
) -> list[str]:
    """The one ffmpeg command line that encodes our PCM (s16le 22.05 kHz mono on stdin).

    ``filters`` are extra ``-af`` filters (e.g. gain and a limiter) applied before encoding.
    Output: CBR MP3, 44.1 kHz mono, no ID3 tag (the tag stage writes v2.3), with the Info
    header that gives players the exact duration and the encoder delay and padding.
    ``meter`` adds a second output that measures the encoded stream (see
    ``loudness.loopback_meter``); its readings are logged at the "verbose" level, and every
    line is prefixed with its level so errors can still be told apart.
    """
    chain = [*filters, f"aresample={OUTPUT_SAMPLE_RATE}"]
    log_level = "level+verbose" if meter else "level+error"
    return [
        toolchain.find_ffmpeg().path, "-hide_banner", "-nostdin", "-nostats",
        "-loglevel", log_level, "-y",
        "-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0",
        "-af", ",".join(chain), "-ar", str(OUTPUT_SAMPLE_RATE), "-ac", "1",
        "-c:a", "libmp3lame", "-b:a", f"{bitrate_kbps}k",
        "-compression_level", str(LAME_QUALITY),
        "-id3v2_version", "0", "-write_xing", "1", "-f", "mp3", str(out_path),
        *meter,
    ]  # fmt: skip


def encoder_version() -> str:
    """What decides the encoder's bytes besides its input: part of every part's cache key."""
    ffmpeg = toolchain.find_ffmpeg()
    return f"ffmpeg {ffmpeg.version} ({ffmpeg.origin}); lame q{LAME_QUALITY}; parts v{PART_FORMAT}"


# "[out#0/mp3 @ 0x55] [fatal] " before each line ffmpeg logs with -loglevel level+...
_LOG_PREFIXES = re.compile(r"^(?:\[[^\]]*\] )+")


class Mp3Encoder:
    """An ffmpeg process that turns a stream of PCM into a CBR 44.1 kHz mono MP3."""

    def __init__(
        self,
        out_path: Path,
        bitrate_kbps: int = DEFAULT_BITRATE_KBPS,
        filters: Sequence[str] = (),
        meter: Sequence[str] = (),
    ) -> None:
        self.out_path = out_path
        # The log goes to a file: a meter logs more than a pipe holds while we feed stdin.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close() or kill()
        try:
            # Its own session: Ctrl-C reaches only us, and we stop ffmpeg (kill()) after
            # cleaning up; otherwise ffmpeg could die first and the interruption would be
            # reported as an encoding failure.
            self._proc = subprocess.Popen(
                encode_args(out_path, bitrate_kbps, filters, meter),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=self._log,
                start_new_session=True,
            )
        except OSError as exc:
            self._log.close()
            raise ToolchainError(f"cannot start ffmpeg ({exc}); run 'podcast doctor'") from exc

    def write(self, pcm: bytes) -> None:
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(pcm)
        except BrokenPipeError:
            self.close()

    def close(self) -> str:
        """Wait for ffmpeg to finish; return what it logged (errors raise OutputError)."""
        assert self._proc.stdin is not None
        if not self._proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self._proc.stdin.close()
        status = self._proc.wait()
        self._log.seek(0)
        log = self._log.read().decode("utf-8", "replace")
        self._log.close()
        if status != 0:
            killed = f"killed by {signal.Signals(-status).name}" if status < 0 else ""
            errors = " ".join(
                _LOG_PREFIXES.sub("", line).strip()
                for line in log.splitlines()
                if "[error]" in line or "[fatal]" in line or "[panic]" in line
            )
            detail = errors[:300] or killed or f"exit status {status}"
            where = self.out_path.parent  # the cache's parts/xx, or an episode's temp folder
            where = (
                where.parent if where.name.endswith(".partial") or len(where.name) == 2 else where
            )
            raise OutputError(
                f"ffmpeg could not write in {where} ({detail}); free some disk space there "
                "(or choose another --out, or another PODCAST_CACHE_DIR)"
            )
        return log

    def kill(self) -> None:
        self._proc.kill()
        self._proc.wait()
        self._log.close()


# ---------------------------------------------------------------------------------------------
# parts: planned from the script, encoded separately, joined losslessly


@dataclass(frozen=True)
class Part:
    """A run of chunks encoded as one MP3 stream, with the pause after each chunk."""

    chapter_index: int
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
    stream: mpeg.Stream
    speech: tuple[tuple[int, int], ...]  # (start, end) of each chunk, in 22.05 kHz samples
    # what the encoder's meter logged (``encode_part(meter=...)``); empty for a cached part
    meter_log: str = dataclasses.field(default="", repr=False, compare=False)

    @property
    def frames_samples(self) -> int:
        """Samples the part occupies in the joined file (whole frames, delay and padding)."""
        return self.stream.audio_frames * mpeg.SAMPLES_PER_FRAME

    @property
    def content_samples(self) -> int:
        """Samples of our PCM in it, at 44.1 kHz."""
        info = self.stream.info
        return self.frames_samples - info.delay - info.padding


def plan_parts(
    script: Script, voices: dict[str, Voice], min_words: int = PART_MIN_WORDS
) -> list[Part]:
    """Cut the script into parts: a part ends at a chapter's end, or at the end of the first
    paragraph that brings it to ``min_words`` words.

    Cuts fall only where the text already pauses, and depend only on the words since the last
    cut, so an edit moves at most the cut right after it: later parts keep their content and
    their cache entries.
    """
    parts: list[Part] = []
    index = 0
    for chapter_index, chapter in enumerate(script.chapters):
        run: list[Chunk] = []
        words = 0
        for position, chunk in enumerate(chapter.chunks):
            run.append(chunk)
            words += len(chunk.spoken.split())
            last = position == len(chapter.chunks) - 1
            if last or (chunk.pause_after == PAUSE_PARAGRAPH and words >= min_words):
                pauses = tuple(voices[c.voice].pause_ms(c.pause_after) for c in run)
                parts.append(Part(chapter_index, index, tuple(run), pauses))
                index += len(run)
                run, words = [], 0
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
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _pack(meta: dict[str, Any], mp3: bytes) -> bytes:
    blob = json.dumps(meta).encode("utf-8")
    return _PART_MAGIC + struct.pack(">I", len(blob)) + blob + mp3


def load_part(path: Path) -> EncodedPart | None:
    """A part written by ``encode_part``, checked frame by frame; None if absent or damaged."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        if not data.startswith(_PART_MAGIC):
            raise mpeg.MpegError("not a part file")
        size = struct.unpack(">I", data[len(_PART_MAGIC) : len(_PART_MAGIC) + 4])[0]
        start = len(_PART_MAGIC) + 4
        meta = json.loads(data[start : start + size])
        stream = mpeg.scan(data[start + size :], base=start + size)
        speech = tuple((int(a), int(b)) for a, b in meta["speech"])
    except (mpeg.MpegError, ValueError, KeyError, TypeError, struct.error):
        return None
    return EncodedPart(path, stream, speech)


def encode_part(
    part: Part,
    wav_paths: Sequence[Path],
    out_path: Path,
    bitrate_kbps: int = DEFAULT_BITRATE_KBPS,
    filters: Sequence[str] = (),
    meter: Sequence[str] = (),
) -> EncodedPart:
    """Encode ``part`` (its chunks' WAVs, trimmed, with its pauses) into ``out_path``.

    The file holds a small header (where each chunk's speech is) and the MP3 stream; it is
    written to a temporary name and moved into place, so concurrent builds are safe.
    ``meter``: extra ffmpeg outputs that measure the encoded stream (``EncodedPart.meter_log``).
    """
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{out_path.stem}.", suffix=".tmp.mp3", dir=out_path.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        encoder = Mp3Encoder(tmp, bitrate_kbps, filters, meter)
        speech: list[tuple[int, int]] = []
        position = 0
        try:
            for wav, pause_ms in zip(wav_paths, part.pauses_ms, strict=True):
                pcm = load_speech(wav)
                length = len(pcm) // SAMPLE_WIDTH
                speech.append((position, position + length))
                pause = _silence(pause_ms)
                encoder.write(pcm)
                encoder.write(pause)
                position += length + len(pause) // SAMPLE_WIDTH
            log = encoder.close()
        except BaseException:
            encoder.kill()
            raise
        mp3 = tmp.read_bytes()
        packed = _pack({"speech": speech, "samples": position}, mp3)
        header = len(packed) - len(mp3)
        try:
            stream = mpeg.scan(mp3, base=header)
        except mpeg.MpegError as exc:
            raise OutputError(f"ffmpeg wrote an unexpected MP3 stream ({exc})") from exc
        tmp.write_bytes(packed)
        if not publish(tmp, out_path):  # another build encoded it first: use theirs
            theirs = load_part(out_path)
            if theirs is not None:  # the same bytes as ours: our meter read them too
                return dataclasses.replace(theirs, meter_log=log)
            tmp.write_bytes(packed)  # theirs is damaged: replace it with ours
            os.replace(tmp, out_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return EncodedPart(out_path, stream, tuple(speech), log)


def part_mp3(part: EncodedPart) -> bytes:
    """The part's MP3 stream as ffmpeg wrote it (Info frame and audio frames)."""
    with part.path.open("rb") as fh:
        fh.seek(part.stream.audio_start - len(part.stream.info_frame))
        return fh.read(len(part.stream.info_frame) + part.stream.audio_bytes)


def join_parts(parts: Sequence[EncodedPart], out_path: Path) -> None:
    """Write the episode's MP3: every part's frames in order, one Info header for the whole."""
    if not parts:
        raise OutputError("nothing to encode: the script is empty")
    content = sum(p.frames_samples for p in parts[:-1]) + parts[-1].content_samples
    try:
        with out_path.open("wb") as out:
            mpeg.join(((p.path, p.stream) for p in parts), out, content)
    except mpeg.MpegError as exc:
        raise OutputError(
            f"cannot join the encoded parts ({exc}); rebuild with --no-cache"
        ) from exc


def mp3_duration_ms(path: Path) -> int:
    """Duration of an untagged MP3 we joined, as players with gapless support compute it:
    frames in its Info header times 1152, less the encoder delay and padding."""
    with path.open("rb") as fh:
        first = fh.read(4096)
    try:
        info = mpeg.read_info(first[: mpeg.frame_size(struct.unpack(">I", first[:4])[0])])
    except (mpeg.MpegError, struct.error) as exc:
        raise OutputError(f"{path.name} is not a readable MP3 ({exc})") from exc
    samples = info.frames * mpeg.SAMPLES_PER_FRAME - info.delay - info.padding
    return _ms44(samples)


def _ms44(samples: int) -> int:
    return round(samples * 1000 / OUTPUT_SAMPLE_RATE)


def timeline(script: Script, parts: Sequence[Part], encoded: Sequence[EncodedPart]) -> Timeline:
    """The timeline of the joined file: every position counted in whole frames of its parts.

    Chapter marks sit in the middle of the pause before each chapter's first word; cues span
    each sentence's speech.
    """
    ratio = OUTPUT_SAMPLE_RATE // SAMPLE_RATE
    placements: list[Placement] = []
    first_chunk_of_chapter: dict[int, int] = {}
    start = 0  # where the current part starts in the joined file (44.1 kHz samples)
    for part, enc in zip(parts, encoded, strict=True):
        first_chunk_of_chapter.setdefault(part.chapter_index, len(placements))
        for chunk, (a, b) in zip(part.chunks, enc.speech, strict=True):
            placements.append(Placement(chunk, _ms44(start + ratio * a), _ms44(start + ratio * b)))
        last_start = start
        start += enc.frames_samples
    duration_ms = _ms44(last_start + encoded[-1].content_samples) if encoded else 0
    starts_ms = []
    for chapter_index in range(len(script.chapters)):
        first = first_chunk_of_chapter[chapter_index]
        if first == 0:
            starts_ms.append(0)
        else:
            starts_ms.append((placements[first - 1].end_ms + placements[first].start_ms) // 2)
    marks = tuple(
        ChapterMark(chapter.title, a, b, chapter.url)
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
    part_min_words: int = PART_MIN_WORDS,
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
            encoded.append(encode_part(part, wavs, target, bitrate_kbps, filters))
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
