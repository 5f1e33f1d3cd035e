"""The text half of a build, in order: read -> clean -> language -> normalize + segment -> cast.

``plan_script`` is the one function that knows this order; ``podcast script`` shows its result.
``plan_chapters`` is the same plan made one chapter at a time (``podcast script`` prints each
chapter as it is made, so a long book is never held as a whole script).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace

from podcast.config.voices import Voice
from podcast.errors import InputError
from podcast.models import Chapter, Removal, Script
from podcast.text import lang, lexicon
from podcast.text.cast import Cast, cast_chapters
from podcast.text.clean import clean
from podcast.text.readers import read_source
from podcast.text.sanitize import sanitize_article
from podcast.text.segment import script_chapters, script_head
from podcast.text.speakable import check_speakable


@dataclass(frozen=True)
class PlannedChapters:
    """A script being planned: ``head`` is the Script without chapters and removals;
    ``chapters`` makes them one by one; ``removed`` is complete once they are all made."""

    head: Script
    chapters: Iterator[Chapter]
    removed: list[Removal]


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
    planned = plan_chapters(source, voice, project_lexicon, language, cast, voices)
    chapters = tuple(planned.chapters)
    return replace(planned.head, chapters=chapters, removed=tuple(planned.removed))


def plan_chapters(
    source: str,
    voice: Voice,
    project_lexicon: Mapping[str, str],
    language: str | None = None,
    cast: Cast | None = None,
    voices: Mapping[str, Voice] | None = None,
) -> PlannedChapters:
    """:func:`plan_script`, its chapters made as they are asked for. Every refusal (an
    unreadable source, nothing to say, a script the voice cannot read) comes before the first
    chapter."""
    article = lang.resolve(clean(sanitize_article(read_source(source))), language)
    if not article.blocks and not article.title:
        raise InputError(f"{source}: nothing left to say after cleaning")

    def say_for(each: Voice) -> Callable[[str], str]:
        return lexicon.normalizer({**project_lexicon, **each.lexicon}, article.language)

    narrator = lang.voice_for(voice, article.language)
    check_speakable(article, narrator, article.source or source)
    removed = list(article.removed)
    chapters = script_chapters(article, narrator.name, say_for(narrator), removed)
    if cast is not None and cast.active:
        cast_voices = {**(voices or {}), narrator.name: narrator}
        speakers = {n: say_for(v) for n, v in cast_voices.items()}
        chapters = cast_chapters(chapters, cast, speakers)
    return PlannedChapters(script_head(article), chapters, removed)
