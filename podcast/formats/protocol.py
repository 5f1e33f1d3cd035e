"""What an output format is: the ``OutputFormat`` protocol and the values it reads and writes.

See ``podcast.formats`` for the registry; ``podcast.formats.mp3`` for the built-in format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from podcast.models import ChapterMark


class FormatError(ValueError):
    """Encoded bytes are not laid out as their format expects."""


@dataclass(frozen=True)
class Tags:
    """What an episode's file says about itself (chapters are written beside these)."""

    title: str
    artist: str
    album: str
    date: str
    comment: str
    genre: str = "Podcast"
    cover: bytes = b""
    cover_mime: str = "image/png"


@dataclass(frozen=True)
class ReadTags:
    """An episode file's tags and stream facts as a player reads them back."""

    version: str  # of the tag format (ID3 "2.3"), "" when the file has none
    title: str
    artist: str
    album: str
    date: str
    genre: str
    comment: str
    cover_mime: str
    cover: bytes
    chapters: tuple[ChapterMark, ...]
    toc_children: tuple[str, ...]
    duration_ms: int
    sample_rate: int
    bitrate_kbps: int
    channels: int
    bitrate_mode: str


class EncodedStream(Protocol):
    """Where one encoded stream's audio sits in its file (see ``OutputFormat.scan``)."""

    @property
    def header(self) -> bytes:
        """What precedes the audio in a stand-alone stream (MP3: the Info frame)."""

    @property
    def audio_start(self) -> int:
        """Byte offset of the first audio byte, counted from the start of the file."""

    @property
    def audio_bytes(self) -> int: ...

    @property
    def audio_frames(self) -> int:
        """Frames of ``samples_per_frame`` samples."""

    @property
    def delay(self) -> int:
        """Samples of encoder delay at the start (not ours)."""

    @property
    def padding(self) -> int:
        """Samples of padding the encoder added after ours."""


class OutputFormat(Protocol):
    """One kind of episode file. See the module's docstring."""

    @property
    def name(self) -> str:
        """Its registry name, e.g. ``mp3``."""

    @property
    def suffix(self) -> str:
        """Its file suffix with the dot, e.g. ``.mp3``."""

    @property
    def mime_type(self) -> str:
        """For the feed's enclosure, the site's audio element and the web server."""

    @property
    def sample_rate(self) -> int:
        """The rate the encoder writes (the timeline counts in its samples)."""

    @property
    def samples_per_frame(self) -> int: ...

    @property
    def encoder_id(self) -> str:
        """What, besides ffmpeg's version, decides the encoded bytes (part of cache keys)."""

    def encoder_args(self, bitrate_kbps: int) -> list[str]:
        """ffmpeg output options that encode into this format (before the output's name)."""

    def decoder_args(self) -> list[str]:
        """ffmpeg input options that read one stream of this format from a pipe."""

    def scan(self, data: bytes, base: int = 0, sealed: bool = False) -> EncodedStream:
        """Check a stream the encoder wrote (``data``, found at ``base`` in its file);
        raises ``FormatError``. ``sealed``: bytes read back from a sealed cache entry, checked
        whole when they were written: their header is read, not every frame again."""

    def join(
        self, parts: Sequence[tuple[Path, EncodedStream]], out: BinaryIO, content_samples: int
    ) -> None:
        """Write the parts' audio one after another as one file that plays for
        ``content_samples`` samples; raises ``FormatError``."""

    def duration_ms(self, path: Path) -> int:
        """The duration players read from the file; raises ``OutputError``."""

    def write_tags(self, path: Path, tags: Tags, chapters: tuple[ChapterMark, ...]) -> None:
        """Replace the file's tags with ``tags`` and ``chapters``."""

    def warm_up(self) -> None:
        """Load what ``write_tags`` needs (a build does it while it waits for its encoders)."""

    def read_tags(self, path: Path) -> ReadTags:
        """The file's tags, chapters and stream facts; raises ``OutputError``."""
