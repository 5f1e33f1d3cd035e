"""What every command shares: one clear line for user errors, exit codes, common options.

Heavy modules (pyttsx3, pydub, mutagen, num2words) are imported inside the commands so that
``podcast --help`` starts fast. Errors a user can fix print one line on stderr and exit 1;
usage errors exit 2; Ctrl-C exits 130.
"""

from __future__ import annotations

import functools
import json
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from podcast.controls import CONTROL, escape_controls
from podcast.errors import PodcastError

if TYPE_CHECKING:
    from podcast.compiled import Memo

F = TypeVar("F", bound=Callable[..., Any])


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: temporary folders are removed on the way out."""


_interrupted = False


def on_interrupt(signum: int, frame: object) -> None:
    global _interrupted
    _interrupted = True
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def quiet_after_interrupt(unraisable: object) -> None:
    """After Ctrl-C, objects torn down half-built (a WAV writer interrupted in its constructor)
    would print "Exception ignored" noise; before it, such a message is a bug and shows."""
    if not _interrupted:
        sys.__unraisablehook__(unraisable)  # type: ignore[arg-type]


def interrupted_code(exc: KeyboardInterrupt) -> int:
    return 128 + signal.SIGTERM if isinstance(exc, Terminated) else 130


def before_threads(cache: str | None = None, use_cache: bool = True) -> Memo | None:
    """What the command's process (ours, not a library caller's) sets before a build starts
    its threads: one malloc arena (``toolchain.one_malloc_arena``), and, unless the build uses
    no cache, the patterns it compiles kept in the cache its ``--cache`` names (returned:
    ``save`` it once the build is done; ``podcast.compiled``)."""
    from podcast import compiled
    from podcast.toolchain import one_malloc_arena

    one_malloc_arena()
    return compiled.remember(compiled.cache_folder(cache)) if use_cache else None


def echo(text: str, err: bool = False) -> None:
    """Print ``text`` with its control characters shown as ``\\xNN``: an article's or a file
    name's escape sequences must never drive the terminal (set its title, clear the screen)."""
    typer.echo(escape_controls(text), err=err)


def echo_json(document: object) -> None:
    """Print ``document`` as JSON; the controls JSON leaves raw (DEL, C1) as ``\\u00NN``."""
    echo_json_text(json.dumps(document, indent=2, ensure_ascii=False))


def echo_json_text(text: str) -> None:
    """Print JSON text (a whole document, or a line of one printed piece by piece)."""
    typer.echo(CONTROL.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text))


def fail(message: str, code: int = 1) -> None:
    echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def user_errors(command: F) -> F:
    """One clear line on stderr instead of a traceback for problems the user can fix."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PodcastError as exc:
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt as exc:
            echo("interrupted", err=True)
            raise typer.Exit(interrupted_code(exc)) from None
        except BrokenPipeError:
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


VoiceOption = Annotated[
    str | None,
    typer.Option("--voice", "-v", help="Voice config name. Default: the show's, or 'default'."),
]
CastOption = Annotated[
    list[str] | None,
    typer.Option("--cast", help="Who reads what: 'quotes=quote', 'Musk=anchor' (repeatable)."),
]
RateOption = Annotated[
    int | None, typer.Option("--rate", help="Override the narrator's words per minute.")
]
ShowOption = Annotated[
    Path | None,
    typer.Option("--show", help="Show config (TOML). Default: podcast.toml in the project."),
]
LangOption = Annotated[
    str | None,
    typer.Option("--lang", help="Article language (e.g. en, fr). Default: metadata or detected."),
]
