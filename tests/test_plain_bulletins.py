"""Plain-text bulletins and notices (weather advisories, agency notices): underlined headings
start chapters, glued ellipses part words, and a sentence opening with "By" is not a byline.
Teletype bulletins: the transmission header is listed, the title block gives the title, the
office and the issuance time, ".SECTION..." headings are chapters, "&&"/"$$" are listed."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from podcast.models import HEADING, PARAGRAPH, Article
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


# --- teletype bulletins (a forecast discussion, a notice): written here, not taken from the
# corpus, with CR CR LF line ends as they come off the wire -----------------------------------

DISCUSSION = "\r\r\n".join(
    [
        "\x01",
        "412 ",
        "FXUS63 KDMX 021130",
        "AFDDMX",
        "",
        "AREA FORECAST DISCUSSION",
        "NATIONAL WEATHER SERVICE DES MOINES IA",
        "530 AM CST SAT FEB 2 2019",
        "",
        ".SHORT TERM /TODAY THROUGH TONIGHT/...",
        "FOG WILL LIFT BY MIDDAY. AS FOR THE SNOW TOMORROW...MODELS STILL",
        "DISAGREE ON ITS TRACK /MOST TAKE IT SOUTH OF THE STATE/ AND TODAY/S",
        "RUNS CHANGED LITTLE.",
        "",
        "&&",
        "",
        ".AVIATION...FOR THE 12Z TAFS",
        "LIFR IN FOG AT FIRST...IMPROVING TO VFR BY NOON.",
        "",
        "&&",
        "",
        ".DMX WATCHES/WARNINGS/ADVISORIES...",
        "IA...NONE.",
        "MN...NONE.",
        "",
        "$$",
        "",
        "SHORT TERM...SMITH",
        "AVIATION...JONES",
        "\x03",
    ]
).encode()

NOTICE = """000
NOUS43 KOAX 151200 CCA
PNSOAX

Public Information Statement
National Weather Service Omaha/Valley NE
700 AM CDT Mon Jul 15 2024

.TORNADO SURVEY...A crew surveyed the damage near Blair on Sunday.

* EVENT TYPE...EF1 tornado
* PEAK WIND...100 mph

.RAINFALL TOTALS...
Totals for the 24 hours ending at 7 AM:

LOCATION          TOTAL   TIME
Blair              2.31   700 AM
Fremont            1.75   700 AM

$$
"""


def _read(data: bytes, name: str = "afd.txt") -> Article:
    from podcast.text.readers.plain import read

    return read(data, name)


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


def test_a_forecast_discussion_reads_as_a_bulletin() -> None:
    article = _read(DISCUSSION)
    assert article.title == "Area Forecast Discussion"
    reasons = {r.text: r.reason for r in article.removed}
    # the transmission header is furniture, listed (never silently dropped)
    assert reasons["\x01 / 412 / FXUS63 KDMX 021130 / AFDDMX"] == "transmission header"
    assert [r.reason for r in article.removed].count("bulletin separator") == 3  # && && $$
    headings = [b.text for b in article.blocks if b.kind == HEADING]
    assert headings == [
        "Short Term (Today Through Tonight)",
        "Aviation",
        "DMX Watches/Warnings/Advisories",
    ]
    paragraphs = [b.text for b in article.blocks if b.kind == PARAGRAPH]
    # the office and the issuance time are read, in natural case, postal codes kept
    assert paragraphs[0] == "National Weather Service Des Moines IA. 530 AM CST Sat Feb 2 2019."
    assert article.date == "Sat Feb 2 2019 5:30 AM"
    # CR CR LF is one line end: the wrapped lines make one paragraph, its aside in
    # parentheses and its teletype possessive an apostrophe
    assert paragraphs[1] == (
        "FOG WILL LIFT BY MIDDAY. AS FOR THE SNOW TOMORROW... MODELS STILL DISAGREE ON ITS "
        "TRACK (MOST TAKE IT SOUTH OF THE STATE) AND TODAY'S RUNS CHANGED LITTLE."
    )
    # a heading's text on its own line is read; list items one by one
    assert "FOR THE 12Z TAFS LIFR IN FOG AT FIRST... IMPROVING TO VFR BY NOON." in paragraphs
    # (the end-of-text control character is stripped and listed at the door: sanitize.py)
    assert [p.rstrip("\x03 ") for p in paragraphs[-4:]] == [
        "IA... NONE.",
        "MN... NONE.",
        "SHORT TERM... SMITH",
        "AVIATION... JONES",
    ]


def test_no_word_of_a_bulletin_is_lost() -> None:
    article = _read(DISCUSSION)
    kept = _words(" ".join([article.title, *(b.text for b in article.blocks)]))
    kept += _words(" ".join(r.text for r in article.removed))
    missing = Counter(_words(DISCUSSION.decode())) - Counter(kept)
    # the headings' "/.../" asides lost nothing; only the case changed
    assert not missing, missing


def test_a_notice_in_mixed_case_with_a_table_and_a_list() -> None:
    article = _read(NOTICE.encode(), "pns.txt")
    assert article.title == "Public Information Statement"
    assert article.date == "Mon Jul 15 2024 7:00 AM"
    reasons = [r.reason for r in article.removed]
    assert reasons[0] == "transmission header" and "table" in reasons
    table = next(r.text for r in article.removed if r.reason == "table")
    assert table.startswith("LOCATION") and "Fremont" in table
    blocks = [(b.kind, b.text) for b in article.blocks]
    assert blocks == [
        (PARAGRAPH, "National Weather Service Omaha/Valley NE. 700 AM CDT Mon Jul 15 2024."),
        (HEADING, "Tornado Survey"),
        (PARAGRAPH, "A crew surveyed the damage near Blair on Sunday."),
        (PARAGRAPH, "* EVENT TYPE... EF1 tornado"),
        (PARAGRAPH, "* PEAK WIND... 100 mph"),
        (HEADING, "Rainfall Totals"),
        (PARAGRAPH, "Totals for the 24 hours ending at 7 AM:"),
    ]


def test_a_bulletin_copied_without_its_header_keeps_its_title_block() -> None:
    text = DISCUSSION.decode().split("AFDDMX\r\r\n\r\r\n", 1)[1]
    article = parse_text(text.replace("\r\r\n", "\n"), "afd.txt")
    assert article.title == "Area Forecast Discussion"
    assert article.blocks[1].text == "Short Term (Today Through Tonight)"


@pytest.mark.parametrize(
    "text",
    [
        # a title with digits and capitals is no transmission header
        "COVID19 UPDATE\n\nThe county reported new cases today and more tests.\n",
        # one line that looks like a section heading does not make prose a bulletin
        "A title\n\n.NET...is a platform. It runs on many systems and many people use it.\n",
        # "&&" in an ordinary text is left to the segmenter
        "A title\n\nFirst paragraph here.\n\n&&\n\nSecond paragraph here.\n",
    ],
)
def test_ordinary_texts_are_not_bulletins(text: str) -> None:
    article = parse_text(text, "a.txt")
    assert article.title
    assert not {"transmission header", "bulletin separator", "table"} & {
        r.reason for r in article.removed
    }
    assert all(b.kind == PARAGRAPH for b in article.blocks)


def test_ellipses_are_pauses_not_lost_words() -> None:
    from podcast.text.normalize import normalize
    from podcast.text.segment import sentences

    pieces = sentences("AS FOR THE POTENTIAL STORM FOR TOMORROW... LATEST TRENDS CONTINUE.")
    assert pieces == ["AS FOR THE POTENTIAL STORM FOR TOMORROW...", "LATEST TRENDS CONTINUE."]
    # the issuance time in natural case is said as a time and a date
    said = normalize("530 AM CST Sat Feb 2 2019.")
    assert said.startswith("five thirty A M") and "Saturday February second" in said
