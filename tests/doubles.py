"""Stand-ins the tests hand to the library: a progress display that counts what it is told."""

from __future__ import annotations

from podcast.progress import Progress


class CountingProgress(Progress):
    """Each stage's total and how far it got, summed over every ``add`` and ``advance``."""

    def __init__(self) -> None:
        self.totals: dict[str, int] = {}
        self.done: dict[str, int] = {}

    def add(self, stage: str, total: int, done: int = 0) -> None:
        self.totals[stage] = self.totals.get(stage, 0) + total
        self.done[stage] = self.done.get(stage, 0) + done

    def advance(self, stage: str, amount: int = 1) -> None:
        self.done[stage] = self.done.get(stage, 0) + amount
