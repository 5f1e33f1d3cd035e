"""Assembly and encoding: rendered chunks + pauses -> one timeline -> an MP3.

pydub lives only here. Each chunk's WAV is trimmed of the engine's own leading and trailing
silence, then our pauses (clause < sentence < paragraph < chapter) are inserted, so the pause
structure follows the text. The same pass computes the Timeline (chunk placements, chapter
marks, transcript cues), which is why the audio and its marks cannot disagree.

Audio is streamed chapter by chapter into one ffmpeg process (raw PCM on stdin), so memory is
bounded by one chapter, and the episode is never grown by repeated ``+``.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from podcast import toolchain
from podcast.errors import OutputError, ToolchainError
from podcast.models import (
    ChapterMark,
    Cue,
    Placement,
    Script,
    SpokenChunk,
    Timeline,
)
from podcast.voices import Voice

SAMPLE_RATE = 22_050
SAMPLE_WIDTH = 2
OUTPUT_SAMPLE_RATE = 44_100
DEFAULT_BITRATE_KBPS = 96
LAME_QUALITY = 7  # LAME -q 7: twice as fast as the default, no audible loss for speech
SILENCE_THRESHOLD_DBFS = -50.0
TRIM_MARGIN_MS = 15


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
    """A chunk's PCM (16-bit mono 22.05 kHz) without the engine's silence at either end."""
    pydub = _pydub()
    detect_leading_silence = pydub.silence.detect_leading_silence
    segment = pydub.AudioSegment.from_wav(str(path))
    if segment.frame_rate != SAMPLE_RATE or segment.channels != 1:
        segment = segment.set_frame_rate(SAMPLE_RATE).set_channels(1)
    segment = segment.set_sample_width(SAMPLE_WIDTH)
    lead = detect_leading_silence(segment, SILENCE_THRESHOLD_DBFS, chunk_size=5)
    trail = detect_leading_silence(segment.reverse(), SILENCE_THRESHOLD_DBFS, chunk_size=5)
    start = max(0, lead - TRIM_MARGIN_MS)
    end = min(len(segment), len(segment) - trail + TRIM_MARGIN_MS)
    if end <= start:  # all silence: keep it as it is rather than lose the chunk
        return bytes(segment.raw_data)
    return bytes(segment[start:end].raw_data)


def _silence(ms: int) -> bytes:
    return bytes(_samples(ms) * SAMPLE_WIDTH)


class Mp3Encoder:
    """An ffmpeg process that turns a stream of PCM into a CBR 44.1 kHz mono MP3."""

    def __init__(self, out_path: Path, bitrate_kbps: int = DEFAULT_BITRATE_KBPS) -> None:
        ffmpeg = toolchain.find_ffmpeg().path
        self.out_path = out_path
        # No ID3 tag from ffmpeg (the tag stage writes v2.3); keep the Xing/Info header so
        # players know the exact duration.
        args = [
            ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0",
            "-ar", str(OUTPUT_SAMPLE_RATE), "-ac", "1",
            "-c:a", "libmp3lame", "-b:a", f"{bitrate_kbps}k",
            "-compression_level", str(LAME_QUALITY),
            "-id3v2_version", "0", "-write_xing", "1", "-f", "mp3", str(out_path),
        ]  # fmt: skip
        try:
            # Its own session: Ctrl-C reaches only us, and we stop ffmpeg (kill()) after
            # cleaning up; otherwise ffmpeg could die first and the interruption would be
            # reported as an encoding failure.
            self._proc = subprocess.Popen(
                args,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise ToolchainError(f"cannot start ffmpeg ({exc}); run 'podcast doctor'") from exc

    def write(self, pcm: bytes) -> None:
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(pcm)
        except BrokenPipeError:
            self.close()

    def close(self) -> None:
        assert self._proc.stdin is not None
        if not self._proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self._proc.stdin.close()
        err = self._proc.stderr.read().decode("utf-8", "replace") if self._proc.stderr else ""
        status = self._proc.wait()
        if status != 0:
            killed = f"killed by {signal.Signals(-status).name}" if status < 0 else ""
            detail = err.strip()[:300] or killed or f"exit status {status}"
            raise OutputError(
                f"ffmpeg could not write {self.out_path.name} ({detail}); check the free "
                f"space in {self.out_path.parent.parent} or choose another --out"
            )

    def kill(self) -> None:
        self._proc.kill()
        self._proc.wait()


def render(
    script: Script,
    spoken: Iterator[SpokenChunk],
    voices: dict[str, Voice],
    out_path: Path,
    bitrate_kbps: int = DEFAULT_BITRATE_KBPS,
) -> Timeline:
    """Stream the episode into ``out_path`` and return the timeline it follows.

    ``spoken`` yields the script's chunks in order. Chapter marks sit in the middle of the
    pause before each chapter's first word; cues span each sentence's speech.
    """
    encoder = Mp3Encoder(out_path, bitrate_kbps)
    placements: list[Placement] = []
    chapter_starts: list[int] = []
    position = 0  # samples written so far
    pause_before = 0
    try:
        for chapter in script.chapters:
            pieces: list[bytes] = []
            for index, chunk in enumerate(chapter.chunks):
                item = next(spoken)
                if item.chunk != chunk:
                    raise RuntimeError("synthesis returned chunks out of order")
                if index == 0:
                    chapter_starts.append(0 if not placements else position - pause_before // 2)
                pcm = load_speech(item.wav_path)
                length = len(pcm) // SAMPLE_WIDTH
                placements.append(Placement(chunk, _ms(position), _ms(position + length)))
                pause = _silence(voices[chunk.voice].pause_ms(chunk.pause_after))
                pieces += [pcm, pause]
                position += length + len(pause) // SAMPLE_WIDTH
                pause_before = len(pause) // SAMPLE_WIDTH
            encoder.write(b"".join(pieces))
        encoder.close()
    except BaseException:
        encoder.kill()
        raise
    duration_ms = _ms(position)
    starts_ms = [_ms(s) for s in chapter_starts]
    marks = tuple(
        ChapterMark(chapter.title, start, end)
        for chapter, start, end in zip(
            script.chapters, starts_ms, [*starts_ms[1:], duration_ms], strict=True
        )
    )
    return Timeline(tuple(placements), marks, tuple(cues_from(placements)), duration_ms)


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
