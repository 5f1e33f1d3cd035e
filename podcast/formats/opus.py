"""Opus in Ogg: the smallest file for the same speech, chapters as Vorbis comments.

Made from the finished MP3 (``derived``) by ffmpeg's ``libopus`` encoder (Opus runs at 48 kHz;
the decoded 44.1 kHz audio is resampled). Builds of ffmpeg without libopus exist: then the
format says so (``available``) and a build asking for it stops before any work.

Tags are Vorbis comments written by mutagen (TITLE, ARTIST, ALBUM, DATE, COMMENT, GENRE, the
cover as a METADATA_BLOCK_PICTURE) and chapters follow the Xiph chapter extension:
``CHAPTER001=00:00:00.000``, ``CHAPTER001NAME=Intro``, ``CHAPTER001URL=...`` (start times
only; a chapter ends where the next starts). ffmpeg, VLC and foobar2000 read them.

Ogg Opus records the encoder's pre-skip and the last sample's position, so the played duration
is exact (mutagen's ``length``).
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from podcast.audio import ffmpeg
from podcast.errors import OutputError
from podcast.formats import derived
from podcast.formats.protocol import OutputFormat, ReadTags, Tags
from podcast.models import ChapterMark
from podcast.timecode import clock
from podcast.version import __version__

BITRATE_KBPS = 48  # Opus VBR, mono speech: better than the 96 kbps MP3 it is made from
OPUS_SAMPLE_RATE = 48_000
MAX_CHAPTERS = 999  # CHAPTER001 .. CHAPTER999
_CHAPTER_KEY = re.compile(r"^CHAPTER(\d{2,3})$")
_TIME = re.compile(r"^(\d+):(\d\d):(\d\d(?:\.\d+)?)$")
_FIELDS = {"title": "TITLE", "artist": "ARTIST", "album": "ALBUM", "date": "DATE",
           "comment": "COMMENT", "genre": "GENRE"}  # fmt: skip
_HINT = "check the disk space and that the episode folder is writable"


class OpusFormat(derived.MadeFromAnother):
    """Opus in an Ogg file (``.opus``)."""

    name = "opus"
    suffix = ".opus"
    mime_type = "audio/ogg"
    sample_rate = OPUS_SAMPLE_RATE
    samples_per_frame = 960  # 20 ms, libopus's default frame
    encoder_id = "libopus"

    def available(self) -> str | None:
        return derived.missing_encoder(self.name, "libopus")

    def encoder_args(self, bitrate_kbps: int) -> list[str]:
        return ["-c:a", "libopus", "-b:a", f"{bitrate_kbps}k", "-ar", str(OPUS_SAMPLE_RATE),
                "-f", "ogg"]  # fmt: skip

    def decoder_args(self) -> list[str]:
        return ["-f", "ogg"]

    def derive(self, source: Path, source_format: OutputFormat, out: Path) -> Path:
        """Encode ``source``'s decoded audio as Opus, then write its tags and chapters."""
        read = source_format.read_tags(source)
        with derived.replacing(out) as partial:
            ffmpeg.run(
                [*source_format.decoder_args(), "-i", str(source), "-map", "0:a",
                 "-map_metadata", "-1", "-map_chapters", "-1",
                 *self.encoder_args(BITRATE_KBPS), "-y", str(partial)],
                doing="encode the Opus file", hint=_HINT,
            )  # fmt: skip
            self.write_tags(partial, derived.tags_of(read), read.chapters)
        return out

    def write_tags(self, path: Path, tags: Tags, chapters: tuple[ChapterMark, ...]) -> None:
        """Replace the file's Vorbis comments with ``tags``, the cover and ``chapters``."""
        from mutagen import MutagenError
        from mutagen.flac import Picture
        from mutagen.oggopus import OggOpus

        if len(chapters) > MAX_CHAPTERS:
            raise OutputError(f"{len(chapters)} chapters; Vorbis comments hold {MAX_CHAPTERS}")
        try:
            audio = OggOpus(str(path))
        except (MutagenError, OSError) as exc:
            raise OutputError(f"{path.name} is not a readable Opus file ({exc})") from exc
        comments: Any = audio.tags
        comments.clear()
        for field, key in _FIELDS.items():
            value = getattr(tags, field)
            if value:
                comments[key] = [value]
        comments["ENCODER"] = [f"podcast {__version__}"]
        if tags.cover:
            picture = Picture()
            picture.type = 3  # front cover
            picture.mime = tags.cover_mime
            picture.desc = "Cover"
            picture.data = tags.cover
            comments["METADATA_BLOCK_PICTURE"] = [base64.b64encode(picture.write()).decode("ascii")]
        for number, mark in enumerate(chapters, start=1):
            comments[f"CHAPTER{number:03d}"] = [clock(mark.start_ms, ".")]
            comments[f"CHAPTER{number:03d}NAME"] = [mark.title]
            if mark.url:
                comments[f"CHAPTER{number:03d}URL"] = [mark.url]
        try:
            audio.save(padding=lambda info: 0)
        except (MutagenError, OSError) as exc:
            raise OutputError(f"cannot write the tags of {path.name} ({exc}); {_HINT}") from exc

    def duration_ms(self, path: Path) -> int:
        return self._read(path).duration_ms

    def read_tags(self, path: Path) -> ReadTags:
        """Tags, cover and chapters (CHAPTERxxx comments, in time order) as mutagen reads them."""
        return self._read(path)

    def _read(self, path: Path) -> ReadTags:
        from mutagen import MutagenError
        from mutagen.flac import Picture
        from mutagen.oggopus import OggOpus

        try:
            audio = OggOpus(str(path))
        except (MutagenError, OSError) as exc:
            raise OutputError(f"{path.name} is not a readable Opus file ({exc})") from exc
        comments: dict[str, str] = {}
        pairs: list[tuple[str, str]] = list(audio.tags or ())
        for key, value in pairs:
            comments.setdefault(key.upper(), value)
        info: Any = audio.info
        duration_ms = round(info.length * 1000)
        marks = []
        for key, value in comments.items():
            number, start = _CHAPTER_KEY.match(key), _TIME.match(value)
            if number and start:
                h, m, s = start.groups()
                start_ms = round((int(h) * 3600 + int(m) * 60 + float(s)) * 1000)
                marks.append((start_ms, int(number.group(1)), number.group(0)))
        marks.sort()
        starts = [start for start, _, _ in marks]
        chapters = tuple(
            ChapterMark(comments.get(f"{key}NAME", key), start, end, comments.get(f"{key}URL", ""))
            for (start, _, key), end in zip(marks, [*starts[1:], duration_ms], strict=True)
        )
        cover, cover_mime = b"", ""
        if "METADATA_BLOCK_PICTURE" in comments:
            try:
                picture = Picture(base64.b64decode(comments["METADATA_BLOCK_PICTURE"]))
                cover, cover_mime = bytes(picture.data), picture.mime
            except (ValueError, MutagenError):
                pass
        size = path.stat().st_size
        return ReadTags(
            version="vorbis",
            title=comments.get("TITLE", ""),
            artist=comments.get("ARTIST", ""),
            album=comments.get("ALBUM", ""),
            date=comments.get("DATE", ""),
            genre=comments.get("GENRE", ""),
            comment=comments.get("COMMENT", ""),
            cover_mime=cover_mime,
            cover=cover,
            chapters=chapters,
            toc_children=(),
            duration_ms=duration_ms,
            sample_rate=OPUS_SAMPLE_RATE,
            bitrate_kbps=round(size * 8 / info.length / 1000) if info.length else 0,
            channels=info.channels,
            bitrate_mode="VBR",
        )
