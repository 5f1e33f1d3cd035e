"""The ``podcast`` command's entry point.

``podcast --help`` is answered from the help text kept beside the CLI (``cli/help.txt``, the
Typer app's own output, which ``tests/test_cli.py`` compares with what the app prints), so the
most common first command does not import Typer and every command module (about 150 ms).
Anything else goes to ``podcast.cli.main``. The kept text is used only where the app would
print exactly it: the program is called ``podcast`` and the terminal is at least 80 columns
wide (Typer wraps help text to the terminal, up to 80 columns).
"""

from __future__ import annotations

import os
import sys

HELP_FILE = os.path.join(os.path.dirname(__file__), "cli", "help.txt")
HELP_COLUMNS = 80  # Typer (click) wraps help to min(terminal width, 80)


def _columns() -> int:
    """The terminal's width as click reads it (shutil.get_terminal_size's rules)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or HELP_COLUMNS


def kept_help() -> str | None:
    """The kept ``podcast --help`` text, or None when the app must print it itself."""
    if os.path.basename(sys.argv[0]) != "podcast" or _columns() < HELP_COLUMNS:
        return None
    try:
        with open(HELP_FILE, encoding="utf-8") as fh:
            return fh.read()
    except OSError:
        return None


def main() -> None:
    if sys.argv[1:] == ["--help"]:
        text = kept_help()
        if text:
            sys.stdout.write(text)
            sys.stdout.flush()
            return
    from podcast.cli import main as cli_main

    cli_main()
