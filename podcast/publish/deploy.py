"""``publish --to DEST``: copy the site to where listeners fetch it, the feed last.

A listener must never fetch a feed that points at a file not there yet, so every other file
goes first (the audio and side files, then the pages) and ``feed.xml`` alone at the end; files
the site no longer has (a removed episode) are deleted only after the new feed is in place,
and only those an earlier deploy of this site put there (nothing else at DEST is touched).
Only changed files are copied (compared by content). An interrupted deploy leaves the old feed,
and every file it names, in place.

- **A local folder** (``--to /var/www/pod``): each file is written under a temporary name
  beside its place and renamed into it.
- **A host over SSH** (``--to user@host:/var/www/pod``): ``rsync -a --checksum`` over ssh, run
  as an argument list (never a shell string): everything but the feed, then the feed alone, then
  the removed files (``--delete-missing-args``). rsync writes each file under a temporary name
  and renames it. ssh options: ``--ssh-opt KEY=VALUE`` (each becomes ``ssh -o KEY=VALUE``), or
  rsync's own ``RSYNC_RSH`` environment variable.

Never deployed: names starting with a dot (``.publish-state.json``, the pages' data
``.episode.json``, the lock, temporary files, and this module's own record
``.deploy-state.json``), which stay in the site folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from podcast.errors import InputError, OutputError
from podcast.publish import store
from podcast.text.sanitize import escape_controls

FEED_FILE = "feed.xml"
DEPLOY_STATE = ".deploy-state.json"
_REMOTE = re.compile(r"(?:[A-Za-z0-9._-]+@)?(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(.*)")
_SSH_OPT = re.compile(r"[A-Za-z]+=[^\s'\"\\]+")
RSYNC_TIMEOUT_S = 3600


@dataclass(frozen=True)
class DeployResult:
    destination: str
    copied: tuple[str, ...]  # relative paths, in the order they were copied (the feed last)
    unchanged: int
    deleted: tuple[str, ...]


def is_remote(dest: str) -> bool:
    """``[user@]host:path`` (an rsync/scp target), unless a local path of that name exists."""
    return (
        _REMOTE.fullmatch(dest) is not None
        and not Path(dest).exists()
        and "/" not in (dest.split(":", 1)[0])
    )


def public_files(site: Path) -> list[str]:
    """The site's files to deploy (relative, POSIX): no dot-names, no links; the feed last,
    pages before it, everything they point at first."""
    found = []
    for root, dirs, files in os.walk(site):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not (Path(root) / d).is_symlink())  # fmt: skip
        for name in files:
            path = Path(root) / name
            if name.startswith(".") or not store.is_plain_file(path):
                continue
            found.append(path.relative_to(site).as_posix())

    def order(rel: str) -> tuple[int, str]:
        return (2 if rel == FEED_FILE else 1 if rel.endswith(".html") else 0, rel)

    return sorted(found, key=order)


def deploy(site: Path, dest: str, ssh_opts: tuple[str, ...] = (),
           runner: Runner | None = None) -> DeployResult:  # fmt: skip
    """Copy ``site`` to ``dest`` (a folder, or ``[user@]host:path``), the feed last."""
    if not (site / FEED_FILE).is_file():
        raise InputError(f"{site} has no {FEED_FILE}; run 'podcast publish' first")
    for option in ssh_opts:
        if not _SSH_OPT.fullmatch(option):
            raise InputError(
                f"--ssh-opt {option!r} must be KEY=VALUE without spaces or quotes "
                "(e.g. Port=2222, IdentityFile=/home/me/.ssh/pod)"
            )
    with store.site_lock(site):
        previous = _previous(site, dest)
        files = public_files(site)
        if is_remote(dest):
            result = _deploy_rsync(site, dest, files, previous, ssh_opts, runner or _run)
        else:
            if ssh_opts:
                raise InputError("--ssh-opt is for a host (--to user@host:/path), not a folder")
            result = _deploy_local(site, Path(dest), files, previous)
        _remember(site, dest, files)
    return result


# --- a local folder ----------------------------------------------------------------------------


def _deploy_local(site: Path, dest: Path, files: list[str], previous: list[str]) -> DeployResult:
    if dest.resolve() == site.resolve() or dest.resolve().is_relative_to(site.resolve()):
        raise InputError(f"--to {dest} is inside the site {site}; choose a folder outside it")
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {dest} ({exc.strerror}); choose another --to") from exc
    copied = []
    for rel in files:
        source, target = site / rel, dest / rel
        if _same_file(source, target):
            continue
        _copy_atomic(source, target, dest)
        copied.append(rel)
    deleted = []
    for rel in sorted(set(previous) - set(files)):
        target = dest / rel
        if store.is_plain_file(target) and target.resolve().is_relative_to(dest.resolve()):
            target.unlink()
            deleted.append(rel)
            parent = target.parent
            if parent != dest and not any(parent.iterdir()):
                parent.rmdir()
    return DeployResult(str(dest), tuple(copied), len(files) - len(copied), tuple(deleted))


def _same_file(source: Path, target: Path) -> bool:
    if not store.is_plain_file(target) or target.stat().st_size != source.stat().st_size:
        return False
    return _digest(source) == _digest(target)


def _digest(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _copy_atomic(source: Path, target: Path, dest: Path) -> None:
    """``target`` holds ``source``'s bytes or what it held before, never part of them (a link
    at ``target`` is replaced, never written through)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.parent.resolve().is_relative_to(dest.resolve()):
            raise OutputError(
                f"{target.parent} is a link out of {dest}; deploy never writes through links: "
                "remove it"
            )
        fd, name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=store.PARTIAL_SUFFIX, dir=target.parent
        )
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
            os.chmod(tmp, 0o644)
            shutil.copystat(source, tmp)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OutputError:
        raise
    except OSError as exc:
        raise store.write_failed(exc, target) from exc


# --- a host over SSH ---------------------------------------------------------------------------


Runner = Callable[[list[str], str | None], str]


def _run(args: list[str], stdin: str | None = None) -> str:
    """Run rsync (an argument list, no shell); its output, or an ``OutputError``."""
    try:
        done = subprocess.run(
            args, input=stdin, capture_output=True, text=True, timeout=RSYNC_TIMEOUT_S,
            check=False,
        )  # fmt: skip
    except FileNotFoundError as exc:
        raise OutputError(
            f"{args[0]} is not installed; install rsync and openssh-client to deploy to a host"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise OutputError(f"rsync took over {RSYNC_TIMEOUT_S} s; deploy again") from exc
    # 24 ("vanished") is what --delete-missing-args reports for the names it deleted
    if done.returncode != 0 and not (done.returncode == 24 and stdin is not None):
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        reason = escape_controls(lines[-1])
        raise OutputError(
            f"rsync failed ({reason}); the feed at the destination is unchanged if the feed "
            "was not yet copied: check the host and deploy again"
        )
    return done.stdout


def rsync_commands(site: Path, dest: str, ssh_opts: tuple[str, ...] = ()) -> list[list[str]]:
    """The rsync runs of a deploy, as argument lists: everything but the feed and the
    dot-names, the feed alone, then the deletion of the files the site no longer has (their
    names NUL-separated on rsync's standard input)."""
    base = ["rsync", "-a", "--checksum", "--out-format=%n"]
    if ssh_opts:
        base += ["-e", " ".join(["ssh", *(f"-o {o}" for o in ssh_opts)])]
    target = dest.rstrip("/") + "/"
    return [
        [*base, "--exclude=.*", f"--exclude=/{FEED_FILE}", "--", f"{site}/", target],
        [*base, "--", str(site / FEED_FILE), target],
        [*base, "--delete-missing-args", "--files-from=-", "--from0", "--", f"{site}/", target],
    ]


def _deploy_rsync(site: Path, dest: str, files: list[str], previous: list[str],
                  ssh_opts: tuple[str, ...], runner: Runner) -> DeployResult:  # fmt: skip
    if shutil.which("rsync") is None and runner is _run:
        raise OutputError("rsync is not installed; install rsync to deploy to a host")
    removed = tuple(sorted(set(previous) - set(files)))
    first, feed, delete = rsync_commands(site, dest, ssh_opts)
    copied = [line for line in runner(first, None).splitlines() if line and line in files]
    copied += [line for line in runner(feed, None).splitlines() if line == FEED_FILE]
    if removed:  # after the new feed is out: the old one no longer names them
        runner(delete, "\0".join(removed) + "\0")
    return DeployResult(dest, tuple(copied), len(files) - len(copied), removed)


# --- what an earlier deploy put there ---------------------------------------------------------


def _previous(site: Path, dest: str) -> list[str]:
    path = site / DEPLOY_STATE
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if store.is_plain_file(path) else {}
    except (OSError, ValueError):
        data = {}
    files = data.get(dest, []) if isinstance(data, dict) else []
    return [f for f in files if isinstance(f, str) and _safe_rel(f)]


def _safe_rel(rel: str) -> bool:
    parts = rel.split("/")
    return (
        bool(rel)
        and not rel.startswith("/")
        and all(p and p not in (".", "..") and not p.startswith(".") for p in parts)
    )


def _remember(site: Path, dest: str, files: list[str]) -> None:
    path = site / DEPLOY_STATE
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if store.is_plain_file(path) else {}
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    data[dest] = files
    store.write_atomic(path, (json.dumps(data, indent=2) + "\n").encode())
