"""The measures of benchmarks/wild.py on tiny inputs: each one can fail, and says where."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import wild


def test_tokens_are_unicode_lowercase_letter_and_digit_runs() -> None:
    assert wild.tokens("Über HTML5, l’été — x_y 3.14") == [
        "über",
        "html5",
        "l",
        "été",
        "x",
        "y",
        "3",
        "14",
    ]


def test_words_neither_spoken_nor_listed_are_lost() -> None:
    loss = wild.lost_words("alpha beta gamma delta", ["alpha beta"], ["gamma"])
    assert (loss.reference_words, loss.lost_words) == (4, 1)
    assert loss.pct == pytest.approx(25.0)
    assert loss.examples == ["delta"]


def test_words_spoken_elsewhere_or_listed_are_not_lost() -> None:
    reference = "one two three four five six seven eight"
    loss = wild.lost_words(reference, ["five six seven eight", "one two"], ["three four"])
    assert loss.lost_words == 0


def test_a_word_counts_as_often_as_it_occurs() -> None:
    # "the" is spoken once but written three times: two are lost.
    loss = wild.lost_words("the cat the dog the end", ["the cat dog end"], [])
    assert loss.lost_words == 2


def test_lost_words_after_a_listing_cut_short_are_told_apart() -> None:
    reference = "we say this. code block one two three four five six. we say that."
    loss = wild.lost_words(reference, ["we say this.", "we say that."], ["code block one two thr"])
    assert loss.lost_words == 4  # three four five six (the listing stops at "thr")
    assert loss.cut_words == 4
    silent = wild.lost_words(reference, ["we say this.", "we say that."], [])
    assert silent.cut_words == 0 and silent.lost_words == 8


def test_suspicious_forms_are_found_and_clean_text_passes() -> None:
    found = wild.suspicious_forms(
        [
            "the I S B N nine seven eight",
            "P A R T two",
            "version v2.1 of x86",
            "a {brace} and 50% / more",
            "see https colon or www.example.com or example dot org",
            "word " * 100,
        ],
        {"part", "two"},
    )
    counts = found.counts
    assert counts["spelled"] == 2
    assert counts["spelled words"] == 1  # "P A R T": a word the text writes in lower case
    assert counts["digit+letter"] == 2
    assert counts["symbols"] == 4
    assert counts["urls"] == 3
    assert counts["long chunks"] == 1
    assert found.examples["spelled words"] == ["P A R T two"]
    clean = wild.suspicious_forms(["It was a dark and stormy night, said A. Smith."], set())
    assert set(clean.counts.values()) == {0}


def test_markdown_reference_is_what_a_reader_sees() -> None:
    source = (
        "+++\ntitle = 'Hidden'\n+++\n# Head\n\nText with a note[^n] and [link][r].\n\n"
        "[r]: https://example.org/secret\n[^n]: The note.\n\n```sh\nls -la\n```\n<!-- unseen -->\n"
    )
    words = wild.tokens(wild.markdown_text(source))
    assert words == ["head", "text", "with", "a", "note", "and", "link", "the", "note", "ls", "la"]


def test_page_text_keeps_blocks_apart_and_drops_scripts() -> None:
    page = b"<html><head><title>T</title></head><body><h1>Big</h1><p>one</p><p>two</p>"
    page += b"<script>var x = 1;</script><style>p{}</style><!-- c --></body></html>"
    assert wild.tokens(wild.html_text(page)) == ["big", "one", "two"]


def test_a_text_is_measured_through_podcast_script(tmp_path: Path) -> None:
    article = tmp_path / "story.md"
    article.write_text(
        "# The Lighthouse Keeper\n\nThe keeper climbed the stairs every evening.\n\n"
        "## Storm\n\nOne night the storm broke the lamp, and he lit candles.\n",
        encoding="utf-8",
    )
    row = wild.measure(article)
    assert row.error == ""
    assert row.reference == "commonmark" and row.reference_words == 22
    assert row.lost_pct == 0.0 and row.spoken_words >= 22 and row.seconds > 0
    assert row.chapters >= 1 and row.chapter_titles


def test_an_error_is_a_row_not_a_crash(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    row = wild.measure(missing)
    assert row.error and "\n" not in row.error
    report = wild.table([row])
    assert "**error**" in report and "1 refused with an error" in report


def test_the_title_is_flagged_when_it_is_the_file_name() -> None:
    assert wild.title_flag("20 rust blog traits", Path("20_rust-blog-traits.md")) == "file name"
    assert wild.title_flag("", Path("x.txt")) == "empty"
    assert wild.title_flag("Traits in Rust", Path("20_rust-blog-traits.md")) == ""
