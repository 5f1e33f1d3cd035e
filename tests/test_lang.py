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
