"""HTML pages: the main article extracted with trafilatura (this module is its only home).

A source is HTML when named ``.html``/``.htm``/``.xhtml`` (see the registry line in
``readers/__init__.py``) or, whatever its name, when it opens with ``<!doctype html`` or
``<html`` (after an XML declaration or comments).

Before trafilatura extracts, page furniture inside the article is found by its structure with
lxml, listed in ``Article.removed`` with a reason and taken out: MediaWiki's edit links,
citation markers, reference lists, infobox, navigation boxes, table of contents, hatnotes,
"Jump to navigation" and coordinates; sections that only cite or point elsewhere (References,
Notes, Bibliography, External links, See also, in any language: a heading over lists of links
and citations); figures and their captions and photo credits; short paragraphs that are only a
link under a label ("Lire aussi : ...", "Read more: ...": teasers for other stories); share
widgets. trafilatura then drops navigation, footers, scripts and cookie banners; what it drops
of the page's visible text is listed too ("page furniture"), so nothing goes missing silently.

The title is the page's own: its ``<h1>``, else ``og:title``, else ``<title>`` without the site's
name ("Mozilla - Wikipedia" -> "Mozilla"). ``<h2>``/``<h3>`` give chapters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from podcast.errors import InputError
from podcast.models import HEADING, PARAGRAPH, Article, Block, Removal
from podcast.text.readers.decode import decode, peek
from podcast.text.readers.pictures import local_picture, with_pictures
from podcast.text.readers.registry import CERTAIN, NOT_MINE

if TYPE_CHECKING:  # lxml is imported when a page is read, not when a source is sniffed
    from xml.etree import ElementTree

    from lxml import etree

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


# --- furniture found by structure ----------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    """Elements matched by an XPath, removed whole and listed with ``reason``."""

    xpath: str
    reason: str


def _class(*names: str) -> str:
    """An XPath test: the element's class list holds one of ``names``."""
    return " or ".join(
        f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')" for name in names
    )


# Order matters: small marks inside bigger furniture first, so each is listed once with its
# own reason (an infobox's citation markers go with the infobox).
_RULES = (
    _Rule(f"//*[{_class('mw-editsection')}]", "edit link"),
    _Rule(f"//*[{_class('mw-jump-link', 'mw-jump')} or @id='jump-to-nav']", "navigation link"),
    _Rule(f"//*[@id='toc' or {_class('toc', 'toccolours')}]", "table of contents"),
    _Rule(f"//table[{_class('infobox', 'vcard', 'sidebar')}]", "infobox"),
    _Rule(
        f"//*[{_class('navbox', 'vertical-navbox', 'navbox-inner', 'sistersitebox')}]",
        "navigation box",
    ),
    _Rule(
        f"//*[@id='coordinates' or {_class('geo-default', 'geo-dms', 'coordinates')}]",
        "coordinates",
    ),
    _Rule(
        f"//*[{_class('hatnote', 'dablink', 'shortdescription', 'ambox', 'mbox-small')}]",
        "note about the page",
    ),
    _Rule(
        f"//*[{_class('reflist', 'references', 'mw-references-wrap', 'refbegin')}]",
        "reference list",
    ),
    _Rule(f"//sup[{_class('reference', 'noprint', 'Inline-Template')}]", "citation marker"),
    _Rule(
        f"//*[{_class('catlinks', 'printfooter', 'mw-indicators')} or @id='siteSub' or "
        "@id='contentSub' or @id='jump-to-nav']",
        "page furniture",
    ),
    _Rule("//figcaption", "caption"),
    _Rule(
        f"//*[{_class('thumbcaption', 'wp-caption-text', 'caption', 'image-caption', 'credit')}]",
        "caption",
    ),
    _Rule("//figure", "figure"),
    _Rule(
        "//*[self::ul or self::div or self::aside or self::nav][contains(@class, 'share') or "
        "contains(@class, 'social')]",
        "share widget",
    ),
)

# Headings of sections that cite or point elsewhere: their lists are listed, not read.
_REFERENCE_HEADINGS = re.compile(
    r"^(references?|notes?( and references)?|footnotes|citations|sources|bibliography|"
    r"further reading|external links|see also|literature|works cited|"
    r"einzelnachweise|anmerkungen|literatur|weblinks|siehe auch|quellen|"
    r"références|notes et références|bibliographie|voir aussi|liens externes|"
    r"referencias|notas|bibliografía|véase también|enlaces externos|"
    r"riferimenti|note|bibliografia|voci correlate|collegamenti esterni)$",
    re.IGNORECASE,
)
# A teaser: a label of a few words ("Lire aussi :") and a link, no more than this.
MAX_TEASER_WORDS = 30
MAX_LABEL_WORDS = 4
# A credit in parentheses naming where a picture came from: "(Getty Images)", "(AP Photo/X)".
_PHOTO_CREDIT = re.compile(
    r"\s*\((?:[^()]{0,40}/)?(?:[\w.&-]+ ){0,3}(?:Images|Photos?|Pictures|Fotos?|Foto)"
    r"(?:/[^()]{0,40})?\)",
)
_CREDIT_LINE = re.compile(
    r"^(?:photo|photograph|image|picture|illustration|credit|foto|bild|crédit|crédits)"
    r"(?:\s+(?:credit|by|de|von))?s?\s*[:©]\s*\S",
    re.IGNORECASE,
)


def _words(text: str) -> int:
    return len(text.split())


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _drop(element: etree._Element) -> None:
    """Remove ``element`` but keep the text that follows it (its tail)."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)


def _visible(element: etree._Element) -> str:
    return _squash(" ".join(element.itertext()))


def _reference_sections(root: etree._Element, removed: list[Removal]) -> None:
    """Sections headed References, Notes, External links ... (listed, not read)."""
    for heading in root.xpath("//h2 | //h3 | //h4"):
        title = re.sub(r"\[\s*(edit|update|modifier|bearbeiten)\s*\]", "", _visible(heading))
        if not _REFERENCE_HEADINGS.match(title.strip(" :")):
            continue
        level = int(heading.tag[1])
        parts = [title]
        sibling = heading.getnext()
        while sibling is not None:
            tag = sibling.tag if isinstance(sibling.tag, str) else ""
            if re.fullmatch(r"h[1-6]", tag) and int(tag[1]) <= level:
                break
            following = sibling.getnext()
            if isinstance(sibling.tag, str):
                parts.append(_visible(sibling))
                _drop(sibling)
            sibling = following
        removed.append(Removal(_squash(" ".join(parts))[:2000], "reference section"))
        _drop(heading)


def _teasers(root: etree._Element, removed: list[Removal]) -> None:
    """Short paragraphs that are a label and a link to another story, in any language
    ("Lire aussi : <a>...</a>", "<b>Read more</b> <a>...</a>", "Related: <a>...</a>")."""
    for element in root.xpath(
        "//p | //li | //div[not(*[not(self::a or self::b or self::strong)])]"
    ):
        text = _visible(element)
        links = _squash(" ".join(_visible(a) for a in element.xpath(".//a")))
        if not text or not links or _words(text) > MAX_TEASER_WORDS or links not in text:
            continue
        label, _, after = text.partition(links)
        if _words(links) < 0.6 * _words(text) or _words(after) > 1 or not label.strip():
            continue
        if _words(label) <= MAX_LABEL_WORDS and re.search(r"\w", label):
            removed.append(Removal(text, "teaser for another story"))
            _drop(element)


def _credits(root: etree._Element, removed: list[Removal]) -> None:
    """Photo credits in the text: "(Getty Images)", and short "Photo: ..." lines."""
    for element in root.xpath("//p | //span | //div[not(*)] | //small"):
        text = _visible(element)
        if text and _words(text) <= 25 and _CREDIT_LINE.match(text):
            removed.append(Removal(text, "photo credit"))
            _drop(element)
    for node in root.xpath("//text()[contains(., ')')]"):
        if not _PHOTO_CREDIT.search(node):
            continue
        for match in _PHOTO_CREDIT.finditer(node):
            removed.append(Removal(match.group(0).strip(), "photo credit"))
        fixed = _PHOTO_CREDIT.sub("", node)
        parent = node.getparent()
        if node.is_text:
            parent.text = fixed
        elif node.is_tail:
            parent.tail = fixed


def _furniture(root: etree._Element, removed: list[Removal]) -> None:
    """Take the page's furniture out of ``root``, listing each piece."""
    for rule in _RULES:
        for element in root.xpath(rule.xpath):
            if element.getparent() is None or not _attached(element, root):
                continue
            text = _visible(element)
            if text:
                removed.append(Removal(text[:2000], rule.reason))
            _drop(element)
    _reference_sections(root, removed)
    _credits(root, removed)
    _teasers(root, removed)


def _attached(element: etree._Element, root: etree._Element) -> bool:
    """Whether ``element`` is still in the tree (not inside something removed already)."""
    while element is not None:
        if element is root:
            return True
        element = element.getparent()
    return False


# --- the title -----------------------------------------------------------------------------


def _meta(root: etree._Element, *names: str) -> str:
    for name in names:
        for value in root.xpath(f"//meta[@property='{name}' or @name='{name}']/@content"):
            if str(value).strip():
                return _squash(str(value))
    return ""


def _page_title(root: etree._Element) -> str:
    """The page's own title: its first ``<h1>``, else ``og:title``, else ``<title>``, without
    a site's name ("Mozilla - Wikipedia, the free encyclopedia" -> "Mozilla")."""
    site = _meta(root, "og:site_name", "application-name")
    for h1 in root.xpath("//h1"):
        text = _visible(h1)
        if text and _words(text) <= 30:
            return _without_site(text, site)
    title = _meta(root, "og:title", "twitter:title")
    if not title:
        found = root.xpath("//title")
        title = _visible(found[0]) if found else ""
    return _without_site(title, site)


def _without_site(title: str, site: str) -> str:
    parts = re.split(r"\s+[-|–—·:]\s+", title)
    if len(parts) < 2:
        return title
    if site:
        kept = [p for p in parts if site.lower() not in p.lower()]
        if kept and len(kept) < len(parts):
            return " - ".join(kept)
    # The site's name is the short last part ("Mozilla - Wikipedia, the free encyclopedia").
    if _words(parts[-1]) <= 5 and _words(" ".join(parts[:-1])) >= 1:
        return " - ".join(parts[:-1])
    return title


# --- what trafilatura left out -------------------------------------------------------------

# Elements whose text belongs to the block around them.
_INLINE = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "br",
        "cite",
        "code",
        "data",
        "dfn",
        "em",
        "font",
        "i",
        "img",
        "kbd",
        "label",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "var",
        "wbr",
    ]
)
_UNSEEN = (
    "//head | //script | //style | //template | //*[@hidden] | //*[@aria-hidden='true'] | "
    "//*[contains(translate(@style, ' ', ''), 'display:none')]"
)


def _left_out(root: etree._Element, extracted: str, title: str) -> list[Removal]:
    """The page's visible text that trafilatura did not keep, block by block, as removals."""
    for element in root.xpath(_UNSEEN):
        if _attached(element, root):
            _drop(element)
    kept = _key(extracted + " " + title)
    seen: set[str] = set()
    dropped: list[Removal] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in _INLINE:
            continue
        parts = [element.text or ""]
        for child in element:
            if isinstance(child.tag, str) and child.tag in _INLINE:
                parts.append(" ".join(child.itertext()))
            parts.append(child.tail or "")
        text = _squash(" ".join(parts))
        key = _key(text)
        if not key or key in seen or key in kept:
            continue
        seen.add(key)
        dropped.append(Removal(text, "page furniture"))
    return dropped


def _restore_headings(page: etree._Element, blocks: list[Block]) -> list[Block]:
    """Headings trafilatura dropped (it may, on a page it reads without finding an article
    element), put back before the paragraph that follows them on the page: only a heading
    between two paragraphs of the article, never one of the page's menus."""
    have = {_key(b.text) for b in blocks if b.kind == HEADING}
    where: dict[str, int] = {}
    for index, block in enumerate(blocks):
        if block.kind == PARAGRAPH:
            where.setdefault(_key(block.text), index)
    inserts: list[tuple[int, int, Block]] = []
    for heading in page.xpath("//h2 | //h3 | //h4"):
        text = _visible(heading)
        if not _key(text) or _key(text) in have or _words(text) > MAX_HEADING_WORDS:
            continue
        before = [
            where.get(_key(_visible(p))) for p in heading.xpath("preceding::p[position() <= 3]")
        ]
        if not any(b is not None for b in before):
            continue
        for following in heading.xpath("following::p[position() <= 3]"):
            at = where.get(_key(_visible(following)))
            if at is not None and any(b is not None and b < at for b in before):
                inserts.append((at, len(inserts), Block(HEADING, text, int(heading.tag[1]))))
                have.add(_key(text))
                break
    for at, _, block in sorted(inserts, key=lambda item: item[:2], reverse=True):
        blocks.insert(at, block)
    return blocks


MAX_HEADING_WORDS = 20


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


# --- the reader ----------------------------------------------------------------------------


def parse_html(text: str, name: str) -> Article:
    """The main article of an HTML page as an Article (title, author, date, language, url)."""
    import lxml.html
    import trafilatura
    from lxml import etree

    # trafilatura keeps <noscript> fallbacks ("enable JavaScript", tracking pixels): never spoken
    text = _NOSCRIPT.sub(" ", text)
    removed: list[Removal] = []
    page = _parse(text)
    pictures: list[tuple[str, str]] = []
    if page is not None:
        title = _page_title(page)
        pictures = _pictures(page)  # before figures go with the furniture
        _furniture(page, removed)
        etree.strip_elements(page, "script", "style", "template", with_tail=False)
        cleaned = lxml.html.tostring(page, encoding="unicode")
    else:
        title, cleaned = "", text
    xml = trafilatura.extract(
        cleaned,
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
    from xml.etree import ElementTree  # here, not at import: every source is sniffed by it

    root = ElementTree.fromstring(xml)
    main = root.find("main")
    blocks: list[Block] = []
    for element in main.iter() if main is not None else ():
        if element.tag == "head":
            level = int((element.get("rend") or "h2").lstrip("h") or 2)
            heading = _text(element)
            if level == 1 and not title:
                title = heading
            elif heading and not (level == 1 and _key(heading) == _key(title)):
                blocks.append(Block(HEADING, heading, level))
        elif element.tag in ("p", "item", "quote") and not any(
            child.tag in ("p", "item") for child in element
        ):
            paragraph = _text(element)
            if paragraph:
                blocks.append(Block(PARAGRAPH, paragraph))
    title = title or root.get("title") or name
    if page is not None:
        blocks = _restore_headings(page, blocks)
        removed += _left_out(page, " ".join(b.text for b in blocks), title)
        keys = [_key(b.text) for b in blocks if b.kind == HEADING]
        blocks = with_pictures(
            blocks, [(keys.index(k) + 1 if k in keys else 0, src) for k, src in pictures]
        )
    lang = re.search(r"<html[^>]*\blang=[\"']?([A-Za-z]{2,3})", text, re.IGNORECASE)
    return Article(
        title=title,
        blocks=tuple(blocks),
        source=name,
        author=root.get("author") or "",
        date=root.get("date") or "",
        language=(lang.group(1).lower() if lang else ""),
        url=root.get("url") or "",
        removed=tuple(removed),
    )


def _pictures(page: etree._Element) -> list[tuple[str, str]]:
    """Each local picture on the page (``<img src>`` a file beside it) with the key of the
    heading above it ("" before any section heading)."""
    found = []
    for image in page.iter("img"):
        src = (image.get("src") or "").strip()
        if local_picture(src):
            above = image.xpath("preceding::*[self::h2 or self::h3 or self::h4][1]")
            found.append((_key(_visible(above[0])) if above else "", src))
    return found


def _parse(text: str) -> etree._Element | None:
    """The page as an lxml tree (None for a page lxml cannot read; trafilatura then tries)."""
    import lxml.html
    from lxml import etree

    try:
        return lxml.html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*>", "", text))
    except (etree.ParserError, ValueError):
        return None
