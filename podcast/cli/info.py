"""``podcast info``: read an episode back as players do."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from podcast.cli.common import echo, echo_json, user_errors


@user_errors
def info(
    mp3: Annotated[Path, typer.Argument(help="An episode MP3.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    no_loudness: Annotated[
        bool, typer.Option("--no-loudness", help="Skip the loudness measurement (faster).")
    ] = False,
) -> None:
    """Read an episode back as players do: tags, cover, chapters, duration, loudness."""
    from podcast.errors import InputError
    from podcast.inspect.info import read_episode

    if not mp3.is_file():
        raise InputError(f"{mp3}: no such file; give an episode MP3")
    found = read_episode(mp3, measure=not no_loudness)
    if as_json:
        echo_json(found.as_dict())
    else:
        echo("\n".join(found.lines()))
