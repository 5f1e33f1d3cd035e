"""Reading articles: plain and hard-wrapped text, Markdown, HTML, stdin and encodings."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from podcast.errors import InputError
from podcast.models import HEADING, PARAGRAPH
from podcast.text.readers import read_source
from podcast.text.readers.decode import decode
from podcast.text.readers.markdown import parse_markdown
from podcast.text.readers.plain import parse_text

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus")

GUTENBERG = """\
[Illustration]

Alice’s Adventures in Wonderland

by Lewis Carroll

Contents

 CHAPTER I.     Down the Rabbit-Hole
 CHAPTER II.    The Pool of Tears


CHAPTER I.
Down the Rabbit-Hole


Alice was beginning to get very tired of sitting by her sister on the
bank, and of having nothing to do: it was _very_ remarkable.

[Illustration]

So she was considering in her own mind.


CHAPTER II.
The Pool of Tears


“Curiouser and curiouser!” cried Alice.
"""

MARKDOWN = """\
---
title: Evolution of HTTP
author: MDN contributors
date: 2024-01-05
---

**HTTP** is the protocol of the [World Wide Web](https://example.org/www).
It is defined in {{RFC(1945)}} with {{HTTPHeader("Host")}}.{{Compat}}

## Invention

- A textual format, _HTML_.
- A protocol, *HTTP*.

![a diagram](diagram.png)

```http
GET /index.html
```

Done.
"""

HTML = """<!doctype html><html lang="en"><head><title>Site | Story</title>
<script>var tracking = "do not read me";</script></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<div class="cookie-banner">We use cookies. Accept all cookies?</div>
<article><h1>The River Rises</h1>
<p>The river rose four feet overnight and reached the old stone bridge by dawn, surprising
residents who had gone to bed expecting only light rain across the valley.</p>
<div class="share">Share on Facebook Share on Twitter</div>
<h2>Evacuations</h2>
<p>Officials ordered families near the water to leave their homes before noon, and buses
carried people to the school gym, where volunteers served soup and blankets all day long.</p>
<h2>What comes next</h2>
<p>Forecasters expect the water to fall slowly over the weekend, though more rain could
arrive on Monday and keep the lower streets flooded for several more days at least.</p>
</article><footer>Copyright 2024 Example News. All rights reserved.</footer></body></html>
"""


def test_gutenberg_chapters_contents_and_marks() -> None:
    article = parse_text(GUTENBERG, "alice.txt")
    assert article.title == "Alice’s Adventures in Wonderland"
    headings = [b.text for b in article.blocks if b.kind == HEADING]
    assert headings == ["Chapter I: Down the Rabbit-Hole", "Chapter II: The Pool of Tears"]
    paragraphs = [b.text for b in article.blocks if b.kind == PARAGRAPH]
    assert article.author == "Lewis Carroll"  # from the title page, listed as removed
    assert paragraphs[0].startswith(
        "Alice was beginning to get very tired of sitting by her sister on the bank,"
    )
    assert "_" not in paragraphs[0] and "very remarkable" in paragraphs[0]
    assert not any("Illustration" in p for p in paragraphs)
    reasons = [r.reason for r in article.removed]
    assert reasons.count("illustration mark") == 2 and "table of contents" in reasons


def test_gutenberg_licence_and_roman_headings() -> None:
    text = (
        "The Project Gutenberg eBook of The Adventures of Sherlock Holmes\n\nLicence words.\n\n"
        "*** START OF THE PROJECT GUTENBERG EBOOK THE ADVENTURES OF SHERLOCK HOLMES ***\n\n"
        "The Adventures of Sherlock Holmes\n\nby Arthur Conan Doyle\n\n"
        "I. A SCANDAL IN BOHEMIA\n\n\nI.\n\nTo Sherlock Holmes she is always _the_ woman.\n\n"
        "II. THE RED-HEADED LEAGUE\n\nI had called upon my friend.\n\n"
        "*** END OF THE PROJECT GUTENBERG EBOOK THE ADVENTURES OF SHERLOCK HOLMES ***\n\n"
        "Updated editions will replace the previous one.\n"
    )
    article = parse_text(text, "holmes.txt")
    assert article.title == "The Adventures of Sherlock Holmes"
    headings = [b.text for b in article.blocks if b.kind == HEADING]
    assert headings == ["I: A Scandal in Bohemia", "II: The Red-Headed League"]
    spoken = " ".join(b.text for b in article.blocks)
    assert "Licence" not in spoken and "Updated editions" not in spoken
    assert "the woman" in spoken
    reasons = {r.reason for r in article.removed}
    assert {"Project Gutenberg header", "Project Gutenberg licence"} <= reasons


def test_markdown_front_matter_links_lists_code_and_macros() -> None:
    article = parse_markdown(MARKDOWN, "http.md")
    assert (article.title, article.author, article.date) == (
        "Evolution of HTTP", "MDN contributors", "2024-01-05"
    )  # fmt: skip
    texts = [b.text for b in article.blocks]
    assert texts[0] == (
        "HTTP is the protocol of the World Wide Web. It is defined in RFC 1945 with Host."
    )
    # issue 15: a code block is announced in one short sentence (and listed), not dropped mutely
    assert texts[1:6] == [
        "Invention",
        "A textual format, HTML.",
        "A protocol, HTTP.",
        "A code example is skipped here.",
        "Done.",
    ]
    assert article.blocks[1].kind == HEADING
    reasons = {r.reason for r in article.removed}
    assert {"code block", "image", "template macro"} <= reasons
    assert not any("http" in t.lower() and "://" in t for t in texts)


def test_html_main_article_without_furniture(tmp_path: Path) -> None:
    page = tmp_path / "river.html"
    page.write_text(HTML, encoding="utf-8")
    article = read_source(str(page))
    assert article.title == "The River Rises"
    assert [b.text for b in article.blocks if b.kind == HEADING] == [
        "Evacuations",
        "What comes next",
    ]
    spoken = " ".join(b.text for b in article.blocks)
    for furniture in ("tracking", "Home", "cookies", "Share on", "Copyright"):
        assert furniture not in spoken
    assert spoken.count("river") + spoken.count("water") >= 2


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"A Title\n\nA first paragraph.\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    article = read_source("-")
    assert article.title == "A Title"
    assert [b.text for b in article.blocks] == ["A first paragraph."]


def test_utf16_with_bom_is_detected() -> None:
    assert decode("Café €5".encode("utf-16"), "x") == "Café €5"


def test_utf16_without_bom_is_detected() -> None:
    assert decode("Plain text, no mark.".encode("utf-16-le"), "x") == "Plain text, no mark."
    assert decode("Plain text, no mark.".encode("utf-16-be"), "x") == "Plain text, no mark."


def test_latin1_is_read_right_never_mojibake() -> None:
    assert decode("Café crème".encode("latin-1"), "x.txt") == "Café crème"


def test_binary_is_refused() -> None:
    with pytest.raises(InputError, match="binary"):
        decode(bytes(range(256)) * 4, "x.bin")


@pytest.mark.parametrize(
    ("name", "title", "min_chapters"),
    [
        ("alice_chapters_1-3.txt", "Alice’s Adventures in Wonderland", 3),
        ("mdn_evolution_of_http.md", "Evolution of HTTP", 8),
        ("gitlab_devsecops_survey.html", "3 surprising findings from our 2024 Global DevSecOps Survey", 3),
    ],
)  # fmt: skip
def test_corpus_articles(name: str, title: str, min_chapters: int) -> None:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"{path} not available")
    article = read_source(str(path))
    assert article.title == title
    assert sum(b.kind == HEADING for b in article.blocks) >= min_chapters
    text = " ".join(b.text for b in article.blocks)
    for junk in ("<", "{{", "](", "```", "[Illustration]"):
        assert junk not in text, junk
