"""The command line: parse options, call one library function, print.

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
from typing import Annotated, Any, TypeVar

import typer

from podcast.errors import PodcastError

app = typer.Typer(
    name="podcast",
    help="Turn written articles into chaptered podcast episodes, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: temporary folders are removed on the way out."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


def _interrupted_code(exc: KeyboardInterrupt) -> int:
    return 128 + signal.SIGTERM if isinstance(exc, Terminated) else 130


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
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
            typer.echo("interrupted", err=True)
            raise typer.Exit(_interrupted_code(exc)) from None
        except BrokenPipeError:
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


VoiceOption = Annotated[
    str, typer.Option("--voice", "-v", help="Voice config name (voices/NAME.toml).")
]


@app.command()
@user_errors
def build(
    sources: Annotated[
        list[str] | None,
        typer.Argument(help="Article files (.txt, .md, .html) or '-' for stdin. Default: seeds/."),
    ] = None,
    voice: VoiceOption = "default",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Folder for episodes. Default: episodes/.")
    ] = None,
    bitrate: Annotated[
        int, typer.Option("--bitrate", min=32, max=320, help="MP3 bitrate in kbps.")
    ] = 96,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Render every chunk again; ignore the cache.")
    ] = False,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Synthesis processes. Default: cores.")
    ] = None,
) -> None:
    """Build an episode folder (MP3, chapters, transcripts, manifest) per article."""
    from podcast.pipeline import BuildOptions
    from podcast.pipeline import build as run_build

    options = BuildOptions(
        voice=voice, out_dir=out, bitrate_kbps=bitrate, use_cache=not no_cache, workers=workers
    )
    for episode in run_build(sources or [], options):
        minutes, seconds = divmod(round(episode.duration_ms / 1000), 60)
        typer.echo(
            f"{episode.directory / episode.mp3_name}  {minutes}:{seconds:02d}  "
            f"{len(episode.chapters)} chapters"
        )


@app.command()
@user_errors
def script(
    source: Annotated[str, typer.Argument(help="Article file, or '-' for stdin.")],
    voice: VoiceOption = "default",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show the narration script: what will be said, chapter by chapter (no audio)."""
    from podcast.pipeline import load_script
    from podcast.project import find_project
    from podcast.voices import load_voice

    plan = load_script(source, load_voice(voice, find_project().voices_dir))
    if as_json:
        document = {
            "title": plan.title,
            "chapters": [
                {
                    "title": chapter.title,
                    "chunks": [
                        {"text": c.text, "spoken": c.spoken, "voice": c.voice}
                        for c in chapter.chunks
                    ],
                }
                for chapter in plan.chapters
            ],
            "removed": [{"text": r.text, "reason": r.reason} for r in plan.removed],
        }
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    typer.echo(f"# {plan.title}")
    for chapter in plan.chapters:
        typer.echo(f"\n## {chapter.title}\n")
        for chunk in chapter.chunks:
            typer.echo(chunk.spoken)
    if plan.removed:
        typer.echo("\n## Removed (not spoken)\n")
        for removal in plan.removed:
            typer.echo(f"- [{removal.reason}] {removal.text}")


@app.command()
@user_errors
def doctor() -> None:
    """Say which espeak-ng, ffmpeg and voices a build uses, and how to fix any problem."""
    from podcast.doctor import FAIL, build_can_work, run_checks

    checks = run_checks()
    for check in checks:
        typer.echo(f"{check.status:>8}  {check.name}: {check.detail}")
        if check.fix and check.status != "ok":
            typer.echo(f"{'':>8}  -> {check.fix}")
    if not build_can_work(checks):
        problems = sum(c.status == FAIL for c in checks)
        fail(f"{problems} problem(s) stop a build; see above")


def main() -> None:
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        app()
    except KeyboardInterrupt as exc:
        typer.echo("interrupted", err=True)
        sys.exit(_interrupted_code(exc))
