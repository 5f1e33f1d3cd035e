"""Speech normalization, one table per category (docs/normalization.md shows the same examples).

Each case is (written, spoken). Besides the exact text, espeak-ng itself is asked for the
phonemes of what we produce: it must say no digit or symbol name we did not intend.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from podcast.text.normalize import apply_lexicon, normalize, roman_value
from tests.conftest import SEED

CASES: dict[str, list[tuple[str, str]]] = {
    "numbers": [
        ("He came 3d.", "He came third."),
        ("She was 2nd and 22nd.", "She was second and twenty-second."),
        ("It was 103rd.", "It was one hundred and third."),
        ("A gain of +125,000 jobs.", "A gain of plus one hundred and twenty-five thousand jobs."),
        ("About 1,234,567 people.", "About one million, two hundred and thirty-four thousand, five hundred and sixty-seven people."),
        ("It is 3.14 wide.", "It is three point one four wide."),
        ("It is .75 wide.", "It is point seven five wide."),
        ("Some 7.5 million followers.", "Some seven point five million followers."),
        ("It fell to -4 overnight.", "It fell to minus four overnight."),
        ("It fell to −4 overnight.", "It fell to minus four overnight."),
        ("Order 12345678901234 shipped.", "Order one two three four five six seven eight nine zero one two three four shipped."),
        ("About 10⁶ cells.", "About ten to the power of six cells."),
        ("An area of 5 m².", "An area of five square meters."),
    ],
    "money": [
        ("It cost $44 billion.", "It cost forty-four billion dollars."),
        ("It cost $36.00.", "It cost thirty-six dollars."),
        ("It cost $1.50.", "It cost one dollar and fifty cents."),
        ("It cost $0.99.", "It cost ninety-nine cents."),
        ("It cost £250.", "It cost two hundred and fifty pounds."),
        ("It cost €30.", "It cost thirty euros."),
        ("A $1.2 trillion deficit.", "A one point two trillion dollars deficit."),
        ("A $3.5M deal.", "A three point five million dollars deal."),
        ("A £2bn plan.", "A two billion pounds plan."),
    ],
    "percentages": [
        ("About 51.8% agreed.", "About fifty-one point eight percent agreed."),
        ("Up 5 % today.", "Up five percent today."),
    ],
    "dates": [
        ("On Jan. 6, 2021, they came.", "On January sixth, twenty twenty-one, they came."),
        ("Biden left July 21.", "Biden left July twenty-first."),
        ("It was March 11.", "It was March eleventh."),
        ("From Sept. 3 on.", "From September third on."),
        ("On 6 January 2021 they came.", "On the sixth of January, twenty twenty-one they came."),
    ],
    "years and decades": [
        ("In 1888 it rained.", "In eighteen eighty-eight it rained."),
        ("In 2022 it rained.", "In twenty twenty-two it rained."),
        ("In the 1990s it rained.", "In the nineteen nineties it rained."),
        ("In the '90s it rained.", "In the nineties it rained."),
        ("In 2005 it rained.", "In two thousand and five it rained."),
        ("In 1066 they landed.", "In ten sixty-six they landed."),
    ],
    "times": [
        ("At 2:30 p.m. we met.", "At two thirty P M we met."),
        ("At 5:15 we met.", "At five fifteen we met."),
        ("At 1 p.m. EDT we met.", "At one P M E D T we met."),
        ("At 9:05 a.m. we met.", "At nine oh five A M we met."),
    ],
    "ranges": [
        ("Pages 850–930 are lost.", "Pages eight hundred and fifty to nine hundred and thirty are lost."),
        ("Open May 3–9 only.", "Open May third to ninth only."),
        ("Buy 10-12 eggs.", "Buy ten to twelve eggs."),
        ("Between 1989-1991 it grew.", "Between nineteen eighty-nine and nineteen ninety-one it grew."),
        ("From 1989-91 it grew.", "From nineteen eighty-nine to nineteen ninety-one it grew."),
    ],
    "fractions": [
        ("Add ½ cup.", "Add a half cup."),
        ("A 2½-minute video.", "A two-and-a-half-minute video."),
        ("Eat 3/4 of it.", "Eat three quarters of it."),
        ("Eat 1/3 of it.", "Eat one third of it."),
        ("After the 9/11 attacks.", "After the nine eleven attacks."),
    ],
    "ratios": [("A ratio of 2:3 holds.", "A ratio of two to three holds.")],
    "units and degrees": [
        ("It is 12 km away.", "It is twelve kilometers away."),
        ("It is 1 km away.", "It is one kilometer away."),
        ("It is 72°F outside.", "It is seventy-two degrees Fahrenheit outside."),
        ("It is 20 °C outside.", "It is twenty degrees Celsius outside."),
        ("It weighs 5 kg.", "It weighs five kilograms."),
        ("It runs at 60 mph.", "It runs at sixty miles per hour."),
        ("It has 16 GB.", "It has sixteen gigabytes."),
    ],
    "abbreviations and titles": [
        ("Gov. Ron DeSantis spoke.", "Governor Ron DeSantis spoke."),
        ("Dr. Smith spoke.", "Doctor Smith spoke."),
        ("He lives in St. Louis.", "He lives in Saint Louis."),
        ("Mrs. Jones spoke.", "Missus Jones spoke."),
        ("He is No. 5.", "He is number five."),
        ("He said No.", "He said No."),
        ("It is on Main St. now.", "It is on Main Street now."),
        ("Trump vs. Biden.", "Trump versus Biden."),
        ("Sen. Chuck Schumer (D-N.Y.) spoke.", "Senator Chuck Schumer (Democrat of New York) spoke."),
        ("Fruit, e.g. apples.", "Fruit, for example apples."),
        ("After WWII ended.", "After World War Two ended."),
        ("A rally in Butler, Pa., ended.", "A rally in Butler, Pennsylvania, ended."),
    ],
    "acronyms": [
        ("The GOP nominee.", "The G O P nominee."),
        ("It speaks HTTP.", "It speaks H T T P."),
        ("It uses HTML.", "It uses H T M L."),
        ("NASA launched.", "NASA launched."),
        ("The U.S. Capitol.", "The U S Capitol."),
        ("NATO met.", "NATO met."),
        ("The OMB and the FY budget.", "The O M B and the F Y budget."),
        ("The NCAA and FEMA met.", "The N C A A and FEMA met."),
        ("US officials met the UN.", "U S officials met the U N."),
        ("THE MILLENNIUM FULCRUM EDITION", "THE MILLENNIUM FULCRUM EDITION"),
    ],
    "roman numerals": [
        ("Amendment XXV applies.", "Amendment twenty-five applies."),
        ("CHAPTER IV begins.", "CHAPTER four begins."),
        ("After World War II ended.", "After World War two ended."),
        ("King Henry VIII ruled.", "King Henry the Eighth ruled."),
        ("I think so.", "I think so."),
        ("I. A SCANDAL IN BOHEMIA", "One. A SCANDAL IN BOHEMIA"),
        ("IV. THE BOSCOMBE VALLEY MYSTERY", "Four. THE BOSCOMBE VALLEY MYSTERY"),
    ],
    "urls and e-mail": [
        ("See https://www.example.com/a?b=1 now.", "See example dot com now."),
        ("See www.latimes.com/politics now.", "See latimes dot com now."),
        ("Mail info@example.org today.", "Mail info at example dot org today."),
        ("Follow @realDonaldTrump now.", "Follow at real Donald Trump now."),
    ],
    "phone numbers": [
        ("Call 555-123-4567 now.", "Call five five five, one two three, four five six seven now."),
        ("Call (212) 555-0100 now.", "Call two one two, five five five, zero one zero zero now."),
    ],
    "ip addresses": [
        ("Ping 192.168.0.1 now.", "Ping one hundred and ninety-two dot one hundred and sixty-eight dot zero dot one now."),
    ],
    "letter-likes": [
        ("An attack on 𝕏 began.", "An attack on X began."),
        ("It is ℌ𝔢𝔩𝔩𝔬.", "It is Hello."),
    ],
    "symbols": [
        ("Tom & Jerry.", "Tom and Jerry."),
        ("It is 4x faster.", "It is four times faster."),
        ("Over 100+ guests.", "Over one hundred plus guests."),
        ("Sales rose in Q3.", "Sales rose in Q three."),
        ("A #1 hit.", "A number one hit."),
        ("So 5 + 3 = 8.", "So five plus three equals eight."),
        ("It speaks HTTP/1.1 and/or HTTP/2.", "It speaks H T T P one point one and or H T T P two."),
        ("Open 24/7 in 3D.", "Open twenty-four seven in three D."),
        ("It — the site — fell.", "It, the site, fell."),
    ],
}  # fmt: skip

TABLE = [
    pytest.param(written, spoken, id=f"{category}: {written}")
    for category, cases in CASES.items()
    for written, spoken in cases
]


@pytest.mark.parametrize(("written", "spoken"), TABLE)
def test_normalize_says_each_category_as_a_narrator_would(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


def test_every_issue_category_has_cases() -> None:
    assert len(CASES) >= 17
    assert all(len(cases) >= 1 for cases in CASES.values())


_PHONEMIZE = r"""
import ctypes, json, sys
from podcast import toolchain
espeak = toolchain.load_espeak()
lib = ctypes.CDLL(espeak.library)
lib.espeak_Initialize.restype = ctypes.c_int
lib.espeak_Initialize(2, 0, espeak.data_dir.encode(), 0)
lib.espeak_SetVoiceByName(b"en-us")
lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
out = []
for text in json.load(sys.stdin):
    buf = ctypes.create_string_buffer(text.encode())
    ptr = ctypes.c_void_p(ctypes.addressof(buf))
    parts = []
    while ptr.value:
        parts.append(lib.espeak_TextToPhonemes(ctypes.byref(ptr), 1, 0x02).decode())
    out.append(" ".join(parts))
json.dump(out, sys.stdout)
"""


def phonemes(texts: list[str]) -> list[str]:
    """espeak-ng's phonemes for each text (in a fresh process: espeak initialises once)."""
    done = subprocess.run(
        [sys.executable, "-c", _PHONEMIZE],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(done.stdout)


def test_espeak_says_what_the_table_says() -> None:
    """espeak-ng reads our output exactly as it reads the intended words, and the raw input
    differently wherever it had a digit or symbol (so the rule mattered)."""
    written = [w for _, cases in CASES.items() for w, _ in cases]
    spoken = [s for _, cases in CASES.items() for _, s in cases]
    ours = phonemes([normalize(w) for w in written])
    wanted = phonemes(spoken)
    assert ours == wanted
    raw = phonemes(written)
    changed = [w for w, s, r, o in zip(written, spoken, raw, ours, strict=True) if w != s]
    assert (
        sum(r != o for w, r, o in zip(written, raw, ours, strict=True) if w in changed)
        >= len(changed) * 0.6
    )


def test_lexicon_overrides_how_a_word_is_said() -> None:
    assert normalize("Musk met Breton.", {"Breton": "Bruh-TON"}) == "Musk met Bruh-TON."
    assert apply_lexicon("Bretonne Breton", {"Breton": "B"}) == "Bretonne B"


@pytest.mark.parametrize(
    ("numeral", "value"), [("I", 1), ("IV", 4), ("XXV", 25), ("MCMXC", 1990), ("IIII", None)]
)
def test_roman_value(numeral: str, value: int | None) -> None:
    assert roman_value(numeral) == value


def test_normalize_leaves_no_digits_in_the_seed() -> None:

    seed = SEED
    spoken = normalize(seed.read_text(encoding="utf-8"))
    assert not any(ch.isdigit() for ch in spoken)
    assert "$" not in spoken and "%" not in spoken


def test_project_lexicon_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from podcast.config.lexicon import load_lexicon
    from podcast.errors import ConfigError

    path = tmp_path / "lexicon.toml"
    assert load_lexicon(path) == {}
    path.write_text('[lexicon]\nDeSantis = "dee SAN tiss"\n', encoding="utf-8")
    assert load_lexicon(path) == {"DeSantis": "dee SAN tiss"}
    path.write_text("DeSantis = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"lexicon\.toml"):
        load_lexicon(path)


def test_script_uses_project_lexicon_under_voice_lexicon(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from podcast.build.plan import load_script
    from podcast.config.voices import Voice

    (tmp_path / "voices").mkdir()
    (tmp_path / "lexicon.toml").write_text('Musk = "Musky"\nX = "ex"\n', encoding="utf-8")
    article = tmp_path / "a.txt"
    article.write_text("Musk and X\n\nMusk posted on X.\n", encoding="utf-8")
    monkeypatch.setenv("PODCAST_HOME", str(tmp_path))
    script = load_script(str(article), Voice(lexicon={"X": "the X platform"}))
    assert script.chunks()[-1].spoken == "Musky posted on the X platform."


def test_docs_table_shows_every_case() -> None:
    from pathlib import Path

    doc = (Path(__file__).parent.parent / "docs" / "normalization.md").read_text(encoding="utf-8")
    missing = [
        (category, written)
        for category, cases in CASES.items()
        for written, spoken in cases
        if f"| {category} | `{written}` | {spoken} |" not in doc
    ]
    assert not missing, "regenerate the table in docs/normalization.md"
