"""Markdown through a CommonMark parser (markdown-it-py and mdit-py-plugins; their only home).

What is read and how:

- **Front matter**, YAML (``---``) or TOML (``+++``), is never spoken: it gives the title,
  author, date, language and canonical URL; the whole block is listed as removed.
- **Headings** (ATX and setext) become chapters; the first level-1 heading is the title unless
  the front matter has one. Without either, the title is the file name cleaned
  (``2024-07-25-Rust-1.80.0.md``: "Rust 1.80.0").
- **Paragraphs, list items, block quotes and definition lists** are read in order, one
  paragraph each; link text is kept, URLs never read (a link whose text is a URL says its host).
- **Code blocks** (fenced or indented, also inside quotes and lists) are announced with one
  short sentence and listed as removed, never spelled. Short word-like ``inline code`` is read
  as words; longer or symbol-heavy spans are replaced by "a code snippet" and listed.
- **Footnotes** are read right after the paragraph that first cites them ("Footnote: ...");
  definitions nobody cites are listed as removed.
- **Tables**: small ones are read row by row ("Header: value; Header: value."), large ones
  announced and listed.
- **Math** (``$...$``, ``$$...$$``, ```` ```math ````): a single symbol is read; anything else
  becomes "a formula" (inline) or an announcement (block) and is listed.
- **Images and badges** are listed (with their alt text), never read; HTML comments, template
  macros and link reference definitions are listed too.
"""

from __future__ import annotations

import html
import re
import tomllib
from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from podcast.controls import strip_controls
from podcast.models import HEADING, PARAGRAPH, Article, Block, Removal
from podcast.text.readers.decode import STDIN_NAME, decode, peek
from podcast.text.readers.pictures import local_picture, with_pictures
from podcast.text.readers.registry import LIKELY, NOT_MINE

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# What is said where something is not read aloud (the block is listed in ``removed``).
CODE_NOTE = "A code example is skipped here."
MATH_NOTE = "An equation is skipped here."
INLINE_MATH = "a formula"
INLINE_CODE = "a code snippet"
FOOTNOTE = "Footnote:"
# A table is read row by row when it is this small; larger ones are announced and listed.
MAX_READ_ROWS = 8
MAX_READ_COLUMNS = 5
MAX_READ_CELL_CHARS = 60
# Inline code read as words: at most this long, and only word characters and light punctuation.
MAX_INLINE_CODE_CHARS = 40

# A source not named .md is Markdown when it opens with front matter or when its first line is
# a heading ("# Title"). Conservative on purpose: plain text may hold a "#" or a "---" elsewhere.
_FIRST_LINE_HEADING = re.compile(r"\A(?:[ \t]*\n)*#{1,6}[ \t]+\S")
_FENCES = {"---": "yaml", "+++": "toml"}


def sniff(head: bytes) -> int:
    """LIKELY for text that opens with YAML or TOML front matter or a heading; a .md name
    claims the rest."""
    text = peek(head).replace("\r\n", "\n").lstrip("\ufeff")
    if _FIRST_LINE_HEADING.match(text) or _opens_with_front_matter(text):
        return LIKELY
    return NOT_MINE


def _opens_with_front_matter(text: str) -> bool:
    """A ``---``/``+++`` first line followed by a ``key: value`` / ``key = value`` line (the
    closing fence may lie past the sniffed head)."""
    lines = text.split("\n", 2)
    if len(lines) < 2 or lines[0].rstrip() not in _FENCES:
        return False
    sep = ":" if lines[0].rstrip() == "---" else "="
    return bool(re.match(rf"[A-Za-z_][\w.-]*[ \t]*{sep}", lines[1]))


def read(data: bytes, name: str) -> Article:
    return parse_markdown(decode(data, name), name)


# --- front matter -------------------------------------------------------------------------


def front_matter(text: str) -> tuple[dict[str, Any], str, str]:
    """The front matter of ``text`` as a mapping, the text after it and the raw block ("" and
    the whole text when there is none or it is not a mapping)."""
    text = text.lstrip("\ufeff")
    first, _, rest = text.partition("\n")
    kind = _FENCES.get(first.rstrip())
    if kind is None:
        return {}, text, ""
    close = re.search(rf"^{re.escape(first.rstrip())}[ \t]*$", rest, re.MULTILINE)
    if not close:
        return {}, text, ""
    raw = rest[: close.start()]
    meta: object
    try:
        if kind == "toml":
            meta = tomllib.loads(raw)
        else:
            import yaml

            meta = yaml.safe_load(raw)
    except Exception:
        return {}, text, ""
    if not isinstance(meta, dict) or not meta:
        return {}, text, ""
    body = rest[close.end() :].lstrip("\n")
    return {str(k).lower(): v for k, v in meta.items()}, body, f"{first}\n{raw}{first}"


def _meta_text(meta: dict[str, Any], *keys: str) -> str:
    """The first of ``keys`` the front matter has, as one line of text (lists joined)."""
    for key in keys:
        value = meta.get(key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value if isinstance(v, (str, int, float)))
        if isinstance(value, dict):
            value = value.get("name", "")
        if value not in (None, ""):
            return re.sub(r"\s+", " ", str(value)).strip()
    return ""


def _meta_url(meta: dict[str, Any]) -> str:
    for key in ("canonical", "canonical_url", "canonicalurl", "url", "link", "permalink"):
        value = meta.get(key)
        if isinstance(value, str) and re.match(r"https?://\S+$", value.strip()):
            return value.strip()
    return ""


_FEED_KEYS = {  # Article.feed key: the front matter names for it (Hugo, Jekyll, podcast themes)
    "episode": ("episode", "episode_number", "itunes_episode"),
    "season": ("season", "season_number", "itunes_season"),
    "episode_type": ("episode_type", "episodetype", "itunes_episode_type"),
    "license": ("license", "licence", "license_url"),
}
EPISODE_TYPES = ("full", "trailer", "bonus")


def meta_feed(meta: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """What the front matter says about the episode's place in a feed: ``episode`` and
    ``season`` (whole numbers from 1), ``episode_type`` (full, trailer or bonus) and
    ``license`` (a URL or a name); a value of another shape is not used."""
    found = []
    for key, names in _FEED_KEYS.items():
        value = next((meta[n] for n in names if meta.get(n) not in (None, "")), None)
        if isinstance(value, bool) or value is None:
            continue
        text = strip_controls(re.sub(r"\s+", " ", str(value))).strip()
        if key in ("episode", "season"):
            ok = text.isdigit() and 0 < int(text) < 100_000
            text = str(int(text)) if ok else ""
        elif key == "episode_type":
            text = text.lower() if text.lower() in EPISODE_TYPES else ""
        elif not isinstance(value, str) or len(text) > 300:
            text = ""
        if text:
            found.append((key, text))
    return tuple(found)


# --- titles from file names ---------------------------------------------------------------

_DATE_PREFIX = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}[-_ ]+")
_ORDINAL_PREFIX = re.compile(r"^\d{1,3}[-_ ]+(?=[^\d\s])")


def title_from_file_name(name: str) -> str:
    """A title made of a file name, for an article that has none: extension, a date prefix
    and a short ordinal prefix dropped, dashes and underscores to spaces
    (``2024-07-25-Rust-1.80.0.md``: "Rust 1.80.0")."""
    if name == STDIN_NAME:
        return "Untitled"
    stem = Path(name).name
    if Path(stem).suffix.lower() in (".md", ".markdown"):
        stem = Path(stem).stem
    stem = _ORDINAL_PREFIX.sub("", _DATE_PREFIX.sub("", stem))
    return re.sub(r"\s+", " ", stem.replace("-", " ").replace("_", " ")).strip() or "Untitled"


# --- the parser ---------------------------------------------------------------------------


@cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.deflist import deflist_plugin
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.use(footnote_plugin).use(deflist_plugin)
    # ``$5 and $10`` is money, not math: a dollar followed by a digit or a space does not open
    # inline math (the plugin's defaults).
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    return md


def parse_markdown(text: str, name: str) -> Article:
    """The Article in Markdown ``text`` (see the module docstring); ``name`` is the source's
    display name."""
    meta, body, raw_meta = front_matter(text)
    removed: list[Removal] = []
    if raw_meta:
        removed.append(Removal(raw_meta, "front matter"))
    env: dict[str, Any] = {}
    tokens = _parser().parse(body, env)
    reader = _Reader(removed, _footnotes(tokens, removed))
    reader.walk(tokens)
    _uncited_footnotes(body, env, removed)
    for label, ref in (env.get("references") or {}).items():
        removed.append(Removal(f"[{label.lower()}]: {ref.get('href', '')}", "link definition"))
    title = _inline_text(_meta_text(meta, "title"), removed) or reader.title
    blocks = with_pictures(reader.blocks, reader.pictures)
    opening = blocks[0].text if blocks and blocks[0].kind == HEADING else ""
    if opening and (opening == title or not title):
        # the front matter's title repeated as the first heading, or a document that opens
        # with a heading of any level ("ripgrep (rg)" underlined with dashes)
        picture, (title, blocks) = blocks[0].image, (opening, blocks[1:])
        if blocks and not blocks[0].image:  # the title's section's picture: the first block's
            blocks[0] = replace(blocks[0], image=picture)
    return Article(
        title=title or title_from_file_name(name),
        blocks=tuple(blocks),
        source=name,
        author=_meta_text(meta, "author", "authors", "creator"),
        date=_meta_text(meta, "date", "published", "pubdate"),
        language=_meta_text(meta, "lang", "language", "languagecode").lower(),
        url=_meta_url(meta),
        removed=tuple(removed),
        feed=meta_feed(meta),
    )


def _inline_text(text: str, removed: list[Removal]) -> str:
    """Markdown inline syntax in a front matter value (``Changes to `u128` layout``) to words."""
    if not text:
        return ""
    tokens = _parser().parseInline(text)
    return _Reader(removed, {}).inline(tokens[0].children or [])[0] if tokens else text


def _footnotes(tokens: Sequence[Token], removed: list[Removal]) -> dict[int, str]:
    """The text of each footnote the parser collected, by its id."""
    notes: dict[int, list[str]] = {}
    current: int | None = None
    for token in tokens:
        if token.type == "footnote_open":
            current = int(token.meta["id"])
            notes[current] = []
        elif token.type == "footnote_close":
            current = None
        elif current is not None and token.type == "inline":
            notes[current].append(_Reader(removed, {}).inline(token.children or [])[0])
        elif current is not None and token.type in ("fence", "code_block"):
            removed.append(Removal(token.content.rstrip("\n"), "code block"))
    return {key: " ".join(t for t in parts if t) for key, parts in notes.items()}


def _uncited_footnotes(body: str, env: dict[str, Any], removed: list[Removal]) -> None:
    """Footnote definitions nobody cites are dropped by the parser: list them."""
    store = env.get("footnotes") or {}
    cited = {item.get("label") for item in (store.get("list") or {}).values()}
    for key in store.get("refs") or {}:
        label = key.lstrip(":")
        if label not in cited:
            found = re.search(rf"^ {{0,3}}\[\^{re.escape(label)}\]:[ \t]*(.*)$", body, re.M)
            removed.append(Removal(found.group(0) if found else f"[^{label}]", "footnote"))


# Template macros: MDN's KumaScript ``{{...}}`` and Liquid/Jinja ``{% ... %}`` tags.
_MACRO = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
# A cross-reference role right before inline code: Sphinx/MyST ``{numref}`` and d2l ``:label:``.
_ROLE = re.compile(r"(?:\{[a-z][\w:-]*\}|:[a-z][\w-]*:)$")
_EMOJI = re.compile(r"(?<![\w:]):(?=[a-z0-9_+-]*[a-z])[a-z0-9_+-]{2,}:(?![\w:])")
_BARE_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]")
# One word of code: ``rustup``, ``--check-cfg``, ``.bashrc``, ``std::env``, ``C++``, ``a/b.txt``.
_CODE_WORD = r"(?:--?|\.)?\w[\w+#@]*(?:(?:::|[./-])\w[\w+#@]*)*\+*"
_CODE_WORDS = re.compile(rf"{_CODE_WORD}(?:\s+{_CODE_WORD})*")
# Characters that make a span code rather than prose (``Vec<T>``, ``a..=b``, ``x = 1``).
_CODE_SYMBOLS = re.compile(r"[{}\[\]<>()=;|&*$`\"'!^~%\\]|\.\.|::")


def _macro(match: re.Match[str], removed: list[Removal]) -> str:
    """A template macro: the words it would display (``{{glossary("TCP slow start")}}``,
    ``{{RFC(1945)}}``), or nothing when it displays no words of its own."""
    body = match.group(0)
    quoted = re.findall(r"\"([^\"]*)\"|'([^']*)'", body)
    if body.startswith("{{") and quoted:
        words = [a or b for a, b in quoted][-1 if "glossary" in body.lower() else 0]
        return words.replace("_", " ")
    rfc = re.match(r"\{\{\s*rfc\s*\(\s*(\d+)", body, re.IGNORECASE)
    if rfc:
        return f"RFC {rfc.group(1)}"
    removed.append(Removal(body, "template macro"))
    return ""


def _only_code(children: Sequence[Token]) -> bool:
    """A paragraph that is one span of inline code that is not a few words: a code line."""
    parts = [c for c in children if not (c.type == "text" and not c.content.strip())]
    return (
        len(parts) == 1
        and parts[0].type == "code_inline"
        and not _CODE_WORDS.fullmatch(re.sub(r"\(\)$", "", parts[0].content.strip()))
    )


def _host(url: str) -> str:
    host = urlsplit(url if "://" in url else f"http://{url}").hostname or ""
    return host.removeprefix("www.")


def _simple_math(tex: str) -> str:
    """A formula read as it is when it is one symbol (``x``, ``\\alpha``, ``42``,
    ``\\mathbf{x}``, ``\\hat{y}``), perhaps with a one-symbol subscript (``x_i``: "x sub i");
    otherwise ""."""
    tex = re.sub(
        r"\\(?:mathbf|mathrm|boldsymbol|mathcal|textrm|text|mathit|bm)\{([^{}]*)\}", r"\1", tex
    )
    hat = re.fullmatch(r"\s*\\(?:hat|widehat)\{([^{}]*)\}\s*", tex)
    if hat:
        base = _symbol(hat.group(1))
        return f"{base} hat" if base else ""
    base, _, sub = tex.partition("_")
    if sub:
        sub = sub.strip().removeprefix("{").removesuffix("}")
        parts = (_symbol(base), _symbol(sub) or "".join(re.findall(r"^[A-Za-z]{2,12}$", sub)))
        return f"{parts[0]} sub {parts[1]}" if all(parts) else ""
    return _symbol(tex)


def _symbol(tex: str) -> str:
    tex = tex.strip()
    if re.fullmatch(r"[A-Za-z]|\d+(?:\.\d+)?", tex):
        return tex
    greek = re.fullmatch(r"\\([a-zA-Z]+)", tex)
    if greek and greek.group(1).lower() in _GREEK:
        return greek.group(1)
    return ""


_GREEK = frozenset(
    [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "zeta",
        "eta",
        "theta",
        "iota",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
        "omicron",
        "pi",
        "rho",
        "sigma",
        "tau",
        "upsilon",
        "phi",
        "chi",
        "psi",
        "omega",
    ]
)


class _Reader:
    """Walks the parser's tokens into blocks, collecting what is not read in ``removed``."""

    def __init__(self, removed: list[Removal], footnotes: dict[int, str]) -> None:
        self.removed = removed
        self.footnotes = footnotes
        self.read_notes: set[int] = set()
        self.blocks: list[Block] = []
        self.title = ""
        self.pictures: list[tuple[int, str]] = []  # (headings read before it, local file)

    # blocks

    def walk(self, tokens: Sequence[Token]) -> None:
        index = 0
        while index < len(tokens):
            token = tokens[index]
            kind = token.type
            if kind == "footnote_block_open":  # read where cited (see _footnotes)
                while index < len(tokens) and tokens[index].type != "footnote_block_close":
                    index += 1
            elif kind == "heading_open":
                self.heading(int(token.tag[1]), tokens[index + 1])
                index += 2
            elif kind == "table_open":
                index = self.table(tokens, index)
            elif kind in ("fence", "code_block"):
                self.code(token)
            elif kind in ("math_block", "math_block_label"):
                self.math_block(token.content)
            elif kind == "html_block":
                self.html_block(token.content)
            elif kind == "inline" and _only_code(token.children or []):
                self.removed.append(Removal(token.content.strip().strip("`").strip(), "code block"))
                self.note(CODE_NOTE)
            elif kind == "inline":
                text, notes = self.inline(token.children or [])
                self.paragraph(text)
                self.notes(notes)
            index += 1

    def paragraph(self, text: str) -> None:
        if re.search(r"\w", text):
            self.blocks.append(Block(PARAGRAPH, text))

    def note(self, text: str) -> None:
        """An announcement of something skipped; one for a run of skipped blocks."""
        if not self.blocks or self.blocks[-1].text != text:
            self.blocks.append(Block(PARAGRAPH, text))

    def notes(self, ids: list[int]) -> None:
        for note_id in ids:
            if note_id in self.read_notes or not self.footnotes.get(note_id):
                continue
            self.read_notes.add(note_id)
            self.blocks.append(Block(PARAGRAPH, f"{FOOTNOTE} {self.footnotes[note_id]}"))

    def heading(self, level: int, inline: Token) -> None:
        children = inline.children or []
        text, notes = self.inline(children)
        if level == 1 and not self.title:
            self.title = text
        elif re.search(r"\w", text):
            links = (c.attrs.get("href", "") for c in children if c.type == "link_open")
            url = next((str(u) for u in links if str(u).startswith(("http://", "https://"))), "")
            self.blocks.append(Block(HEADING, text, level, url))
        self.notes(notes)

    def code(self, token: Token) -> None:
        info = token.info.strip().split(maxsplit=1)[0].lower() if token.info.strip() else ""
        if info in ("math", "latex", "tex", "katex"):
            self.math_block(token.content)
            return
        self.removed.append(Removal(token.content.rstrip("\n"), "code block"))
        self.note(CODE_NOTE)

    def math_block(self, tex: str) -> None:
        self.removed.append(Removal(tex.strip(), "math"))
        self.note(MATH_NOTE)

    def table(self, tokens: Sequence[Token], index: int) -> int:
        """Read or list the table opening at ``index``; the index of its closing token."""
        rows: list[list[str]] = []
        header: list[str] = []
        in_head = False
        while tokens[index].type != "table_close":
            token = tokens[index]
            if token.type == "thead_open":
                in_head = True
            elif token.type == "thead_close":
                in_head = False
            elif token.type == "tr_open" and not in_head:
                rows.append([])
            elif token.type == "inline":
                (header if in_head else rows[-1]).append(self.inline(token.children or [])[0])
            index += 1
        small = (
            len(rows) <= MAX_READ_ROWS
            and len(header) <= MAX_READ_COLUMNS
            and all(len(cell) <= MAX_READ_CELL_CHARS for row in rows for cell in row)
        )
        if small:
            for row in rows:
                cells = [
                    f"{head}: {cell}" if head else cell
                    for head, cell in zip(header + [""] * len(row), row, strict=False)
                    if cell
                ]
                if cells:
                    self.paragraph("; ".join(cells) + ".")
            return index
        lines = [" | ".join(header)] + [" | ".join(row) for row in rows]
        self.removed.append(Removal("\n".join(lines), "table"))
        self.note(f"A table with {len(rows)} rows is skipped here.")
        return index

    def html_block(self, content: str) -> None:
        for comment in re.findall(r"<!--.*?(?:-->|\Z)", content, re.DOTALL):
            self.removed.append(Removal(comment, "HTML comment"))
        content = re.sub(r"<!--.*?(?:-->|\Z)", " ", content, flags=re.DOTALL)
        for element in re.findall(
            r"<(script|style)\b.*?(?:</\1\s*>|\Z)", content, re.DOTALL | re.IGNORECASE
        ):
            self.removed.append(Removal(element, "script"))
        content = re.sub(
            r"<(script|style)\b.*?(?:</\1\s*>|\Z)", " ", content, flags=re.DOTALL | re.I
        )
        for part in re.split(r"<(?:/p|/h\d|/li|/div|/dd|/dt|/summary|br\s*/?)\s*>", content):
            self.paragraph(self.html_text(part))

    def picture(self, src: str) -> None:
        """A picture for the section being read, when it is a local file (a relative path: a
        web address, a data: URI or an absolute path is never a chapter's picture)."""
        if local_picture(src):
            self.pictures.append((sum(b.kind == HEADING for b in self.blocks), src))

    def html_text(self, part: str) -> str:
        for tag in re.findall(r"<img\b[^>]*>", part, re.IGNORECASE):
            alt = re.search(r"\balt\s*=\s*[\"']([^\"']*)", tag)
            self.removed.append(Removal(alt.group(1) if alt and alt.group(1) else tag, "image"))
            src = re.search(r"\bsrc\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))", tag)
            if src:
                self.picture(html.unescape(next(g for g in src.groups() if g is not None)))
        text = html.unescape(re.sub(r"<[^>]*>", " ", part))
        return self.words(text)

    # inline

    def inline(self, children: Sequence[Token]) -> tuple[str, list[int]]:
        """The spoken words of an inline run and the footnotes it cites."""
        out: list[str] = []
        notes: list[int] = []
        link: list[str] | None = None  # the link's href, while inside one
        link_start = 0
        code_start: int | None = None  # where an HTML <code> element's text starts
        for index, child in enumerate(children):
            kind = child.type
            following = children[index + 1] if index + 1 < len(children) else None
            role = _ROLE.search(child.content) if kind == "text" else None
            if role and following is not None and following.type == "code_inline":
                # :label:`sec_intro`, {numref}`fig-x`: a cross-reference, not words
                out.append(self.emoji(child.content[: role.start()]))
                self.removed.append(Removal(role.group(0) + following.content, "cross-reference"))
                following.content = ""
            elif kind == "text":
                out.append(self.emoji(child.content))
            elif kind in ("softbreak", "hardbreak"):
                out.append(" ")
            elif kind == "code_inline" and child.content:
                out.append(self.code_span(child.content))
            elif kind == "link_open":
                link, link_start = [str(child.attrs.get("href", ""))], len(out)
            elif kind == "link_close" and link is not None:
                text = "".join(out[link_start:]).strip()
                if _BARE_URL.fullmatch(text):  # [https://x.org/a](...), <https://x.org/a>
                    self.removed.append(Removal(link[0], "link"))
                    out[link_start:] = [_host(text)]
                link = None
            elif kind == "image":
                alt = child.content or str(child.attrs.get("src", ""))
                self.removed.append(Removal(alt, "badge" if link is not None else "image"))
                if link is None:
                    self.picture(str(child.attrs.get("src", "")))
            elif kind == "html_inline" and re.fullmatch(r"<code\b[^>]*>", child.content, re.I):
                code_start = len(out)
            elif kind == "html_inline" and re.fullmatch(r"</code\s*>", child.content, re.I):
                if code_start is not None:  # <code>...</code> is inline code too
                    out[code_start:] = [self.code_span("".join(out[code_start:]))]
                code_start = None
            elif kind == "html_inline":
                out.append(self.html_inline(child.content))
            elif kind in ("math_inline", "math_inline_double"):
                out.append(self.math_inline(child.content))
            elif kind == "footnote_ref":
                notes.append(int(child.meta["id"]))
        return self.words("".join(out)), notes

    def emoji(self, text: str) -> str:
        """GitHub emoji short codes (``:sweat_smile:``) are listed, not read."""

        def drop(match: re.Match[str]) -> str:
            self.removed.append(Removal(match.group(0), "emoji"))
            return ""

        return _EMOJI.sub(drop, text) if ":" in text else text

    def words(self, text: str) -> str:
        """Macros, bare URLs and runs of white space out of running text."""
        text = _MACRO.sub(lambda m: _macro(m, self.removed), text)

        def url(match: re.Match[str]) -> str:
            self.removed.append(Removal(match.group(0), "link"))
            return _host(match.group(0))

        text = _BARE_URL.sub(url, text)
        return re.sub(r"\s+", " ", text).strip()

    def code_span(self, code: str) -> str:
        """Inline code: read as words when short and word-like (``rustup``, ``std::env``,
        ``get_or_init()``); a short span with symbols says its words (``Vec<T>``: "Vec T",
        listed); a symbol alone is itself (``$``); anything longer is "a code snippet"
        (listed)."""
        code = code.strip()
        words = re.sub(r"\(\)$", "", code)
        if len(words) <= MAX_INLINE_CODE_CHARS and _CODE_WORDS.fullmatch(words):
            return words.replace("::", " ")
        if len(code) <= 3 and not re.search(r"\w", code):
            return code  # `$`, `&&`, `|`: the symbol the sentence talks about
        if len(code) <= MAX_INLINE_CODE_CHARS and not _CODE_SYMBOLS.search(code):
            return code  # prose in code marks: `4,000,000+`, `300M downloads / week`
        self.removed.append(Removal(code, "inline code"))
        if len(code) <= MAX_INLINE_CODE_CHARS:
            found = [m.group(0) for m in re.finditer(_CODE_WORD, code)]
            if found:
                return " ".join(found).replace("::", " ")
        return INLINE_CODE

    def html_inline(self, tag: str) -> str:
        if tag.startswith("<!--"):
            self.removed.append(Removal(tag, "HTML comment"))
        elif re.match(r"<img\b", tag, re.IGNORECASE):
            self.html_text(tag)
        elif re.match(r"<br\b", tag, re.IGNORECASE):
            return " "
        return ""

    def math_inline(self, tex: str) -> str:
        simple = _simple_math(tex)
        if simple:
            return simple
        self.removed.append(Removal(tex, "math"))
        return INLINE_MATH
