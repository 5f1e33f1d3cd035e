"""Plain-text bulletins and notices (weather advisories, agency notices): underlined headings
start chapters, glued ellipses part words, and a sentence opening with "By" is not a byline."""

from __future__ import annotations

from podcast.models import HEADING, PARAGRAPH
from podcast.text.readers.plain import parse_text

ADVISORY = """BULLETIN
Subtropical Depression One Advisory Number 1

...SUBTROPICAL DEPRESSION FORMS IN THE CENTRAL ATLANTIC...

SUMMARY OF 1100 AM AST...1500 UTC...INFORMATION
-----------------------------------------------
LOCATION...31.9N 40.9W
MAXIMUM SUSTAINED WINDS...35 MPH...55 KM/H


WATCHES AND WARNINGS
--------------------
There are no coastal watches or warnings in effect.


DISCUSSION AND 48-HOUR OUTLOOK
==============================
At 1100 AM AST, the center of the depression was located near latitude 31.9 North.
"""


def test_underlined_headings_start_chapters_in_natural_case() -> None:
    article = parse_text(ADVISORY, "advisory.txt")
    headings = [b.text for b in article.blocks if b.kind == HEADING]
    assert headings == [
        "Summary of 1100 AM AST... 1500 UTC... Information",
        "Watches and Warnings",
        "Discussion and 48-Hour Outlook",
    ]
    paragraphs = [b.text for b in article.blocks if b.kind == PARAGRAPH]
    # the underline is no word and is not read; the lines under it stay a paragraph
    assert not any(set(p) <= {"-", "="} for p in paragraphs)
    assert "LOCATION... 31.9N 40.9W MAXIMUM SUSTAINED WINDS... 35 MPH... 55 KM/H" in paragraphs


def test_a_dashed_line_inside_prose_is_no_heading() -> None:
    text = "A title\n\nThis is a long line of running prose that goes on and on for a while.\n---\n"
    article = parse_text(text, "a.txt")
    assert all(b.kind == PARAGRAPH for b in article.blocks)


def test_a_sentence_opening_with_by_is_not_a_byline() -> None:
    article = parse_text("Tricky sentence\n\nBy 2030 the plan ends.\n", "a.txt")
    assert article.title == "Tricky sentence"
    assert [b.text for b in article.blocks] == ["By 2030 the plan ends."]
    assert not article.removed


def test_a_real_byline_still_makes_a_title_page() -> None:
    text = (
        "TREASURE ISLAND\n\nby Robert Louis Stevenson\n\n\n\nThe squire asked me to write "
        "down the whole particulars about the island, from the beginning to the end.\n"
    )
    article = parse_text(text, "book.txt")
    assert (article.title, article.author) == ("Treasure Island", "Robert Louis Stevenson")
