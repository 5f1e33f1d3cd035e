"""What the ``podcast voices`` commands do, as plain functions: list, check, preview, new.

Checking a voice goes further than reading its file: its engine prepares it as a build would
(a voice id looked up in the installed engine's own list, a model found and checked).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podcast import engines
from podcast.config.voices import (
    DEFAULT_VOICE_NAME,
    ORIGIN_DEFAULT,
    Problem,
    Voice,
    VoiceConfigError,
    check_name,
    load_voice,
    read_voice_file,
    voice_files,
    voice_names,
)
from podcast.errors import ConfigError, OutputError, PodcastError
from podcast.models import PAUSE_END, PAUSE_SENTENCE, Chapter, Chunk, Script
from podcast.text import lexicon

PREVIEW_TEXT = (
    "On March 3rd, 2024, the company said it had 1,250 employees and $44.5 billion in debt. "
    "“We are going to Mars, and we are going there soon,” she said."
)


@dataclass(frozen=True)
class VoiceCheck:
    """The result of checking one voice: its problems (none means it is good)."""

    name: str
    source: str
    problems: tuple[Problem, ...]
    engine_voice: str = ""  # the engine's full id when it resolved
    unavailable: str = ""  # why a valid voice cannot be used here (an optional engine)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.unavailable


def _synthesizer() -> Any:
    from podcast.synth.synthesize import Synthesizer

    return Synthesizer(workers=1)


def _engine_problem(voice: Voice, synthesizer: Any) -> tuple[str, Problem | None]:
    """(the engine's id for the voice, or the problem with it); an EngineUnavailable (an
    optional engine that is not installed) is raised."""
    try:
        prepared = synthesizer.check(voice)
    except engines.SettingError as exc:
        return "", Problem(voice.origin(exc.key), exc.key, exc.detail)
    except engines.EngineUnavailable:
        raise
    except ConfigError as exc:
        return "", Problem(voice.origin("voice"), "voice", str(exc))
    return engines.get(voice.engine).voice_id(prepared), None


def _raw_engine_problem(path: Path, problems: list[Problem], synthesizer: Any) -> Problem | None:
    """The engine's problem with a file that has other problems too (all at once): its engine
    prepares the settings the file got right."""
    if any(p.key in ("", "voice", "engine") for p in problems):
        return None
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    name = data.get("engine", engines.default().name)
    if name not in engines.names():
        return None
    engine = engines.get(name)
    bad = {p.key.split(".")[0] for p in problems}
    table = {k: v for k, v in data.items() if k in engine.keys and k not in bad}
    settings, _ = engine.parse(table)
    if settings is None:
        return None
    voice = Voice(engine=name, settings=settings, source=str(path),
                  origins=dict.fromkeys(table, str(path)))  # fmt: skip
    try:
        _, problem = _engine_problem(voice, synthesizer)
    except engines.EngineUnavailable:
        return None
    return problem


def _in_file_order(problems: list[Problem], path: Path) -> list[Problem]:
    order = list(tomllib.loads(path.read_text(encoding="utf-8")))

    def rank(problem: Problem) -> int:
        key = problem.key.split(".")[0]
        return order.index(key) if key in order else len(order)

    return sorted(problems, key=rank)


def check_voices(
    voices_dir: Path, names: list[str] | None = None, synthesizer: Any = None
) -> list[VoiceCheck]:
    """Check every voice config in ``voices_dir`` (or just ``names``): file and engine."""
    if synthesizer is None:
        with _synthesizer() as own:
            return check_voices(voices_dir, names, own)
    paths = {p.stem: p for p in voice_files(voices_dir)}
    wanted = names or voice_names(voices_dir)
    results: list[VoiceCheck] = []
    for name in wanted:
        path = paths.get(name)
        source = str(path) if path else "built-in defaults"
        try:
            voice = read_voice_file(path) if path else load_voice(name, voices_dir)
        except VoiceConfigError as exc:
            problems = list(exc.problems)
            engine_problem = _raw_engine_problem(path, problems, synthesizer) if path else None
            if engine_problem and path:
                problems = _in_file_order([*problems, engine_problem], path)
            results.append(VoiceCheck(name, source, tuple(problems)))
            continue
        except ConfigError as exc:
            results.append(VoiceCheck(name, source, (Problem(source, "", str(exc)),)))
            continue
        try:
            full_id, problem = _engine_problem(voice, synthesizer)
        except engines.EngineUnavailable as exc:  # an optional extra
            results.append(VoiceCheck(name, source, (), unavailable=str(exc)))
            continue
        results.append(VoiceCheck(name, source, (problem,) if problem else (), full_id))
    return results


@dataclass(frozen=True)
class ListedVoice:
    """A voice an installed engine offers."""

    engine: str
    id: str
    name: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class VoiceListing:
    configured: list[VoiceCheck]
    configured_voices: dict[str, Voice]
    engine: list[ListedVoice]  # every installed engine's voices
    extras: list[engines.Extra]  # what each engine adds (espeak-ng's variants ...)


def list_voices(voices_dir: Path, language: str | None = None) -> VoiceListing:
    """Configured voices (with whether each is usable) and the installed engines' own voices.

    ``language`` ("en", "en-gb") keeps only voices whose language starts with it.
    """
    offered: list[ListedVoice] = []
    extras: list[engines.Extra] = []
    with _synthesizer() as synthesizer:
        checks = check_voices(voices_dir, synthesizer=synthesizer)
        for engine in engines.all_engines():
            extras += engine.extras()
            if engine.available() is None:
                offered += [ListedVoice(engine.name, v.id, v.name, v.languages)
                            for v in synthesizer.engine_voices(engine.name)]  # fmt: skip
    configured: dict[str, Voice] = {}
    for check in checks:
        if check.ok:
            configured[check.name] = load_voice(check.name, voices_dir)
    if language:
        want = language.lower()
        checks = [
            c for c in checks if c.name not in configured
            or configured[c.name].language.lower().startswith(want)
        ]  # fmt: skip
        offered = [v for v in offered if any(lang.lower().startswith(want) for lang in v.languages)]
    return VoiceListing(checks, configured, offered, extras)


def effective_settings(voice: Voice) -> list[tuple[str, Any, str]]:
    """(key, value, where it came from) for every setting of ``voice``."""
    return [(key, value, voice.origin(key)) for key, value in voice.table().items()]


def _atomic_path(out: Path) -> Path:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create {out.parent} ({exc.strerror}); choose another --out"
        ) from exc
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=out.suffix, dir=out.parent)
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp makes it private; a preview or config is for sharing
    return Path(tmp)


def preview_script(voice: Voice, text: str, project_lexicon: dict[str, str]) -> Script:
    """A one-chapter script of ``text`` for ``voice``, one chunk per sentence, spoken with the
    project's lexicon under the voice's own (as a build speaks)."""
    from podcast.text.segment import sentences, split_long

    say = lexicon.normalizer({**project_lexicon, **voice.lexicon}, voice.language)
    pieces = [p for s in sentences(text) for p in split_long(s)]
    if not pieces:
        raise ConfigError("the preview text is empty; pass some words with --text")
    chunks = tuple(
        Chunk(
            piece,
            say(piece),
            voice.name,
            index,
            PAUSE_END if index == len(pieces) - 1 else PAUSE_SENTENCE,
        )
        for index, piece in enumerate(pieces)
    )
    return Script(f"Preview of {voice.name}", f"preview-{voice.name}", "preview",
                  (Chapter("Preview", chunks),))  # fmt: skip


def preview_voice(voice: Voice, out: Path, text: str = PREVIEW_TEXT) -> Path:
    """Render ``text`` with ``voice`` into the audio file ``out``; return its path.

    The preview is made the way every episode is (``build.pipeline.build_episode``: the
    project's lexicon, loudness at -16 LUFS, tags), in a scratch folder, and its audio file is
    then moved to ``out``; ``out`` is replaced only once the preview is whole.
    """
    from podcast.build.pipeline import build_episode
    from podcast.build.plan import project_lexicon_of
    from podcast.synth.synthesize import Synthesizer

    project_lexicon = project_lexicon_of()
    script = preview_script(voice, text, project_lexicon)
    tmp = _atomic_path(out)
    try:
        with Synthesizer(workers=1) as synthesizer, tempfile.TemporaryDirectory() as scratch:
            episode = build_episode(script, voice, synthesizer, Path(scratch),
                                    project_lexicon=project_lexicon)  # fmt: skip
            shutil.move(episode.directory / episode.audio_name, tmp)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


_HEADER = """\
# Voice "{name}"{based}. Use it with: podcast build --voice {name}
# Check it with: podcast voices check    Hear it with: podcast voices preview {name}"""
_PAUSES = "[pauses]                # milliseconds of silence after each kind of break (0-10000)"
_LEXICON = "[lexicon]               # word = how to say it; phonemes allowed inside [[...]]"
_LEXICON_EXAMPLE = '# Musk = "musk"\n# Nguyen = "[[w\'In]]"'


def _pad(text: str, width: int = 24) -> str:
    return " " * max(1, width - len(text))


def _line(key: str, value: Any, comment: str = "") -> str:
    text = f"{key} = {json.dumps(value, ensure_ascii=False)}"
    return f"{text}{_pad(text)}# {comment}" if comment else text


def new_voice(name: str, voices_dir: Path, based_on: str | None = None) -> Path:
    """Write ``voices_dir/NAME.toml``, a commented config (a copy of ``based_on``'s settings,
    or the defaults); refuse to overwrite an existing voice."""
    check_name(name)
    path = voices_dir / f"{name}.toml"
    if path.exists():
        raise ConfigError(f"{path} already exists; choose another name or edit that file")
    base = load_voice(based_on or DEFAULT_VOICE_NAME, voices_dir)
    engine = engines.get(base.engine)
    comments = engine.comments()
    values = {k: v for k, v in base.table().items() if "." not in k and v is not None and v != ""}
    lexicon_lines = "\n".join(
        f"{_toml_key(w)} = {json.dumps(s, ensure_ascii=False)}" for w, s in base.lexicon.items()
    )
    text = "\n".join([
        _HEADER.format(name=name, based=f", based on '{based_on}'" if based_on else ""),
        *(_line(key, value, comments.get(key, "")) for key, value in values.items()),
        "",
        _PAUSES,
        *(f"{kind} = {ms}" for kind, ms in base.pauses_ms.items()),
        "",
        _LEXICON,
        lexicon_lines or _LEXICON_EXAMPLE,
    ])  # fmt: skip
    voices_dir.mkdir(parents=True, exist_ok=True)
    tmp = _atomic_path(path)
    tmp.write_text(text + "\n", encoding="utf-8")
    try:
        read_voice_file(tmp)  # what we write must load
    except PodcastError:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    return path


def _toml_key(word: str) -> str:
    bare = word.replace("-", "").replace("_", "")
    return word if bare.isascii() and bare.isalnum() else json.dumps(word, ensure_ascii=False)


__all__ = [
    "ORIGIN_DEFAULT",
    "PREVIEW_TEXT",
    "VoiceCheck",
    "VoiceListing",
    "check_voices",
    "effective_settings",
    "list_voices",
    "new_voice",
    "preview_voice",
]
