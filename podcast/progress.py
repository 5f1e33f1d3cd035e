"""Progress of a build: a rich progress bar on a terminal, nothing otherwise.

The pipeline reports counts (chunks synthesized, parts encoded) through a ``Progress``; the
CLI picks the rich one when stderr is a terminal, so pipes, logs and CI stay quiet. Reports
come from worker threads: rich's Progress is thread-safe.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

SYNTHESIS = "speaking chunks"
ENCODING = "encoding parts"


class Progress:
    """Silent progress: the interface, and what is used when nobody is watching."""

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add(self, stage: str, total: int, done: int = 0) -> None:
        """``total`` more units of ``stage`` are to be done, ``done`` of them already are."""

    def advance(self, stage: str, amount: int = 1) -> None:
        """``amount`` units of ``stage`` are done."""


class RichProgress(Progress):
    """One bar per stage on stderr."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bars

        self._bars = Bars(
            TextColumn("{task.description:>16}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(file=stream),
            transient=True,
        )
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> RichProgress:
        self._bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bars.stop()

    def add(self, stage: str, total: int, done: int = 0) -> None:
        task = self._tasks.get(stage)
        if task is None:
            self._tasks[stage] = self._bars.add_task(stage, total=total, completed=done)
        else:
            self._bars.update(task, total=self._bars.tasks[task].total + total)
            self._bars.advance(task, done)

    def advance(self, stage: str, amount: int = 1) -> None:
        task = self._tasks.get(stage)
        if task is not None:
            self._bars.advance(task, amount)


def for_stderr(stream: TextIO | None = None) -> Progress:
    """A progress bar if ``stream`` (default stderr) is a terminal, else silence."""
    stream = stream or sys.stderr
    return RichProgress(stream) if stream.isatty() else Progress()
