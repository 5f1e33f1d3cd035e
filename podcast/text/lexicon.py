"""A voice's lexicon applied around normalization.

A lexicon entry says how to say a word: plain words (``SpaceX = "space ex"``) or espeak-ng
phoneme input (``Musk = "[[m'Vsk]]"``). What a plain entry says is final: normalization
replaces the word and no later rule rewrites the saying. Phoneme entries must reach the engine
untouched, but normalization strips
brackets and symbols, so each such word is swapped for an inert placeholder word first and the
phonemes are put back afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from podcast.text.normalize import normalize

PHONEMES = re.compile(r"\[\[(.*?)\]\]")
# Engine markup in the article's own text (``[[`` starts espeak-ng phoneme input): given to
# the engine as a space, so only a lexicon's phonemes ever reach it as markup.
ARTICLE_MARKUP = re.compile(r" *(?:\[\[+|\]\]+) *")
# Letters no normalization rule touches (no vowels, no roman numerals), so the placeholder
# survives as one lowercase word.
_PLACEHOLDER_LETTERS = "bfghjknprstwz"


def _placeholder(index: int) -> str:
    digits = ""
    while True:
        index, rest = divmod(index, len(_PLACEHOLDER_LETTERS))
        digits += _PLACEHOLDER_LETTERS[rest]
        if not index:
            break
    return f"qzq{digits}qzq"


def has_phonemes(saying: str) -> bool:
    return bool(PHONEMES.search(saying))


def normalizer(lexicon: Mapping[str, str], language: str = "en") -> Callable[[str], str]:
    """A function from written text to what the engine is given, with ``lexicon`` applied."""
    plain = {w: s for w, s in lexicon.items() if not has_phonemes(s)}
    phonetic = sorted(((w, s) for w, s in lexicon.items() if has_phonemes(s)),
                      key=lambda ws: -len(ws[0]))  # fmt: skip
    patterns = [re.compile(rf"(?<!\w){re.escape(w)}(?!\w)") for w, _ in phonetic]

    def say(text: str) -> str:
        for index, pattern in enumerate(patterns):
            text = pattern.sub(f" {_placeholder(index)} ", text)
        spoken = ARTICLE_MARKUP.sub(" ", normalize(text, plain or None, language))
        for index, (_, saying) in enumerate(phonetic):
            spoken = spoken.replace(_placeholder(index), saying)
        return spoken

    return say
