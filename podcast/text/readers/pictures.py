"""Pictures an article shows in a section, for the chapter's image (readers note them).

A reader notes a picture only when it names a file beside the article (a relative path to a
PNG or JPEG); ``beside`` (when the source is read) makes it a path in the article's folder, and
the build checks the file (``build/pictures.py``). A web address is never fetched for it: a
page read from the web or standard input has no chapter pictures.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

from podcast.models import HEADING, Article, Block

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


def beside(article: Article, source: str | None) -> Article:
    """``article`` with each picture as a path in the folder of ``source`` (an article file);
    none for standard input or a web page (``source`` None), nor for one leaving the folder."""
    if not any(block.image for block in article.blocks):
        return article
    folder = Path(source).resolve().parent if source else None
    blocks = []
    for block in article.blocks:
        path = (folder / unquote(block.image)).resolve() if folder and block.image else None
        image = str(path) if path and folder and path.is_relative_to(folder) else ""
        blocks.append(replace(block, image=image))
    return replace(article, blocks=tuple(blocks))
