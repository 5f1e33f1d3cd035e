"""Plain text: articles (the first paragraph is the title) and books (Project Gutenberg style).

Hard-wrapped text has its lines joined. A book is recognised by its Project Gutenberg header or
by a title page with a byline ("by AUTHOR", "von ...", "par ..."); then:

- the Gutenberg header and licence, the producer's credit and the title page are listed as
  removed; the title and author come from the header's ``Title:``/``Author:`` lines, else from
  the title page (the lines above the byline);
- a table of contents (a "Contents" line and the entries under it, or lines with dot leaders
  and page numbers) is listed as removed, never used as chapters;
- headings become chapters: ``CHAPTER I.``, ``Chapter 12. The Title``, ``PART TWO--The Sea
  Cook``, ``I. A SCANDAL IN BOHEMIA``, a bare numeral line ("I", "12.") with the title on the
  next line (the title becomes the chapter's), a lone letter of a dictionary (A, B, C ...), a
  line underlined with dashes or equals signs (a bulletin's "WATCHES AND WARNINGS" over
  "-----"), and in a book's front matter a short line in capitals above prose ("AUTHOR'S
  PREFACE");
- headings in capitals are read in natural case ("THE OLD SEA-DOG" -> "The Old Sea-Dog"), as
  are the capitals that open a chapter ("IT was" -> "It was"); letter-spaced words are joined
  ("P A R T  T W O" -> "PART TWO").

A teletype bulletin (a transmission header such as "FXUS61 KBOX 270001" at the top, or
".SYNOPSIS..." section headings) has its header listed, its title block read as the title
and an opening paragraph (issuing office, issuance time), its ".SECTION..." headings made
chapters, its "&&"/"$$" separators and column tables listed (see "bulletins" below).

Ellipses glued to words ("AST...1500 UTC", bulletin style) are parted with a space.
Everywhere ``[Illustration]`` marks are listed as removed and ``_italics_`` lose their
underscores; an article's section label above the headline and its dateline are listed too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from podcast.errors import InputError
from podcast.models import HEADING, PARAGRAPH, Article, Block, Removal
from podcast.text.normalize import SPELLED_ACRONYMS, TIME_ZONES
from podcast.text.readers.decode import STDIN_NAME, decode
from podcast.text.readers.registry import NOT_MINE

# A first paragraph longer than this is body text, not a title (e.g. a whole article pasted
# as one line); the title then comes from the file name.
MAX_TITLE_CHARS = 200
# A heading's title line (the line under "CHAPTER I." or a bare numeral) is at most this long.
MAX_TITLE_WORDS = 14
# Where a title page's byline may be: within the first paragraphs of the book.
TITLE_PAGE_SEARCH = 40
# Blank lines that end a title page or a table of contents (books set them apart this way).
SECTION_GAP = 3
# Sections opened by bare numerals are chapters when they hold this many words on average.
MIN_SECTION_WORDS = 150


def sniff(head: bytes) -> int:
    """Never claimed by its looks: any text is plain text. Plain text is the reader of ``.txt``
    files and the fallback for sources no other reader claims."""
    return NOT_MINE


def read(data: bytes, name: str) -> Article:
    # Handed over in a list the parser empties: the decoded text is then freed as soon as the
    # parser has its first copy of it (a call's argument would live until the call returns).
    return _parse_held([decode(data, name)], name)


def _lines(text: str) -> Iterator[str]:
    """``text.split("\\n")``, one line at a time: a book is never held as a list of lines."""
    return (line for _, line in _line_spans(text))


def _line_spans(text: str) -> Iterator[tuple[int, str]]:
    """Each line of ``text`` (split at "\\n" only) with where it starts."""
    start = 0
    while (end := text.find("\n", start)) >= 0:
        yield start, text[start:end]
        start = end + 1
    yield start, text[start:]


def _respaced(text: str) -> str:
    """``text`` with each line's letter-spaced words joined (see :func:`_join_spaced`); only
    the lines that change are copied."""
    pieces: list[str] = []
    done = 0
    for start, line in _line_spans(text):
        joined = _join_spaced(line)
        if joined != line:
            pieces += [text[done:start], joined]
            done = start + len(line)
    return "".join([*pieces, text[done:]]) if pieces else text


def _has_blank_line(text: str) -> bool:
    """Whether a line other than the first and the last is blank (whitespace only)."""
    lines = _lines(text)
    next(lines)
    previous = None
    for line in lines:
        if previous is not None and not previous.strip():
            return True
        previous = line
    return False


def _paragraphs(text: str) -> list[str]:
    """Split plain text into paragraphs.

    Text with blank lines between paragraphs is hard-wrapped: its lines are joined. Text with
    no blank lines has one paragraph per line (as pasted from a web page).
    """
    if not _has_blank_line(text):
        return [line.strip() for line in _lines(text) if line.strip()]
    paragraphs: list[str] = []
    current: list[str] = []
    for line in _lines(text):
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


# --- patterns ----------------------------------------------------------------------------

_ROMAN = r"(?=[IVXLCDM])M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|"
    "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
    "last|final|premier|première|premiere|erster|erstes|erste"
)
# The words that name a book's divisions, in the languages of most Gutenberg books.
_DIVISIONS_TOP = (
    "part|book|volume|epoch|act|teil|buch|band|akt|partie|livre|tome|acte|parte|libro|deel|boek"
)
_DIVISIONS = (
    "chapter|section|scene|canto|stave|letter|kapitel|abschnitt|szene|chapitre|scène|"
    "capítulo|capitulo|capitolo|hoofdstuk|" + _DIVISIONS_TOP
)
# "CHAPTER IV.", "Chapter 12. The Title", "PART TWO--The Sea-cook", "EPOCH THE FIRST, 1703."
_KEYWORD_HEADING = re.compile(
    rf"^(?P<label>(?P<kw>{_DIVISIONS})\s+(?:the\s+)?(?P<num>{_ROMAN}|\d{{1,3}}|{_NUMBER_WORDS})"
    r"\b(?:,\s*\d{3,4})?)\s*[.:]?"
    r"(?:\s*(?:--|—|–|:|\.|-)?\s*(?P<title>\S.{0,100}?))?\s*$",
    re.IGNORECASE,
)
# "I. A SCANDAL IN BOHEMIA": a Roman numeral and a title in capitals.
_NUMBERED_CAPS = re.compile(rf"^(?P<num>{_ROMAN})\.\s+(?P<title>[A-Z][A-Z’' ,.!?-]{{2,78}})$")
_BARE_NUMERAL = re.compile(rf"^(?:{_ROMAN}|\d{{1,3}})\.?$")
# "II. Papa se fâche.": a numeral and a title on one line (a heading when they count up).
_NUMBERED = re.compile(rf"^(?P<num>{_ROMAN}|\d{{1,3}})(?:\.?$|\.\s+(?P<title>\S.*))")
_LETTER = re.compile(r"^[A-Z]$")
_DATELINE = re.compile(
    r"^(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}"
    r"|\d{4}-\d{2}-\d{2})$",
    re.IGNORECASE,
)
_GUTENBERG_START = re.compile(
    r"^\s*\*{3}\s*START OF (?:THE|THIS) PROJECT GUTENBERG.*$", re.MULTILINE | re.IGNORECASE
)
_GUTENBERG_END = re.compile(
    r"^\s*(?:\*{3}\s*END OF (?:THE|THIS) PROJECT GUTENBERG"
    r"|End of (?:the )?Project Gutenberg(?:'s)? (?:e-?book|etext|edition))",
    re.MULTILINE | re.IGNORECASE,
)
_HEADER_FIELD = re.compile(r"^(Title|Author):[ \t]*(.*(?:\n[ \t]+\S.*)*)", re.MULTILINE)
# The producer's credit under the Gutenberg header, not the author's words.
_CREDIT = re.compile(
    r"^(?:produced by|transcribed (?:from|by)|e-?text prepared by|prepared by|"
    r"transcriber'?s'? notes?\b)",
    re.IGNORECASE,
)
_CONTENTS = re.compile(
    r"^(?:(?:table of )?contents|inhalt|inhaltsverzeichnis|table des matières|table|"
    r"sommaire|índice|indice|inhoud|innehåll|indholdsfortegnelse|sisällys)\.?:?$",
    re.IGNORECASE,
)
_BYLINE = re.compile(
    r"^(?:by|von|par|door|di|por|av|af|de)\b[ \t]*(?P<author>.{0,80})$", re.IGNORECASE
)
# A table-of-contents line: a page number at its end, or dot leaders.
_PAGE_NUMBER = re.compile(r"(?:\s{2,}|\.\s*|\s)\d{1,4}$|(?:\.\s?){3,}")
_ILLUSTRATION = re.compile(r"\[(?:illustration|picture|image)[^\]]*\]", re.IGNORECASE)
# Three or more single letters or digits, one space apart ("P A R T", "2 2"), with the
# punctuation around them; words in such a run are two or more spaces apart.
_GAPS = re.compile(r"([ \t\u00a0\u2009\u202f]+)")
# One letter with the punctuation around it ("»D", "E--The": the run's last letter may hold
# what follows it).
_SINGLE = re.compile(r"[«»\"“„(]?[^\W\d_](?:[-—–«»\"”“.,:;!?)]\S*)?")
_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "but",
        "or",
        "nor",
        "for",
        "of",
        "at",
        "by",
        "in",
        "on",
        "to",
        "up",
        "as",
        "from",
        "with",
        "into",
        "over",
        "via",
    ]
)


# --- paragraphs ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Para:
    """A blank-line separated paragraph: its stripped lines and the blank lines before it."""

    lines: list[str]
    gap: int

    @property
    def text(self) -> str:
        return " ".join(self.lines)


KNOWN_ACRONYMS = SPELLED_ACRONYMS | TIME_ZONES | {"AM", "PM", "AST", "ADT", "HST", "AKST", "AKDT"}
_GLUED_ELLIPSIS = re.compile(r"(?<=\w)\.{3}(?=\w)")
# A line of dashes or equals signs under a heading ("WATCHES AND WARNINGS" over "-----").
_UNDERLINE = re.compile(r"[-=]{3,}")
_DONE = _Para([""], 0)  # stands in for a paragraph _body has made a block of


def _groups(text: str) -> list[_Para]:
    """Blank-line separated paragraphs (split where a line stops short on purpose, and after
    an underlined heading: its heading line and the underline make a paragraph of their own)."""
    paras: list[_Para] = []
    current: list[str] = []
    gap = 0
    for line in _lines(text):
        if current and _UNDERLINE.fullmatch(line.strip()) and len(current[-1]) <= MAX_TITLE_CHARS:
            *before, heading = current
            if before:
                paras.extend(_Para(piece, gap if n == 0 else 0) for n, piece in _split(before))
                gap = 0
            paras.append(_Para([heading, line.strip()], gap))
            current, gap = [], 0
            continue
        if line.strip():
            current.append(line.strip())
            continue
        if current:
            paras.extend(_Para(piece, gap if n == 0 else 0) for n, piece in _split(current))
            current, gap = [], 0
        gap += 1
    if current:
        paras.extend(_Para(piece, gap if n == 0 else 0) for n, piece in _split(current))
    return paras


def _split(lines: list[str]) -> list[tuple[int, list[str]]]:
    return list(enumerate(_unwrap(lines)))


def _unwrap(lines: list[str]) -> list[list[str]]:
    """Split a group where a line ends well short of the wrapping width: there the writer
    broke the line on purpose (a headline, a dateline), it was not wrapped."""
    if len(lines) < 2:
        return [lines]
    width = max(len(line) for line in lines)
    pieces: list[list[str]] = [[]]
    for index, line in enumerate(lines):
        pieces[-1].append(line)
        last = index == len(lines) - 1
        if not last and len(line) < 0.6 * width and width > 60:
            pieces.append([])
    return [p for p in pieces if p]


def _join_spaced(line: str) -> str:
    """Letter-spaced words joined: "P A R T  T W O" -> "PART TWO", "K U R T  W O L F F".

    A run of three or more single letters is one word or more; its words are set apart by
    wider gaps than its letters, or by punctuation ("L O R D, n." -> "LORD, n.").
    """
    parts = _GAPS.split(line)
    tokens, gaps = parts[0::2], parts[1::2]
    single = [bool(_SINGLE.fullmatch(token)) for token in tokens]
    if sum(single) < 3:
        return line
    joined: dict[int, bool] = {}  # gap index -> joined (in a run) or set apart by one space
    k = 0
    while k < len(tokens):
        j = k
        while single[k] and j + 1 < len(tokens) and single[j + 1]:
            j += 1
        if j - k >= 2:
            narrow = min(len(gaps[g]) for g in range(k, j))
            for g in range(k, j):
                joined[g] = (
                    len(gaps[g]) == narrow
                    and tokens[g][-1].isalpha()
                    and tokens[g + 1][0].isalpha()
                )
        k = j + 1
    if not joined:
        return line
    out = [tokens[0]]
    for g, gap in enumerate(gaps):
        out.append(("" if joined[g] else " ") if g in joined else gap)
        out.append(tokens[g + 1])
    return "".join(out)


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_][\w’'-]*", text)


def _is_prose(text: str) -> bool:
    """Running text: eight words or more, mostly not capitalised (headings, names and title
    pages are capitalised; German prose still has most words in lower case)."""
    words = _words(text)
    if len(text.split()) < 8 or not words:
        return False
    return sum(w[0].islower() for w in words) >= 0.4 * len(words)


def natural_case(text: str) -> str:
    """A heading written in capitals, in natural case: "THE OLD SEA-DOG AT THE ADMIRAL
    BENBOW" -> "The Old Sea-Dog at the Admiral Benbow". Text with any lower-case letter is
    returned as it is; Roman numerals, initials ("S.L.O.") and words with digits keep theirs.
    """
    if any(c.islower() for c in text) or sum(c.isupper() for c in text) < 2:
        return text

    def word(match: re.Match[str]) -> str:
        token = match.group(0)
        if (re.fullmatch(_ROMAN, token) and len(token) > 1) or re.search(r"\d|\w\.\w", token):
            return token
        if _acronym(token.rstrip(".")):  # "AM", "UTC", "NWS" stay acronyms
            return token
        if match.start() > 0 and token.lower() in _SMALL_WORDS:
            return token.lower()
        return "-".join(part[:1].upper() + part[1:].lower() for part in token.split("-"))

    return re.sub(r"[^\W\d_][\w’'.-]*", word, text)


def _acronym(token: str) -> bool:
    """A word in capitals that is an acronym in any case: a known one, or one without a
    vowel ("NWS")."""
    return token in KNOWN_ACRONYMS or (
        len(token) > 1 and token.isalpha() and not re.search("[AEIOUY]", token)
    )


def _opening_caps(text: str) -> str:
    """The capitals that open a chapter in print ("SQUIRE TRELAWNEY, Dr. Livesey", "IT was")
    in natural case; an opening without lower-case words after it is left alone."""
    match = re.match(r"^((?:[«»\"“„‘'(]?[A-Z][A-Z’'-]+[,;:]?\s+){1,4})(?=[A-Za-z]*[a-z])", text)
    if not match:
        return text
    run = match.group(1)
    fixed = re.sub(
        r"[A-Z][A-Z’'-]+",
        lambda m: m.group(0)[0] + m.group(0)[1:].lower() if m.group(0) != "I" else "I",
        run,
    )
    return fixed + text[match.end() :]


# --- Gutenberg -----------------------------------------------------------------------------


def _gutenberg(text: str, removed: list[Removal]) -> tuple[str, dict[str, str], bool]:
    """The text between the Gutenberg header and licence, the header's title and author, and
    whether the text is a Gutenberg book."""
    meta: dict[str, str] = {}
    start = _GUTENBERG_START.search(text)
    book = False
    if start:
        header = text[: start.end()]
        for field, value in _HEADER_FIELD.findall(header):
            first, *more = [ln.strip() for ln in value.split("\n") if ln.strip()]
            # A short subtitle on the next line is part of the title ("Jack Sheppard: A
            # Romance"); a long one ("or An Epoch of Rest, being ...") is not.
            if more and len(" ".join(more).split()) <= 4:
                first = f"{first}: {' '.join(more)}"
            meta.setdefault(field.lower(), first)
        removed.append(Removal(header.strip(), "Project Gutenberg header"))
        text = text[start.end() :]
        book = True
    end = _GUTENBERG_END.search(text)
    if end:
        removed.append(Removal(text[end.start() :].strip(), "Project Gutenberg licence"))
        text = text[: end.start()]
        book = True
    return text, meta, book


# --- the book's structure ------------------------------------------------------------------


@dataclass(frozen=True)
class _Heading:
    label: str  # "Chapter I", "Part One", "" for a bare numeral with its title
    title: str
    level: int
    lines_used: int  # paragraphs taken (the heading's own, and its title line's)

    @property
    def text(self) -> str:
        if self.label and self.title:
            return f"{self.label}: {self.title}"
        return self.label or self.title


def _title_line(paras: list[_Para], index: int) -> str:
    """The title under a heading: a short line that is not prose and not a heading."""
    if index >= len(paras):
        return ""
    para = paras[index]
    text = para.text
    whole = para.gap > 0 and (index + 1 == len(paras) or paras[index + 1].gap > 0)
    if (
        not whole
        or re.search(r"\S {4,}\S", " ".join(para.lines))  # columns: a glossary, a table
        or re.search(r"[!?]\s+\S|\.\s{2,}\S", text)  # two sentences: dialogue, prose
        or len(para.lines) > 2
        or len(text.split()) > MAX_TITLE_WORDS
        or _is_prose(text)
        or _keyword(text)
        or _BARE_NUMERAL.match(text)
        or para.gap > 2 * SECTION_GAP
    ):
        return ""
    return text.rstrip(".").strip()


def _short_title(text: str) -> bool:
    """A title on a heading's line: a few words, not a sentence running on."""
    return (
        len(text.split()) <= MAX_TITLE_WORDS
        and not _is_prose(text)
        and not (re.search(r"[,;:]$|\S {4,}\S", text))
    )


def _keyword(text: str) -> re.Match[str] | None:
    match = _KEYWORD_HEADING.match(text)
    if not match or len(text.split()) > MAX_TITLE_WORDS:
        return None
    title = match.group("title") or ""
    # "Part of the island ...": a keyword at the start of a sentence, not a heading.
    if title and (_is_prose(title) or re.search(r"[,;]$", title)):
        return None
    if not match.group("kw")[0].isupper():
        return None
    return match


def _heading(
    paras: list[_Para], index: int, numerals: set[int], letters: set[int]
) -> _Heading | None:
    """The heading at ``paras[index]``, if it is one."""
    para = paras[index]
    first = para.lines[0]
    if len(para.lines) > 2:
        return None
    if len(para.lines) == 2 and _UNDERLINE.fullmatch(para.lines[1]) and not _is_prose(first):
        return _Heading("", natural_case(first.rstrip(".:")), 2, 1)
    keyword = _keyword(para.text) if len(para.lines) == 1 else _keyword(first)
    if keyword:
        label = natural_case(re.sub(r"\s+", " ", keyword.group("label")))
        label = label[:1].upper() + label[1:]
        level = 1 if re.fullmatch(_DIVISIONS_TOP, keyword.group("kw"), re.IGNORECASE) else 2
        title = (keyword.group("title") or "").rstrip(".").strip()
        used = 1
        if len(para.lines) == 2:
            if keyword.group("title"):
                return None
            title = para.lines[1].rstrip(".")
        elif not title:
            title = _title_line(paras, index + 1)
            used += bool(title)
        return _Heading(label, natural_case(title), level, used)
    numbered = _NUMBERED_CAPS.match(para.text)
    if numbered and len(para.lines) == 1:
        return _Heading(numbered.group("num"), natural_case(numbered.group("title")), 2, 1)
    if index in numerals:
        if not _BARE_NUMERAL.match(para.text):  # "II. Papa se fâche."
            return _Heading("", natural_case(para.text.rstrip(".")), 2, 1)
        title = _title_line(paras, index + 1)
        numeral = para.text.rstrip(".")
        return _Heading("" if title else numeral, natural_case(title), 2, 1 + bool(title))
    if index in letters:
        return _Heading(para.text, "", 2, 1)
    return None


def _roman_value(text: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for a, b in zip(text, text[1:] + " ", strict=True):
        total += -values[a] if values.get(b, 0) > values[a] else values[a]
    return total


def _sequences(paras: list[_Para]) -> tuple[set[int], set[int]]:
    """Paragraphs that are a bare numeral ("I", "12.") counting up through the book, and
    lone capital letters going through the alphabet (a dictionary's sections). A numeral or
    letter counts only when the next one follows it: a lone "3" in a report is not a heading.
    """
    numerals: list[tuple[int, int, bool]] = []
    letters: list[tuple[int, int, bool]] = []
    for index, para in enumerate(paras):
        if len(para.lines) != 1:
            continue
        if _LETTER.match(para.text) and para.gap >= 2:
            letters.append((index, ord(para.text), True))
        numbered = _NUMBERED.match(para.text)
        if numbered and (_BARE_NUMERAL.match(para.text) or _short_title(numbered.group("title"))):
            value = numbered.group("num")
            arabic = value.isdigit()
            numerals.append((index, int(value) if arabic else _roman_value(value), arabic))
    return (
        {i for run in _counting(numerals, 1) if _sections_long(paras, run) for i in run},
        {i for run in _counting(letters, ord("A")) for i in run},
    )


def _counting(found: list[tuple[int, int, bool]], first: int) -> list[list[int]]:
    """Runs of two or more indexes whose values count up by one from ``first``. Runs may
    interleave (numbered verses inside numbered lessons): a value continues the longest run
    of its kind (Roman or Arabic numerals) it follows, or starts a new one at ``first``."""
    runs: list[tuple[list[int], list[int], bool]] = []  # (indexes, values, kind)
    for index, value, kind in found:
        open_runs = [run for run in runs if run[1][-1] == value - 1 and run[2] == kind]
        if open_runs:
            indexes, values, _ = max(open_runs, key=lambda run: len(run[0]))
            indexes.append(index)
            values.append(value)
        elif value == first:
            runs.append(([index], [value], kind))
    return [indexes for indexes, _, _ in runs if len(indexes) >= 2]


def _sections_long(paras: list[_Para], run: list[int]) -> bool:
    """Whether the sections a run of numerals opens are chapter-long, not numbered verses
    or exercises (a few lines each). The last section runs on to whatever follows, so only
    those before it are measured."""
    words = [sum(len(p.text.split()) for p in paras[a:b]) for a, b in pairwise(run)]
    return sum(words) >= MIN_SECTION_WORDS * len(words)


def _toc_line(line: str) -> bool:
    return bool(_PAGE_NUMBER.search(line) or _keyword(line) or _NUMBERED_CAPS.match(line)) or (
        len(line.split()) <= 10
    )


def _toc_key(text: str) -> tuple[str, ...]:
    """A line's words without its page number: "PART ONE . . . 11" -> ("part", "one")."""
    return tuple(re.findall(r"[^\W_]+", _PAGE_NUMBER.sub("", text).lower()))


def _repeats(keys: set[tuple[str, ...]], seen: set[tuple[str, ...]]) -> bool:
    """Whether a line repeats an entry listed above (the body has begun): the one's words
    start the other's ("PART ONE" listed, "PART ONE--The Old Buccaneer" in the body)."""
    return any(
        len(k) >= 2 and len(s) >= 2 and (s[: len(k)] == k or k[: len(s)] == s)
        for k in keys
        for s in seen
    )


def _contents(paras: list[_Para], index: int) -> int:
    """How many paragraphs from ``index`` are a table of contents (0 if none starts there):
    a "Contents" line and the entries under it, or a block of lines with page numbers."""
    head = paras[index]
    if _CONTENTS.match(head.text) and len(head.lines) == 1:
        count = 1
    elif (
        len(head.lines) >= 3
        and sum(bool(_PAGE_NUMBER.search(ln)) for ln in head.lines) >= 0.6 * len(head.lines)
    ) or (
        len(head.lines) >= 3
        and sum(bool(_keyword(ln) or _NUMBERED_CAPS.match(ln)) for ln in head.lines)
        >= len(head.lines) - 1
    ):
        return 1
    else:
        return 0
    seen: set[tuple[str, ...]] = set()
    while index + count < len(paras):
        para = paras[index + count]
        keys = {_toc_key(ln) for ln in para.lines} | {_toc_key(para.text)}
        ends = (_is_prose(para.text) and not all(_toc_line(ln) for ln in para.lines)) or sum(
            _toc_line(ln) for ln in para.lines
        ) < 0.8 * len(para.lines)
        if count > 1 and (ends or _repeats(keys, seen)):
            break
        if count == 1 and ends:
            return 0  # a "Contents" line over running text is not a table of contents
        seen |= keys
        count += 1
    return count


def _title_page(paras: list[_Para], start: int) -> tuple[int, int, str, str] | None:
    """The title page near ``start``: (first, end) paragraph indexes, title and author.

    It is the run of short, capitalised lines around a byline ("by Robert Louis Stevenson",
    "VON" then "FRANZ KAFKA"); the title is what stands above the byline.
    """
    for k in range(start, min(len(paras), start + TITLE_PAGE_SEARCH)):
        para = paras[k]
        if _heading(paras, k, set(), set()) or _CONTENTS.match(para.text):
            return None
        byline = _BYLINE.match(para.text)
        if not byline or len(para.text.split()) > 10 or _is_prose(para.text):
            continue
        # "By 2030 the plan ends.": a sentence, not a byline (an author is a name).
        if re.match(r"[\W\d]|.*\b[a-z]{2,}\.$", byline.group("author")):
            continue
        if k == start:
            continue
        first = k
        while (
            first > start
            and not _is_prose(paras[first - 1].text)
            and not (_CREDIT.match(paras[first - 1].text))
        ):
            first -= 1
        if first == k:
            continue
        author = byline.group("author").strip(" ,.")
        end = k + 1
        if not author and end < len(paras):
            author = paras[end].text.strip(" ,.")
            end += 1
        while (
            end < len(paras)
            and not _is_prose(paras[end].text)
            and not _heading(paras, end, set(), set())
            and not _CONTENTS.match(paras[end].text)
            and not _followed_by_prose(paras, end)
        ):
            end += 1
        above = [p.text for p in paras[first:k]]
        title = " ".join(above) if len(" ".join(above).split()) <= 12 else above[-1]
        return first, end, natural_case(title.strip(" ,.")), natural_case(author)
    return None


def _followed_by_prose(paras: list[_Para], index: int) -> bool:
    return index + 1 < len(paras) and _is_prose(paras[index + 1].text)


def _front_heading(para: _Para, paras: list[_Para], index: int) -> bool:
    """A book's unnumbered section heading in its front matter: one short line in capitals,
    set apart by blank lines, over running text ("AUTHOR'S PREFACE", "INTRODUCTION")."""
    text = para.text
    return (
        len(para.lines) == 1
        and para.gap >= 2
        and len(text.split()) <= 6
        and not any(c.islower() for c in text)
        and sum(c.isupper() for c in text) >= 3
        and not text.endswith(",")
        and _followed_by_prose(paras, index)
    )


# --- bulletins ------------------------------------------------------------------------------
# A teletype bulletin (a weather service's forecast discussion, advisory or notice) opens with
# its transmission header: a WMO heading ("FXUS61 KBOX 270001", data type, station, day and
# time, maybe a correction "CCA"), around it a sequence number ("956") and the product's
# identifier ("AFDBOX"). Then a title block: the product's name, the issuing office, the
# issuance time ("701 PM EST MON NOV 26 2012"). Sections are headed ".SYNOPSIS..." or ".NEAR
# TERM /UNTIL 6 AM TUESDAY MORNING/..." and parted by "&&"; "$$" ends the product.
_WMO_HEADING = re.compile(r"[A-Z]{4}\d{2} [A-Z]{4} \d{6}(?: [A-Z]{3})?")
_CODE_LINE = re.compile(r"[A-Z0-9]{1,8}(?: [A-Z0-9]{1,8}){0,3}")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_STAMP = re.compile(
    r"(?P<hour>\d{1,2}?)(?P<minute>\d\d) (?P<half>[AP]M) [A-Z]{2,5} (?P<date>[A-Z]{3} [A-Z]{3} "
    r"\d{1,2} \d{4})",
    re.IGNORECASE,
)
# ".SYNOPSIS...", ".NEAR TERM /UNTIL 6 AM TUESDAY MORNING/...", maybe with text after it.
_DOT_HEADING = re.compile(r"\.(?P<head>[A-Z][^.]{0,78}?)\.{3}(?!\.)\s*(?P<rest>.*)")
_SEPARATOR = re.compile(r"&&|\$\$|NNNN")
# "LOCATION...31.9N 40.9W", "CT...NONE.": a labelled line of a list.
_LABELLED = re.compile(r"[A-Z][A-Z0-9/'-]*(?: [A-Z0-9/'-]+){0,4}\.{3}\s*\S|[*•-] ")
# Columns: words set apart by three spaces or a tab ("MAXIMUM    33    301 PM  68").
_COLUMNS = re.compile(r"\S(?: {3,}|\t)\s*\S")
# A code set at a line's right edge ("Miami FL       AL012017": a storm's identifier).
_EDGE_CODE = re.compile(r"^(?P<line>.*\S) {3,}(?P<code>(?=[A-Z]*\d)(?=\d*[A-Z])[A-Z0-9]{4,12})$")
_LABEL_WORD = re.compile(r"[A-Z]{3,}")  # "BULLETIN", "URGENT" above a title
# Teletype has no parentheses and no apostrophe: "/POSSIBLY AS SNOW/" is an aside,
# "TUESDAY/S LOW" a possessive.
_ASIDE = re.compile(r"(?<!\S)/([A-Z0-9+-][^/]*?)/(?=[\s.,;:!?]|$)")
_POSSESSIVE = re.compile(r"(?<=[A-Z]{2})/S\b")
# Two-letter words in capitals that are words, not postal codes ("MA", "NY", "FL").
_TWO_LETTER_WORDS = frozenset(
    "AN AS AT BE BY DO GO HE IF IN IS IT ME MY NO OF ON OR SO TO UP US WE".split()  # noqa: SIM905
)


def _header(paras: list[_Para], removed: list[Removal]) -> bool:
    """Take a bulletin's transmission header off the first paragraph and list it; whether
    there was one. Its lines are codes (control characters aside) and one is a WMO heading."""
    if not paras:
        return False
    lines = paras[0].lines
    codes = [_CONTROL_CHARS.sub("", line).strip() for line in lines[:5]]
    wmo = next((k for k, code in enumerate(codes[:3]) if _WMO_HEADING.fullmatch(code)), None)
    if wmo is None or not all(not c or _CODE_LINE.fullmatch(c) for c in codes[:wmo]):
        return False
    end = wmo + 1
    if (
        end < len(codes)
        and codes[end]
        and _CODE_LINE.fullmatch(codes[end])
        and " " not in codes[end]
    ):
        end += 1  # the product's identifier ("AFDBOX")
    removed.append(Removal(" / ".join(ln for ln in lines[:end] if ln), "transmission header"))
    if end < len(lines):
        paras[0] = _Para(lines[end:], paras[0].gap)
    else:
        del paras[0]
    return True


def _dot_heading(para: _Para) -> re.Match[str] | None:
    match = _DOT_HEADING.fullmatch(para.lines[0])
    return match if match and len(match.group("head").split()) <= MAX_TITLE_WORDS else None


def _bulletin_title(
    paras: list[_Para], index: int, header: bool, removed: list[Removal]
) -> tuple[str, str, str, int] | None:
    """A bulletin's title block at ``paras[index]``: a few short lines, the title first, the
    issuing office and the issuance time under it. Returns the title, the opening paragraph
    (office and time, read in natural case), the date and how many paragraphs it took."""
    if index >= len(paras):
        return None
    end = index + 1
    while end < len(paras) and paras[end].gap == 0:
        end += 1
    lines = [ln for para in paras[index:end] for ln in para.lines]
    stamp = next((ln for ln in lines if _STAMP.fullmatch(ln)), "")
    if (
        not (header or stamp)
        or not 2 <= len(lines) <= 6
        or any(len(ln) > 80 for ln in lines)
        or _is_prose(" ".join(lines))
    ):
        return None
    if len(lines) > 2 and _LABEL_WORD.fullmatch(lines[0]):
        removed.append(Removal(lines.pop(0), "section label"))
    kept = []
    for line in lines:
        code = _EDGE_CODE.match(line)
        if code:
            removed.append(Removal(code.group("code"), "product code"))
            line = code.group("line")
        kept.append(" ".join(line.split()))
    title, *rest = kept
    opening = ". ".join(_bulletin_case(line) for line in rest)
    date = ""
    if stamp:
        time = _STAMP.fullmatch(stamp)
        assert time is not None
        hour, minute, half = time.group("hour", "minute", "half")
        date = f"{_bulletin_case(stamp).split(' ', 3)[3]} {int(hour)}:{minute} {half.upper()}"
    return natural_case(title), opening + "." if opening else "", date, end - index


def _bulletin_case(line: str) -> str:
    """A line in capitals in natural case, its postal codes ("TAUNTON MA") kept, the day and
    month of an issuance time as names ("SAT FEB" -> "Sat Feb")."""
    stamp = _STAMP.fullmatch(line)
    if stamp:
        day = " ".join(w.capitalize() for w in stamp.group("date").split())
        return line[: stamp.start("date")] + day
    cased = natural_case(line)
    if cased == line:
        return line
    for match in re.finditer(r"\b[A-Z]{2}\b", line):
        if match.group(0) not in _TWO_LETTER_WORDS:
            cased = cased[: match.start()] + match.group(0) + cased[match.end() :]
    return cased


def _bulletin_heading(head: str) -> str:
    """A bulletin's section heading read in natural case, its "/UNTIL 6 AM/" an aside."""
    return natural_case(_ASIDE.sub(r"(\1)", head.strip()))


def _labelled_lines(lines: list[str]) -> list[list[str]]:
    """A bulletin's paragraph cut before each labelled line ("CT...NONE.") or bullet ("* ")
    when they are half its lines or more (a list, not prose wrapped after "TOMORROW..."): one
    item a paragraph; lines that continue an item stay with it."""
    labelled = sum(bool(_LABELLED.match(line)) for line in lines)
    if labelled < 2 or labelled < 0.5 * len(lines):
        return [lines]
    pieces: list[list[str]] = []
    for line in lines:
        if _LABELLED.match(line) or not pieces:
            pieces.append([line])
        else:
            pieces[-1].append(line)
    return pieces


# --- the reader ----------------------------------------------------------------------------


def parse_text(text: str, name: str) -> Article:
    """Plain text as an Article: an article (the first paragraph is the title) or a book (a
    Gutenberg header or a title page: see the module docstring)."""
    return _parse_held([text], name)


def _parse_held(held: list[str], name: str) -> Article:
    """:func:`parse_text` of the text in ``held``, which it takes out of the list."""
    text = held.pop()
    removed: list[Removal] = []
    text, meta, book = _gutenberg(text, removed)
    for match in _ILLUSTRATION.finditer(text):
        removed.append(Removal(match.group(0), "illustration mark"))
    text = _ILLUSTRATION.sub("", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+(?:\n[^_\n]+)*)_(?![\w_])", r"\1", text)
    text = _respaced(text)
    # A bulletin's ellipses glued to words ("1100 AM AST...1500 UTC") part them, as a pause.
    text = _GLUED_ELLIPSIS.sub("... ", text)
    has_blank_separators = _has_blank_line(text)
    paras = _groups(text) if has_blank_separators else [_Para([ln], 0) for ln in _paragraphs(text)]
    if not paras:
        if meta.get("title"):
            return Article(meta["title"], (), name, meta.get("author", ""), removed=tuple(removed))
        raise InputError(f"{name}: is empty; give an article with some text")

    i = 0
    while book and i < len(paras) and _CREDIT.match(paras[i].text):
        removed.append(Removal(paras[i].text, "producer's credit"))
        i += 1
    title, author, date = meta.get("title", ""), meta.get("author", ""), ""
    header = not book and has_blank_separators and _header(paras, removed)
    bulletin = header or (
        not book
        and has_blank_separators
        and sum(1 for p in paras if p.lines[0][:1] == "." and _dot_heading(p)) >= 2
    )
    block = _bulletin_title(paras, i, header, removed) if bulletin and not title else None
    page = _title_page(paras, i) if has_blank_separators and not bulletin else None
    opening = ""
    if block:
        title, opening, date, used = block
        i += used
    elif page:
        first, end, page_title, page_author = page
        for para in paras[i:first]:
            if _CREDIT.match(para.text):
                removed.append(Removal(para.text, "producer's credit"))
        keep = [p for p in paras[i:first] if not _CREDIT.match(p.text)]
        removed.append(Removal(" / ".join(p.text for p in paras[first:end]), "title page"))
        title, author = title or page_title, author or page_author
        paras = paras[:i] + keep + paras[end:]
        book = True
    elif not title:
        title = paras[i].text
        i += 1
        if len(title) > MAX_TITLE_CHARS:  # body text, not a title (an article pasted as one line)
            title, i = title_from_name(name), i - 1
        # A section label above the headline ("STATEMENTS & REMARKS") is not the title.
        elif (
            i < len(paras)
            and title.isupper()
            and len(title.split()) <= 5
            and len(paras[i].text.split()) <= 40
        ):
            removed.append(Removal(title, "section label"))
            title = paras[i].text
            i += 1
        if i < len(paras) and _DATELINE.match(paras[i].text):
            date = paras[i].text
            removed.append(Removal(date, "dateline (kept as the episode date)"))
            i += 1
    body, paras = paras[i:], []  # _body lets go of each paragraph once it is a block
    blocks = _body(body, has_blank_separators, book, removed, bulletin)
    if opening:
        blocks.insert(0, Block(PARAGRAPH, opening))
    return Article(
        title=title,
        blocks=tuple(blocks),
        source=name,
        author=author,
        date=date,
        language="",
        removed=tuple(removed),
    )


def _chapter_keyword(para: _Para) -> bool:
    """Whether a paragraph opens with a chapter-level keyword heading ("CHAPTER IV")."""
    match = _keyword(para.text) or _keyword(para.lines[0])
    return match is not None and not re.fullmatch(_DIVISIONS_TOP, match.group("kw"), re.IGNORECASE)


def _body(
    paras: list[_Para], headings: bool, book: bool, removed: list[Removal], bulletin: bool = False
) -> list[Block]:
    """Headings and paragraphs; tables of contents listed as removed. A bulletin has no
    table of contents: its ".SECTION..." headings are chapters, its separators and column
    tables are listed, its labelled lines ("CT...NONE.") are read one by one."""
    numerals, letters = _sequences(paras) if headings else (set(), set())
    if any(_chapter_keyword(p) for p in paras if len(p.lines) <= 2):
        numerals = set()  # with "CHAPTER" headings, bare numerals number stanzas or sections
    blocks: list[Block] = []
    front = True  # before the first numbered heading: a book's front matter
    after_heading = False
    i = done = 0
    while i < len(paras):
        while done < i:  # nothing looks back: a paragraph made a block is let go
            paras[done] = _DONE
            done += 1
        para = paras[i]
        heading = _heading(paras, i, set(), set()) if bulletin else None
        if heading:  # an underlined heading ("WATCHES AND WARNINGS" over "-----")
            blocks.append(Block(HEADING, heading.text, heading.level))
            i += heading.lines_used
            continue
        if bulletin:
            end = i + 1  # the pieces of one blank-line separated group (see _unwrap)
            while end < len(paras) and paras[end].gap == 0 and not _dot_heading(paras[end]):
                end += 1
            group = [ln for p in paras[i:end] for ln in p.lines]
            if _table(group):
                removed.append(Removal(" / ".join(group), "table"))
                i = end
                continue
            i += 1
            blocks += _bulletin_blocks(para, removed)
            continue
        toc = _contents(paras, i) if headings else 0
        if toc:
            entries = [ln for p in paras[i : i + toc] for ln in p.lines]
            removed.append(Removal(" / ".join(entries), "table of contents"))
            i += toc
            continue
        heading = _heading(paras, i, numerals, letters) if headings else None
        if heading:
            blocks.append(Block(HEADING, heading.text, heading.level))
            i += heading.lines_used
            front, after_heading = False, True
            continue
        if book and front and _front_heading(para, paras, i):
            blocks.append(Block(HEADING, natural_case(para.text.rstrip(".")), 2))
            i += 1
            after_heading = True
            continue
        text = para.text
        if book and after_heading:
            text = _opening_caps(text)
        blocks.append(Block(PARAGRAPH, text))
        after_heading = False
        i += 1
    return blocks


def _table(lines: list[str]) -> bool:
    """Lines in columns: half of them or more hold words set apart by wide gaps."""
    return len(lines) >= 2 and sum(bool(_COLUMNS.search(ln)) for ln in lines) >= 0.5 * len(lines)


def _bulletin_blocks(para: _Para, removed: list[Removal]) -> list[Block]:
    """The blocks of one paragraph of a bulletin: its separator lines ("&&", "$$") listed,
    its ".SECTION..." heading a chapter, its list items ("CT...NONE.", "* ...") paragraphs,
    its asides "/.../" in parentheses."""
    if any(_SEPARATOR.fullmatch(line) for line in para.lines):
        kept = []
        for line in para.lines:
            if _SEPARATOR.fullmatch(line):
                removed.append(Removal(line, "bulletin separator"))
            else:
                kept.append(line)
        if not kept:
            return []
        para = _Para(kept, para.gap)
    if _table(para.lines):
        removed.append(Removal(" / ".join(para.lines), "table"))
        return []
    blocks: list[Block] = []
    lines = para.lines
    heading = _dot_heading(para)
    if heading:
        blocks.append(Block(HEADING, _bulletin_heading(heading.group("head")), 2))
        lines = [heading.group("rest"), *lines[1:]] if heading.group("rest") else lines[1:]
    for piece in _labelled_lines(lines) if lines else []:
        text = _POSSESSIVE.sub("'S", _ASIDE.sub(r"(\1)", " ".join(piece)))
        blocks.append(Block(PARAGRAPH, text))
    return blocks


def title_from_name(name: str) -> str:
    """A title made of a file name (``my-first_post.md``: "my first post"), for an article
    that has none."""
    if name == STDIN_NAME:
        return "Untitled"
    return Path(name).stem.replace("-", " ").replace("_", " ").strip() or "Untitled"
