"""The one place that knows the order of the stages.

ingest -> clean -> segment (+ normalize) -> synthesize -> assemble/encode -> tag -> files.

Each episode is built in a temporary folder beside its final place and moved into place only
when every file is written, so a failed or interrupted build never leaves a half-written
episode where a good one was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podcast import engines, toolchain
from podcast.audio import assemble, loudness, structure
from podcast.build import manifest, shownotes, transcript
from podcast.cache import atomic_write, cache_root, remove_stale_temporaries
from podcast.config.cover import image_info
from podcast.config.show import Show, load_show
from podcast.config.voices import DEFAULT_VOICE_NAME, Voice, load_voice
from podcast.errors import InputError, OutputError
from podcast.formats.mp3 import id3 as tag
from podcast.models import ChapterMark, Episode, OutputFile, Script, SpokenChunk
from podcast.progress import ENCODING, SYNTHESIS, Progress
from podcast.project import Project, articles_in, find_project
from podcast.synth.synthesize import Synthesizer
from podcast.text import lang, lexicon
from podcast.text.cast import Cast, apply_cast, parse_cast
from podcast.text.clean import clean
from podcast.text.normalize import load_lexicon
from podcast.text.readers.ingest import ingest
from podcast.text.segment import build_script, is_safe_slug
from podcast.text.speakable import check_speakable

NARRATOR_SPEAKER = "Narrator"  # the speaker of transcript segments that name none
MAX_ENCODES = 2  # a second encode only when the first misses the loudness spec
PREDICT_WORDS = 150  # the opening speech (about a minute) whose loudness sets the gain
PARTIAL_SUFFIX = ".partial"
LEXICON_FILE = "lexicon.toml"
PREVIOUS_SUFFIX = ".previous"
# loudness readings kept in the cache beside a chunk's WAV and beside an encoded part
SPEECH_LEVEL_MEMO = f".level-v{loudness.READINGS_VERSION}.json"
PART_LOUDNESS_MEMO = f".loudness-v{loudness.READINGS_VERSION}.json"


@dataclass(frozen=True)
class BuildOptions:
    voice: str | None = None  # None: the show's voice, else the default voice
    out_dir: Path | None = None
    bitrate_kbps: int = assemble.DEFAULT_BITRATE_KBPS
    use_cache: bool = True
    workers: int | None = None
    filters: tuple[str, ...] = ()  # extra ffmpeg -af filters applied before encoding
    language: str | None = None
    cast: tuple[str, ...] = ()  # ``--cast`` entries: "quotes=quote", "Musk=anchor"
    rate_wpm: int | None = None  # command-line override of the narrator's rate
    show: Path | None = None  # None: podcast.toml at the project root, else built-in defaults


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
    check_speakable(article, narrator, article.source or source)
    script = build_script(article, narrator.name, say_for(narrator))
    if cast is None or not cast.active:
        return script
    cast_voices = {**(voices or {}), narrator.name: narrator}
    return apply_cast(script, cast, {n: say_for(v) for n, v in cast_voices.items()})


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


@dataclass(frozen=True)
class Setup:
    """What every episode of one build shares: the show, the narrator and the cast."""

    project: Project
    show: Show
    narrator: Voice
    cast: Cast
    voices: dict[str, Voice]  # every voice the cast uses, by name (the narrator included)


def setup(options: BuildOptions) -> Setup:
    """Load and validate the show, the voices and the cast that ``options`` name."""
    project = find_project()
    show = load_show(options.show, project.root)
    name = options.voice or show.voice or DEFAULT_VOICE_NAME
    narrator = load_voice(name, project.voices_dir, rate_wpm=options.rate_wpm)
    cast, voices = load_cast(options.cast, narrator, project.voices_dir, show.cast)
    return Setup(project, show, narrator, cast, voices)


def plan_episode(
    source: str, plan: Setup, language: str | None = None
) -> tuple[structure.Structure, Voice]:
    """Everything the episode of ``source`` will say, in order (the show's intro and outro
    included), and the narrator that speaks its language."""
    script = load_script(source, plan.narrator, language, plan.cast, plan.voices)
    script = dataclasses.replace(script, source=_shown(script.source, plan.project.root))
    speaker = lang.voice_for(plan.narrator, script.language)
    project_lexicon = load_lexicon(plan.project.root / LEXICON_FILE)
    say = lexicon.speaker({**project_lexicon, **speaker.lexicon}, script.language)
    return structure.add_structure(script, plan.show, speaker.name, say), speaker


def _shown(source: str, root: Path) -> str:
    """How a source is named in tags and manifests: relative to the project when inside it."""
    try:
        return Path(source).resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return source


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


def _remove_own_partials(out_dir: Path) -> None:
    if out_dir.is_dir():
        for folder in out_dir.glob(f".*.pid{os.getpid()}.*{PARTIAL_SUFFIX}"):
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


@dataclass
class _Pending:
    """An episode whose parts are being rendered and encoded in the background."""

    script: Script  # with the show's intro, outro and between-chapter parts
    article_script: Script  # the article alone (for the manifest)
    voice: Voice
    final: Path
    work: Path
    parts: list[assemble.Part]
    encoded: list[Future[assemble.EncodedPart]]
    spoken: list[SpokenChunk]
    show: Show
    level: loudness.LoudnessPlan
    filters: tuple[str, ...]  # the caller's extra filters (the loudness chain comes after)
    bitrate_kbps: int
    loudness_seconds: float
    rendering: list[Future[Any]]  # every chunk it gave the engines (encoding starts before)


def _start_episode(
    produced: structure.Structure,
    voice: Voice,
    synthesizer: Synthesizer,
    encoders: ThreadPoolExecutor,
    out_dir: Path,
    bitrate_kbps: int,
    filters: Sequence[str],
    progress: Progress,
    cast_voices: dict[str, Voice] | None = None,
    show: Show | None = None,
) -> _Pending:
    """Start rendering the planned episode's speech, and encoding it part by part.

    The gain comes from the opening minute of speech (``_opening``), so encoding starts while
    the engines render the rest; every part gets the same gain + limiter chain, each encoder
    waits for its own part's chunks, and parts already in the cache with that chain are reused.
    """
    script, article_script = produced.script, produced.article
    if not is_safe_slug(script.slug):  # the one name we derive inside the output folder
        raise InputError(
            f"{script.source}: episode name {script.slug!r} is not a plain ASCII name; "
            "use letters, digits and dashes"
        )
    _make_dir(out_dir)
    show = show or Show()
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
    voices = {**(cast_voices or {}), voice.name: voice}
    try:
        before = synthesizer.rendered
        located = synthesizer.locate(produced.speech_chunks(), voices, work / "chunks")
        # the show's produced parts (intro, outro) are mixed from their lines: render those first
        lines = {line for part in produced.parts.values() for line in part.lines}
        first = synthesizer.render([item for item in located if item.chunk in lines])
        paths = [item.wav_path for item in located]
        jobs = dict(zip(paths, synthesizer.render(located), strict=True))
        progress.add(SYNTHESIS, synthesizer.rendered - before)
        for job in first:
            job.result()
        produced_dir = cache_root() / "produced" if synthesizer.use_cache else work / "produced"
        spoken = list(structure.in_order(produced, located, produced_dir))

        with loudness.Stopwatch() as clock:
            # the episode's opening speech predicts its loudness; the encoded parts are verified
            sample = _opening(spoken, voices.values())
            level = loudness.plan(loudness.speech_loudness(_speech_levels(sample, jobs)))
        chain = (*filters, *level.filters())
        parts = assemble.plan_parts(script, voices)
        version = assemble.encoder_version()
        parts_dir = cache_root() / "parts" if synthesizer.use_cache else work / "parts"
        encoded = []
        # In order: each part is encoded as soon as its chunks are rendered, while the
        # engines render the rest.
        for part in parts:
            items = spoken[part.span]
            keys = [item.wav_path.stem for item in items]
            key = assemble.part_key(part, keys, bitrate_kbps, chain, version)
            path = parts_dir / key[:2] / f"{key}.part"
            cached = assemble.load_part(path) if synthesizer.use_cache else None
            if cached is not None:
                encoded.append(encoders.submit(_measured, cached))  # usually already measured
                progress.add(ENCODING, 1, done=1)
                continue
            progress.add(ENCODING, 1)
            waits = [jobs[item.wav_path] for item in items if item.wav_path in jobs]
            encoded.append(
                encoders.submit(_encode, part, items, waits, path, bitrate_kbps, chain, progress)
            )
    except BaseException as exc:
        # Workers may still be writing chunks into work/ (--no-cache): stop them first.
        synthesizer.close()
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise _write_failed(exc, work) from exc
        raise
    return _Pending(script, article_script, voice, final, work, parts, encoded, spoken, show,
                    level, tuple(filters), bitrate_kbps, clock.seconds,
                    list(jobs.values()))  # fmt: skip


def _opening(spoken: Sequence[SpokenChunk], voices: Iterable[Voice]) -> list[SpokenChunk]:
    """The chunks whose loudness sets the episode's gain: its first ``PREDICT_WORDS`` words
    when every voice's engine is a steady one (``Engine.steady``), otherwise all of them.

    espeak-ng keeps its level, so its first minute predicts the episode's loudness to a few
    tenths of a LU (the seed and the four corpus articles: the same gain step as their whole
    speech); the parts encoded with that gain are then measured and, if the episode misses
    -16 LUFS by more than ``loudness.FIRST_ENCODE_TOLERANCE_LU``, encoded once more. Waiting
    for the whole episode's speech instead would hold every encoder until the last chunk is
    rendered. A neural voice (Piper) varies its level with the text: on the seed its first 150
    words read 1.6 LU quieter than its whole speech (300 words: 0.1 LU), so with it the gain
    waits for all of the speech, as rendering dominates its build anyway.
    """
    if any(not engines.get(voice.engine).steady for voice in voices):
        return list(spoken)
    words = 0
    for count, item in enumerate(spoken, start=1):
        words += len(item.chunk.spoken.split())
        if words >= PREDICT_WORDS:
            return list(spoken[:count])
    return list(spoken)


def _speech_levels(
    spoken: Sequence[SpokenChunk], jobs: dict[Path, Future[Any]]
) -> list[loudness.SpeechLevel]:
    """The pre-pass readings of ``spoken``'s chunks: kept beside each WAV, or measured (in one
    ffmpeg pass, as they are rendered) and kept there for the next build."""
    known: dict[Path, loudness.SpeechLevel] = {}
    for item in spoken:
        if item.wav_path not in known:  # a chunk in the cache may have its readings there
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                memo = item.wav_path.with_suffix(SPEECH_LEVEL_MEMO)
                known[item.wav_path] = loudness.SpeechLevel.from_dict(
                    json.loads(memo.read_text(encoding="utf-8"))
                )
    missing = list(dict.fromkeys(i.wav_path for i in spoken if i.wav_path not in known))

    def speech_as_rendered() -> Iterator[bytes]:
        for path in missing:
            job = jobs.get(path)
            if job is not None:
                job.result()
            yield assemble.load_speech(path)

    if missing:
        for path, level in zip(missing, loudness.measure_speech(speech_as_rendered()), strict=True):
            known[path] = level
            with contextlib.suppress(OSError):
                memo = path.with_suffix(SPEECH_LEVEL_MEMO)
                atomic_write(memo, json.dumps(level.as_dict()).encode("utf-8"))
    return [known[item.wav_path] for item in spoken]


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
    wavs = [i.wav_path for i in items]
    result = assemble.encode_part(part, wavs, path, bitrate_kbps, filters, _meter())
    _part_loudness(result)  # measured now, in parallel, and cached with the part
    progress.advance(ENCODING)
    return result


def _meter() -> list[str]:
    """Where ffmpeg can, the process that encodes a part also meters it (one process, not two)."""
    return loudness.loopback_meter() if toolchain.find_ffmpeg().loopback_decoders else []


def _measured(part: assemble.EncodedPart) -> assemble.EncodedPart:
    _part_loudness(part)
    return part


def _part_loudness(part: assemble.EncodedPart) -> loudness.Blocks:
    """The part's loudness blocks and true peak, measured once and kept beside the part."""
    memo = part.path.with_suffix(PART_LOUDNESS_MEMO)
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        data = json.loads(memo.read_text(encoding="utf-8"))
        return loudness.Blocks(
            tuple(data["momentary"]), tuple(data["short_term"]), float(data["true_peak_dbtp"])
        )
    if part.meter_log:
        blocks = loudness.blocks_from_log(part.meter_log)
    else:
        blocks = loudness.measure_blocks(assemble.part_mp3(part))
    with contextlib.suppress(OSError):
        atomic_write(memo, json.dumps(dataclasses.asdict(blocks)).encode("utf-8"))
    return blocks


def _reencode(pending: _Pending, level: loudness.LoudnessPlan) -> list[assemble.EncodedPart]:
    """Every part again with a corrected loudness chain (only when the first pass missed)."""
    chain = (*pending.filters, *level.filters())

    def encode(number: int) -> assemble.EncodedPart:
        part = pending.parts[number]
        items = pending.spoken[part.span]
        target = pending.work / "reencoded" / f"{number}.part"
        wavs = [i.wav_path for i in items]
        return assemble.encode_part(part, wavs, target, pending.bitrate_kbps, chain, _meter())

    with ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="reencode") as pool:
        return list(pool.map(encode, range(len(pending.parts))))


def _cover(show: Show) -> tuple[bytes, str]:
    if show.cover is None:
        return b"", ""
    data = show.cover.read_bytes()
    info = image_info(data)
    return data, info.mime if info else "image/png"


def _finish_episode(pending: _Pending) -> Episode:
    """Join the parts, verify loudness, tag the MP3, write the side files, move into place."""
    script, work, show = pending.script, pending.work, pending.show
    try:
        encoded = [future.result() for future in pending.encoded]
        mp3 = work / f"{script.slug}.mp3"
        level, encodes, seconds = pending.level, 0, pending.loudness_seconds
        while True:
            assemble.join_parts(encoded, mp3)
            encodes += 1
            with loudness.Stopwatch() as clock:
                # the MP3 is its parts' frames, so its blocks are theirs (see loudness.combine)
                verified = loudness.combine(_part_loudness(part) for part in encoded)
            seconds += clock.seconds
            # the first encode (a predicted gain) must land closer than the spec demands
            first = loudness.FIRST_ENCODE_TOLERANCE_LU if encodes == 1 else None
            if verified.within_spec(first) or encodes == MAX_ENCODES:
                break
            level = loudness.corrected(level, verified)
            encoded = _reencode(pending, level)
        for folder in {part.path.parent for part in encoded}:  # what killed builds left behind
            remove_stale_temporaries(folder)
        timeline = assemble.timeline(script, pending.parts, encoded)
        # read back from the Info header (mutagen ignores ffmpeg's encoder delay and padding)
        duration_ms = assemble.mp3_duration_ms(mp3)
        marks = _fit_to(timeline.chapters, duration_ms)
        cues = tuple(cue for cue in timeline.cues if cue.text.strip())  # jingles have no words
        cover, cover_mime = _cover(show)
        source = script.url or script.source
        tag.write_tags(
            mp3,
            tag.EpisodeTags(
                title=script.title,
                artist=script.author or show.author,
                album=show.title,
                date=script.date or dt.date.today().isoformat(),
                comment=f"Source: {source}",
                cover=cover,
                cover_mime=cover_mime or "image/png",
            ),
            marks,
        )
        for scratch in ("chunks", "parts", "produced", "reencoded"):
            shutil.rmtree(work / scratch, ignore_errors=True)
        notes = shownotes.Notes(
            title=script.title, show=show.title, source=source, author=script.author,
            date=script.date,
        )  # fmt: skip
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
        extra = {
            "show": show.title,
            "source_url": script.url,
            "bitrate_kbps": pending.bitrate_kbps,
            "loudness": loudness.report(level, verified, seconds, encodes),
        }
        _write_text(
            work / "episode.json",
            manifest.episode_json(
                pending.article_script, pending.voice.name, duration_ms, marks, files, extra
            ),
        )
        files.append(OutputFile("episode.json", (work / "episode.json").stat().st_size))
        with _locked(pending.final.parent):
            _swap_into_place(work, pending.final)
    except BaseException as exc:
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise _write_failed(exc, work) from exc
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
    show: Show | None = None,
) -> Episode:
    """Render ``script`` into ``out_dir/<slug>/`` and return what was written.

    ``voices`` holds the cast's other voices by name (the narrator is ``voice``); ``show`` adds
    the intro, outro and between-chapter parts and names the show in the tags.
    """
    show = show or Show()
    say = lexicon.speaker(voice.lexicon, script.language)
    produced = structure.add_structure(script, show, voice.name, say)
    with ThreadPoolExecutor(synthesizer.workers, thread_name_prefix="encode") as encoders:
        pending = _start_episode(produced, voice, synthesizer, encoders, out_dir, bitrate_kbps,
                                 filters, progress or Progress(), voices, show)  # fmt: skip
        try:
            return _finish_episode(pending)
        except BaseException:
            encoders.shutdown(wait=False, cancel_futures=True)
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
    plan = setup(options)
    show, voices = plan.show, plan.voices
    targets = expand_sources(sources) or default_sources(plan.project)
    out_dir = options.out_dir or plan.project.episodes_dir
    progress = progress or Progress()
    try:
        with Synthesizer(
            workers=options.workers,
            use_cache=options.use_cache,
            on_rendered=lambda: progress.advance(SYNTHESIS),
        ) as synthesizer:
            synthesizer.warm_up(plan.narrator.engine)  # the engine starts while articles are read
            planned = [plan_episode(source, plan, options.language) for source in targets]
            speakers = [speaker for _, speaker in planned]
            for each in {(v.engine, v.settings): v for v in [*voices.values(), *speakers]}.values():
                synthesizer.prepare(each)  # an unknown engine voice fails before any work
            with ThreadPoolExecutor(synthesizer.workers, thread_name_prefix="encode") as encoders:
                pending: list[_Pending] = []
                try:
                    for produced, speaker in planned:
                        pending.append(
                            _start_episode(produced, speaker, synthesizer, encoders, out_dir,
                                           options.bitrate_kbps, options.filters, progress,
                                           voices, show)
                        )  # fmt: skip
                    # once every chunk is rendered, stop the engines, so their memory is free
                    # while the last parts are encoded
                    for job in pending:
                        for rendering in job.rendering:
                            rendering.result()
                    synthesizer.close()
                    return [_finish_episode(job) for job in pending]
                except BaseException:
                    # stop everything queued (Ctrl-C, or one episode failed): no part is
                    # encoded after this, and only the encodes already running are waited for
                    encoders.shutdown(wait=False, cancel_futures=True)
                    synthesizer.close()
                    for job in pending:
                        shutil.rmtree(job.work, ignore_errors=True)
                    raise
    finally:
        # After the workers and encoders have stopped: nothing of this build's temporary
        # folders may stay behind (an interrupted build's workers may have still been writing).
        _remove_own_partials(out_dir)
