"""Step 1 of a build: the show, the voices and the cast, and each article's planned script.

Nothing here makes audio: ``podcast script`` stops after these steps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from podcast import formats
from podcast.audio import structure
from podcast.audio.assemble import DEFAULT_BITRATE_KBPS
from podcast.config.lexicon import LEXICON_FILE, load_lexicon
from podcast.config.show import Show, load_show
from podcast.config.voices import DEFAULT_VOICE_NAME, Voice, load_voice
from podcast.models import Script
from podcast.project import Project, find_project
from podcast.text import lang, lexicon
from podcast.text.cast import Cast, parse_cast
from podcast.text.plan import plan_script


@dataclass(frozen=True)
class BuildOptions:
    """What one build is asked for (the command line's options, or a caller's)."""

    voice: str | None = None  # None: the show's voice, else the default voice
    out_dir: Path | None = None
    bitrate_kbps: int = DEFAULT_BITRATE_KBPS
    use_cache: bool = True
    workers: int | None = None
    filters: tuple[str, ...] = ()  # extra ffmpeg -af filters applied before encoding
    language: str | None = None
    cast: tuple[str, ...] = ()  # ``--cast`` entries: "quotes=quote", "Musk=anchor"
    rate_wpm: int | None = None  # command-line override of the narrator's rate
    show: Path | None = None  # None: podcast.toml at the project root, else built-in defaults
    formats: tuple[str, ...] = ()  # besides the default format, made from its file (m4b, opus)
    accept_loudness: bool = False  # keep an episode that misses the loudness spec (warn)
    cluster: str | None = None  # render on Dask: "local:N" or a scheduler's "tcp://host:port"
    cache_dir: Path | str | None = None  # the chunk cache for this build: a folder or a URL (s3://)


@dataclass(frozen=True)
class Setup:
    """What every episode of one build shares: the show, the narrator and the cast."""

    project: Project
    show: Show
    narrator: Voice
    cast: Cast
    voices: dict[str, Voice]  # every voice the cast uses, by name (the narrator included)
    lexicon: dict[str, str]  # the project's lexicon.toml (under each voice's own)
    extra_formats: tuple[str, ...] = ()  # the formats made besides the default one


def load_script(
    source: str,
    voice: Voice,
    language: str | None = None,
    cast: Cast | None = None,
    voices: dict[str, Voice] | None = None,
    project_lexicon: dict[str, str] | None = None,
) -> Script:
    """``text.plan.plan_script`` with the project's lexicon (default: its ``lexicon.toml``)."""
    if project_lexicon is None:
        project_lexicon = project_lexicon_of()
    return plan_script(source, voice, project_lexicon, language, cast, voices)


def project_lexicon_of(project: Project | None = None) -> dict[str, str]:
    """The project's own lexicon (``lexicon.toml`` at its root; empty when there is none);
    by default the project of the current folder."""
    return load_lexicon((project or find_project()).root / LEXICON_FILE)


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


def setup(options: BuildOptions) -> Setup:
    """Load and validate the show, the voices and the cast that ``options`` name."""
    extra = tuple(f.name for f in formats.derivable(options.formats))  # fails before any work
    project = find_project()
    show = load_show(options.show, project.root)
    name = options.voice or show.voice or DEFAULT_VOICE_NAME
    narrator = load_voice(name, project.voices_dir, rate_wpm=options.rate_wpm)
    if options.language is not None:  # a code the narrator's engine speaks, or one line
        lang.check_language(options.language, narrator)
    cast, voices = load_cast(options.cast, narrator, project.voices_dir, show.cast)
    return Setup(project, show, narrator, cast, voices, project_lexicon_of(project), extra)


def plan_episode(
    source: str, plan: Setup, language: str | None = None
) -> tuple[structure.Structure, Voice]:
    """Everything the episode of ``source`` will say, in order (the show's intro and outro
    included), and the narrator that speaks its language."""
    script = plan_script(source, plan.narrator, plan.lexicon, language, plan.cast, plan.voices)
    script = dataclasses.replace(script, source=shown(script.source, plan.project.root))
    speaker = lang.voice_for(plan.narrator, script.language)
    host = lang.voice_for(plan.narrator, plan.show.language)
    return produce(script, speaker, plan.show, plan.lexicon, host), speaker


def produce(
    script: Script,
    voice: Voice,
    show: Show,
    project_lexicon: dict[str, str],
    host: Voice | None = None,
) -> structure.Structure:
    """``script`` with the show's intro, outro and between-chapter parts, said by ``voice``;
    the show's own lines by ``host`` (the show's voice for its language) in the show's language."""
    say = lexicon.normalizer({**project_lexicon, **voice.lexicon}, script.language)
    host = host or voice
    host_say = lexicon.normalizer({**project_lexicon, **host.lexicon}, show.language)
    if host.settings == voice.settings and host.engine == voice.engine:
        lines = structure.ShowVoice(voice.name, show.language, host_say)
    else:  # the article's voice speaks another language: the show keeps its own voice
        name = f"{host.name} ({show.language})"
        lines = structure.ShowVoice(
            name, show.language, host_say, dataclasses.replace(host, name=name)
        )
    return structure.add_structure(script, show, voice.name, say, lines)


def shown(source: str, root: Path) -> str:
    """How a source is named in tags and manifests: relative to the project when inside it
    (a web address as it is)."""
    if "://" in source:
        return source
    try:
        return Path(source).resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return source
