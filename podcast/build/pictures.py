"""Pictures in an episode: the show's cover art, and chapter pictures: the picture an article shows in a section becomes its chapter's image.

A reader notes a local picture per section (``Block.image``), and reading the source makes it
a path beside the article file (``text/readers/pictures.py``: never outside its folder, never
fetched from the web). ``place`` checks each file when the episode is finished (a PNG or JPEG,
at most ``MAX_PICTURE_BYTES``), copies it into the episode folder as ``chapter-NN.png|jpg``
and says which pictures it left out and why (a warning; the picture itself is already listed
among what the article's reading removed).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from podcast.config.cover import image_info
from podcast.models import ChapterMark

MAX_PICTURE_BYTES = 2 << 20  # chapter art is shown small; a bigger file is a mistake


def cover_art(cover: Path | None) -> tuple[bytes, str]:
    """The show's cover (checked when the show was loaded) and its MIME type; none: empty."""
    if cover is None:
        return b"", ""
    data = cover.read_bytes()
    info = image_info(data)
    return data, info.mime if info else "image/png"


def picture_names() -> tuple[str, ...]:
    """Every name ``place`` can give (publish copies these, and only these, from a build)."""
    return tuple(f"chapter-{i:02d}.{ext}" for i in range(1, 256) for ext in ("png", "jpg"))


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
