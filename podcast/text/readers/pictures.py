"""Pictures an article shows in a section, for the chapter's image (readers note them).

A reader notes a picture only when it names a file beside the article (a relative path to a
PNG or JPEG); the build resolves it against the article's folder and checks the file
(``build/pictures.py``). A web address is never fetched for it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from podcast.models import HEADING, Block

_PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg")


def local_picture(src: str) -> bool:
    """Whether ``src`` names a picture file beside the article: a relative path ending in
    .png/.jpg/.jpeg, no scheme, no absolute path, no "..", no query."""
    src = src.strip()
    if not src or re.match(r"^[a-z][a-z0-9+.-]*:|^[/\\]", src, re.IGNORECASE):
        return False
    parts = re.split(r"[/\\]", src)
    return ".." not in parts and "?" not in src and src.lower().endswith(_PICTURE_SUFFIXES)


def with_pictures(blocks: list[Block], pictures: list[tuple[int, str]]) -> list[Block]:
    """``blocks`` with each section's first picture on its heading (a picture after the
    ``n``-th heading is that heading's; one before any heading is the first block's)."""
    blocks = list(blocks)
    headings = [i for i, b in enumerate(blocks) if b.kind == HEADING]
    for read, src in pictures:
        at = headings[read - 1] if read else 0
        if at < len(blocks) and not blocks[at].image:
            blocks[at] = replace(blocks[at], image=src)
    return blocks
