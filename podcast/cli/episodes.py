"""``podcast build`` and ``script``: make episodes, show their script."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from podcast.build import uptodate
from podcast.cli.common import (
    CastOption,
    LangOption,
    RateOption,
    ShowOption,
    VoiceOption,
    before_threads,
    echo,
    echo_json_text,
    user_errors,
)
from podcast.models import Chapter, Chunk, Removal, Script
from podcast.text.readers import supported_inputs


def _format_names(value: str) -> str:
    """``--format``'s names, each a registered format (else a usage error, exit 2)."""
    from podcast import formats
    from podcast.errors import did_you_mean

    names = [name.strip().lower() for name in value.split(",") if name.strip()]
    for name in names:
        if name not in formats.names():
            raise typer.BadParameter(
                f"no format {name!r}{did_you_mean(name, formats.names())}; "
                f"formats: {', '.join(formats.names())}"
            )
    return ",".join(names or [formats.DEFAULT_FORMAT])


def _cluster_address(value: str | None) -> str | None:
    """``--cluster``: local:N or a Dask scheduler's address (else a usage error, exit 2)."""
    if not value:
        return None
    from podcast.errors import ConfigError
    from podcast.synth.executor import check_cluster

    try:
        return check_cluster(value.strip())
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from None


@user_errors
def build(
    sources: Annotated[
        list[str] | None,
        typer.Argument(
            help=f"Article files ({supported_inputs()}), web addresses (https://...) or '-' "
            "for stdin. Default: seeds/."
        ),
    ] = None,
    voice: VoiceOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Folder for episodes. Default: episodes/.")
    ] = None,
    bitrate: Annotated[
        int, typer.Option("--bitrate", min=32, max=320, help="MP3 bitrate in kbps.")
    ] = 96,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Render every chunk again; ignore the cache.")
    ] = False,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Synthesis processes. Default: cores.")
    ] = None,
    language: LangOption = None,
    cast: CastOption = None,
    rate: RateOption = None,
    show: ShowOption = None,
    output_formats: Annotated[
        str,
        typer.Option(
            "--format",
            callback=_format_names,
            help="Audio formats, comma-separated: mp3 (always made), m4b (AAC with chapters "
            "and cover, for audiobook apps), opus (Ogg Opus). The others are made from the MP3.",
        ),
    ] = "mp3",
    accept_loudness: Annotated[
        bool,
        typer.Option(
            "--accept-loudness",
            help="Keep an episode that misses -16 LUFS ±1 / -1 dBTP (with a warning).",
        ),
    ] = False,
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster",
            envvar="PODCAST_CLUSTER",
            callback=_cluster_address,
            help="Render on a Dask cluster: local:N (N processes here) or a scheduler's "
            "tcp://host:8786 (see docs/cluster.md). Default: this machine's worker pool.",
        ),
    ] = None,
    cache: Annotated[
        str | None,
        typer.Option(
            "--cache",
            help="The chunk cache for this build: a folder (sets PODCAST_CACHE_DIR; with "
            "--cluster, one every worker mounts at the same path) or an object store, "
            "s3://bucket/prefix (docs/cluster.md).",
        ),
    ] = None,
) -> None:
    """Build an episode folder (MP3, chapters, transcripts, manifest) per article."""
    stamped = uptodate.stamped_options(
        voice=voice, bitrate=bitrate, no_cache=no_cache, workers=workers, language=language,
        cast=cast, rate=rate, show=show, output_formats=output_formats,
        accept_loudness=accept_loudness, cluster=cluster, cache=cache,
    )  # fmt: skip
    targets, out_dir = uptodate.targets(sources or [], out)
    started = uptodate.environment()
    done = uptodate.up_to_date(targets, out_dir, stamped, started)
    if done is not None:  # nothing changed since the last build: its lines, and stop
        for line in done:
            echo(line)
        return

    regexes = before_threads(cache, use_cache=not no_cache)
    if cluster:  # a local:N cluster's workers start while the build is imported
        from podcast.synth.executor import prepare_cluster

        prepare_cluster(cluster)
    from podcast.api import BuildOptions
    from podcast.api import build as run_build
    from podcast.progress import for_stderr

    options = BuildOptions(
        voice=voice,
        out_dir=out,
        bitrate_kbps=bitrate,
        use_cache=not no_cache,
        workers=workers,
        language=language,
        cast=tuple(cast or ()),
        rate_wpm=rate,
        show=show,
        formats=tuple(output_formats.split(",")),
        accept_loudness=accept_loudness,
        cluster=cluster,
        cache_dir=cache,
    )
    with for_stderr() as progress:
        episodes = run_build(sources or [], options, progress)
    if regexes is not None:
        regexes.save()
    lines = []
    for episode in episodes:
        minutes, seconds = divmod(round(episode.duration_ms / 1000), 60)
        lines.append(
            f"{episode.directory / episode.audio_name}  {minutes}:{seconds:02d}  "
            f"{len(episode.chapters)} chapters"
        )
        echo(lines[-1])
    if targets:
        uptodate.record(targets, out_dir, stamped,
                        [(e.directory, line) for e, line in zip(episodes, lines, strict=True)],
                        started)  # fmt: skip


@user_errors
def script(
    source: Annotated[
        str, typer.Argument(help="Article file, web address (https://...) or '-' for stdin.")
    ],
    voice: VoiceOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    language: LangOption = None,
    cast: CastOption = None,
    rate: RateOption = None,
    show: ShowOption = None,
) -> None:
    """Show the narration script: what will be said, chapter by chapter (no audio)."""
    from podcast.api import BuildOptions

    options = BuildOptions(
        voice=voice, language=language, cast=tuple(cast or ()), show=show, rate_wpm=rate
    )
    head, chapters, removed = _streamed_script(source, options)
    if as_json:
        for line in _json_lines(head, chapters, removed):
            echo_json_text(line)
    else:
        for line in _text_lines(head, chapters, removed):
            echo(line)


_STAND_IN = "\x00stand-in"  # no chapter title has a NUL (controls are stripped at the door)


def _streamed_script(source: str, options: Any) -> tuple[Script, Iterator[Chapter], list[Removal]]:
    """What ``podcast.api.script`` returns, as the script's head, its chapters made one at a
    time (the show's intro, stings and outro around the article's) and its removals (complete
    once the chapters are). A long book is printed as it is planned, never held whole.

    The show's parts depend only on the article's title and on which chapter is last, so they
    are taken from the show's structure around two stand-in chapters.
    """
    from podcast.build.plan import produce, setup
    from podcast.text import lang
    from podcast.text.plan import plan_chapters

    plan = setup(options)
    planned = plan_chapters(
        source, plan.narrator, plan.lexicon, options.language, plan.cast, plan.voices
    )
    head = planned.head
    speaker = lang.voice_for(plan.narrator, head.language)
    host = lang.voice_for(plan.narrator, plan.show.language)
    stand_in = Chapter(_STAND_IN, (Chunk("", "", speaker.name, 0),))
    shaped = produce(
        replace(head, chapters=(stand_in, stand_in)), speaker, plan.show, plan.lexicon, host
    ).script.chapters
    at = [chapter.title for chapter in shaped].index(_STAND_IN)
    before, between, after = shaped[:at], shaped[at].chunks[1:], shaped[at + 2 :]

    def chapters() -> Iterator[Chapter]:
        yield from before
        held: Chapter | None = None
        for chapter in planned.chapters:
            if held is not None:
                yield replace(held, chunks=held.chunks + between)
            held = chapter
        if held is not None:
            yield held
        yield from after

    return head, chapters(), planned.removed


def _text_lines(head: Script, chapters: Iterable[Chapter], removed: list[Removal]
                ) -> Iterator[str]:  # fmt: skip
    """The human script, a line (or a few) at a time."""
    yield f"# {head.title}"
    for chapter in chapters:
        yield f"\n## {chapter.title}\n"
        for chunk in chapter.chunks:
            if chunk.audio:
                yield f"[audio: {chunk.audio}]"
            else:
                yield f"{chunk.speaker}: {chunk.spoken}" if chunk.speaker else chunk.spoken
    if removed:
        yield "\n## Removed (not spoken)\n"
        for removal in removed:  # in full in --json and episode.json
            yield f"- [{removal.reason}] {_shortened(removal.text)}"


def _json_lines(head: Script, chapters: Iterable[Chapter], removed: list[Removal]
                ) -> Iterator[str]:  # fmt: skip
    """The ``--json`` document, a chapter at a time: the very text ``json.dumps(document,
    indent=2)`` gives for the whole (each chapter dumped alone, indented to its depth)."""
    yield "{"
    yield f'  "title": {_dumped(head.title)},'
    yield f'  "language": {_dumped(head.language)},'
    held = ""
    for chapter in chapters:
        yield f"{held}," if held else '  "chapters": ['
        document = {
            "title": chapter.title,
            "chunks": [_chunk_json(c, head.language) for c in chapter.chunks],
        }
        held = "    " + _dumped(document, 4)
    yield f"{held}\n  ]," if held else '  "chapters": [],'
    found = [{"text": r.text, "reason": r.reason} for r in removed]
    yield f'  "removed": {_dumped(found, 2)}'
    yield "}"


def _dumped(value: object, depth: int = 0) -> str:
    """``value`` as JSON inside a document indented by 2, at ``depth`` spaces."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return text.replace("\n", "\n" + " " * depth) if depth else text


def _chunk_json(chunk: Any, language: str) -> dict[str, str]:
    entry = {"text": chunk.text, "spoken": chunk.spoken, "voice": chunk.voice,
             "language": chunk.language or language}  # fmt: skip
    if chunk.speaker:
        entry["speaker"] = chunk.speaker
    if chunk.audio:
        entry["audio"] = chunk.audio
    return entry


LISTED_CHARS = 300  # how much of a long removal the human listing shows


def _shortened(text: str) -> str:
    """A long removal (a licence, a code block) as its opening and its length in words."""
    if len(text) <= LISTED_CHARS:
        return text
    cut = text[:LISTED_CHARS].rsplit(" ", 1)[0]
    return f"{cut} … ({len(text.split())} words in all)"
