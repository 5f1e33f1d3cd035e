"""MP3: CBR MPEG-1 Layer III at 44.1 kHz from ffmpeg's libmp3lame, ID3v2.3 tags and chapters.

``frames`` reads and joins the MPEG frames and the encoder's Info header; ``id3`` writes and
reads the tags (mutagen lives only there, imported when tags are written or read).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, cast

from podcast.audio import pcm
from podcast.errors import OutputError
from podcast.formats.mp3 import frames
from podcast.formats.protocol import EncodedStream, ReadTags, Tags
from podcast.models import ChapterMark

_DECODE_FRAMES = 1 << 16  # samples per decoded piece (1.5 s): a long part is read in pieces
LAME_QUALITY = 7  # LAME -q 7: twice as fast as the default, no audible loss for speech


class Mp3Format:
    """The podcast default: every player plays it."""

    name = "mp3"
    suffix = ".mp3"
    mime_type = "audio/mpeg"
    sample_rate = pcm.EPISODE_SAMPLE_RATE
    samples_per_frame = frames.SAMPLES_PER_FRAME
    encoder_id = f"lame q{LAME_QUALITY}"

    def encoder_args(self, bitrate_kbps: int) -> list[str]:
        """CBR, no ID3 tag (``write_tags`` writes v2.3), and the Info header that gives players
        the exact duration and the encoder delay and padding (``frames`` joins by it)."""
        return ["-c:a", "libmp3lame", "-b:a", f"{bitrate_kbps}k",
                "-compression_level", str(LAME_QUALITY),
                "-id3v2_version", "0", "-write_xing", "1", "-f", "mp3"]  # fmt: skip

    def decoder_args(self) -> list[str]:
        return ["-f", "mp3"]

    def decode_pcm(self, stream: bytes) -> Iterator[bytes]:
        """The stream decoded in this process by miniaudio's dr_mp3, which honours the Info
        header's encoder delay and padding as players and ffmpeg do: no ffmpeg to start.

        Through miniaudio's compiled module itself: its Python wrapper imports urllib's whole
        network stack (25 MB of a process's memory) for functions a build never calls.
        """
        from _miniaudio import ffi, lib

        decoder = ffi.new("ma_decoder *")
        config = lib.ma_decoder_config_init(lib.ma_format_f32, 1, self.sample_rate)
        if lib.ma_decoder_init_memory(stream, len(stream), ffi.addressof(config), decoder):
            raise OutputError("an encoded MP3 part does not decode; run 'podcast doctor'")
        try:
            buffer = ffi.new("float[]", _DECODE_FRAMES)
            read = ffi.new("ma_uint64 *")
            while True:
                result = lib.ma_decoder_read_pcm_frames(decoder, buffer, _DECODE_FRAMES, read)
                if read[0]:
                    yield ffi.buffer(buffer, 4 * read[0])[:]
                if result != lib.MA_SUCCESS:
                    if result != lib.MA_AT_END:
                        raise OutputError(
                            f"an encoded MP3 part stops decoding (miniaudio error {result}); "
                            "run 'podcast doctor'"
                        )
                    return
        finally:
            lib.ma_decoder_uninit(decoder)

    def scan(self, data: bytes, base: int = 0, sealed: bool = False) -> frames.Stream:
        return frames.scan(data, base, every_frame=not sealed)

    def join(
        self, parts: Sequence[tuple[Path, EncodedStream]], out: BinaryIO, content_samples: int
    ) -> None:
        frames.join(cast(Sequence[tuple[Path, frames.Stream]], parts), out, content_samples)

    def duration_ms(self, path: Path) -> int:
        try:
            return frames.duration_ms(path)
        except frames.MpegError as exc:
            raise OutputError(f"{path.name} is not a readable MP3 ({exc})") from exc

    def check_complete(self, path: Path) -> None:
        """An OutputError (one line) if ``path`` holds fewer frames than its Info header
        promises (cut short); ``podcast info`` asks any format that has this check."""
        try:
            present, promised = frames.frames_present(path)
        except frames.MpegError:
            return  # no Info header (not one of ours): nothing promised to check against
        if present < promised:
            raise OutputError(f"{path}: truncated: {present} of {promised} frames; rebuild it")

    def write_tags(self, path: Path, tags: Tags, chapters: tuple[ChapterMark, ...]) -> None:
        from podcast.formats.mp3 import id3

        id3.write_tags(path, tags, chapters)

    def warm_up(self) -> None:
        from podcast.formats.mp3 import id3  # mutagen: 20 ms

        del id3

    def read_tags(self, path: Path) -> ReadTags:
        """Tags as mutagen reads them, with the duration gapless players compute (mutagen
        ignores the delay and padding ffmpeg records in the Info header)."""
        from podcast.formats.mp3 import id3

        tags = id3.read_tags(path)
        try:
            return dataclasses.replace(tags, duration_ms=frames.duration_ms(path))
        except frames.MpegError:  # no Info header (not one of ours): mutagen's reading
            return tags
