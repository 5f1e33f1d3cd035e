"""Turn a cleaned Article into a Script: chapters of bounded narration chunks.

Sentences come from pysbd (it survives "Jan." and "Pa."); a sentence longer than
``MAX_CHUNK_CHARS`` is split at clause boundaries, never inside a word. Chapters come from the
article's headings, or from its topics (``podcast.text.topics``) when it has none. Every word of the
cleaned article lands in exactly one chunk, in order.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

from podcast.models import (
    HEADING,
    PAUSE_CHAPTER,
    PAUSE_CLAUSE,
    PAUSE_END,
    PAUSE_PARAGRAPH,
    PAUSE_SENTENCE,
    Article,
    Block,
    Chapter,
    Chunk,
    Removal,
    Script,
)
from podcast.text import topics

MAX_CHUNK_CHARS = 300
# pysbd slows down sharply on very long input; longer paragraphs (a whole book pasted as one
# line) are first cut at sentence-looking boundaries into windows of about this size.
SEGMENTER_WINDOW_CHARS = 5_000
# Beyond this (a book without a single line break), pysbd would take minutes (about 10 s per
# MB): sentences are cut at ". ", "! ", "? " instead.
HUGE_PARAGRAPH_CHARS = 200_000
SLUG_MAX_CHARS = 60
UNTITLED = "Untitled"

Normalizer = Callable[[str], str]

# Where a long sentence may be cut, best first: after a semicolon or colon, a dash, a comma.
_CLAUSE_BREAKS = (re.compile(r"(?<=[;:])\s+"), re.compile(r"\s+(?=[—–])|(?<=[—–])\s+"),
                  re.compile(r"(?<=,)\s+"), re.compile(r"\s+"))  # fmt: skip


@functools.cache
def _segmenter() -> Any:
    """A pysbd segmenter (a new one per call: it keeps the text it works on)."""
    return _segmenter_class()(language="en", clean=False)


@functools.cache
def _segmenter_class() -> Any:
    import pysbd
    from pysbd.utils import TextSpan

    class Segmenter(pysbd.Segmenter):
        """pysbd, with the sentences found in the text in one pass.

        pysbd locates each sentence it made by compiling a regex of it and scanning the whole
        text (a compile and a scan per sentence: three quarters of ``podcast script``'s time on
        a long book, and the regex cache thrashed). The sentences come in order, so each is
        looked for from where the last ended; one that is not there verbatim falls back to
        pysbd's own search.
        """

        def sentences_with_char_spans(self, sentences: list[str]) -> list[Any]:
            text, spans, position = self.original_text, [], 0
            for sentence in sentences:
                start = text.find(sentence, position) if sentence else -1
                if start < 0:
                    spans += super().sentences_with_char_spans([sentence])[-1:]
                    if spans:
                        position = max(position, spans[-1].end)
                    continue
                end = start + len(sentence)
                while end < len(text) and text[end].isspace():
                    end += 1
                spans.append(TextSpan(text[start:end], start, end))
                position = end
            return spans

    return Segmenter


_WINDOW_BREAKS = (re.compile(r"(?<=[.!?])\s+"), re.compile(r"\s+"))


def _windows(paragraph: str, size: int = SEGMENTER_WINDOW_CHARS) -> Iterator[str]:
    """Cut a long paragraph into pieces of about ``size`` chars, never inside a word."""
    start = 0
    while len(paragraph) - start > size:
        end = None
        for pattern in _WINDOW_BREAKS:
            cuts = [m.end() for m in pattern.finditer(paragraph, start + size // 2, start + size)]
            if cuts:
                end = cuts[-1]
                break
        if end is None:  # one enormous "word": leave it whole up to the next space
            space = re.compile(r"\s").search(paragraph, start + size)
            end = space.end() if space else len(paragraph)
        yield paragraph[start:end]
        start = end
    yield paragraph[start:]


def sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences; the pieces keep every word, in order."""
    if len(paragraph) > HUGE_PARAGRAPH_CHARS:  # no person wrote this; speed over finesse
        pieces = [s.strip() for s in _WINDOW_BREAKS[0].split(paragraph)]
    else:
        pieces = [s.strip() for w in _windows(paragraph) for s in _segmenter().segment(w)]
    return _rejoin([part for p in pieces if p for part in _split_after_letter(p)])


# pysbd ends a sentence at the dot of a dotfile or path ("Edit your ." + "bashrc file") and
# after "p.m." when a time zone follows ("at 3 p.m." + "EDT on Friday"): such pieces are
# one sentence.
_OPEN_DOT = re.compile(r"(?:^|[\s(~/])\.{1,2}$")
_MERIDIEM_END = re.compile(r"\b[ap]\.m\.$", re.IGNORECASE)
_ZONE_START = re.compile(r"^(?:[ECMP][SD]T|UTC|GMT|BST|CES?T|AK[SD]T|H[SD]T|AE[SD]T|IST|JST)\b")
_NAME_START = re.compile(r"^[\w~/.]")


def _rejoin(parts: list[str]) -> list[str]:
    joined: list[str] = []
    for part in parts:
        if joined and (
            (_OPEN_DOT.search(joined[-1]) and _NAME_START.match(part))
            or (_MERIDIEM_END.search(joined[-1]) and _ZONE_START.match(part))
        ):
            glue = "" if _OPEN_DOT.search(joined[-1]) else " "
            joined[-1] = joined[-1] + glue + part
        else:
            joined.append(part)
    return joined


# pysbd takes any "X." for an initial; after a lower-case word ("posted on X. A year ago")
# it ends a sentence (initials follow a capitalised name: "Janet L. Yellen").
_LETTER_END = re.compile(r"\b[a-z]+ [A-Z]\.(?=\s+[A-Z][a-z]*\b)")


def _split_after_letter(sentence: str) -> list[str]:
    parts, start = [], 0
    for match in _LETTER_END.finditer(sentence):
        parts.append(sentence[start : match.end()].strip())
        start = match.end()
    parts.append(sentence[start:].strip())
    return [p for p in parts if p]


def split_long(sentence: str, max_chars: int = MAX_CHUNK_CHARS) -> list[str]:
    """Cut a sentence into pieces of at most ``max_chars`` at the best clause boundaries.

    A single word longer than ``max_chars`` stays whole (never cut mid-word).
    """
    if len(sentence) <= max_chars:
        return [sentence]
    for pattern in _CLAUSE_BREAKS:
        cuts = [m for m in pattern.finditer(sentence) if 0 < m.start() < len(sentence)]
        if not cuts:
            continue
        middle = len(sentence) / 2
        best = min(cuts, key=lambda m: abs(m.start() - middle))
        left, right = sentence[: best.start()].strip(), sentence[best.end() :].strip()
        if left and right:
            return split_long(left, max_chars) + split_long(right, max_chars)
    # no clause boundary: the space nearest the middle (a word longer than the limit stays whole)
    spaces = [m.start() for m in re.finditer(r"\s+", sentence)]
    if not spaces:
        return [sentence]
    cut = min(spaces, key=lambda at: abs(at - len(sentence) / 2))
    left, right = sentence[:cut].strip(), sentence[cut:].strip()
    return split_long(left, max_chars) + split_long(right, max_chars)


# Names Windows refuses as files or folders, whatever the extension or case.
RESERVED_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(10)] + [f"lpt{i}" for i in range(10)]
)
_SAFE_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def is_safe_slug(slug: str, max_chars: int = SLUG_MAX_CHARS) -> bool:
    """True for a name that stays one plain ASCII folder/file name on every system."""
    return (
        len(slug) <= max_chars
        and _SAFE_SLUG.fullmatch(slug) is not None
        and slug not in RESERVED_NAMES
    )


def slugify(title: str, max_chars: int = SLUG_MAX_CHARS) -> str:
    """An ASCII slug safe as a folder and file name (no dots, slashes or reserved names).

    A title with no ASCII letters or digits (e.g. all Chinese) gets ``episode-`` and a short
    hash of the title, so two such articles never share a folder; an empty one is ``episode``.
    """
    import hashlib
    import unicodedata

    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_chars:
            break
        slug = candidate
    if not slug and words:
        slug = words[0][:max_chars]
    if not slug and not title.strip():
        slug = "episode"
    if not slug:
        digest = hashlib.sha256(title.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        slug = f"episode-{digest}"
    if slug in RESERVED_NAMES:
        slug = f"{slug}-episode"
    return slug


def speakable(spoken: str) -> bool:
    """Whether the engine has anything to say: a letter or digit, not just marks."""
    return any(ch.isalnum() for ch in spoken)


def _chunks_of_paragraph(
    text: str,
    voice: str,
    normalize: Normalizer,
    first_sentence_id: int,
    removed: list[Removal] | None = None,
) -> list[Chunk]:
    """Chunks of one paragraph. A piece with nothing speakable (a stray closing quote, a row of
    asterisks) is never handed to the engine: it joins the previous chunk's text, or is listed
    in ``removed`` when there is none."""
    chunks: list[Chunk] = []
    sentence_id = first_sentence_id
    for sentence in sentences(text):
        pieces = split_long(sentence)
        for i, piece in enumerate(pieces):
            spoken = normalize(piece)
            if not speakable(spoken):
                if chunks:
                    last = chunks[-1]
                    chunks[-1] = replace(last, text=f"{last.text} {piece}")
                elif removed is not None:
                    removed.append(Removal(piece, "nothing to say"))
                continue
            pause = PAUSE_CLAUSE if i < len(pieces) - 1 else PAUSE_SENTENCE
            chunks.append(Chunk(piece, spoken, voice, sentence_id, pause))
        if chunks and chunks[-1].sentence_id == sentence_id:
            sentence_id += 1
    return chunks


def _with_pause(chunks: list[Chunk], pause: str) -> None:
    if chunks:
        last = chunks[-1]
        chunks[-1] = Chunk(
            last.text, last.spoken, last.voice, last.sentence_id, pause, last.speaker
        )


def _sections(article: Article) -> list[tuple[str, list[Block]]]:
    """(chapter title, blocks) pairs: from headings, or from topics when there are none."""
    blocks = list(article.blocks)
    if any(b.kind == HEADING for b in blocks):
        top = min(b.level for b in blocks if b.kind == HEADING)
        sections: list[tuple[str, list[Block]]] = [("Introduction", [])]
        for block in blocks:
            if block.kind == HEADING and block.level <= top + 1:
                sections.append((block.text, [block]))
            else:
                sections[-1][1].append(block)
        if not sections[0][1]:
            sections.pop(0)
        return sections
    paragraphs = [b.text for b in blocks]
    return [
        (title or article.title, [blocks[i] for i in indexes])
        for title, indexes in topics.topical_chapters(paragraphs, article.title, article.language)
    ]


def build_script(
    article: Article,
    voice: str,
    normalize: Normalizer,
    slug: str | None = None,
) -> Script:
    """Plan the narration of ``article``: the title first, then each chapter's chunks."""
    removed: list[Removal] = list(article.removed)
    chapters = tuple(script_chapters(article, voice, normalize, removed))
    return replace(script_head(article, slug), chapters=chapters, removed=tuple(removed))


def script_head(article: Article, slug: str | None = None) -> Script:
    """The Script of ``article`` without its chapters and removals (see script_chapters)."""
    return Script(
        title=article.title,
        slug=slug or slugify(article.title),
        source=article.source,
        chapters=(),
        author=article.author,
        date=article.date,
        language=article.language or "en",
        url=article.url,
        feed=article.feed,
    )


def script_chapters(
    article: Article, voice: str, normalize: Normalizer, removed: list[Removal]
) -> Iterator[Chapter]:
    """The chapters of ``article``'s narration, one at a time (the title first, in the first);
    what has nothing to say is added to ``removed`` as it is met. One chapter is held back
    until the next is made, so the last can be given its closing pause: a long book is planned
    in the memory of two chapters, not of the whole script."""
    sentence_id = 0
    # the title is one sentence of the narration, cut like any other when it is very long
    title_chunks = [
        Chunk(piece, normalize(piece), voice, sentence_id, PAUSE_CLAUSE)
        for piece in split_long(article.title)
    ]
    if not any(speakable(c.spoken) for c in title_chunks):
        title_chunks = [Chunk(article.title, UNTITLED, voice, sentence_id, PAUSE_CLAUSE)]
    title_chunks[-1] = dataclasses.replace(title_chunks[-1], pause_after=PAUSE_CHAPTER)
    sentence_id += 1
    held: Chapter | None = None
    for index, (title, blocks) in enumerate(_sections(article) or [(article.title, [])]):
        chunks: list[Chunk] = [c for c in title_chunks if speakable(c.spoken)] if index == 0 else []
        for block in blocks:
            new = _chunks_of_paragraph(block.text, voice, normalize, sentence_id, removed)
            sentence_id += len({c.sentence_id for c in new})
            _with_pause(new, PAUSE_PARAGRAPH)
            chunks.extend(new)
        _with_pause(chunks, PAUSE_CHAPTER)
        url = blocks[0].url if blocks and blocks[0].kind == HEADING else ""
        image = next((b.image for b in blocks if b.image), "")  # the section's first picture
        if held is not None and held.chunks:
            yield held
        held = Chapter(title, tuple(chunks), url, image)
    assert held is not None  # there is always a first section
    last_chunks = list(held.chunks)
    _with_pause(last_chunks, PAUSE_END)
    if last_chunks:
        yield dataclasses.replace(held, chunks=tuple(last_chunks))  # its url and picture kept


def words(texts: Iterable[str]) -> list[str]:
    """The words of ``texts`` in order, for checks that nothing was lost."""
    return [w for text in texts for w in re.findall(r"\w+", text)]
