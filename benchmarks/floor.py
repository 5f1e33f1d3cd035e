"""The floor under a cold build: the work it cannot leave out, against what it takes.

``python -m benchmarks.floor [--runs N] [--wheel]`` (``--wheel``: the wheel's ffmpeg for
everything, as the ``cold-wheel`` benchmark)

Interleaved, N times: the hand pipeline (as ``benchmarks.baseline`` runs it), a cold build of the seed,
then each part of the work that build has to do, one process at a time, on what it just made:

- **espeak-ng**: the hand pipeline's own synthesis of the whole text, less a bare Python start;
- **encoder**: the build's encoder chain (the episode's gain and limiter, the tap, the
  resampling, LAME: ``assemble.tapped_args``) on the episode's speech in one ffmpeg stream
  (the MP3 decoded to our PCM; the build cuts it into parts and runs several encoders);
- **meter**: ``loudness.measure_tap`` on that tap (the verified loudness; CPU of the call);
- **imports**: starting the build's Python with what a build imports (its CLI, pipeline,
  meter and tagger), and each synthesis worker's (one per core);
- **text**: ``podcast.api.script`` on the seed with an empty cache (CPU of the call).

Their CPU seconds over the cores is the fastest a build doing that work could be, with
every core busy from its first millisecond to its last and nothing else done; printed as a
ratio of the hand pipeline's wall time, beside the build's own ratio (the ``cold`` target),
its CPU seconds and how busy it kept the cores. Nothing here is a test (see ``benchmarks``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.__main__ import (
    BITRATE_KBPS,
    RATE_WPM,
    SEED,
    WHEEL,
    build,
    compile_bytecode,
    ffmpeg_path,
    run,
    to_mp3,
)

# what a build's own process imports besides the standard library (``podcast.audio.meter``
# brings numpy and the MP3 decoder in the background; the tagger at the end)
BUILD_IMPORTS = (
    "import podcast.cli, podcast.build.pipeline, podcast.formats.mp3.id3, numpy, _miniaudio"
)
WORKER_IMPORTS = (
    "from podcast.toolchain import fewer_collections; fewer_collections(); "
    "from podcast.synth.pool import _child_main; import podcast.engines.espeak, "
    "pyttsx3.drivers.espeak"
)
TIMED_CALL = "import time; {setup}; t = time.process_time(); {call}; print(time.process_time() - t)"


def cpu_of(run: Callable[[], object]) -> tuple[float, float]:
    """Wall seconds and CPU seconds of the child processes ``run`` starts and waits for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def python(code: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def timed_call(setup: str, call: str, env: dict[str, str] | None = None) -> float:
    """CPU seconds of ``call`` alone, in a fresh Python after ``setup``."""
    return float(python(TIMED_CALL.format(setup=setup, call=call), env).strip().splitlines()[-1])


def encoder_chain(ffmpeg: str, episode: Path, work: Path) -> tuple[float, Path]:
    """CPU seconds of the build's encoder chain on ``episode``'s speech in one stream, and
    the tap it wrote."""
    from podcast.audio import assemble, loudness, pcm
    from podcast.formats import default

    speech, tap = work / "speech.pcm", work / "speech.tap"
    mp3 = next(episode.glob("*.mp3"))
    subprocess.run([ffmpeg, "-v", "error", "-y", "-i", str(mp3), "-f", "s16le",
                    "-ar", str(pcm.SAMPLE_RATE), "-ac", str(pcm.CHANNELS), str(speech)],
                   check=True)  # fmt: skip
    level = json.loads((episode / "episode.json").read_text(encoding="utf-8"))["loudness"]
    filters = loudness.encoder_filters(level["gain_db"], level["limiter_ceiling_dbtp"])
    graph, outputs = assemble.tapped_args(
        0, work / "chain.mp3", tap, BITRATE_KBPS, filters, default()
    )
    command = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
               *pcm.FFMPEG_INPUT, "-i", str(speech), "-filter_complex", graph, *outputs]  # fmt: skip
    return cpu_of(lambda: subprocess.run(command, check=True))[1], tap


def one_round(work: Path, env: dict[str, str], rows: dict[str, list[float]]) -> None:
    ffmpeg = ffmpeg_path(env)
    folder = Path(tempfile.mkdtemp(dir=work))
    try:
        bare = cpu_of(lambda: python("pass"))[1]
        wav = folder / "baseline.wav"
        # the hand pipeline as ``benchmarks.baseline`` runs it, its two steps timed apart
        speak_wall, speak_cpu = cpu_of(lambda: run(
            [sys.executable, "-m", "benchmarks.espeak_w", str(SEED), str(wav),
             "--rate", str(RATE_WPM)]))  # fmt: skip
        mp3_wall, _ = cpu_of(lambda: to_mp3(ffmpeg, wav, folder / "baseline.mp3"))
        hand_wall = speak_wall + mp3_wall
        espeak_cpu = speak_cpu - cpu_of(lambda: python("import benchmarks.espeak_w"))[1]
        build_wall, build_cpu = cpu_of(
            lambda: build(SEED, folder / "out", folder / "cache", env=env)
        )
        episode = next(path for path in (folder / "out").iterdir() if path.is_dir())
        chain, tap = encoder_chain(ffmpeg, episode, folder)
        meter = timed_call(
            "from pathlib import Path; from podcast.audio import loudness, meter; import numpy",
            f"loudness.measure_tap(Path({str(tap)!r}))",
        )
        imports = cpu_of(lambda: python(BUILD_IMPORTS))[1]
        worker = cpu_of(lambda: python(WORKER_IMPORTS))[1]
        text = timed_call(
            "import podcast.api",
            f"podcast.api.script({str(SEED)!r})",
            {**os.environ, "PODCAST_CACHE_DIR": str(folder / "text-cache")},
        )
        for name, value in {
            "hand wall": hand_wall, "build wall": build_wall, "build cpu": build_cpu,
            "espeak-ng": max(0.0, espeak_cpu), "encoder": chain, "meter": meter,
            "imports": imports, "worker": worker, "text": text, "bare": bare,
        }.items():  # fmt: skip
            rows.setdefault(name, []).append(value)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="rounds per median (default 3)")
    parser.add_argument("--wheel", action="store_true", help="the wheel's ffmpeg throughout")
    args = parser.parse_args()
    compile_bytecode()
    env = dict(WHEEL) if args.wheel else {}
    cores = os.cpu_count() or 1
    rows: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="podcast-floor.") as work:
        for _ in range(args.runs):
            one_round(Path(work), env, rows)
    med = {name: statistics.median(values) for name, values in rows.items()}
    parts = {
        "espeak-ng": med["espeak-ng"], "encoder": med["encoder"], "meter": med["meter"],
        "imports": med["imports"], f"{cores} workers' imports": cores * med["worker"],
        "text": med["text"],
    }  # fmt: skip
    floor = sum(parts.values())
    hand = med["hand wall"]
    print(
        f"work a cold build cannot leave out (CPU-s, medians of {args.runs}; {ffmpeg_path(env)}):"
    )
    for name, value in parts.items():
        print(f"  {name:18} {value:5.2f}")
    print(f"floor    ratio {floor / cores / hand:5.2f}  {floor:.2f} CPU-s over {cores} cores = "
          f"{floor / cores:.2f} s vs the hand pipeline's {hand:.2f} s")  # fmt: skip
    print(f"build    ratio {med['build wall'] / hand:5.2f}  {med['build wall']:.2f} s, "
          f"{med['build cpu']:.2f} CPU-s ({med['build cpu'] - floor:+.2f} over the floor), "
          f"cores busy {med['build cpu'] / (cores * med['build wall']):.0%}")  # fmt: skip


if __name__ == "__main__":
    main()
