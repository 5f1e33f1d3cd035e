"""Episode structure around the article: intro, outro, music bed, stings between chapters.

Everything is added to the Script as ordinary chapters and chunks before synthesis, so the one
timeline that assemble computes still places every sound, chapter mark and cue:

- the **intro** becomes a first chapter: an optional audio file (a jingle), then the show's
  spoken lines. With a music bed, the lines are spoken first, then mixed over the music (which
  ducks under the voice) into one piece of produced audio;
- the **outro** becomes a last chapter: spoken lines, then an optional audio file;
- **between chapters**, a sting (audio file) and/or extra silence ends each article chapter but
  the last, so the next chapter's mark still lands in the pause before its first word.

Produced audio: chunks whose ``audio`` names an entry of ``Structure.produced_audio`` (a
``ProducedAudio``: a file, a silence or lines over a music bed); they are not given to the
speech engine. ``in_order`` turns them into WAVs of our PCM (``pcm``: what assemble reads for
speech) with ffmpeg.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from podcast import cache
from podcast.audio import ffmpeg, pcm
from podcast.audio.pcm import SAMPLE_RATE
from podcast.config.show import Bookend, Show, fill
from podcast.config.voices import Voice
from podcast.errors import ConfigError
from podcast.models import (
    PAUSE_CHAPTER,
    PAUSE_PARAGRAPH,
    PAUSE_SENTENCE,
    Chapter,
    Chunk,
    Script,
    SpokenChunk,
)

BED_LEAD_IN_MS = 1500  # music alone before the first word
BED_TAIL_MS = 2500  # music after the last word, fading out
BED_FADE_MS = 2000
LINE_GAP_MS = 400  # between intro lines spoken over music
DUCK = "sidechaincompress=threshold=0.02:ratio=8:attack=20:release=350:makeup=1"
INTRO_SPEAKER = ""

# kinds of produced audio
FILE = "file"
SILENCE = "silence"
BED = "bed"


@dataclass(frozen=True)
class ProducedAudio:
    """How to make one produced chunk's audio (not speech, and not an encoded
    ``assemble.Part``): an audio file, a silence, or spoken lines over a music bed."""

    kind: str
    path: Path | None = None  # FILE: the audio file; BED: the music
    ms: int = 0  # SILENCE: its length
    lines: tuple[Chunk, ...] = ()  # BED: the spoken lines to put over the music
    music_db: float = -20.0


@dataclass(frozen=True)
class Structure:
    """The script with intro/outro/stings added, and how to make its produced audio."""

    script: Script
    produced_audio: dict[str, ProducedAudio]
    article: Script  # the article alone, before the show's parts were added
    voices: dict[str, Voice] = field(default_factory=dict)  # voices only the show's lines use

    def speech_chunks(self) -> list[Chunk]:
        """What the speech engine must render: the script's speech and the lines under music."""
        speech = [c for c in self.script.chunks() if not c.audio]
        for produced in self.produced_audio.values():
            speech.extend(produced.lines)
        return speech


class _Ids:
    def __init__(self) -> None:
        self.next_id = -1

    def take(self) -> int:
        value, self.next_id = self.next_id, self.next_id - 1
        return value


@dataclass(frozen=True)
class ShowVoice:
    """Who says the show's own lines (intro, outro), in the show's language: the show's voice,
    not the article's (an English show's intro is not read by the French article's voice)."""

    name: str  # the voice's name in the chunks
    language: str
    speak: Callable[[str], str]  # normalizes a line for the voice in ``language``
    voice: Voice | None = None  # a voice the article does not use (else None)


def _lines(segment: Bookend, script: Script, show: Show, host: ShowVoice, ids: _Ids
           ) -> list[Chunk]:  # fmt: skip
    chunks = []
    for line in segment.lines:
        text = fill(line, script.title, show)
        chunks.append(Chunk(text, host.speak(text), host.name, ids.take(), PAUSE_SENTENCE,
                            INTRO_SPEAKER, language=host.language))  # fmt: skip
    return chunks


def _part_chunk(name: str, ids: _Ids, voice: str, text: str = "", pause: str = PAUSE_SENTENCE
                ) -> Chunk:  # fmt: skip
    return Chunk(text, "", voice, ids.take(), pause, INTRO_SPEAKER, audio=name)


def add_structure(
    script: Script,
    show: Show,
    voice: str,
    speak: Callable[[str], str],
    host: ShowVoice | None = None,
) -> Structure:
    """``script`` with the show's intro, outro and between-chapter parts added.

    ``voice`` and ``speak`` are the article's; the show's lines are said by ``host`` (by
    default the same voice, in the article's language).
    """
    if host is None:
        host = ShowVoice(voice, script.language, speak)
    ids = _Ids()
    produced: dict[str, ProducedAudio] = {}
    chapters = list(script.chapters)

    sting_or_pause: list[str] = []
    if show.sting:
        produced["sting"] = ProducedAudio(FILE, show.sting)
        sting_or_pause.append("sting")
    if show.between_chapters_pause_ms:
        produced["between"] = ProducedAudio(SILENCE, ms=show.between_chapters_pause_ms)
        sting_or_pause.append("between")
    if sting_or_pause:
        for index, chapter in enumerate(chapters[:-1]):
            if not chapter.chunks:
                continue
            body = list(chapter.chunks)
            body[-1] = replace(body[-1], pause_after=PAUSE_PARAGRAPH)
            extra = [
                _part_chunk(name, ids, voice, pause=PAUSE_PARAGRAPH) for name in sting_or_pause
            ]
            extra[-1] = replace(extra[-1], pause_after=PAUSE_CHAPTER)
            chapters[index] = replace(chapter, chunks=tuple(body + extra))

    intro = show.intro
    if intro.enabled:
        chunks: list[Chunk] = []
        if intro.audio:
            produced["intro-audio"] = ProducedAudio(FILE, intro.audio)
            chunks.append(_part_chunk("intro-audio", ids, voice, pause=PAUSE_PARAGRAPH))
        lines = _lines(intro, script, show, host, ids)
        if lines and intro.music:
            produced["intro-bed"] = ProducedAudio(
                BED, intro.music, lines=tuple(lines), music_db=intro.music_db
            )
            text = " ".join(c.text for c in lines)
            chunks.append(_part_chunk("intro-bed", ids, voice, text=text))
        else:
            chunks.extend(lines)
        chunks[-1] = replace(chunks[-1], pause_after=PAUSE_CHAPTER)
        chapters.insert(0, Chapter(intro.title, tuple(chunks)))

    outro = show.outro
    if outro.enabled:
        if chapters and chapters[-1].chunks:
            last = chapters[-1]
            chapters[-1] = replace(
                last,
                chunks=(*last.chunks[:-1], replace(last.chunks[-1], pause_after=PAUSE_CHAPTER)),
            )
        chunks = _lines(outro, script, show, host, ids)
        if outro.audio:
            if chunks:
                chunks[-1] = replace(chunks[-1], pause_after=PAUSE_PARAGRAPH)
            produced["outro-audio"] = ProducedAudio(FILE, outro.audio)
            chunks.append(_part_chunk("outro-audio", ids, voice))
        chapters.append(Chapter(outro.title, tuple(chunks)))
    voices = {host.name: host.voice} if host.voice else {}
    return Structure(replace(script, chapters=tuple(chapters)), produced, script, voices)


_FFMPEG_TIMEOUT_S = 300
# ffmpeg's options that write our PCM as a WAV file
_TO_PCM_WAV = ["-ac", str(pcm.CHANNELS), "-ar", str(SAMPLE_RATE), "-c:a", "pcm_s16le", "-f", "wav"]


def _ffmpeg(args: list[str], what: str) -> None:
    ffmpeg.run(["-y", *args], doing=f"use {what}", hint="check the show config",
               timeout_s=_FFMPEG_TIMEOUT_S)  # fmt: skip


def _to_wav(source: Path, out: Path) -> None:
    try:
        _ffmpeg(["-i", str(source), "-vn", *_TO_PCM_WAV, str(out)], str(source))
    except ffmpeg.FfmpegError as exc:  # one line naming the file, not ffmpeg's temporary one
        raise ConfigError(
            f"{source}: ffmpeg reads no audio from it ({exc.first.rstrip('.')}); point the "
            "show config at an audio file (MP3, WAV, FLAC, Ogg...)"
        ) from None


def _bed_wav(produced: ProducedAudio, line_wavs: list[Path], out: Path) -> None:
    """Spoken lines over looping music that ducks under the voice and fades out after."""
    assert produced.path is not None
    gap = pcm.silence(LINE_GAP_MS)
    voice = (
        pcm.silence(BED_LEAD_IN_MS)
        + gap.join(pcm.read_wav(p) for p in line_wavs)
        + pcm.silence(BED_TAIL_MS)
    )
    voice_path = out.with_name(f"{out.stem}.voice.wav")
    pcm.write_wav(voice_path, voice)
    total_s = len(voice) / pcm.SAMPLE_WIDTH / SAMPLE_RATE
    fade_start = max(0.0, total_s - BED_FADE_MS / 1000)
    graph = (
        f"[1:a]aformat=sample_rates={SAMPLE_RATE}:channel_layouts=mono,"
        f"volume={produced.music_db}dB,atrim=0:{total_s:.3f},"
        f"afade=t=out:st={fade_start:.3f}:d={BED_FADE_MS / 1000}[bed];"
        "[0:a]asplit[v][key];"
        f"[bed][key]{DUCK}[ducked];"
        "[v][ducked]amix=inputs=2:duration=first:normalize=0[out]"
    )
    _ffmpeg(
        ["-i", str(voice_path), "-stream_loop", "-1", "-i", str(produced.path),
         "-filter_complex", graph, "-map", "[out]", *_TO_PCM_WAV, str(out)],
        str(produced.path),
    )  # fmt: skip
    voice_path.unlink(missing_ok=True)


def in_order(
    structure: Structure,
    speech: Iterable[SpokenChunk],
    scratch: Path,
) -> Iterator[SpokenChunk]:
    """Every chunk of ``structure.script`` in order, produced audio rendered into ``scratch``.

    ``speech`` yields ``structure.speech_chunks()`` rendered, in that order.
    """
    scratch.mkdir(parents=True, exist_ok=True)
    rendered = iter(speech)
    spoken: dict[Chunk, SpokenChunk] = {}
    wanted: Sequence[Chunk] = structure.speech_chunks()
    for chunk in wanted:
        item = next(rendered)
        if item.chunk != chunk:
            raise RuntimeError("synthesis returned chunks out of order")
        spoken[chunk] = item
    made: dict[str, Path] = {}
    for chunk in structure.script.chunks():
        if not chunk.audio:
            yield spoken[chunk]
            continue
        if chunk.audio not in made:
            produced = structure.produced_audio[chunk.audio]
            lines = [spoken[c].wav_path for c in produced.lines]
            # content-addressed, so encoded parts that contain it can be cached safely
            out = scratch / f"{_produced_key(produced, lines)}.wav"
            if not cache.check(out):  # a damaged one is reported and made again
                tmp = out.with_name(f".{out.stem}.{os.getpid()}.tmp.wav")
                try:
                    if produced.kind == FILE:
                        assert produced.path is not None
                        _to_wav(produced.path, tmp)
                    elif produced.kind == SILENCE:
                        pcm.write_wav(tmp, pcm.silence(produced.ms))
                    else:
                        _bed_wav(produced, lines, tmp)
                    cache.put(tmp, out)  # sealed
                finally:
                    tmp.unlink(missing_ok=True)
            made[chunk.audio] = out
        yield SpokenChunk(chunk, made[chunk.audio])


def _produced_key(produced: ProducedAudio, line_wavs: list[Path]) -> str:
    digest = hashlib.sha256(produced.path.read_bytes()).hexdigest() if produced.path else ""
    payload = json.dumps(
        {
            "kind": produced.kind,
            "file": digest,
            "ms": produced.ms,
            "lines": [p.stem for p in line_wavs],
            "music_db": produced.music_db,
            "bed": [BED_LEAD_IN_MS, BED_TAIL_MS, BED_FADE_MS, LINE_GAP_MS, DUCK],
            "rate": SAMPLE_RATE,
            "entry": cache.ENTRY_FORMAT,
        },
        sort_keys=True,
    )
    return "produced-" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:40]
