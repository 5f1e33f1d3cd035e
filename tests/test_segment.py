"""Segmentation: sentences survive abbreviations, chunks are bounded, no word is lost."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podcast.models import HEADING, PARAGRAPH, Article, Block
from podcast.text.clean import clean
from podcast.text.normalize import normalize
from podcast.text.readers.markdown import parse_markdown
from podcast.text.readers.plain import parse_text
from podcast.text.segment import MAX_CHUNK_CHARS, build_script, sentences, speakable, split_long


def spoken_words(texts: list[str]) -> list[str]:
    """Letters-and-digits words (underscores and marks are not words a narrator says)."""
    return [w for text in texts for w in re.findall(r"[^\W_]+", text)]


def check_invariants(article: Article) -> None:
    cleaned = clean(article)
    script = build_script(cleaned, "default", normalize)
    chunks = script.chunks()
    expected = spoken_words([cleaned.title, *(b.text for b in cleaned.blocks)])
    assert spoken_words([c.text for c in chunks]) == expected
    # what was dropped as unspeakable held no word at all
    assert not spoken_words([r.text for r in script.removed if r.reason == "nothing to say"])
    for chunk in chunks:
        assert speakable(chunk.spoken), chunk
        longest_word = max((len(w) for w in chunk.text.split()), default=0)
        assert len(chunk.text) <= max(MAX_CHUNK_CHARS, longest_word)


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=400)
WORDY = st.lists(
    st.one_of(
        st.from_regex(r"[A-Za-z]{1,12}", fullmatch=True),
        st.sampled_from(
            ["Jan.", "Pa.", "U.S.", "$44", "billion", "3.5%", "—", ",", ";", "2½", "Dr.", "1990s",
             "“", "”", "(", ")", "*", "_", "[1]", "😀", "𝕏", "e.g.", "10-12", ":", "IV", "!"]
        ),
    ),
    min_size=1,
    max_size=120,
).map(" ".join)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=TEXT, body=st.lists(TEXT, max_size=5))
def test_no_unicode_input_crashes_and_no_word_is_lost(title: str, body: list[str]) -> None:
    blocks = tuple(Block(PARAGRAPH, p) for p in body if p.strip())
    check_invariants(Article(title=title or "t", blocks=blocks, source="x"))


@settings(max_examples=150, deadline=None)
@given(title=WORDY, body=st.lists(WORDY, min_size=1, max_size=8), heading=st.booleans())
def test_every_word_lands_in_exactly_one_chunk_in_order(
    title: str, body: list[str], heading: bool
) -> None:
    blocks = [Block(PARAGRAPH, p) for p in body]
    if heading:
        blocks.insert(len(blocks) // 2, Block(HEADING, "A heading", 2))
    check_invariants(Article(title=title, blocks=tuple(blocks), source="x"))


@settings(max_examples=60, deadline=None)
@given(text=TEXT)
def test_text_and_markdown_parsers_never_crash(text: str) -> None:
    for parse in (parse_text, parse_markdown):
        try:
            parse(text, "x")
        except Exception as exc:  # only the clear user-facing error is allowed
            assert type(exc).__name__ == "InputError"


def test_sentences_survive_abbreviations() -> None:
    text = "On Jan. 6, 2021, they met in Butler, Pa., at noon. Dr. Smith left. Then silence."
    assert sentences(text) == [
        "On Jan. 6, 2021, they met in Butler, Pa., at noon.",
        "Dr. Smith left.",
        "Then silence.",
    ]


def test_a_capital_letter_after_a_lower_case_word_ends_a_sentence() -> None:
    text = "Biden posted a letter on X. A year ago, Janet L. Yellen spoke."
    assert sentences(text) == ["Biden posted a letter on X.", "A year ago, Janet L. Yellen spoke."]


def test_long_sentences_split_at_clause_boundaries_never_mid_word() -> None:
    clause = "the committee met again to talk about the budget and the schedule"
    sentence = "; ".join([clause] * 8) + "."
    pieces = split_long(sentence, 120)
    assert len(pieces) > 1
    assert all(len(p) <= 120 for p in pieces)
    assert " ".join(pieces).split() == sentence.split()
    assert all(p.endswith((";", ".")) for p in pieces)


def test_a_word_longer_than_a_chunk_stays_whole() -> None:
    word = "x" * 500
    assert split_long(f"a {word} b", 100) == ["a", word, "b"]


def test_unspeakable_pieces_never_reach_the_engine() -> None:
    article = Article(
        title="T",
        blocks=(Block(PARAGRAPH, "* * * * *"), Block(PARAGRAPH, "“Oh dear!” ”")),
        source="x",
    )
    script = build_script(article, "default", normalize)
    assert all(speakable(c.spoken) for c in script.chunks())
    assert any(r.reason == "nothing to say" and "*" in r.text for r in script.removed)


def test_dotfiles_and_paths_do_not_end_sentences() -> None:
    text = (
        "Edit your .bashrc file and reload it. Copy .env.example to .env first. "
        "Put it in ~/.config/foo or ../lib today. Then run it."
    )
    assert sentences(text) == [
        "Edit your .bashrc file and reload it.",
        "Copy .env.example to .env first.",
        "Put it in ~/.config/foo or ../lib today.",
        "Then run it.",
    ]


def test_a_time_zone_stays_with_its_time() -> None:
    assert sentences("The launch is at 3 p.m. EDT on Friday. It was late.") == [
        "The launch is at 3 p.m. EDT on Friday.",
        "It was late.",
    ]
    assert sentences("We met at 9 a.m. UTC. Then we left at 5 p.m. Nobody stayed.") == [
        "We met at 9 a.m. UTC.",
        "Then we left at 5 p.m.",
        "Nobody stayed.",
    ]
