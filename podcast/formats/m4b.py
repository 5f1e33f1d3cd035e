"""M4B: AAC in an MP4 file, with chapters and cover, for audiobook apps.

Apple Books, BookPlayer and Audiobookshelf open ``.m4b`` files as books: chapters in the
player's list, the cover, and a remembered position. The file is made from the finished MP3
(``derived``): ffmpeg's native ``aac`` encoder (in every ffmpeg build), the ``ipod`` muxer with
the ``M4B`` brand, ``moov`` first (``faststart``: a player reads chapters and duration before
the audio arrives). ffmpeg writes the chapters twice, as a QuickTime chapter track (Apple) and
a Nero ``chpl`` box (most others), and the cover as ``covr``; mutagen has no MP4 chapter
writer, so ffmpeg muxes them (from an ffmetadata file) and mutagen only reads them back.

The AAC encoder primes 1024 samples; ffmpeg's edit list skips them, and the movie header's
duration (``mvhd``) is the played one (mutagen's ``length`` counts the priming), so
``duration_ms`` reads ``mvhd``.
"""

from __future__ import annotations

import struct
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from podcast.audio import ffmpeg, pcm
from podcast.errors import OutputError
from podcast.formats import derived
from podcast.formats.protocol import OutputFormat, ReadTags, Tags
from podcast.models import ChapterMark
from podcast.version import __version__

BITRATE_KBPS = 64  # AAC-LC, mono speech: transparent at 64 kbps
AAC_CODER = "fast"  # three times faster than the default "twoloop"; no audible loss for speech
MAX_CHAPTERS = 1000
_HINT = "check the disk space and that the episode folder is writable"


class M4bFormat(derived.MadeFromAnother):
    """An audiobook file: AAC with chapters and cover."""

    name = "m4b"
    suffix = ".m4b"
    mime_type = "audio/mp4"
    sample_rate = pcm.EPISODE_SAMPLE_RATE
    samples_per_frame = 1024  # AAC-LC
    encoder_id = f"aac {AAC_CODER}"

    def available(self) -> str | None:
        return derived.missing_encoder(self.name, "aac")

    def encoder_args(self, bitrate_kbps: int) -> list[str]:
        return ["-c:a", "aac", "-aac_coder", AAC_CODER, "-b:a", f"{bitrate_kbps}k",
                *_container_args()]  # fmt: skip

    def decoder_args(self) -> list[str]:
        return ["-f", "mov"]

    def derive(self, source: Path, source_format: OutputFormat, out: Path) -> Path:
        """Encode ``source``'s decoded audio as AAC, with its tags, chapters and cover."""
        read = source_format.read_tags(source)
        decode = [*source_format.decoder_args(), "-i", str(source)]
        args = ["-map", "0:a", "-c:a", "aac", "-aac_coder", AAC_CODER,
                "-b:a", f"{BITRATE_KBPS}k"]  # fmt: skip
        self._mux(decode, args, derived.tags_of(read), read.chapters, out, "encode the M4B")
        return out

    def write_tags(self, path: Path, tags: Tags, chapters: tuple[ChapterMark, ...]) -> None:
        """Replace the file's tags, chapters and cover (its audio copied as it is)."""
        self._mux(["-f", "mov", "-i", str(path)], ["-map", "0:a", "-c:a", "copy"], tags,
                  chapters, path, "write the M4B's tags")  # fmt: skip

    def _mux(self, audio_input: list[str], audio_args: list[str], tags: Tags,
             chapters: Sequence[ChapterMark], out: Path, doing: str) -> None:  # fmt: skip
        if len(chapters) > MAX_CHAPTERS:
            raise OutputError(f"{len(chapters)} chapters; an M4B here holds {MAX_CHAPTERS}")
        with tempfile.TemporaryDirectory(prefix=".m4b.", dir=out.parent) as scratch:
            meta = Path(scratch, "meta.txt")
            meta.write_text(derived.ffmetadata(tags, chapters), encoding="utf-8")
            args = [*audio_input, "-f", "ffmetadata", "-i", str(meta)]
            cover: list[str] = []
            if tags.cover:
                picture = Path(scratch, "cover")
                picture.write_bytes(tags.cover)
                args += ["-i", str(picture)]
                cover = ["-map", "2:v", "-c:v", "copy", "-disposition:v:0", "attached_pic"]
            with derived.replacing(out) as partial:
                ffmpeg.run(
                    [*args, *audio_args, *cover, "-map_metadata", "1", "-map_chapters", "1",
                     "-metadata", f"encoder=podcast {__version__}", *_container_args(),
                     "-y", str(partial)],
                    doing=doing, hint=_HINT,
                )  # fmt: skip

    def duration_ms(self, path: Path) -> int:
        """The played duration: the movie header's (the edit list skips the AAC priming)."""
        try:
            with path.open("rb") as fh:
                return _movie_duration_ms(fh)
        except (OSError, ValueError, struct.error) as exc:
            raise OutputError(f"{path.name} is not a readable M4B ({exc})") from exc

    def read_tags(self, path: Path) -> ReadTags:
        """Tags, cover and chapters as mutagen reads them; the played duration."""
        from mutagen import MutagenError
        from mutagen.mp4 import MP4, MP4Cover

        try:
            audio = MP4(str(path))
        except (MutagenError, OSError) as exc:
            raise OutputError(f"{path.name} is not a readable M4B ({exc})") from exc
        tags: Any = audio.tags or {}

        def text(key: str) -> str:
            values = tags.get(key) or [""]
            return str(values[0])

        covers = tags.get("covr") or []
        starts = [round(c.start * 1000) for c in audio.chapters or ()]
        duration_ms = self.duration_ms(path)
        chapters = tuple(
            ChapterMark(chapter.title or "", start, end)
            for chapter, start, end in zip(
                audio.chapters or (), starts, [*starts[1:], duration_ms], strict=True
            )
        )
        info: Any = audio.info
        png = covers and covers[0].imageformat == MP4Cover.FORMAT_PNG
        return ReadTags(
            version="mp4",
            title=text("©nam"),
            artist=text("©ART"),
            album=text("©alb"),
            date=text("©day"),
            genre=text("©gen"),
            comment=text("©cmt"),
            cover_mime=("image/png" if png else "image/jpeg") if covers else "",
            cover=bytes(covers[0]) if covers else b"",
            chapters=chapters,
            toc_children=(),
            duration_ms=duration_ms,
            sample_rate=info.sample_rate,
            bitrate_kbps=round(info.bitrate / 1000),
            channels=info.channels,
            bitrate_mode="ABR",
        )


def _container_args() -> list[str]:
    return ["-movflags", "+faststart", "-brand", "M4B ", "-f", "ipod"]


def _boxes(fh: BinaryIO, start: int, end: int) -> dict[bytes, tuple[int, int]]:
    """The boxes between ``start`` and ``end``: name -> (payload start, payload end)."""
    found: dict[bytes, tuple[int, int]] = {}
    at = start
    while at + 8 <= end:
        fh.seek(at)
        size, name = struct.unpack(">I4s", fh.read(8))
        header = 8
        if size == 1:  # a 64-bit size follows
            (size,) = struct.unpack(">Q", fh.read(8))
            header = 16
        elif size == 0:  # to the end
            size = end - at
        if size < header:
            raise ValueError(f"a box of {size} bytes at {at}")
        found.setdefault(name, (at + header, at + size))
        at += size
    return found


def _movie_duration_ms(fh: BinaryIO) -> int:
    fh.seek(0, 2)
    top = _boxes(fh, 0, fh.tell())
    if b"moov" not in top:
        raise ValueError("no moov box")
    movie = _boxes(fh, *top[b"moov"])
    if b"mvhd" not in movie:
        raise ValueError("no mvhd box")
    fh.seek(movie[b"mvhd"][0])
    version = fh.read(4)[0]
    if version == 1:
        timescale, duration = struct.unpack(">16xIQ", fh.read(28))
    else:
        timescale, duration = struct.unpack(">8xII", fh.read(16))
    if not timescale:
        raise ValueError("a movie timescale of 0")
    return round(duration * 1000 / timescale)
