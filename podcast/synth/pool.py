"""The engine-agnostic worker pool: worker processes under a watchdog.

Each worker process runs one engine (``Engine.start_worker`` once, then ``Engine.render`` per
chunk): espeak-ng initialises once per process, and Piper's own espeak-ng crashes a process
that loaded pyttsx3's, so engines never share a process. A worker that dies or hangs is
replaced and its chunk retried; a chunk that fails twice fails the build naming its text.
``worker_main`` is the worker's entry point.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing import connection as mp_connection
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NoReturn

from podcast import cache
from podcast.engines.base import Engine, tmp_path
from podcast.errors import OutputError, SynthesisError

FAULT_ENV = "PODCAST_TEST_FAULT"  # test hook, see _inject_fault
_OUTPUT_FAILURE = "output"  # marks a worker's reply whose error is the disk's, not the text's


def _inject_fault(spoken: str, attempt: int) -> None:
    """Make this worker die, hang or fail on a chosen chunk, for tests of the watchdog.

    ``PODCAST_TEST_FAULT=KIND:TEXT`` with KIND ``exit``, ``hang`` or ``fail`` acts on the first
    attempt at any chunk whose spoken text contains TEXT (the retry then succeeds);
    ``exit-always``, ``hang-always`` and ``fail-always`` act on every attempt.
    """
    spec = os.environ.get(FAULT_ENV)
    if not spec or ":" not in spec:
        return
    kind, _, needle = spec.partition(":")
    kind, _, always = kind.partition("-")
    if needle not in spoken or (attempt > 1 and always != "always"):
        return
    if kind == "exit":
        os._exit(70)
    elif kind == "hang":
        while True:
            time.sleep(60)
    elif kind == "fail":
        raise SynthesisError("the engine failed (injected by PODCAST_TEST_FAULT)")


def worker_main(conn: Connection, engine: Engine, store: cache.Store | None = None) -> None:
    """Entry point of a synthesis worker process: one engine, then one task at a time.

    ``store``: the object store behind the cache (``cache.use_store``), so that each chunk
    is published there by the process that rendered it.

    Receives ``(task_id, kind, args, attempt)``; sends back ``(task_id, ok, value)`` where
    value is the result or the error's message. ``kind`` is "render" (``engine.render``) or
    "voices" (``engine.voices``). ``None`` ends the worker. Ctrl-C is the parent's to handle:
    the worker ignores it from its start (``_child_main``), so that an interrupted build is not
    mistaken for dying workers.
    """
    cache.use_store(store)
    # an engine's chatter on stdout would land on the user's terminal (or their --json pipe)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the worker
    engine.start_worker()
    conn.send((-1, True, "ready"))  # time limits count from here
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        task_id, kind, args, attempt = message
        try:
            if kind == "render":
                _inject_fault(args[0], attempt)
                value: Any = engine.render(*args)
            elif kind == "voices":
                value = engine.voices()
            else:
                raise ValueError(f"unknown task {kind!r}")
            reply = (task_id, True, value)
        except OutputError as exc:  # the disk's fault: no retry, the user must act
            reply = (task_id, False, (_OUTPUT_FAILURE, str(exc)))
        except Exception as exc:  # reported to the parent, which retries or fails the build
            reply = (task_id, False, str(exc) or type(exc).__name__)
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return


@dataclass
class _Task:
    task_id: int
    kind: str
    args: tuple[Any, ...]
    future: Future[Any]
    label: str  # what to name in an error: the chunk's text
    attempt: int = 0
    started: float = 0.0


@dataclass
class _Worker:
    process: _Process
    conn: Connection
    task: _Task | None = None
    ready: bool = False  # its engine is up (time limits count from then)
    spawned: float = 0.0


def _kill_live_workers() -> None:
    """At exit, as multiprocessing does for daemonic children: a worker still running (a hung
    engine; an idle one ends by itself when its connection closes) is stopped."""
    for process in list(_LIVE):
        if process.is_alive():
            process.kill()


_LIVE: weakref.WeakSet[_Process] = weakref.WeakSet()
atexit.register(_kill_live_workers)
_SPARES: list[_Process] = []
_SPARES_ENVIRONMENT: dict[str, str] = {}  # what the spares were started with
_SPARES_LOCK = threading.Lock()


def start_spares(count: int) -> None:
    """Start up to ``count`` worker processes before the build knows its engine, so that their
    interpreters start on the core the CLI's imports and the text stages leave idle (the
    command line calls this for a first build: ``podcast.launch``). A pool takes them before
    starting any of its own (``WorkerPool._spawn``); the rest end at ``discard_spares`` (when a
    pool closes) or with this process."""
    with _SPARES_LOCK:
        if _SPARES and os.environ != _SPARES_ENVIRONMENT:
            return
        _SPARES_ENVIRONMENT.clear()
        _SPARES_ENVIRONMENT.update(os.environ)
        while len(_SPARES) < count:
            _SPARES.append(_Process(None))


def _take_spare() -> _Process | None:
    """A spare started with this process's environment as it is now (a worker inherits it:
    the cache folder, the engines' settings), if any is left; the others are ended."""
    if _SPARES and os.environ != _SPARES_ENVIRONMENT:
        discard_spares()
    with _SPARES_LOCK:
        while _SPARES:
            process = _SPARES.pop(0)
            if process.is_alive():
                return process
            process.close()
    return None


def discard_spares() -> None:
    """End the spares no pool took (``start_spares``)."""
    with _SPARES_LOCK:
        spares, _SPARES[:] = list(_SPARES), []
    for process in spares:
        process.close()  # its connection ends: it returns from ``_child_main``
        process.join(timeout=1)
        if process.is_alive():
            process.kill()


def _child_main(fd: int) -> None:
    """Entry point of a worker process started by ``_Process``: its engine and cache store
    come first on the connection, then the tasks (``worker_main``). A spare (``start_spares``)
    waits here for them; it ends quietly when its parent goes first."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's, even for a spare
    from podcast.toolchain import one_malloc_arena

    one_malloc_arena()  # before the engine starts its thread
    conn = Connection(fd)
    try:
        engine, store = conn.recv()
    except (EOFError, OSError):  # a spare whose parent went first
        _end()
    worker_main(conn, engine, store)
    _end()


def _end() -> NoReturn:
    """End a worker whose work is over (told to stop, or its parent gone) without the
    interpreter's teardown: every chunk it rendered is written and reported, and nothing in
    it runs at exit, so freeing its modules one by one (20 ms of CPU per worker, while a cold
    build's last parts are encoded) is skipped, as the command's own end does
    (``launch.finish``). An error in the worker still ends it the ordinary way, with its
    traceback."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(0)


def worker_command(fd: int) -> list[str]:
    """This Python running ``_child_main`` on ``fd``, collecting cycles less often from its
    first import on (``toolchain.fewer_collections``)."""
    code = (
        f"import sys; sys.path[:] = {sys.path!r}; "
        "from podcast.toolchain import fewer_collections; fewer_collections(); "
        f"from podcast.synth.pool import _child_main; _child_main({fd})"
    )
    return [sys.executable, "-c", code]


class _Process:
    """A worker process: this Python running ``_child_main`` on one end of a socket pair.

    Started with ``subprocess``, not multiprocessing: multiprocessing's spawn also starts a
    resource tracker for every build (a Python process of 13 MB, for semaphores the pool
    never makes), and runs the parent's ``__main__`` (for ``podcast`` the CLI: Typer, Click
    and Rich, 0.1 s of CPU) before its target. ``sentinel`` becomes readable when the process
    ends (the write end of a pipe that only the child holds); ``conn`` is the parent's end.
    """

    def __init__(self, first_message: tuple[Any, ...] | None) -> None:
        ours, theirs = socket.socketpair()
        ended_r, ended_w = os.pipe()
        try:
            self._popen = subprocess.Popen(
                worker_command(theirs.fileno()),
                pass_fds=(theirs.fileno(), ended_w),
                stdin=subprocess.DEVNULL,
            )
        except BaseException:
            ours.close()
            os.close(ended_r)
            raise
        finally:
            theirs.close()
            os.close(ended_w)
        self.conn = Connection(ours.detach())
        self.sentinel = ended_r
        self.pid = self._popen.pid
        _LIVE.add(self)
        if first_message is not None:
            self.begin(first_message)

    def begin(self, first_message: tuple[Any, ...]) -> None:
        """Send the worker its engine and store (``_child_main``)."""
        with contextlib.suppress(OSError):  # a child that died at once: its sentinel says so
            self.conn.send(first_message)

    def is_alive(self) -> bool:
        return self._popen.poll() is None

    @property
    def exitcode(self) -> int | None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            return self._popen.wait(timeout=1)  # its sentinel fired: it is ending
        return None

    def join(self, timeout: float) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._popen.wait(timeout=timeout)

    def kill(self) -> None:
        self._popen.kill()

    def close(self) -> None:
        self.conn.close()
        with contextlib.suppress(OSError):
            os.close(self.sentinel)


class WorkerPool:
    """Synthesis worker processes (each running ``engine``: ``_Process``) under a watchdog.

    A dispatcher thread hands one task at a time to each idle worker. A worker that dies or
    takes longer than ``timeout_s`` on one task is killed and replaced, and its task is tried
    again; a task that fails ``MAX_ATTEMPTS`` times fails with a SynthesisError naming it.
    Workers start lazily, never more than there are tasks waiting.
    """

    MAX_ATTEMPTS = 2

    def __init__(self, size: int, timeout_s: float, engine: Engine) -> None:
        self.size = max(1, size)
        self.engine = engine
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._queue: collections.deque[_Task] = collections.deque()
        self._workers: list[_Worker] = []
        self._ids = itertools.count()
        self._wake_r, self._wake_w = os.pipe()
        self._closed = False
        self.replaced = 0  # workers replaced after dying or hanging
        self._start_failures = 0
        self._thread = threading.Thread(target=self._run, name="synthesis-watchdog", daemon=True)
        self._thread.start()

    def submit(
        self, kind: str, args: tuple[Any, ...], label: str, urgent: bool = False
    ) -> Future[Any]:
        """Queue a task (``urgent``: before those queued, e.g. what the build waits for now)."""
        future: Future[Any] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the synthesis pool is closed")
            task = _Task(next(self._ids), kind, args, future, label)
            if urgent:
                self._queue.appendleft(task)
            else:
                self._queue.append(task)
        os.write(self._wake_w, b"x")
        return future

    def submit_batch(
        self, kind: str, batch: Sequence[tuple[tuple[Any, ...], str]], urgent: bool = False
    ) -> list[Future[Any]]:
        """``submit`` each ``(args, label)`` in order (here a batch is only its tasks)."""
        if not urgent:
            return [self.submit(kind, args, label) for args, label in batch]
        # each urgent task goes before those queued: the last one first keeps the batch's order
        futures = [self.submit(kind, args, label, urgent) for args, label in reversed(batch)]
        return futures[::-1]

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for task in self._queue:
                task.future.cancel()
            self._queue.clear()
        os.write(self._wake_w, b"x")
        self._thread.join(timeout=10)
        for worker in self._workers:
            if worker.task is not None:  # nobody may wait forever on a chunk never finished
                worker.task.future.cancel()
            self._stop(worker)
        self._workers.clear()
        os.close(self._wake_r)
        os.close(self._wake_w)
        discard_spares()  # this build renders nothing more

    # dispatcher thread ---------------------------------------------------------------------

    def _spawn(self) -> _Worker:
        first_message = (self.engine, cache.store())
        process = _take_spare()
        if process is None:
            process = _Process(first_message)
        else:
            process.begin(first_message)
        worker = _Worker(process, process.conn, spawned=time.monotonic())
        self._workers.append(worker)
        return worker

    def prestart(self) -> None:
        """Start one worker now, so that its engine is ready when the first chunk comes."""
        with self._lock:
            if not self._workers and not self._closed:
                self._spawn()
        os.write(self._wake_w, b"x")

    def _stop(self, worker: _Worker, kill: bool = False) -> None:
        if not worker.ready:  # still starting: nothing of value to wait for
            kill = True
        if not kill and worker.process.is_alive():
            with contextlib.suppress(OSError):
                worker.conn.send(None)
            worker.process.join(timeout=2)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(timeout=5)
        worker.process.close()

    def _assign(self) -> None:
        with self._lock:
            free = sum(1 for w in self._workers if w.task is None)  # idle or starting
            while len(self._workers) < self.size and free < len(self._queue):
                self._spawn()
                free += 1
            while self._queue:
                idle = next((w for w in self._workers if w.ready and w.task is None), None)
                if idle is None:
                    return
                task = self._queue.popleft()
                if task.future.cancelled():
                    continue
                task.attempt += 1
                task.started = time.monotonic()
                idle.task = task
                # if the worker is already dead, its sentinel fires next and the task is retried
                with contextlib.suppress(BrokenPipeError, OSError):
                    idle.conn.send((task.task_id, task.kind, task.args, task.attempt))

    def _failed(self, worker: _Worker, reason: str) -> None:
        """``worker`` died or hung: replace it and retry its task (or give up on it)."""
        task = worker.task
        worker.task = None
        self._stop(worker, kill=True)
        self._workers.remove(worker)
        self.replaced += 1
        if task is None:
            if not worker.ready:
                self._start_failures += 1
                if self._start_failures >= self.MAX_ATTEMPTS:
                    self._fail_all(f"{reason} twice; run 'podcast doctor'")
            return
        if task.kind == "render":  # what the dead worker left half-written
            tmp_path(Path(task.args[2]), worker.process.pid or 0).unlink(missing_ok=True)
        self._retry_or_fail(task, reason)

    def _fail_all(self, message: str) -> None:
        with self._lock:
            queued, self._queue = list(self._queue), collections.deque()
        for task in queued:
            task.future.set_exception(SynthesisError(message))

    def _retry_or_fail(self, task: _Task, reason: str) -> None:
        if task.attempt < self.MAX_ATTEMPTS:
            with self._lock:
                self._queue.appendleft(task)
            return
        task.future.set_exception(
            SynthesisError(
                f"{reason} twice while speaking {task.label!r}; check that text "
                "(or run 'podcast doctor')"
            )
        )

    def _run(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
            self._assign()
            now = time.monotonic()
            deadlines = [
                w.task.started + self.timeout_s if w.task else w.spawned + self.timeout_s
                for w in self._workers
                if w.task or not w.ready
            ]
            waitables: list[Any] = [self._wake_r]
            for w in self._workers:
                waitables += [w.conn, w.process.sentinel]
            timeout = max(0.0, min(deadlines) - now) if deadlines else None
            ready = mp_connection.wait(waitables, timeout=timeout)
            if self._wake_r in ready:
                os.read(self._wake_r, 4096)
            for worker in list(self._workers):
                if worker.conn in ready:
                    self._receive(worker)
                elif worker.process.sentinel in ready:
                    code = worker.process.exitcode
                    self._failed(worker, f"the synthesis process died (exit code {code})")
                elif worker.task and time.monotonic() > worker.task.started + self.timeout_s:
                    self._failed(worker, f"the engine hung (no audio after {self.timeout_s:g} s)")
                elif not worker.ready and time.monotonic() > worker.spawned + self.timeout_s:
                    self._failed(worker, "the engine did not start")

    def _receive(self, worker: _Worker) -> None:
        try:
            task_id, ok, value = worker.conn.recv()
        except (EOFError, OSError):
            self._failed(worker, "the synthesis process died")
            return
        if task_id == -1:
            worker.ready = True
            self._start_failures = 0
            return
        task = worker.task
        worker.task = None
        if task is None or task.task_id != task_id:
            return
        if ok:
            task.future.set_result(value)
        elif isinstance(value, tuple) and value[0] == _OUTPUT_FAILURE:
            task.future.set_exception(OutputError(value[1]))  # disk full: retrying cannot help
        else:
            self._retry_or_fail(task, f"the engine failed ({value})")
