"""Read an article file (or standard input) into an Article of headings and paragraphs."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from podcast.errors import InputError
from podcast.models import HEADING, PARAGRAPH, Article, Block

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
        raise InputError(f"{name}: looks like a binary file, not text; give an article file")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: not valid {encoding.upper()} (byte {exc.start}); re-save the file as UTF-8"
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def ingest(source: str) -> Article:
    """Read ``source`` (a path or ``-``) into an Article."""
    text, name = read_source(source)
    suffix = Path(name).suffix.lower()
    if suffix in (".md", ".markdown"):
        article = parse_markdown(text, name)
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


def parse_text(text: str, name: str) -> Article:
    """Plain text: the first paragraph is the title, the rest are paragraphs."""
    paragraphs = _paragraphs(text)
    if not paragraphs:
        raise InputError(f"{name}: is empty; give an article with some text")
    title, body = paragraphs[0], paragraphs[1:]
    if len(title) > MAX_TITLE_CHARS:
        title, body = _title_from_name(name), paragraphs
    return Article(
        title=title,
        blocks=tuple(Block(PARAGRAPH, p) for p in body),
        source=name,
    )


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def parse_markdown(text: str, name: str) -> Article:
    """Markdown: ``#`` headings become heading blocks; the first level-1 heading is the title."""
    title = ""
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block(PARAGRAPH, " ".join(paragraph)))
            paragraph.clear()

    for line in text.split("\n"):
        heading = _MD_HEADING.match(line)
        if heading:
            flush()
            level, heading_text = len(heading.group(1)), heading.group(2)
            if level == 1 and not title:
                title = heading_text
            else:
                blocks.append(Block(HEADING, heading_text, level))
        elif line.strip():
            paragraph.append(line.strip())
        else:
            flush()
    flush()
    if not title:
        title = _title_from_name(name)
    return Article(title=title, blocks=tuple(blocks), source=name)


def _title_from_name(name: str) -> str:
    if name == "<stdin>":
        return "Untitled"
    return Path(name).stem.replace("-", " ").replace("_", " ").strip() or "Untitled"
