"""The Reader protocol and the registry that picks a reader for a source.

A source is read as bytes first (a path, or ``-`` for standard input); the reader is then
picked from its first bytes and its name, and only the reader decodes (a text reader calls
:func:`podcast.text.readers.decode.decode`; a binary format such as EPUB would not):

1. a reader *certain* from the content (a signature such as ``<!doctype html``) wins, so
   misnamed files and standard input are read right;
2. otherwise the reader that claims the name's suffix;
3. otherwise a reader that finds the content *likely* its own (Markdown headings);
4. otherwise the fallback reader (plain text).

A web address (``https://...``) is fetched first (:mod:`podcast.text.readers.url`); its content
type stands in for the suffix.

The suffixes of the registered readers are the one list of supported inputs: folder scanning
(:func:`articles_in`), messages and help (:func:`supported_inputs`) all read it from here.
Built-in readers are :class:`ModuleReader` entries (a name, suffixes and the module holding
``sniff`` and ``read``), so that list costs no parser import.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Protocol

from podcast.errors import InputError
from podcast.text.readers.decode import STDIN_NAME, STDIN_WORDS

if TYPE_CHECKING:
    from podcast.models import Article

MB = 1024 * 1024
# The largest source read at all (a whole Gutenberg novel is 1-5 MB). Text is planned in
# memory about seven times its size (see docs/performance.md).
MAX_INPUT_BYTES = 50 * MB
# Formats a parser reads whole into a tree (HTML's DOM, Markdown's token stream: about ten
# to twenty times the file in memory) have a lower limit of their own, checked before the
# source is read: reader name -> (what it is called in the message, the limit in bytes).
READ_WHOLE_LIMITS: dict[str, tuple[str, int]] = {
    "html": ("HTML", 5 * MB),  # lxml + trafilatura: about 56 MB of memory per MB of page
    "markdown": ("Markdown", 20 * MB),
}
STDIN = "-"
# How many first bytes a reader's sniff sees.
HEAD_BYTES = 4096

# What a reader's sniff says about the first bytes.
NOT_MINE = 0
LIKELY = 1  # signs of the format (Markdown headings): heeded when no reader claims the suffix
CERTAIN = 2  # a signature (``<!doctype html``, a ZIP holding an EPUB mimetype): beats the suffix


class Reader(Protocol):
    """One input format: what it is called, which file names and first bytes it claims, and
    how its bytes become an Article."""

    @property
    def name(self) -> str:
        """A short name ("markdown"), unique among the readers."""
        ...

    @property
    def suffixes(self) -> tuple[str, ...]:
        """The file suffixes it reads, lower case with the dot, the usual one first
        ((".md", ".markdown")); may be empty for a reader that only sniffs."""
        ...

    def sniff(self, head: bytes) -> int:
        """NOT_MINE, LIKELY or CERTAIN, from the first HEAD_BYTES bytes (fewer for a short
        source; possibly cut inside a character)."""
        ...

    def read(self, data: bytes, name: str) -> Article:
        """The Article in ``data``; ``name`` is the source's display name (a path, or
        ``<stdin>``), used in messages and as ``Article.source``. Raises InputError."""
        ...


@dataclass(frozen=True)
class ModuleReader:
    """A reader whose ``sniff(head)`` and ``read(data, name)`` are the functions of a module,
    imported on first use: listing the supported inputs (``podcast --help``) imports no
    parser. Every built-in reader is one of these.
    """

    name: str
    suffixes: tuple[str, ...]
    module: str  # "podcast.text.readers.markdown"

    def _code(self) -> ModuleType:
        return importlib.import_module(self.module)

    def sniff(self, head: bytes) -> int:
        score: int = self._code().sniff(head)
        return score

    def read(self, data: bytes, name: str) -> Article:
        article: Article = self._code().read(data, name)
        return article


_READERS: list[Reader] = []
_FALLBACK: list[Reader] = []


def register(reader: Reader, *, fallback: bool = False) -> Reader:
    """Add ``reader``; a name or suffix that another reader already has is a mistake.

    ``fallback`` marks the reader for sources nothing else claims (plain text).
    """
    for other in _READERS:
        if other.name == reader.name:
            raise ValueError(f"a reader named {reader.name!r} is already registered")
        shared = set(other.suffixes) & set(reader.suffixes)
        if shared:
            raise ValueError(f"{other.name!r} already reads {', '.join(sorted(shared))}")
    _READERS.append(reader)
    if fallback:
        _FALLBACK[:] = [reader]
    return reader


def unregister(name: str) -> None:
    """Remove the reader called ``name`` (to replace a built-in one, or after a test)."""
    _READERS[:] = [r for r in _READERS if r.name != name]
    _FALLBACK[:] = [r for r in _FALLBACK if r.name != name]


def readers() -> tuple[Reader, ...]:
    """The registered readers, in registration order."""
    return tuple(_READERS)


def suffixes() -> tuple[str, ...]:
    """Every suffix some reader claims: the files a folder's articles are."""
    return tuple(s for reader in _READERS for s in reader.suffixes)


def supported_inputs(last: str = ", ") -> str:
    """Each reader's usual suffix, for messages and help: ".txt, .md, .html, .epub" (with
    ``last=" or "``: ".txt, .md, .html or .epub")."""
    names = [reader.suffixes[0] for reader in _READERS if reader.suffixes]
    return last.join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def articles_in(folder: Path) -> list[Path]:
    """The article files directly inside ``folder`` (a suffix some reader claims), in name
    order."""
    claimed = suffixes()
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in claimed)


def pick(head: bytes, name: str, suffix: str | None = None) -> Reader:
    """The reader for a source whose first bytes are ``head`` (see the module docstring).

    ``suffix`` stands in for the name's own (a fetched page's content type says ".html")."""
    sniffed = [(reader.sniff(head), reader) for reader in _READERS]
    for score, reader in sniffed:
        if score >= CERTAIN:
            return reader
    if suffix is None:
        suffix = Path(name).suffix.lower() if name != STDIN_NAME else ""
    for reader in _READERS:
        if suffix and suffix in reader.suffixes:
            return reader
    for score, reader in sniffed:
        if score >= LIKELY:
            return reader
    if not _FALLBACK:
        raise InputError(f"{name}: no reader for this file; give a {supported_inputs(' or ')}")
    return _FALLBACK[0]


def read_bytes(data: bytes, name: str, suffix: str | None = None) -> Article:
    """The Article in ``data`` (the whole source), read by the reader :func:`pick` chooses."""
    reader = pick(data[:HEAD_BYTES], name, suffix)
    check_size(reader, len(data), name)
    article = reader.read(data, name)
    if not any(block.text.strip() for block in article.blocks) and not article.title.strip():
        raise InputError(f"{name}: is empty; give an article with some text")
    return article


def is_url(source: str) -> bool:
    """True for an ``http://`` or ``https://`` address."""
    return source[:8].lower().startswith(("http://", "https://"))


def check_size(reader: Reader, size: int, name: str) -> None:
    """Refuse a source of ``size`` bytes over its format's own limit (READ_WHOLE_LIMITS)."""
    label, limit = READ_WHOLE_LIMITS.get(reader.name, ("", MAX_INPUT_BYTES))
    if label and size > limit:
        shown = STDIN_WORDS if name == STDIN_NAME else name
        raise InputError(
            f"{shown}: is {size / MB:.1f} MB, and {label} is read whole with a limit of "
            f"{limit // MB} MB; split it, or convert it to plain text"
        )


def read_source(source: str) -> Article:
    """Read ``source`` (a path, ``-`` for standard input, or an ``http(s)://`` address) into
    an Article. A fetched page's address (after redirects) becomes ``Article.url``."""
    from podcast.text.readers.pictures import beside

    if is_url(source):
        from podcast.text.readers.url import fetch  # the network stack only for a web address

        page = fetch(source, MAX_INPUT_BYTES)
        article = read_bytes(page.data, source, page.suffix)
        return replace(beside(article, None), url=page.url)  # no picture is fetched
    data, name = _load(source)
    return beside(read_bytes(data, name), None if source == STDIN else source)


def _load(source: str) -> tuple[bytes, str]:
    """The bytes of ``source`` (at most MAX_INPUT_BYTES, or its format's own limit) and its
    display name. A file's size is checked before it is read."""
    if source == STDIN:
        head = sys.stdin.buffer.read(HEAD_BYTES)
        reader = pick(head, STDIN_NAME)
        limit = READ_WHOLE_LIMITS.get(reader.name, ("", MAX_INPUT_BYTES))[1]
        rest = sys.stdin.buffer.read(min(limit, MAX_INPUT_BYTES) + 1 - len(head))
        data = _limited(head + rest, STDIN_WORDS)
        check_size(reader, len(data), STDIN_NAME)  # stops reading one byte over the limit
        return data, STDIN_NAME
    path = Path(source)
    if not path.exists():
        raise InputError(f"{source}: no such file; check the path")
    if path.is_dir():
        raise InputError(
            f"{source}: is a folder; give an article file ({supported_inputs(' or ')})"
        )
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size  # 0 for a pipe: then the reads stop it
            head = fh.read(HEAD_BYTES)
            check_size(pick(head, str(path)), size, str(path))  # its format's own limit first
            _limited(b"", source, size)
            if fh.seekable():  # read in one piece: ``head + rest`` would copy it all
                fh.seek(0)
                raw = fh.read(MAX_INPUT_BYTES + 1)
            else:
                raw = head + fh.read(MAX_INPUT_BYTES + 1 - len(head))
    except OSError as exc:
        raise InputError(
            f"{source}: cannot be read ({exc.strerror}); check its permissions"
        ) from exc
    return _limited(raw, source), str(path)


def _limited(raw: bytes, shown: str, size: int = 0) -> bytes:
    """``raw``, unless it (or a file of ``size`` bytes) is over MAX_INPUT_BYTES."""
    if max(len(raw), size) > MAX_INPUT_BYTES:
        raise InputError(
            f"{shown}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB; split the article"
        )
    return raw
