"""Cleaning: page furniture goes, every removal is listed, the article's own words stay."""

from __future__ import annotations

import pytest

from podcast.models import PARAGRAPH, Article, Block
from podcast.text.clean import clean, teasers
from podcast.text.readers import read_source
from tests.conftest import SEED


def article(*paragraphs: str) -> Article:
    return Article(title="T", blocks=tuple(Block(PARAGRAPH, p) for p in paragraphs), source="x")


@pytest.fixture(scope="module")
def seed():  # type: ignore[no-untyped-def]
    return clean(read_source(str(SEED)))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("- Share via", "share widget"),
        ("More to Read", "links to other stories"),
        ("Get the L.A. Times Politics newsletter", "newsletter sign-up"),
        ("You may occasionally receive promotional content from the Los Angeles Times.",
         "promotional line"),
        ("Donald Trump’s campaign is banking on younger male voters", "teaser for another story"),
        ("Former President Trump reportedly has used a slur", "teaser for another story"),
    ],
)  # fmt: skip
def test_seed_furniture_is_removed_and_listed(seed, text: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    assert any(r.text.startswith(text) and r.reason == reason for r in seed.removed)
    assert not any(b.text.startswith(text) for b in seed.blocks)


def test_seed_keeps_every_paragraph_of_the_story(seed) -> None:  # type: ignore[no-untyped-def]
    raw = read_source(str(SEED))
    removed = {r.text for r in seed.removed}
    kept = {b.text for b in seed.blocks}
    for block in raw.blocks:
        assert block.text.strip() in kept or block.text.strip() in removed
    assert len(seed.removed) == 7


def test_teasers_need_a_reintroduced_full_name() -> None:
    paragraphs = [
        "Vice President Kamala Harris spoke in Detroit on Monday about jobs and wages.",
        "She promised new factories and more training for workers in the state.",
        "Her rival said the plan would cost too much and raise prices for families.",
        "Union leaders said they would wait for details before endorsing the plan.",
        "Vice President Kamala Harris also faces a tight race in several swing states this fall.",
        "Analysts expect the debate next week to focus on the economy.",
    ]
    assert teasers(paragraphs) == {4}
    # the same line without a reintroduced full name is part of the story
    paragraphs[4] = "Harris also faces a tight race in several swing states this fall."
    assert teasers(paragraphs) == set()


def test_footnote_markers_and_emoji_are_removed_and_listed() -> None:
    cleaned = clean(article("The law passed in 1990.[42] Everyone cheered 🎉 loudly."))
    assert cleaned.blocks[0].text == "The law passed in 1990. Everyone cheered loudly."
    assert {(r.text, r.reason) for r in cleaned.removed} == {
        ("[42]", "footnote marker"),
        ("🎉", "emoji"),
    }


def test_byline_keeps_the_name_not_the_handles() -> None:
    cleaned = clean(article("By Jane Doe @janedoe | Follow her on Twitter", "Story."))
    assert cleaned.blocks[0].text == "By Jane Doe"
    assert [r.reason for r in cleaned.removed] == ["social handle in byline"] * 2


def test_related_block_headlines_are_dropped_until_the_story_resumes() -> None:
    cleaned = clean(
        article("Story text here.", "Related", "A headline about something", "Story resumes here.")
    )
    assert [b.text for b in cleaned.blocks] == ["Story text here.", "Story resumes here."]


@pytest.mark.parametrize(
    "line",
    [
        "Photo: Jane Doe/Reuters",
        "Credit: NASA/JPL",
        "Foto: Jorge Mejía (CC BY 2.0)",
        "Photo credit: AP",
    ],
)
def test_image_credit_lines_are_listed_not_read(line: str) -> None:
    story = "The river rose four feet overnight and reached the old stone bridge."
    cleaned = clean(article(story, line))
    assert [b.text for b in cleaned.blocks] == [story]
    assert (line, "image credit") in {(r.text, r.reason) for r in cleaned.removed}
