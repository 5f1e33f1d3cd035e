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
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podcast import assemble, lang, lexicon, manifest, tag, transcript
from podcast.cache import cache_root
from podcast.cast import Cast, apply_cast, parse_cast
from podcast.clean import clean
from podcast.errors import InputError, OutputError
from podcast.ingest import ingest
from podcast.models import ChapterMark, Episode, OutputFile, Script, SpokenChunk
from podcast.normalize import load_lexicon
from podcast.progress import ENCODING, SYNTHESIS, Progress
from podcast.project import Project, articles_in, find_project
from podcast.segment import build_script
from podcast.synthesize import Synthesizer
from podcast.voices import DEFAULT_VOICE_NAME, Voice, load_voice

DEFAULT_SHOW_TITLE = "Articles, Read Aloud"
PARTIAL_SUFFIX = ".partial"
LEXICON_FILE = "lexicon.toml"
PREVIOUS_SUFFIX = ".previous"


@dataclass(frozen=True)
class BuildOptions:
    voice: str = DEFAULT_VOICE_NAME
    out_dir: Path | None = None
    bitrate_kbps: int = assemble.DEFAULT_BITRATE_KBPS
    use_cache: bool = True
    workers: int | None = None
    filters: tuple[str, ...] = ()  # extra ffmpeg -af filters applied before encoding
    language: str | None = None
    cast: tuple[str, ...] = ()  # ``--cast`` entries: "quotes=quote", "Musk=anchor"
    rate_wpm: int | None = None  # command-line override of the narrator's rate


def load_script(
    source: str,
    voice: Voice,
    language: str | None = None,
    cast: Cast | None = None,
    voices: dict[str, Voice] | None = None,
) -> Script:
    """Read, clean and plan the narration of ``source`` for ``voice``.

    ``language`` overrides the article's own (metadata, else detected); a non-English article
    is normalized without the English rules. The project's ``lexicon.toml`` applies under each
    voice's own lexicon. With a ``cast``, quotations are then given to their voices
    (``voices`` holds each cast voice by name).
    """
    article = lang.resolve(clean(ingest(source)), language)
    if not article.blocks and not article.title:
        raise InputError(f"{source}: nothing left to say after cleaning")
    project_lexicon = load_lexicon(find_project().root / LEXICON_FILE)

    def say_for(each: Voice) -> Callable[[str], str]:
        return lexicon.speaker({**project_lexicon, **each.lexicon}, article.language)

    narrator = lang.voice_for(voice, article.language)
    script = build_script(article, narrator.name, say_for(narrator))
    if cast is None or not cast.active:
        return script
    cast_voices = {**(voices or {}), narrator.name: narrator}
    return apply_cast(script, cast, {n: say_for(v) for n, v in cast_voices.items()})


def load_cast(
    entries: Sequence[str], narrator: Voice, voices_dir: Path
) -> tuple[Cast, dict[str, Voice]]:
    """The cast named by ``entries`` and every voice it uses, loaded and validated."""
    cast = parse_cast(entries, narrator.name)
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


@dataclass
class _Pending:
    """An episode whose parts are being rendered and encoded in the background."""

    script: Script
    voice: Voice
    final: Path
    work: Path
    parts: list[assemble.Part]
    encoded: list[Future[assemble.EncodedPart]]


def _start_episode(
    script: Script,
    voice: Voice,
    synthesizer: Synthesizer,
    encoders: ThreadPoolExecutor,
    out_dir: Path,
    bitrate_kbps: int,
    filters: Sequence[str],
    progress: Progress,
    cast_voices: dict[str, Voice] | None = None,
) -> _Pending:
    """Plan ``script``'s parts, reuse the cached ones, start rendering and encoding the rest."""
    _make_dir(out_dir)
    final = out_dir / script.slug
    _recover(final)
    work = Path(tempfile.mkdtemp(prefix=f".{script.slug}.", suffix=PARTIAL_SUFFIX, dir=out_dir))
    work.chmod(0o755)  # mkdtemp makes it private; an episode folder is for publishing
    voices = {**(cast_voices or {}), voice.name: voice}
    try:
        spoken = synthesizer.locate(script.chunks(), voices, work / "chunks")
        parts = assemble.plan_parts(script, voices)
        version = assemble.encoder_version()
        parts_dir = cache_root() / "parts" if synthesizer.use_cache else work / "parts"
        encoded: list[Future[assemble.EncodedPart]] = []
        to_render = 0
        for part in parts:
            items = spoken[part.first_chunk : part.first_chunk + len(part.chunks)]
            keys = [item.wav_path.stem for item in items]
            key = assemble.part_key(part, keys, bitrate_kbps, filters, version)
            path = parts_dir / key[:2] / f"{key}.part"
            cached = assemble.load_part(path) if synthesizer.use_cache else None
            if cached is not None:
                done: Future[assemble.EncodedPart] = Future()
                done.set_result(cached)
                encoded.append(done)
                progress.add(ENCODING, 1, done=1)
                continue
            before = synthesizer.rendered
            chunk_jobs = synthesizer.render(items)
            to_render += synthesizer.rendered - before
            progress.add(ENCODING, 1)
            encoded.append(
                encoders.submit(
                    _encode, part, items, chunk_jobs, path, bitrate_kbps, filters, progress
                )
            )
        progress.add(SYNTHESIS, to_render)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return _Pending(script, voice, final, work, parts, encoded)


def _encode(
    part: assemble.Part,
    items: Sequence[SpokenChunk],
    chunk_jobs: Sequence[Future[Any]],
    path: Path,
    bitrate_kbps: int,
    filters: Sequence[str],
    progress: Progress,
) -> assemble.EncodedPart:
    for job in chunk_jobs:
        job.result()
    result = assemble.encode_part(part, [i.wav_path for i in items], path, bitrate_kbps, filters)
    progress.advance(ENCODING)
    return result


def _finish_episode(pending: _Pending) -> Episode:
    """Join the parts, tag the MP3, write the side files and move the episode into place."""
    script, work = pending.script, pending.work
    try:
        encoded = [future.result() for future in pending.encoded]
        mp3 = work / f"{script.slug}.mp3"
        assemble.join_parts(encoded, mp3)
        timeline = assemble.timeline(script, pending.parts, encoded)
        # read back from the Info header (mutagen ignores ffmpeg's encoder delay and padding)
        duration_ms = assemble.mp3_duration_ms(mp3)
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
        for scratch in ("chunks", "parts"):
            shutil.rmtree(work / scratch, ignore_errors=True)
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
            manifest.episode_json(script, pending.voice.name, duration_ms, marks, files),
        )
        files.append(OutputFile("episode.json", (work / "episode.json").stat().st_size))
        _swap_into_place(work, pending.final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Episode(
        slug=script.slug,
        title=script.title,
        directory=pending.final,
        mp3_name=f"{script.slug}.mp3",
        duration_ms=duration_ms,
        chapters=marks,
        files=tuple(files),
    )


def build_episode(
    script: Script,
    voice: Voice,
    synthesizer: Synthesizer,
    out_dir: Path,
    bitrate_kbps: int = assemble.DEFAULT_BITRATE_KBPS,
    filters: Sequence[str] = (),
    progress: Progress | None = None,
    voices: dict[str, Voice] | None = None,
) -> Episode:
    """Render ``script`` into ``out_dir/<slug>/`` and return what was written.

    ``voices`` holds the cast's other voices by name (the narrator is ``voice``).
    """
    with ThreadPoolExecutor(synthesizer.workers, thread_name_prefix="encode") as encoders:
        pending = _start_episode(script, voice, synthesizer, encoders, out_dir, bitrate_kbps,
                                 filters, progress or Progress(), voices)  # fmt: skip
        try:
            return _finish_episode(pending)
        except BaseException:
            for future in pending.encoded:
                future.cancel()
            raise


def _fit_to(chapters: tuple[ChapterMark, ...], duration_ms: int) -> tuple[ChapterMark, ...]:
    """Chapters contiguous from 0 to the MP3's real duration (encoding shifts it by a few ms)."""
    fitted = list(chapters)
    if fitted:
        last = fitted[-1]
        fitted[-1] = ChapterMark(last.title, last.start_ms, max(duration_ms, last.start_ms + 1))
    return tuple(fitted)


def build(
    sources: Sequence[str], options: BuildOptions, progress: Progress | None = None
) -> list[Episode]:
    """Build one episode per source (default: every article in the project's seeds/).

    All episodes share one pool of synthesis workers and one set of encoders: every part of
    every episode is queued at once, in order, so the cores stay busy across articles while
    the episodes are finished (joined, tagged, written) one after another.
    """
    project = find_project()
    voice = load_voice(options.voice, project.voices_dir, rate_wpm=options.rate_wpm)
    cast, voices = load_cast(options.cast, voice, project.voices_dir)
    targets = list(sources) or default_sources(project)
    scripts = [load_script(source, voice, options.language, cast, voices) for source in targets]
    speakers = [lang.voice_for(voice, script.language) for script in scripts]
    out_dir = options.out_dir or project.episodes_dir
    progress = progress or Progress()
    with Synthesizer(
        workers=options.workers,
        use_cache=options.use_cache,
        on_rendered=lambda: progress.advance(SYNTHESIS),
    ) as synthesizer:
        for each in {v.engine_voice: v for v in [*voices.values(), *speakers]}.values():
            synthesizer.prepare(each)  # an unknown engine voice fails before any work
        with ThreadPoolExecutor(synthesizer.workers, thread_name_prefix="encode") as encoders:
            pending: list[_Pending] = []
            try:
                for script, speaker in zip(scripts, speakers, strict=True):
                    pending.append(
                        _start_episode(script, speaker, synthesizer, encoders, out_dir,
                                       options.bitrate_kbps, options.filters, progress, voices)
                    )  # fmt: skip
                episodes = []
                while pending:
                    episodes.append(_finish_episode(pending.pop(0)))
                return episodes
            except BaseException:
                for job in pending:
                    for future in job.encoded:
                        future.cancel()
                synthesizer.close()  # stop rendering before waiting for the encoders
                for job in pending:
                    shutil.rmtree(job.work, ignore_errors=True)
                raise
