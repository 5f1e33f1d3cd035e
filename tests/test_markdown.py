"""Markdown through a CommonMark parser: front matter never spoken, code announced and listed,
footnotes read where cited, small tables read as rows, math and URLs never reach the engine."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from podcast.models import HEADING, PARAGRAPH, Article
from podcast.text.readers import pick, read_source
from podcast.text.readers.markdown import (
    CODE_NOTE,
    INLINE_MATH,
    MATH_NOTE,
    parse_markdown,
    title_from_file_name,
)


def spoken(article: Article) -> str:
    return " ".join(b.text for b in article.blocks)


def reasons(article: Article) -> list[str]:
    return [r.reason for r in article.removed]


TOML_POST = """\
+++
path = "2024/07/25/Rust-1.80.0"
title = "Announcing Rust 1.80.0"
authors = ["The Rust Release Team"]
date = 2024-07-25
canonical = "https://blog.example.org/2024/07/25/rust"
license = "CC-BY-4.0"

[extra]
release = true
+++

The Rust team is happy to announce a new version.

## What's new

It is faster.
"""


def test_toml_front_matter_is_metadata_never_spoken() -> None:
    article = parse_markdown(TOML_POST, "2024-07-25-Rust-1.80.0.md")
    assert article.title == "Announcing Rust 1.80.0"
    assert (article.author, article.date) == ("The Rust Release Team", "2024-07-25")
    assert article.url == "https://blog.example.org/2024/07/25/rust"
    text = spoken(article)
    for leak in ("authors", "=", "release", "path", "CC-BY"):
        assert leak not in text
    assert [b.text for b in article.blocks if b.kind == HEADING] == ["What's new"]
    (front,) = [r for r in article.removed if r.reason == "front matter"]
    assert "license" in front.text  # the licence is kept, listed with the front matter


def test_yaml_front_matter_language_and_link() -> None:
    text = "---\ntitle: 'Un titre'\nlang: FR\nlink: https://exemple.fr/a\n---\n\nBonjour.\n"
    article = parse_markdown(text, "a.md")
    assert (article.title, article.language, article.url) == (
        "Un titre",
        "fr",
        "https://exemple.fr/a",
    )
    assert spoken(article) == "Bonjour."


@pytest.mark.parametrize(
    ("head", "reader"),
    [
        (TOML_POST.encode(), "markdown"),
        (b"---\ntitle: T\n---\nBody.\n", "markdown"),
        (b"+++\n\nNot front matter.\n", "text"),
        (b"+++ a plus line\n", "text"),
    ],
)
def test_front_matter_on_stdin_is_sniffed(head: bytes, reader: str) -> None:
    assert pick(head, "<stdin>").name == reader


def test_toml_post_through_stdin_reads_like_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TOML_POST.encode())))
    from_stdin = read_source("-")
    path = tmp_path / "post.md"
    path.write_text(TOML_POST, encoding="utf-8")
    assert from_stdin.blocks == read_source(str(path)).blocks
    assert from_stdin.title == "Announcing Rust 1.80.0"


HOWTO = """\
# Set up

Wrap it in ```` ```triple``` ```` backticks, or use `rustup` and `cargo build`.

```sh
curl --proto '=https' https://sh.rustup.rs | sh
```

This sentence after the fence is read.

    indented_code = 1

> A quote with code:
>
> ```
> rm -rf build
> ```
>
> and words after it.

- item one
  ```
  nested code
  ```
- item two
"""


def test_code_is_announced_once_listed_and_never_spelled() -> None:
    article = parse_markdown(HOWTO, "howto.md")
    text = spoken(article)
    assert "This sentence after the fence is read." in text
    assert "and words after it." in text and "item two" in text
    assert "rustup" in text and "cargo build" in text  # short word-like inline code is words
    for code in ("curl", "rm -rf", "indented_code", "nested code", "sh.rustup"):
        assert code not in text, code
    codes = [r.text for r in article.removed if r.reason == "code block"]
    assert len(codes) == 4 and any("rm -rf build" in c for c in codes)
    assert text.count(CODE_NOTE) == 4


def test_an_inline_span_with_triple_backticks_never_opens_a_fence() -> None:
    text = "Use ``` ```x``` ``` inline.\n\nSecond paragraph is prose.\n\nThird too.\n"
    article = parse_markdown(text, "a.md")
    assert [b.text for b in article.blocks][1:] == ["Second paragraph is prose.", "Third too."]
    assert "code block" not in reasons(article)


FOOTNOTES = """\
Costs rise with rigour.[^costs] More text.

Another paragraph.[^costs]

[^costs]: See [this guide](https://example.org/guide.pdf) for details.
[^unused]: Nobody cites this.
"""


def test_footnotes_read_after_the_citing_paragraph_without_urls() -> None:
    article = parse_markdown(FOOTNOTES, "a.md")
    assert [b.text for b in article.blocks] == [
        "Costs rise with rigour. More text.",
        "Footnote: See this guide for details.",
        "Another paragraph.",
    ]
    assert "footnote" in reasons(article)  # the uncited one is listed
    assert not any("example.org" in b.text for b in article.blocks)


def test_link_definitions_urls_badges_images_comments_never_spoken() -> None:
    text = (
        "# Tool\n\n"
        "[![Build](https://img.shields.io/b.svg)](https://ci.example.org)\n"
        "[![Version](https://img.shields.io/v.svg)](https://pypi.org/x)\n\n"
        "See the [docs][d] or <https://www.example.com/long/path> now.\n\n"
        "![A diagram of the pipeline](diagram.png)\n\n"
        "<!-- a hidden note -->\n\n"
        "Visit https://example.net/page for more.\n\n"
        "[d]: https://docs.example.org/manual\n"
    )
    article = parse_markdown(text, "a.md")
    said = spoken(article)
    assert "://" not in said and "shields" not in said and "manual" not in said
    assert "See the docs or example.com now." in said
    assert "Visit example.net for more." in said
    found = reasons(article)
    assert found.count("badge") == 2 and "image" in found
    assert {"HTML comment", "link definition", "link"} <= set(found)


def test_small_tables_are_read_as_rows_large_ones_announced_and_listed() -> None:
    small = "| Tool | Time |\n|---|---|\n| ripgrep | 0.1s |\n| grep | 2.5s |\n"
    article = parse_markdown(small, "a.md")
    assert [b.text for b in article.blocks] == [
        "Tool: ripgrep; Time: 0.1s.",
        "Tool: grep; Time: 2.5s.",
    ]
    rows = "".join(f"| r{i} | {i} |\n" for i in range(20))
    article = parse_markdown("| Name | N |\n|---|---|\n" + rows, "a.md")
    assert [b.text for b in article.blocks] == ["A table with 20 rows is skipped here."]
    (table,) = [r for r in article.removed if r.reason == "table"]
    assert "r19 | 19" in table.text


def test_math_never_reaches_the_engine_as_symbols() -> None:
    text = (
        "The mean $\\mu$ of $x_i$ is $\\frac{1}{n}\\sum_i x_i$ here.\n\n"
        "$$\\frac{a+b}{a} = \\frac{a}{b}$$\n\n"
        "```math\n\\sqrt{2}\n```\n\n"
        "It costs $5 and $10.\n"
    )
    article = parse_markdown(text, "a.md")
    texts = [b.text for b in article.blocks]
    assert texts[0] == f"The mean mu of x sub i is {INLINE_MATH} here."
    assert texts[1] == MATH_NOTE  # one announcement for the two blocks in a row
    assert texts[2] == "It costs $5 and $10."  # money is not math
    assert reasons(article).count("math") == 3
    assert "\\" not in spoken(article)


def test_setext_headings_nested_lists_and_quotes_in_order() -> None:
    text = (
        "My Tool\n=======\n\nIntro.\n\nUsage\n-----\n\n"
        "1. First\n   - nested a\n   - nested b\n2. Second\n\n> Quoted words.\n\nEnd.\n"
    )
    article = parse_markdown(text, "a.md")
    assert article.title == "My Tool"
    assert [(b.kind, b.text) for b in article.blocks] == [
        (PARAGRAPH, "Intro."),
        (HEADING, "Usage"),
        (PARAGRAPH, "First"),
        (PARAGRAPH, "nested a"),
        (PARAGRAPH, "nested b"),
        (PARAGRAPH, "Second"),
        (PARAGRAPH, "Quoted words."),
        (PARAGRAPH, "End."),
    ]


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("2024-07-25-Rust-1.80.0.md", "Rust 1.80.0"),
        ("posts/my_first-post.markdown", "my first post"),
        ("21_rust-1.80-release.md", "rust 1.80 release"),
        ("notes", "notes"),
        ("<stdin>", "Untitled"),
    ],
)
def test_a_file_without_a_title_gets_its_cleaned_name(name: str, title: str) -> None:
    assert title_from_file_name(name) == title
    article = parse_markdown("Just a paragraph of prose.\n", name)
    assert article.title == title and ".md" not in article.title


def test_a_document_opening_with_a_lower_heading_takes_it_as_title() -> None:
    article = parse_markdown(
        "ripgrep (rg)\n------------\nA search tool.\n\n## Install\n\nx\n", "r.md"
    )
    assert article.title == "ripgrep (rg)"
    assert [b.text for b in article.blocks if b.kind == HEADING] == ["Install"]


def test_inline_code_words_kept_symbols_handled() -> None:
    text = "Call `OnceLock::get_or_init()` or `Vec<T>` or `a..=b`, not `$`.\n"
    article = parse_markdown(text, "a.md")
    said = spoken(article)
    assert said == "Call OnceLock get_or_init or Vec T or a b, not $."
    assert {r.text for r in article.removed if r.reason == "inline code"} == {"Vec<T>", "a..=b"}


def test_template_macros_roles_and_emoji_are_listed_not_read() -> None:
    text = "Runs on {% data variables.product %} today. :tada:\n\nSee :numref:`fig_x` now.\n"
    article = parse_markdown(text, "a.md")
    assert [b.text for b in article.blocks] == ["Runs on today.", "See now."]
    assert {"template macro", "emoji", "cross-reference"} <= set(reasons(article))


CORPUS = Path(__file__).resolve().parent.parent / "benchmarks" / "corpus" / "texts"


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in CORPUS.glob("*.md")) if CORPUS.is_dir() else [],
)
def test_corpus_markdown_speaks_no_urls_front_matter_or_code(name: str) -> None:
    article = read_source(str(CORPUS / name))
    assert article.title and not article.title.endswith(".md")
    said = spoken(article)
    for junk in ("://", "```", "+++", "](", "{%", "\\frac", "authors =", "fn main()"):
        assert junk not in said, junk
