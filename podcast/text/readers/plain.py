"""Plain text: the first paragraph is the title; Project Gutenberg books are read as books.

Hard-wrapped text has its lines joined; ``CHAPTER I.``-style headings become chapters; a table of
contents, ``[Illustration]`` marks, a section label above the headline and a dateline are listed
as removed.
"""

from __future__ import annotations

import re
from pathlib import Path

from podcast.errors import InputError
from podcast.models import HEADING, PARAGRAPH, Article, Block, Removal
from podcast.text.readers.decode import STDIN_NAME, decode
from podcast.text.readers.registry import NOT_MINE

# A first paragraph longer than this is body text, not a title (e.g. a whole article pasted
# as one line); the title then comes from the file name.
MAX_TITLE_CHARS = 200


def sniff(head: bytes) -> int:
    """Never claimed by its looks: any text is plain text. Plain text is the reader of ``.txt``
    files and the fallback for sources no other reader claims."""
    return NOT_MINE


def read(data: bytes, name: str) -> Article:
    return parse_text(decode(data, name), name)


def _paragraphs(text: str) -> list[str]:
    """Split plain text into paragraphs.

    Text with blank lines between paragraphs is hard-wrapped: its lines are joined. Text with
    no blank lines has one paragraph per line (as pasted from a web page).
    """
    lines = text.split("\n")
    has_blank_separators = any(not line.strip() for line in lines[1:-1])
    if not has_blank_separators:
        return [line.strip() for line in lines if line.strip()]
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


# "CHAPTER IV.", "Chapter 4", "I. A SCANDAL IN BOHEMIA", "BOOK II", "PART ONE".
_TEXT_HEADING = re.compile(
    r"^(?:(?:chapter|book|part|section)\s+(?:[ivxlcdm]+|\d+|[a-z]+)\b\.?(?:\s+.{1,80})?"
    r"|[IVXLCDM]+\.\s+[A-Z][A-Z’' ,.!?-]{2,78})$",
    re.IGNORECASE,
)
_DATELINE = re.compile(
    r"^(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}"
    r"|\d{4}-\d{2}-\d{2})$",
    re.IGNORECASE,
)
_GUTENBERG_START = re.compile(r"^\*{3} ?START OF (THE|THIS) PROJECT GUTENBERG.*$", re.MULTILINE)
_GUTENBERG_END = re.compile(r"^\*{3} ?END OF (THE|THIS) PROJECT GUTENBERG", re.MULTILINE)
_CONTENTS = re.compile(r"^(table of )?contents\.?$", re.IGNORECASE)
_ILLUSTRATION = re.compile(r"\[(?:illustration|picture|image)[^\]]*\]", re.IGNORECASE)


def _blocks(text: str) -> list[list[str]]:
    """Blank-line separated groups of stripped lines."""
    groups: list[list[str]] = [[]]
    for line in text.split("\n"):
        if line.strip():
            groups[-1].append(line.strip())
        elif groups[-1]:
            groups.append([])
    return [piece for g in groups if g for piece in _unwrap(g)]


def _unwrap(lines: list[str]) -> list[list[str]]:
    """Split a group where a line ends well short of the wrapping width: there the writer
    broke the line on purpose (a headline, a dateline), it was not wrapped."""
    if len(lines) < 2:
        return [lines]
    width = max(len(line) for line in lines)
    pieces: list[list[str]] = [[]]
    for index, line in enumerate(lines):
        pieces[-1].append(line)
        last = index == len(lines) - 1
        if not last and len(line) < 0.6 * width and width > 60:
            pieces.append([])
    return [p for p in pieces if p]


def _is_heading(line: str) -> bool:
    return bool(_TEXT_HEADING.match(line.strip())) and len(line.split()) <= 14


def parse_text(text: str, name: str) -> Article:
    """Plain text: the first paragraph is the title, the rest are paragraphs.

    Hard-wrapped text (paragraphs separated by blank lines) has its lines joined. Headings such
    as ``CHAPTER I.`` (with the title on the next line) or ``I. A SCANDAL IN BOHEMIA`` become
    chapters; a table of contents (a ``Contents`` block listing headings) is not read, nor are
    ``[Illustration]`` marks; ``_italics_`` lose their underscores.
    """
    removed: list[Removal] = []
    start = _GUTENBERG_START.search(text)
    if start:
        removed.append(Removal(text[: start.end()].strip()[:300], "Project Gutenberg header"))
        text = text[start.end() :]
    end = _GUTENBERG_END.search(text)
    if end:
        removed.append(Removal(text[end.start() :].strip()[:300], "Project Gutenberg licence"))
        text = text[: end.start()]
    for match in _ILLUSTRATION.finditer(text):
        removed.append(Removal(match.group(0), "illustration mark"))
    text = _ILLUSTRATION.sub("", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+(?:\n[^_\n]+)*)_(?![\w_])", r"\1", text)
    lines = text.split("\n")
    has_blank_separators = any(not line.strip() for line in lines[1:-1])
    groups = _blocks(text) if has_blank_separators else [[ln] for ln in _paragraphs(text)]
    if not groups:
        raise InputError(f"{name}: is empty; give an article with some text")
    title = " ".join(groups[0])
    i = 1
    if len(title) > MAX_TITLE_CHARS:  # body text, not a title (an article pasted as one line)
        title, i = title_from_name(name), 0
    # A section label above the headline ("STATEMENTS & REMARKS") is not the title.
    if (
        len(groups) > 1
        and title.isupper()
        and len(title.split()) <= 5
        and len(" ".join(groups[1]).split()) <= 40
    ):
        removed.append(Removal(title, "section label"))
        title, i = " ".join(groups[1]), 2
    date = ""
    if i < len(groups) and _DATELINE.match(" ".join(groups[i])):
        date = " ".join(groups[i])
        removed.append(Removal(date, "dateline (kept as the episode date)"))
        i += 1
    blocks: list[Block] = []
    while i < len(groups):
        group = groups[i]
        if _CONTENTS.match(group[0]) or (
            len(group) >= 3 and sum(_is_heading(ln) for ln in group) >= len(group) - 1
        ):
            entries = list(group)
            if len(group) == 1 and i + 1 < len(groups):  # "Contents" alone, entries below
                i += 1
                entries += groups[i]
            removed.append(Removal(" / ".join(entries), "table of contents"))
            i += 1
            continue
        if has_blank_separators and _is_heading(group[0]):
            heading = group[0].rstrip(".")
            rest = group[1:]
            if rest and len(rest) == 1 and len(rest[0].split()) <= 12:
                heading = f"{heading}: {rest[0]}"
                rest = []
            elif (
                not rest
                and i + 1 < len(groups)
                and len(groups[i + 1]) == 1
                and len(groups[i + 1][0].split()) <= 10
                and not re.search(r"[.!?,;]$", groups[i + 1][0])
            ):
                heading = f"{heading}: {groups[i + 1][0]}"
                i += 1
            blocks.append(Block(HEADING, heading, 2))
            if rest:
                blocks.append(Block(PARAGRAPH, " ".join(rest)))
        else:
            blocks.append(Block(PARAGRAPH, " ".join(group)))
        i += 1
    return Article(
        title=title,
        blocks=tuple(blocks),
        source=name,
        date=date,
        language="",
        removed=tuple(removed),
    )


def title_from_name(name: str) -> str:
    """A title made of a file name (``my-first_post.md``: "my first post"), for an article
    that has none."""
    if name == STDIN_NAME:
        return "Untitled"
    return Path(name).stem.replace("-", " ").replace("_", " ").strip() or "Untitled"
