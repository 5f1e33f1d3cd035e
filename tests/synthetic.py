"""Synthetic audio for tests of the audio stages: a tone framed by silence, as espeak frames speech."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

from podcast.audio.pcm import SAMPLE_RATE


def tone_wav(
    path: Path,
    speech_ms: int,
    lead_ms: int = 40,
    trail_ms: int = 240,
    hz: int = 220,
    amplitude: int = 8000,
) -> Path:
    """Write a 16-bit mono WAV at the engine's rate: silence, a sine tone, silence."""
    pcm = bytearray(2 * lead_ms * SAMPLE_RATE // 1000)
    for i in range(speech_ms * SAMPLE_RATE // 1000):
        pcm += struct.pack("<h", int(amplitude * math.sin(2 * math.pi * hz * i / SAMPLE_RATE)))
    pcm += bytes(2 * trail_ms * SAMPLE_RATE // 1000)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(bytes(pcm))
    return path
