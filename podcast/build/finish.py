"""Step 4 of a build: join the encoded parts, verify loudness, tag, write the side files.

The MP3 is its parts' frames, so its loudness is read from theirs; a first encode whose
predicted gain missed is encoded once more with a corrected gain. Chapters, cues and the audio
come from one timeline. Everything is written into the episode's temporary folder; the caller
swaps it into place.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from podcast import formats
from podcast.audio import assemble, loudness
from podcast.build import encode, manifest, pictures, shownotes, transcript
from podcast.build.workspace import remove_scratch, write_text
from podcast.cache import remove_stale_temporaries
from podcast.config.show import Show
from podcast.models import ChapterMark, OutputFile, Script, SpokenChunk

MAX_ENCODES = 2  # a second encode only when the first misses the loudness spec


@dataclass(frozen=True)
class Finished:
    """What was written into the episode's temporary folder."""

    audio_name: str
    duration_ms: int
    chapters: tuple[ChapterMark, ...]
    files: tuple[OutputFile, ...]


@dataclass(frozen=True)
class Verified:
    encoded: list[assemble.EncodedPart]
    level: loudness.LoudnessPlan
    reading: loudness.Loudness
    encodes: int
    seconds: float
    exact: bool  # read from the decoded MP3, not estimated from the encoder's input


def join_and_verify(
    mp3: Path,
    started: encode.Encoding,
    spoken: Sequence[SpokenChunk],
    settings: encode.EncodeSettings,
    work: Path,
    rendered: Callable[[], object],
) -> Verified:
    """Join the parts into ``mp3``; encode them once more if the predicted gain missed (from
    ``spoken``'s chunks, once ``rendered`` returns: every chunk rendered or its entry checked)."""
    if not all(future.done() for future in started.encoded):
        formats.default().warm_up()  # while the last parts are encoded
    encoded = [future.result() for future in started.encoded]
    level, encodes, seconds = started.level, 0, started.loudness_seconds
    while True:
        assemble.join_parts(encoded, mp3)
        encodes += 1
        # the first encode (a predicted gain) must land closer than the spec demands
        first = loudness.FIRST_ENCODE_TOLERANCE_LU if encodes == 1 else None
        with loudness.Stopwatch() as clock:
            verified, exact = verify(encoded, first, started.codec)
        seconds += clock.seconds
        if verified.within_spec(first) or encodes == MAX_ENCODES:
            break
        level = loudness.corrected(level, verified)
        rendered()
        encoded = encode.reencode(started.parts, spoken, level, settings, work)
    for folder in {part.path.parent for part in encoded}:  # what killed builds left behind
        remove_stale_temporaries(folder)
    warning = loudness.require_spec(mp3.stem, verified, encodes, settings.accept_loudness)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    return Verified(encoded, level, verified, encodes, seconds, exact)


def verify(
    encoded: Sequence[assemble.EncodedPart],
    tolerance_lu: float | None,
    codec: loudness.Codec = loudness.LAME_96K,
) -> tuple[loudness.Loudness, bool]:
    """The joined parts' loudness, and whether it was read from the MP3 itself.

    The MP3 is its parts' frames, so its blocks are theirs (``loudness.combine``). Each part's
    encoder input was read as it was encoded (``encode.input_loudness``); when those readings
    show the MP3 inside the spec with room to spare (``loudness.input_clears_spec``), the MP3
    need not be decoded. Otherwise, or when a part has none (one kept by an older version, or
    whose readings were damaged), every part is decoded and read.
    """
    given = [encode.input_loudness(part) for part in encoded]
    if all(blocks is not None for blocks in given):
        estimate = loudness.combine(blocks for blocks in given if blocks is not None)
        if loudness.input_clears_spec(estimate, tolerance_lu, codec):
            return loudness.from_input(estimate, codec), False
    return loudness.combine(encode.part_loudness(part) for part in encoded), True


def finish(
    script: Script,
    article_script: Script,
    voice_name: str,
    show: Show,
    started: encode.Encoding,
    spoken: Sequence[SpokenChunk],
    settings: encode.EncodeSettings,
    work: Path,
    rendered: Callable[[], object],
) -> Finished:
    """Write the tagged MP3, chapters, transcripts, show notes and manifest into ``work``
    (``rendered``: as for ``join_and_verify``)."""
    output_format = formats.default()
    mp3 = work / f"{script.slug}{output_format.suffix}"
    verified = join_and_verify(mp3, started, spoken, settings, work, rendered)
    timeline = assemble.timeline(script, started.parts, verified.encoded)
    # read back from the Info header (mutagen ignores ffmpeg's encoder delay and padding)
    duration_ms = output_format.duration_ms(mp3)
    marks, left_out = pictures.place(fit_to(timeline.chapters, duration_ms), work)
    for warning in left_out:
        print(f"warning: {script.slug}: {warning}", file=sys.stderr)
    cues = tuple(cue for cue in timeline.cues if cue.text.strip())  # jingles have no words
    captions = transcript.captions(timeline.placements)  # cues cut to caption size
    cover, cover_mime = pictures.cover_art(show.cover)
    source = script.url or script.source
    output_format.write_tags(
        mp3,
        formats.Tags(
            title=script.title,
            artist=script.author or show.author,
            album=show.title,
            date=manifest.episode_date(script.date) or "",  # never the build day
            comment=script.url if shownotes.is_url(script.url) else "",  # never a local path
            cover=cover,
            cover_mime=cover_mime or "image/png",
        ),
        marks,
    )
    remove_scratch(work)
    art = [OutputFile(Path(m.image).name, Path(m.image).stat().st_size) for m in marks if m.image]
    marks = tuple(replace(m, image=Path(m.image).name) if m.image else m for m in marks)
    derived = [  # other formats, made from the tagged MP3: the same timeline, tags, chapters
        extra.derive(mp3, output_format, work / f"{script.slug}{extra.suffix}")
        for extra in formats.derivable(settings.extra_formats)
    ]
    notes = shownotes.Notes(
        title=script.title, show=show.title, source=source, author=script.author,
        date=script.date,
    )  # fmt: skip
    files = [
        *(OutputFile(path.name, path.stat().st_size) for path in [mp3, *derived]),
        *art,
        write_text(
            work / "chapters.json",
            manifest.chapters_json(script.title, show.title, mp3.name, marks),
        ),
        write_text(work / "transcript.vtt", transcript.webvtt(captions)),
        write_text(work / "transcript.srt", transcript.srt(captions)),
        write_text(work / "transcript.json", transcript.podcasting20_json(cues)),
        write_text(work / "shownotes.md", shownotes.markdown(notes, marks)),
        write_text(work / "shownotes.html", shownotes.html_fragment(notes, marks)),
    ]
    extra = {
        "show": show.title,
        "source_url": script.url,
        "bitrate_kbps": settings.bitrate_kbps,
        "loudness": loudness.report(
            verified.level, verified.reading, verified.seconds, verified.encodes, verified.exact
        ),
    }
    files.append(
        write_text(
            work / "episode.json",
            manifest.episode_json(article_script, voice_name, duration_ms, marks, files, extra),
        )
    )
    return Finished(mp3.name, duration_ms, marks, tuple(files))


def fit_to(chapters: tuple[ChapterMark, ...], duration_ms: int) -> tuple[ChapterMark, ...]:
    """Chapters contiguous from 0 to the MP3's real duration (encoding shifts it by a few ms)."""
    fitted = list(chapters)
    if fitted:
        last = fitted[-1]
        fitted[-1] = replace(last, end_ms=max(duration_ms, last.start_ms + 1))
    return tuple(fitted)
