"""Chapter pictures: the picture an article shows in a section becomes its chapter's image.

A reader notes a local picture per section (``Block.image``: a relative path as the article
wrote it, see ``text/readers/pictures.py``). ``resolve`` turns it into a path beside the
article, never outside its folder and never fetched from the web (a web page's pictures are
not chapter images). ``place`` checks each file when the episode is finished (a PNG or JPEG,
at most ``MAX_PICTURE_BYTES``), copies it into the episode folder as ``chapter-NN.png|jpg``
and says which pictures it left out and why (a warning; the picture itself is already listed
among what the article's reading removed).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from urllib.parse import unquote

from podcast.config.cover import image_info
from podcast.models import ChapterMark, Script

MAX_PICTURE_BYTES = 2 << 20  # chapter art is shown small; a bigger file is a mistake
PICTURE_NAME = re.compile(r"chapter-\d{2,3}\.(?:png|jpg)")  # what publish copies, no other


def picture_names() -> tuple[str, ...]:
    """Every name ``place`` can give (publish copies these, and only these, from a build)."""
    return tuple(f"chapter-{i:02d}.{ext}" for i in range(1, 256) for ext in ("png", "jpg"))


def resolve(script: Script, source: str) -> Script:
    """``script`` with each chapter's picture as a path beside ``source`` (an article file);
    no pictures for standard input or a web address, nor for one that leaves the folder."""
    if not any(chapter.image for chapter in script.chapters):
        return script
    folder = None if source == "-" or "://" in source else Path(source).resolve().parent
    chapters = []
    for chapter in script.chapters:
        image = ""
        if chapter.image and folder is not None:
            path = (folder / unquote(chapter.image)).resolve()
            image = str(path) if path.is_relative_to(folder) else ""
        chapters.append(dataclasses.replace(chapter, image=image))
    return dataclasses.replace(script, chapters=tuple(chapters))


def place(marks: tuple[ChapterMark, ...], work: Path) -> tuple[tuple[ChapterMark, ...], list[str]]:
    """``marks`` with each usable picture copied into ``work`` (``image``: its path there), and
    a warning for each picture left out."""
    placed: list[ChapterMark] = []
    warnings: list[str] = []
    for number, mark in enumerate(marks, start=1):
        if not mark.image:
            placed.append(mark)
            continue
        name, problem = _copy(Path(mark.image), work, number)
        if problem:
            warnings.append(
                f"chapter {mark.title!r} gets no picture: {Path(mark.image).name}: {problem}"
            )
        placed.append(dataclasses.replace(mark, image=str(work / name) if name else ""))
    return tuple(placed), warnings


def _copy(path: Path, work: Path, number: int) -> tuple[str, str]:
    """(the name in ``work``, "") or ("", what is wrong)."""
    try:
        if not path.is_file():
            return "", "no such file beside the article"
        if path.stat().st_size > MAX_PICTURE_BYTES:
            return "", f"over {MAX_PICTURE_BYTES >> 20} MB"
        data = path.read_bytes()
    except OSError as exc:
        return "", f"cannot read it: {exc.strerror}"
    info = image_info(data)
    if info is None or not info.width or not info.height:
        return "", "not a PNG or JPEG image"
    name = f"chapter-{number:02d}.{'png' if info.format == 'png' else 'jpg'}"
    (work / name).write_bytes(data)
    return name, ""
