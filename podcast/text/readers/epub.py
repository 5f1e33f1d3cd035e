"""EPUB books (EPUB 2 and 3): a ZIP holding a package document (OPF) and XHTML chapters.

Read with the standard library's zipfile and lxml (lxml's home in the package):

- ``META-INF/container.xml`` names the package document; its metadata gives the title
  (``dc:title``), author(s) (``dc:creator``), language and date;
- the **spine** gives the reading order; documents marked ``linear="no"`` and the navigation
  document itself are not read (listed as removed);
- the **navigation** (EPUB 3 ``nav.xhtml``, else the EPUB 2 ``toc.ncx``) gives the chapters:
  each entry becomes a heading where it points (a document, or an element inside one). A
  heading of the document that repeats its entry's title is not said twice; other document
  headings are read as text. A book without navigation takes its chapters from ``<h1>``-``<h3>``.

A source is an EPUB when it is a ZIP whose first entry is ``mimetype`` = ``application/epub+zip``
(whatever its name), or when it is named ``.epub``.
"""

from __future__ import annotations

import io
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urldefrag

from podcast.errors import InputError
from podcast.models import HEADING, PARAGRAPH, Article, Block, Removal
from podcast.text.readers.decode import STDIN_NAME
from podcast.text.readers.registry import CERTAIN, NOT_MINE

if TYPE_CHECKING:
    import zipfile

    from lxml import etree

MIMETYPE = b"application/epub+zip"
# A file inside the book larger than this is refused (a ZIP bomb, not a chapter).
MAX_ENTRY_BYTES = 64 * 1024 * 1024

_NS = {
    "container": "urn:oasis:names:tc:opendocument:xmlns:container",
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/",
    "xhtml": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SKIP = {"script", "style", "head", "template", "svg", "math", "nav"}
_BLOCKS = _HEADINGS | {
    "p", "div", "section", "article", "blockquote", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "tr", "pre", "figure", "figcaption", "header", "footer", "aside", "main",
    "hr", "body", "hgroup", "details", "summary", "address", "center",
}  # fmt: skip


def sniff(head: bytes) -> int:
    """CERTAIN for a ZIP whose first entry is ``mimetype`` holding ``application/epub+zip``."""
    if head.startswith(b"PK\x03\x04") and b"mimetype" in head[:64] and MIMETYPE in head[:128]:
        return CERTAIN
    return NOT_MINE


def read(data: bytes, name: str) -> Article:
    """The book in ``data`` as an Article: metadata, then chapters in spine order."""
    import zipfile  # here, not at import: every source is sniffed by every reader

    shown = "standard input" if name == STDIN_NAME else name
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise InputError(
            f"{shown}: not a readable EPUB (a broken ZIP archive); give a whole .epub file"
        ) from None
    with book:
        return _Book(book, name, shown).article()


@dataclass
class _Target:
    title: str
    level: int
    fragment: str  # "" for the document's start


@dataclass
class _Book:
    zip: zipfile.ZipFile
    name: str
    shown: str
    removed: list[Removal] = field(default_factory=list)
    title: str = ""  # from the metadata, once read

    # files

    def bytes_of(self, path: str) -> bytes:
        try:
            info = self.zip.getinfo(path)
        except KeyError:
            raise self.error(f"it names {path}, which is not in the book") from None
        if info.file_size > MAX_ENTRY_BYTES:
            raise self.error(f"{path} is larger than {MAX_ENTRY_BYTES // (1024 * 1024)} MB")
        from zipfile import BadZipFile

        try:
            return self.zip.read(info)
        except (BadZipFile, OSError, RuntimeError, ValueError) as exc:
            raise self.error(f"{path} cannot be unpacked ({exc})") from None

    def xml(self, path: str) -> etree._Element:
        from lxml import etree

        parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
        try:
            return etree.fromstring(self.bytes_of(path), parser)
        except etree.XMLSyntaxError:
            raise self.error(f"{path} is not valid XML") from None

    def xhtml(self, path: str) -> etree._Element:
        """A content document, read leniently (real books hold small XML mistakes)."""
        from lxml import etree

        data = self.bytes_of(path)
        parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
        root = etree.fromstring(data, parser) if data.strip() else None
        if root is None:
            import lxml.html

            root = lxml.html.document_fromstring(data or b"<html></html>")
        for element in root.iter():
            if isinstance(element.tag, str) and "}" in element.tag:
                element.tag = element.tag.split("}", 1)[1]
        return root

    def error(self, what: str) -> InputError:
        return InputError(f"{self.shown}: not a readable EPUB ({what}); give a whole .epub file")

    # the package

    def package_path(self) -> str:
        names = self.zip.namelist()
        if "META-INF/container.xml" in names:
            container = self.xml("META-INF/container.xml")
            rootfile = container.find(".//container:rootfile", _NS)
            if rootfile is not None and rootfile.get("full-path"):
                return str(rootfile.get("full-path"))
        found = [n for n in names if n.lower().endswith(".opf")]
        if not found:
            raise self.error("no package document (.opf)")
        return found[0]

    def article(self) -> Article:
        opf_path = self.package_path()
        opf = self.xml(opf_path)
        base = posixpath.dirname(opf_path)

        def at(href: str) -> str:
            return posixpath.normpath(posixpath.join(base, unquote(href)))

        manifest = {
            item.get("id", ""): item for item in opf.iterfind(".//opf:manifest/opf:item", _NS)
        }
        spine = opf.find(".//opf:spine", _NS)
        if spine is None or not len(spine):
            raise self.error("its package document has no spine (reading order)")
        self.refuse_encrypted()
        nav_item = next(
            (i for i in manifest.values() if "nav" in (i.get("properties") or "").split()), None
        )
        nav_path = at(nav_item.get("href", "")) if nav_item is not None else ""
        targets: dict[str, list[_Target]] = {}
        if nav_item is not None:
            targets = self.nav_targets(nav_path)
        elif spine.get("toc") in manifest:
            targets = self.ncx_targets(at(manifest[str(spine.get("toc"))].get("href", "")))
        self.title = _text(opf.find(".//dc:title", _NS))
        blocks: list[Block] = []
        for itemref in spine.iterfind("opf:itemref", _NS):
            item = manifest.get(itemref.get("idref", ""))
            if item is None:
                continue
            path = at(item.get("href", ""))
            if path == nav_path:
                self.removed.append(Removal(path, "table of contents"))
                continue
            if itemref.get("linear", "yes") == "no":
                self.removed.append(Removal(path, "not in the reading order"))
                continue
            if "html" not in (item.get("media-type") or ""):
                continue
            blocks += _Chapter(
                self.xhtml(path), targets.get(path, []), bool(targets), self
            ).blocks()
        title = self.title
        if not title:
            first = next((b for b in blocks if b.kind == HEADING), None)
            title = first.text if first else _name_title(self.name)
        if blocks and blocks[0].kind == HEADING and blocks[0].text.casefold() == title.casefold():
            blocks = blocks[1:]
        creators = [_text(c) for c in opf.iterfind(".//dc:creator", _NS)]
        language = _text(opf.find(".//dc:language", _NS)).split("-")[0].lower()
        return Article(
            title=title,
            blocks=tuple(blocks),
            source=self.name,
            author=", ".join(c for c in creators if c),
            date=_text(opf.find(".//dc:date", _NS)),
            language=language if re.fullmatch(r"[a-z]{2,3}", language) else "",
            removed=tuple(self.removed),
        )

    def refuse_encrypted(self) -> None:
        if "META-INF/encryption.xml" not in self.zip.namelist():
            return
        encryption = self.bytes_of("META-INF/encryption.xml")
        if re.search(rb"CipherReference[^>]*URI=\"[^\"]*\.x?html?\"", encryption):
            raise InputError(f"{self.shown}: the book is encrypted (DRM); give a DRM-free EPUB")

    # navigation

    def nav_targets(self, nav_path: str) -> dict[str, list[_Target]]:
        """EPUB 3: the entries of ``<nav epub:type="toc">``, nested lists giving the level."""
        root = self.xml(nav_path)
        navs = root.iterfind(".//xhtml:nav", _NS)
        toc = next(
            (n for n in navs if "toc" in (n.get(f"{{{_NS['epub']}}}type") or "").split()), None
        )
        if toc is None:
            toc = root.find(".//xhtml:nav", _NS)
        targets: dict[str, list[_Target]] = {}
        if toc is None:
            return targets
        base = posixpath.dirname(nav_path)
        for link in toc.iterfind(".//xhtml:a", _NS):
            depth = sum(1 for a in link.iterancestors() if a.tag == f"{{{_NS['xhtml']}}}ol")
            self.add_target(targets, base, link.get("href", ""), _text(link), depth)
        return targets

    def ncx_targets(self, ncx_path: str) -> dict[str, list[_Target]]:
        """EPUB 2: the ``navPoint`` entries of the NCX, nesting giving the level."""
        root = self.xml(ncx_path)
        targets: dict[str, list[_Target]] = {}
        base = posixpath.dirname(ncx_path)
        for point in root.iterfind(".//ncx:navPoint", _NS):
            depth = sum(1 for a in point.iterancestors() if a.tag == f"{{{_NS['ncx']}}}navPoint")
            label = _text(point.find("ncx:navLabel/ncx:text", _NS))
            content = point.find("ncx:content", _NS)
            src = content.get("src", "") if content is not None else ""
            self.add_target(targets, base, src, label, depth + 1)
        return targets

    @staticmethod
    def add_target(
        targets: dict[str, list[_Target]], base: str, href: str, title: str, depth: int
    ) -> None:
        if not href or not title or re.match(r"[a-z]+:", href):
            return
        path, fragment = urldefrag(href)
        full = posixpath.normpath(posixpath.join(base, unquote(path)))
        targets.setdefault(full, []).append(_Target(title, min(max(depth, 1), 3) + 1, fragment))


class _Chapter:
    """One content document's blocks, with the navigation's headings placed where they point."""

    def __init__(
        self, root: etree._Element, targets: list[_Target], has_nav: bool, book: _Book
    ) -> None:
        self.root = root
        self.has_nav = has_nav
        self.book = book
        self.out: list[Block] = []
        self.by_id = {t.fragment: t for t in targets if t.fragment}
        self.start = [t for t in targets if not t.fragment]

    def blocks(self) -> list[Block]:
        for target in self.start:
            self.heading(target)
        body = next((e for e in self.root.iter() if e.tag == "body"), self.root)
        self.walk(body)
        return self.out

    def heading(self, target: _Target) -> None:
        if not self.out or self.out[-1].text != target.title:
            self.out.append(Block(HEADING, target.title, target.level))

    def walk(self, element: etree._Element) -> None:
        for child in element:
            if not isinstance(child.tag, str):
                continue
            target = self.by_id.pop(child.get("id", ""), None)
            if target is not None:
                self.heading(target)
            if child.tag in _SKIP:
                continue
            if child.tag == "img":
                self.image(child)
            elif child.tag == "pre":
                self.book.removed.append(Removal(_text(child), "code block"))
            elif child.tag in _HEADINGS:
                self.own_heading(child)
            elif child.tag in _BLOCKS and any(
                isinstance(g.tag, str) and g.tag in _BLOCKS for g in child.iterdescendants()
            ):
                self.loose_text(child.text)
                self.walk(child)
            elif child.tag in _BLOCKS:
                for image in child.iter("img"):
                    self.image(image)
                self.paragraph(_text(child))
            else:  # inline element loose in a block that holds blocks
                self.paragraph(_text(child))
            self.loose_text(child.tail)

    def own_heading(self, element: etree._Element) -> None:
        text = _text(element)
        if not text:
            return
        if self.just_said(text) or text.casefold() == self.book.title.casefold():
            return  # the navigation's entry or the book's title already said it
        if self.has_nav:
            self.paragraph(text)  # a heading the navigation does not list: read as text
        elif element.tag in ("h1", "h2", "h3"):
            self.out.append(Block(HEADING, text, int(element.tag[1]) + 1))
        else:
            self.paragraph(text)

    def just_said(self, text: str) -> bool:
        """The last block is a heading holding ``text`` (or held in it): "Chapter 1" under
        the entry "Chapter 1: Down the Hole"."""
        if not self.out or self.out[-1].kind != HEADING:
            return False
        said, text = self.out[-1].text.casefold(), text.casefold()
        return text in said or said in text

    def loose_text(self, text: str | None) -> None:
        if text and text.strip():
            self.paragraph(re.sub(r"\s+", " ", text).strip())

    def paragraph(self, text: str) -> None:
        if re.search(r"\w", text):
            self.out.append(Block(PARAGRAPH, text))

    def image(self, element: etree._Element) -> None:
        alt = element.get("alt") or element.get("src") or "image"
        self.book.removed.append(Removal(alt, "image"))


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def _name_title(name: str) -> str:
    if name == STDIN_NAME:
        return "Untitled"
    return Path(name).stem.replace("-", " ").replace("_", " ").strip() or "Untitled"
