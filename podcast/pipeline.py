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
from functools import partial
from pathlib import Path

from podcast import assemble, loudness, manifest, shownotes, structure, tag, transcript
from podcast.clean import clean
from podcast.cover import image_info
from podcast.errors import InputError, OutputError
from podcast.ingest import ingest
from podcast.models import ChapterMark, Episode, OutputFile, Script
from podcast.normalize import normalize
from podcast.project import Project, articles_in, find_project
from podcast.segment import build_script
from podcast.show import Show, load_show
from podcast.synthesize import Synthesizer
from podcast.voices import DEFAULT_VOICE_NAME, Voice, load_voice

NARRATOR_SPEAKER = "Narrator"  # the speaker of transcript segments that name none
PARTIAL_SUFFIX = ".partial"
PREVIOUS_SUFFIX = ".previous"
MAX_ENCODES = 2  # a second encode only when the first misses the loudness spec


@dataclass(frozen=True)
class BuildOptions:
    voice: str | None = None  # None: the show's voice, else the default voice
    out_dir: Path | None = None
    bitrate_kbps: int = assemble.DEFAULT_BITRATE_KBPS
    use_cache: bool = True
    workers: int | None = None
    show: Path | None = None  # None: podcast.toml at the project root, else built-in defaults


def load_script(source: str, voice: Voice) -> Script:
    """Read, clean and plan the narration of ``source`` for ``voice``."""
    article = clean(ingest(source))
    if not article.blocks and not article.title:
        raise InputError(f"{source}: nothing left to say after cleaning")
    return build_script(article, voice.name, partial(normalize, lexicon=voice.lexicon))


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
    show: Show | None = None,
) -> Episode:
    """Render ``script`` into ``out_dir/<slug>/`` and return what was written.

    ``show`` adds the intro, outro and between-chapter parts, and names the show in the tags.
    """
    show = show or Show()
    article_script = script
    produced = structure.add_structure(
        script, show, voice.name, partial(normalize, lexicon=voice.lexicon)
    )
    script = produced.script
    _make_dir(out_dir)
    final = out_dir / script.slug
    _recover(final)
    work = Path(tempfile.mkdtemp(prefix=f".{script.slug}.", suffix=PARTIAL_SUFFIX, dir=out_dir))
    work.chmod(0o755)  # mkdtemp makes it private; an episode folder is for publishing
    try:
        mp3 = work / f"{script.slug}.mp3"
        speech = synthesizer.synthesize(
            produced.speech_chunks(), {voice.name: voice}, work / "chunks"
        )
        spoken = list(structure.in_order(produced, speech, work / "chunks" / "parts"))
        with loudness.Stopwatch() as loudness_time:
            level = loudness.plan(loudness.measure_wavs(s.wav_path for s in spoken))
        encodes = 0
        while True:
            timeline = assemble.render(
                script, iter(spoken), {voice.name: voice}, mp3, bitrate_kbps, level.filters()
            )
            encodes += 1
            with loudness_time:
                verified = loudness.measure_file(mp3)
            if verified.within_spec() or encodes == MAX_ENCODES:
                break
            level = loudness.corrected(level, verified)
        duration_ms = tag.mp3_duration_ms(mp3)
        marks = _fit_to(timeline.chapters, duration_ms)
        cues = tuple(cue for cue in timeline.cues if cue.text.strip())  # jingles have no words
        cover_bytes, cover_mime = b"", ""
        if show.cover:
            cover_bytes = show.cover.read_bytes()
            info = image_info(cover_bytes)
            cover_mime = info.mime if info else "image/png"
        source = script.url or script.source
        tag.write_tags(
            mp3,
            tag.EpisodeTags(
                title=script.title,
                artist=script.author or show.author,
                album=show.title,
                date=script.date or dt.date.today().isoformat(),
                comment=f"Source: {source}",
                cover=cover_bytes,
                cover_mime=cover_mime or "image/png",
            ),
            marks,
        )
        shutil.rmtree(work / "chunks", ignore_errors=True)
        notes = shownotes.Notes(
            title=script.title,
            show=show.title,
            source=source,
            author=script.author,
            date=script.date,
        )
        files = [
            OutputFile(mp3.name, mp3.stat().st_size),
            _write_text(
                work / "chapters.json",
                manifest.chapters_json(script.title, show.title, mp3.name, marks),
            ),
            _write_text(work / "transcript.vtt", transcript.webvtt(cues)),
            _write_text(work / "transcript.srt", transcript.srt(cues)),
            _write_text(
                work / "transcript.json", transcript.podcasting20_json(cues, NARRATOR_SPEAKER)
            ),
            _write_text(work / "shownotes.md", shownotes.markdown(notes, marks)),
            _write_text(work / "shownotes.html", shownotes.html_fragment(notes, marks)),
        ]
        _write_text(
            work / "episode.json",
            manifest.episode_json(
                article_script,
                voice.name,
                duration_ms,
                marks,
                files,
                {
                    "show": show.title,
                    "source_url": script.url,
                    "bitrate_kbps": bitrate_kbps,
                    "loudness": loudness.report(level, verified, loudness_time.seconds, encodes),
                },
            ),
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
    show = load_show(options.show, project.root)
    voice = load_voice(options.voice or show.voice or DEFAULT_VOICE_NAME, project.voices_dir)
    targets = list(sources) or default_sources(project)
    scripts = [load_script(source, voice) for source in targets]
    out_dir = options.out_dir or project.episodes_dir
    with Synthesizer(workers=options.workers, use_cache=options.use_cache) as synthesizer:
        synthesizer.prepare(voice)  # an unknown engine voice fails before any work
        return [
            build_episode(script, voice, synthesizer, out_dir, options.bitrate_kbps, show)
            for script in scripts
        ]
