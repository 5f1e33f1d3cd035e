"""The one place that knows the order of the stages.

ingest -> clean -> segment (+ normalize) -> synthesize -> assemble/encode -> tag -> files.

Each episode is built in a temporary folder beside its final place and moved into place only
when every file is written, so a failed or interrupted build never leaves a half-written
episode where a good one was.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from podcast import assemble, lexicon, manifest, tag, transcript
from podcast.cast import Cast, apply_cast, parse_cast
from podcast.clean import clean
from podcast.errors import InputError, OutputError
from podcast.ingest import ingest
from podcast.models import ChapterMark, Episode, OutputFile, Script
from podcast.project import Project, articles_in, find_project
from podcast.segment import build_script
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
    cast: tuple[str, ...] = ()  # ``--cast`` entries: "quotes=quote", "Musk=anchor"
    rate_wpm: int | None = None  # command-line override of the narrator's rate


def load_script(
    source: str,
    voice: Voice,
    cast: Cast | None = None,
    voices: dict[str, Voice] | None = None,
) -> Script:
    """Read, clean and plan the narration of ``source`` for ``voice``.

    With a ``cast``, quotations are then given to their voices (``voices`` holds each cast
    voice by name).
    """
    article = clean(ingest(source))
    if not article.blocks and not article.title:
        raise InputError(f"{source}: nothing left to say after cleaning")
    script = build_script(article, voice.name, lexicon.speaker(voice.lexicon))
    if cast is None or not cast.active:
        return script
    cast_voices = {voice.name: voice, **(voices or {})}
    return apply_cast(script, cast, {n: lexicon.speaker(v.lexicon) for n, v in cast_voices.items()})


def load_cast(
    entries: Sequence[str],
    narrator: Voice,
    voices_dir: Path,
    show_cast: dict[str, str] | None = None,
) -> tuple[Cast, dict[str, Voice]]:
    """The cast named by ``entries`` (over the show's ``[cast]`` table, ``show_cast``) and
    every voice it uses, loaded and validated."""
    cast = parse_cast(entries, narrator.name, show_cast)
    voices = {narrator.name: narrator}
    for name in cast.voices():
        if name not in voices:
            voices[name] = load_voice(name, voices_dir)
    return cast, voices


def default_sources(project: Project) -> list[str]:
    if not project.seeds_dir.is_dir():
        raise InputError(f"no article given and no seeds/ folder in {project.root}; name a file")
    found = articles_in(project.seeds_dir)
    if not found:
        raise InputError(f"{project.seeds_dir} has no articles (.txt, .md, .html); add one")
    return [str(p) for p in found]


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


def _write_text(path: Path, text: str) -> OutputFile:
    path.write_text(text, encoding="utf-8")
    return OutputFile(path.name, path.stat().st_size)


def _make_dir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {folder} ({exc.strerror}); choose another --out") from exc
    if not os.access(folder, os.W_OK):
        raise OutputError(f"{folder} is not writable; choose another --out")


def build_episode(
    script: Script,
    voice: Voice,
    synthesizer: Synthesizer,
    out_dir: Path,
    bitrate_kbps: int = assemble.DEFAULT_BITRATE_KBPS,
    voices: dict[str, Voice] | None = None,
) -> Episode:
    """Render ``script`` into ``out_dir/<slug>/`` and return what was written."""
    _make_dir(out_dir)
    final = out_dir / script.slug
    _recover(final)
    work = Path(tempfile.mkdtemp(prefix=f".{script.slug}.", suffix=PARTIAL_SUFFIX, dir=out_dir))
    work.chmod(0o755)  # mkdtemp makes it private; an episode folder is for publishing
    try:
        mp3 = work / f"{script.slug}.mp3"
        cast_voices = {voice.name: voice, **(voices or {})}
        spoken = synthesizer.synthesize(script.chunks(), cast_voices, work / "chunks")
        timeline = assemble.render(script, spoken, cast_voices, mp3, bitrate_kbps)
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
        _swap_into_place(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
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
    voice = load_voice(options.voice, project.voices_dir, rate_wpm=options.rate_wpm)
    cast, voices = load_cast(options.cast, voice, project.voices_dir)
    targets = list(sources) or default_sources(project)
    scripts = [load_script(source, voice, cast, voices) for source in targets]
    out_dir = options.out_dir or project.episodes_dir
    with Synthesizer(workers=options.workers, use_cache=options.use_cache) as synthesizer:
        for each in voices.values():
            synthesizer.prepare(each)  # an unknown engine voice fails before any work
        return [
            build_episode(script, voice, synthesizer, out_dir, options.bitrate_kbps, voices)
            for script in scripts
        ]
