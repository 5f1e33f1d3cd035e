"""Advisory locks on folders: no lock file, the folder itself is locked (``flock`` on its fd).

A build swaps episodes into its output folder under an exclusive lock; ``publish`` holds an
exclusive lock on the site folder for its whole run (two publishes never interleave) and a
shared lock on the episodes folder while it opens one episode's files, so a build never swaps
that episode half-way through the opening.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def locked(folder: Path, shared: bool = False) -> Iterator[None]:
    """Hold a lock on ``folder`` (exclusive, or ``shared`` with other shared holders) until the
    block ends. Closing the descriptor releases it, also when the process dies."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: best effort without a lock
        yield
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
