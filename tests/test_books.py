"""Plain-text books: title page, Gutenberg header and licence, table of contents, chapter
headings of every usual shape, capitals in natural case, letter-spaced words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from podcast.models import HEADING, PARAGRAPH, Article
from podcast.text.readers.plain import natural_case, parse_text

CORPUS = Path(__file__).parent.parent / "benchmarks" / "corpus" / "texts"

STORY = [
    "The squire and the doctor had asked me to write down the whole story from the beginning "
    "to the end, keeping nothing back but the bearings of the island where it was found.",
    "I remember the old seaman as if it were yesterday, as he came plodding to the inn door "
    "with his sea-chest following behind him in a hand-barrow on a cold grey morning.",
    "It was longer than the squire imagined before we were ready for the sea, and none of "
    "our first plans could be carried out as we had intended in the spring.",
]
PAD = " ".join(["The wind rose and the rain fell on the roofs of the little town."] * 12)

GUTENBERG = f"""\ufeffThe Project Gutenberg EBook of Sea Stories, by Ann Writer

This eBook is for the use of anyone anywhere at no cost.

Title: Sea Stories

Author: Ann Writer

*** START OF THIS PROJECT GUTENBERG EBOOK SEA STORIES ***




Produced by Some Volunteers




SEA STORIES

by Ann Writer




     CONTENTS

     P A R T  O N E
     The Old Inn

     1.  THE OLD SEA-DOG AT THE INN . . . . . . .  11
     2.  THE BLACK SPOT  . . . . . . . . . . . . .  17

     PART TWO
     The Voyage

     3.  I GO TO BRISTOL  . . . . . . . . . . . . 48




P A R T  O N E--The Old Inn



1

The Old Sea-dog at the Inn

{STORY[0]}

{PAD}


2

The Black Spot

{STORY[1]}

{PAD}



PART TWO--The Voyage


3

I Go to Bristol

IT was longer than the squire imagined before we were ready for the sea, and none of
our first plans could be carried out as we had intended in the spring.

*** END OF THIS PROJECT GUTENBERG EBOOK SEA STORIES ***

This file should be named 1-0.txt. Licence text.
"""

NOVELLA = f"""
                          DIE WANDLUNG

                                VON

                            ERIKA MUSTER



                  V E R L A G  A M  S E E

                           L E I P Z I G



I.


{STORY[0]}

{PAD}



II.


{STORY[1]}

{PAD}



III.


{STORY[2]}
"""

CHAPTERS = f"""Tales of the Road

by A. N. Other

Contents

 CHAPTER I.     The Widow and her Child
 CHAPTER II.    The Old Mint


CHAPTER I.

The Widow and her Child.

{STORY[0]}


CHAPTER II.

The Old Mint.

{STORY[1]}
"""


def headings(article: Article) -> list[str]:
    return [b.text for b in article.blocks if b.kind == HEADING]


def spoken(article: Article) -> str:
    return " ".join(b.text for b in article.blocks)


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


@pytest.mark.parametrize(
    ("text", "title", "author", "chapters", "removed"),
    [
        pytest.param(
            GUTENBERG,
            "Sea Stories",
            "Ann Writer",
            [
                "Part One: The Old Inn",
                "The Old Sea-dog at the Inn",
                "The Black Spot",
                "Part Two: The Voyage",
                "I Go to Bristol",
            ],
            {
                "Project Gutenberg header": "This eBook is for the use",
                "Project Gutenberg licence": "Licence text",
                "producer's credit": "Produced by Some Volunteers",
                "title page": "SEA STORIES / by Ann Writer",
                "table of contents": "THE OLD SEA-DOG AT THE INN . . .",
            },
            id="gutenberg-numerals-parts-contents",
        ),
        pytest.param(
            NOVELLA,
            "Die Wandlung",
            "Erika Muster",
            ["I", "II", "III"],
            {"title page": "VERLAG AM SEE / LEIPZIG"},
            id="title-page-von-roman-parts",
        ),
        pytest.param(
            CHAPTERS,
            "Tales of the Road",
            "A. N. Other",
            ["Chapter I: The Widow and her Child", "Chapter II: The Old Mint"],
            {"table of contents": "CHAPTER I.     The Widow and her Child"},
            id="chapter-headings-title-below",
        ),
    ],
)
def test_books_read_right(
    text: str, title: str, author: str, chapters: list[str], removed: dict[str, str]
) -> None:
    article = parse_text(text, "book.txt")
    assert (article.title, article.author) == (title, author)
    assert headings(article) == chapters
    listed = {(r.reason, r.text) for r in article.removed}
    for reason, piece in removed.items():
        assert any(r == reason and piece in t for r, t in listed), (reason, piece, listed)
    said = spoken(article)
    for paragraph in STORY[: len(chapters) if len(chapters) < 3 else 3]:
        assert paragraph.lower()[3:] in said.lower(), paragraph  # the story is all there
    # furniture never spoken: no page numbers, no dot leaders, no licence, no letter spacing
    assert ". . ." not in said and "Licence" not in said and "P A R T" not in said
    assert not re.search(r"\b[A-Z] [A-Z] [A-Z]\b", said)


def test_chapter_opening_capitals_are_read_in_natural_case() -> None:
    article = parse_text(GUTENBERG, "book.txt")
    paragraphs = [b.text for b in article.blocks if b.kind == PARAGRAPH]
    assert paragraphs[-1].startswith("It was longer")


def test_no_word_of_the_story_is_lost() -> None:
    """Every word of the book's body is in a paragraph or a heading, in order."""
    article = parse_text(GUTENBERG, "book.txt")
    heard = iter(words(" ".join(b.text for b in article.blocks)))
    body = " ".join([STORY[0], PAD, STORY[1], PAD, STORY[2]])
    assert all(any(w == h for h in heard) for w in words(body))


def test_a_long_licence_is_listed_whole_not_cut_short() -> None:
    """What is not spoken is listed in full (the human listing shortens it, not the record)."""
    licence = " ".join(f"clause{n} of the licence terms." for n in range(400))
    book = GUTENBERG.rstrip() + "\n\n*** END OF THIS PROJECT GUTENBERG EBOOK SEA STORIES ***\n\n"
    article = parse_text(book + licence + "\n", "book.txt")
    listed = " ".join(r.text for r in article.removed)
    assert "clause0 " in listed and "clause399 " in listed


@pytest.mark.parametrize(
    ("heading", "natural"),
    [
        ("THE OLD SEA-DOG AT THE ADMIRAL BENBOW", "The Old Sea-Dog at the Admiral Benbow"),
        ("PART TWO", "Part Two"),
        ("CHAPTER XII", "Chapter XII"),
        ("A LETTER FROM S.L.O. IN 1881", "A Letter from S.L.O. in 1881"),
        ("The Old Sea-dog", "The Old Sea-dog"),  # already in natural case: unchanged
        ("DIE VERWANDLUNG", "Die Verwandlung"),
    ],
)
def test_headings_in_capitals_read_in_natural_case(heading: str, natural: str) -> None:
    assert natural_case(heading) == natural


@pytest.mark.parametrize(
    ("line", "joined"),
    [
        ("P A R T  T W O", "PART TWO"),
        ("C O N T E N T S", "CONTENTS"),
        ("K\u00a0 U\u00a0 R\u00a0 T\u00a0  W\u00a0 O\u00a0 L\u00a0 F\u00a0 F", "KURT WOLFF"),
        ("L O R D, n.  A title.", "LORD, n. A title."),
    ],
)
def test_letter_spaced_words_are_joined(line: str, joined: str) -> None:
    article = parse_text(f"A Title\n\n{line}\n\nA closing line of plain text here.\n", "x.txt")
    everything = spoken(article) + " " + " ".join(r.text for r in article.removed)
    assert joined.lower() in everything.lower()  # spoken (a heading: natural case) or listed
    assert not re.search(r"\b\w \w \w\b", everything)


def test_an_article_is_not_read_as_a_book() -> None:
    """Numbered points and a short first line stay an article's: no chapters invented."""
    text = (
        "Council Approves Budget\n\nThe council approved the budget on Tuesday evening.\n\n"
        "1\n\nThe first item was the new bridge.\n\n3\n\nThe last item was the park.\n"
    )
    article = parse_text(text, "news.txt")
    assert article.title == "Council Approves Budget"
    assert headings(article) == [] and article.author == ""


REAL_BOOKS = [
    (
        "30_treasure-island-en.txt",
        "Treasure Island",
        "Robert Louis Stevenson",
        ["Part One: The Old Buccaneer", "The Old Sea-dog at the Admiral Benbow"],
        40,
    ),
    ("34_die-verwandlung-de.txt", "Die Verwandlung", "Franz Kafka", ["I", "II", "III"], 3),
    (
        "36_jack-sheppard-en-cut.txt",
        "Jack Sheppard: A Romance",
        "William Harrison Ainsworth",
        ["Epoch the First: 1703", "Chapter I: The Widow and her Child"],
        10,
    ),
]


@pytest.mark.parametrize(("name", "title", "author", "first", "at_least"), REAL_BOOKS)
def test_real_books_have_their_title_and_chapters(
    name: str, title: str, author: str, first: list[str], at_least: int
) -> None:
    data = (CORPUS / name).read_bytes()
    from podcast.text.readers.decode import decode

    article = parse_text(decode(data, name), name)
    assert (article.title, article.author) == (title, author)
    found = headings(article)
    chapters = [h for h in found if h in first]
    assert chapters == first, found[:5]
    assert len(found) >= at_least
    # the table of contents is listed, never a chapter: no heading holds a page number
    assert not any(re.search(r"\d+$", h) and not h.endswith(("1703", "1715")) for h in found)
    if "CONTENTS" in data.decode("utf-8-sig"):
        assert "table of contents" in {r.reason for r in article.removed}
    # the chapters share the book: none holds most of it
    sizes: list[int] = []
    for block in article.blocks:
        if block.kind == HEADING:
            sizes.append(0)
        elif sizes:
            sizes[-1] += len(block.text.split())
    assert max(sizes) < 0.5 * sum(sizes)
