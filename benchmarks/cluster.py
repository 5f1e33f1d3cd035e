"""A batch of corpus articles on a 2-worker Dask LocalCluster vs the local worker pool.

``python -m benchmarks.cluster [--articles 8] [--pairs 2]`` builds the same articles, each time
with an empty chunk cache, with ``podcast build`` (local pool) and ``podcast build --cluster
local:2``, interleaved (local, cluster, cluster, local, ...: this machine's speed drifts over
tens of seconds, and one build of each put one in a fast spell and the other in a slow one),
and prints the mean wall times and their ratio (target <= 1.15 on a two-core machine: the
cluster's start-up and its per-task round trips are the overhead), with the CPU time each build
used (the machine's busy time over the build, from /proc/stat: every process counts, the
LocalCluster's forked workers and short ffmpeg runs included; elsewhere, sampled over the
process tree, a lower bound). It then measures what docs/cluster.md projects from: the client-side work per article
(a build whose chunks are all cached, at another bitrate so that every part is encoded again:
plan, encode, measure, tag), each kind of cluster task (render a chunk, encode and measure a
part: with a shared cache, and with the data travelling through Dask) from the cluster's task
stream, the scheduler's cost per task, and the cost of moving a chunk's WAV back to the client.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus" / "texts"


def _articles(count: int) -> list[Path]:
    """The ``count`` smallest Markdown and text articles of the corpus (then the seeds)."""
    found = sorted(
        [*CORPUS.glob("*.md"), *CORPUS.glob("*.txt"), *(ROOT / "seeds").glob("*.txt")],
        key=lambda p: p.stat().st_size,
    )
    return found[:count]


def _busy_s() -> float | None:
    """CPU seconds the machine has spent busy (all cores, all processes), where /proc/stat
    says (Linux); None elsewhere."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            ticks = [int(x) for x in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = ticks[3] + ticks[4] + (ticks[7] if len(ticks) > 7 else 0)  # idle, iowait, steal
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class _TreeCpu:
    """CPU seconds of a process and every process under it (sampled every 0.2 s: a process
    that lives less than that is missed, e.g. short ffmpeg runs, so this is a lower bound)."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.seen: dict[int, float] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while not self.done.wait(0.2):
            try:
                tree = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                continue
            for process in tree:
                try:
                    times = process.cpu_times()
                    self.seen[process.pid] = times.user + times.system
                except psutil.Error:
                    pass

    def stop(self) -> float:
        self.done.set()
        self.thread.join()
        return sum(self.seen.values())


def _build(articles: list[Path], out: Path, cache: Path, *extra: str) -> tuple[float, float]:
    """Wall time and CPU time (every process of the build: less noisy on a busy machine)."""
    env = {**os.environ, "PODCAST_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "podcast", "build", *map(str, articles), "-o", str(out)]
    busy = _busy_s()
    start = time.perf_counter()
    process = subprocess.Popen(
        [*command, *extra], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    # the tree sampler only where /proc/stat is not there (its own CPU would count in it)
    cpu = _TreeCpu(process.pid) if busy is None else None
    _, err = process.communicate()
    wall = time.perf_counter() - start
    used = cpu.stop() if cpu is not None else (_busy_s() or 0.0) - (busy or 0.0)
    if process.returncode:
        raise SystemExit(f"the build failed: {err.decode(errors='replace')[-2000:]}")
    return wall, used


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


KINDS = {
    "run_on_worker": "render a batch of chunks (150 words)",
    "encode_units": "encode + measure a unit of parts (shared cache)",
    "run_remote": "encode + measure parts (data through Dask)",
}


def _task_kinds(articles: list[Path], work: Path) -> None:
    """Each kind of task's compute time and the data it moved, from the task stream of a
    2-worker cluster (configured as ``--cluster local:2``) building ``articles`` with a shared
    cache, then without one (the chunks and parts travel through Dask)."""
    import dask
    import distributed

    from podcast.build.pipeline import BuildOptions, build
    from podcast.synth.dask_executor import LOCAL_CLUSTER_CONFIG

    with (
        dask.config.set(LOCAL_CLUSTER_CONFIG),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=2, dashboard_address=None, silence_logs=40
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.get_task_stream(start=0)  # starts recording
        os.environ["PODCAST_CACHE_DIR"] = str(work / "kinds-client")
        sources = [str(p) for p in articles]
        address = cluster.scheduler_address
        build(sources, BuildOptions(out_dir=work / "k1", cluster=address, cache_dir=work / "ks"))
        build(sources, BuildOptions(out_dir=work / "k2", cluster=address, bitrate_kbps=64))
        stream = client.get_task_stream(start=0)
    compute: dict[str, list[float]] = collections.defaultdict(list)
    moved: dict[str, list[float]] = collections.defaultdict(list)
    for task in stream:
        kind = str(task["key"]).split("-")[0]
        for part in task["startstops"]:
            span = part["stop"] - part["start"]
            if part["action"] == "compute":
                compute[kind].append(span)
            elif part["action"] == "transfer":
                moved[kind].append(span)  # fetching its inputs from another worker
    for kind, label in KINDS.items():
        spans = compute.get(kind, [])
        if not spans:
            continue
        line = f"  {label:44s} {len(spans):4d} tasks, {statistics.mean(spans) * 1e3:6.0f} ms each"
        if moved.get(kind):
            line += (f"; {len(moved[kind])} fetches worker to worker, "
                     f"{statistics.mean(moved[kind]) * 1e3:.0f} ms each")  # fmt: skip
        print(line)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=8)
    parser.add_argument("--pairs", type=int, default=2, help="builds of each kind, interleaved")
    args = parser.parse_args(argv)
    articles = _articles(args.articles)
    words = sum(len(p.read_text(encoding="utf-8", errors="replace").split()) for p in articles)
    print(f"{len(articles)} articles, {words} words: {', '.join(p.name for p in articles)}")
    work = Path(tempfile.mkdtemp(prefix="podcast-bench-cluster-"))
    try:
        runs: dict[str, list[tuple[float, float]]] = {"local": [], "cluster": []}
        for pair in range(args.pairs):
            for kind in ("local", "cluster") if pair % 2 == 0 else ("cluster", "local"):
                shutil.rmtree(work / f"cache-{kind}", ignore_errors=True)
                extra = ("--cluster", "local:2") if kind == "cluster" else ()
                runs[kind].append(_build(articles, work / kind, work / f"cache-{kind}", *extra))
        local, local_cpu = (statistics.mean(x) for x in zip(*runs["local"], strict=True))
        cluster, cluster_cpu = (statistics.mean(x) for x in zip(*runs["cluster"], strict=True))
        each = {kind: ", ".join(f"{wall:.1f}" for wall, _ in done) for kind, done in runs.items()}
        print(
            f"local pool           {local:7.1f} s  (CPU {local_cpu:.1f} s; builds {each['local']} s)"
        )
        print(f"--cluster local:2    {cluster:7.1f} s  (CPU {cluster_cpu:.1f} s; builds "
              f"{each['cluster']} s)")  # fmt: skip
        print(f"overhead ratio       {cluster / local:7.2f}  (target <= 1.15; CPU ratio "
              f"{cluster_cpu / local_cpu:.2f}; means of {args.pairs} interleaved builds each)")  # fmt: skip
        wavs = _wavs(work / "cache-cluster")
        sizes = [p.stat().st_size for p in wavs]
        _, client_cpu = _build(articles, work / "again", work / "cache-local", "--bitrate", "64")
        mean_kb = statistics.mean(sizes) / 1e3
        print(f"chunks               {len(wavs):7d}  (mean WAV {mean_kb:.0f} KB)")
        print(f"render per chunk     {(local_cpu - client_cpu) / len(wavs) * 1e3:7.0f} ms CPU "
              "(cold build's CPU - client-side CPU, per chunk)")  # fmt: skip
        print(f"client-side work     {client_cpu / len(articles):7.2f} s CPU per article "
              "(chunks cached: read, plan, encode, measure, tag)")  # fmt: skip
        parts = [p.stat().st_size for p in (work / "cache-cluster" / "parts").rglob("*.part")]
        print(
            f"parts                {len(parts):7d}  (mean part {statistics.mean(parts) / 1e3:.0f} KB)"
        )
        print("each kind of task on a 2-worker cluster (compute time, from the task stream):")
        _task_kinds(articles, work)
        empty, loaded = _task_costs(round(statistics.mean(sizes)))
        print(f"Dask task round trip {empty * 1e3:7.1f} ms (no-op, 2 workers)")
        print(f"  returning one WAV  {loaded * 1e3:7.1f} ms")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
