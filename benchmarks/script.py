"""``python -m benchmarks script``: ``podcast script`` on 1 MB and 10 MB of a book's text.

Prints the time per MB and the peak RSS of each, and two ratios against the 1 MB run of the
same benchmark (issue 18: the text stages linear in time and bounded in memory):

  time per MB at 10 MB / time per MB at 1 MB                               <= 1.2
  peak RSS at 10 MB / peak RSS at 1 MB                                       <= 2.0

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
RSS_RATIO = 2.0


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
    figures: dict[int, tuple[float, int]] = {}
    for size in SIZES_MB:
        path = work / f"book-{size}mb.txt"
        make_text(path, size)
        megabytes = path.stat().st_size / MB
        results = [measure(path) for _ in range(runs)]
        wall = min(r[0] for r in results)
        peak = min(r[1] for r in results)
        figures[size] = (wall / megabytes, peak)
        print(f"script {size:>3} MB: {wall:6.1f} s, {wall / megabytes:5.1f} s/MB, "
              f"peak RSS {peak / 1e6:5.0f} MB")  # fmt: skip
    (per_small, rss_small), (per_big, rss_big) = figures[SIZES_MB[0]], figures[SIZES_MB[-1]]
    time_ok = per_big / per_small <= TIME_RATIO
    rss_ok = rss_big / rss_small <= RSS_RATIO
    print(f"script   time/MB ratio {per_big / per_small:5.2f} (target <= {TIME_RATIO}) "
          f"{'PASS' if time_ok else 'FAIL'}")  # fmt: skip
    print(f"script   peak RSS ratio {rss_big / rss_small:5.2f} (target <= {RSS_RATIO}) "
          f"{'PASS' if rss_ok else 'FAIL'}")  # fmt: skip
    return time_ok and rss_ok
