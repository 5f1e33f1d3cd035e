"""The site folder on disk, trusted for nothing: what ``publish`` reads and how it writes.

- **Reading an episode**: its files are opened together, under a shared lock on the episodes
  folder (a build swaps episodes under an exclusive lock there), through the folder's own
  descriptor and never through a symbolic link. The open files are a consistent snapshot even
  if a build replaces the folder right after; if the folder was swapped while it was being
  opened, it is opened once more.
- **Writing**: every file is written under a unique temporary name in its own folder
  (``.<name>.pid<PID>.<random>.partial``) and renamed into place; a failure or an interruption
  (Ctrl-C, SIGTERM) removes it, and the next publish removes any that a killed publish left.
- **Containment**: nothing is written or deleted through a symbolic link, and every episode
  path is one plain name inside the site.
- **The state file** (``.publish-state.json``) is checked for its shape before it is used.
"""

from __future__ import annotations

import contextlib
import email.utils
import errno
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from podcast import formats
from podcast.errors import DISK_FULL, InputError, OutputError
from podcast.locking import locked

PARTIAL_SUFFIX = ".partial"
STATE_FILE = ".publish-state.json"
SIDE_FILE_LIMIT = 64 << 20  # a transcript or show notes larger than this is not an episode's
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,199}")
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK  # never a link, never wait on a FIFO


class Refused(InputError):
    """One episode cannot be published; the rest of the feed goes on without it."""


def is_episode_name(slug: object) -> bool:
    """A plain episode folder name (a-z, 0-9, '-'): never '..', a path or a hidden name."""
    return isinstance(slug, str) and _SLUG.fullmatch(slug) is not None


# --- the lock and the temporary files -----------------------------------------------------------


@contextlib.contextmanager
def site_lock(site: Path) -> Iterator[None]:
    """Hold the site folder's exclusive lock (two publishes never interleave), after removing
    what killed publishes left behind."""
    with locked(site):
        sweep_partials(site)
        yield


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale(path: Path) -> bool:
    owner = path.name.removesuffix(PARTIAL_SUFFIX).split(".")
    pid = next((int(p[3:]) for p in owner if p.startswith("pid") and p[3:].isdigit()), None)
    # under the site's lock no other publish is writing: a live owner is an unlocked writer
    return pid is None or pid == os.getpid() or not _pid_alive(pid)


def sweep_partials(site: Path) -> None:
    """Remove temporary files of publishes that were killed (also the old fixed names)."""
    folders = [site] + [
        entry for entry in site.iterdir() if entry.is_dir() and not entry.is_symlink()
    ]
    for folder in folders:
        for path in folder.glob(f".*{PARTIAL_SUFFIX}"):
            if not _stale(path):
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def temporary(final: Path) -> tuple[int, Path]:
    """An open descriptor and the unique temporary name beside ``final``."""
    fd, name = tempfile.mkstemp(
        prefix=f".{final.name}.pid{os.getpid()}.", suffix=PARTIAL_SUFFIX, dir=final.parent
    )
    os.fchmod(fd, 0o644)
    return fd, Path(name)


def write_atomic(path: Path, data: bytes) -> None:
    """``path`` holds ``data`` or what it held before, never half of it."""
    tmp = write_temporary(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_temporary(final: Path, data: bytes) -> Path:
    """``data`` in a new temporary file beside ``final`` (removed again if writing fails)."""
    fd, tmp = temporary(final)
    try:
        with written(final), os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


@contextlib.contextmanager
def written(final: Path) -> Iterator[None]:
    """A failed write names the file it was for (a full disk says where)."""
    try:
        yield
    except OutputError:
        raise
    except OSError as exc:
        raise write_failed(exc, final) from exc


def write_failed(exc: OSError, where: Path) -> OutputError:
    """The user's view of a failed write in the site."""
    place = where if exc.filename is None else exc.filename
    if exc.errno in DISK_FULL:
        return OutputError(
            f"ran out of disk space writing {place} ({exc.strerror}); free some space and "
            "publish again (the feed is unchanged)"
        )
    return OutputError(
        f"cannot write {place} ({exc.strerror or exc}); check its permissions or choose "
        "another --site"
    )


# --- containment --------------------------------------------------------------------------------


def episode_folder(site: Path, slug: str) -> Path:
    """``site/<slug>``, refused when it is not a plain folder of the site (a link, a file)."""
    if not is_episode_name(slug):
        raise InputError(f"{slug!r} is not an episode name (a-z, 0-9 and '-')")
    folder = site / slug
    if folder.is_symlink():
        raise Refused(
            f"{folder} is a symbolic link; publish never writes through links: remove the link"
        )
    if folder.exists() and not folder.is_dir():
        raise Refused(f"{folder} is not a folder; move it away")
    return folder


def remove_episode_folder(site: Path, slug: str) -> None:
    """Delete ``site/<slug>``: the link itself if it is one, never what it points to."""
    folder = site / slug
    if not is_episode_name(slug) or folder.resolve().parent != site.resolve():
        if folder.is_symlink():
            folder.unlink()
        return
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    elif folder.is_dir():
        shutil.rmtree(folder)


def is_plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


# --- the state file ------------------------------------------------------------------------------


def read_state(site: Path) -> dict[str, Any]:
    """The publish state, checked: ``episodes`` maps episode names to a GUID and a date,
    ``removed`` lists episode names."""
    path = site / STATE_FILE
    if not path.exists() and not path.is_symlink():
        return {"episodes": {}, "removed": []}
    try:
        if path.is_symlink():
            raise ValueError("it is a symbolic link")
        state = json.loads(path.read_text(encoding="utf-8"))
        _check_state(state)
    except (OSError, ValueError) as exc:
        raise OutputError(
            f"{path} is damaged ({exc}); restore it from a backup, or delete it to give every "
            "episode a new GUID"
        ) from exc
    return state


def _check_state(state: Any) -> None:
    if not isinstance(state, dict):
        raise ValueError(f"a JSON object was expected, not {type(state).__name__}")
    episodes = state.setdefault("episodes", {})
    removed = state.setdefault("removed", [])
    if not isinstance(episodes, dict):
        raise ValueError("'episodes' must be an object")
    if not isinstance(removed, list) or not all(is_episode_name(s) for s in removed):
        raise ValueError("'removed' must be a list of episode names")
    for slug, record in episodes.items():
        if not is_episode_name(slug):
            raise ValueError(f"{slug!r} is not an episode name")
        if not isinstance(record, dict):
            raise ValueError(f"the record of '{slug}' must be an object")
        for key in ("guid", "pub_date"):
            if not isinstance(record.get(key), str) or not record[key].strip():
                raise ValueError(f"the record of '{slug}' has no '{key}'")
        email.utils.parsedate_to_datetime(record["pub_date"])
        number = record.get("number", 1)
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ValueError(f"the record of '{slug}' has a 'number' that is not a whole number")
    last = state.get("last_number", 0)
    if isinstance(last, bool) or not isinstance(last, int) or last < 0:
        raise ValueError("'last_number' must be a whole number")
    for key in ("podcast_guid", "podcast_guid_url"):
        if key in state and not isinstance(state[key], str):
            raise ValueError(f"'{key}' must be a string")


# --- reading an episode --------------------------------------------------------------------------


@dataclass
class Snapshot:
    """An episode's files as they were at one moment: side files read, the audio held open
    (and the other formats' audio, ``extras``: name -> open file and size). A context manager
    that closes them."""

    folder: Path
    files: dict[str, bytes]
    audio: BinaryIO
    audio_name: str
    audio_size: int
    extras: dict[str, tuple[BinaryIO, int]] = field(default_factory=dict)

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.audio.close()
        for handle, _ in self.extras.values():
            handle.close()


def snapshot(folder: Path, names: tuple[str, ...]) -> Snapshot:
    """Open ``folder``'s ``episode.json``, audio and those of ``names`` it has, at one moment."""
    for attempt in (1, 2):
        try:
            with locked(folder.parent, shared=True):
                return _open_episode(folder, names)
        except FileNotFoundError:  # swapped by a build that took no lock: once more
            if attempt == 2:
                break
    raise Refused(f"{folder} changed while it was read (is a build writing it?); publish again")


def _open_episode(folder: Path, names: tuple[str, ...]) -> Snapshot:
    dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        present = set(os.listdir(dir_fd))
        found = formats.find_audio(folder)
        if found is None or found[0].name not in present:
            raise Refused(f"{folder} has no episode audio file; build the episode again")
        audio_name = found[0].name
        files = {
            name: _read_small(dir_fd, folder, name)
            for name in ("episode.json", *names)
            if name in present or name == "episode.json"
        }
        audio_fd = _open_file(dir_fd, folder, audio_name)
        audio = os.fdopen(audio_fd, "rb")
        snap = Snapshot(folder, files, audio, audio_name, os.fstat(audio_fd).st_size)
        try:
            for name in _other_formats(folder, audio_name, present):
                extra_fd = _open_file(dir_fd, folder, name)
                snap.extras[name] = (os.fdopen(extra_fd, "rb"), os.fstat(extra_fd).st_size)
        except BaseException:
            snap.__exit__()
            raise
        return snap
    finally:
        os.close(dir_fd)


def _other_formats(folder: Path, audio_name: str, present: set[str]) -> list[str]:
    """The episode's audio in the other registered formats (``<folder><suffix>``)."""
    names = [f"{folder.name}{formats.get(n).suffix}" for n in formats.names()]
    return [name for name in names if name != audio_name and name in present]


def _open_file(dir_fd: int, folder: Path, name: str) -> int:
    try:
        fd = os.open(name, _OPEN_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Refused(
                f"{folder / name} is a symbolic link; publish copies only the build's own files"
            ) from exc
        if isinstance(exc, FileNotFoundError):
            raise
        raise Refused(f"cannot read {folder / name} ({exc.strerror})") from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise Refused(f"{folder / name} is not a regular file; build the episode again")
    os.set_blocking(fd, True)
    return fd


def _read_small(dir_fd: int, folder: Path, name: str) -> bytes:
    with os.fdopen(_open_file(dir_fd, folder, name), "rb") as fh:
        data = fh.read(SIDE_FILE_LIMIT + 1)
    if len(data) > SIDE_FILE_LIMIT:
        raise Refused(f"{folder / name} is over {SIDE_FILE_LIMIT >> 20} MB; build it again")
    return data


def copy_audio(snap: Snapshot, final: Path) -> Path | None:
    """Copy the snapshot's audio to a temporary file beside ``final`` and return its name, or
    None when ``final`` already holds the same bytes."""
    return copy_open(snap.audio, snap.audio_size, snap.folder / snap.audio_name, final)


def copy_open(source: BinaryIO, size: int, origin: Path, final: Path) -> Path | None:
    """Copy the open ``source`` (``size`` bytes, read from ``origin``) to a temporary file
    beside ``final`` and return its name, or None when ``final`` already holds the same bytes."""
    if is_plain_file(final) and final.stat().st_size == size:
        with final.open("rb") as old:
            if _same(old, source):
                return None
    source.seek(0)
    fd, tmp = temporary(final)
    try:
        with written(final), os.fdopen(fd, "wb") as out:
            copied = copy_stream(source, out)
        if copied != size:
            raise Refused(
                f"{origin} changed size while it was copied (is a build writing it?); publish again"
            )
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def copy_stream(source: BinaryIO, target: BinaryIO) -> int:
    """Copy ``source`` to ``target`` in blocks; the number of bytes copied."""
    copied = 0
    while block := source.read(1 << 20):
        target.write(block)
        copied += len(block)
    return copied


def _same(a: BinaryIO, b: BinaryIO) -> bool:
    b.seek(0)
    while True:
        first, second = a.read(1 << 20), b.read(1 << 20)
        if first != second:
            return False
        if not first:
            return True
