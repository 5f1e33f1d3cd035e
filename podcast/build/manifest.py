"""The JSON files beside the MP3: Podcasting 2.0 chapters and the episode manifest."""

from __future__ import annotations

import json
from typing import Any

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
        entries.append(entry)
    document = {
        "version": JSON_CHAPTERS_VERSION,
        "title": title,
        "podcastName": podcast_name,
        "fileName": audio_name,
        "chapters": entries,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


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
        "date": script.date,
        "language": script.language,
        "voice": voice,
        "duration_ms": duration_ms,
        "chapters": [
            {"title": m.title, "start_ms": m.start_ms, "end_ms": m.end_ms} for m in chapters
        ],
        "files": [{"name": f.name, "size_bytes": f.size_bytes} for f in files],
        "removed": [{"text": r.text, "reason": r.reason} for r in script.removed],
        "generator": f"podcast {__version__}",
    }
    document.update(extra or {})
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
