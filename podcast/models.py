"""The immutable values that flow between pipeline stages.

ingest -> Article -> clean -> Article (+ Removal list) -> segment/normalize -> Script
-> synthesize -> SpokenChunk stream -> assemble -> Timeline + MP3 -> tag -> Episode.

Times are integer milliseconds, always with ``_ms`` in the name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# Block kinds produced by ingest.
HEADING = "heading"
PARAGRAPH = "paragraph"

# Pause kinds, from shortest to longest; the voice config maps each to milliseconds.
PAUSE_CLAUSE = "clause"
PAUSE_SENTENCE = "sentence"
PAUSE_PARAGRAPH = "paragraph"
PAUSE_CHAPTER = "chapter"
PAUSE_END = "end"


@dataclass(frozen=True)
class Block:
    """One structural piece of an article: a heading (``level`` 1-6) or a paragraph."""

    kind: str
    text: str
    level: int = 0
    url: str = ""  # a heading's link, if it has one (becomes the chapter's URL)
    image: str = ""  # a picture the article shows here (a local file's name, as written)


@dataclass(frozen=True)
class Removal:
    """Something cleaning dropped, and why, so nothing disappears silently."""

    text: str
    reason: str


@dataclass(frozen=True)
class Article:
    """An article as read from its source, before narration decisions."""

    title: str
    blocks: tuple[Block, ...]
    source: str
    author: str = ""
    date: str = ""
    language: str = "en"
    url: str = ""
    removed: tuple[Removal, ...] = ()
    # what the article says about its place in a feed (front matter): episode, season,
    # episode_type, license; (key, value) pairs, checked by the reader
    feed: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Chunk:
    """One unit handed to the speech engine.

    ``text`` is the article's own words for this chunk, ``spoken`` exactly what the engine is
    given. ``sentence_id`` groups the chunks of one sentence (a long sentence may be split at
    clause boundaries) so transcripts can have one cue per sentence. ``pause_after`` names the
    pause that follows (see the PAUSE_* constants). ``audio`` names a produced part (a jingle,
    a sting, an intro over music; see podcast/structure.py) that is played instead of speaking
    ``spoken``; such chunks are not given to the speech engine.
    """

    text: str
    spoken: str
    voice: str
    sentence_id: int
    pause_after: str = PAUSE_SENTENCE
    speaker: str = ""
    audio: str = ""
    language: str = ""  # what ``spoken`` is in, when not the script's (the show's own lines)


@dataclass(frozen=True)
class Chapter:
    """``url``: a link the article gives for this chapter (ID3 WXXX, chapters.json, notes);
    ``image``: the picture the article shows in this section (a block's ``image``)."""

    title: str
    chunks: tuple[Chunk, ...]
    url: str = ""
    image: str = ""


@dataclass(frozen=True)
class Script:
    """What the episode will say, chapter by chapter, in order."""

    title: str
    slug: str
    source: str
    chapters: tuple[Chapter, ...]
    removed: tuple[Removal, ...] = ()
    author: str = ""
    date: str = ""
    language: str = "en"
    url: str = ""
    feed: tuple[tuple[str, str], ...] = ()  # Article.feed

    def chunks(self) -> list[Chunk]:
        return [chunk for chapter in self.chapters for chunk in chapter.chunks]


@dataclass(frozen=True)
class SpokenChunk:
    """A chunk after synthesis: where its audio is (a WAV file)."""

    chunk: Chunk
    wav_path: Path


@dataclass(frozen=True)
class Placement:
    """Where one chunk's speech sits on the episode timeline."""

    chunk: Chunk
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class ChapterMark:
    """``image``: the chapter's picture (a checked PNG/JPEG file; ID3 APIC in its CHAP frame,
    ``img`` in chapters.json), "" for none."""

    title: str
    start_ms: int
    end_ms: int
    url: str = ""
    image: str = ""


@dataclass(frozen=True)
class Cue:
    """One transcript cue: a sentence of the article, timed from the rendered audio."""

    start_ms: int
    end_ms: int
    text: str
    speaker: str = ""


@dataclass(frozen=True)
class Timeline:
    """The single plan that the audio, the chapter marks and the transcript all come from."""

    placements: tuple[Placement, ...]
    chapters: tuple[ChapterMark, ...]
    cues: tuple[Cue, ...]
    duration_ms: int


@dataclass(frozen=True)
class OutputFile:
    name: str
    size_bytes: int


@dataclass(frozen=True)
class Episode:
    """A built episode on disk."""

    slug: str
    title: str
    directory: Path
    audio_name: str
    duration_ms: int
    chapters: tuple[ChapterMark, ...]
    files: tuple[OutputFile, ...] = field(default=())
