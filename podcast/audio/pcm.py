"""The audio every stage hands on, defined once: 16-bit little-endian mono PCM at 22.05 kHz.

Speech engines render at this rate (espeak-ng's own; Piper voices are resampled to it), the
produced parts of a show (jingles, music beds) are converted to it, and the encoder reads it
on its standard input. An episode is published at ``EPISODE_SAMPLE_RATE`` (podcast players
expect 44.1 kHz); the output format's encoder resamples to it.
"""

from __future__ import annotations

import wave
from pathlib import Path

SAMPLE_RATE = 22_050
SAMPLE_WIDTH = 2  # bytes: 16-bit signed, little-endian
CHANNELS = 1
EPISODE_SAMPLE_RATE = 44_100
# How ffmpeg reads our PCM from a pipe (the options before ``-i pipe:0``).
FFMPEG_INPUT = ("-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", str(CHANNELS))


def samples(ms: int, rate: int = SAMPLE_RATE) -> int:
    """Samples in ``ms`` milliseconds at ``rate``."""
    return round(ms * rate / 1000)


def ms(count: int, rate: int = SAMPLE_RATE) -> int:
    """Milliseconds that ``count`` samples last at ``rate``."""
    return round(count * 1000 / rate)


def silence(duration_ms: int) -> bytes:
    """``duration_ms`` of digital silence in our PCM."""
    return bytes(samples(duration_ms) * SAMPLE_WIDTH)


def write_wav(path: Path, pcm: bytes) -> None:
    """Write ``pcm`` (our format) as a WAV file."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(CHANNELS)
        wav.setsampwidth(SAMPLE_WIDTH)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(pcm)


def is_native(wav: wave.Wave_read) -> bool:
    """Whether an open WAV already holds our PCM (no conversion needed)."""
    return (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (
        SAMPLE_RATE, CHANNELS, SAMPLE_WIDTH,
    )  # fmt: skip


def read_wav(path: Path) -> bytes:
    """The PCM frames of a WAV file (as they are: see ``is_native``)."""
    with wave.open(str(path), "rb") as wav:
        return wav.readframes(wav.getnframes())
