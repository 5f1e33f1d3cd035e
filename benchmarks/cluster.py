"""A batch of corpus articles on a 2-worker Dask LocalCluster vs the local worker pool.

``python -m benchmarks.cluster [--articles 8]`` builds the same articles, each time with an
empty chunk cache, with ``podcast build`` (local pool) and ``podcast build --cluster local:2``
and prints the wall times and their ratio (target <= 1.15 on a two-core machine: the cluster's
start-up and its per-task round trips are the overhead). It then measures what docs/cluster.md
projects from: the client-side work per article (a build whose chunks are all cached, at
another bitrate so that every part is encoded again: plan, encode, measure, tag), the
scheduler's cost per task, and the cost of moving a chunk's WAV back to the client.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus" / "texts"


def _articles(count: int) -> list[Path]:
    """The ``count`` smallest Markdown and text articles of the corpus (then the seeds)."""
    found = sorted(
        [*CORPUS.glob("*.md"), *CORPUS.glob("*.txt"), *(ROOT / "seeds").glob("*.txt")],
        key=lambda p: p.stat().st_size,
    )
    return found[:count]


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _build(articles: list[Path], out: Path, cache: Path, *extra: str) -> tuple[float, float]:
    """Wall time and CPU time (every process of the build: less noisy on a busy machine)."""
    env = {**os.environ, "PODCAST_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "podcast", "build", *map(str, articles), "-o", str(out)]
    start, cpu = time.perf_counter(), _cpu()
    subprocess.run([*command, *extra], env=env, check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - start, _cpu() - cpu


def _wavs(cache: Path) -> list[Path]:
    return list((cache / "chunks").rglob("*.wav"))


def _task_costs(wav_bytes: int, tasks: int = 200) -> tuple[float, float]:
    """Seconds per no-op task, and per task returning ``wav_bytes`` bytes, on a LocalCluster."""
    import distributed

    def nothing(i: int) -> int:
        return i

    def payload(i: int) -> bytes:
        return bytes(wav_bytes)

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.gather(client.map(nothing, range(20), pure=False))  # warm up
        start = time.perf_counter()
        client.gather(client.map(nothing, range(tasks), pure=False))
        empty = (time.perf_counter() - start) / tasks
        start = time.perf_counter()
        client.gather(client.map(payload, range(tasks), pure=False))
        loaded = (time.perf_counter() - start) / tasks
    return empty, loaded


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=8)
    args = parser.parse_args(argv)
    articles = _articles(args.articles)
    words = sum(len(p.read_text(encoding="utf-8", errors="replace").split()) for p in articles)
    print(f"{len(articles)} articles, {words} words: {', '.join(p.name for p in articles)}")
    work = Path(tempfile.mkdtemp(prefix="podcast-bench-cluster-"))
    try:
        local, local_cpu = _build(articles, work / "local", work / "cache-local")
        print(f"local pool           {local:7.1f} s  (CPU {local_cpu:.1f} s)")
        cluster, cluster_cpu = _build(
            articles, work / "cluster", work / "cache-cluster", "--cluster", "local:2"
        )
        print(f"--cluster local:2    {cluster:7.1f} s  (CPU {cluster_cpu:.1f} s)")
        print(f"overhead ratio       {cluster / local:7.2f}  (target <= 1.15; CPU ratio "
              f"{cluster_cpu / local_cpu:.2f})")  # fmt: skip
        wavs = _wavs(work / "cache-cluster")
        sizes = [p.stat().st_size for p in wavs]
        _, client_cpu = _build(articles, work / "again", work / "cache-local", "--bitrate", "64")
        mean_kb = statistics.mean(sizes) / 1e3
        print(f"chunks               {len(wavs):7d}  (mean WAV {mean_kb:.0f} KB)")
        print(f"render per chunk     {(local_cpu - client_cpu) / len(wavs) * 1e3:7.0f} ms CPU "
              "(cold build's CPU - client-side CPU, per chunk)")  # fmt: skip
        print(f"client-side work     {client_cpu / len(articles):7.2f} s CPU per article "
              "(chunks cached: read, plan, encode, measure, tag)")  # fmt: skip
        empty, loaded = _task_costs(round(statistics.mean(sizes)))
        print(f"Dask task round trip {empty * 1e3:7.1f} ms (no-op, 2 workers)")
        print(f"  returning one WAV  {loaded * 1e3:7.1f} ms")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
