"""``python -m benchmarks script``: ``podcast script`` on 1 MB and 10 MB of a book's text.

Prints the time per MB and the peak RSS of each, and two ratios against the 1 MB run of the
same benchmark (issue 18: the text stages linear in time and bounded in memory):

  time per MB at 10 MB / time per MB at 1 MB                               <= 1.2
  peak RSS growth from 1 MB to 10 MB, per MB of text                         <= 8 MB

Memory grows with the text: the plain reader holds the whole book (chapters, the table of
contents and the title page are found across it), and a text with one curly quote is held at
two bytes a character. Eight MB per MB, under the 50 MB input limit, bounds a run at about
450 MB (issue 18 measured 1.5 GB for 49 MB). The ratio of the two peaks is printed too.

The text is Treasure Island (public domain, ``benchmarks/corpus``), its body repeated
between one Gutenberg header and licence. Never a test: the machine's
load moves the figures, so both sizes run back to back, twice, and the faster run counts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BOOK = Path(__file__).resolve().parent / "corpus" / "texts" / "30_treasure-island-en.txt"
MB = 1024 * 1024
SIZES_MB = (1, 10)
TIME_RATIO = 1.2
RSS_GROWTH_PER_MB = 8.0


def make_text(path: Path, size_mb: int) -> None:
    """About ``size_mb`` MB of one long book: the Gutenberg header, the body repeated, the
    licence."""
    text = BOOK.read_text(encoding="utf-8")
    start = text.index("\n", text.index("*** START")) + 1
    end = text.index("*** END")
    body, parts, size = text[start:end], [text[:start]], start
    while size < size_mb * MB:
        parts.append(body)
        size += len(body.encode("utf-8"))
    parts.append(text[end:])
    path.write_text("".join(parts), encoding="utf-8")


def measure(path: Path, *options: str) -> tuple[float, int]:
    """Wall seconds and peak RSS bytes of ``podcast script [options] path > /dev/null``."""
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "podcast", "script", *options, str(path)]
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            errors.seek(0)
            raise SystemExit(f"{' '.join(cmd)} failed:\n{errors.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss * 1024  # kilobytes on Linux


def bench(work: Path, runs: int = 2) -> bool:
    figures: dict[int, tuple[float, int, float]] = {}
    for size in SIZES_MB:
        path = work / f"book-{size}mb.txt"
        make_text(path, size)
        megabytes = path.stat().st_size / MB
        results = [measure(path) for _ in range(runs)]
        wall = min(r[0] for r in results)
        peak = min(r[1] for r in results)
        figures[size] = (wall / megabytes, peak, megabytes)
        print(f"script {size:>3} MB: {wall:6.1f} s, {wall / megabytes:5.1f} s/MB, "
              f"peak RSS {peak / 1e6:5.0f} MB")  # fmt: skip
    (per_small, rss_small, mb_small), (per_big, rss_big, mb_big) = (
        figures[SIZES_MB[0]], figures[SIZES_MB[-1]])  # fmt: skip
    growth = (rss_big - rss_small) / MB / (mb_big - mb_small)
    time_ok = per_big / per_small <= TIME_RATIO
    rss_ok = growth <= RSS_GROWTH_PER_MB
    print(f"script   time/MB ratio {per_big / per_small:5.2f} (target <= {TIME_RATIO}) "
          f"{'PASS' if time_ok else 'FAIL'}")  # fmt: skip
    print(f"script   peak RSS growth {growth:4.1f} MB per MB (target <= {RSS_GROWTH_PER_MB:g}) "
          f"{'PASS' if rss_ok else 'FAIL'}  (10 MB / 1 MB peak: {rss_big / rss_small:.2f})")  # fmt: skip
    return time_ok and rss_ok
