"""The one place that knows the order of the stages.

ingest -> clean -> segment (+ normalize) -> synthesize -> assemble/encode -> tag -> files.

Each episode is built in a temporary folder beside its final place and moved into place only
when every file is written, so a failed or interrupted build never leaves a half-written
episode where a good one was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from podcast import assemble, manifest, tag, transcript
from podcast.clean import clean
from podcast.errors import InputError, OutputError
from podcast.ingest import ingest
from podcast.models import ChapterMark, Episode, OutputFile, Script
from podcast.normalize import normalize
from podcast.project import Project, articles_in, find_project
from podcast.segment import build_script, is_safe_slug
from podcast.speakable import check_speakable
from podcast.synthesize import Synthesizer
from podcast.voices import DEFAULT_VOICE_NAME, Voice, load_voice

DEFAULT_SHOW_TITLE = "Articles, Read Aloud"
PARTIAL_SUFFIX = ".partial"
PREVIOUS_SUFFIX = ".previous"


@dataclass(frozen=True)
class BuildOptions:
    voice: str = DEFAULT_VOICE_NAME
    out_dir: Path | None = None
    bitrate_kbps: int = assemble.DEFAULT_BITRATE_KBPS
    use_cache: bool = True
    workers: int | None = None


def load_script(source: str, voice: Voice) -> Script:
    """Read, clean and plan the narration of ``source`` for ``voice``."""
    article = clean(ingest(source))
    if not article.blocks and not article.title:
        raise InputError(f"{source}: nothing left to say after cleaning")
    check_speakable(article, voice, article.source or source)
    return build_script(article, voice.name, partial(normalize, lexicon=voice.lexicon))


def expand_sources(sources: Sequence[str]) -> list[str]:
    """Files as given; a folder stands for the articles directly inside it."""
    expanded: list[str] = []
    for source in sources:
        folder = Path(source)
        if source != "-" and folder.is_dir():
            found = articles_in(folder)
            if not found:
                raise InputError(
                    f"{source} has no articles (.txt, .md, .html); add one or name a file"
                )
            expanded += [str(p) for p in found]
        else:
            expanded.append(source)
    return expanded


def default_sources(project: Project) -> list[str]:
    if not project.seeds_dir.is_dir():
        raise InputError(f"no article given and no seeds/ folder in {project.root}; name a file")
    found = articles_in(project.seeds_dir)
    if not found:
        raise InputError(f"{project.seeds_dir} has no articles (.txt, .md, .html); add one")
    return [str(p) for p in found]


# Writing failures that mean "the disk is full" rather than "this place is off limits".
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (no lock file: the folder itself is locked), so two
    builds never swap, recover or sweep the same episode at the same moment."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: best effort without a lock
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sweep_partials(out_dir: Path) -> None:
    """Remove temporary episode folders left by builds that were killed (SIGKILL, power cut).

    Their names carry the building process's id; a folder of a process still running is
    another build at work and is left alone.
    """
    for folder in out_dir.glob(f".*{PARTIAL_SUFFIX}"):
        owner = folder.name.removesuffix(PARTIAL_SUFFIX).split(".")
        pid = next((int(p[3:]) for p in owner if p.startswith("pid") and p[3:].isdigit()), None)
        if folder.is_dir() and (pid is None or not _pid_alive(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _recover(final: Path) -> None:
    """Put back the previous episode if a build was killed between the two renames."""
    previous = final.with_name(f".{final.name}{PREVIOUS_SUFFIX}")
    if previous.is_dir() and not final.exists():
        os.replace(previous, final)


def _swap_into_place(built: Path, final: Path) -> None:
    previous = final.with_name(f".{final.name}{PREVIOUS_SUFFIX}")
    if previous.exists():
        shutil.rmtree(previous)
    if final.exists():
        os.replace(final, previous)
    os.replace(built, final)
    shutil.rmtree(previous, ignore_errors=True)


def _write_failed(exc: OSError, where: Path) -> OutputError:
    place = exc.filename or where
    if exc.errno in _DISK_FULL:
        return OutputError(
            f"ran out of disk space writing {place} ({exc.strerror}); free some space "
            "or choose another --out; the previous episode is untouched"
        )
    return OutputError(
        f"cannot write {place} ({exc.strerror or exc}); check its permissions or choose "
        "another --out"
    )


def _write_text(path: Path, text: str) -> OutputFile:
    path.write_text(text, encoding="utf-8")
    return OutputFile(path.name, path.stat().st_size)


def _make_dir(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} is a file, not a folder; choose another --out")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {folder} ({exc.strerror}); choose another --out") from exc
    if not os.access(folder, os.W_OK):
        raise OutputError(f"{folder} is not writable (Permission denied); choose another --out")


def build_episode(
    script: Script,
    voice: Voice,
    synthesizer: Synthesizer,
    out_dir: Path,
    bitrate_kbps: int = assemble.DEFAULT_BITRATE_KBPS,
) -> Episode:
    """Render ``script`` into ``out_dir/<slug>/`` and return what was written."""
    if not is_safe_slug(script.slug):  # the one name we derive inside the output folder
        raise InputError(
            f"{script.source}: episode name {script.slug!r} is not a plain ASCII name; "
            "use letters, digits and dashes"
        )
    _make_dir(out_dir)
    final = out_dir / script.slug
    try:
        with _locked(out_dir):
            _sweep_partials(out_dir)
            _recover(final)
        work = Path(
            tempfile.mkdtemp(
                prefix=f".{script.slug}.pid{os.getpid()}.", suffix=PARTIAL_SUFFIX, dir=out_dir
            )
        )
        work.chmod(0o755)  # mkdtemp makes it private; an episode folder is for publishing
    except OSError as exc:
        if exc.errno in _DISK_FULL:
            raise _write_failed(exc, out_dir) from exc
        # root passes the access check above and still meets read-only file systems
        raise OutputError(
            f"{out_dir} is not writable ({exc.strerror}); choose another --out"
        ) from exc
    try:
        mp3 = work / f"{script.slug}.mp3"
        spoken = synthesizer.synthesize(script.chunks(), {voice.name: voice}, work / "chunks")
        timeline = assemble.render(script, spoken, {voice.name: voice}, mp3, bitrate_kbps)
        duration_ms = tag.mp3_duration_ms(mp3)
        marks = _fit_to(timeline.chapters, duration_ms)
        tag.write_tags(
            mp3,
            tag.EpisodeTags(
                title=script.title,
                artist=script.author or DEFAULT_SHOW_TITLE,
                album=DEFAULT_SHOW_TITLE,
                date=script.date or dt.date.today().isoformat(),
                comment=f"Source: {script.url or script.source}",
            ),
            marks,
        )
        shutil.rmtree(work / "chunks", ignore_errors=True)
        files = [
            OutputFile(mp3.name, mp3.stat().st_size),
            _write_text(
                work / "chapters.json",
                manifest.chapters_json(script.title, DEFAULT_SHOW_TITLE, mp3.name, marks),
            ),
            _write_text(work / "transcript.vtt", transcript.webvtt(timeline.cues)),
            _write_text(work / "transcript.srt", transcript.srt(timeline.cues)),
        ]
        _write_text(
            work / "episode.json",
            manifest.episode_json(script, voice.name, duration_ms, marks, files),
        )
        files.append(OutputFile("episode.json", (work / "episode.json").stat().st_size))
        with _locked(out_dir):
            _swap_into_place(work, final)
    except BaseException as exc:
        # Workers may still be writing chunks into work/ (--no-cache): stop them first.
        synthesizer.close()
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise _write_failed(exc, work) from exc
        raise
    return Episode(
        slug=script.slug,
        title=script.title,
        directory=final,
        mp3_name=f"{script.slug}.mp3",
        duration_ms=duration_ms,
        chapters=marks,
        files=tuple(files),
    )


def _fit_to(chapters: tuple[ChapterMark, ...], duration_ms: int) -> tuple[ChapterMark, ...]:
    """Chapters contiguous from 0 to the MP3's real duration (encoding shifts it by a few ms)."""
    fitted = list(chapters)
    if fitted:
        last = fitted[-1]
        fitted[-1] = ChapterMark(last.title, last.start_ms, max(duration_ms, last.start_ms + 1))
    return tuple(fitted)


def build(sources: Sequence[str], options: BuildOptions) -> list[Episode]:
    """Build one episode per source (default: every article in the project's seeds/)."""
    project = find_project()
    voice = load_voice(options.voice, project.voices_dir)
    targets = expand_sources(sources) or default_sources(project)
    scripts = [load_script(source, voice) for source in targets]
    out_dir = options.out_dir or project.episodes_dir
    with Synthesizer(workers=options.workers, use_cache=options.use_cache) as synthesizer:
        synthesizer.prepare(voice)  # an unknown engine voice fails before any work
        return [
            build_episode(script, voice, synthesizer, out_dir, options.bitrate_kbps)
            for script in scripts
        ]
