"""The text half of a build, in order: read -> clean -> language -> normalize + segment -> cast.

``plan_script`` is the one function that knows this order; ``podcast script`` shows its result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from podcast.config.voices import Voice
from podcast.errors import InputError
from podcast.models import Script
from podcast.text import lang, lexicon
from podcast.text.cast import Cast, apply_cast
from podcast.text.clean import clean
from podcast.text.readers import read_source
from podcast.text.sanitize import sanitize_article
from podcast.text.segment import build_script
from podcast.text.speakable import check_speakable


def plan_script(
    source: str,
    voice: Voice,
    project_lexicon: Mapping[str, str],
    language: str | None = None,
    cast: Cast | None = None,
    voices: Mapping[str, Voice] | None = None,
) -> Script:
    """Read, clean and plan the narration of ``source`` for ``voice``.

    ``language`` overrides the article's own (metadata, else detected); a non-English article
    is normalized without the English rules. ``project_lexicon`` applies under each voice's own
    lexicon. With a ``cast``, quotations are then given to their voices (``voices`` holds each
    cast voice by name).
    """
    article = lang.resolve(clean(sanitize_article(read_source(source))), language)
    if not article.blocks and not article.title:
        raise InputError(f"{source}: nothing left to say after cleaning")

    def say_for(each: Voice) -> Callable[[str], str]:
        return lexicon.normalizer({**project_lexicon, **each.lexicon}, article.language)

    narrator = lang.voice_for(voice, article.language)
    check_speakable(article, narrator, article.source or source)
    script = build_script(article, narrator.name, say_for(narrator))
    if cast is None or not cast.active:
        return script
    cast_voices = {**(voices or {}), narrator.name: narrator}
    return apply_cast(script, cast, {n: say_for(v) for n, v in cast_voices.items()})
