"""The one way ffmpeg is run: command lines, the process, its log and its failures.

Every ffmpeg run of the package goes through here (``toolchain`` only finds the binary and
asks its version), so every run:

- gets the same start of its command line (``command``): no banner, no keyboard, no progress
  lines, and a log level with the ``level+`` flag, so error lines can be told apart;
- runs in its own session (process group): Ctrl-C reaches only us, and we stop ffmpeg after
  cleaning up; otherwise ffmpeg could die first and the interruption would be reported as a
  failure of the run;
- logs into a temporary file, not a pipe (a meter logs more than a pipe holds while we feed
  ffmpeg's standard input);
- fails the same way: ``FfmpegError`` (an ``OutputError``) says what ffmpeg could not do, its
  error lines without the prefixes ffmpeg adds, and what to do next. ffmpeg that cannot be
  started at all is a ``ToolchainError`` (run ``podcast doctor``).
"""

from __future__ import annotations

import contextlib
import re
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import IO

from podcast import toolchain
from podcast.errors import OutputError, ToolchainError

DETAIL_CHARS = 300  # how much of ffmpeg's complaint a message quotes
# "[out#0/mp3 @ 0x55] [fatal] " before each line ffmpeg logs with -loglevel level+...
_LOG_PREFIXES = re.compile(r"^(?:\[[^\]]*\] )+")
_ERROR_LEVELS = ("[error]", "[fatal]", "[panic]")


class FfmpegError(OutputError):
    """An ffmpeg run failed; the message says what it could not do, why, and what to do."""

    def __init__(self, doing: str, detail: str, hint: str, first: str = "") -> None:
        super().__init__(f"ffmpeg could not {doing} ({detail}); {hint}")
        self.first = first or detail  # the first error ffmpeg logged: usually the cause


def command(args: Sequence[str], log_level: str = "error") -> list[str]:
    """ffmpeg's command line: our fixed options, then ``args`` (inputs, filters, outputs).

    ``log_level`` is one of ffmpeg's (``error``, ``info``, ``verbose``); each logged line is
    prefixed with its level.
    """
    return [toolchain.find_ffmpeg().path, "-hide_banner", "-nostdin", "-nostats",
            "-loglevel", f"level+{log_level}", *args]  # fmt: skip


def graph_from_file() -> str | None:
    """The option that reads ``-filter_complex``'s graph from a file, in this ffmpeg: from 7.0
    ``-/filter_complex`` (``-filter_complex_script`` is deprecated there), before it
    ``-filter_complex_script``; None when its version is no release number (a git build)."""
    found = re.match(r"n?(\d+)\.", toolchain.find_ffmpeg().version)
    if found is None:
        return None
    return "-/filter_complex" if int(found.group(1)) >= 7 else "-filter_complex_script"


def error_lines(log: str) -> str:
    """The lines ffmpeg logged as errors, without their prefixes, on one line."""
    return " ".join(
        _LOG_PREFIXES.sub("", line).strip()
        for line in log.splitlines()
        if any(level in line for level in _ERROR_LEVELS)
    )


def _first_error(log: str) -> list[str]:
    return [line for line in log.splitlines() if any(lv in line for lv in _ERROR_LEVELS)][:1]


def _why(log: str, status: int) -> str:
    """Why a run that ended with ``status`` failed, from its log."""
    if status < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-status).name}"
    errors = error_lines(log)
    if errors:
        return errors[:DETAIL_CHARS]
    last = [_LOG_PREFIXES.sub("", line).strip() for line in log.splitlines() if line.strip()]
    return last[-1][:DETAIL_CHARS] if last else f"exit status {status}"


class Process:
    """One ffmpeg run: ``args`` (after ``command``'s options), optionally fed on stdin.

    ``doing`` and ``hint`` make its error message: "ffmpeg could not <doing> (<why>); <hint>".
    ``write`` feeds stdin (``feed=True``); ``close`` waits and returns the log; ``kill`` stops
    it. With ``capture=True`` what ffmpeg writes to stdout is kept (``output()``);
    ``pass_fds`` are file descriptors it inherits (a pipe it reads as ``/dev/fd/N``).
    """

    def __init__(
        self,
        args: Sequence[str],
        *,
        doing: str,
        hint: str,
        feed: bool = False,
        log_level: str = "error",
        capture: bool = False,
        piped: bool = False,
        pass_fds: Sequence[int] = (),
    ) -> None:
        self.doing, self.hint = doing, hint
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close() or kill()
        self._out: IO[bytes] | None = tempfile.TemporaryFile() if capture else None  # noqa: SIM115
        if self._out is not None:
            stdout: IO[bytes] | int = self._out
        else:  # piped: read as it comes (``stdout``)
            stdout = subprocess.PIPE if piped else subprocess.DEVNULL
        try:
            self._proc = subprocess.Popen(
                command(args, log_level),
                stdin=subprocess.PIPE if feed else subprocess.DEVNULL,
                stdout=stdout,
                stderr=self._log,
                start_new_session=True,
                pass_fds=tuple(pass_fds),
            )
        except OSError as exc:
            self._close_files()
            raise ToolchainError(f"cannot start ffmpeg ({exc}); run 'podcast doctor'") from exc
        if self._proc.stdin is not None:
            _widen(self._proc.stdin.fileno())
        self._output = b""

    def write(self, data: bytes) -> None:
        """Feed ``data`` to ffmpeg's stdin; if ffmpeg has stopped, raise why (see ``close``)."""
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(data)
        except BrokenPipeError:
            self.close()
            raise FfmpegError(self.doing, "it stopped reading its input", self.hint) from None

    def close_input(self) -> None:
        """No more input: ffmpeg finishes what it was given."""
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self._proc.stdin.close()

    def close(self, timeout_s: float | None = None) -> str:
        """Wait for ffmpeg to finish; return its log. A failed run raises ``FfmpegError``."""
        self.close_input()
        try:
            status = self._proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            raise FfmpegError(self.doing, f"no answer after {timeout_s:g} s", self.hint) from None
        self._log.seek(0)
        log = self._log.read().decode("utf-8", "replace")
        if self._out is not None:
            self._out.seek(0)
            self._output = self._out.read()
        self._close_files()
        if status != 0:
            first = error_lines("\n".join(_first_error(log)))
            raise FfmpegError(self.doing, _why(log, status), self.hint, first[:DETAIL_CHARS])
        return log

    def output(self) -> bytes:
        """What the finished run wrote to stdout (``capture=True``)."""
        return self._output

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def stdout(self) -> IO[bytes]:
        """What ffmpeg writes, as it writes it (``piped=True``)."""
        assert self._proc.stdout is not None
        return self._proc.stdout

    def kill(self) -> None:
        self._proc.kill()
        self._proc.wait()
        self._close_files()

    def _close_files(self) -> None:
        self._log.close()
        if self._out is not None:
            self._out.close()
        proc = getattr(self, "_proc", None)  # None: it never started
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()


# What is written to ffmpeg's stdin waits in the pipe until ffmpeg reads it. A pipe holds 64 KB
# (1.5 s of our PCM): the thread feeding an encoder then needs the interpreter's lock again
# every few ms of encoding, and while a build's other threads hold it (a rebuild reads the
# cache and imports numpy as its edited part is encoded) the encoder waits for input. Linux
# lets a pipe hold more (up to /proc/sys/fs/pipe-max-size, 1 MB by default: a part's speech).
PIPE_BYTES = 1 << 20


def _widen(fd: int) -> None:
    """Let the pipe ``fd`` hold ``PIPE_BYTES`` where the system allows (else as it is)."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system
        return
    setting = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setting is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, setting, PIPE_BYTES)


def run(
    args: Sequence[str],
    *,
    doing: str,
    hint: str,
    feed: Iterable[bytes] | None = None,
    log_level: str = "error",
    timeout_s: float | None = None,
) -> str:
    """Run ffmpeg to the end (feeding it ``feed`` on stdin, if given); return its log."""
    process = Process(args, doing=doing, hint=hint, feed=feed is not None, log_level=log_level)
    return _to_the_end(process, feed, timeout_s)


def read_output(args: Sequence[str], *, doing: str, hint: str,
                feed: Iterable[bytes] | None = None,
                timeout_s: float | None = None) -> bytes:  # fmt: skip
    """Run ffmpeg to the end (feeding it ``feed`` on stdin, if given) and return what it
    wrote to stdout (``args`` end in ``-``)."""
    process = Process(args, doing=doing, hint=hint, feed=feed is not None, capture=True)
    _to_the_end(process, feed, timeout_s)
    return process.output()


def stream(
    args: Sequence[str],
    *,
    doing: str,
    hint: str,
    feed: Iterable[bytes],
    read: Callable[[bytes], None],
    piece_bytes: int = 1 << 20,
) -> str:
    """Run ffmpeg on ``feed`` (its stdin, written from a thread) and hand what it writes to
    stdout to ``read`` in pieces as they come, so neither is ever held whole; return its log
    (``args`` end in ``-``)."""
    process = Process(args, doing=doing, hint=hint, feed=True, piped=True)
    failed: list[BaseException] = []

    def feeder() -> None:
        try:
            for data in feed:
                process.write(data)
        except BaseException as exc:  # raised in the caller's thread, below
            failed.append(exc)
        finally:
            with contextlib.suppress(OSError):
                process.close_input()

    thread = threading.Thread(target=feeder, name="ffmpeg-feed", daemon=True)
    thread.start()
    try:
        while piece := process.stdout.read(piece_bytes):
            read(piece)
        thread.join()
        if failed:
            raise failed[0]
        return process.close()
    except BaseException:
        with contextlib.suppress(OSError):
            process.kill()
        thread.join()
        raise


def _to_the_end(process: Process, feed: Iterable[bytes] | None, timeout_s: float | None) -> str:
    """Feed ``process`` and wait for it; on any failure (or Ctrl-C) it is killed first."""
    try:
        for data in feed or ():
            process.write(data)
        return process.close(timeout_s)
    except BaseException:
        with contextlib.suppress(OSError):
            process.kill()
        raise
