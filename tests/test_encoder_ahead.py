"""What a rebuild after an edit waits for (issue 19): the edited chunk is rendered and its part
encoded before the rest of the cache is read and checked, and its encoder was started with the
build (``assemble.SpareEncoder``: a system ffmpeg spends 0.08 CPU-s loading its libraries).
The encoder started ahead must write the very bytes an encoder started on demand writes, end
when nobody takes it, and never outlive a build that dies."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from podcast import cache, formats, toolchain
from podcast.audio import assemble, ffmpeg, loudness
from podcast.build import encode
from podcast.models import Chunk
from podcast.synth import synthesize
from tests.synthetic import tone_wav

ARTICLE = """# Ahead

## One

The first paragraph says hello to the listener.

The second paragraph has a marker word: zebra crossing.

## Two

The third paragraph is the last one here.
"""


@pytest.fixture(params=["system", "wheel"])
def an_ffmpeg(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each ffmpeg a build may use: the system's (preferred when there is one) and the wheel's."""
    if request.param == "system":
        if shutil.which("ffmpeg") is None:
            pytest.skip("no system ffmpeg (apt install ffmpeg); the wheel's is tested")
        monkeypatch.delenv("PODCAST_FFMPEG", raising=False)
    else:
        monkeypatch.setenv("PODCAST_FFMPEG", "wheel")
    toolchain.find_ffmpeg.cache_clear()
    yield
    toolchain.find_ffmpeg.cache_clear()


def _part(folder: Path) -> tuple[assemble.Part, list[Path]]:
    wavs = [tone_wav(folder / f"{n}.wav", 600 + 150 * n, hz=220 + 110 * n) for n in range(3)]
    chunks = tuple(
        Chunk(text=f"chunk {n}", spoken=f"chunk {n}", voice="default", sentence_id=n)
        for n in range(3)
    )
    return assemble.Part(0, 0, chunks, (250, 400, 300)), wavs


def _ended(pid: int) -> bool:
    """The process is gone, or a zombie nobody has reaped yet (it runs no more)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".tmp" in p.name)


def test_the_encoder_started_ahead_writes_the_part_an_encoder_started_on_demand_writes(
    tmp_path: Path, an_ffmpeg: None
) -> None:
    part, wavs = _part(tmp_path)
    filters = loudness.encoder_filters(4.0)
    alone = assemble.encode_part(
        part, wavs, tmp_path / "alone.part", filters=filters, tap=tmp_path / "alone.f32"
    )
    parts = tmp_path / "parts"
    spare = assemble.SpareEncoder.start(parts, assemble.DEFAULT_BITRATE_KBPS)
    assert spare is not None
    pid = spare.pid
    time.sleep(0.3)  # as in a build: it has started by the time its part is known
    tap = parts / "ab" / "ahead.f32"
    tap.parent.mkdir(parents=True)
    ahead = assemble.encode_part(
        part, wavs, parts / "ab" / "ahead.part", filters=filters, tap=tap, spare=spare
    )
    # it was the one that encoded: taken once, and ended
    assert spare.take(assemble.DEFAULT_BITRATE_KBPS, filters, formats.default()) is None
    assert _ended(pid)
    assert assemble.part_stream(ahead) == assemble.part_stream(alone)
    assert ahead.speech == alone.speech and ahead.stream == alone.stream
    assert tap.read_bytes() == (tmp_path / "alone.f32").read_bytes()
    spare.close()  # taken: its files are the part's now, nothing of it is left
    assert _temporaries(parts) == []
    # a second part to encode alone starts an encoder of its own
    again = assemble.encode_part(part, wavs, parts / "ab" / "again.part", filters=filters,
                                 tap=parts / "ab" / "again.f32", spare=spare)  # fmt: skip
    assert assemble.part_stream(again) == assemble.part_stream(alone)


def test_an_encoder_nobody_took_ends_with_the_build_and_leaves_nothing(
    tmp_path: Path, an_ffmpeg: None
) -> None:
    spare = assemble.SpareEncoder.start(tmp_path, assemble.DEFAULT_BITRATE_KBPS)
    assert spare is not None
    # only the default format at its bitrate: another encode starts its own encoder
    assert spare.take(64, (), formats.default()) is None
    pid = spare.pid
    assert not _ended(pid)
    spare.close()
    assert _ended(pid)
    assert _temporaries(tmp_path) == []


def test_an_encoder_started_ahead_ends_when_its_build_is_killed(
    tmp_path: Path, an_ffmpeg: None
) -> None:
    code = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from podcast.audio.assemble import SpareEncoder\n"
        f"spare = SpareEncoder.start(Path({str(tmp_path)!r}), 96)\n"
        "print(spare.pid, spare.out, spare.tap, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    build = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert build.returncode == -signal.SIGKILL
    pid, out, tap = build.stdout.split()
    deadline = time.monotonic() + 10
    while not _ended(int(pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _ended(int(pid)), "the encoder outlived the build that started it"
    # it wrote nothing: what is left are two empty temporaries, swept as a killed build's are
    assert Path(out).stat().st_size == 0 and Path(tap).stat().st_size == 0
    assert cache.remove_stale_temporaries(tmp_path, older_than_s=-1) == 2


@pytest.mark.parametrize(
    ("version", "option"),
    [
        ("5.1.9-0+deb12u1", "-filter_complex_script"),  # Debian 12
        ("6.1.1-3ubuntu5", "-filter_complex_script"),
        ("7.1.1-1+b1", "-/filter_complex"),
        ("n9.0.2-17-g2a571b6068-20260930", "-/filter_complex"),  # imageio-ffmpeg's wheel
        ("N-113394-g1a2b3c4d5e", None),  # a git build: no encoder is started ahead
    ],
)
def test_each_ffmpeg_reads_the_graph_with_the_option_it_knows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str, option: str | None
) -> None:
    found = toolchain.Ffmpeg("/usr/bin/ffmpeg", version, "system")
    monkeypatch.setattr(toolchain, "find_ffmpeg", lambda: found)
    assert ffmpeg.graph_from_file() == option
    if option is None:
        assert assemble.SpareEncoder.start(tmp_path, 96) is None


def test_a_rebuild_starts_on_its_edit_before_it_checks_what_the_cache_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from podcast.build.pipeline import BuildOptions, build

    monkeypatch.setattr(assemble, "PART_MIN_WORDS", 8)  # parts of a sentence or two
    monkeypatch.setenv("PODCAST_CACHE_DIR", str(tmp_path / "cache"))
    article = tmp_path / "article.md"
    article.write_text(ARTICLE, encoding="utf-8")
    build([str(article)], BuildOptions(out_dir=tmp_path / "out"))
    events: list[tuple[str, int]] = []

    def spy(module: object, name: str, label: str) -> None:
        original = getattr(module, name)

        def recorded(items, *args, **kwargs):  # type: ignore[no-untyped-def]
            events.append((label, len(items) if isinstance(items, list) else 1))
            return original(items, *args, **kwargs)

        monkeypatch.setattr(module, name, recorded)

    spy(synthesize, "batches", "render")
    spy(cache, "check", "check a chunk")
    spy(encode, "units", "encode")
    spy(assemble, "load_part", "read a part")
    # the edit is in the last paragraph: everything before it is in the cache
    article.write_text(ARTICLE.replace("the last one", "the final one"), encoding="utf-8")
    (episode,) = build([str(article)], BuildOptions(out_dir=tmp_path / "out"))
    assert "the final one" in " ".join((episode.directory / "transcript.vtt").read_text().split())
    rendered, check = events.index(("render", 1)), ("check a chunk", 1)
    checked_after = events[rendered:].count(check)
    assert checked_after > events[:rendered].count(check), "the edited chunk waited for checks"
    encoded = events.index(("encode", 1))
    assert encoded < events.index(("read a part", 1)), "the edited part waited for the reads"
    assert events.count(("read a part", 1)) >= 3  # ... which still all happen


def test_an_encoders_input_pipe_holds_a_parts_speech() -> None:
    """The thread feeding an encoder writes a part's speech (about 1 MB) without waiting for
    the encoder to read it, so a rebuild's other threads do not hold up the encoder's input."""
    fcntl = pytest.importorskip("fcntl", reason="pipes have a fixed size outside POSIX")
    if not hasattr(fcntl, "F_GETPIPE_SZ"):
        pytest.skip("only Linux lets a pipe hold more than 64 KB")
    if int(Path("/proc/sys/fs/pipe-max-size").read_text()) < ffmpeg.PIPE_BYTES:
        pytest.skip("this system's pipes may not hold that much (/proc/sys/fs/pipe-max-size)")
    read, write = os.pipe()
    try:
        before = fcntl.fcntl(write, fcntl.F_GETPIPE_SZ)
        ffmpeg._widen(write)
        after = fcntl.fcntl(write, fcntl.F_GETPIPE_SZ)
    finally:
        os.close(read)
        os.close(write)
    assert before < after == ffmpeg.PIPE_BYTES


@pytest.mark.slow
def test_a_build_with_everything_in_the_cache_loads_no_meter(tmp_path: Path) -> None:
    """The meter's libraries (numpy: 0.09 CPU-s) are loaded ahead only when speech is being
    rendered; a build whose chunks and parts are all in the cache only checks them."""
    article = tmp_path / "article.md"
    article.write_text(ARTICLE, encoding="utf-8")
    code = (
        "import sys\n"
        "from podcast.build.pipeline import BuildOptions, build\n"
        f"build([{str(article)!r}], BuildOptions(out_dir=__import__('pathlib').Path(sys.argv[1])))\n"
        "print('numpy' in sys.modules)\n"
    )
    env = {**os.environ, "PODCAST_CACHE_DIR": str(tmp_path / "cache")}
    runs = [
        subprocess.run([sys.executable, "-c", code, str(tmp_path / out)], env=env,
                       capture_output=True, text=True, check=True).stdout.split()[-1]
        for out in ("first", "second")
    ]  # fmt: skip
    assert runs == ["True", "False"]
