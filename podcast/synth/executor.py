"""Where a build's units of work run: the executor seam.

The ``Synthesizer`` hands every engine's unit of work (render a chunk, list an engine's voices)
to an ``Executor``: ``submit(kind, args, label)`` returns a ``concurrent.futures.Future``,
whoever runs it. A ``Backend`` makes one executor per engine (engines never share a process),
checks, before any work, that the engine can run where the work will run, and runs the build's
other units (encode parts and measure their loudness: ``build.encode.encode_units``) with
``run(fn, args, label, inputs, outputs)``: one function, called here or on a cluster's worker.

Two backends: ``LocalBackend`` (the local ``WorkerPool``, the default: nothing more is imported;
``run`` calls the function in the caller's thread) and ``synth.dask_executor.DaskBackend``
(``--cluster``: Dask distributed), picked by ``backend_for``. See docs/cluster.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Protocol, TypeVar

from podcast import engines
from podcast.errors import ConfigError
from podcast.synth.pool import WorkerPool

CLUSTER_ENV = "PODCAST_CLUSTER"
LOCAL_CLUSTER = re.compile(r"local:(\d+)")
_SCHEMES = ("tcp://", "tls://", "ws://", "wss://")
R = TypeVar("R")


class Executor(Protocol):
    """Runs units of work of one engine; ``WorkerPool`` is the local one."""

    replaced: int  # worker processes replaced after dying or hanging

    def submit(
        self, kind: str, args: tuple[Any, ...], label: str, urgent: bool = False
    ) -> Future[Any]:
        """Start ``kind`` ("render": ``(text, settings, out_path)``; "voices": ``()``);
        ``label`` names the unit in an error (the chunk's text); ``urgent`` runs it before
        what is queued (the build waits for it now)."""
        ...

    def submit_batch(
        self, kind: str, batch: Sequence[tuple[tuple[Any, ...], str]], urgent: bool = False
    ) -> list[Future[Any]]:
        """``submit`` for each ``(args, label)`` of ``batch``, in order: one future each. The
        batch may travel as one unit (one Dask task: a part's chunks), each unit still rendered,
        retried and named on its own."""
        ...

    def prestart(self) -> None:
        """Start the engine now, so that it is ready when the first chunk comes."""
        ...

    def close(self) -> None:
        """Stop; nothing submitted is waited for (their futures are cancelled)."""
        ...


class Backend(Protocol):
    """Makes the executors of one build, one per engine, and runs its other units."""

    def executor(self, engine: str, timeout_s: float) -> Executor: ...

    @property
    def slots(self) -> int:
        """How many units can run at once (local cores, or the cluster's worker threads)."""
        ...

    def run(
        self,
        fn: Callable[..., R],
        args: tuple[Any, ...],
        label: str,
        inputs: Sequence[Path] = (),
        outputs: Sequence[Path] = (),
    ) -> R:
        """``fn(*args)`` where the work runs; blocks until done. ``fn`` is a module-level
        function (it travels by name), reads the cache entries ``inputs`` and writes the
        entries ``outputs`` (and others named after them, in their folders; each sealed):
        where the cluster does not share this machine's cache, the inputs travel to it and
        what ``fn`` wrote travels back (``label`` names the unit in an error)."""
        ...

    def check(self, engine: str) -> None:
        """Raise a PodcastError (one line) if ``engine`` cannot run where the work runs."""
        ...

    def close(self) -> None: ...


class LocalBackend:
    """The worker pool on this machine's cores (the default)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def executor(self, engine: str, timeout_s: float) -> Executor:
        return WorkerPool(self.workers, timeout_s, engines.get(engine))

    @property
    def slots(self) -> int:
        return self.workers

    def check(self, engine: str) -> None:
        return None

    def run(
        self,
        fn: Callable[..., R],
        args: tuple[Any, ...],
        label: str,
        inputs: Sequence[Path] = (),
        outputs: Sequence[Path] = (),
    ) -> R:
        return fn(*args)

    def close(self) -> None:
        return None


def check_cluster(address: str) -> str:
    """``address`` if it names a cluster (``local:N`` or a scheduler's ``tcp://host:port``);
    else a ConfigError saying what is accepted."""
    found = LOCAL_CLUSTER.fullmatch(address)
    if (found and int(found.group(1)) >= 1) or (
        address.startswith(_SCHEMES) and len(address.split("://", 1)[1]) > 0
    ):
        return address
    raise ConfigError(
        f"--cluster {address!r} is not a cluster; give local:N (N worker processes here) "
        "or a Dask scheduler's address, e.g. tcp://host:8786"
    )


def prepare_cluster(cluster: str | None) -> None:
    """For ``local:N``, start now the process its workers will be forked from (Dask's
    ``forkserver``, see ``dask_executor.LOCAL_CLUSTER_CONFIG``), importing distributed and
    podcast's Dask module there, on another core, while this process reads the articles: when
    the cluster starts (``backend_for``), its workers fork at once. Without it, that import
    (0.9 CPU-s) waited for this process's own import of distributed, and the cluster was up
    2.7 s into a build instead of 1.8 s. Nothing happens for a remote scheduler; a missing
    distributed is reported where the cluster starts."""
    if not cluster or not LOCAL_CLUSTER.fullmatch(cluster):
        return
    import multiprocessing
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(
        # what every worker needs, imported once and shared by the forked workers: Dask, the
        # tasks' modules, and the encode task's meter (numpy, the MP3 decoder)
        ["distributed", "podcast.synth.dask_executor", "podcast.build.encode", "numpy",
         "_miniaudio"]
    )  # fmt: skip
    forkserver.ensure_running()


def backend_for(cluster: str | None, workers: int, shared_cache: bool, timeout_s: float) -> Backend:
    """The local pool, or a connection to the Dask cluster ``cluster`` (made now: an
    unreachable scheduler fails here, before any work). ``shared_cache``: the workers see the
    client's cache path (a shared filesystem); else rendered audio travels back as bytes."""
    if not cluster:
        return LocalBackend(workers)
    from podcast.synth.dask_executor import DaskBackend

    local = LOCAL_CLUSTER.fullmatch(check_cluster(cluster))
    workers_here = int(local.group(1)) if local else None
    return DaskBackend.connect(cluster, workers_here, shared_cache, timeout_s)
