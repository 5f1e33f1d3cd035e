"""Voice configs: validation reports every problem with file and key; layering and provenance."""

from __future__ import annotations

from pathlib import Path

import pytest

from podcast.config.voices import (
    DEFAULT_PAUSES_MS,
    ORIGIN_DEFAULT,
    ORIGIN_FLAG,
    VoiceConfigError,
    load_voice,
    parse_voice,
    read_voice_file,
)
from podcast.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p.stem for p in (ROOT / "voices").glob("*.toml"))
WHERE = "voices/x.toml"


def problems_of(data: dict) -> list[str]:
    with pytest.raises(VoiceConfigError) as caught:
        parse_voice("x", data, WHERE)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"rat": 170}, "voices/x.toml: rat: unknown key (did you mean 'rate'?)"),
        ({"rate": 900}, "voices/x.toml: rate: 900 is out of range (80 to 450)"),
        ({"rate": 79}, "voices/x.toml: rate: 79 is out of range"),
        ({"rate": "fast"}, "voices/x.toml: rate: must be a whole number, not 'fast'"),
        ({"rate": 170.5}, "voices/x.toml: rate: must be a whole number"),
        ({"rate": True}, "voices/x.toml: rate: must be a whole number"),
        ({"pitch": 100}, "voices/x.toml: pitch: 100 is out of range (0 to 99)"),
        ({"volume": 1.5}, "voices/x.toml: volume: 1.5 is out of range (0.0 to 1.0)"),
        (
            {"engine": "pyttsx"},
            "voices/x.toml: engine: unknown engine 'pyttsx' (did you mean 'pyttsx3'?)",
        ),
        ({"voice": ""}, "voices/x.toml: voice: must not be empty"),
        ({"voice": "en us"}, "voices/x.toml: voice: 'en us' is not an engine voice id"),
        ({"language": "english!"}, "voices/x.toml: language: 'english!' is not a language code"),
        (
            {"pauses": {"sentense": 300}},
            "voices/x.toml: pauses.sentense: unknown pause (did you mean 'sentence'?)",
        ),
        ({"pauses": {"sentence": -1}}, "voices/x.toml: pauses.sentence: -1 ms is out of range"),
        (
            {"pauses": {"sentence": 0.5}},
            "voices/x.toml: pauses.sentence: must be whole milliseconds",
        ),
        ({"pauses": 300}, "voices/x.toml: pauses: must be a table"),
        ({"lexicon": {"Musk": 3}}, "voices/x.toml: lexicon.Musk: must be a non-empty string"),
        (
            {"lexicon": {"Musk": "[[m'Vsk"}},
            "voices/x.toml: lexicon.Musk: unbalanced phoneme brackets",
        ),
        ({"lexicon": {"Musk": "[[ ]]"}}, "voices/x.toml: lexicon.Musk: empty [[ ]] phonemes"),
        ({"lexicon": ["Musk"]}, "voices/x.toml: lexicon: must be a table"),
    ],
)
def test_each_bad_value_is_one_problem_naming_file_and_key(data: dict, expected: str) -> None:
    (problem,) = problems_of(data)
    assert problem.startswith(expected)


def test_every_problem_in_a_file_is_reported_at_once() -> None:
    found = problems_of(
        {"rat": 1, "pitch": 140, "pauses": {"sentense": 3}, "lexicon": {"a": "[[x"}, "volume": 2}
    )
    keys = [p.split(": ")[1] for p in found]
    assert sorted(keys) == ["lexicon.a", "pauses.sentense", "pitch", "rat", "volume"]


@pytest.mark.parametrize(
    ("data", "field", "value"),
    [
        ({"voice": "gmw/en-us+f3"}, "voice", "gmw/en-us+f3"),
        ({"voice": "en-gb"}, "voice", "en-gb"),
        ({"rate": 80}, "rate_wpm", 80),
        ({"rate": 450}, "rate_wpm", 450),
        ({"volume": 1}, "volume", 1.0),
        ({"pauses": {"comma": 90}}, "pauses_ms", {**DEFAULT_PAUSES_MS, "clause": 90}),
        ({"lexicon": {"Musk": "[[m'Vsk]]", "SpaceX": "space ex"}}, "lexicon",
         {"Musk": "[[m'Vsk]]", "SpaceX": "space ex"}),
    ],
)  # fmt: skip
def test_good_values_are_accepted(data: dict, field: str, value: object) -> None:
    voice = parse_voice("x", data, WHERE)
    owner = (
        voice.settings if hasattr(voice.settings, field) else voice
    )  # the engine's, or any voice's
    assert getattr(owner, field) == value


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_voices_load(name: str) -> None:
    voice = read_voice_file(ROOT / "voices" / f"{name}.toml")
    assert voice.name == name


def test_at_least_three_clearly_different_voices_are_shipped() -> None:
    voices = [
        read_voice_file(ROOT / "voices" / f"{n}.toml") for n in ("default", "anchor", "quote")
    ]
    assert len({v.settings.voice for v in voices}) == 3
    assert len({v.settings.pitch for v in voices}) == 3


def test_layering_defaults_then_file_then_flags_with_provenance(tmp_path: Path) -> None:
    (tmp_path / "calm.toml").write_text("rate = 140\n[pauses]\nsentence = 500\n")
    voice = load_voice("calm", tmp_path, pitch=30)
    assert (voice.settings.rate_wpm, voice.settings.pitch, voice.settings.volume) == (140, 30, 1.0)
    assert voice.pause_ms("sentence") == 500
    assert voice.origin("rate") == str(tmp_path / "calm.toml")
    assert voice.origin("pauses.sentence") == str(tmp_path / "calm.toml")
    assert voice.origin("pitch") == ORIGIN_FLAG
    assert voice.origin("volume") == ORIGIN_DEFAULT
    assert voice.origin("pauses.chapter") == ORIGIN_DEFAULT


def test_flags_are_validated_like_the_file(tmp_path: Path) -> None:
    with pytest.raises(VoiceConfigError, match="command line: rate: 5 is out of range"):
        load_voice("default", tmp_path, rate_wpm=5)


def test_unknown_voice_name_suggests_close_ones(tmp_path: Path) -> None:
    (tmp_path / "anchor.toml").write_text("")
    with pytest.raises(ConfigError, match="did you mean 'anchor'"):
        load_voice("anchr", tmp_path)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("rate = = 3\n")
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid TOML"):
        load_voice("bad", tmp_path)


def test_changing_pauses_or_lexicon_does_not_change_engine_settings() -> None:
    base = parse_voice("x", {}, WHERE)
    other = parse_voice("x", {"pauses": {"sentence": 900}, "lexicon": {"a": "b"}}, WHERE)
    assert base.settings == other.settings
    assert parse_voice("x", {"pitch": 10}, WHERE).settings != base.settings


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"engine": "piper", "rate": 170}, "voices/x.toml: rate: not a Piper setting; use length_scale"),
        ({"engine": "piper", "pitch": 50}, "voices/x.toml: pitch: not a Piper setting"),
        ({"engine": "piper", "length_scale": 9}, "voices/x.toml: length_scale: 9 is out of range (0.25 to 4.0)"),
        ({"engine": "piper", "noise_scale": -1}, "voices/x.toml: noise_scale: -1 is out of range"),
        ({"engine": "piper", "noise_w": "a"}, "voices/x.toml: noise_w: must be a number"),
        ({"engine": "piper", "sentence_silence_ms": 0.5}, "voices/x.toml: sentence_silence_ms: must be a whole number"),
        ({"engine": "piper", "speaker_id": -2}, "voices/x.toml: speaker_id: -2 is out of range"),
        ({"length_scale": 1.0}, 'voices/x.toml: length_scale: only for engine = "piper"'),
    ],
)  # fmt: skip
def test_piper_settings_are_validated_like_the_others(data: dict, expected: str) -> None:
    (problem,) = problems_of(data)
    assert problem.startswith(expected)


def test_piper_voice_defaults_to_the_packaged_model() -> None:
    voice = parse_voice("n", {"engine": "piper", "length_scale": 1.1}, WHERE)
    assert (voice.settings.voice, voice.settings.length_scale) == ("en_US-joe-medium", 1.1)
    assert voice.engine == "piper"
    assert "rate" not in voice.table() and "length_scale" in voice.table()
