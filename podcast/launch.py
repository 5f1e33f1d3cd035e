"""The ``podcast`` command's entry point.

``podcast --help`` is answered from the help text kept beside the CLI (``cli/help.txt``, the
Typer app's own output, which ``tests/test_cli.py`` compares with what the app prints), so the
most common first command does not import Typer and every command module (about 150 ms).
The kept text is used only where the app would print exactly it: the program is called
``podcast`` and the terminal is at least 80 columns wide (Typer wraps help text to the
terminal, up to 80 columns). ``podcast build [ARTICLE ...] [--out DIR]`` with nothing changed
is answered here too, from the build's stamps (``up_to_date_build``). Anything else goes to
``podcast.cli.main``.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

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


def up_to_date_build(args: list[str]) -> list[str] | None:
    """The lines of ``podcast build [ARTICLE ...] [--out DIR]`` when nothing changed since the
    build that stamped them (``build.uptodate``), found without Typer and the command modules
    (0.07 s of a 0.15 s no-op); None for anything else, which the CLI then reads, checks and
    reports as usual: any other option or ``-``, ``PODCAST_CLUSTER``, a stamp that no longer
    holds, or anything going wrong here."""
    sources: list[str] = []
    out: str | None = None
    given = iter(args)
    for arg in given:
        if arg in ("--out", "-o"):
            out = next(given, None)
            if out is None or out.startswith("-"):
                return None
        elif arg.startswith("-"):
            return None
        else:
            sources.append(arg)
    if "PODCAST_CLUSTER" in os.environ:
        return None
    try:
        from pathlib import Path

        from podcast.build import uptodate

        found, out_dir = uptodate.targets(sources, Path(out) if out is not None else None)
        options = uptodate.stamped_options()
        lines = uptodate.up_to_date(found, out_dir, options, uptodate.environment())
        if lines is None and uptodate.first_build(found, out_dir, options):
            from podcast.synth import pool  # its workers start while the CLI is imported

            pool.start_spares(os.cpu_count() or 1)
        return lines
    except Exception:  # the CLI does it again and reports what is wrong
        return None


def _print(text: str) -> None:
    """Write ``text`` on stdout; a reader that has gone (``podcast build | head -0``) ends the
    command with exit 1 and no traceback, as the CLI's own printing does."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        sys.exit(1)


def main() -> None:
    if sys.argv[1:] == ["--help"]:
        text = kept_help()
        if text:
            _print(text)
            return
    from podcast.toolchain import fewer_collections, one_blas_thread

    fewer_collections()
    one_blas_thread()  # before any numpy, here and in the workers started below
    if sys.argv[1:2] == ["build"]:
        try:
            lines = up_to_date_build(sys.argv[2:])
        except KeyboardInterrupt:
            sys.stderr.write("interrupted\n")
            sys.exit(130)
        if lines is not None:
            from podcast.controls import escape_controls

            _print("".join(escape_controls(line) + "\n" for line in lines))
            return
    from podcast.cli import main as cli_main

    try:
        cli_main()
    except SystemExit as done:
        finish(done.code)
    finish(0)


def finish(code: object) -> NoReturn:
    """End the process with ``code`` (as ``sys.exit`` takes it) the way the interpreter would,
    without its teardown: a command that imported its build machinery (numpy, mutagen, the
    text and audio modules) spends 0.06 s freeing module by module what the process's end frees
    at once. First what the interpreter's end does that matters: the threads that are not
    daemons finish (``threading._shutdown``, which also runs what ``concurrent.futures`` set up
    there), the ``atexit`` functions run (a pool's workers stopped, temporary folders removed,
    log handlers flushed), stdout and stderr are flushed; then ``os._exit``."""
    import atexit
    import threading

    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): the message on stderr, status 1
        print(code, file=sys.stderr)
        status = 1
    shutdown = getattr(threading, "_shutdown", None)  # CPython's, since 3.0
    if shutdown is None:
        sys.exit(status)
    shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a reader gone (a broken pipe), or a closed stream
            status = status or 1
    os._exit(status)
