"""The one clock formatter: a time in milliseconds as players, show notes and captions show it."""

from __future__ import annotations


def clock(ms: int, millis: str | None = None) -> str:
    """``ms`` as a clock.

    Without ``millis``: ``MM:SS`` under an hour, ``H:MM:SS`` from an hour on (the form players
    link in show notes). With ``millis`` (the separator before the milliseconds: ``.`` for
    WebVTT, ``,`` for SRT): always ``HH:MM:SS`` + separator + ``mmm``.
    """
    ms = max(0, ms)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, thousandths = divmod(rest, 1000)
    if millis is not None:
        return f"{hours:02d}:{minutes:02d}:{seconds:02d}{millis}{thousandths:03d}"
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"
