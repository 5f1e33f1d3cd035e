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
    rich_markup_mode=None,  # plain help: rendering it with rich costs 60 ms of imports
)

F = TypeVar("F", bound=Callable[..., Any])


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: temporary folders are removed on the way out."""


_interrupted = False


def _on_interrupt(signum: int, frame: object) -> None:
    global _interrupted
    _interrupted = True
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _quiet_after_interrupt(unraisable: object) -> None:
    """After Ctrl-C, objects torn down half-built (a WAV writer interrupted in its constructor)
    would print "Exception ignored" noise; before it, such a message is a bug and shows."""
    if not _interrupted:
        sys.__unraisablehook__(unraisable)  # type: ignore[arg-type]


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


@app.command()
@user_errors
def build(
    sources: Annotated[
        list[str] | None,
        typer.Argument(help="Article files (.txt, .md, .html) or '-' for stdin. Default: seeds/."),
    ] = None,
    voice: VoiceOption = None,
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
    language: LangOption = None,
    cast: CastOption = None,
    rate: RateOption = None,
    show: ShowOption = None,
) -> None:
    """Build an episode folder (MP3, chapters, transcripts, manifest) per article."""
    from podcast.pipeline import BuildOptions
    from podcast.pipeline import build as run_build
    from podcast.progress import for_stderr

    options = BuildOptions(
        voice=voice,
        out_dir=out,
        bitrate_kbps=bitrate,
        use_cache=not no_cache,
        workers=workers,
        language=language,
        cast=tuple(cast or ()),
        rate_wpm=rate,
        show=show,
    )
    with for_stderr() as progress:
        episodes = run_build(sources or [], options, progress)
    for episode in episodes:
        minutes, seconds = divmod(round(episode.duration_ms / 1000), 60)
        typer.echo(
            f"{episode.directory / episode.mp3_name}  {minutes}:{seconds:02d}  "
            f"{len(episode.chapters)} chapters"
        )


@app.command()
@user_errors
def script(
    source: Annotated[str, typer.Argument(help="Article file, or '-' for stdin.")],
    voice: VoiceOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    language: LangOption = None,
    cast: CastOption = None,
    rate: RateOption = None,
    show: ShowOption = None,
) -> None:
    """Show the narration script: what will be said, chapter by chapter (no audio)."""
    from podcast.pipeline import BuildOptions, plan_episode, setup

    options = BuildOptions(
        voice=voice, language=language, cast=tuple(cast or ()), show=show, rate_wpm=rate
    )
    produced, _ = plan_episode(source, setup(options), language)
    plan = produced.script
    if as_json:
        document = {
            "title": plan.title,
            "language": plan.language,
            "chapters": [
                {
                    "title": chapter.title,
                    "chunks": [_chunk_json(c) for c in chapter.chunks],
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
            if chunk.audio:
                typer.echo(f"[audio: {chunk.audio}]")
            else:
                typer.echo(f"{chunk.speaker}: {chunk.spoken}" if chunk.speaker else chunk.spoken)
    if plan.removed:
        typer.echo("\n## Removed (not spoken)\n")
        for removal in plan.removed:
            typer.echo(f"- [{removal.reason}] {removal.text}")


@app.command()
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
    from podcast.info import read_episode

    if not mp3.is_file():
        raise InputError(f"{mp3}: no such file; give an episode MP3")
    found = read_episode(mp3, measure=not no_loudness)
    if as_json:
        typer.echo(json.dumps(found.as_dict(), indent=2, ensure_ascii=False))
    else:
        typer.echo("\n".join(found.lines()))


@app.command()
@user_errors
def publish(
    slugs: Annotated[
        list[str] | None,
        typer.Argument(help="Publish only these episodes (default: every built episode)."),
    ] = None,
    site: Annotated[Path, typer.Option("--site", help="Folder of the static site.")] = Path(
        "public"
    ),
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Where the site will live. Default: website in the show."),
    ] = None,
    remove: Annotated[
        list[str] | None, typer.Option("--remove", help="Take this episode (slug) out.")
    ] = None,
    episodes: Annotated[
        Path | None, typer.Option("--episodes", help="Built episodes. Default: episodes/.")
    ] = None,
    show: Annotated[
        Path | None,
        typer.Option("--show", help="Show config (TOML). Default: podcast.toml in the project."),
    ] = None,
) -> None:
    """Write a static site: feed.xml (RSS + itunes + podcast namespaces) and a page per episode."""
    from podcast.project import find_project
    from podcast.publish import publish as run_publish
    from podcast.show import load_show

    project = find_project()
    result = run_publish(
        episodes or project.episodes_dir,
        site,
        load_show(show, project.root),
        base_url=base_url,
        remove=tuple(remove or ()),
        only=tuple(slugs or ()),
    )
    for slug in result.removed:
        typer.echo(f"removed {slug}", err=True)
    for slug in result.added:
        typer.echo(f"added {slug}", err=True)
    typer.echo(f"{result.feed}  {len(result.episodes)} episodes")


@app.command()
@user_errors
def serve(
    site: Annotated[Path, typer.Option("--site", help="Folder of the static site.")] = Path(
        "public"
    ),
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port.")] = 8000,
) -> None:
    """Serve the published site on localhost (HEAD and byte ranges, so seeking works)."""
    from podcast.serve import make_server

    server = make_server(site, port)
    typer.echo(f"serving {site} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    finally:
        server.server_close()


def _chunk_json(chunk: Any) -> dict[str, str]:
    entry = {"text": chunk.text, "spoken": chunk.spoken, "voice": chunk.voice}
    if chunk.speaker:
        entry["speaker"] = chunk.speaker
    if chunk.audio:
        entry["audio"] = chunk.audio
    return entry


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


# The voices command group lives in its own module; it imports fail/user_errors from here.
from podcast.cli_voices import voices_app  # noqa: E402

app.add_typer(voices_app, name="voices")


def main() -> None:
    signal.signal(signal.SIGTERM, _on_interrupt)
    signal.signal(signal.SIGINT, _on_interrupt)
    sys.unraisablehook = _quiet_after_interrupt
    try:
        app()
    except KeyboardInterrupt as exc:
        typer.echo("interrupted", err=True)
        sys.exit(_interrupted_code(exc))
