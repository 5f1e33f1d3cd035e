"""EPUB input: books the test builds with zipfile (EPUB 3 with nav.xhtml, EPUB 2 with an NCX);
title and author from the package metadata, chapters from the navigation, spine order."""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from podcast.cli import app
from podcast.errors import InputError
from podcast.models import HEADING, PARAGRAPH
from podcast.text.readers import pick, read_source

CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf"
    media-type="application/oebps-package+xml"/></rootfiles>
</container>"""

OPF = """<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="id">urn:uuid:1234</dc:identifier>
    <dc:title>The Lighthouse Keeper</dc:title>
    <dc:creator>Mara Quill</dc:creator>
    <dc:language>en-GB</dc:language>
    <dc:date>2021-03-04</dc:date>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>
    <item id="title" href="text/title.xhtml" media-type="application/xhtml+xml"/>
    <item id="c1" href="text/ch1.xhtml" media-type="application/xhtml+xml"/>
    <item id="c2" href="text/ch2.xhtml" media-type="application/xhtml+xml"/>
    <item id="notes" href="text/notes.xhtml" media-type="application/xhtml+xml"/>
    <item id="css" href="style.css" media-type="text/css"/>
  </manifest>
  <spine toc="ncx">
    <itemref idref="nav"/>
    <itemref idref="title"/>
    <itemref idref="c2"/>
    <itemref idref="c1"/>
    <itemref idref="notes" linear="no"/>
  </spine>
</package>"""

NAV = """<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">
<head><title>Contents</title></head><body>
<nav epub:type="toc"><h1>Contents</h1><ol>
  <li><a href="text/ch2.xhtml">Chapter One: The Storm</a></li>
  <li><a href="text/ch1.xhtml">Chapter Two: The Lamp</a>
    <ol><li><a href="text/ch1.xhtml#oil">The Oil Store</a></li></ol></li>
</ol></nav>
<nav epub:type="landmarks"><ol><li><a href="text/title.xhtml">Title page</a></li></ol></nav>
</body></html>"""

NCX = """<?xml version="1.0" encoding="utf-8"?>
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><navMap>
  <navPoint id="p1"><navLabel><text>Chapter One: The Storm</text></navLabel>
    <content src="text/ch2.xhtml"/></navPoint>
  <navPoint id="p2"><navLabel><text>Chapter Two: The Lamp</text></navLabel>
    <content src="text/ch1.xhtml"/>
    <navPoint id="p3"><navLabel><text>The Oil Store</text></navLabel>
      <content src="text/ch1.xhtml#oil"/></navPoint></navPoint>
</navMap></ncx>"""


def page(body: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title>'
        "<style>p { color: red }</style></head>"
        f"<body>{body}</body></html>"
    )


CHAPTERS = {
    "OEBPS/text/title.xhtml": page("<h1>The Lighthouse Keeper</h1><p>A novella.</p>"),
    "OEBPS/text/ch2.xhtml": page(
        "<section><h1>Chapter One</h1><h2>The Storm</h2>"
        "<p>The storm came in from the west at dusk.</p>"
        '<p><img src="../img/wave.png" alt="A great wave"/>It broke over the rocks.</p>'
        "</section>"
    ),
    "OEBPS/text/ch1.xhtml": page(
        "<h1>Chapter Two: The Lamp</h1><p>She trimmed the wick by candlelight.</p>"
        '<div id="oil"><h3>The oil store</h3><p>The oil was kept below.</p></div>'
        "<pre>not prose</pre>"
    ),
    "OEBPS/text/notes.xhtml": page("<p>Endnotes nobody reads aloud.</p>"),
}


def epub(files: dict[str, str], *, mimetype: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        if mimetype:
            book.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        for name, text in files.items():
            book.writestr(name, text, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def book_files(*, nav: bool = True) -> dict[str, str]:
    files = {"META-INF/container.xml": CONTAINER, "OEBPS/toc.ncx": NCX, **CHAPTERS}
    opf = OPF
    if nav:
        files["OEBPS/nav.xhtml"] = NAV
    else:  # EPUB 2: no nav document, the NCX gives the chapters
        opf = opf.replace(' properties="nav"', "").replace('<itemref idref="nav"/>', "")
    files["OEBPS/content.opf"] = opf
    return files


@pytest.mark.parametrize("nav", [True, False], ids=["epub3-nav", "epub2-ncx"])
def test_metadata_chapters_and_spine_order(tmp_path: Path, nav: bool) -> None:
    path = tmp_path / "book.epub"
    path.write_bytes(epub(book_files(nav=nav)))
    article = read_source(str(path))
    assert (article.title, article.author, article.language, article.date) == (
        "The Lighthouse Keeper",
        "Mara Quill",
        "en",
        "2021-03-04",
    )
    assert [(b.text, b.level) for b in article.blocks if b.kind == HEADING] == [
        ("Chapter One: The Storm", 2),
        ("Chapter Two: The Lamp", 2),
        ("The Oil Store", 3),
    ]
    paragraphs = [b.text for b in article.blocks if b.kind == PARAGRAPH]
    assert paragraphs == [
        "A novella.",
        "The storm came in from the west at dusk.",
        "It broke over the rocks.",
        "She trimmed the wick by candlelight.",
        "The oil was kept below.",
    ]
    reasons = {r.reason for r in article.removed}
    assert {"image", "code block", "not in the reading order"} <= reasons
    assert ("table of contents" in reasons) == nav  # the nav document is in the spine


def test_a_misnamed_epub_and_one_on_stdin_are_sniffed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = epub(book_files())
    assert pick(data[:4096], "<stdin>").name == "epub"
    assert pick(data[:4096], "book.txt").name == "epub"
    assert pick(epub(book_files(), mimetype=False)[:4096], "<stdin>").name == "text"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert read_source("-").title == "The Lighthouse Keeper"


def test_a_book_without_navigation_takes_chapters_from_its_headings(tmp_path: Path) -> None:
    files = book_files(nav=False)
    files["OEBPS/content.opf"] = files["OEBPS/content.opf"].replace(' toc="ncx"', "")
    path = tmp_path / "plain.epub"
    path.write_bytes(epub(files))
    headings = [b.text for b in read_source(str(path)).blocks if b.kind == HEADING]
    assert headings[:2] == ["Chapter One", "The Storm"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04" + b"\x00" * 100, "a broken ZIP archive"),
        (epub({"META-INF/container.xml": CONTAINER.replace("OEBPS/content.opf", "x.opf")}), "x.opf"),
        (epub({"OEBPS/text/ch1.xhtml": CHAPTERS["OEBPS/text/ch1.xhtml"]}), "no package document"),
        (epub({**book_files(), "OEBPS/content.opf": "<package"}), "content.opf is not valid XML"),
        (epub({**book_files(), "OEBPS/text/ch1.xhtml": "x"} | {"OEBPS/content.opf": OPF.replace("ch1", "gone")}), "gone.xhtml, which is not in the book"),
    ],
    ids=["bad-zip", "missing-opf", "no-opf", "broken-opf", "missing-chapter"],
)  # fmt: skip
def test_a_broken_epub_is_one_clear_error(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "broken.epub"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message) as caught:
        read_source(str(path))
    text = str(caught.value)
    assert text.startswith(f"{path}: ") and "\n" not in text and "give" in text


def test_podcast_script_reads_the_book(tmp_path: Path) -> None:
    path = tmp_path / "book.epub"
    path.write_bytes(epub(book_files()))
    result = CliRunner().invoke(app, ["script", str(path)])
    assert result.exit_code == 0, result.output
    for words in ("The Lighthouse Keeper", "Chapter Two: The Lamp", "candlelight"):
        assert words in result.stdout
    broken = tmp_path / "broken.epub"
    broken.write_bytes(b"PK\x03\x04 not really")
    failed = CliRunner().invoke(app, ["script", str(broken)])
    assert failed.exit_code == 1
    (line,) = failed.stderr.splitlines()
    assert line.startswith("error: ") and "broken ZIP" in line
