"""Read an article file (or standard input) into an Article of headings and paragraphs."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from podcast.errors import InputError
from podcast.models import HEADING, PARAGRAPH, Article, Block, Removal

MAX_INPUT_BYTES = 50 * 1024 * 1024
STDIN = "-"
# A first paragraph longer than this is body text, not a title (e.g. a whole article pasted
# as one line); the title then comes from the file name.
MAX_TITLE_CHARS = 200

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def read_source(source: str) -> tuple[str, str]:
    """Return (text, display name) for a path or ``-`` (standard input)."""
    if source == STDIN:
        return decode(sys.stdin.buffer.read(MAX_INPUT_BYTES + 1), "standard input"), "<stdin>"
    path = Path(source)
    if not path.exists():
        raise InputError(f"{source}: no such file; check the path")
    if path.is_dir():
        raise InputError(f"{source}: is a folder; give an article file (.txt, .md or .html)")
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise InputError(
            f"{source}: cannot be read ({exc.strerror}); check its permissions"
        ) from exc
    return decode(raw, source), str(path)


def decode(raw: bytes, name: str) -> str:
    """Decode article bytes: UTF-8 or a BOM-marked UTF-16; anything else is refused clearly."""
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError(
            f"{name}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB; split the article"
        )
    encoding = "utf-8"
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            raw, encoding = raw[len(bom) :], enc
            break
    if b"\x00" in raw and encoding == "utf-8":
        encoding = _utf16_without_bom(raw) or ""
        if not encoding:
            raise InputError(f"{name}: looks like a binary file, not text; give an article file")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        hint = ""
        if encoding == "utf-8" and _looks_latin1(raw):
            hint = (
                " It looks like Latin-1/Windows-1252: convert it with `iconv -f cp1252 -t utf-8`."
            )
        raise InputError(
            f"{name}: not valid {encoding.upper()} (byte {exc.start}); re-save the file as UTF-8."
            + hint
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 without a byte-order mark: mostly-ASCII text has a zero in every other byte."""
    sample = raw[:4000]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _looks_latin1(raw: bytes) -> bool:
    """High bytes that are Latin letters in Windows-1252 and no C1 control codes."""
    high = [b for b in raw if b >= 0x80]
    return bool(high) and not any(0x80 <= b <= 0x9F and b not in _CP1252_PRINTABLE for b in high)


_CP1252_PRINTABLE = frozenset(range(0x80, 0xA0)) - {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def ingest(source: str) -> Article:
    """Read ``source`` (a path or ``-``) into an Article."""
    text, name = read_source(source)
    suffix = Path(name).suffix.lower()
    if suffix in (".md", ".markdown"):
        article = parse_markdown(text, name)
    elif suffix in (".html", ".htm", ".xhtml") or (
        name == "<stdin>" and re.match(r"\s*(<!doctype html|<html)", text, re.IGNORECASE)
    ):
        from podcast.text.readers.html import parse_html

        article = parse_html(text, name)
    else:
        article = parse_text(text, name)
    if not any(block.text.strip() for block in article.blocks) and not article.title.strip():
        raise InputError(f"{name}: is empty; give an article with some text")
    return article


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
        title, i = _title_from_name(name), 0
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
        title = _title_from_name(name)
    return Article(
        title=title,
        blocks=tuple(blocks),
        source=name,
        author=meta.get("author", ""),
        date=meta.get("date", ""),
        language=meta.get("lang", meta.get("language", "")).lower(),
        removed=tuple(removed),
    )


def _title_from_name(name: str) -> str:
    if name == "<stdin>":
        return "Untitled"
    return Path(name).stem.replace("-", " ").replace("_", " ").strip() or "Untitled"
