"""Formats made from a finished episode file: ``DerivedFormat`` and what they share.

An episode is built once, as its main format (MP3: encoded part by part, joined, loudness
verified, tagged). A derived format (M4B, Opus) is then made from that finished file in one
ffmpeg run: its audio decoded (gapless: without the encoder's delay and padding, so sample 0
is the timeline's 0 ms) and encoded again, its tags and chapters read back from it. So every
format of an episode has the same timeline, chapter marks and loudness chain; a format needs
no part joining of its own.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from podcast import toolchain
from podcast.audio import ffmpeg
from podcast.formats.protocol import EncodedStream, FormatError, OutputFormat, ReadTags, Tags
from podcast.models import ChapterMark

# ffmetadata escapes these with a backslash (ffmpeg's doc/metadata.texi)
_FFMETADATA_SPECIAL = re.compile(r"([=;#\\\n])")


@runtime_checkable
class DerivedFormat(OutputFormat, Protocol):
    """An ``OutputFormat`` that can be made from another format's finished file."""

    def available(self) -> str | None:
        """None when this machine's ffmpeg can encode it, else what is missing and what to do."""

    def derive(self, source: Path, source_format: OutputFormat, out: Path) -> Path:
        """Write ``out`` from the finished, tagged ``source``: its audio, tags and chapters.
        Returns ``out``; raises ``OutputError``."""


@functools.cache
def _encoders(ffmpeg_path: str) -> frozenset[str]:
    listing = ffmpeg.read_output(
        ["-encoders"], doing="list its encoders", hint="run 'podcast doctor'", timeout_s=20
    ).decode("utf-8", "replace")
    found = re.findall(r"^\s*A[A-Z.]{5}\s+(\S+)", listing, re.M)  # " A....D aac   AAC ..."
    return frozenset(found)


def has_encoder(name: str) -> bool:
    """Whether the ffmpeg in use (``PODCAST_FFMPEG=wheel|system`` chooses) has audio encoder
    ``name`` (asked once per binary)."""
    return name in _encoders(toolchain.find_ffmpeg().path)


def missing_encoder(format_name: str, encoder: str) -> str | None:
    """None when ``encoder`` is there, else a message saying how to get it."""
    if has_encoder(encoder):
        return None
    found = toolchain.find_ffmpeg()
    other = "system" if found.origin != "system" else "wheel"
    return (
        f"{format_name} needs ffmpeg's {encoder} encoder, and this ffmpeg ({found.path}, "
        f"{found.origin}) has none; install an ffmpeg built with it, try "
        f"PODCAST_FFMPEG={other}, or leave {format_name} out of --format"
    )


def ffmetadata(tags: Tags | None, chapters: Sequence[ChapterMark]) -> str:
    """ffmpeg's metadata file: global ``tags`` (if given) and ``chapters`` in milliseconds."""

    def value(text: str) -> str:
        return _FFMETADATA_SPECIAL.sub(r"\\\1", text)

    lines = [";FFMETADATA1"]
    if tags is not None:
        fields = {"title": tags.title, "artist": tags.artist, "album": tags.album,
                  "date": tags.date, "comment": tags.comment, "genre": tags.genre}  # fmt: skip
        lines += [f"{key}={value(text)}" for key, text in fields.items() if text]
    for mark in chapters:
        lines += ["", "[CHAPTER]", "TIMEBASE=1/1000", f"START={mark.start_ms}",
                  f"END={mark.end_ms}", f"title={value(mark.title)}"]  # fmt: skip
    return "\n".join(lines) + "\n"


def tags_of(read: ReadTags) -> Tags:
    """What ``read`` says, as the ``Tags`` another format writes."""
    return Tags(
        title=read.title, artist=read.artist, album=read.album, date=read.date,
        comment=read.comment, genre=read.genre, cover=read.cover,
        cover_mime=read.cover_mime or "image/png",
    )  # fmt: skip


def not_joinable(name: str) -> FormatError:
    return FormatError(
        f"{name} parts are not joined: a {name} is made from the finished episode (derive)"
    )


@contextlib.contextmanager
def replacing(out: Path) -> Iterator[Path]:
    """A temporary name beside ``out`` that replaces it on success (never a half-written
    ``out``); removed on failure."""
    partial = out.with_name(f".{out.name}.partial{os.getpid()}")
    try:
        yield partial
        partial.replace(out)
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()


class MadeFromAnother:
    """What every derived format shares: it is made whole from a finished file, never joined
    from parts (``scan`` and ``join`` refuse)."""

    name: str

    def scan(self, data: bytes, base: int = 0, sealed: bool = False) -> EncodedStream:
        raise not_joinable(self.name)

    def warm_up(self) -> None:
        """Nothing to load: ffmpeg writes the tags."""

    def join(
        self, parts: Sequence[tuple[Path, EncodedStream]], out: BinaryIO, content_samples: int
    ) -> None:
        raise not_joinable(self.name)
