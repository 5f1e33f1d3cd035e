"""Which language an article is in, and which espeak-ng voice speaks it.

The language comes from ``--lang``, else the article's metadata (Markdown front matter,
``<html lang>``), else is detected from its most frequent function words. A non-English
article is never read with the English normalization rules, and gets a voice of its language
from espeak-ng's own list (its ``lang/`` data folder), so nothing is downloaded.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

from podcast.config.voices import Voice
from podcast.models import Article

DEFAULT_LANGUAGE = "en"
MIN_HITS = 8

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
    tokens = re.findall(r"[^\W\d_]+", text.lower())[:5000]
    counts = Counter(tokens)
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
        sample = " ".join([article.title, *(b.text for b in article.blocks)])
        language = detect(sample) or DEFAULT_LANGUAGE
    return replace(article, language=language)


def is_english(language: str) -> bool:
    return not language or language.lower().split("-")[0] == "en"


def espeak_voice_ids(data_dir: str) -> dict[str, str]:
    """espeak-ng voice ids by language code, from its data folder ("fr" -> "roa/fr")."""
    root = Path(data_dir) / "lang"
    ids: dict[str, str] = {}
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file():
                ids.setdefault(path.name.lower(), path.relative_to(root).as_posix())
    return ids


def voice_for(voice: Voice, language: str) -> Voice:
    """``voice``, or a copy speaking with espeak-ng's voice for ``language``.

    A voice already of that language is kept; otherwise the engine voice changes and the rest
    (rate, pitch, pauses) stays. English articles always keep the chosen voice.
    """
    wanted = language.lower()
    have = voice.language.lower()
    if is_english(wanted) or have.split("-")[0] == wanted.split("-")[0]:
        return voice
    from podcast import toolchain

    ids = espeak_voice_ids(toolchain.find_espeak().data_dir)
    engine_voice = ids.get(wanted) or ids.get(wanted.split("-")[0])
    if not engine_voice:
        return voice
    return replace(voice, engine_voice=engine_voice, language=wanted, lexicon={})
