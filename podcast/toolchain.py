"""Where the native parts come from: espeak-ng (library + data) and ffmpeg.

The system's copies are used when present (a user may have tuned them); otherwise the wheels
``espeakng-loader`` and ``imageio-ffmpeg`` supply them, so a plain ``pip install`` works on a
machine with no apt and no root. Nothing here downloads anything.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import hashlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from podcast.errors import ToolchainError

SYSTEM_ESPEAK_DATA_DIRS = (
    "/usr/lib/x86_64-linux-gnu/espeak-ng-data",
    "/usr/lib/aarch64-linux-gnu/espeak-ng-data",
    "/usr/share/espeak-ng-data",
    "/usr/local/share/espeak-ng-data",
)
# The names the dynamic loader knows a system libespeak-ng by (Linux, then macOS).
SYSTEM_ESPEAK_LIBRARIES = ("libespeak-ng.so.1", "libespeak-ng.so", "libespeak-ng.dylib")


# glibc's mallopt parameter for the number of malloc arenas (malloc.h: M_ARENA_MAX).
M_ARENA_MAX = -8
GC_YOUNG_OBJECTS = 50_000  # fewer_collections


def one_malloc_arena() -> None:
    """Let every thread of this process allocate from one malloc arena (glibc; elsewhere a
    no-op). Call it in a process of ours before it starts threads.

    glibc gives each thread that allocates its own arena, grown in 64 MB reservations and
    seldom given back: a build's encoder lanes, its meter and espeak-ng's thread each kept
    pages of their own. Measured on the 30,000-word book: the build's main process 82 MB at
    its peak, 72 MB with one arena; the cold build's time within noise (4 interleaved pairs).
    Our threads allocate mostly while holding the GIL, so they rarely contend for the arena.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc: musl and macOS have no arenas to limit
        return
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    mallopt(M_ARENA_MAX, 1)


def fewer_collections() -> None:
    """Look for reference cycles less often in a process of ours (the command's and each
    synthesis worker's; a library caller's process is left alone).

    CPython's default looks every 700 new container objects: 115 times (50-60 ms) in the main
    process of a cold build of the seed, 22 in each worker, mostly while modules are imported
    and over objects that live as long as the process. Every ``GC_YOUNG_OBJECTS`` instead: the
    garbage a cycle can hold between two looks stays small (our code makes few cycles).
    """
    gc.set_threshold(GC_YOUNG_OBJECTS, 10, 10)


def one_blas_thread() -> None:
    """Let numpy's BLAS (OpenBLAS, in numpy's wheels) run on the thread that calls it, in a
    process of ours and the processes it starts (a library caller's are left alone). Call it
    before numpy is imported: OpenBLAS starts its threads when it is loaded.

    Our only BLAS call is the meter's true peak (a 12-tap filter, ``meter.true_peak_of``),
    while the engines and encoders keep every core busy. OpenBLAS starts a thread per core
    when numpy is imported and keeps them spinning for work after each call: importing numpy
    cost 0.17 CPU-s for 0.09 s (0.10 with one thread); the main process of a cold build of the
    seed used 0.06-0.19 CPU-s less with one (medians of 8 interleaved builds, three series,
    both ffmpegs). A user's own ``OPENBLAS_NUM_THREADS`` is kept.
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def distribution_version(name: str) -> str:
    """The installed version of the distribution ``name`` (``pyttsx3``, ``piper-tts``), as
    ``importlib.metadata.version`` gives it, read from the name of its ``.dist-info`` folder
    (``pyttsx3-2.99.dist-info``: the wheel format's escaped name and version) in the first
    ``sys.path`` folder that holds one. Importing ``importlib.metadata`` (email, zipfile, csv)
    and searching with it costs a build's main process 25-30 ms; a folder holding none that
    is plain (an ``.egg-info``, or several versions) is left to ``importlib.metadata``."""
    prefix = name.replace("-", "_").replace(".", "_").lower() + "-"
    for folder in sys.path:
        try:
            entries = os.listdir(folder or ".")
        except OSError:
            continue
        found = [e for e in entries if e.lower().startswith(prefix) and e.endswith("-info")]
        if len(found) == 1 and found[0].endswith(".dist-info"):
            version = found[0][len(prefix) : -len(".dist-info")]
            if version and "-" not in version:
                return version
        if found:
            break
    from importlib.metadata import version as metadata_version

    return metadata_version(name)


@dataclass(frozen=True)
class Espeak:
    library: str
    data_dir: str
    version: str
    origin: str  # "system" or "espeakng-loader wheel"


@dataclass(frozen=True)
class Ffmpeg:
    path: str
    version: str
    origin: str  # "system" or "imageio-ffmpeg wheel"

    @functools.cached_property
    def linked(self) -> bool:
        """Whether its code is in shared libraries that every start loads: then a start costs
        0.06-0.14 CPU-s (Debian's ffmpeg 5.1 is a 0.3 MB program and 215 libraries), against
        0.013 for a static build (the wheel's, 170 MB). Told from the binary's size
        (``_small_program``); an unreadable one counts as linked, the costlier case."""
        try:
            return _small_program(self.path)
        except OSError:
            return True


def _espeak_version(library: str) -> str:
    lib = ctypes.CDLL(library)
    lib.espeak_Info.restype = ctypes.c_char_p
    raw = lib.espeak_Info(None)
    return raw.decode("ascii", "replace") if raw else "unknown"


def _system_espeak(data: str) -> Espeak | None:
    """The system's libespeak-ng, asked of the dynamic loader by name.

    Not ``ctypes.util.find_library``: where the library is missing it runs ldconfig, gcc and
    ld in turn (15 ms, in every process that synthesizes), and the loader answers in microseconds.
    """
    for name in SYSTEM_ESPEAK_LIBRARIES:
        try:
            return Espeak(name, data, _espeak_version(name), "system")
        except (OSError, AttributeError):  # not there, or not espeak-ng
            continue
    return None


@functools.cache
def find_espeak() -> Espeak:
    """Locate libespeak-ng and its data; prefer the system's, fall back to the wheel."""
    if os.environ.get("PODCAST_ESPEAK") != "wheel":
        data = os.environ.get("ESPEAK_DATA_PATH") or next(
            (d for d in SYSTEM_ESPEAK_DATA_DIRS if Path(d, "phontab").exists()), None
        )
        system = _system_espeak(data) if data else None
        if system is not None:
            return system
    try:
        import espeakng_loader
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise ToolchainError(
            "espeak-ng not found: install it (apt install espeak-ng) or run "
            "'pip install espeakng-loader'"
        ) from exc
    library = str(espeakng_loader.get_library_path())
    data = str(espeakng_loader.get_data_path())
    if not Path(library).exists() or not Path(data, "phontab").exists():
        raise ToolchainError(
            f"the espeakng-loader wheel is incomplete ({library}): reinstall it with "
            "'pip install --force-reinstall espeakng-loader'"
        )
    return Espeak(library, data, _espeak_version(library), "espeakng-loader wheel")


def load_espeak() -> Espeak:
    """Make libespeak-ng loadable by pyttsx3 in this process (call before importing pyttsx3).

    pyttsx3 dlopens ``libespeak-ng.so.1`` by name; loading our copy first with RTLD_GLOBAL makes
    that lookup resolve to it, and ESPEAK_DATA_PATH points the library at the matching data.
    """
    espeak = find_espeak()
    os.environ["ESPEAK_DATA_PATH"] = espeak.data_dir
    ctypes.CDLL(espeak.library, mode=ctypes.RTLD_GLOBAL)
    return espeak


def _ffmpeg_version(path: str) -> str:
    """The binary's version, run once per binary and then read from the cache.

    ``ffmpeg -version`` costs 20-60 ms at the start of every build (it is part of every
    encoded part's cache key); a file named after the binary's path, size and time of last
    change answers instead, and a replaced binary gets a new name.
    """
    from podcast.cache import atomic_write, cache_root

    try:
        stat = os.stat(path)
    except OSError:
        return _run_ffmpeg_version(path)
    stamp = f"{os.path.realpath(path)}|{stat.st_size}|{stat.st_mtime_ns}"
    memo = cache_root() / "engine" / f"ffmpeg-{hashlib.sha256(stamp.encode()).hexdigest()}"
    with contextlib.suppress(OSError, UnicodeDecodeError):
        known = memo.read_text(encoding="utf-8").strip()
        if known:
            return known
    version = _banner_version(path) or _run_ffmpeg_version(path)
    with contextlib.suppress(OSError):
        atomic_write(memo, version.encode("utf-8"))
    return version


# ffmpeg's banner is one string literal, "%s version " FFMPEG_VERSION, in the ffmpeg binary;
# a distribution's ffmpeg is a small program linked against its libraries (Debian's: 0.3 MB),
# and starting it costs 0.1-0.3 CPU-s (the dynamic loader resolves 200 libraries). Reading the
# literal costs a millisecond. A static build (the wheel's, 170 MB) starts in 0.03 s: run it.
_BANNER = re.compile(rb"%s version ([0-9A-Za-z][\x21-\x7e]{0,80})[ \0]")
_SMALL_PROGRAM_BYTES = 4 * 1024 * 1024


def _small_program(path: str) -> bool:
    """Whether the binary at ``path`` is a small program whose code is in shared libraries
    (a distribution's ffmpeg), not a static build (OSError if it cannot be read)."""
    return os.path.getsize(path) <= _SMALL_PROGRAM_BYTES


def _banner_version(path: str) -> str | None:
    """The version in a small ffmpeg binary's banner literal, without running it."""
    try:
        if not _small_program(path):
            return None
        with open(path, "rb") as fh:
            found = _BANNER.search(fh.read())
    except OSError:
        return None
    return found.group(1).decode("ascii") if found else None


def _run_ffmpeg_version(path: str) -> str:
    try:
        out = subprocess.run(
            [path, "-hide_banner", "-version"], capture_output=True, text=True, timeout=20
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolchainError(f"ffmpeg at {path} does not run ({exc}): reinstall it") from exc
    first = out.splitlines()[0] if out else ""
    parts = first.split()
    return parts[2] if len(parts) > 2 and parts[0] == "ffmpeg" else "unknown"


@functools.cache
def find_ffmpeg() -> Ffmpeg:
    """Locate an ffmpeg binary; prefer the system's, fall back to the imageio-ffmpeg wheel."""
    if os.environ.get("PODCAST_FFMPEG") != "wheel":
        system = shutil.which("ffmpeg")
        if system:
            return Ffmpeg(system, _ffmpeg_version(system), "system")
    try:
        import imageio_ffmpeg

        path = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise ToolchainError(
            "ffmpeg not found: install it (apt install ffmpeg) or run 'pip install imageio-ffmpeg'"
        ) from exc
    return Ffmpeg(path, _ffmpeg_version(path), "imageio-ffmpeg wheel")


def find_ffprobe() -> str | None:
    """ffprobe is optional (the wheel has none); readers fall back to ffmpeg's ffmetadata."""
    return shutil.which("ffprobe")


# Settings the located tools read from the environment (besides podcast's own PODCAST_*).
TOOL_ENVIRONMENT = ("ESPEAK_DATA_PATH",)


def tool_files() -> list[str]:
    """The files of the tools a build ran (the ffmpeg binary; espeak-ng's library and data
    when it is found): a change to one of them makes the build's stamps stale."""
    found = [find_ffmpeg().path]
    try:
        espeak = find_espeak()
    except ToolchainError:
        return found
    return [*found, espeak.library, espeak.data_dir]
