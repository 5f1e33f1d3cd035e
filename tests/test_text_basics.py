"""Skeleton-level checks of the text stages on the seed (the text issue adds full suites)."""

from __future__ import annotations

import pytest

from podcast.build.plan import load_script
from podcast.config.voices import Voice
from podcast.models import PAUSE_CHAPTER, PAUSE_END, PAUSE_PARAGRAPH, PAUSE_SENTENCE
from podcast.text.clean import clean
from podcast.text.normalize import normalize
from podcast.text.readers import read_source
from podcast.text.segment import MAX_CHUNK_CHARS, slugify, split_long, words
from tests.conftest import SEED


def test_cleaning_keeps_every_other_word_in_order() -> None:
    raw = read_source(str(SEED))
    cleaned = clean(raw)
    removed = {r.text for r in cleaned.removed}
    kept_blocks = [b.text for b in raw.blocks if b.text not in removed]
    assert words(kept_blocks) == words(b.text for b in cleaned.blocks)


def test_script_chunks_hold_every_cleaned_word_in_order() -> None:
    cleaned = clean(read_source(str(SEED)))
    script = load_script(str(SEED), Voice())
    expected = words([cleaned.title, *(b.text for b in cleaned.blocks)])
    assert words(c.text for c in script.chunks()) == expected
    assert all(len(c.text) <= MAX_CHUNK_CHARS for c in script.chunks())


def test_pauses_follow_structure() -> None:
    script = load_script(str(SEED), Voice())
    chunks = script.chunks()
    assert chunks[0].pause_after == PAUSE_CHAPTER  # after the title
    assert chunks[-1].pause_after == PAUSE_END
    for chapter in script.chapters[:-1]:
        assert chapter.chunks[-1].pause_after == PAUSE_CHAPTER
    kinds = {c.pause_after for c in chunks}
    assert {PAUSE_SENTENCE, PAUSE_PARAGRAPH} <= kinds
    pauses = Voice().pauses_ms
    assert (
        pauses["clause"] < pauses[PAUSE_SENTENCE] < pauses[PAUSE_PARAGRAPH] < pauses[PAUSE_CHAPTER]
    )


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("$44 billion", "forty-four billion dollars"),
        ("Jan. 6, 2021,", "January sixth, twenty twenty-one"),
        ("51.8%", "fifty-one point eight percent"),
        ("a 2½-minute video", "a two-and-a-half-minute video"),
        ("Butler, Pa., rally", "Butler, Pennsylvania, rally"),
        ("Florida Gov. Ron", "Florida Governor Ron"),
        ("the GOP nominee", "the G O P nominee"),
        ("attack on 𝕏, he", "attack on X, he"),
        ("in 2022 and", "in twenty twenty-two and"),
    ],
)
def test_seed_normalizations(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


def test_split_long_never_cuts_words() -> None:
    sentence = "word " * 200
    pieces = split_long(sentence.strip(), 50)
    assert all(len(p) <= 50 for p in pieces)
    assert " ".join(pieces).split() == sentence.split()


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("After a glitchy start, Trump", "after-a-glitchy-start-trump"),
        ("../../etc/passwd", "etc-passwd"),
        ("Überraschung!", "uberraschung"),
        ("", "episode"),
    ],
)
def test_slugify_is_ascii_and_safe(title: str, slug: str) -> None:
    assert slugify(title) == slug
