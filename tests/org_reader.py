"""A tiny Emacs Org-mode reader (``#+TITLE:``, ``* headings``, paragraphs), written as a new
contributor would write a reader: this one module, plus one registry line (in test_readers)."""

from __future__ import annotations

import re
from pathlib import Path

from podcast.models import HEADING, PARAGRAPH, Article, Block
from podcast.text.readers import CERTAIN, NOT_MINE
from podcast.text.readers.decode import decode


def sniff(head: bytes) -> int:
    return CERTAIN if head.lstrip().upper().startswith(b"#+TITLE:") else NOT_MINE


def read(data: bytes, name: str) -> Article:
    title, blocks = "", []
    for paragraph in decode(data, name).split("\n\n"):
        line = " ".join(paragraph.split())
        if line.upper().startswith("#+TITLE:"):
            title = line[len("#+TITLE:") :].strip()
        elif stars := re.match(r"(\*+) ", line):
            blocks.append(Block(HEADING, line[len(stars.group(0)) :], len(stars.group(1)) + 1))
        elif line:
            blocks.append(Block(PARAGRAPH, line))
    return Article(title=title or Path(name).stem, blocks=tuple(blocks), source=name)
