"""The JSON files beside the MP3: Podcasting 2.0 chapters and the episode manifest.

The article's date is read here (dateutil lives only in this module): any common form
("October 20, 2023", "2023-10-20", "20 Oct 2023", "Published: 2023-10-20 14:30") becomes an
ISO date (``2023-10-20``, or ``2023-10-20T14:30`` with a time; ``2023-10`` or ``2023`` when
that is all it says). The manifest keeps the article's own words (``date_text``) and says where
the date came from (``date_source``: ``article``, or ``unknown`` with ``"date": null``): the
build day is never used in its place.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from dateutil import parser as date_parser

from podcast.models import ChapterMark, OutputFile, Script
from podcast.version import __version__

JSON_CHAPTERS_VERSION = "1.2.0"


def chapters_json(title: str, podcast_name: str, audio_name: str,
                  chapters: tuple[ChapterMark, ...]) -> str:  # fmt: skip
    """Podcasting 2.0 JSON chapters (``startTime`` in seconds)."""
    entries = []
    for mark in chapters:
        entry: dict[str, Any] = {
            "startTime": mark.start_ms / 1000,
            "endTime": mark.end_ms / 1000,
            "title": mark.title,
        }
        if mark.url:
            entry["url"] = mark.url
        if mark.image:  # a file beside chapters.json (publish makes it an absolute URL)
            entry["img"] = mark.image
        entries.append(entry)
    document = {
        "version": JSON_CHAPTERS_VERSION,
        "title": title,
        "podcastName": podcast_name,
        "fileName": audio_name,
        "chapters": entries,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


_DEFAULTS = (dt.datetime(2000, 1, 1, 0, 0), dt.datetime(2001, 2, 2, 1, 1))


def episode_date(text: str) -> str | None:
    """The ISO form of an article's date in any common form; None when it holds no year."""
    text = " ".join(text.split())
    if not text or len(text) > 200:
        return None
    try:
        first, second = (
            date_parser.parse(text, default=default, fuzzy=True) for default in _DEFAULTS
        )
    except (ValueError, OverflowError):
        return None
    if first.year != second.year or not 1000 <= first.year <= 9999:
        return None  # no year in it ("October 20"): not a date an episode can carry
    if first.month != second.month:
        return f"{first.year:04d}"
    if first.day != second.day:
        return f"{first.year:04d}-{first.month:02d}"
    day = f"{first.year:04d}-{first.month:02d}-{first.day:02d}"
    if first.hour != second.hour:
        return day
    return f"{day}T{first.hour:02d}:{first.minute:02d}"


def _chapter(mark: ChapterMark) -> dict[str, Any]:
    entry: dict[str, Any] = {"title": mark.title, "start_ms": mark.start_ms, "end_ms": mark.end_ms}
    if mark.image:
        entry["img"] = mark.image  # the picture's file in the episode folder
    return entry


def episode_json(
    script: Script,
    voice: str,
    duration_ms: int,
    chapters: tuple[ChapterMark, ...],
    files: list[OutputFile],
    extra: dict[str, Any] | None = None,
) -> str:
    """The manifest: what was built from what, and what ended up on disk."""
    document: dict[str, Any] = {
        "title": script.title,
        "slug": script.slug,
        "source": script.source,
        "author": script.author,
        "date": episode_date(script.date),
        "date_text": script.date,
        "date_source": "article" if episode_date(script.date) else "unknown",
        "source_url": script.url if script.url.startswith(("http://", "https://")) else "",
        "language": script.language,
        "voice": voice,
        "duration_ms": duration_ms,
        "chapters": [_chapter(m) for m in chapters],
        "files": [{"name": f.name, "size_bytes": f.size_bytes} for f in files],
        "removed": [{"text": r.text, "reason": r.reason} for r in script.removed],
        # the article's episode, season, episode_type, license (numbers as numbers)
        **{key: int(value) if value.isdigit() else value for key, value in script.feed},
        "generator": f"podcast {__version__}",
    }
    document.update(extra or {})
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
