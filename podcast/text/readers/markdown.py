"""Markdown, read line by line with regular expressions (a real parser is a later issue).

Front matter gives the title, author, date and language; headings become chapters; list items
are paragraphs; code blocks, tables, images and template macros are not read (listed as removed).
"""

from __future__ import annotations

import re

from podcast.models import HEADING, PARAGRAPH, Article, Block, Removal
from podcast.text.readers.decode import decode, peek
from podcast.text.readers.plain import title_from_name
from podcast.text.readers.registry import LIKELY, NOT_MINE

# A source not named .md is Markdown when it opens with front matter or when its first line is
# a heading ("# Title"). Conservative on purpose: plain text may hold a "#" or a "---" elsewhere.
_FIRST_LINE_HEADING = re.compile(r"\A(?:[ \t]*\n)*#{1,6}[ \t]+\S")


def sniff(head: bytes) -> int:
    """LIKELY for text that opens with front matter or a heading; a .md name claims the rest."""
    text = peek(head).replace("\r\n", "\n")
    if _front_matter(text)[0] or _FIRST_LINE_HEADING.match(text):
        return LIKELY
    return NOT_MINE


def read(data: bytes, name: str) -> Article:
    return parse_markdown(decode(data, name), name)


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_HEADING_LINK = re.compile(r"\[[^\]]*\]\(\s*<?(https?://[^\s)>]+)")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)|\[([^\]]+)\]\[[^\]]*\]")
_MD_MACRO = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta = {}
    for line in match.group(1).split("\n"):
        key, sep, value = line.partition(":")
        if sep and not line.startswith((" ", "\t")):
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta, text[match.end() :]


def _macro(match: re.Match[str], removed: list[Removal]) -> str:
    """A template macro: the words it would display (``{{glossary("TCP slow start")}}``,
    ``{{RFC(1945)}}``), or nothing when it displays no words of its own."""
    body = match.group(0)
    quoted = re.findall(r"\"([^\"]*)\"|'([^']*)'", body)
    if quoted:
        words = [a or b for a, b in quoted][-1 if "glossary" in body.lower() else 0]
        return words.replace("_", " ")
    rfc = re.match(r"\{\{\s*rfc\s*\(\s*(\d+)", body, re.IGNORECASE)
    if rfc:
        return f"RFC {rfc.group(1)}"
    removed.append(Removal(body, "template macro"))
    return ""


def markdown_inline(text: str, removed: list[Removal]) -> str:
    """Markdown inline syntax to plain words: link text, no URLs, no emphasis marks."""
    text = _MD_MACRO.sub(lambda m: _macro(m, removed), text)
    for match in _MD_IMAGE.finditer(text):
        removed.append(Removal(match.group(0), "image"))
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(lambda m: m.group(1) or m.group(2), text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = re.sub(r"</?[a-zA-Z][^>]*>", "", text)  # inline HTML tags
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])", r"\1", text)
    text = re.sub(r"`([^`]+)`", r"\1", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def parse_markdown(text: str, name: str) -> Article:
    """Markdown: headings become heading blocks; the first level-1 heading (or the front
    matter's ``title``) is the title. Each list item is a paragraph; code blocks and tables
    are not read (listed in ``removed``); images and ``{{macros}}`` are dropped."""
    meta, text = _front_matter(text)
    title = meta.get("title", "")
    blocks: list[Block] = []
    removed: list[Removal] = []
    paragraph: list[str] = []
    fence: str | None = None
    code: list[str] = []

    def flush() -> None:
        if paragraph:
            spoken = markdown_inline(" ".join(paragraph), removed)
            if spoken:
                blocks.append(Block(PARAGRAPH, spoken))
            paragraph.clear()

    for line in text.split("\n"):
        stripped = line.strip()
        if fence is not None:
            if stripped.startswith(fence):
                removed.append(Removal("\n".join(code)[:200], "code block"))
                fence, code = None, []
            else:
                code.append(line)
            continue
        if stripped.startswith(("```", "~~~")):
            flush()
            fence = stripped[:3]
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            flush()
            level = len(heading.group(1))
            heading_text = markdown_inline(heading.group(2), removed)
            if level == 1 and not title:
                title = heading_text
            elif heading_text:
                link = _MD_HEADING_LINK.search(heading.group(2))  # the chapter's URL
                blocks.append(Block(HEADING, heading_text, level, link.group(1) if link else ""))
        elif stripped.startswith("|") and stripped.endswith("|"):
            flush()
            removed.append(Removal(stripped, "table row"))
        elif _MD_LIST.match(line):
            flush()
            paragraph.append(_MD_LIST.sub("", line).strip())
        elif stripped.startswith(">"):
            paragraph.append(stripped.lstrip("> ").strip())
        elif stripped:
            paragraph.append(stripped)
        else:
            flush()
    flush()
    if fence is not None and code:
        removed.append(Removal("\n".join(code)[:200], "code block"))
    if not title:
        title = title_from_name(name)
    return Article(
        title=title,
        blocks=tuple(blocks),
        source=name,
        author=meta.get("author", ""),
        date=meta.get("date", ""),
        language=meta.get("lang", meta.get("language", "")).lower(),
        removed=tuple(removed),
    )
