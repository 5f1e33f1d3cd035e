"""The cast stage: who reads what. Script in, Script out.

Quoted speech can be read by another voice than the narrator's. Each paragraph's quotations
are found (curly “...” pairs, or straight "..." pairs); chunks are split at quote boundaries,
every word kept, in order. A quotation is attributed to a speaker from the words next to it
("Musk said", "said Musk", "he told Trump", "from Musk:"); a pronoun ("he told Trump") means
the most recently named speaker who is not the one being told; an unattributed quotation
after an attributed one in the same paragraph continues it. A speaker named in the cast
(``Musk = "anchor"``) gets that voice; any other quotation gets the quote voice.

Short quotations (scare quotes such as “fully” or “woke mind virus”) stay with the narrator:
switching voice for one or two words sounds like a glitch, not like a speaker.

Each voice part gets its own ``sentence_id`` so transcripts give it its own cue, marked with
the speaker (``Chunk.speaker``); the narrator's cues are marked "Narrator".
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from podcast.config.voices import DEFAULT_QUOTE_VOICE_NAME
from podcast.errors import ConfigError
from podcast.models import (
    PAUSE_CHAPTER,
    PAUSE_CLAUSE,
    PAUSE_END,
    PAUSE_PARAGRAPH,
    Chapter,
    Chunk,
    Script,
)

QUOTES_ROLE = "quotes"
NARRATOR_SPEAKER = "Narrator"
UNATTRIBUTED_SPEAKER = "Quote"
MIN_QUOTE_WORDS = 4  # shorter quotations are scare quotes: the narrator keeps them
ATTRIBUTION_WINDOW_CHARS = 90

Speaker = Callable[[str], str]  # written text -> what the engine is given, for one voice

_VERBS = (
    "said|says|say|told|tells|asked|asks|added|adds|wrote|writes|posted|posts|replied|"
    "replies|explained|continued|argued|claimed|noted|declared|insisted|recalled|joked|"
    "tweeted|announced|responded|shouted|warned|stated|remarked|answered"
)
_NAME = r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’-]*){0,2}"
_PRONOUN = r"[Hh]e|[Ss]he|[Tt]hey"
_AFTER = re.compile(
    rf"^[\s,;:—–-]*(?P<subj>{_NAME}|{_PRONOUN})\s+(?:\w+ly\s+)?(?:{_VERBS})\b"
    rf"(?:\s+(?P<obj>{_NAME}))?"
)
_AFTER_VERB_FIRST = re.compile(rf"^[\s,;:—–-]*(?:{_VERBS})\s+(?P<subj>{_NAME})")
_BEFORE = re.compile(
    rf"(?:(?P<subj>{_NAME}|{_PRONOUN})\s+(?:\w+ly\s+)?(?:{_VERBS})(?:\s+(?P<obj>{_NAME}))?"
    rf"|\bfrom\s+(?P<from>{_NAME}))\s*[:,]?\s*$"
)
_OPENERS = "“"
_CLOSERS = "”"


@dataclass(frozen=True)
class Cast:
    """Which voice reads what: the narrator, quotations, and named speakers."""

    narrator: str
    quotes: str | None = None
    speakers: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return bool(self.quotes or self.speakers)

    def voices(self) -> list[str]:
        names = [self.narrator, *([self.quotes] if self.quotes else []), *self.speakers.values()]
        return list(dict.fromkeys(names))


def parse_cast(
    entries: Sequence[str], narrator: str, show: Mapping[str, str] | None = None
) -> Cast:
    """``["quotes=quote", "Musk=anchor"]`` (from ``--cast``) -> a Cast.

    ``show`` is the show config's ``[cast]`` table (``quotes = "quote"``, ``Musk = "anchor"``);
    the command line's entries win over it, role by role.
    """
    quotes: str | None = None
    speakers: dict[str, str] = {}
    for role, voice in (show or {}).items():
        if not isinstance(voice, str) or not voice.strip():
            raise ConfigError(f'[cast] {role} must name a voice, like {role} = "quote"')
        if role.lower() == QUOTES_ROLE:
            quotes = voice.strip()
        else:
            speakers[role] = voice.strip()
    for entry in entries:
        role, sep, voice = (part.strip() for part in entry.partition("="))
        if not sep or not role or not voice:
            raise ConfigError(
                f"--cast '{entry}' is not ROLE=VOICE; use 'quotes=quote' or a speaker "
                "such as 'Musk=anchor'"
            )
        if role.lower() == QUOTES_ROLE:
            quotes = voice
        else:
            speakers[role] = voice
    return cast_from_mapping({QUOTES_ROLE: quotes, **speakers} if quotes else speakers, narrator)


def cast_from_mapping(mapping: Mapping[str, str | None], narrator: str) -> Cast:
    """A cast from a show config's table (``quotes = "quote"``, ``Musk = "anchor"``).

    With speakers but no ``quotes`` entry, other quotations go to the default quote voice
    (``voices/quote.toml``), so unattributed quotes still sound like quotes.
    """
    quotes = mapping.get(QUOTES_ROLE)
    speakers = {k: v for k, v in mapping.items() if k != QUOTES_ROLE and v}
    if speakers and QUOTES_ROLE not in mapping:
        quotes = DEFAULT_QUOTE_VOICE_NAME
    return Cast(narrator=narrator, quotes=quotes or None, speakers=speakers)


# ---------------------------------------------------------------------------------------------
# finding quotations and who said them


@dataclass(frozen=True)
class Quote:
    start: int  # offsets in the paragraph text, quote marks included
    end: int
    speaker: str  # "" when unattributed


def quote_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each quotation in ``text``, quote marks included.

    Curly quotes pair up “ with ”; an unclosed “ runs to the end (a quotation continued in
    the next paragraph). Straight double quotes pair up in order; an odd last one is ignored.
    """
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    for index, char in enumerate(text):
        if char in _OPENERS and opened is None:
            opened = index
        elif char in _CLOSERS and opened is not None:
            spans.append((opened, index + 1))
            opened = None
    if opened is not None:
        spans.append((opened, len(text)))
    if not spans:
        marks = [m.start() for m in re.finditer('"', text)]
        spans = [(marks[i], marks[i + 1] + 1) for i in range(0, len(marks) - 1, 2)]
    return spans


def _surname(name: str) -> str:
    return name.split()[-1].strip("'’.")


class _Attributor:
    """Names the speaker of each quotation, remembering who was named before (for pronouns)."""

    def __init__(self, cast: Cast) -> None:
        self.cast = cast
        self.known = {_surname(k).lower(): k for k in cast.speakers}
        # Known speakers, the one the text named last at the end (each name once: a long book
        # names the same few people thousands of times).
        self.mentions: dict[str, None] = {}

    def _canonical(self, name: str) -> str:
        for word in reversed(name.split()):
            key = self.known.get(word.strip("'’.").lower())
            if key:
                return key
        return name

    def _is_name(self, subject: str) -> bool:
        return not re.fullmatch(_PRONOUN, subject) and subject.split()[0] not in {
            "The", "This", "That", "It", "We", "I", "You", "A", "An",
        }  # fmt: skip

    def note_mentions(self, narration: str) -> None:
        for match in re.finditer(r"[A-Z][\w'’-]+", narration):
            key = self.known.get(match.group(0).strip("'’").lower())
            if key:
                self._mention(key)

    def _mention(self, name: str) -> None:
        self.mentions.pop(name, None)
        self.mentions[name] = None

    def _resolve(self, subject: str, obj: str | None) -> str:
        if self._is_name(subject):
            speaker = self._canonical(subject)
            self.known.setdefault(_surname(speaker).lower(), speaker)
            self._mention(speaker)
            return speaker
        if not re.fullmatch(_PRONOUN, subject):
            return ""
        told = self._canonical(obj) if obj else ""
        for name in reversed(self.mentions):
            if name != told:
                return name
        return ""

    def speaker(self, before: str, after: str) -> str:
        for pattern, text in ((_AFTER, after), (_AFTER_VERB_FIRST, after), (_BEFORE, before)):
            match = pattern.search(text)
            if match:
                groups = match.groupdict()
                subject = groups.get("subj") or groups.get("from")
                if subject:
                    return self._resolve(subject, groups.get("obj"))
        return ""


def find_quotes(text: str, attributor: _Attributor) -> list[Quote]:
    """The quotations of one paragraph worth a voice of their own, with their speakers."""
    spans = quote_spans(text)
    quotes: list[Quote] = []
    previous_end = 0
    for index, (start, end) in enumerate(spans):
        next_start = spans[index + 1][0] if index + 1 < len(spans) else len(text)
        before = text[max(previous_end, start - ATTRIBUTION_WINDOW_CHARS) : start]
        after = text[end : min(next_start, end + ATTRIBUTION_WINDOW_CHARS)]
        attributor.note_mentions(before)
        previous_end = end
        if len(re.findall(r"\w+", text[start:end])) < MIN_QUOTE_WORDS:
            continue
        speaker = attributor.speaker(before, after)
        # An unattributed quotation right after an attributed one in the same paragraph
        # continues it ("“...,” Musk posted. “Worst case, ...”").
        if not speaker and quotes:
            speaker = quotes[-1].speaker
        quotes.append(Quote(start, end, speaker))
    attributor.note_mentions(text[previous_end:])
    return quotes


# ---------------------------------------------------------------------------------------------
# splitting chunks


def _paragraphs(chunks: Sequence[Chunk]) -> list[list[Chunk]]:
    groups: list[list[Chunk]] = [[]]
    for chunk in chunks:
        groups[-1].append(chunk)
        if chunk.pause_after in (PAUSE_PARAGRAPH, PAUSE_CHAPTER, PAUSE_END):
            groups.append([])
    return [g for g in groups if g]


def _pieces(text: str, offset: int, quotes: list[Quote]) -> list[tuple[str, Quote | None]]:
    """``text`` (at ``offset`` in its paragraph) cut at quote boundaries; no character lost."""
    cuts = {0, len(text)}
    for quote in quotes:
        for edge in (quote.start - offset, quote.end - offset):
            if 0 < edge < len(text):
                cuts.add(edge)
    bounds = sorted(cuts)
    pieces: list[tuple[str, Quote | None]] = []
    for left, right in itertools.pairwise(bounds):
        middle = offset + left
        owner = next((q for q in quotes if q.start <= middle < q.end), None)
        piece = text[left:right]
        # Punctuation or spaces alone ('.' after a closing quote) have nothing to say: they
        # stay with the piece before them.
        if pieces and not re.search(r"\w", piece):
            pieces[-1] = (pieces[-1][0] + piece, pieces[-1][1])
        elif pieces and not re.search(r"\w", pieces[-1][0]):
            pieces[-1] = (pieces[-1][0] + piece, owner)
        else:
            pieces.append((piece, owner))
    return [(p.strip(), q) for p, q in pieces if p.strip()]


def _voice_for(quote: Quote | None, cast: Cast) -> tuple[str, str]:
    """(voice, speaker label) for a piece inside ``quote`` (None: narration)."""
    if quote is None:
        return cast.narrator, NARRATOR_SPEAKER
    if quote.speaker in cast.speakers:
        return cast.speakers[quote.speaker], quote.speaker
    return cast.quotes or cast.narrator, quote.speaker or UNATTRIBUTED_SPEAKER


def apply_cast(script: Script, cast: Cast, speakers: Mapping[str, Speaker]) -> Script:
    """``script`` with quotations split off and given to their voices.

    ``speakers`` maps each voice name of the cast to its text->spoken function (normalization
    with that voice's lexicon). The words of every chunk are kept, in order; only chunks that
    change voice are re-normalized.
    """
    if not cast.active:
        return script
    return replace(script, chapters=tuple(cast_chapters(script.chapters, cast, speakers)))


def cast_chapters(
    chapters: Iterable[Chapter], cast: Cast, speakers: Mapping[str, Speaker]
) -> Iterator[Chapter]:
    """:func:`apply_cast` one chapter at a time (who was named last carries over)."""
    attributor = _Attributor(cast)
    sentence_id = 0
    for chapter in chapters:
        out: list[Chunk] = []
        for paragraph in _paragraphs(chapter.chunks):
            text = ""
            offsets = []
            for chunk in paragraph:
                text += " " if text else ""
                offsets.append(len(text))
                text += chunk.text
            quotes = find_quotes(text, attributor)
            last_key: tuple[int, str] | None = None
            for chunk, offset in zip(paragraph, offsets, strict=True):
                pieces = _pieces(chunk.text, offset, quotes) if quotes else [(chunk.text, None)]
                for index, (piece, quote) in enumerate(pieces):
                    voice, label = _voice_for(quote, cast)
                    key = (chunk.sentence_id, label)
                    if key != last_key:
                        sentence_id += 1
                        last_key = key
                    final = index == len(pieces) - 1
                    if len(pieces) == 1 and voice == chunk.voice:
                        spoken = chunk.spoken
                    else:
                        spoken = speakers[voice](piece)
                    out.append(
                        replace(
                            chunk,
                            text=piece,
                            spoken=spoken,
                            voice=voice,
                            sentence_id=sentence_id,
                            pause_after=chunk.pause_after if final else PAUSE_CLAUSE,
                            speaker=label,
                        )
                    )
        yield replace(chapter, chunks=tuple(out))  # its url and picture kept
