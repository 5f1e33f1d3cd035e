"""Where an episode is built and how it is moved into place.

Each episode is built in a temporary folder beside its final place (named after the building
process, ``.<slug>.pid<N>.<random>.partial``) and moved into place only when every file is
written, so a failed or interrupted build never leaves a half-written episode where a good one
was. The output folder itself is locked while episodes are swapped, recovered or swept.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from podcast.errors import DISK_FULL, InputError, OutputError
from podcast.locking import locked
from podcast.models import OutputFile
from podcast.text.segment import is_safe_slug

PARTIAL_SUFFIX = ".partial"
PREVIOUS_SUFFIX = ".previous"
SCRATCH = ("chunks", "parts", "produced", "reencoded")  # removed before the swap


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_partials(out_dir: Path) -> None:
    """Remove temporary episode folders left by builds that were killed (SIGKILL, power cut).

    Their names carry the building process's id; a folder of a process still running is
    another build at work and is left alone.
    """
    for folder in out_dir.glob(f".*{PARTIAL_SUFFIX}"):
        owner = folder.name.removesuffix(PARTIAL_SUFFIX).split(".")
        pid = next((int(p[3:]) for p in owner if p.startswith("pid") and p[3:].isdigit()), None)
        if folder.is_dir() and (pid is None or not _pid_alive(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def remove_own_partials(out_dir: Path) -> None:
    """Remove every temporary episode folder of this process (after its workers stopped)."""
    if out_dir.is_dir():
        for folder in out_dir.glob(f".*.pid{os.getpid()}.*{PARTIAL_SUFFIX}"):
            shutil.rmtree(folder, ignore_errors=True)


def distinct(named: list[tuple[str, str]]) -> list[str]:
    """A folder name for each (slug, source) of one build: a second article with the same
    title gets ``<slug>-2`` (and so on), said on stderr, instead of overwriting the first."""
    taken: set[str] = set()
    result = []
    for slug, source in named:
        chosen, number = slug, 2
        while chosen in taken:
            chosen, number = f"{slug}-{number}", number + 1
        if chosen != slug:
            print(
                f"{source}: another article in this build is also called '{slug}'; "
                f"writing it to '{chosen}'",
                file=sys.stderr,
            )
        taken.add(chosen)
        result.append(chosen)
    return result


def recover(final: Path) -> None:
    """Put back the previous episode if a build was killed between the two renames."""
    previous = final.with_name(f".{final.name}{PREVIOUS_SUFFIX}")
    if previous.is_dir() and not previous.is_symlink() and not os.path.lexists(final):
        os.replace(previous, final)


def check_replaceable(final: Path) -> None:
    """Refuse to replace what this tool did not make: only an episode folder (a real folder
    with an episode.json) is ever moved aside; a file, a link or another folder stays."""
    if not os.path.lexists(final):
        return
    if final.is_symlink():
        what = "a symbolic link"
    elif not final.is_dir():
        what = "a file"
    elif not (final / "episode.json").is_file():
        what = "a folder that is not an episode (it has no episode.json)"
    else:
        return
    raise OutputError(
        f"{final} is in the way: it is {what}, which the build does not replace; move it "
        "away or choose another --out"
    )


def swap_into_place(built: Path, final: Path) -> None:
    """Replace ``final`` by ``built`` (two renames under the output folder's lock)."""
    with locked(final.parent):
        check_replaceable(final)
        previous = final.with_name(f".{final.name}{PREVIOUS_SUFFIX}")
        if os.path.lexists(previous):
            if previous.is_dir() and not previous.is_symlink():
                shutil.rmtree(previous)
            else:
                previous.unlink()
        if final.exists():
            os.replace(final, previous)
        os.replace(built, final)
        shutil.rmtree(previous, ignore_errors=True)


def write_failed(exc: OSError, where: Path) -> OutputError:
    """The user's view of a failed write: a full disk, or a place they cannot write."""
    place = exc.filename or where
    if exc.errno in DISK_FULL:
        return OutputError(
            f"ran out of disk space writing {place} ({exc.strerror}); free some space "
            "or choose another --out; the previous episode is untouched"
        )
    return OutputError(
        f"cannot write {place} ({exc.strerror or exc}); check its permissions or choose "
        "another --out"
    )


def write_text(path: Path, text: str) -> OutputFile:
    path.write_text(text, encoding="utf-8")
    return OutputFile(path.name, path.stat().st_size)


def make_dir(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} is a file, not a folder; choose another --out")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {folder} ({exc.strerror}); choose another --out") from exc
    if not os.access(folder, os.W_OK):
        raise OutputError(f"{folder} is not writable (Permission denied); choose another --out")


def open_workspace(out_dir: Path, slug: str, source: str) -> Path:
    """A fresh temporary folder for the episode ``slug`` (of the article ``source``) inside
    ``out_dir`` (created if needed), after sweeping what killed builds left and recovering an
    interrupted swap."""
    if not is_safe_slug(slug):  # the one name we derive inside the output folder
        raise InputError(
            f"{source}: episode name {slug!r} is not a plain ASCII name; "
            "use letters, digits and dashes"
        )
    make_dir(out_dir)
    try:
        with locked(out_dir):
            sweep_partials(out_dir)
            recover(out_dir / slug)
            check_replaceable(out_dir / slug)  # before any work: say what is in the way
        work = Path(
            tempfile.mkdtemp(
                prefix=f".{slug}.pid{os.getpid()}.", suffix=PARTIAL_SUFFIX, dir=out_dir
            )
        )
        work.chmod(0o755)  # mkdtemp makes it private; an episode folder is for publishing
    except OutputError:
        raise
    except OSError as exc:
        if exc.errno in DISK_FULL:
            raise write_failed(exc, out_dir) from exc
        # root passes the access check above and still meets read-only file systems
        raise OutputError(
            f"{out_dir} is not writable ({exc.strerror}); choose another --out"
        ) from exc
    return work


@contextlib.contextmanager
def discarded_on_failure(work: Path, stop: Callable[[], object] | None = None) -> Iterator[None]:
    """Remove ``work`` if the block fails (after ``stop``: whatever may still write into it);
    a failed write becomes the user's one-line error."""
    try:
        yield
    except BaseException as exc:
        if stop is not None:
            stop()
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise write_failed(exc, work) from exc
        raise


def remove_scratch(work: Path) -> None:
    for scratch in SCRATCH:
        shutil.rmtree(work / scratch, ignore_errors=True)


def discard(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
