"""``podcast doctor``: what the build will use, and what to do about each problem."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from podcast import toolchain
from podcast.errors import PodcastError
from podcast.project import find_project

OK, WARN, FAIL = "ok", "warning", "problem"


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""


def _ffmpeg() -> list[Check]:
    checks = []
    try:
        ffmpeg = toolchain.find_ffmpeg()
        checks.append(
            Check("ffmpeg", OK, f"{ffmpeg.version} from the {ffmpeg.origin}: {ffmpeg.path}")
        )
    except PodcastError as exc:
        checks.append(
            Check("ffmpeg", FAIL, str(exc), "pip install --force-reinstall imageio-ffmpeg")
        )
    probe = toolchain.find_ffprobe()
    if probe:
        checks.append(Check("ffprobe", OK, probe))
    else:
        checks.append(Check("ffprobe", WARN, "not installed (optional: only for inspecting files)",
                            "apt install ffmpeg, if you want ffprobe"))  # fmt: skip
    return checks


def _engines_and_voices(ffmpeg: list[Check]) -> list[Check]:
    """What each engine says of itself, then ffmpeg's checks, then each voice (when nothing
    so far is a problem): prepared by its engine as a build would."""
    from podcast import engines
    from podcast.config.voices import DEFAULT_VOICE_NAME, load_voice
    from podcast.synth.synthesize import Synthesizer

    project = find_project()
    names = sorted(p.stem for p in project.voices_dir.glob("*.toml"))
    if DEFAULT_VOICE_NAME not in names:
        names.insert(0, DEFAULT_VOICE_NAME)
    checks: list[Check] = []
    with Synthesizer(workers=1) as synth:
        for engine in engines.all_engines():
            for found in engine.diagnose(partial(synth.engine_voices, engine.name)):
                checks.append(Check(found.name, OK if found.ok else FAIL, found.detail, found.fix))
        checks += ffmpeg
        if any(c.status == FAIL for c in checks):
            return checks
        try:
            for name in names:
                try:
                    voice = load_voice(name, project.voices_dir)
                    settings = synth.prepare(voice)
                    detail = engines.get(voice.engine).describe(settings)
                    checks.append(Check(f"voice '{name}'", OK, f"{detail} ({voice.source})"))
                except engines.EngineUnavailable as exc:  # an optional extra, not a broken build
                    checks.append(Check(f"voice '{name}'", WARN, f"unavailable: {exc}",
                                        f"{exc.hint or 'install it'}, to use it"))  # fmt: skip
                except PodcastError as exc:
                    checks.append(Check(f"voice '{name}'", FAIL, str(exc), "fix the voice file"))
        except PodcastError as exc:
            checks.append(Check("engine", FAIL, str(exc), "run 'pip install -e .' again"))
    return checks


def _meter() -> Check:
    try:
        from podcast.audio import meter

        return Check("loudness meter", OK, meter.describe())
    except ImportError as exc:
        return Check("loudness meter", FAIL, f"cannot load it ({exc})",
                     "pip install --force-reinstall pyebur128 miniaudio numpy")  # fmt: skip


def _cache() -> Check:
    from podcast.cache import cache_root

    root = cache_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
        writable = os.access(root, os.W_OK)
    except OSError:
        writable = False
    if not writable:
        return Check(
            "cache", WARN, f"{root} is not writable", "set PODCAST_CACHE_DIR or use --no-cache"
        )
    return Check("cache", OK, str(root))


def run_checks() -> list[Check]:
    checks = _engines_and_voices(_ffmpeg())
    checks.append(_meter())
    checks.append(_cache())
    project = find_project()
    checks.append(Check("project", OK, str(Path(project.root))))
    return checks


def build_can_work(checks: list[Check]) -> bool:
    return all(c.status != FAIL for c in checks)
