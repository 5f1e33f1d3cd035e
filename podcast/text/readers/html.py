"""HTML pages: the main article extracted with trafilatura (this module is its only home).

A source is HTML when named ``.html``/``.htm``/``.xhtml`` (see the registry line in
``readers/__init__.py``) or, whatever its name, when it opens with ``<!doctype html`` or
``<html`` (after an XML declaration or comments).

trafilatura drops navigation, footers, scripts, cookie banners and share widgets; ``<h1>`` (or
the page's metadata) gives the title and ``<h2>``/``<h3>`` give chapters.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

from podcast.errors import InputError
from podcast.models import HEADING, PARAGRAPH, Article, Block
from podcast.text.readers.decode import decode, peek
from podcast.text.readers.registry import CERTAIN, NOT_MINE

_SIGNATURE = re.compile(
    r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html)",
    re.IGNORECASE | re.DOTALL,
)


def sniff(head: bytes) -> int:
    """CERTAIN for a page that opens with ``<!doctype html`` or ``<html``, whatever its name."""
    return CERTAIN if _SIGNATURE.match(peek(head)) else NOT_MINE


def read(data: bytes, name: str) -> Article:
    return parse_html(decode(data, name), name)


_NOSCRIPT = re.compile(r"<noscript\b.*?</noscript\s*>", re.IGNORECASE | re.DOTALL)


def _text(element: ElementTree.Element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def parse_html(text: str, name: str) -> Article:
    """The main article of an HTML page as an Article (title, author, date, language, url)."""
    import trafilatura

    # trafilatura keeps <noscript> fallbacks ("enable JavaScript", tracking pixels): never spoken
    text = _NOSCRIPT.sub(" ", text)
    xml = trafilatura.extract(
        text,
        output_format="xml",
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        include_formatting=False,
    )
    if not xml:
        raise InputError(f"{name}: no article text found in this HTML page; give the article page")
    root = ElementTree.fromstring(xml)
    main = root.find("main")
    blocks: list[Block] = []
    title = ""
    for element in main.iter() if main is not None else ():
        if element.tag == "head":
            level = int((element.get("rend") or "h2").lstrip("h") or 2)
            heading = _text(element)
            if level == 1 and not title:
                title = heading
            elif heading:
                blocks.append(Block(HEADING, heading, level))
        elif element.tag in ("p", "item", "quote") and not any(
            child.tag in ("p", "item") for child in element
        ):
            paragraph = _text(element)
            if paragraph:
                blocks.append(Block(PARAGRAPH, paragraph))
    lang = re.search(r"<html[^>]*\blang=[\"']?([A-Za-z]{2,3})", text, re.IGNORECASE)
    return Article(
        title=title or root.get("title") or name,
        blocks=tuple(blocks),
        source=name,
        author=root.get("author") or "",
        date=root.get("date") or "",
        language=(lang.group(1).lower() if lang else ""),
        url=root.get("url") or "",
    )
