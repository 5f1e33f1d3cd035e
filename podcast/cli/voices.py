"""``podcast voices ...``: list, show, check, preview and create voice configs.

A thin layer over ``podcast.inspect.voice_tools`` and ``podcast.config.voices``: parse, call, print.
Results go to stdout, problems to stderr; ``check`` exits 1 when any voice has a problem.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from podcast.cli.common import fail, user_errors

voices_app = typer.Typer(
    name="voices",
    help="List, show, check, preview and create voice configs (voices/NAME.toml).",
    no_args_is_help=True,
)

NameArgument = Annotated[str, typer.Argument(help="Voice name (voices/NAME.toml).")]
RateOption = Annotated[
    int | None, typer.Option("--rate", help="Override the rate (words per minute).")
]
PitchOption = Annotated[int | None, typer.Option("--pitch", help="Override the pitch (0-99).")]
EngineVoiceOption = Annotated[
    str | None, typer.Option("--engine-voice", help="Override the engine voice id.")
]


def _voices_dir() -> Path:
    from podcast.project import find_project

    return find_project().voices_dir


@voices_app.command("list")
@user_errors
def list_command(
    lang: Annotated[
        str | None, typer.Option("--lang", help="Only voices for this language (en, en-gb).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Configured voices, and the voices the installed engines offer."""
    from podcast.inspect.voice_tools import list_voices

    listing = list_voices(_voices_dir(), lang)
    if as_json:
        document: dict[str, Any] = {
            "configured": [
                {
                    "name": c.name,
                    "source": c.source,
                    "ok": c.ok,
                    "unavailable": c.unavailable or None,
                    "engine_voice": c.engine_voice,
                    "language": listing.configured_voices[c.name].language
                    if c.name in listing.configured_voices
                    else None,
                    "problems": [str(p) for p in c.problems],
                }
                for c in listing.configured
            ],
            "engine": [
                {"id": v.id, "name": v.name, "languages": list(v.languages), "engine": v.engine}
                for v in listing.engine
            ],
        }
        document |= {extra.key: list(extra.values) for extra in listing.extras}
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    typer.echo("Configured voices:")
    for check in listing.configured:
        voice = listing.configured_voices.get(check.name)
        if check.unavailable:
            typer.echo(f"  {check.name:<12} UNAVAILABLE  {check.unavailable}")
        elif voice is None:
            typer.echo(f"  {check.name:<12} PROBLEM  {check.problems[0]}")
        else:
            typer.echo(f"  {check.name:<12} {check.engine_voice:<22} ({check.source})")
    for extra in listing.extras:
        typer.echo(f"\n{extra.title}: {' '.join(extra.values) or 'none'}")
    typer.echo(f"\nEngine voices ({len(listing.engine)}):")
    for engine_voice in listing.engine:
        typer.echo(
            f"  {engine_voice.id:<22} {engine_voice.name:<28} {','.join(engine_voice.languages)}"
        )


@voices_app.command("show")
@user_errors
def show_command(
    name: NameArgument,
    rate: RateOption = None,
    pitch: PitchOption = None,
    engine_voice: EngineVoiceOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """The effective settings of a voice and where each one came from."""
    from podcast.config.voices import load_voice
    from podcast.inspect.voice_tools import effective_settings

    voice = load_voice(name, _voices_dir(), rate_wpm=rate, pitch=pitch, engine_voice=engine_voice)
    rows = effective_settings(voice)
    if as_json:
        document = {key: {"value": value, "from": origin} for key, value, origin in rows}
        typer.echo(json.dumps({"name": voice.name, "settings": document}, indent=2,
                              ensure_ascii=False))  # fmt: skip
        return
    typer.echo(f"voice '{voice.name}'")
    for key, value, origin in rows:
        typer.echo(f"  {key:<20} {json.dumps(value, ensure_ascii=False):<22} {origin}")


@voices_app.command("check")
@user_errors
def check_command(
    names: Annotated[
        list[str] | None, typer.Argument(help="Voices to check. Default: every voice.")
    ] = None,
) -> None:
    """Validate every voice config (keys, ranges, engine voice ids); exit 1 on any problem."""
    from podcast.inspect.voice_tools import check_voices

    results = check_voices(_voices_dir(), names or None)
    problems = 0
    for result in results:
        if result.ok:
            typer.echo(f"ok       {result.name}: {result.engine_voice} ({result.source})")
        elif result.unavailable:
            typer.echo(f"unavailable  {result.name}: {result.unavailable}")
        for problem in result.problems:
            problems += 1
            typer.echo(f"problem  {result.name}: {problem}", err=True)
    if problems:
        bad = sum(bool(r.problems) for r in results)
        fail(f"{problems} problem(s) in {bad} of {len(results)} voice(s); fix them and check again")


@voices_app.command("preview")
@user_errors
def preview_command(
    name: NameArgument,
    text: Annotated[
        str | None, typer.Option("--text", help="What to say. Default: numbers and a quote.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Audio file to write. Default: NAME in episodes/previews/."
        ),
    ] = None,
    rate: RateOption = None,
    pitch: PitchOption = None,
    engine_voice: EngineVoiceOption = None,
) -> None:
    """Render a short sample with a voice and print where it is."""
    from podcast import formats
    from podcast.config.voices import load_voice
    from podcast.inspect.voice_tools import PREVIEW_TEXT, preview_voice
    from podcast.project import find_project

    project = find_project()
    voice = load_voice(name, project.voices_dir, rate_wpm=rate, pitch=pitch,
                       engine_voice=engine_voice)  # fmt: skip
    suffix = formats.default().suffix
    target = out or project.episodes_dir / "previews" / f"{voice.name}{suffix}"
    typer.echo(str(preview_voice(voice, target, text or PREVIEW_TEXT)))


@voices_app.command("new")
@user_errors
def new_command(
    name: NameArgument,
    based_on: Annotated[
        str | None, typer.Option("--from", help="Start from this voice's settings.")
    ] = None,
) -> None:
    """Write voices/NAME.toml, a commented config to start from."""
    from podcast.inspect.voice_tools import new_voice

    typer.echo(str(new_voice(name, _voices_dir(), based_on)))
