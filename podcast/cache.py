"""The user's cache of rendered chunks and encoded parts: where it is and how it is written.

Entries are content-addressed (the file name is a hash of everything that decides the
content), so two builds that want the same entry want the same bytes, and an entry never
changes once written. Each entry is written to a temporary file in the same folder and moved
into place with ``os.replace``, which is atomic: a reader sees the old file, the new one, or
none, never half of one, even when two builds run at once.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path

CACHE_ENV = "PODCAST_CACHE_DIR"
STALE_TMP_S = 3600  # a temporary file this old belongs to a build that was killed


def cache_root() -> Path:
    """Where rendered chunks are kept: $PODCAST_CACHE_DIR or the user's cache folder."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("podcast", appauthor=False))


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that no reader ever sees a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove_stale_temporaries(folder: Path, older_than_s: float = STALE_TMP_S) -> int:
    """Delete temporary files (``.*.tmp*``) left in ``folder`` by killed builds."""
    removed = 0
    cutoff = time.time() - older_than_s
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name.startswith(".") and ".tmp" in entry.name:
                with contextlib.suppress(OSError):
                    if entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)
                        removed += 1
    return removed
