"""Captions: sentence cues cut to caption size, timed from the audio; speaker labels are people.

Table tests over long sentences (one chunk, clause chunks with pauses between them, a word
longer than a line, no punctuation at all, another script) and a property test over any words:
every cue at most two lines of 42 characters and 7 s (unless it is one word), cues in order and
inside their chunks' speech, and not a word lost. The real seed's captions are checked in
tests/test_alt_formats.py.
"""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podcast.build import transcript
from podcast.build.transcript import MAX_CUE_MS, MAX_LINE_CHARS, MAX_LINES
from podcast.models import Chunk, Cue, Placement

LONG = (
    "President Biden has also signed into law significant deficit-reduction policies—including "
    "establishing a corporate minimum tax, lowering prescription drug costs, and cracking down "
    "on wealthy tax cheats—that will take full effect in coming years, and he has proposed "
    "another $2.5 trillion in savings over the next 10 years by making the wealthy and large "
    "corporations pay their fair share, closing tax loopholes, and cutting wasteful spending on "
    "Big Pharma, Big Oil, and other special interests."
)
NO_PUNCTUATION = " ".join(["the quick brown fox jumps over the lazy dog"] * 12)
URL = "See https://example.org/a/very/long/path/that/no/caption/line/can/hold/at/all for more."
GERMAN = (
    "Die Bundesregierung hat heute einen Haushaltsentwurf vorgelegt, der für das kommende Jahr "
    "deutlich höhere Ausgaben für Verkehr, Bildung und Forschung vorsieht, während die "
    "Neuverschuldung nach Angaben des Finanzministeriums sinken soll."
)


def _placements(pieces: list[tuple[str, int, int]], sentence_id: int = 1,
                speaker: str = "") -> list[Placement]:  # fmt: skip
    return [
        Placement(Chunk(text, text, "default", sentence_id, speaker=speaker), start, end)
        for text, start, end in pieces
    ]


def _clauses(text: str, start_ms: int, ms_per_char: int = 65, pause_ms: int = 250) -> list:
    """``text`` cut after its commas into chunks, spoken at ``ms_per_char`` with pauses."""
    pieces, at = [], start_ms
    for clause in re.split(r"(?<=,)\s+", text):
        pieces.append((clause, at, at + len(clause) * ms_per_char))
        at += len(clause) * ms_per_char + pause_ms
    return pieces


CASES = {
    "one long chunk (38 s, 600 characters)": _placements([(LONG, 1000, 39_000)]),
    "clause chunks with pauses": _placements(_clauses(LONG, 5000)),
    "a word longer than a line": _placements([(URL, 0, 6000)]),
    "no punctuation": _placements([(NO_PUNCTUATION, 0, 30_000)]),
    "another language": _placements(_clauses(GERMAN, 0)),
    "a person's quotation": _placements([("“" + LONG + "”", 0, 40_000)], speaker="Shalanda Young"),
    "slow speech (the time limit binds)": _placements([(LONG, 0, 120_000)]),
}


def _check(placements: list[Placement], cues: list[Cue]) -> None:
    sentence = " ".join(p.chunk.text for p in placements).split()
    assert " ".join(cue.text for cue in cues).split() == sentence  # no word lost, in order
    start, end = placements[0].start_ms, placements[-1].end_ms
    previous_end = start
    for cue in cues:
        single = len(cue.text.split()) == 1
        lines = transcript.wrap(cue.text, len(cue.speaker) + 2 if cue.speaker else 0)
        if not single:
            assert len(lines) <= MAX_LINES, lines
            assert all(len(line) <= MAX_LINE_CHARS for line in lines), lines
            assert len(lines[0]) + (len(cue.speaker) + 2 if cue.speaker else 0) <= MAX_LINE_CHARS
            assert cue.end_ms - cue.start_ms <= MAX_CUE_MS, cue
        assert previous_end <= cue.start_ms <= cue.end_ms <= end, cue  # in order, inside
        previous_end = cue.end_ms
    # inside one chunk, cues follow each other without a gap (they share the chunk's speech)
    for a, b in itertools.pairwise(cues):
        chunk = next(p for p in placements if p.start_ms <= a.end_ms <= p.end_ms)
        if b.start_ms < chunk.end_ms:
            assert b.start_ms == a.end_ms


@pytest.mark.parametrize("name", list(CASES))
def test_caption_cues_fit_two_lines_and_seven_seconds_and_keep_every_word(name: str) -> None:
    placements = CASES[name]
    cues = transcript.captions(placements)
    _check(placements, cues)
    assert len(cues) > 1


def test_cues_are_cut_at_clauses_where_they_can_be() -> None:
    cues = transcript.captions(CASES["clause chunks with pauses"])
    # a cue ends at a clause (a comma, a dash, the sentence's end) far more often than not
    at_clauses = [c for c in cues if re.search(r"[,.;:—]$", c.text)]
    assert len(at_clauses) >= 0.6 * len(cues), [c.text for c in cues]


def test_initials_and_abbreviations_do_not_end_a_sentence() -> None:
    text = "Director Shalanda D. Young and the U.S. Treasury said so today, again and again."
    placements = _placements([(text + " " + LONG, 0, 40_000)])
    assert not any(c.text.endswith((" D.", " U.S.")) for c in transcript.captions(placements))


def test_a_person_keeps_the_label_and_others_lose_it() -> None:
    text = "“Taxes are down,” said Secretary. At Twitter, Elon Musk agreed. “Yes,” Musk said."
    placements = [
        *_placements([("“Taxes are down,”", 0, 1000)], 1, "Secretary"),
        *_placements([("said Secretary.", 1000, 2000)], 2, "Narrator"),
        *_placements([("At Twitter, Elon Musk agreed.", 2000, 3000)], 3, "Narrator"),
        *_placements([("“We agree on this,”", 3000, 4000)], 4, "Twitter"),
        *_placements([("“Yes, and yes again,”", 4000, 5000)], 5, "Musk"),
        *_placements([("“Nobody said this at all.”", 5000, 6000)], 6, "Quote"),
    ]
    assert "Elon Musk" in text
    assert [c.speaker for c in transcript.captions(placements)] == ["", "", "", "", "Musk", ""]


@pytest.mark.parametrize(
    ("label", "text", "person"),
    [
        ("Secretary", "said Secretary of the Treasury Janet L. Yellen.", False),  # a title
        ("Narrator", "Anything.", False),
        ("Quote", "Anything.", False),
        ("Twitter", "Musk’s Twitter said. At Twitter, they agreed.", False),  # never a surname
        ("Musk", "the billionaire Elon Musk posted", True),
        ("Trump", "Donald Trump’s return to X", True),
        ("Shalanda Young", "", True),
        ("Janet L. Yellen", "", True),
        ("Treasury Secretary", "", False),
        ("White", "A White House spokesperson", False),  # "A" is a word of the text
    ],
)
def test_is_person(label: str, text: str, person: bool) -> None:
    assert transcript.is_person(label, text + " at a meeting with a spokesperson") is person


@pytest.mark.parametrize(
    ("text", "reserve", "lines"),
    [("short line", 0, 1), ("short line", 35, 2), ("a b " * 15 + "end", 0, 2),
     ("word " * 20, 0, 3), ("x" * 50, 0, 1)],
)  # fmt: skip
def test_wrap_makes_even_lines_within_the_width(text: str, reserve: int, lines: int) -> None:
    wrapped = transcript.wrap(text.strip(), reserve)
    assert " ".join(wrapped) == text.strip() and len(wrapped) == lines
    widths = [len(line) + (reserve if n == 0 else 0) for n, line in enumerate(wrapped)]
    assert all(w <= MAX_LINE_CHARS for w in widths) or len(text.split()) == 1
    if (
        lines == 2 and not reserve
    ):  # the most even cut: moving one word across would not shorten the longer
        assert abs(widths[0] - widths[1]) <= 2 * max(len(w) + 1 for w in text.split())


_WORD = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
    min_size=1, max_size=14,
).filter(lambda w: w.strip() == w and w.split() == [w])  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    chunks=st.lists(
        st.tuples(st.lists(_WORD, min_size=1, max_size=40), st.integers(0, 20_000)),
        min_size=1, max_size=4,
    )
)  # fmt: skip
def test_any_words_any_timing(chunks: list[tuple[list[str], int]]) -> None:
    pieces, at = [], 0
    for words, duration in chunks:
        pieces.append((" ".join(words), at, at + duration))
        at += duration + 300
    placements = _placements(pieces)
    _check(placements, transcript.captions(placements))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=25),
    st.sampled_from([0, 5, 9, 14]),
    st.data(),
)
def test_the_fit_check_agrees_with_wrapping(
    sizes: list[int], reserve: int, data: st.DataObject
) -> None:
    """The cue cutter asks whether a run of a sentence's words fits without wrapping them; the
    answer must be what wrapping them and counting the lines would say."""
    start = data.draw(st.integers(min_value=0, max_value=len(sizes) - 1))
    end = data.draw(st.integers(min_value=start + 1, max_value=len(sizes)))
    texts = ["x" * size for size in sizes]
    lines = transcript.wrap(" ".join(texts[start:end]), reserve)
    fits = len(lines) <= MAX_LINES and all(
        len(line) + (reserve if number == 0 else 0) <= MAX_LINE_CHARS
        for number, line in enumerate(lines)
    )
    offsets = [0, *itertools.accumulate(len(text) + 1 for text in texts)]
    assert transcript._fits_words(offsets, start, end, reserve) is fits


def test_titles_are_nameparsers_own() -> None:
    """The titles read from nameparser's compiled vocabulary (without importing the package)
    are the ones its public API gives."""
    from nameparser.config import CONSTANTS

    transcript._titles.cache_clear()
    assert transcript._titles() == frozenset(CONSTANTS.titles)
    assert {"secretary", "director", "dr"} <= transcript._titles()
