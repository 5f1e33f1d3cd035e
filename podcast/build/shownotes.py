"""Show notes for an episode: Markdown and HTML (the HTML is fit for a feed's description).

Both list the article's title, its source URL (only a URL: a local file name is never
published), the show, and every chapter with its start time
(``00:00``, ``03:12``, ``1:02:03`` past an hour) and its link when the article gives one.
All text from the article is escaped in the HTML.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from podcast.models import ChapterMark
from podcast.timecode import clock


@dataclass(frozen=True)
class Notes:
    title: str
    show: str
    source: str  # a URL or a file name (only a URL is shown)
    author: str = ""
    date: str = ""
    description: str = ""


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def _md_text(text: str) -> str:
    """Text safe inside Markdown: characters that would start markup are backslash-escaped."""
    out = []
    for char in text:
        if char in "\\`*_{}[]<>()#+!|":
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def markdown(notes: Notes, chapters: tuple[ChapterMark, ...]) -> str:
    lines = [f"# {_md_text(notes.title)}", ""]
    if notes.description:
        lines += [_md_text(notes.description), ""]
    byline = " · ".join(_md_text(x) for x in (notes.author, notes.date) if x)
    if byline:
        lines += [byline, ""]
    if is_url(notes.source):
        lines += [f"Source: <{notes.source}>", ""]
    lines += [f"From *{_md_text(notes.show)}*.", "", "## Chapters", ""]
    for mark in chapters:
        title = _md_text(mark.title)
        if mark.url:
            title = f"[{title}](<{mark.url}>)"
        lines.append(f"- {clock(mark.start_ms)} {title}")
    return "\n".join(lines) + "\n"


def html_fragment(notes: Notes, chapters: tuple[ChapterMark, ...]) -> str:
    """The notes as an HTML fragment (no <html>/<body>), for a feed item or a page."""
    esc = html.escape
    parts = [f"<p><strong>{esc(notes.title)}</strong></p>"]
    if notes.description:
        parts.append(f"<p>{esc(notes.description)}</p>")
    if is_url(notes.source):
        source = f'<a href="{esc(notes.source)}">{esc(notes.source)}</a>'
        parts.append(f"<p>Source: {source}</p>")
    parts.append(f"<p>From <em>{esc(notes.show)}</em>.</p>")
    parts.append("<h2>Chapters</h2>")
    parts.append("<ul>")
    for mark in chapters:
        title = esc(mark.title)
        if mark.url:
            title = f'<a href="{esc(mark.url)}">{title}</a>'
        stamp = clock(mark.start_ms)
        parts.append(
            f'<li><time datetime="PT{mark.start_ms / 1000:g}S">{stamp}</time> {title}</li>'
        )
    parts.append("</ul>")
    return "\n".join(parts) + "\n"
