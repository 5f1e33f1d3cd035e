"""The reader seam: the registry picks a reader from the first bytes, then the name's suffix;
one list of suffixes drives folder scanning, messages and help; a new format is one module
(here: the tiny Org reader in tests/org_reader.py) plus one registry line."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from podcast.build.sources import default_sources, expand_sources
from podcast.cli import app
from podcast.errors import InputError
from podcast.models import HEADING, PARAGRAPH
from podcast.project import Project
from podcast.text.readers import (
    ModuleReader,
    articles_in,
    pick,
    read_bytes,
    read_source,
    readers,
    register,
    suffixes,
    supported_inputs,
    unregister,
)
from podcast.text.readers.decode import decode, peek
from tests.conftest import run_python

PAGE = """<!doctype html><html lang="fr"><head><title>Site | Story</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>La crue</h1>
<p>La rivière est montée de plus d'un mètre pendant la nuit et a atteint le vieux pont de
pierre à l'aube, surprenant les habitants qui attendaient seulement une pluie légère.</p>
<h2>Évacuations</h2>
<p>Les familles proches de l'eau ont quitté leurs maisons avant midi, et des cars les ont
conduites au gymnase de l'école, où des bénévoles ont servi de la soupe toute la journée.</p>
</article><footer>Copyright 2024 Exemple.</footer></body></html>
"""

XHTML = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"
  "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><title>Notes</title></head><body>
<h1>The Lock Keeper</h1>
<p>The lock keeper opens the gates at dawn for the first barges of the day, and closes them
again at dusk when the river traffic has gone quiet and the towpath is empty once more.</p>
</body></html>
"""

MARKDOWN = "---\ntitle: Front Matter Title\nauthor: A. Writer\n---\n\nA body paragraph.\n"


def stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


# --- picking a reader: content first (a signature), then the suffix, then likely content ----

PICKS = [
    # (first bytes, name, reader)
    (b"<!doctype html><html><body><p>x</p>", "<stdin>", "html"),
    (b"  \n<HTML lang='en'><body>", "<stdin>", "html"),
    (b"<!DOCTYPE html>\n<html>", "page.txt", "html"),  # misnamed: the signature wins
    (b"<!doctype html><html>", "notes.md", "html"),
    (XHTML.encode(), "<stdin>", "html"),  # XML declaration and XHTML doctype
    ("<!doctype html><html>".encode("utf-16"), "<stdin>", "html"),  # UTF-16 with BOM
    (b"\xef\xbb\xbf<!-- saved --><html>", "<stdin>", "html"),  # UTF-8 BOM, a comment
    (b"<p>a fragment</p>", "page.html", "html"),  # no signature: the suffix
    (b"<p>a fragment</p>", "page.xhtml", "html"),
    (b"<p>a fragment</p>", "page.HTM", "html"),
    (b"---\ntitle: T\n---\n\nBody.\n", "<stdin>", "markdown"),  # front matter
    (b"---\r\ntitle: T\r\n---\r\n\r\nBody.\r\n", "<stdin>", "markdown"),
    (b'+++\ntitle = "T"\n+++\n\nBody.\n', "<stdin>", "markdown"),  # TOML front matter
    (b"\n# A Heading\n\nBody.\n", "<stdin>", "markdown"),  # first line an ATX heading
    (b"### Third level\n", "notes", "markdown"),  # no suffix a reader claims
    (b"# A Heading\n\nBody.\n", "notes.txt", "text"),  # .txt names its reader: unchanged
    (b"---\ntitle: T\n---\n", "notes.txt", "text"),
    (b"#hashtag first\n\nBody.\n", "<stdin>", "text"),  # not a heading: no space
    (b"A Title\n\n# a later line\n", "<stdin>", "text"),  # a heading, but not first
    (b"    # indented\n", "<stdin>", "text"),  # indented: code, not a heading
    (b"---\n\nA rule, not front matter.\n\n---\n\nMore.\n", "<stdin>", "text"),
    (b"A Title\n\nA paragraph.\n", "<stdin>", "text"),
    (b"A Title\n\nA paragraph.\n", "notes.rst", "text"),  # unknown suffix: plain text
    (b"", "<stdin>", "text"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a.txt", "text"),  # refused later, as binary
]


@pytest.mark.parametrize(("head", "name", "reader"), PICKS)
def test_reader_is_picked_by_signature_then_suffix_then_likely_content(
    head: bytes, name: str, reader: str
) -> None:
    assert pick(head, name).name == reader


def test_builtin_readers_and_the_one_list_of_suffixes() -> None:
    assert [r.name for r in readers()] == ["text", "markdown", "html", "epub"]
    assert suffixes() == (".txt", ".md", ".markdown", ".html", ".htm", ".xhtml", ".epub")
    assert supported_inputs() == ".txt, .md, .html, .epub"
    assert supported_inputs(" or ") == ".txt, .md, .html or .epub"


def test_peek_never_fails_and_decodes_like_decode() -> None:
    text = "Café <html>"
    for data in (text.encode(), text.encode("utf-16"), text.encode("utf-16-be")):
        assert peek(data) == decode(data, "x")
    assert peek("é".encode()[:1]) == "\ufffd"  # a character cut at the end of the head
    assert peek(b"\x00\x01\x02\xff") == "\x00\x01\x02\ufffd"  # binary


# --- HTML through standard input and misnamed files is read as HTML ---------------------------


def test_html_on_stdin_is_read_as_html(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin(monkeypatch, PAGE.encode())
    article = read_source("-")
    assert (article.title, article.language, article.source) == ("La crue", "fr", "<stdin>")
    assert [b.text for b in article.blocks if b.kind == HEADING] == ["Évacuations"]
    spoken = " ".join(b.text for b in article.blocks)
    assert "Home" not in spoken and "Copyright" not in spoken and "<" not in spoken


def test_html_in_a_misnamed_txt_file_reads_as_the_html_file(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "page.txt").write_text(PAGE, encoding="utf-8")
    as_html = read_source(str(tmp_path / "page.html"))
    as_txt = read_source(str(tmp_path / "page.txt"))
    assert as_txt == replace(as_html, source=str(tmp_path / "page.txt"))
    assert as_txt.title == "La crue"


def test_utf16_html_on_stdin_is_read_as_html(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin(monkeypatch, PAGE.encode("utf-16"))
    assert read_source("-").title == "La crue"


def test_markdown_on_stdin_is_read_as_markdown(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin(monkeypatch, MARKDOWN.encode())
    article = read_source("-")
    assert (article.title, article.author) == ("Front Matter Title", "A. Writer")
    assert [b.text for b in article.blocks] == ["A body paragraph."]


def test_heading_in_a_txt_file_stays_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("# Not Markdown\n\nA paragraph.\n", encoding="utf-8")
    assert read_source(str(path)).title == "# Not Markdown"


def test_messages_keep_their_wording(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(
        InputError, match=re.escape("is a folder; give an article file (.txt, .md, .html or .epub)")
    ):
        read_source(str(tmp_path))
    stdin(monkeypatch, b"Caf\x81\x8d\x90\x9d cr\x8fme\n")  # no encoding reads this
    with pytest.raises(InputError, match=r"^standard input: not valid UTF-8 \(byte 3\)"):
        read_source("-")
    stdin(monkeypatch, b"")
    with pytest.raises(InputError, match=r"^<stdin>: is empty; give an article with some text$"):
        read_source("-")


def test_size_limit_is_checked_on_the_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    from podcast.text.readers import registry

    monkeypatch.setattr(registry, "MAX_INPUT_BYTES", 10)
    stdin(monkeypatch, b"A Title\n\nA paragraph.\n")
    with pytest.raises(InputError, match=r"^standard input: larger than 0 MB; split the article$"):
        read_source("-")


# --- .xhtml is read, and so found in folders (the bug: read by ingest, skipped by build) -------


def test_xhtml_in_a_folder_is_built_and_read(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "lock.xhtml").write_text(XHTML, encoding="utf-8")
    (folder / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / "NOTES.TXT").write_text("Notes\n\nA line.\n", encoding="utf-8")
    expected = [str(folder / "NOTES.TXT"), str(folder / "lock.xhtml")]
    assert expand_sources([str(folder)]) == expected
    assert [str(p) for p in articles_in(folder)] == expected
    project = Project(tmp_path)
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "lock.xhtml").write_text(XHTML, encoding="utf-8")
    assert default_sources(project) == [str(tmp_path / "seeds" / "lock.xhtml")]
    article = read_source(str(folder / "lock.xhtml"))
    assert article.title == "The Lock Keeper" and article.language == "en"


# --- the seam: a reader defined here, registered with one line ---------------------------------


ORG = "#+TITLE: Canal Notes\n\n* The Locks\n\nThe gates open at dawn for the first barges.\n"


@pytest.fixture
def org_reader() -> Iterator[None]:
    register(ModuleReader("org", (".org",), "tests.org_reader"))  # the one line it needs
    yield
    unregister("org")


@pytest.mark.usefixtures("org_reader")
def test_a_new_reader_is_picked_by_suffix_and_by_sniff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert pick(b"* Only a heading\n", "canal.org").name == "org"  # by suffix
    assert pick(ORG.encode(), "<stdin>").name == "org"  # by sniff
    assert pick(ORG.encode(), "canal.txt").name == "org"  # misnamed
    path = tmp_path / "canal.org"
    path.write_text(ORG, encoding="utf-8")
    article = read_source(str(path))
    assert article.title == "Canal Notes"
    assert [(b.kind, b.text) for b in article.blocks] == [
        (HEADING, "The Locks"),
        (PARAGRAPH, "The gates open at dawn for the first barges."),
    ]
    stdin(monkeypatch, ORG.encode())
    assert read_source("-") == replace(article, source="<stdin>")
    assert read_bytes(ORG.encode(), "<stdin>") == replace(article, source="<stdin>")


@pytest.mark.usefixtures("org_reader")
def test_a_new_reader_joins_the_one_list_of_inputs(tmp_path: Path) -> None:
    assert ".org" in suffixes() and supported_inputs() == ".txt, .md, .html, .epub, .org"
    (tmp_path / "canal.org").write_text(ORG, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("Notes\n\nA line.\n", encoding="utf-8")
    assert expand_sources([str(tmp_path)]) == [
        str(tmp_path / "canal.org"),
        str(tmp_path / "notes.txt"),
    ]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match=re.escape("(.txt, .md, .html, .epub, .org); add one")):
        expand_sources([str(empty)])


@pytest.mark.usefixtures("org_reader")
def test_a_new_reader_is_used_by_the_script_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["script", "-", "--json"], input=ORG)
    assert result.exit_code == 0, result.output
    assert '"title": "Canal Notes"' in result.stdout
    assert '"title": "The Locks"' in result.stdout


def test_a_reader_cannot_claim_a_taken_name_or_suffix() -> None:
    with pytest.raises(ValueError, match="'text'"):
        register(ModuleReader("text", (".org",), "tests.org_reader"))
    with pytest.raises(ValueError, match=r"'markdown' already reads \.markdown"):
        register(ModuleReader("org", (".org", ".markdown"), "tests.org_reader"))
    assert [r.name for r in readers()] == ["text", "markdown", "html", "epub"]


def test_listing_the_inputs_imports_no_parser() -> None:
    """``podcast --help`` lists the inputs: that must not cost the parsers' imports."""
    code = (
        "import sys, podcast.cli, podcast.text.readers as r; r.supported_inputs(); "
        "print(sorted(m for m in sys.modules if m.startswith('podcast.text.readers.')))"
    )
    result = run_python(code)
    assert result.stdout.split() == [
        "['podcast.text.readers.decode',",
        "'podcast.text.readers.registry']",
    ]


def test_sniffing_a_source_loads_no_parser() -> None:
    """Every source is sniffed by every reader: picking one imports none of the parsers an
    EPUB or a web page needs (zipfile, ElementTree, lxml: 12 ms of every build)."""
    probe = (
        "import sys\n"
        "from podcast.text.readers import pick\n"
        "for head, name in ((b'Hello.', 'a.txt'), (b'# Title', 'a.md'),\n"
        "                   (b'<html><p>x</p></html>', 'a.html'), (b'PK\\x03\\x04', 'a.epub')):\n"
        "    pick(head, name)\n"
        "print(sorted(m for m in ('zipfile', 'xml.etree.ElementTree', 'lxml', 'markdown_it')\n"
        "             if m in sys.modules))\n"
    )
    assert run_python(probe).stdout.strip() == "[]"
