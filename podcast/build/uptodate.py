"""A build with nothing changed stops after a stat of its inputs (``podcast build`` twice).

After a build, each episode's *stamp* is kept in the cache (``stamps/``, sealed like every
entry): the digest of the article's bytes, the size and time of last change of every other
file the episode depends on (the show file and what it names, the project's voices and
lexicon, pictures beside the article, the ffmpeg and espeak-ng it used, the package's own
code, the Python environment's folders), the ``PODCAST_*`` settings, and the files the
episode folder held. The next build with the same sources and options reads the stamps
first; when every one still holds, it prints what the build would print and stops, without
importing the text stages or starting an engine (about the cost of ``podcast --help``).

Anything the stamp cannot vouch for builds as usual: standard input, a web address (the page
may have changed), ``--no-cache``, an object-store cache, a missing or damaged stamp, a build
of several articles where one changed (slugs are chosen across all of them). A stamp holds
no judgement of its own: a file that changed, appeared or went away means "build".

This module is imported by the command line before anything heavy: the standard library and
``podcast.cache``/``podcast.project`` only.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from podcast import cache
from podcast.build.sources import build_targets
from podcast.errors import InputError
from podcast.project import Project, find_project
from podcast.toolchain import TOOL_ENVIRONMENT, tool_files

STAMP_VERSION = 1
_PICTURES = (".png", ".jpg", ".jpeg")
_PACKAGE = Path(__file__).resolve().parent.parent


def _stat(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _code() -> str:
    """The package's own files (size and time of each): an edited or upgraded podcast."""
    digest = hashlib.sha256()
    for folder, dirs, files in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = Path(folder, name)
            digest.update(f"{path}|{_stat(path)}\n".encode())
    return digest.hexdigest()


def stamped_options(
    voice: str | None = None,
    bitrate: int = 96,
    no_cache: bool = False,
    workers: int | None = None,
    language: str | None = None,
    cast: Sequence[str] | None = None,
    rate: int | None = None,
    show: Path | None = None,
    output_formats: str = "mp3",
    accept_loudness: bool = False,
    cluster: str | None = None,
    cache: str | None = None,
) -> dict[str, Any]:
    """What a stamp records of ``podcast build``'s options: the command's own options by
    their names, with the command's defaults (``tests/test_uptodate.py`` holds the two
    together), so that ``podcast build`` with no options can be answered without the CLI."""
    return {
        "voice": voice, "bitrate_kbps": bitrate, "use_cache": not no_cache, "workers": workers,
        "language": language, "cast": list(cast or ()), "rate_wpm": rate,
        "show": str(show.resolve()) if show else None, "formats": output_formats,
        "accept_loudness": accept_loudness, "cluster": cluster,
        "cache_dir": str(Path(cache).resolve()) if cache and "://" not in cache else cache,
    }  # fmt: skip


def environment() -> dict[str, Any]:
    """What picks the tools and the libraries: settings, Python, its package folders. Taken
    when the command starts (a build sets some of these variables for its own processes)."""
    settings = {
        k: v for k, v in os.environ.items() if k.startswith("PODCAST_") or k in TOOL_ENVIRONMENT
    }
    return {
        "python": sys.version,
        "paths": {p: _stat(Path(p)) for p in sys.path if p and os.path.isdir(p)},
        "env": dict(sorted(settings.items())),
        "ffmpeg": shutil.which("ffmpeg"),
    }


def _show_files(show_file: Path) -> list[Path]:
    """The show file and every file its values name (cover, jingles, music), relative to it."""
    found = [show_file]
    try:
        data = tomllib.loads(show_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return found

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and 0 < len(value) < 4096:
            candidate = show_file.parent / value
            if candidate.is_file():
                found.append(candidate)

    walk(data)
    return found


def _shared_inputs(project: Project, show: str | None) -> list[Path]:
    """The files (and folders, for files that appear or go away) every episode of a build
    depends on: the project, its voices and lexicon, the show file and what it names, the
    tools."""
    show_file = Path(show) if show else project.root / "podcast.toml"
    voices = sorted(project.voices_dir.glob("*")) if project.voices_dir.is_dir() else []
    return [
        project.root, project.voices_dir, *voices, project.root / "lexicon.toml",
        *_show_files(show_file), *(Path(t) for t in tool_files()),
    ]  # fmt: skip


def _own_inputs(source: Path) -> list[Path]:
    """The article, its folder and the pictures beside it (besides the article's bytes)."""
    folder = source.parent
    return [source, folder, *(p for p in folder.iterdir() if p.suffix.lower() in _PICTURES)]


def _key(source: Path, out_dir: Path, options: dict[str, Any]) -> Path:
    what = json.dumps([str(source), str(out_dir), options], sort_keys=True, default=str)
    key = hashlib.sha256(what.encode("utf-8")).hexdigest()
    folder = options.get("cache_dir")  # --cache FOLDER: the build's cache, where its stamps are
    root = Path(folder) if folder else cache.cache_root()
    return root / "stamps" / key[:2] / f"{key}.json"


def _article_digest(source: Path) -> str | None:
    try:
        return hashlib.sha256(source.read_bytes()).hexdigest()
    except OSError:
        return None


def _folder_files(folder: Path) -> dict[str, list[int] | None]:
    return {str(p): _stat(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def stampable(sources: Sequence[str], options: dict[str, Any]) -> bool:
    """Whether a build of ``sources`` with ``options`` may be answered from stamps."""
    return bool(
        options.get("use_cache", True)
        and not options.get("cluster")
        and "://" not in str(options.get("cache_dir") or "")
        and all(s != "-" and "://" not in s for s in sources)
    )


def up_to_date(
    targets: Sequence[str], out_dir: Path, options: dict[str, Any], started: dict[str, Any]
) -> list[str] | None:
    """The lines the build of ``targets`` would print, when every episode's stamp still
    holds; None when anything changed (or was never stamped): build. ``started``: the
    command's ``environment()``."""
    stamps = _stamps(targets, out_dir, options)
    if stamps is None:
        return None
    code, environment, lines = _code(), json.loads(json.dumps(started)), []
    for source, stamp in stamps:
        kept = stamp.get("inputs", {}), stamp.get("outputs", {})
        if (
            stamp.get("code") != code
            or stamp.get("environment") != environment
            or stamp.get("article") != _article_digest(source)
            or any(_stat(Path(p)) != s for p, s in kept[0].items())
            or not kept[1]
            or _folder_files(Path(stamp.get("episode", ""))) != kept[1]
        ):
            return None
        lines.append(str(stamp.get("line", "")))
    return lines


def _stamp_keys(
    targets: Sequence[str], out_dir: Path, options: dict[str, Any]
) -> list[tuple[Path, Path]] | None:
    """Each target's source and where its stamp is kept; None for a build stamps do not cover."""
    if not targets or not stampable(targets, options):
        return None
    sources = [Path(target).resolve() for target in targets]
    return [(source, _key(source, out_dir, options)) for source in sources]


def _stamps(
    targets: Sequence[str], out_dir: Path, options: dict[str, Any]
) -> list[tuple[Path, dict[str, Any]]] | None:
    """Each target's source and stamp; None when one has none (or one that cannot be read)."""
    keys = _stamp_keys(targets, out_dir, options)
    if keys is None:
        return None
    stamps = []
    for source, key in keys:
        data = cache.read_entry(key)
        try:
            stamp = json.loads(data or b"null")
        except ValueError:
            return None
        if not isinstance(stamp, dict) or stamp.get("version") != STAMP_VERSION:
            return None
        stamps.append((source, stamp))
    return stamps


def first_build(targets: Sequence[str], out_dir: Path, options: dict[str, Any]) -> bool:
    """Whether no target was built before into ``out_dir`` with ``options`` (none has a stamp
    there: a stat each, as ``launch`` asks after ``up_to_date`` has read them): then every
    chunk will be rendered."""
    keys = _stamp_keys(targets, out_dir, options)
    return keys is not None and not any(cache.may_hold(key) for _, key in keys)


def targets(sources: Sequence[str], out: Path | None) -> tuple[list[str], Path]:
    """The articles a build of ``sources`` reads and its output folder, as the build finds
    them ([] when it would fail: the build says why)."""
    project = find_project()
    try:
        found = build_targets(sources, project)
    except InputError:
        found = []
    return found, (out or project.episodes_dir).resolve()


def record(
    targets: Sequence[str],
    out_dir: Path,
    options: dict[str, Any],
    episodes: Sequence[tuple[Path, str]],
    started: dict[str, Any],
) -> None:
    """Keep a stamp for each built episode: ``episodes`` holds, in the order of ``targets``,
    each episode's folder and the line the build printed for it; ``started`` is
    ``environment()`` as the command started."""
    if not stampable(targets, options) or len(episodes) != len(targets):
        return
    shared, code = _shared_inputs(find_project(), options.get("show")), _code()
    for target, (folder, line) in zip(targets, episodes, strict=True):
        source = Path(target).resolve()
        inputs = [*_own_inputs(source), *shared]
        stamp = {
            "version": STAMP_VERSION,
            "code": code,
            "environment": started,
            "article": _article_digest(source),
            "inputs": {str(p): _stat(p) for p in inputs},
            "episode": str(folder),
            "outputs": _folder_files(folder),
            "line": line,
        }
        try:
            cache.write_entry(_key(source, out_dir, options), json.dumps(stamp).encode("utf-8"))
        except OSError:
            return  # a cache that cannot be written: the next build just builds
