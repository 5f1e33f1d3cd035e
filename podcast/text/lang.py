"""Which language an article is in, and which voice speaks it.

The language comes from ``--lang``, else the article's metadata (Markdown front matter,
``<html lang>``), else is detected from its most frequent function words. A non-English
article is never read with the English normalization rules, and gets a voice of its language
from the narrator's own engine (``Engine.voice_for``), so nothing is downloaded.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from podcast import engines
from podcast.config.voices import Voice
from podcast.errors import InputError
from podcast.models import Article

DEFAULT_LANGUAGE = "en"
MIN_HITS = 8
DETECT_TOKENS = 5000  # words read from the article's opening to tell its language
_TOKEN = re.compile(r"[^\W\d_]+")

# Short, very frequent function words that barely overlap between these languages.
FUNCTION_WORDS = {
    "en": "the and of to is that it was for with as his on be at by this had not are but from have",
    "fr": "le la les et des est une que dans qui pas pour sur avec il elle sont aux du au ce",
    "de": "der die und das ist nicht ein eine mit sich auf dem den für von zu ich sie es auch",
    "es": "el la los las que y en del se por una con para es su al lo como más pero sus",
    "it": "il di che la le gli è per una con non sono della del nel alla anche come più",
    "pt": "o os que e da do em um uma para com não se na no dos das por mais ao",
    "nl": "de het een en van is dat op te zijn met voor niet aan er maar ook als bij",
    "sv": "och att det som en på är av för med till den har de inte om ett var",
    "pl": "i w na nie z się do to że jest o jak po co ale za od przez dla",
}
_WORDS = {lang: frozenset(words.split()) for lang, words in FUNCTION_WORDS.items()}


def detect(text: str) -> str | None:
    """The language of ``text`` (ISO 639-1), or None when there is too little to tell."""
    return _detect_tokens(itertools.islice(_TOKEN.finditer(text.lower()), DETECT_TOKENS))


def _detect_tokens(tokens: Iterable[re.Match[str]]) -> str | None:
    counts = Counter(token.group(0) for token in tokens)
    hits = {lang: sum(counts[w] for w in words) for lang, words in _WORDS.items()}
    best = max(hits, key=lambda lang: hits[lang])
    ranked = sorted(hits.values(), reverse=True)
    if hits[best] < MIN_HITS or hits[best] < 1.5 * ranked[1]:
        return None
    return best


def resolve(article: Article, override: str | None = None) -> Article:
    """The article with its language decided: ``override`` > metadata > detection > English."""
    language = (override or article.language or "").strip().lower().replace("_", "-")
    if not language:
        # The opening words only, piece by piece: a book's whole text is never joined here.
        pieces = (p.lower() for p in (article.title, *(b.text for b in article.blocks)))
        tokens = (token for piece in pieces for token in _TOKEN.finditer(piece))
        language = _detect_tokens(itertools.islice(tokens, DETECT_TOKENS)) or DEFAULT_LANGUAGE
    return replace(article, language=language)


def is_english(language: str) -> bool:
    return not language or language.lower().split("-")[0] == "en"


def voice_for(voice: Voice, language: str) -> Voice:
    """``voice``, or a copy speaking with its engine's own voice for ``language``.

    A voice already of that language is kept, and so is one whose engine has no voice for it
    (with its lexicon); otherwise the engine's settings change, the lexicon (written for the
    other language) is dropped, and the rest (pauses, rate) stays. English articles always
    keep the chosen voice.
    """
    wanted = language.lower()
    have = voice.language.lower()
    if is_english(wanted) or have.split("-")[0] == wanted.split("-")[0]:
        return voice
    settings = engines.get(voice.engine).voice_for(voice.settings, wanted)
    if settings is None:
        return voice
    return replace(voice, settings=settings, language=wanted, lexicon={})


LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*", re.IGNORECASE)


def check_language(language: str, narrator: Voice) -> None:
    """Refuse a ``--lang`` that is not a language code, or that the narrator's engine cannot
    speak (it would be recorded in the manifest and read by the wrong voice)."""
    if not LANGUAGE_CODE.fullmatch(language):
        raise InputError(
            f"--lang {language!r} is not a language code; use one like 'en', 'fr' or 'pt-br'"
        )
    wanted, have = language.lower(), narrator.language.lower()
    if is_english(wanted) or have.split("-")[0] == wanted.split("-")[0]:
        return
    engine = engines.get(narrator.engine)
    if engine.voice_for(narrator.settings, wanted) is None:
        raise InputError(
            f"--lang {language}: {engine.label} has no voice for that language; run "
            "'podcast voices list' to see the languages it speaks"
        )
