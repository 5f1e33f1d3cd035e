"""Article bytes to text: UTF-8 or UTF-16 (with or without a byte-order mark), else a legacy
8-bit encoding (Windows-1252, Latin-1, ...) when charset-normalizer is confident; binary files,
UTF-8 mixed with another encoding and text whose encoding is unclear are refused with a message
that says what to do.

A legacy encoding is said once per source, as a warning of the ``podcast`` logger: with no
logging set up (the command line) Python prints it on stderr as one line, "read a.txt as
windows-1252 (not UTF-8)"; a program using the library can route or silence it.

Readers of text formats call :func:`decode` inside their ``read``; a binary format (EPUB)
never does. :func:`peek` is the lenient version for sniffing the first bytes.
"""

from __future__ import annotations

import logging
import re

from podcast.errors import InputError

LOG = logging.getLogger("podcast")

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

    Line ends (LF, CRLF, CR, and CR CR LF) come out as ``\\n``. ``name`` is the source's
    display name, used in messages.
    """
    shown = STDIN_WORDS if name == STDIN_NAME else name
    raw, encoding = _encoding(raw)
    if not encoding:
        raise InputError(f"{shown}: looks like a binary file, not text; give an article file")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8":
            raise InputError(
                f"{shown}: not valid {encoding.upper()} (byte {exc.start}); "
                "re-save the file as UTF-8"
            ) from exc
        text = _legacy(raw, shown, exc.start)
    # CR CR LF is one line end (teletype bulletins; CRLF converted twice), not two.
    return text.replace("\r\r\n", "\n").replace("\r\n", "\n").replace("\r", "\n")


# A multi-byte UTF-8 character: text holding these besides invalid bytes is UTF-8 spoiled by
# pasted text in another encoding; decoding it all as one 8-bit encoding would be mojibake.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
# How much "mess" (charset-normalizer's chaos: odd symbol runs, accents in odd places) a
# decoding may show and still count as confident.
MAX_CHAOS = 0.2
MAX_CHAOS_OTHER = 0.1  # stricter for encodings other than the Western ones
_NAMES = {"cp1252": "windows-1252", "latin_1": "ISO-8859-1"}


def _legacy(raw: bytes, shown: str, bad_byte: int) -> str:
    """Text that is not UTF-8: decoded with a legacy encoding charset-normalizer is sure of,
    Windows-1252 first (most such files are Western European), said once on the log."""
    from charset_normalizer import from_bytes

    if _controls(raw) > MAX_CONTROLS:
        raise InputError(f"{shown}: looks like a binary file, not text; give an article file")
    if _UTF8_SEQUENCE.search(raw):
        raise InputError(
            f"{shown}: mixes UTF-8 with another encoding (byte {bad_byte}); "
            "re-save the file as UTF-8"
        )
    western = from_bytes(raw, cp_isolation=["cp1252"], threshold=MAX_CHAOS).best()
    if western is not None and not _C1_UNDEFINED.intersection(raw):
        # Without bytes 0x80-0x9F, Windows-1252 and Latin-1 read the same: name the usual one.
        encoding = "cp1252" if any(0x80 <= b <= 0x9F for b in raw) else "latin_1"
    else:
        best = from_bytes(raw, threshold=MAX_CHAOS_OTHER).best()
        if best is None or best.coherence < MIN_COHERENCE:
            raise InputError(
                f"{shown}: not valid UTF-8 (byte {bad_byte}) and its encoding is unclear; "
                "re-save the file as UTF-8"
            )
        encoding = best.encoding
    LOG.warning("read %s as %s (not UTF-8)", shown, _NAMES.get(encoding, encoding))
    return raw.decode(encoding)


def _controls(raw: bytes) -> float:
    """The share of control bytes (not tab, line or page ends): text has next to none."""
    sample = raw[:65536]
    return sum(b < 0x20 and b not in b"\t\n\r\f" for b in sample) / max(len(sample), 1)


MAX_CONTROLS = 0.01
MIN_COHERENCE = 0.2  # a language recognised in the decoded words (other encodings only)
# Bytes Windows-1252 leaves undefined: control codes, never in a Windows-1252 text.
_C1_UNDEFINED = frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D})


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
