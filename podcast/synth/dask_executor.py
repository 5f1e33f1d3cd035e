"""Rendering on a Dask cluster (``--cluster``): the only module that imports ``distributed``.

Each Dask worker process keeps, per engine, a ``WorkerPool`` of its own (``EnginePlugin``, a
Dask worker plugin): the engine starts once per worker process, not once per task, and the
local pool's guarantees hold there too (engines never share a process, a hung engine is
killed after the chunk timeout, a chunk that fails twice fails naming its text). A Dask worker
that dies takes its tasks with it and Dask runs them on another worker.

Before any work, ``DaskBackend.check`` asks every worker for podcast's version and each engine's
availability and version, and refuses, naming the worker, any that differs from this machine.

The cache: with a shared one (``local:N``, or ``--cache DIR`` on a filesystem every worker
mounts at the same path) a worker publishes each chunk into it (first writer wins). Without
one, a worker renders into its own scratch folder and the sealed WAV travels back; the client
checks its seal and publishes it into its own cache.

The build's other units (``DaskBackend.run``: encode a part and measure its loudness) run on
the workers too. With a shared cache they read their chunks from it and write the part there:
only the part's description travels back. Without one, a chunk rendered on the cluster stays
there as the render task's result and is handed to the encoding task by Dask (worker to
worker, or not at all); what the client had (a chunk from its cache) is sent; what the task
wrote (the sealed part and its loudness memo) travels back and is checked and published into
the client's cache.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, InvalidStateError
from pathlib import Path
from typing import Any, TypeVar

import dask
import distributed

from podcast import cache, engines, toolchain
from podcast.cache import put, unseal
from podcast.engines.base import tmp_path
from podcast.errors import ConfigError, PodcastError, SynthesisError
from podcast.object_store import ObjectStore
from podcast.synth.pool import WorkerPool
from podcast.version import __version__

CONNECT_TIMEOUT_S = 10.0
# A LocalCluster (``local:N``) shares this machine's cores with the client: what Dask does for a
# long-lived cluster it does not need (measured in docs/cluster.md).
LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.daemon": False,  # its workers start engine processes
    # the workers are forked from one process that imported distributed once (not each
    # importing it, ~2 s of CPU apiece), and stop at once
    "distributed.worker.multiprocessing-method": "forkserver",  # started early: prepare_cluster
    "distributed.worker.profile.enabled": False,  # a sampling thread, every 10 ms, per worker
    # every task goes to a worker at once (it runs them in the build's order): no worker
    # waits a round trip to the scheduler between two chunks
    "distributed.scheduler.worker-saturation": "inf",
    "distributed.admin.tick.interval": "200ms",  # event-loop health checks (20 ms)
    # what the client's process (scheduler, nannies) and each worker sample while they wait:
    # half of an idle cluster's CPU at Dask's defaults (memory 100 ms, system 500 ms)
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.system-monitor.disk": False,
}
_PLUGIN = "podcast-engines"
R = TypeVar("R")


class EnginePlugin(distributed.WorkerPlugin):
    """Per Dask worker process: one ``WorkerPool`` per engine, started on first use."""

    name = _PLUGIN
    pools: dict[str, WorkerPool]  # set on the worker (``setup``): the plugin travels pickled
    lock: threading.Lock
    scratch: str
    size: int

    def __init__(self, timeout_s: float, store: tuple[str, str] | None = None) -> None:
        self.timeout_s = timeout_s
        self.store = store  # an object-store cache: its URL and each machine's copy of it

    def setup(self, worker: distributed.Worker) -> None:
        if self.store is not None:  # the client's --cache s3://...: the same store here
            url, root = self.store
            os.environ[cache.CACHE_ENV] = root
            Path(root).mkdir(parents=True, exist_ok=True)
            cache.use_store(ObjectStore(url, Path(root)))
        self.pools, self.lock = {}, threading.Lock()
        self.size = max(1, int(getattr(worker.state, "nthreads", 1) or 1) // 2)
        # in the worker's own folder, which Dask clears even after a worker was killed
        self.scratch = tempfile.mkdtemp(prefix="podcast-", dir=worker.local_directory)

    def pool(self, engine: str) -> WorkerPool:
        with self.lock:
            if engine not in self.pools:
                self.pools[engine] = WorkerPool(self.size, self.timeout_s, engines.get(engine))
            return self.pools[engine]

    def teardown(self, worker: distributed.Worker) -> None:
        with self.lock:
            for pool in self.pools.values():
                pool.close()
            self.pools.clear()
        shutil.rmtree(self.scratch, ignore_errors=True)


def run_on_worker(
    engine: str, kind: str, batch: list[tuple[tuple[Any, ...], str]], shared: bool
) -> list[tuple[Any, bytes | None]]:
    """A Dask task: each ``(args, label)`` of ``batch`` as ``kind`` on this worker's pool of
    ``engine`` (all queued at once, each retried and named on its own). Returns each one's
    result, with its sealed WAV when the cache is not shared (else it is already there)."""
    plugin = distributed.get_worker().plugins[_PLUGIN]
    assert isinstance(plugin, EnginePlugin)
    pool = plugin.pool(engine)
    if kind != "render" or shared:
        futures = pool.submit_batch(kind, batch)
        return [(future.result(), None) for future in futures]
    # the seal holds the entry's name: each WAV is rendered under it in the scratch folder
    local = [Path(plugin.scratch) / Path(args[2]).name for args, _ in batch]
    try:
        futures = pool.submit_batch(
            kind, [((text, settings, str(here)), label)
                   for ((text, settings, _), label), here in zip(batch, local, strict=True)]
        )  # fmt: skip
        values = [future.result() for future in futures]
        return [(value, here.read_bytes()) for value, here in zip(values, local, strict=True)]
    finally:
        for here in local:
            here.unlink(missing_ok=True)


async def prestart_on_worker(engine: str, dask_worker: distributed.Worker) -> None:
    """Start this worker's pool of ``engine`` (``client.run``, not waited for: the engine
    starts while the client reads the articles; Dask passes ``dask_worker``)."""
    plugin = dask_worker.plugins[_PLUGIN]
    assert isinstance(plugin, EnginePlugin)
    plugin.pool(engine).prestart()


def _swap(value: Any, moved: dict[Path, Path]) -> Any:
    """``value`` with each path in ``moved`` replaced (in tuples, lists and a dataclass's
    own fields): a unit's arguments and result, between the client's paths and a worker's."""
    if isinstance(value, Path):
        return moved.get(value, value)
    if isinstance(value, tuple | list):
        return type(value)(_swap(item, moved) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changed = {
            field.name: moved[found]
            for field in dataclasses.fields(value)
            if isinstance(found := getattr(value, field.name), Path) and found in moved
        }
        return dataclasses.replace(value, **changed) if changed else value
    return value


def run_remote(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    held: dict[str, list[tuple[Any, bytes | None]]],
    where: dict[str, int],
    sent: dict[str, bytes],
    outputs: list[str],
) -> tuple[Any, dict[str, bytes]]:
    """A Dask task, where the cluster does not share the client's cache: ``fn`` on copies of
    its inputs (``held``: the results of the render tasks that made them, passed on by Dask,
    each input at its place ``where`` in its task's batch; ``sent``: the client's sealed
    entries) in this worker's scratch folder. Returns its result (with the client's
    paths) and every entry it wrote where its ``outputs`` go, sealed, by name."""
    plugin = distributed.get_worker().plugins[_PLUGIN]
    assert isinstance(plugin, EnginePlugin)
    folder = Path(tempfile.mkdtemp(dir=plugin.scratch))
    try:
        (folder / "in").mkdir()
        (folder / "out").mkdir()
        moved = {Path(output): folder / "out" / Path(output).name for output in outputs}
        inputs = {**sent, **{path: held[path][where[path]][1] for path in held}}
        for path, data in inputs.items():
            if data is None:
                raise SynthesisError(f"the cluster lost the audio of {Path(path).name}")
            moved[Path(path)] = folder / "in" / Path(path).name
            moved[Path(path)].write_bytes(data)
        result = fn(*_swap(args, moved))
        written = {
            entry.name: entry.read_bytes()
            for entry in (folder / "out").iterdir()
            if not entry.name.startswith(".")  # a temporary file is no entry
        }
        return _swap(result, {there: here for here, there in moved.items()}), written
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def engine_report(names: list[str]) -> dict[str, Any]:
    """What this process has of podcast and of the engines ``names`` (run on every worker)."""
    report: dict[str, Any] = {"podcast": __version__}
    try:  # encoding runs on the workers too: the encoder's version is in every part's key
        report["ffmpeg"] = ("ok", toolchain.find_ffmpeg().version)
    except PodcastError as exc:
        report["ffmpeg"] = ("unavailable", str(exc))
    for name in names:
        try:
            engine = engines.get(name)
        except ConfigError:
            report[name] = ("missing", None)
            continue
        hint = engine.available()
        report[name] = ("unavailable", hint) if hint else ("ok", engine.version())
    return report


def compare(engine: str, mine: dict[str, Any], workers: dict[str, dict[str, Any]]) -> str | None:
    """The first way a worker differs from this machine for ``engine``, as one line, or None."""
    what = "ffmpeg" if engine == "ffmpeg" else f"engine '{engine}'"
    for address, theirs in sorted(workers.items()):
        if theirs.get("podcast") != mine["podcast"]:
            return (
                f"worker {address} has podcast {theirs.get('podcast')} but this machine has "
                f"{mine['podcast']}; install the same podcast on every worker"
            )
        state, detail = theirs.get(engine, ("missing", None))
        if state == "missing":
            return (
                f"worker {address} has no engine '{engine}'; install podcast with the same "
                "engines and voices on every worker (docs/cluster.md)"
            )
        if state == "unavailable":
            return f"worker {address} cannot run {what}: {detail}"
        if detail != mine[engine][1]:
            return (
                f"worker {address} has {engine} {detail} but this machine has "
                f"{mine[engine][1]}; install the same version on every worker"
            )
    return None


class DaskExecutor:
    """One engine's work as Dask tasks; each Dask future is mirrored by a concurrent one."""

    def __init__(
        self,
        client: distributed.Client,
        engine: str,
        shared: bool,
        order: Iterator[int],
        held: dict[str, tuple[distributed.Future, int]],
    ) -> None:
        self.client = client
        self.order = order  # the build's submission order, shared by its engines
        self.engine = engine
        self.shared = shared
        # without a shared cache: each chunk's render task and its place in the task's batch,
        # until the chunk's part is encoded
        self.held = held
        self.replaced = 0
        self._lock = threading.Lock()
        self._tasks: dict[Future[Any], distributed.Future] = {}

    def submit(
        self, kind: str, args: tuple[Any, ...], label: str, urgent: bool = False
    ) -> Future[Any]:
        return self.submit_batch(kind, [(args, label)], urgent)[0]

    def submit_batch(
        self, kind: str, batch: Sequence[tuple[tuple[Any, ...], str]], urgent: bool = False
    ) -> list[Future[Any]]:
        """One Dask task for the whole batch (a part's chunks: a task costs the scheduler,
        the client and the worker a few ms of CPU each, a chunk's render about 15 ms)."""
        units = list(batch)
        futures: list[Future[Any]] = [Future() for _ in units]
        # first submitted, first run (Dask breaks ties between tasks submitted together
        # by key, at random): the encoders wait for an episode's chunks in order
        task = self.client.submit(
            run_on_worker, self.engine, kind, units, self.shared,
            pure=False, priority=1 if urgent else -next(self.order),
        )  # fmt: skip
        with self._lock:
            for future in futures:
                self._tasks[future] = task
            if kind == "render" and not self.shared:
                for place, (args, _) in enumerate(units):
                    self.held[str(args[2])] = (task, place)
        task.add_done_callback(lambda done: self._done(done, futures, kind, units))
        return futures

    def _done(
        self,
        task: distributed.Future,
        futures: list[Future[Any]],
        kind: str,
        units: list[tuple[tuple[Any, ...], str]],
    ) -> None:
        with self._lock:
            for future in futures:
                self._tasks.pop(future, None)
        if all(future.cancelled() for future in futures):
            return
        first = units[0][1]
        try:
            results = task.result()
            for (args, label), (_, data) in zip(units, results, strict=True):
                if data is not None:
                    store(Path(args[2]), data, label)
        except PodcastError as exc:
            for future in futures:
                _settle(future, exc=exc)
        except Exception as exc:  # the cluster's own failure (a worker lost too often, ...)
            more = f" and the {len(units) - 1} chunks after it" if len(units) > 1 else ""
            error = SynthesisError(
                f"the cluster failed while speaking {first!r}{more} "
                f"({type(exc).__name__}: {exc}); check the Dask workers' logs"
            )
            for future in futures:
                _settle(future, exc=error)
        else:
            for future, (value, _) in zip(futures, results, strict=True):
                _settle(future, value=value)

    def prestart(self) -> None:
        """Start the engine on every worker now (in the background)."""
        with contextlib.suppress(Exception):
            self.client.run(prestart_on_worker, self.engine, wait=False)

    def close(self) -> None:
        with self._lock:
            pending = list(self._tasks.items())
            self._tasks.clear()
        for future, _ in pending:
            future.cancel()
        if pending:
            with contextlib.suppress(Exception):
                self.client.cancel([task for _, task in pending])


def _settle(future: Future[Any], value: Any = None, exc: BaseException | None = None) -> None:
    with contextlib.suppress(InvalidStateError):  # cancelled meanwhile (the build stopped)
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(value)


def _outcome(task: distributed.Future, label: str) -> Any:
    """The result of a unit's task; the cluster's own failure as one line naming the unit."""
    try:
        return task.result()
    except PodcastError:
        raise
    except Exception as exc:
        raise SynthesisError(
            f"the cluster failed while {label} ({type(exc).__name__}: {exc}); "
            "check the Dask workers' logs"
        ) from None


def store(target: Path, sealed: bytes, label: str) -> None:
    """Publish a chunk that came back from a worker into this machine's cache (its seal is
    checked: audio damaged on the way is a failure, never a cache entry)."""
    content = unseal(sealed, target.name)
    if content is None:
        raise SynthesisError(
            f"the audio of {label!r} arrived damaged from the cluster; build again"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path(target, os.getpid())
    tmp.write_bytes(content)
    put(tmp, target)


class DaskBackend:
    """A Dask client (and, for ``local:N``, the LocalCluster it started)."""

    def __init__(
        self,
        client: distributed.Client,
        cluster: distributed.LocalCluster | None,
        shared: bool,
        timeout_s: float,
    ) -> None:
        self.client = client
        self.cluster = cluster
        self.shared = shared
        self._checked: set[str] = set()
        self._order = itertools.count()
        self._held: dict[str, tuple[distributed.Future, int]] = {}
        store = cache.store()
        spec = (store.url, str(store.root)) if isinstance(store, ObjectStore) else None
        client.register_plugin(EnginePlugin(timeout_s, spec), name=_PLUGIN)
        workers = client.scheduler_info().get("workers", {}).values()
        self._slots = max(1, sum(int(w.get("nthreads", 1)) for w in workers))

    @classmethod
    def connect(
        cls, address: str, local_workers: int | None, shared_cache: bool, timeout_s: float
    ) -> DaskBackend:
        """Start a LocalCluster of ``local_workers`` processes, or connect to the scheduler at
        ``address``; a ConfigError (one line) when it cannot be reached or has no workers."""
        if local_workers:
            with (
                dask.config.set(LOCAL_CLUSTER_CONFIG),
                warnings.catch_warnings(),  # "port 8787 is in use": no dashboard is served
            ):
                warnings.simplefilter("ignore", UserWarning)
                cluster = distributed.LocalCluster(
                    n_workers=local_workers,
                    threads_per_worker=2,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            return cls(distributed.Client(cluster), cluster, True, timeout_s)
        try:
            client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConfigError(
                f"cannot reach the Dask scheduler at {address} ({exc}); start it with "
                "'dask scheduler' or check --cluster / PODCAST_CLUSTER"
            ) from None
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            client.close()
            raise ConfigError(
                f"the Dask scheduler at {address} has no workers ({exc}); start some with "
                f"'dask worker {address}'"
            ) from None
        return cls(client, None, shared_cache, timeout_s)

    def executor(self, engine: str, timeout_s: float) -> DaskExecutor:
        return DaskExecutor(self.client, engine, self.shared, self._order, self._held)

    @property
    def slots(self) -> int:
        return self._slots

    def run(
        self,
        fn: Callable[..., R],
        args: tuple[Any, ...],
        label: str,
        inputs: Sequence[Path] = (),
        outputs: Sequence[Path] = (),
    ) -> R:
        # before the chunks still queued: a finished part frees the cluster's memory of them
        if self.shared or not outputs:
            task = self.client.submit(fn, *args, pure=False, priority=1)
            return _outcome(task, label)
        found = {str(path): self._held.pop(str(path)) for path in inputs if str(path) in self._held}
        held = {path: task for path, (task, _) in found.items()}
        where = {path: place for path, (_, place) in found.items()}
        sent = {str(path): path.read_bytes() for path in inputs if str(path) not in held}
        remote: Callable[..., Any] = run_remote
        task = self.client.submit(
            remote, fn, args, held, where, sent, [str(o) for o in outputs], pure=False, priority=1
        )
        result, written = _outcome(task, label)
        folders = {path.name.split(".")[0]: path.parent for path in outputs}
        for name, data in written.items():  # an output, or an entry named after one
            store(folders[name.split(".")[0]] / name, data, label)
        return result

    def check(self, engine: str) -> None:
        if engine in self._checked:
            return
        mine = engine_report([engine])
        if mine[engine][0] != "ok":  # this machine's own problem is reported by prepare()
            return
        theirs = self.client.run(engine_report, [engine])
        problem = compare(engine, mine, theirs)
        if not problem and mine["ffmpeg"][0] == "ok":
            problem = compare("ffmpeg", mine, theirs)
        if problem:
            raise ConfigError(problem)
        self._checked.add(engine)

    def close(self) -> None:
        self._held.clear()
        with contextlib.suppress(Exception):
            self.client.close()
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()
