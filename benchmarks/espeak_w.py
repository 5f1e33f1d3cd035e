"""The baseline a user could type: ``espeak-ng -w out.wav -f article.txt``.

No espeak-ng binary is guaranteed here, so this does what that command does with the same
library the pipeline uses (the espeakng-loader wheel or the system's libespeak-ng): initialise
espeak-ng in synchronous mode, speak the whole text in one call, and write one WAV.

Usage: python -m benchmarks.espeak_w TEXT_FILE OUT_WAV [--voice en-us] [--rate 165]
"""

from __future__ import annotations

import argparse
import ctypes
import wave
from pathlib import Path

AUDIO_OUTPUT_SYNCHRONOUS = 2
ESPEAK_RATE = 1
POS_CHARACTER = 1
ESPEAK_CHARS_AUTO = 0
ESPEAK_ENDPAUSE = 0x1000

SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


def speak_to_wav(text: str, out_path: Path, voice: str = "en-us", rate_wpm: int = 165) -> None:
    from podcast import toolchain

    espeak = toolchain.find_espeak()
    lib = ctypes.CDLL(espeak.library)
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    sample_rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, espeak.data_dir.encode(), 0)
    if sample_rate <= 0:
        raise SystemExit(f"espeak-ng failed to initialise ({sample_rate})")
    with wave.open(str(out_path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)

        def on_audio(samples, count, _events):  # type: ignore[no-untyped-def]
            if count > 0:
                wav.writeframesraw(ctypes.string_at(samples, count * 2))
            return 0

        callback = SynthCallback(on_audio)
        lib.espeak_SetSynthCallback(callback)
        lib.espeak_SetVoiceByName(voice.encode())
        lib.espeak_SetParameter(ESPEAK_RATE, rate_wpm, 0)
        data = text.encode("utf-8") + b"\0"
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        lib.espeak_Synth(data, len(data), 0, POS_CHARACTER, 0, ESPEAK_CHARS_AUTO | ESPEAK_ENDPAUSE,
                         None, None)  # fmt: skip
        lib.espeak_Synchronize()
        lib.espeak_Terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text_file", type=Path)
    parser.add_argument("out_wav", type=Path)
    parser.add_argument("--voice", default="en-us")
    parser.add_argument("--rate", type=int, default=165)
    args = parser.parse_args()
    speak_to_wav(args.text_file.read_text(encoding="utf-8"), args.out_wav, args.voice, args.rate)


if __name__ == "__main__":
    main()
