"""A loudness meter that runs in this process: ITU-R BS.1770-4 / EBU R128 readings of PCM.

It reads what ffmpeg's ``ebur128`` filter logs, without an ffmpeg process: the K-weighted
(dual-mono) energy of every 100 ms of audio, from which the momentary (400 ms) and short-term
(3 s) readings follow, 100 ms apart, and the true peak. The pre-pass reads each chunk's speech
with it, and what each part's encoder was given (``loudness.measure_tap``); an encoded part
is decoded (``formats``: MP3 in this process) and read with it when the build needs the
MP3's own readings (``build.finish.verify``).

- The K-weighting filter and the energy of each 100 ms are libebur128's (the reference
  implementation of the standard, through pyebur128). A reading is the mean of its 4 (or 30)
  100 ms energies, which is the energy of the whole window (the steps are equal in length).
- The true peak is BS.1770-4 Annex 2's: 4x oversampling through its 48-tap polyphase filter,
  then the highest absolute value. It is computed exactly, but only where it can matter: an
  interpolated value is at most ``PEAK_BOUND`` (the largest sum of one phase's absolute taps)
  times the highest sample its 12 taps read, so a 256-sample block whose samples (with the
  next block's) stay under the highest value found so far divided by that bound cannot hold
  the peak and is skipped. On speech that skips about three quarters of the blocks.

Both readings equal ffmpeg's on the same audio (tests/test_meter.py reads the same parts with
ffmpeg's ``ebur128``). The seed's 9 minutes cost about 0.5 CPU-s to read and 0.4 to decode in
this process, against about 2.5 CPU-s for the ffmpeg meter processes it replaced (one per part
with ffmpeg 5.1; a loopback decoder inside each encoder with ffmpeg 7+).
"""

from __future__ import annotations

import functools
import importlib
import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyebur128

if TYPE_CHECKING:
    import numpy as np

STEP_S = 0.1  # a reading every 100 ms, as ffmpeg's ebur128 logs them
MOMENTARY_STEPS = 4  # 400 ms
SHORT_TERM_STEPS = 30  # 3 s
TAPS = 12
_BLOCK = 256  # samples per block when skipping blocks that cannot hold the true peak
# BS.1770-4 Annex 2: the 4x oversampling filter's phases 0 and 1 (2 and 3 mirror them).
_PHASES_0_1 = (
    (0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000, -0.0594482421875,
     0.1373291015625, 0.9721679687500, -0.1022949218750, 0.0476074218750, -0.0266113281250,
     0.0148925781250, -0.0083007812500),
    (-0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250, -0.1665039062500,
     0.4650878906250, 0.7797851562500, -0.2003173828125, 0.1015625000000, -0.0582275390625,
     0.0330810546875, -0.0189208984375),
)  # fmt: skip
PHASES = (*_PHASES_0_1, *(tuple(reversed(phase)) for phase in reversed(_PHASES_0_1)))
PEAK_BOUND = max(sum(abs(tap) for tap in phase) for phase in PHASES)  # |y| <= this * max |x|

# numpy (and the MP3 decoder) are imported only where parts are read: 0.2 s that a build's
# main thread need not wait for (``warm_up``) and ``podcast --help`` never pays.
_IMPORTED = ("numpy", "_miniaudio")


def describe() -> str:
    """What reads loudness here (``podcast doctor``): the libraries, or an ImportError."""
    import numpy as np
    from _miniaudio import ffi, lib

    version = ffi.string(lib.ma_version_string()).decode()
    return (
        f"libebur128 {pyebur128.get_libebur128_version()}, miniaudio {version}, "
        f"numpy {np.__version__}"
    )


@functools.cache
def warm_up() -> None:
    """Import what reading encoded parts needs, in the background (while the engines start);
    once per process."""
    threading.Thread(target=_import_all, name="meter-imports", daemon=True).start()


def _import_all() -> None:
    for name in _IMPORTED:
        try:
            importlib.import_module(name)
        except ImportError:  # reported where it is used
            return


@functools.cache
def _filter() -> np.ndarray:
    """Column p: phase p's taps, newest sample last (as a window view's rows hold them)."""
    import numpy as np

    return np.array([phase[::-1] for phase in PHASES], np.float32).T.copy()


def true_peak_of(x: np.ndarray, history: np.ndarray, floor: float = 0.0) -> float:
    """The highest absolute value of ``x`` oversampled 4x (Annex 2), or ``floor`` if higher.

    ``history``: the 11 samples before ``x`` (zeros at the start of a stream). Only blocks
    whose samples could reach above the highest value found so far are computed.
    """
    import numpy as np

    if not len(x):
        return floor
    padded = np.concatenate([history, x])
    windows = np.lib.stride_tricks.sliding_window_view(padded, TAPS)  # row i ends at x[i]
    blocks = -(-len(padded) // _BLOCK)
    level = np.zeros(blocks * _BLOCK, np.float32)
    np.abs(padded, out=level[: len(padded)])
    block_max = level.reshape(blocks, _BLOCK).max(axis=1)
    # the windows of rows in block b read samples of blocks b and b + 1
    reach = np.maximum(block_max, np.append(block_max[1:], np.float32(0)))
    taps = _filter()

    def exact(first: int, end: int) -> float:
        rows = windows[first * _BLOCK : min(end * _BLOCK, len(windows))]
        return float(np.abs(rows @ taps).max()) if len(rows) else 0.0

    top = int(reach.argmax())
    best = max(floor, exact(top, top + 1))
    wanted = np.flatnonzero(reach * PEAK_BOUND > best)
    if wanted.size:
        gaps = np.flatnonzero(np.diff(wanted) > 1)
        starts = np.append(wanted[0], wanted[gaps + 1])
        ends = np.append(wanted[gaps], wanted[-1]) + 1
        for first, end in zip(starts.tolist(), ends.tolist(), strict=True):
            best = max(best, exact(first, end))
    return best


@dataclass(frozen=True)
class Readings:
    """What the meter read: a (momentary, short-term) pair per 100 ms, and the true peak."""

    momentary: tuple[float, ...]
    short_term: tuple[float, ...]
    true_peak: float  # linear (1.0 = full scale); 0.0 when not metered

    @property
    def true_peak_db(self) -> float:
        return 20 * math.log10(self.true_peak) if self.true_peak > 0 else -math.inf


class Meter:
    """Feed it mono PCM in pieces of any length: 16-bit (``add_pcm16``) or 32-bit float at
    full scale 1.0 (``add``); then read it (``readings``)."""

    def __init__(self, sample_rate: int, true_peak: bool = True) -> None:
        self._state = pyebur128.R128State(1, sample_rate, pyebur128.MeasurementMode.MODE_M)
        # a mono programme counts as two channels (ffmpeg's dualmono=true): +3 dB
        self._state.set_channel(0, pyebur128.ChannelType.DUAL_MONO)
        self.step = round(sample_rate * STEP_S)
        self._window_ms = round(1000 * STEP_S)
        self._pending: Any = None  # samples short of a whole step, fed with the next piece
        self._odd_byte = b""  # half a 16-bit sample, completed by the next piece
        self._true_peak = true_peak
        self._history: np.ndarray | None = None
        self._peak = 0.0
        self._energies: list[float] = []

    def add_pcm16(self, data: bytes) -> None:
        """16-bit little-endian samples (the engines' PCM), scaled to full scale 1.0 here
        (pyebur128 reads 16-bit input 12 dB too loud)."""
        import numpy as np

        if self._odd_byte:
            data, self._odd_byte = self._odd_byte + data, b""
        if len(data) % 2:
            data, self._odd_byte = data[:-1], data[-1:]
        samples = np.frombuffer(data, "<i2").astype(np.float32)
        self._steps(samples * np.float32(1 / 32768))

    def add(self, samples: bytes | np.ndarray) -> None:
        """32-bit float samples (a decoded part: ``formats.decode``'s bytes, or an array)."""
        import numpy as np

        if isinstance(samples, bytes | bytearray | memoryview):
            x = np.frombuffer(samples, np.float32)
        else:
            x = np.ascontiguousarray(samples, np.float32)
        if self._true_peak and len(x):
            history = self._history if self._history is not None else np.zeros(TAPS - 1, np.float32)
            self._peak = true_peak_of(x, history, self._peak)
            self._history = np.concatenate([history, x[-(TAPS - 1) :]])[-(TAPS - 1) :]
        self._steps(x)

    def _steps(self, x: Any) -> None:
        if self._pending is not None and len(self._pending):
            x = _joined(self._pending, x)
        step, state, window = self.step, self._state, self._window_ms
        whole = len(x) - len(x) % step
        for start in range(0, whole, step):
            state.add_frames(x[start : start + step], step)
            self._energies.append(_energy(pyebur128.get_loudness_window(state, window)))
        self._pending = x[whole:]

    def readings(self) -> Readings:
        """One reading per whole 100 ms fed so far (a window not yet full counts silence),
        and the true peak of what was fed followed by silence (the filter's tail)."""
        peak = self._peak
        if self._history is not None:
            import numpy as np

            peak = true_peak_of(np.zeros(TAPS - 1, np.float32), self._history, peak)
        return Readings(
            _window_readings(self._energies, MOMENTARY_STEPS),
            _window_readings(self._energies, SHORT_TERM_STEPS),
            peak,
        )


def _joined(first: Any, second: Any) -> Any:
    import numpy as np

    return np.concatenate([first, second])


def _energy(reading: float) -> float:
    return 0.0 if math.isinf(reading) or math.isnan(reading) else 10 ** ((reading + 0.691) / 10)


def _window_readings(energies: list[float], steps: int) -> tuple[float, ...]:
    """The loudness of each run of ``steps`` 100 ms energies ending at each step: their mean
    (summed each time, not cumulated, so silence after loud speech stays exactly silent)."""
    padded = [0.0] * (steps - 1) + energies
    out = []
    for end in range(steps, len(padded) + 1):
        mean = sum(padded[end - steps : end]) / steps
        out.append(-0.691 + 10 * math.log10(mean) if mean > 0 else -math.inf)
    return tuple(out)
