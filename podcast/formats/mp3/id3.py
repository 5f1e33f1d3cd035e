"""ID3v2.3 tags and chapters on the finished MP3, and reading them back (``Mp3Format``).

mutagen lives only here. Traps handled (what players expect of ID3 chapters: docs/broadcast.md):
- tags are saved as ID3 **v2.3** (ffmpeg's v2.4 chapter frames are broken);
- one top-level, ordered CTOC lists every CHAP; TIT2 is each CHAP's first sub-frame;
- mutagen writes frames sorted by size, so CHAP frames are re-emitted in time order;
- at most 255 chapters (the CTOC entry count is one byte);
- chapter URLs go in a WXXX sub-frame after TIT2, percent-encoded to ASCII (the URL field is
  always ISO-8859-1); a chapter's picture in an APIC sub-frame after them (ID3 chapters spec);
- the date is v2.3's own TYER (year), TDAT (DDMM) and TIME (HHMM) frames: TDRC is v2.4-only and
  mutagen saves it unchanged into a v2.3 tag, where v2.3 readers (eyeD3) find no date.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDAT,
    TIME,
    TIT2,
    TPE1,
    TSSE,
    TYER,
    WXXX,
    CTOCFlags,
    ID3NoHeaderError,
    PictureType,
)
from mutagen.id3._tags import save_frame  # private: pinned mutagen<1.49 and covered by tests
from mutagen.mp3 import MP3, HeaderNotFoundError

from podcast.errors import OutputError
from podcast.formats.protocol import ReadTags, Tags
from podcast.models import ChapterMark
from podcast.version import __version__

MAX_CHAPTERS = 255
TOC_TITLE = "Table of Contents"


class ChronologicalID3(ID3):
    """ID3 that writes CHAP frames last and in time order (mutagen sorts frames by size)."""

    def _write(self, config):
        data = super()._write(config)
        chapters = sorted(self.getall("CHAP"), key=lambda c: (c.start_time, c.element_id))
        blobs = [save_frame(c, config=config) for c in chapters]
        for blob in blobs:
            at = data.find(blob)
            del data[at : at + len(blob)]
        return data + bytearray().join(blobs)


def ascii_url(url: str) -> str:
    """A URL safe for WXXX's ISO-8859-1 field: non-ASCII percent-encoded (UTF-8)."""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")


def date_frames(iso: str) -> list[Any]:
    """v2.3's TYER, TDAT and TIME for an ISO date (``2023``, ``2023-10``, ``2023-10-20``,
    ``2023-10-20T14:30``); none for an empty or unreadable one."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2}))?)?)?", iso.strip())
    if match is None:
        return []
    year, month, day, hour, minute = match.groups()
    frames: list[Any] = [TYER(encoding=3, text=[year])]
    if month and day:
        frames.append(TDAT(encoding=3, text=[f"{day}{month}"]))
    if hour and minute:
        frames.append(TIME(encoding=3, text=[f"{hour}{minute}"]))
    return frames


def write_tags(path: Path, tags: Tags, chapters: tuple[ChapterMark, ...]) -> None:
    """Replace the MP3's ID3 tag with ``tags`` and ``chapters`` (v2.3, CHAPs in time order)."""
    if len(chapters) > MAX_CHAPTERS:
        raise OutputError(f"{len(chapters)} chapters; ID3 allows at most {MAX_CHAPTERS}")
    id3 = ChronologicalID3()
    id3.add(TIT2(encoding=3, text=[tags.title]))
    id3.add(TPE1(encoding=3, text=[tags.artist]))
    id3.add(TALB(encoding=3, text=[tags.album]))
    id3.add(TCON(encoding=3, text=[tags.genre]))
    for frame in date_frames(tags.date):
        id3.add(frame)
    if tags.comment:
        id3.add(COMM(encoding=3, lang="eng", desc="", text=[tags.comment]))
    id3.add(TSSE(encoding=3, text=[f"podcast {__version__}"]))
    if tags.cover:
        id3.add(
            APIC(
                encoding=3,
                mime=tags.cover_mime,
                type=PictureType.COVER_FRONT,
                desc="Cover",
                data=tags.cover,
            )
        )
    ids = [f"chp{i}" for i in range(len(chapters))]
    if chapters:
        id3.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text=[TOC_TITLE])],
            )
        )
    for element_id, mark in zip(ids, chapters, strict=True):
        id3.add(
            CHAP(
                element_id=element_id,
                start_time=mark.start_ms,
                end_time=mark.end_ms,
                sub_frames=[
                    TIT2(encoding=3, text=[mark.title]),
                    *([WXXX(encoding=3, desc="", url=ascii_url(mark.url))] if mark.url else []),
                    *([_chapter_picture(Path(mark.image))] if mark.image else []),
                ],
            )
        )
    id3.save(str(path), v2_version=3)


def _chapter_picture(path: Path) -> APIC:
    """The chapter's picture (a checked PNG or JPEG file) as an APIC sub-frame of its CHAP."""
    mime = "image/png" if path.suffix.lower() == ".png" else "image/jpeg"
    return APIC(
        encoding=3, mime=mime, type=PictureType.OTHER, desc="Chapter", data=path.read_bytes()
    )


def _text(id3: ID3, key: str) -> str:
    frame = id3.get(key)
    return str(frame.text[0]) if frame is not None and frame.text else ""


def read_tags(path: Path) -> ReadTags:
    """Tags, cover, chapters (in time order) and stream facts of an MP3, as players see them."""
    try:
        audio = MP3(str(path))
    except (HeaderNotFoundError, OSError) as exc:
        raise OutputError(f"{path.name} is not a readable MP3 ({exc})") from exc
    try:
        id3 = ID3(str(path))
    except ID3NoHeaderError:
        id3 = ID3()
    chapters = []
    for chap in sorted(id3.getall("CHAP"), key=lambda c: c.start_time):
        title = chap.sub_frames.get("TIT2")
        links = chap.sub_frames.getall("WXXX")
        chapters.append(
            ChapterMark(
                str(title.text[0]) if title else chap.element_id,
                chap.start_time,
                chap.end_time,
                links[0].url if links else "",
            )
        )
    tocs = id3.getall("CTOC")
    pictures = id3.getall("APIC")
    comments = id3.getall("COMM")
    info: Any = audio.info
    return ReadTags(
        version=f"2.{id3.version[1]}" if id3.version else "",
        title=_text(id3, "TIT2"),
        artist=_text(id3, "TPE1"),
        album=_text(id3, "TALB"),
        date=_text(id3, "TDRC"),
        genre=_text(id3, "TCON"),
        comment=str(comments[0].text[0]) if comments and comments[0].text else "",
        cover_mime=pictures[0].mime if pictures else "",
        cover=bytes(pictures[0].data) if pictures else b"",
        chapters=tuple(chapters),
        toc_children=tuple(tocs[0].child_element_ids) if tocs else (),
        duration_ms=round(info.length * 1000),
        sample_rate=info.sample_rate,
        bitrate_kbps=round(info.bitrate / 1000),
        channels=info.channels,
        bitrate_mode=str(info.bitrate_mode).rsplit(".", 1)[-1],
    )
