"""Topical chapters for articles without headings: boundaries and short descriptive titles."""

from __future__ import annotations

import pytest

from podcast.text import topics
from podcast.text.clean import clean
from podcast.text.normalize import normalize
from podcast.text.readers import read_source
from podcast.text.segment import build_script
from tests.conftest import SEED

GARDEN = [
    "Tomatoes need sun, water and rich soil in the vegetable garden every summer.",
    "Gardeners stake tomatoes so the vines and the fruit stay off the wet soil.",
    "Water the tomato beds early in the morning so the soil keeps moisture all day.",
    "Pruning tomato suckers gives the garden plants more sun and bigger fruit.",
]
ENGINES = [
    "The diesel engine compresses air until the fuel ignites without a spark plug.",
    "Diesel engines burn fuel at high compression, which makes the engine efficient.",
    "Truck engines use diesel fuel because the torque of a compression engine is high.",
    "Mechanics check the fuel injectors of a diesel engine for wear every year.",
]
CHESS = [
    "A chess opening controls the centre of the board with pawns and knights.",
    "Chess players study the opening moves of grandmasters to learn the board.",
    "The queen and the bishops attack the centre of the chess board in the opening.",
    "Endgames in chess reward a king that walks to the centre of the board early.",
]


def _long(paragraphs: list[str]) -> list[str]:
    """Article-length paragraphs: each said three times over (chapters need some 450 words)."""
    return [" ".join([p] * 3) for p in paragraphs]


@pytest.fixture(scope="module")
def seed_script():  # type: ignore[no-untyped-def]
    return build_script(clean(read_source(str(SEED))), "default", normalize)


def test_seed_gets_three_to_eight_chapters_with_short_titles(seed_script) -> None:  # type: ignore[no-untyped-def]
    titles = [c.title for c in seed_script.chapters]
    assert 3 <= len(titles) <= 8
    assert len(set(titles)) == len(titles)
    for title in titles:
        assert 1 <= len(title.split()) <= 5, title
        assert not title.lower().startswith(("part ", "chapter ")), title
        assert title[0].isupper()


def test_seed_titles_say_what_the_chapter_is_about(seed_script) -> None:  # type: ignore[no-untyped-def]
    # each title's words occur in its own chapter (or the headline, for the first)
    for index, chapter in enumerate(seed_script.chapters):
        text = " ".join(c.text for c in chapter.chunks).lower()
        if index == 0:
            text += " " + seed_script.title.lower()
        for word in chapter.title.lower().split():
            assert word.rstrip("s") in text, (chapter.title, word)


def test_first_seed_chapter_is_about_the_glitchy_start(seed_script) -> None:  # type: ignore[no-untyped-def]
    assert "start" in seed_script.chapters[0].title.lower()
    assert "Truth Social" in " ".join(c.text for c in seed_script.chapters[-1].chunks)


def test_boundaries_fall_where_the_topic_changes() -> None:
    paragraphs = _long([*GARDEN, *ENGINES, *CHESS])
    assert topics.boundaries(paragraphs) == [4, 8]


def test_titles_name_each_topic() -> None:
    chapters = topics.topical_chapters(_long([*GARDEN, *ENGINES, *CHESS]))
    titles = [t.lower() for t, _ in chapters]
    assert any("tomato" in t or "garden" in t or "soil" in t for t in titles[:1]), titles
    assert any("diesel" in t or "engine" in t or "fuel" in t for t in titles[1:2]), titles
    assert any("chess" in t or "board" in t or "centre" in t for t in titles[2:]), titles


def test_short_articles_get_one_chapter() -> None:
    assert topics.topical_chapters(GARDEN) == [("", [0, 1, 2, 3])]
    assert topics.topical_chapters([]) == []


def test_a_book_length_text_still_gets_at_most_eight_chapters() -> None:
    paragraphs = _long([*GARDEN, *ENGINES, *CHESS]) * 80  # ~1,000 paragraphs
    found = topics.boundaries(paragraphs)
    assert 2 <= len(found) <= topics.MAX_CHAPTERS - 1
    assert found == sorted(set(found)) and 0 not in found


SHIPS = [
    "Divers found four century-old wooden ships in the harbour mud near the old docks.",
    "The wooden ships carried grain and timber, and their hulls are still whole in the mud.",
    "Archaeologists say the ships sank in a storm, and the harbour mud kept the wood intact.",
    "A new scanner helps researchers study the hulls of the ships without lifting them.",
]
BRIDGES = [
    "Die alte Brücke über den Fluss wurde im Winter von der Stadt gesperrt und geprüft.",
    "Über die alte Brücke fuhren früher jeden Tag die Wagen der Bauern zum Markt der Stadt.",
    "Ingenieure prüfen die Brücke und den Beton der Pfeiler nach dem Hochwasser im Frühjahr.",
    "Der Bürgermeister will die Brücke bis zum Sommer für die Radfahrer wieder öffnen.",
]
JARDIN = [
    "Le jardin potager de la ville donne des tomates et des salades à toutes les écoles.",
    "Les enfants arrosent le jardin potager le matin et ils cueillent les tomates mûres.",
    "La récolte des tomates commence en juillet quand le soleil chauffe le jardin potager.",
    "Les parents apportent le compost au jardin potager pour nourrir la terre des salades.",
]


def test_titles_are_whole_noun_phrases_never_cut_after_an_adjective_or_a_verb() -> None:
    title = "Four Century-old Wooden Ships Found; Scanner Helps Researchers Study Them"
    chapters = topics.topical_chapters(_long([*SHIPS, *ENGINES, *CHESS]), title)
    for name, _ in chapters:
        last = name.split()[-1].lower()
        assert last not in {"wooden", "century-old", "study", "helps", "found"}, name
        assert not name.lower().startswith(("helps", "found", "study")), name


@pytest.mark.parametrize(
    ("paragraphs", "language", "words"),
    [
        (BRIDGES, "de", {"brücke", "fluss", "stadt", "pfeiler", "beton", "bürgermeister"}),
        (JARDIN, "fr", {"jardin", "potager", "tomates", "récolte", "compost", "salades"}),
    ],
)
def test_titles_in_other_languages_keep_their_letters_and_name_the_subject(
    paragraphs: list[str], language: str, words: set[str]
) -> None:
    sections = [" ".join(_long(paragraphs)), " ".join(_long(ENGINES)), " ".join(_long(CHESS))]
    first = topics.chapter_titles(sections, language)[0]
    assert set(first.lower().split()) & words, first
    assert not set(first.lower().split()) & topics.stopwords(language), first
    # every letter of the title's words is as the text writes it ("Über", not "Ber")
    text = " ".join(paragraphs).lower()
    assert all(word in text for word in first.lower().split()), first


def test_tokens_keep_letters_of_any_script() -> None:
    assert topics.content_words("Über Brücke, naïve façade, Ελλάδα") == [
        "über", "brücke", "naïve", "façade", "ελλάδα"
    ]  # fmt: skip
