"""Is there anything a voice can say in this article?

Refuses, before any audio work, an article with no words at all (only links, emoji or
symbols) and one written in a script the chosen voice cannot read (a Russian article for an
English voice would come out as spelled letters or silence).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from podcast.config.voices import Voice
from podcast.errors import InputError
from podcast.models import Article

# Letters of these Unicode scripts are what a voice of the language can read; a language not
# listed here is not checked. (First word of a letter's Unicode name.)
_LATIN = ("en", "fr", "de", "es", "it", "pt", "nl", "sv", "da", "nb", "no", "fi", "et", "pl",
          "cs", "sk", "sl", "hr", "bs", "sq", "ro", "hu", "tr", "id", "ms", "ca", "eu", "gl",
          "af", "sw", "lv", "lt", "is", "ga", "cy", "mt", "eo", "la", "vi", "az", "uz")  # fmt: skip
_CYRILLIC = ("ru", "uk", "be", "bg", "mk", "sr", "kk", "ky", "tt", "ba")
SCRIPTS_OF_LANGUAGE: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(_LATIN, ("LATIN",)),
    **dict.fromkeys(_CYRILLIC, ("CYRILLIC",)),
    **dict.fromkeys(("ar", "fa", "ur"), ("ARABIC",)),
    **dict.fromkeys(("hi", "mr", "ne"), ("DEVANAGARI",)),
    **dict.fromkeys(("cmn", "yue", "zh"), ("CJK",)),
    "el": ("GREEK",),
    "he": ("HEBREW",),
    "ja": ("CJK", "HIRAGANA", "KATAKANA"),
    "ko": ("HANGUL",),
    "th": ("THAI",),
}
_NOT_SPOKEN = re.compile(r"\S+://\S+|www\.\S+|\S+@\S+\.\S+")


def _characters(article: Article) -> Counter[str]:
    """How often each character occurs in the article's title and paragraphs, web and mail
    addresses left out; counted piece by piece, so a book's text is never joined or listed
    character by character."""
    counts: Counter[str] = Counter()
    for text in (article.title, *(block.text for block in article.blocks)):
        counts.update(_NOT_SPOKEN.sub(" ", text))
    return counts


def check_speakable(article: Article, voice: Voice, name: str) -> None:
    """Refuse an article with no words (only links, emoji or symbols) or in a script ``voice``
    cannot read (e.g. a Russian article for an English voice)."""
    counts = _characters(article)
    letters = {ch: n for ch, n in counts.items() if ch.isalpha()}
    if not letters and not any(ch.isdigit() for ch in counts):
        raise InputError(
            f"{name}: has no words to speak (only links, emoji or symbols); give an article with text"
        )
    expected = SCRIPTS_OF_LANGUAGE.get(voice.language.split("-")[0].lower())
    if not expected or not letters:
        return
    scripts: dict[str, int] = {}
    for ch, n in letters.items():  # the script of each distinct letter, weighed by its count
        script = unicodedata.name(ch, "UNKNOWN").split()[0]
        scripts[script] = scripts.get(script, 0) + n
    if sum(scripts.get(s, 0) for s in expected) * 2 < sum(letters.values()):
        found = max(scripts, key=lambda s: scripts[s])
        found = found if len(found) <= 3 else found.title()  # "CJK", "Cyrillic"
        raise InputError(
            f"{name}: is written in {found} script, which voice '{voice.name}' "
            f"(language '{voice.language}') cannot read; choose a voice for the article's "
            "language with --voice"
        )
