"""Article bytes to text: UTF-8 or UTF-16 (with or without a byte-order mark); anything else
(Latin-1, binary files) is refused with a message that says what to do.

Readers of text formats call :func:`decode` inside their ``read``; a binary format (EPUB)
never does. :func:`peek` is the lenient version for sniffing the first bytes.
"""

from __future__ import annotations

from podcast.errors import InputError

# How standard input is named in an Article and in most messages ("<stdin>: is empty"); the
# decoding and size messages say "standard input" in words, as they always have.
STDIN_NAME = "<stdin>"
STDIN_WORDS = "standard input"

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def decode(raw: bytes, name: str) -> str:
    """Decode article bytes: UTF-8 or a BOM-marked UTF-16; anything else is refused clearly.

    Line ends come out as ``\\n``. ``name`` is the source's display name, used in messages.
    """
    shown = STDIN_WORDS if name == STDIN_NAME else name
    raw, encoding = _encoding(raw)
    if not encoding:
        raise InputError(f"{shown}: looks like a binary file, not text; give an article file")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        hint = ""
        if encoding == "utf-8" and _looks_latin1(raw):
            hint = (
                " It looks like Latin-1/Windows-1252: convert it with `iconv -f cp1252 -t utf-8`."
            )
        raise InputError(
            f"{shown}: not valid {encoding.upper()} (byte {exc.start}); re-save the file as UTF-8."
            + hint
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def peek(head: bytes) -> str:
    """The first bytes of a source as text, never failing: for a reader's ``sniff``.

    Decoded like :func:`decode` (so UTF-16 HTML is recognised too), with undecodable bytes
    (a character cut at the end of the head, a binary file) replaced.
    """
    head, encoding = _encoding(head)
    if encoding.startswith("utf-16") and len(head) % 2:
        head = head[:-1]
    return head.decode(encoding or "utf-8", errors="replace")


def _encoding(raw: bytes) -> tuple[bytes, str]:
    """The bytes without their byte-order mark and their encoding ("" for a binary file)."""
    encoding = "utf-8"
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            raw, encoding = raw[len(bom) :], enc
            break
    if b"\x00" in raw and encoding == "utf-8":
        encoding = _utf16_without_bom(raw) or ""
    return raw, encoding


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 without a byte-order mark: mostly-ASCII text has a zero in every other byte."""
    sample = raw[:4000]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _looks_latin1(raw: bytes) -> bool:
    """High bytes that are Latin letters in Windows-1252 and no C1 control codes."""
    high = [b for b in raw if b >= 0x80]
    return bool(high) and not any(0x80 <= b <= 0x9F and b not in _CP1252_PRINTABLE for b in high)


_CP1252_PRINTABLE = frozenset(range(0x80, 0xA0)) - {0x81, 0x8D, 0x8F, 0x90, 0x9D}
