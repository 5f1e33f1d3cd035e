"""Language: from --lang, metadata or detection; non-English text gets no English rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from podcast.config.voices import Voice
from podcast.engines.espeak import espeak_voice_ids
from podcast.models import PARAGRAPH, Article, Block
from podcast.text import lang
from podcast.text.normalize import normalize

FRENCH = (
    "Le chat est sur la table et il ne veut pas descendre pour manger avec les autres. "
    "Elle est dans la cuisine avec le chien qui dort depuis le matin, et il pleut dans la rue."
)
GERMAN = (
    "Der Hund ist nicht mit dem Auto gefahren, und die Katze sitzt auf dem Dach. Es ist "
    "auch für die Kinder ein schöner Tag, und sie spielen mit dem Ball von dem Nachbarn."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (FRENCH, "fr"),
        (GERMAN, "de"),
        ("The cat is on the table and it was not going to come down for the rest of the day "
         "as it is the way of cats, but the dog had other plans with the ball.", "en"),
        ("Hello.", None),
    ],
)  # fmt: skip
def test_detect(text: str, expected: str | None) -> None:
    assert lang.detect(text) == expected


def article(language: str, text: str) -> Article:
    return Article(title="T", blocks=(Block(PARAGRAPH, text),), source="x", language=language)


def test_resolve_prefers_override_then_metadata_then_detection() -> None:
    assert lang.resolve(article("", FRENCH)).language == "fr"
    assert lang.resolve(article("de", FRENCH)).language == "de"
    assert lang.resolve(article("de", FRENCH), "en").language == "en"
    assert lang.resolve(article("", "Hello.")).language == "en"


def test_non_english_text_gets_no_english_rules() -> None:
    text = "Il a payé $44 le 6 janv. 2021 à 2:30, soit 25 % de plus, voir https://www.exemple.fr/a."
    spoken = normalize(text, language="fr")
    assert "dollars" not in spoken and "percent" not in spoken and "thirty" not in spoken
    assert "2021" in spoken and "exemple.fr" in spoken and "https" not in spoken


def test_a_french_article_gets_a_french_espeak_voice() -> None:
    voice = lang.voice_for(Voice(), "fr")
    assert voice.settings.voice.endswith("/fr") and voice.language == "fr"
    assert lang.voice_for(Voice(), "en-gb") == Voice()


def test_a_language_espeak_lacks_keeps_the_voice() -> None:
    assert lang.voice_for(Voice(), "xx") == Voice()


def test_a_piper_voice_keeps_its_engine_and_lexicon_for_a_language_it_lacks() -> None:
    """Regression: a Piper voice given a French article got an espeak-ng voice id written into
    it and lost its lexicon. Each engine picks its own voice for a language."""
    from podcast.engines.piper import PiperEngine

    voice = Voice(name="natural", engine="piper", lexicon={"Musk": "musk"})
    if any(lang.startswith("fr") for v in PiperEngine().voices() for lang in v.languages):
        pytest.skip("a French Piper voice is installed here")
    french = lang.voice_for(voice, "fr")
    assert french == voice and french.lexicon == {"Musk": "musk"}
    assert "/" not in french.settings.voice  # never an espeak-ng id such as roa/fr


def test_a_piper_voice_switches_to_an_installed_piper_voice_of_the_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from podcast.engines import piper
    from podcast.engines.base import EngineVoice

    voices = [EngineVoice("en_US-joe-medium", "joe", ("en-us",)),
              EngineVoice("fr_FR-siwis-medium", "siwis", ("fr-fr",))]  # fmt: skip
    monkeypatch.setattr(piper, "installed", lambda: True)
    monkeypatch.setattr(piper.PiperEngine, "voices", lambda self: voices)
    voice = Voice(name="natural", engine="piper", lexicon={"Musk": "musk"})
    french = lang.voice_for(voice, "fr")
    assert (french.engine, french.settings.voice, french.language) == (
        "piper",
        "fr_FR-siwis-medium",
        "fr",
    )
    assert french.lexicon == {}  # the English lexicon does not fit a French voice


def test_espeak_voice_ids_from_the_data_folder(tmp_path: Path) -> None:
    (tmp_path / "lang" / "roa").mkdir(parents=True)
    (tmp_path / "lang" / "roa" / "fr").write_text("name French\n")
    assert espeak_voice_ids(str(tmp_path)) == {"fr": "roa/fr"}


def test_cli_lang_option_and_detection(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from podcast.cli import app

    source = tmp_path / "chat.txt"
    source.write_text(f"Le chat\n\n{FRENCH}\n", encoding="utf-8")
    runner = CliRunner()
    detected = runner.invoke(app, ["script", str(source), "--json"])
    assert detected.exit_code == 0, detected.output
    assert json.loads(detected.output)["language"] == "fr"
    forced = runner.invoke(app, ["script", str(source), "--json", "--lang", "de"])
    assert json.loads(forced.output)["language"] == "de"


SHOW = (
    'title = "Articles, Read Aloud"\nauthor = "A"\ndescription = "D"\nlanguage = "{language}"\n'
    '[intro]\ntext = ["Welcome to {{show}}, episode 2."]\n[outro]\ntext = ["Thanks for listening."]\n'
)


def _script_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, show_language: str,
                 text: str) -> dict:  # type: ignore[type-arg]  # fmt: skip
    import json

    from typer.testing import CliRunner

    from podcast.cli import app

    (tmp_path / "podcast.toml").write_text(SHOW.format(language=show_language), encoding="utf-8")
    monkeypatch.setenv("PODCAST_HOME", str(tmp_path))
    source = tmp_path / "article.txt"
    source.write_text(text, encoding="utf-8")
    done = CliRunner().invoke(app, ["script", str(source), "--json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.output)  # type: ignore[no-any-return]


def test_the_show_speaks_its_own_language_with_its_own_voice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An English show's intro and outro, around a French article, are English (English
    rules, the show's voice); the article is French, read by a French voice of the engine."""
    document = _script_json(tmp_path, monkeypatch, "en", f"Le chat\n\n{FRENCH}\n")
    intro, *article, outro = document["chapters"]
    show_chunks = [*intro["chunks"], *outro["chunks"]]
    article_chunks = [c for chapter in article for c in chapter["chunks"]]
    assert document["language"] == "fr"
    assert {c["language"] for c in show_chunks} == {"en"}
    assert {c["language"] for c in article_chunks} == {"fr"}
    assert "episode two" in intro["chunks"][0]["spoken"]  # English number words
    assert {c["voice"] for c in show_chunks}.isdisjoint(c["voice"] for c in article_chunks)


def test_one_language_throughout_keeps_one_voice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    english = "A cat\n\nThe cat sat on the mat and it was not going to move for the dog.\n"
    document = _script_json(tmp_path, monkeypatch, "en", english)
    chunks = [c for chapter in document["chapters"] for c in chapter["chunks"]]
    assert {c["language"] for c in chunks} == {"en"}
    assert len({c["voice"] for c in chunks}) == 1


def test_a_french_show_introduces_an_english_article_in_french(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    english = "A cat\n\nThe cat sat on the mat and it was not going to move for the dog.\n"
    document = _script_json(tmp_path, monkeypatch, "fr", english)
    intro = document["chapters"][0]["chunks"][0]
    assert intro["language"] == "fr"
    assert "2" in intro["spoken"]  # a French voice reads its own numbers: no English rules
    body = document["chapters"][1]["chunks"]
    assert {c["language"] for c in body} == {"en"} and body[0]["voice"] != intro["voice"]


def test_the_show_voice_is_rendered_by_its_own_engine_settings() -> None:
    """What the build renders: the show's lines name a voice the structure carries, with the
    narrator's own (English) settings, while the article's voice is the French one."""
    from podcast.build.plan import produce
    from podcast.config.show import Bookend, Show
    from podcast.models import Chapter, Chunk, Script

    narrator = Voice()
    french = lang.voice_for(narrator, "fr")
    script = Script(
        title="Le chat",
        chapters=(Chapter("", (Chunk("Le chat.", "Le chat.", narrator.name, 0),)),),
        source="x",
        slug="le-chat",
        language="fr",
    )
    show = Show(intro=Bookend(lines=("Hello.",)))
    produced = produce(script, french, show, {}, narrator)
    (intro_line,) = produced.script.chapters[0].chunks
    assert produced.voices[intro_line.voice].settings == narrator.settings
    assert intro_line.language == "en"


def test_show_language_must_be_a_language_code(tmp_path: Path) -> None:
    from podcast.config.show import parse_show
    from podcast.errors import ConfigError

    base = {"title": "T", "author": "A", "description": "D"}
    assert parse_show({**base, "language": "fr-CA"}, "podcast.toml", tmp_path).language == "fr-CA"
    with pytest.raises(ConfigError, match="'language' = 'English' is not a language code"):
        parse_show({**base, "language": "English"}, "podcast.toml", tmp_path)
