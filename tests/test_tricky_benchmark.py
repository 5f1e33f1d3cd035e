"""The machinery of benchmarks/tricky.py: the metric can fail, and the data holds together.

Nothing here asserts the set's score (that is a measurement, reported by the benchmark).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from benchmarks import tricky


def test_levenshtein_counts_edits() -> None:
    assert tricky.levenshtein("kitten", "sitting") == 3
    assert tricky.levenshtein("", "abc") == 3
    assert tricky.levenshtein("same", "same") == 0


def test_a_wrong_reading_scores_above_zero_and_a_right_one_zero() -> None:
    reference = "It cost forty-four billion dollars."
    right, wrong, wanted = tricky.phonemes(
        [
            "It cost forty four billion dollars.",  # same sounds, other spelling
            "It cost dollar forty-four billion.",  # what an engine guesses from "$44 billion"
            reference,
        ]
    )
    assert wanted, "espeak-ng gave no phonemes"
    assert tricky.phoneme_error(right, wanted) == 0.0
    assert tricky.phoneme_error(wrong, wanted) > 0.1


def test_score_fills_each_row_and_a_bad_reader_scores_badly() -> None:
    rows = [
        tricky.Row("numbers", "dev", "It is 3.", "It is three."),
        tricky.Row("money", "heldout", "It is $5.", "It is five dollars."),
    ]
    tricky.score(rows, reading=lambda written: written.replace("3", "four"))
    assert rows[0].spoken == "It is four."
    assert rows[0].error > 0.1
    assert tricky.mean(rows) > 0.05
    report = tricky.report(rows)
    assert "OVER TARGET" in report
    assert "It is four." in report  # a dev row is shown with both readings
    assert "It is $5." not in report  # a held-out row's readings are not shown


def test_the_set_covers_every_kind_with_both_halves(tmp_path: Path) -> None:
    rows = tricky.load()
    assert len(rows) >= 150
    assert len({r.written for r in rows}) == len(rows), "a sentence appears twice"
    splits = Counter(r.split for r in rows)
    assert 0.3 <= splits["heldout"] / len(rows) <= 0.6
    kinds = {r.kind for r in rows}
    assert len(kinds) >= 30
    assert all(r.reference and not any(ch.isdigit() for ch in r.reference) for r in rows), (
        "a reference is written out in words"
    )
    bad = tmp_path / "bad.tsv"
    bad.write_text("kind\tsplit\twritten\treference\nx\tmaybe\tIt is 3.\tIt is three.\n")
    with pytest.raises(SystemExit, match="split"):
        tricky.load(bad)
