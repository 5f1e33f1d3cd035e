"""The one place that knows the order of a build's steps.

plan (read, clean, normalize, segment; the show's parts) -> render (the engines) -> encode
(part by part, with the gain the opening speech predicts) -> finish (join, verify loudness,
tag, side files) -> swap into place.

Each step is a function of frozen values (``build.plan``, ``build.render``, ``build.encode``,
``build.finish``, ``build.workspace``); this module only runs them in order, for every episode
of a build at once, and cleans up after a failure.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from podcast.audio import structure
from podcast.build import encode, workspace
from podcast.build.encode import Encoders, EncodeSettings, Encoding, encoders, start_encoding
from podcast.build.finish import finish
from podcast.build.plan import (
    DEFAULT_BITRATE_KBPS,
    BuildOptions,
    Setup,
    plan_episode,
    produce,
    project_lexicon_of,
    setup,
)
from podcast.build.render import Rendering, cache_dir, start_rendering
from podcast.build.sources import build_targets
from podcast.config.show import Show
from podcast.config.voices import Voice
from podcast.models import Episode, Script
from podcast.progress import SYNTHESIS, Progress
from podcast.synth.synthesize import Synthesizer

__all__ = ["BuildOptions", "Setup", "build", "build_episode", "plan_episode", "setup"]


@dataclass(frozen=True)
class Started:
    """An episode whose speech is being rendered and encoded in its temporary folder."""

    produced: structure.Structure
    voice: Voice
    show: Show
    final: Path
    work: Path
    rendering: Rendering
    encoding: Encoding


def start_episode(
    produced: structure.Structure,
    voice: Voice,
    voices: dict[str, Voice],
    show: Show,
    synthesizer: Synthesizer,
    lanes: Encoders,
    out_dir: Path,
    settings: EncodeSettings,
    progress: Progress,
) -> Started:
    """Open the episode's temporary folder, then start rendering and encoding it."""
    script = produced.script
    work = workspace.open_workspace(out_dir, script.slug, script.source)
    voices = {**voices, **produced.voices, voice.name: voice}
    # on a failure, the workers may still be writing chunks into work/ (--no-cache): stop them
    with workspace.discarded_on_failure(work, stop=synthesizer.close):
        rendering = start_rendering(produced, voices, synthesizer, work)
        encoding = start_encoding(
            script, rendering, voices, settings, lanes, work, progress, synthesizer
        )
    return Started(produced, voice, show, out_dir / script.slug, work, rendering, encoding)


def finish_episode(
    started: Started, settings: EncodeSettings, rendered: Callable[[], object]
) -> Episode:
    """Finish ``started`` in its temporary folder and swap it into place once ``rendered``
    returns (every chunk of the build rendered, or its cache entry checked: a damaged one is
    rendered again, and one that cannot be fails the build before any episode is in place)."""
    script, work = started.produced.script, started.work
    with workspace.discarded_on_failure(work):
        done = finish(
            script, started.produced.article, started.voice.name, started.show,
            started.encoding, started.rendering.spoken, settings, work, rendered,
        )  # fmt: skip
        rendered()
        workspace.swap_into_place(work, started.final)
    return Episode(
        slug=script.slug,
        title=script.title,
        directory=started.final,
        audio_name=done.audio_name,
        duration_ms=done.duration_ms,
        chapters=done.chapters,
        files=done.files,
    )


def build_episode(
    script: Script,
    voice: Voice,
    synthesizer: Synthesizer,
    out_dir: Path,
    settings: EncodeSettings | None = None,
    progress: Progress | None = None,
    voices: dict[str, Voice] | None = None,
    show: Show | None = None,
    project_lexicon: dict[str, str] | None = None,
) -> Episode:
    """Render one planned ``script`` into ``out_dir/<slug>/`` and return what was written.

    ``voices`` holds the cast's other voices by name (the narrator is ``voice``); ``show`` adds
    the intro, outro and between-chapter parts and names the show in the tags, spoken with the
    project's lexicon (default: its ``lexicon.toml``) under the voice's own, as in ``build``.
    """
    show = show or Show()
    settings = settings or EncodeSettings(DEFAULT_BITRATE_KBPS, (), synthesizer.use_cache)
    if project_lexicon is None:
        project_lexicon = project_lexicon_of()
    produced = produce(script, voice, show, project_lexicon)
    with encoders(synthesizer.slots) as lanes:
        started = start_episode(produced, voice, voices or {}, show, synthesizer, lanes,
                                out_dir, settings, progress or Progress())  # fmt: skip
        try:
            return finish_episode(started, settings, started.rendering.wait)
        except BaseException:
            lanes.cancel()
            raise


def distinct_slugs(
    planned: Sequence[tuple[structure.Structure, Voice]],
) -> list[tuple[structure.Structure, Voice]]:
    """Each episode of one build in its own folder (``workspace.distinct``)."""
    slugs = workspace.distinct([(p.script.slug, p.script.source) for p, _ in planned])
    return [
        (p if slug == p.script.slug else dataclasses.replace(
            p,
            script=dataclasses.replace(p.script, slug=slug),
            article=dataclasses.replace(p.article, slug=slug),
        ), speaker)
        for (p, speaker), slug in zip(planned, slugs, strict=True)
    ]  # fmt: skip


def build(
    sources: Sequence[str], options: BuildOptions, progress: Progress | None = None
) -> list[Episode]:
    """Build one episode per source (default: every article in the project's seeds/).

    All episodes share one pool of synthesis workers and one set of encoders: every part of
    every episode is queued at once, in order, so the cores stay busy across articles while
    the episodes are finished (joined, tagged, written) one after another.
    """
    plan = setup(options)
    targets = build_targets(sources, plan.project)
    out_dir = options.out_dir or plan.project.episodes_dir
    progress = progress or Progress()
    settings = EncodeSettings(
        options.bitrate_kbps,
        tuple(options.filters),
        options.use_cache,
        plan.extra_formats,
        options.accept_loudness,
    )
    try:
        with (
            cache_dir(options.cache_dir, options.cluster),
            Synthesizer(
                workers=options.workers,
                use_cache=options.use_cache,
                on_rendered=lambda: progress.advance(SYNTHESIS),
                on_queued=lambda count: progress.add(SYNTHESIS, count),
                cluster=options.cluster,
                shared_cache=options.cache_dir is not None and options.use_cache,
            ) as synthesizer,
            # an encoder, for the first part encoded alone, starts while articles are read
            encode.spare_encoder(settings, runs_here=options.cluster is None) as spare,
        ):
            synthesizer.warm_up(plan.narrator.engine)  # the engine starts while articles are read
            encode.warm_up_codec(settings.bitrate_kbps, settings.use_cache)
            planned = distinct_slugs(
                [plan_episode(source, plan, options.language) for source in targets]
            )
            speakers = [speaker for _, speaker in planned]
            for each in {
                (v.engine, v.settings): v for v in [*plan.voices.values(), *speakers]
            }.values():
                synthesizer.prepare(each)  # an unknown engine voice fails before any work
            with encoders(synthesizer.slots, spare) as lanes:
                started: list[Started] = []
                try:
                    for produced, speaker in planned:
                        started.append(
                            start_episode(produced, speaker, plan.voices, plan.show,
                                          synthesizer, lanes, out_dir, settings, progress)
                        )  # fmt: skip
                    # once every chunk is rendered, the engines stop, so their memory is free
                    # while the last parts are encoded; the episodes are finished meanwhile
                    # (a rebuild's cached chunks are still being checked: ``Synthesizer.render``)
                    rendered = synthesizer.stop_engines_after(
                        [episode.rendering.wait for episode in started]
                    )
                    return [finish_episode(e, settings, rendered.result) for e in started]
                except BaseException:
                    # stop everything queued (Ctrl-C, or one episode failed): no part is
                    # encoded after this, and only the encodes already running are waited for
                    lanes.cancel()
                    synthesizer.close()
                    for episode in started:
                        with contextlib.suppress(OSError):
                            workspace.discard(episode.work)
                    raise
    finally:
        # After the workers and encoders have stopped: nothing of this build's temporary
        # folders may stay behind (an interrupted build's workers may have still been writing).
        workspace.remove_own_partials(out_dir)
