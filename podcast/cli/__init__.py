"""The command line: parse options, call one library function, print.

One small module per command group (``episodes``, ``info``, ``site``, ``doctor``, ``voices``),
joined here.
Heavy modules (pyttsx3, pydub, mutagen, num2words) are imported inside the commands so that
``podcast --help`` starts fast. Errors a user can fix print one line on stderr and exit 1;
usage errors exit 2; Ctrl-C exits 130.
"""

from __future__ import annotations

import signal
import sys

import typer

from podcast.cli import doctor, episodes, info, site
from podcast.cli.common import interrupted_code, on_interrupt, quiet_after_interrupt
from podcast.cli.voices import voices_app

app = typer.Typer(
    name="podcast",
    help="Turn written articles into chaptered podcast episodes, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rendering it with rich costs 60 ms of imports
)

for command in (episodes.build, episodes.script, info.info, site.publish, site.serve,
                doctor.doctor):  # fmt: skip
    app.command()(command)
app.add_typer(voices_app, name="voices")


def main() -> None:
    signal.signal(signal.SIGTERM, on_interrupt)
    signal.signal(signal.SIGINT, on_interrupt)
    sys.unraisablehook = quiet_after_interrupt
    try:
        app()
    except KeyboardInterrupt as exc:
        typer.echo("interrupted", err=True)
        sys.exit(interrupted_code(exc))
