"""Where a rendered chunk lives: its content address in the chunk cache.

The key holds the spoken text, the chunk's own engine (name and version: a Piper chunk's key
holds Piper's version, an espeak-ng chunk's espeak-ng's) and that engine's prepared settings,
so a rebuild re-renders only what changed and an engine upgrade re-renders its chunks only.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import wave
from pathlib import Path
from typing import Any

from podcast.audio.pcm import SAMPLE_RATE
from podcast.cache import ENTRY_FORMAT, put
from podcast.engines.base import settings_key


def chunk_key(spoken: str, engine: str, version: str, settings: Any) -> str:
    """Content address of a chunk rendered by ``engine`` (at ``version``) with ``settings``."""
    payload = json.dumps(
        {"spoken": spoken, "engine": engine, "version": version, "entry": ENTRY_FORMAT,
         "settings": settings_key(settings) if settings is not None else None},
        sort_keys=True, ensure_ascii=False,
    )  # fmt: skip
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def chunk_path(root: Path, key: str) -> Path:
    return root / key[:2] / f"{key}.wav"


def write_empty(path: Path) -> None:
    """An empty WAV, for a chunk with no words to speak (nothing is given to an engine)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp.wav", delete=False) as fh,
        wave.open(fh, "wb") as wav,
    ):
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
    put(Path(fh.name), path)
