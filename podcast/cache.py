"""The user's cache of rendered chunks and encoded parts: where it is and how it is written.

Entries are content-addressed (the file name is a hash of everything that decides the
content), so two builds that want the same entry want the same bytes, and an entry never
changes once written. Each entry is written to a temporary file in the same folder and then
linked into place (``put``), which is atomic: a reader sees the entry whole or not at
all, even when two builds run at once, and the first build to finish an entry wins.

Nothing found on disk is trusted: every entry ends with a *seal* (``seal``), a digest of its
name (its content address, so an entry copied over another is caught) and of every byte before
the seal. It is one file with its digest inside, so the first-writer-wins link publishes both at
once. A WAV's seal is a RIFF chunk of its own (``pdsl``, counted in the RIFF size), which WAV
readers skip; other entries (encoded parts, the loudness memos, the engine's voice list) are
read through ``read_entry``, which strips it. An entry whose seal does not match (a flipped
bit, a truncated or zero-byte file, garbage, silence or another entry copied over it) is
reported once on stderr, deleted and built again (``check``, ``read_entry``).

A second tier may stand behind the folder (``use_store``: an object store, ``object_store.py``):
an entry missing here is fetched from it, and an entry published here is published there.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
import sys
import tempfile
import time
from pathlib import Path
from typing import Protocol

from podcast.errors import OutputError

CACHE_ENV = "PODCAST_CACHE_DIR"
STALE_TMP_S = 3600  # a temporary file this old belongs to a build that was killed
# Part of every content address: entries of an older layout (v1: no seal) are never read.
ENTRY_FORMAT = 2
_SEAL_TAG = b"pdsl"
_DIGEST_SIZE = 32
SEAL_SIZE = 8 + _DIGEST_SIZE  # tag, size, digest: a RIFF chunk of its own in a WAV


class Store(Protocol):
    """A second tier behind the cache folder (an object store shared by many machines)."""

    def fetch(self, path: Path) -> bytes | None:
        """The sealed bytes of the entry kept at ``path`` here, or None if the store has none."""
        ...

    def publish(self, path: Path) -> bool:
        """Offer the entry at ``path`` to the store; False if another writer was first (the
        copy here is then replaced by the store's)."""
        ...


_store: Store | None = None


def use_store(store: Store | None) -> Store | None:
    """Put ``store`` behind the cache folder (None: none); returns the one it replaces."""
    global _store
    before, _store = _store, store
    return before


def store() -> Store | None:
    """The store behind the cache folder, if any."""
    return _store


def _fetched(path: Path) -> bool:
    """Whether the store had the entry ``path`` (whole: then it is here now)."""
    data = _store.fetch(path) if _store is not None else None
    if data is None or unseal(data, path.name) is None:
        return False
    atomic_write(path, data)
    return True


def _publish(path: Path) -> bool:
    return _store.publish(path) if _store is not None else True


def cache_root() -> Path:
    """Where rendered chunks are kept: $PODCAST_CACHE_DIR or the user's cache folder."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("podcast", appauthor=False))


def _digest(name: str, content: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\0" + content).digest()


def seal(content: bytes, name: str) -> bytes:
    """``content`` with its seal for the entry called ``name`` (a WAV's RIFF size counts it)."""
    if content[:4] == b"RIFF" and content[8:12] == b"WAVE":
        content = content[:4] + struct.pack("<I", len(content) + SEAL_SIZE - 8) + content[8:]
    tail = _SEAL_TAG + struct.pack("<I", _DIGEST_SIZE)
    return content + tail + _digest(name, content)


def unseal(data: bytes, name: str) -> bytes | None:
    """The content of the entry ``name`` read as ``data``, or None if its seal does not match."""
    content, tail = data[:-SEAL_SIZE], data[-SEAL_SIZE:]
    if len(data) < SEAL_SIZE or tail[:8] != _SEAL_TAG + struct.pack("<I", _DIGEST_SIZE):
        return None
    if tail[8:] != _digest(name, content):
        return None
    return content


def digest_of(path: Path) -> str | None:
    """The digest in ``path``'s seal (not checked: see ``check``), or None without one."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            if fh.tell() < SEAL_SIZE:
                return None
            fh.seek(-SEAL_SIZE, os.SEEK_END)
            tail = fh.read(SEAL_SIZE)
    except OSError:
        return None
    return tail[8:].hex() if tail[:4] == _SEAL_TAG else None


def report_damaged(path: Path) -> None:
    """Say on one line that the entry ``path`` was damaged (it is deleted, so each damage is
    reported once) and is built again."""
    print(f"cache: {path} was damaged; rebuilt it", file=sys.stderr, flush=True)


def _discard(path: Path) -> None:
    report_damaged(path)
    with contextlib.suppress(OSError):
        os.unlink(path)


def read_entry(path: Path) -> bytes | None:
    """The content of the cache entry ``path`` (its seal checked and removed), or None when
    there is none. A damaged entry is reported, deleted, and None returned: build it again."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if not _fetched(path):
            return None
        data = path.read_bytes()
    except IsADirectoryError:
        data = b""
    except OSError:
        return None
    content = unseal(data, path.name)
    if content is None:
        _discard(path)
    return content


def may_hold(path: Path) -> bool:
    """Whether the cache entry ``path`` may be there to read (here, or a store behind the cache
    may have it); False: surely absent, so what it holds can be built at once, before the
    entries that are there are read and their seals checked."""
    return _store is not None or os.path.lexists(path)


def check(path: Path) -> bool:
    """Whether the cache entry ``path`` is there and whole; a damaged one is reported, deleted,
    and False returned (build it again)."""
    if not os.path.lexists(path) and not _fetched(path):
        return False
    return read_entry(path) is not None


def write_entry(path: Path, data: bytes) -> None:
    """Write the cache entry ``path`` sealed (``seal``), atomically (last writer wins)."""
    atomic_write(path, seal(data, path.name))
    _publish(path)


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


def put(tmp: Path, target: Path) -> bool:
    """Move the finished file ``tmp`` to ``target`` unless another build got there first.

    The first writer wins (a hard link cannot replace an existing name) and ``tmp`` is
    removed either way. Two builds that render the same entry at once then both use the same
    bytes, so their outputs agree exactly; the engine's audio for one text differs slightly
    with what its process spoke before (espeak-ng's pitch flutter runs on from utterance to
    utterance), which ``os.replace`` (last writer wins) would expose.
    ``tmp`` is sealed for ``target`` first (``seal``). An entry already at ``target`` that is
    damaged is reported and replaced. Returns True if ``tmp`` became ``target`` (and, with a
    store behind the folder, the store's entry: ``use_store``).
    """
    try:
        tmp.write_bytes(seal(tmp.read_bytes(), target.name))
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(
            f"cannot write the cache in {target.parent} ({exc.strerror or exc}); free some "
            f"disk space or set {CACHE_ENV} to another folder"
        ) from exc
    try:
        os.link(tmp, target)
    except FileExistsError:
        if unseal(_read(target), target.name) is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            return False
        report_damaged(target)
        os.replace(tmp, target)
    except OSError:  # a filesystem without hard links: last writer wins
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return _publish(target)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


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
