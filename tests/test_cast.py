"""The cast stage: quotations split off and attributed, every word kept in order."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podcast.errors import ConfigError
from podcast.models import PAUSE_END, PAUSE_PARAGRAPH, PAUSE_SENTENCE, Chapter, Chunk, Script
from podcast.text.cast import (
    NARRATOR_SPEAKER,
    UNATTRIBUTED_SPEAKER,
    Cast,
    apply_cast,
    parse_cast,
    quote_spans,
)
from podcast.text.lexicon import normalizer
from podcast.text.segment import words

CAST = Cast(narrator="default", quotes="quote", speakers={"Musk": "anchor"})
SPEAKERS = {name: normalizer({}) for name in ("default", "quote", "anchor")}


def script_of(*paragraphs: list[str]) -> Script:
    chunks: list[Chunk] = []
    sentence_id = 0
    for paragraph in paragraphs:
        for index, sentence in enumerate(paragraph):
            last = index == len(paragraph) - 1
            chunks.append(Chunk(sentence, sentence, "default", sentence_id,
                                PAUSE_PARAGRAPH if last else PAUSE_SENTENCE))  # fmt: skip
            sentence_id += 1
    chunks[-1] = Chunk(chunks[-1].text, chunks[-1].spoken, "default", chunks[-1].sentence_id,
                       PAUSE_END)  # fmt: skip
    return Script("T", "t", "test", (Chapter("One", tuple(chunks)),))


def cast_parts(*paragraphs: list[str], cast: Cast = CAST) -> list[tuple[str, str, str]]:
    result = apply_cast(script_of(*paragraphs), cast, SPEAKERS)
    return [(c.voice, c.speaker, c.text) for c in result.chunks()]


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (["“We are going to Mars very soon,” Musk said."],
         [("anchor", "Musk", "“We are going to Mars very soon,”"),
          ("default", NARRATOR_SPEAKER, "Musk said.")]),
        (["Musk said: “We are going to Mars very soon.”"],
         [("default", NARRATOR_SPEAKER, "Musk said:"),
          ("anchor", "Musk", "“We are going to Mars very soon.”")]),
        (["“We are going to Mars very soon,” said Elon Musk."],
         [("anchor", "Musk", "“We are going to Mars very soon,”"),
          ("default", NARRATOR_SPEAKER, "said Elon Musk.")]),
        (["A typical question from Musk: “Would it be accurate to say so?”"],
         [("default", NARRATOR_SPEAKER, "A typical question from Musk:"),
          ("anchor", "Musk", "“Would it be accurate to say so?”")]),
        (["“The crowd was the biggest ever,” Trump said."],
         [("quote", "Trump", "“The crowd was the biggest ever,”"),
          ("default", NARRATOR_SPEAKER, "Trump said.")]),
        (["The sign read “No entry for anyone here” in red."],
         [("default", NARRATOR_SPEAKER, "The sign read"),
          ("quote", UNATTRIBUTED_SPEAKER, "“No entry for anyone here”"),
          ("default", NARRATOR_SPEAKER, "in red.")]),
        (["He called it the “woke mind virus.”"],
         [("default", NARRATOR_SPEAKER, "He called it the “woke mind virus.”")]),
        (['"We are going to Mars very soon," Musk said.'],
         [("anchor", "Musk", '"We are going to Mars very soon,"'),
          ("default", NARRATOR_SPEAKER, "Musk said.")]),
    ],
)  # fmt: skip
def test_quotes_go_to_their_voice(paragraph: list[str], expected: list) -> None:
    assert cast_parts(paragraph) == expected


def test_pronoun_means_the_last_named_speaker_who_is_not_being_told() -> None:
    parts = cast_parts(
        ["Musk interviewed Trump on Monday.",
         "“I think we are at a fork in the road,” he told Trump."],
    )  # fmt: skip
    assert ("anchor", "Musk", "“I think we are at a fork in the road,”") in parts


def test_unattributed_quote_continues_the_previous_speaker_in_its_paragraph() -> None:
    parts = cast_parts(
        ["“There appears to be a massive attack,” Musk posted.",
         "“Worst case, we will proceed with fewer listeners.”"],
    )  # fmt: skip
    assert parts[-1] == ("anchor", "Musk", "“Worst case, we will proceed with fewer listeners.”")


def test_a_quote_spanning_sentences_keeps_its_voice() -> None:
    parts = cast_parts(["Trump said: “The only crime is mine.", "The system is broken, you see.”"])
    assert [p[0] for p in parts] == ["default", "quote", "quote"]


def test_without_a_cast_the_script_is_unchanged() -> None:
    script = script_of(["“We are going to Mars very soon,” Musk said."])
    assert apply_cast(script, Cast(narrator="default"), SPEAKERS) is script


def test_split_chunks_are_spoken_with_their_voices_lexicon() -> None:
    speakers = {**SPEAKERS, "anchor": normalizer({"Mars": "[[m'A:z]]"})}
    result = apply_cast(script_of(["“We go to Mars next year,” Musk said."]), CAST, speakers)
    assert result.chunks()[0].spoken == "“We go to [[m'A:z]] next year,”"


def test_speaker_changes_get_their_own_transcript_cue() -> None:
    result = apply_cast(script_of(["“We are going to Mars very soon,” Musk said."]), CAST, SPEAKERS)
    ids = [c.sentence_id for c in result.chunks()]
    assert ids == sorted(ids) and len(set(ids)) == 2


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (["quotes=quote"], Cast("default", "quote", {})),
        (["quotes=quote", "Musk=anchor"], Cast("default", "quote", {"Musk": "anchor"})),
        (["Musk = anchor"], Cast("default", "quote", {"Musk": "anchor"})),
    ],
)
def test_parse_cast(entries: list[str], expected: Cast) -> None:
    assert parse_cast(entries, "default") == expected


def test_command_line_cast_wins_over_the_show_role_by_role() -> None:
    show = {"quotes": "quote", "Musk": "anchor", "Trump": "default"}
    cast = parse_cast(["Musk=quote"], "default", show)
    assert cast == Cast("default", "quote", {"Musk": "quote", "Trump": "default"})


@pytest.mark.parametrize("entry", ["quotes", "=quote", "quotes="])
def test_bad_cast_entries_say_the_form(entry: str) -> None:
    with pytest.raises(ConfigError, match="ROLE=VOICE"):
        parse_cast([entry], "default")


def test_quote_spans() -> None:
    assert quote_spans("a “b” c “d") == [(2, 5), (8, 10)]
    assert quote_spans('a "b" c "d') == [(2, 5)]


sentence = st.text(
    alphabet=st.sampled_from(list("abc DEF,.“”\"':;—!?")), min_size=1, max_size=60
).filter(lambda s: s.strip())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(sentence, min_size=1, max_size=4), min_size=1, max_size=3))
def test_no_word_lost_and_order_kept_on_any_text(paragraphs: list[list[str]]) -> None:
    script = script_of(*[[s.strip() for s in p] for p in paragraphs])
    result = apply_cast(script, CAST, SPEAKERS)
    assert words(c.text for c in result.chunks()) == words(c.text for c in script.chunks())
    assert all(c.text for c in result.chunks())
    assert result.chunks()[-1].pause_after == PAUSE_END


def test_phoneme_lexicon_entries_survive_normalization() -> None:
    say = normalizer({"Musk": "[[m'Vsk]]", "SpaceX": "space ex"})
    assert say("Musk sold 2 SpaceX rockets [for $5].") == (
        "[[m'Vsk]] sold two space ex rockets for five dollars."
    )
