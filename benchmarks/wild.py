"""How the ``script`` stage reads real texts from the wild (issue 15): one row per text.

Run: ``PYTHONPATH=$PWD python benchmarks/wild.py [--json] [files...]`` (default: every file of
``benchmarks/corpus/texts/``). Only ``podcast.script`` runs (no audio); the whole corpus takes
about a minute. For each text:

- **lost**: words of the main text that are neither spoken (a chunk's ``text``, the article's
  own words) nor listed in ``removed``, as a share of the main text's words. The main text is
  the independent reference ``corpus/reference/NN_*.txt`` where one exists, else a plain
  reading that shares nothing with podcast's readers: a ``.txt`` file's words, a ``.md`` file
  rendered by markdown-it-py (CommonMark, tables; front matter and footnote markers left out).
  An ``.html`` page without a reference has no main text (trafilatura would not be
  independent of podcast's reader); for every page, **page** is the share of all words of its
  ``<body>`` (lxml, scripts and styles left out) that are spoken or listed: an upper bound
  that counts menus and footers too, so it is reported apart. Target: lost <= 1% for every text.
  Words are compared as lowercase letter/digit runs (Unicode), first aligned in order with the
  spoken words (difflib), then what is left against the unaligned spoken words and the removed
  words as multisets (text moved elsewhere, or listed, is not lost).
- **title**, chapter count, the first chapter titles and the largest chapter's share of the
  words (a table of contents taken as chapters leaves one chapter with almost everything).
- **suspicious spoken forms** in what reaches the engine (``chunk.spoken``, the show's lines
  included): letters spelled one by one (runs of >= 3 single letters), of which "spelled
  words" are runs whose letters form a word the text also uses in lower case ("P A R T",
  a capitalised or letter-spaced word read letter by letter); digits beside letters inside a
  word; symbols left; URLs; chunks longer than LONG_CHUNK characters.
- seconds for ``podcast.script`` and words (spoken) per second.

A text that raises ``PodcastError`` is reported with the first line of its message.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import time
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import lxml.html
from lxml import etree
from markdown_it import MarkdownIt

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = HERE / "corpus"
TEXTS = CORPUS / "texts"
REFERENCES = CORPUS / "reference"

TARGET_LOST_PCT = 1.0
LONG_CHUNK = 400  # characters; the segmenter cuts sentences over 300
EXAMPLES = 3  # examples kept per kind of problem
TITLES_SHOWN = 4

_TOKEN = re.compile(r"[^\W_]+")
_SPELLED = re.compile(r"(?<![^\W_])(?:[^\W\d_] ){2,}[^\W\d_](?![^\W_])")
_DIGIT_LETTER = re.compile(r"\S*(?:\d[^\W\d_]|[^\W\d_]\d)\S*")
_SYMBOL = re.compile(r"[{}\[\]<>|\\^~_=#*@$%&/`+]")
_URL = re.compile(
    r"(?i)\bhttps?\b|\bwww\.|\b[^\W_]+ dot (?:com|org|net|io|dev|gov|edu|html?|rs|ai|md)\b"
)
_PUNCT = "\"'“”‘’«»„()[]{}.,;:!?…—–-*_"
_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "caption",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "option",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "title",
        "tr",
        "ul",
    ]
)
_DROPPED_TAGS = ("script", "style", "noscript", "template")
_FRONT_MATTER = re.compile(r"\A\ufeff?(---|\+\+\+)[ \t]*\r?\n.*?\r?\n\1[ \t]*(?:\r?\n|\Z)", re.S)
_FOOTNOTE_MARK = re.compile(r"\[\^[^\]\s]+\](?!:)")
_FOOTNOTE_LABEL = re.compile(r"^\[\^[^\]\s]+\]:", re.M)


def tokens(text: str) -> list[str]:
    """Normalised word tokens: lowercase runs of letters and digits, any script."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


# --- the independent main text ---------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 (BOM or not), else charset-normalizer's best guess, else Latin-1."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None:
            return str(best)
    except ImportError:
        pass
    return data.decode("latin-1")


def html_text(markup: str | bytes) -> str:
    """All text of a page's ``<body>`` (the whole fragment if it has none), blocks apart,
    scripts, styles and comments left out."""
    if (isinstance(markup, bytes) and not markup.strip()) or (
        isinstance(markup, str) and not markup
    ):
        return ""
    root = lxml.html.fromstring(markup)
    for element in list(root.iter(*_DROPPED_TAGS, etree.Comment)):
        parent = element.getparent()
        if parent is not None:
            element.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
            element.text = "\n" + (element.text or "")
    body = root.find(".//body")
    return str((body if body is not None else root).text_content())


def markdown_text(source: str) -> str:
    """What a CommonMark reader shows of a Markdown file: rendered, front matter and footnote
    markers left out (footnote texts kept), link definitions and HTML comments unseen."""
    source = _FRONT_MATTER.sub("", source, count=1)
    source = _FOOTNOTE_LABEL.sub("", _FOOTNOTE_MARK.sub("", source))
    rendered = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(source)
    return html_text(f"<div>{rendered}</div>")


def reference_for(path: Path) -> Path | None:
    """``reference/NN_*.txt`` for a corpus file named ``NN_...``, if there is one."""
    number = path.name.split("_", 1)[0]
    if not number.isdigit() or not REFERENCES.is_dir():
        return None
    found = sorted(REFERENCES.glob(f"{number}_*.txt"))
    return found[0] if found else None


def main_text(path: Path) -> tuple[str | None, str]:
    """(the main text or None, where it came from)."""
    reference = reference_for(path)
    if reference is not None:
        return reference.read_text(encoding="utf-8"), "reference"
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown"):
        return markdown_text(decode(path.read_bytes())), "commonmark"
    if suffix in (".html", ".htm", ".xhtml"):
        return None, "none"
    return decode(path.read_bytes()), "file"


# --- measures ---------------------------------------------------------------------------------


@dataclass
class Loss:
    reference_words: int
    lost_words: int
    cut_words: int = 0  # of the lost: words that continue a removal whose text was cut short
    examples: list[str] = field(default_factory=list)  # the longest runs of lost words

    @property
    def pct(self) -> float:
        return 100.0 * self.lost_words / self.reference_words if self.reference_words else 0.0

    @property
    def cut_pct(self) -> float:
        return 100.0 * self.cut_words / self.reference_words if self.reference_words else 0.0


def lost_words(reference: str, spoken: Iterable[str], removed: Iterable[str]) -> Loss:
    """Words of ``reference`` neither in ``spoken`` (in order, or moved) nor in ``removed``.

    Lost words right after the last words of a listed removal (up to the next word spoken in
    order) are also counted as ``cut_words``: the removal was listed, but its text cut short.
    """
    ref = tokens(reference)
    said = [t for text in spoken for t in tokens(text)]
    removed_tokens = [tokens(text) for text in removed]
    matcher = difflib.SequenceMatcher(None, ref, said, autojunk=len(said) > 20000)
    matched_ref = [False] * len(ref)
    matched_said = [False] * len(said)
    resumed = [False] * len(ref)  # inside a run of >= 4 words spoken in order
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            matched_ref[block.a + k] = True
            matched_said[block.b + k] = True
            resumed[block.a + k] = block.size >= 4
    pool = Counter(t for t, m in zip(said, matched_said, strict=True) if not m)
    pool.update(t for listed in removed_tokens for t in listed)
    lost = [False] * len(ref)
    for i, token in enumerate(ref):
        if matched_ref[i]:
            continue
        if pool[token] > 0:
            pool[token] -= 1
        else:
            lost[i] = True
    cut = _after_cut_removals(ref, resumed, removed_tokens)
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(ref):
        if lost[i]:
            j = i
            while j < len(ref) and lost[j]:
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1
    runs.sort(key=lambda r: (cut[r[0]], r[0] - r[1]))  # silent ones first, longest first
    examples = [
        _run_text(ref, a, b) + (" [after a listed removal]" if cut[a] else "")
        for a, b in runs[:EXAMPLES]
    ]
    cut_words = sum(1 for i in range(len(ref)) if lost[i] and cut[i])
    return Loss(len(ref), sum(lost), cut_words, examples)


def _after_cut_removals(
    ref: Sequence[str], resumed: Sequence[bool], removed: Sequence[Sequence[str]], n: int = 3
) -> list[bool]:
    """Positions of ``ref`` that follow the last ``n`` words of a removal (its last word may be
    a cut-off part of a word), up to where speaking resumes (``resumed``)."""
    grams: dict[tuple[str, ...], list[int]] = {}
    for i in range(len(ref) - n + 1):
        grams.setdefault(tuple(ref[i : i + n]), []).append(i + n)
    after = [False] * len(ref)
    for listed in removed:
        tails = [tuple(listed[-n:]), tuple(listed[-n - 1 : -1])]
        for tail in tails:
            if len(tail) < n:
                continue
            for start in grams.get(tail, ()):
                k = start
                while k < len(ref) and not resumed[k] and not after[k]:
                    after[k] = True
                    k += 1
    return after


def _run_text(ref: Sequence[str], start: int, end: int, limit: int = 12) -> str:
    words = list(ref[start:end])
    shown = " ".join(words[:limit]) + (" …" if len(words) > limit else "")
    return f"{shown} ({len(words)} words)" if len(words) > 1 else shown


@dataclass
class Suspicious:
    """Counts and first examples of forms a listener should not hear."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, example: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        shown = self.examples.setdefault(kind, [])
        if len(shown) < EXAMPLES:
            shown.append(example)


KINDS = ("spelled", "spelled words", "digit+letter", "symbols", "urls", "long chunks")


def suspicious_forms(spoken: Iterable[str], text_words: Iterable[str] = ()) -> Suspicious:
    """Scan what reaches the engine. ``text_words``: the words the text uses in lower case
    (a spelled run whose letters form one of them is a word read letter by letter)."""
    lower = {w for w in text_words if w.isalpha() and w.islower() and _has_vowel(w)}
    found = Suspicious(counts=dict.fromkeys(KINDS, 0))
    for line in spoken:
        for match in _SPELLED.finditer(line):
            found.add("spelled", _around(line, match.start(), match.end()))
            if match.group().replace(" ", "").lower() in lower:
                found.add("spelled words", _around(line, match.start(), match.end()))
        for match in _DIGIT_LETTER.finditer(line):
            found.add("digit+letter", match.group())
        for match in _SYMBOL.finditer(line):
            found.add("symbols", _around(line, match.start(), match.end()))
        for match in _URL.finditer(line):
            found.add("urls", _around(line, match.start(), match.end()))
        if len(line) > LONG_CHUNK:
            found.add("long chunks", f"{len(line)} chars: {line[:60]}…")
    return found


def _has_vowel(word: str) -> bool:
    return any(c in "aeiouy" for c in unicodedata.normalize("NFD", word))


def prose_words(texts: Iterable[str]) -> set[str]:
    """The words of ``texts`` written alone in lower case (not inside a URL, path or code)."""
    words = (w.strip(_PUNCT) for text in texts for w in text.split())
    return {w for w in words if len(w) > 2 and w.isalpha() and w.islower()}


def _around(line: str, start: int, end: int, width: int = 25) -> str:
    left = max(0, start - width)
    right = min(len(line), end + width)
    return ("…" if left else "") + line[left:right] + ("…" if right < len(line) else "")


# --- one text ---------------------------------------------------------------------------------


@dataclass
class Row:
    file: str
    error: str = ""
    title: str = ""
    title_flag: str = ""  # "file name" / "empty" when the title is not the text's own
    language: str = ""
    chapters: int = 0
    chapter_titles: list[str] = field(default_factory=list)
    largest_chapter_pct: float = 0.0
    reference: str = ""  # where the main text came from: reference / commonmark / file / none
    reference_words: int = 0
    lost_pct: float | None = None
    lost_after_listing_pct: float | None = None  # of lost_pct: right after a listed removal
    lost_examples: list[str] = field(default_factory=list)
    page_words: int = 0
    page_covered_pct: float | None = None
    page_lost_examples: list[str] = field(default_factory=list)
    removed: int = 0
    suspicious: dict[str, int] = field(default_factory=dict)
    suspicious_examples: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0
    spoken_words: int = 0
    words_per_second: float = 0.0


def show_titles(root: Path = ROOT) -> tuple[str, str]:
    """Titles of the show's intro and outro chapters (the project's podcast.toml)."""
    intro, outro = "Intro", "Outro"
    try:
        data = tomllib.loads((root / "podcast.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return intro, outro
    return (
        str(data.get("intro", {}).get("title", intro)),
        str(data.get("outro", {}).get("title", outro)),
    )


def title_flag(title: str, path: Path) -> str:
    if not tokens(title):
        return "empty"
    if tokens(title) == tokens(path.stem):
        return "file name"
    return ""


def measure(path: Path) -> Row:
    """Run ``podcast.script`` on one file and measure what it would say."""
    import podcast

    row = Row(file=path.name)
    start = time.perf_counter()
    try:
        script = podcast.script(str(path))
    except podcast.PodcastError as error:
        row.seconds = time.perf_counter() - start
        first = (str(error).splitlines() or [type(error).__name__])[0]
        row.error = first.replace(str(path), path.name)
        return row
    row.seconds = time.perf_counter() - start

    intro, outro = show_titles()
    chapters = list(script.chapters)
    if chapters and chapters[0].title == intro:
        chapters = chapters[1:]
    if chapters and chapters[-1].title == outro:
        chapters = chapters[:-1]
    article_texts = [chunk.text for chapter in chapters for chunk in chapter.chunks]
    removed = [removal.text for removal in script.removed]
    sizes = [sum(len(tokens(c.text)) for c in chapter.chunks) for chapter in chapters]

    row.title = script.title
    row.title_flag = title_flag(script.title, path)
    row.language = script.language
    row.chapters = len(chapters)
    row.chapter_titles = [chapter.title for chapter in chapters[:TITLES_SHOWN]]
    row.largest_chapter_pct = 100.0 * max(sizes, default=0) / max(1, sum(sizes))
    row.removed = len(script.removed)
    row.spoken_words = sum(sizes)
    row.words_per_second = row.spoken_words / row.seconds if row.seconds else 0.0

    reference, row.reference = main_text(path)
    if reference is not None:
        loss = lost_words(reference, article_texts, removed)
        row.reference_words = loss.reference_words
        row.lost_pct = loss.pct
        row.lost_after_listing_pct = loss.cut_pct
        row.lost_examples = loss.examples
    if path.suffix.lower() in (".html", ".htm", ".xhtml"):
        page = lost_words(html_text(path.read_bytes()), article_texts, removed)
        row.page_words = page.reference_words
        row.page_covered_pct = 100.0 - page.pct
        row.page_lost_examples = page.examples

    spoken = [chunk.spoken for chunk in script.chunks() if not chunk.audio]
    found = suspicious_forms(spoken, prose_words(article_texts))
    row.suspicious = found.counts
    row.suspicious_examples = found.examples
    return row


# --- report -----------------------------------------------------------------------------------


def _cell(text: str, limit: int = 40) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def _lost(row: Row) -> str:
    if row.lost_pct is None:
        return "n/a"
    cut = row.lost_after_listing_pct or 0.0
    return f"{row.lost_pct:.1f}%" + (f" ({cut:.1f})" if cut >= 0.05 else "")


def table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table, then the summary."""
    head = (
        "| text | title | ch. | first chapter titles | biggest ch. | lost | page | "
        "spelled (words) | digit+letter | symbols | urls | long | s | words/s |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for row in rows:
        if row.error:
            lines.append(f"| {row.file} | **error**: {_cell(row.error, 90)} |" + " |" * 12)
            continue
        s = row.suspicious
        title = _cell(row.title) + (f" **({row.title_flag})**" if row.title_flag else "")
        lines.append(
            f"| {row.file} | {title} | {row.chapters} | "
            f"{'; '.join(_cell(t, 28) for t in row.chapter_titles)} | "
            f"{row.largest_chapter_pct:.0f}% | {_lost(row)} | "
            f"{_pct(row.page_covered_pct)} | {s['spelled']} ({s['spelled words']}) | "
            f"{s['digit+letter']} | {s['symbols']} | {s['urls']} | {s['long chunks']} | "
            f"{row.seconds:.2f} | {row.words_per_second:.0f} |"
        )
    return "\n".join(lines) + "\n\n" + summary(rows)


def summary(rows: Sequence[Row]) -> str:
    ok = [r for r in rows if not r.error]
    measured = [r for r in ok if r.lost_pct is not None]
    lost_ok = sum(r.lost_pct is not None and r.lost_pct <= TARGET_LOST_PCT for r in measured)
    clean = {kind: sum(r.suspicious.get(kind, 0) == 0 for r in ok) for kind in KINDS}
    titled = sum(not r.title_flag for r in ok)
    seconds = sum(r.seconds for r in rows)
    words = sum(r.spoken_words for r in ok)
    parts = [
        f"{len(rows)} texts, {len(rows) - len(ok)} refused with an error",
        f"lost <= {TARGET_LOST_PCT:g}%: {lost_ok}/{len(measured)} measured",
        f"own title: {titled}/{len(ok)}",
        *(f"no {kind}: {n}/{len(ok)}" for kind, n in clean.items()),
        f"{seconds:.1f} s for {words} spoken words ({words / seconds if seconds else 0:.0f}/s)",
    ]
    return "Summary: " + "; ".join(parts) + "."


def details(rows: Sequence[Row]) -> str:
    """The examples behind the table's figures, one block per text."""
    out: list[str] = []
    for row in rows:
        if row.error:
            continue
        lines = [f"{row.file} [{row.language}] main text: {row.reference}"]
        lines += [f"  lost: {e}" for e in row.lost_examples]
        lines += [f"  not on page: {e}" for e in row.page_lost_examples]
        for kind, examples in row.suspicious_examples.items():
            lines += [f"  {kind}: {e}" for e in examples]
        if len(lines) > 1:
            out.append("\n".join(lines))
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="texts (default: the corpus)")
    parser.add_argument("--json", action="store_true", help="one JSON object per text")
    parser.add_argument("--details", action="store_true", help="examples behind each figure")
    args = parser.parse_args(argv)
    files = args.files or sorted(p for p in TEXTS.iterdir() if p.is_file())
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        print(f"wild: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    rows = []
    for path in files:
        rows.append(measure(path))
        print(f"  {path.name}: {rows[-1].seconds:.1f} s", file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=1))
    else:
        print(table(rows))
        if args.details:
            print("\n" + details(rows))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
