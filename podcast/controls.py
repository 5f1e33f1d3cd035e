"""Control characters: what they are, how to show them and how to strip them (one place for
the article's text, the show config and everything printed on a terminal)."""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, and the C1 controls. (A carriage return is a line
# break: it becomes a newline first.)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A terminal escape sequence goes whole (not just its ESC, which would leave "[31m" to be
# spoken): CSI (ESC [ ... final byte, or its C1 form) and OSC (ESC ] ... BEL or ESC \).
_CSI = r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
_OSC = r"(?:\x1b\]|\x9d)[^\x00-\x1f\x9c]*(?:\x07|\x1b\\|\x9c)"
_SEQUENCE = f"{_CSI}|{_OSC}"
STRIPPED = re.compile(f"{_SEQUENCE}|{CONTROL.pattern}")


def escape_controls(text: str) -> str:
    """``text`` with each control character (not tab or newline) shown as ``\\xNN``."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def strip_controls(text: str) -> str:
    """``text`` without control characters (tab and newline stay; a carriage return becomes a
    newline)."""
    return STRIPPED.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
