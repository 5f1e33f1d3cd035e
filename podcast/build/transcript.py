"""Transcripts from the timeline: WebVTT and SRT captions, and the Podcasting 2.0 JSON transcript.

The JSON transcript keeps one segment per sentence (a reader's transcript). Captions are cut to
what a screen shows (``captions``): at most ``MAX_LINES`` lines of ``MAX_LINE_CHARS``
characters and ``MAX_CUE_MS`` each, cut where the text pauses (the end of a sentence, then a
clause, then any word). Their times come from the audio: each chunk's speech has its place on
the timeline, and a word's time within its chunk is interpolated by its share of the chunk's
characters. A caption never spans more than its sentence, so captions and segments agree.

Speaker labels name people only (``people``): the narrator's label, the label of a quotation
nobody was named for, a title ("Secretary") and a name the text never gives as a person's
(a company: "Twitter") are left out.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from podcast.models import Cue, Placement
from podcast.text.cast import NARRATOR_SPEAKER, UNATTRIBUTED_SPEAKER
from podcast.timecode import clock

MAX_LINE_CHARS = 42  # the usual caption line (BBC, Netflix: 37-42)
MAX_LINES = 2
MAX_CUE_MS = 7000  # a caption a reader can take in while listening
# what a cut costs, by what the text does there (lower: a better place to cut)
_CUT_SENTENCE, _CUT_CLAUSE, _CUT_PAUSE, _CUT_WORD = 0.0, 1.0, 1.0, 4.0
_PER_CUE = 0.5  # fewer, fuller captions
_SHORTNESS = 3.0  # a short caption flashes by
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_CLAUSE_END = re.compile(r"[,;:—–][\"'”’)\]]*$")
_DASH = re.compile(r"^[—–-]")
_NAME_WORD = re.compile(r"^(?:[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)*|[A-Z]\.)$")


# ---------------------------------------------------------------------------------------------
# speaker labels


@functools.cache
def _titles() -> frozenset[str]:
    """Titles and roles ("secretary", "director", "narrator"), lower case, from nameparser.

    Importing nameparser (its parser, policies and pipelines) costs 70-90 ms of every build
    with speaker labels; its vocabulary is one generated module of frozensets
    (``nameparser/config/_compiled.py``, ``TITLES`` is ``CONSTANTS.titles``: a test checks),
    read here on its own. Where that module is not found, the public way.
    """
    import importlib.util

    found = importlib.util.find_spec("nameparser")  # locates the package, runs none of it
    folders = list(found.submodule_search_locations or []) if found else []
    compiled = Path(folders[0], "config", "_compiled.py") if folders else None
    if compiled is not None and compiled.is_file():
        spec = importlib.util.spec_from_file_location("_podcast_nameparser_vocab", compiled)
        if spec is not None and spec.loader is not None:
            vocabulary = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(vocabulary)
            titles = getattr(vocabulary, "TITLES", None)
            if isinstance(titles, frozenset) and titles:
                return titles
    from nameparser.config import CONSTANTS

    return frozenset(CONSTANTS.titles)


def is_person(label: str, text: str) -> bool:
    """Whether speaker ``label`` names a person, judged from the label and the ``text`` that
    mentions it.

    Never the narrator's or an unattributed quotation's label, nor one with a title or role
    in it. A name of two or more name-like words ("Shalanda Young", "Janet L. Yellen") is a
    person's; a single word ("Musk", "Twitter") only where the text gives it as the surname
    of a full name ("Elon Musk"): after a capitalised word that is no title and that the text
    never writes in lower case (not "At Twitter": "at" is a word of the text).
    """
    words = label.split()
    if not words or label in (NARRATOR_SPEAKER, UNATTRIBUTED_SPEAKER):
        return False
    if any(word.strip(".").lower() in _titles() for word in words):
        return False
    if not all(_NAME_WORD.match(word) for word in words):
        return False
    if len(words) >= 2:
        return True
    lower = {word.lower() for word in re.findall(r"\b[a-z]+\b", text)}
    given = r"\b([A-Z][a-z]+)\s+(?:[A-Z]\.\s+)?" + re.escape(label) + r"\b"
    return any(
        match.group(1).lower() not in _titles() and match.group(1).lower() not in lower
        for match in re.finditer(given, text)
    )


def people(cues: Sequence[Cue]) -> frozenset[str]:
    """The cues' speaker labels that name people (``is_person``, the cues' text as context)."""
    text = "\n".join(cue.text for cue in cues)
    return frozenset(label for label in {c.speaker for c in cues} if is_person(label, text))


# ---------------------------------------------------------------------------------------------
# captions


@dataclass(frozen=True)
class _Word:
    text: str
    start_ms: int
    end_ms: int
    cut: float  # what cutting after this word costs


def _sentences(placements: Iterable[Placement]) -> Iterator[list[Placement]]:
    """Runs of placements of one sentence (one speaker) that have words."""
    group: list[Placement] = []
    for placement in placements:
        if not placement.chunk.text.strip():
            continue
        if group and placement.chunk.sentence_id != group[0].chunk.sentence_id:
            yield group
            group = []
        group.append(placement)
    if group:
        yield group


def _timed_words(group: Sequence[Placement]) -> list[_Word]:
    """Every word of ``group``, timed by its share of its chunk's characters and speech."""
    words: list[_Word] = []
    for placement in group:
        texts = placement.chunk.text.split()
        weights = [len(text) + 1 for text in texts]
        total, done = sum(weights), 0
        span = placement.end_ms - placement.start_ms
        for index, (text, weight) in enumerate(zip(texts, weights, strict=True)):
            start = placement.start_ms + span * done // total
            done += weight
            end = placement.start_ms + span * done // total
            following = texts[index + 1] if index + 1 < len(texts) else ""
            if _ends_sentence(text):
                cut = _CUT_SENTENCE
            elif _CLAUSE_END.search(text) or _DASH.match(following):
                cut = _CUT_CLAUSE
            elif not following:  # the chunk ends: the voice pauses
                cut = _CUT_PAUSE
            else:
                cut = _CUT_WORD
            words.append(_Word(text, start, end, cut))
    return words


def _ends_sentence(word: str) -> bool:
    """Whether ``word`` ends a sentence: not an initial ("D."), an abbreviation with dots
    inside ("U.S.") or a title ("Dr.")."""
    if not _SENTENCE_END.search(word):
        return False
    core = word.rstrip("\"'”’)]")
    if core.endswith("."):
        stem = core[:-1]
        return not (len(stem) == 1 or "." in stem or stem.lower() in _titles())
    return True


def wrap(text: str, reserve: int = 0) -> list[str]:
    """``text`` as caption lines of at most ``MAX_LINE_CHARS`` (the first ``reserve`` shorter,
    for a speaker's name): one line if it fits, else the most even two, else as many as it
    takes (a word longer than a line gets a line of its own)."""
    words = text.split()
    if len(text) + reserve <= MAX_LINE_CHARS:
        return [text]
    best: tuple[int, list[str]] | None = None
    for cut in range(1, len(words)):
        first, second = " ".join(words[:cut]), " ".join(words[cut:])
        if len(first) + reserve <= MAX_LINE_CHARS and len(second) <= MAX_LINE_CHARS:
            longest = max(len(first) + reserve, len(second))
            if best is None or longest < best[0]:
                best = (longest, [first, second])
    if best is not None:
        return best[1]
    lines: list[str] = []
    for word in words:
        width = MAX_LINE_CHARS - (reserve if not lines else 0)
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _fits_words(offsets: Sequence[int], start: int, end: int, reserve: int) -> bool:
    """Whether words ``start`` to ``end`` wrap into at most ``MAX_LINES`` lines (the first
    ``reserve`` shorter), as ``wrap`` would, without building the lines. Filling each line as
    full as it goes needs the fewest lines, so it fits exactly when ``wrap``'s lines do.
    ``offsets[i]``: the characters of the first ``i`` words, a space after each, so each line's
    last word is found by bisection (``_cut`` asks this of every run it weighs)."""
    lines, at, width = 0, start, MAX_LINE_CHARS - reserve
    while at < end:
        lines += 1
        if lines > MAX_LINES:
            return False
        # the most words from ``at`` on this line: words[at:last] joined take
        # offsets[last] - offsets[at] - 1 characters
        last = bisect.bisect_right(offsets, offsets[at] + 1 + width, at + 1, end + 1) - 1
        if last == at:  # a word longer than the line
            return False
        at, width = last, MAX_LINE_CHARS
    return True


def _label_chars(speaker: str) -> int:
    return len(speaker) + 2 if speaker else 0  # "Name: " in SRT


def captions(placements: Sequence[Placement]) -> list[Cue]:
    """Caption cues for the timeline's ``placements`` (see the module's docstring).

    Every word of every sentence is in exactly one cue, in order; a cue is at most
    ``MAX_LINES`` lines of ``MAX_LINE_CHARS`` (its speaker's label, if shown, included) and
    ``MAX_CUE_MS`` long, unless it is a single word longer than that.
    """
    shown = people([Cue(p.start_ms, p.end_ms, p.chunk.text, p.chunk.speaker) for p in placements])
    cues: list[Cue] = []
    for group in _sentences(placements):
        speaker = group[0].chunk.speaker if group[0].chunk.speaker in shown else ""
        cues += _cut(_timed_words(group), speaker)
    return cues


def _cut(words: Sequence[_Word], speaker: str) -> list[Cue]:
    """The cheapest cuts of one sentence's ``words`` into cues that fit (dynamic programming)."""
    reserve = _label_chars(speaker)
    capacity = MAX_LINES * MAX_LINE_CHARS - reserve
    offsets = [0, *itertools.accumulate(len(word.text) + 1 for word in words)]
    best: list[tuple[float, int]] = [(0.0, 0)]  # best[j]: (cost of words[:j], where it starts)
    for end in range(1, len(words) + 1):
        choice: tuple[float, int] | None = None
        chars = -1
        for start in range(end - 1, -1, -1):
            chars += len(words[start].text) + 1
            single = start == end - 1
            if not single and (
                chars > capacity
                or words[end - 1].end_ms - words[start].start_ms > MAX_CUE_MS
                # on one line it fits; only a longer run has to be wrapped to know
                or (
                    chars > MAX_LINE_CHARS - reserve
                    and not _fits_words(offsets, start, end, reserve)
                )
            ):
                break
            short = max(0, capacity - chars) / capacity
            cost = (
                best[start][0] + (0.0 if end == len(words) else words[end - 1].cut)
                + _PER_CUE + _SHORTNESS * short * short
            )  # fmt: skip
            if choice is None or cost < choice[0]:
                choice = (cost, start)
        assert choice is not None  # a single word always fits
        best.append(choice)
    bounds: list[tuple[int, int]] = []
    end = len(words)
    while end:
        start = best[end][1]
        bounds.append((start, end))
        end = start
    return [
        Cue(words[start].start_ms, words[end - 1].end_ms, _join(words, start, end), speaker)
        for start, end in reversed(bounds)
    ]


def _join(words: Sequence[_Word], start: int, end: int) -> str:
    return " ".join(word.text for word in words[start:end])


# ---------------------------------------------------------------------------------------------
# the files


def _vtt_text(text: str) -> str:
    # "-->" may not appear in a payload; & and < must be escaped.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(cues: Sequence[Cue]) -> str:
    """WebVTT: each cue's text wrapped into lines, a person's name as its voice (``<v>``)."""
    shown = people(cues)
    lines = ["WEBVTT", ""]
    for cue in cues:
        speaker = cue.speaker if cue.speaker in shown else ""
        payload = "\n".join(_vtt_text(line) for line in wrap(cue.text, _label_chars(speaker)))
        if speaker:
            payload = f"<v {_vtt_text(speaker)}>{payload}"
        lines += [f"{clock(cue.start_ms, '.')} --> {clock(cue.end_ms, '.')}", payload, ""]
    return "\n".join(lines)


def srt(cues: Sequence[Cue]) -> str:
    """SRT: numbered cues, each wrapped into lines, "Name: " before a person's words."""
    shown = people(cues)
    lines: list[str] = []
    for number, cue in enumerate(cues, start=1):
        speaker = cue.speaker if cue.speaker in shown else ""
        payload = "\n".join(wrap(cue.text, _label_chars(speaker)))
        if speaker:
            payload = f"{speaker}: {payload}"
        lines += [
            str(number),
            f"{clock(cue.start_ms, ',')} --> {clock(cue.end_ms, ',')}",
            payload.replace("-->", "->"),
            "",
        ]
    return "\n".join(lines)


JSON_TRANSCRIPT_VERSION = "1.0.0"


def podcasting20_json(cues: Sequence[Cue], default_speaker: str = "") -> str:
    """Podcasting 2.0 JSON transcript: ``segments`` with ``startTime``/``endTime`` in seconds.

    A segment names its speaker when that is a person (``people``), else ``default_speaker``
    when one is given; otherwise it has no ``speaker``.
    """
    shown = people(cues)
    segments = []
    for cue in cues:
        speaker = cue.speaker if cue.speaker in shown else default_speaker
        segment: dict[str, object] = {"speaker": speaker} if speaker else {}
        segment.update(startTime=cue.start_ms / 1000, endTime=cue.end_ms / 1000, body=cue.text)
        segments.append(segment)
    document = {"version": JSON_TRANSCRIPT_VERSION, "segments": segments}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
