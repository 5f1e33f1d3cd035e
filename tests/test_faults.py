"""Faults: a full disk, a build killed at random moments, two builds at once.

Invariants: the previous good episode is never damaged, no temporary folder is left behind
(or the next build sweeps it), the chunk cache holds only whole WAV files, and the next build
resumes from the cache instead of rendering everything again.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest
from typer.testing import CliRunner

from podcast.build import workspace
from podcast.cli import app

TITLE = "A Short Note"
SLUG = "a-short-note"
SENTENCE_WORDS = (
    "the river rose three feet overnight while residents moved cars to higher ground and "
    "officials said on tuesday that the bridge would reopen at noon after engineers checked it"
)
WORDS = SENTENCE_WORDS.split(" ")


def article(seed: int, sentences: int) -> str:
    rng = random.Random(seed)
    body = "\n\n".join(
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize() + "."
        for _ in range(sentences)
    )
    return f"{TITLE}\n\n{body}\n"


def digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith("."))


def assert_failed_cleanly(stderr: str, message: str, project: Path, good: dict[str, str]) -> None:
    """One error line matching ``message``; the previous episode byte for byte; no leftovers."""
    (line,) = stderr.splitlines()
    assert re.fullmatch(message, line), stderr
    assert digest(project / "out" / SLUG) == good
    assert leftovers(project / "out") == []


def cache_files(cache: Path) -> dict[Path, tuple[int, int]]:
    return {
        p: (p.stat().st_mtime_ns, p.stat().st_size)
        for p in cache.rglob("*.wav")
        if not p.name.startswith(".")
    }


def assert_cache_whole(cache: Path, killed: bool = False) -> None:
    """Every WAV in the cache is complete and no temporary file is left under any name.

    After a SIGKILL a worker's temporary (``.<key>...tmp...``) may remain; it is never read.
    """
    for path in cache.rglob("*"):
        if not path.is_file():
            continue
        if path.name.startswith("."):
            assert killed and ".tmp" in path.name, path
            continue
        if path.suffix == ".wav":
            with wave.open(str(path), "rb") as wav:
                assert wav.getnframes() > 0, path


def assert_episode_complete(folder: Path) -> None:
    manifest = json.loads((folder / "episode.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        assert (folder / entry["name"]).stat().st_size == entry["size_bytes"], entry
    from mutagen.mp3 import MP3

    length_ms = MP3(folder / f"{manifest['slug']}.mp3").info.length * 1000
    assert abs(length_ms - manifest["duration_ms"]) < 100


def podcast(*args: str, **kwargs) -> subprocess.Popen[bytes]:  # type: ignore[no-untyped-def]
    return subprocess.Popen(
        [sys.executable, "-m", "podcast", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with one good episode already built (its chunks are in the cache)."""
    root = tmp_path_factory.mktemp("faults")
    (root / "voices").mkdir()
    (root / "article.txt").write_text(article(0, 4), encoding="utf-8")
    env = {"PODCAST_HOME": str(root), "PODCAST_CACHE_DIR": str(root / "cache")}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    proc = subprocess.run(
        [sys.executable, "-m", "podcast", "build", "article.txt", "-o", "out"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    shutil.copytree(root / "out" / SLUG, root / "good")
    yield root
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def good(project: Path) -> dict[str, str]:
    """The digest of the good episode, checked to be intact before each test."""
    episode = project / "out" / SLUG
    assert_episode_complete(episode)
    return digest(episode)


def _small_files() -> None:
    # What a full disk does to a writer, without root: writes beyond 20 kB fail (EFBIG).
    # SIGXFSZ is ignored so that Python sees the error instead of dying from the signal.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        pytest.param(
            None,  # same article: every chunk is cached, the MP3 is what cannot be written
            ["--bitrate", "128"],
            r"error: ffmpeg could not write in .+ \(.+\); free some disk space there "
            r"\(or choose another --out, or another PODCAST_CACHE_DIR\)",
            id="while encoding the MP3",
        ),
        pytest.param(
            article(0, 4) + "\nA new closing sentence about the weather tomorrow.\n",
            [],
            r"error: cannot write the chunk cache in .+ \(\[Errno 27\] File too large\); "
            r"free some disk space or set PODCAST_CACHE_DIR to another folder",
            id="while rendering a chunk",
        ),
    ],
)
def test_disk_full_mid_build_keeps_the_previous_episode(
    project: Path, good: dict[str, str], text: str | None, args: list[str], message: str
) -> None:
    source = project / "article.txt"
    if text is not None:
        source = project / "changed.txt"
        source.write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "podcast", "build", source.name, "-o", "out", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_small_files,
    )
    assert proc.returncode == 1, proc.stderr
    assert_failed_cleanly(proc.stderr, message, project, good)
    assert_cache_whole(project / "cache")


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["fail-always", "exit-always"])
def test_engine_failing_on_one_chunk_is_one_line_naming_it(
    project: Path, good: dict[str, str], fault: str
) -> None:
    """The watchdog (issue 7) contains the failure; the CLI reports it like any other error."""
    source = project / "zebra.txt"
    source.write_text(article(0, 4) + "\nA zebra crossing appeared overnight.\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "podcast", "build", source.name, "-o", "out", "--no-cache"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PODCAST_TEST_FAULT": f"{fault}:zebra"},
    )
    assert proc.returncode == 1, proc.stderr
    message = (
        r"error: .+ twice while speaking 'A zebra crossing appeared overnight\.'; "
        r"check that text \(or run 'podcast doctor'\)"
    )
    assert_failed_cleanly(proc.stderr, message, project, good)


def test_no_space_left_while_writing_transcripts(
    project: Path, good: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write_text = Path.write_text

    def full_disk(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.name == "transcript.srt":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real_write_text(self, *args, **kwargs)

    monkeypatch.chdir(project)
    monkeypatch.setattr(Path, "write_text", full_disk)
    result = CliRunner().invoke(app, ["build", "article.txt", "-o", "out", "--bitrate", "112"])
    assert result.exit_code == 1, result.output
    message = (
        r"error: ran out of disk space writing .+/transcript\.srt \(No space left on device\); "
        r"free some space or choose another --out; the previous episode is untouched"
    )
    assert_failed_cleanly(result.stderr, message, project, good)


KILLS = [
    (signal.SIGINT, 130),  # Ctrl-C reaches the whole process group
    (signal.SIGTERM, 143),  # `kill PID` reaches the main process only
    (signal.SIGKILL, -signal.SIGKILL),  # nothing runs on the way out
]


@pytest.mark.slow
@pytest.mark.parametrize("moment", [0, 1])
@pytest.mark.parametrize(("sig", "code"), KILLS, ids=[s.name for s, _ in KILLS])
def test_killed_build_keeps_previous_episode_and_next_build_resumes(
    project: Path, good: dict[str, str], sig: signal.Signals, code: int, moment: int
) -> None:
    seed = 1000 + 10 * int(sig) + moment
    rng = random.Random(seed)
    source = project / f"changed-{seed}.txt"
    source.write_text(article(seed, 120), encoding="utf-8")
    cache = project / "cache"
    before = set(cache_files(cache))
    build = podcast("build", source.name, "-o", "out", "--workers", "1",
                    cwd=project, start_new_session=True)  # fmt: skip
    # Wait until rendering has begun, then strike at a random moment of the build.
    deadline = time.monotonic() + 120
    while not set(cache_files(cache)) - before and build.poll() is None:
        assert time.monotonic() < deadline, "the build never started rendering"
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 1.0) if moment == 0 else rng.uniform(0.8, 2.0))
    if sig == signal.SIGTERM:
        os.kill(build.pid, sig)
    else:
        os.killpg(build.pid, sig)
    stdout, stderr = build.communicate(timeout=120)
    if build.returncode == 0:  # finished first: the new episode must be whole
        assert_episode_complete(project / "out" / SLUG)
        pytest.skip(f"seed {seed}: the build finished before the signal")
    assert build.returncode == code, stderr.decode()
    assert stdout == b""
    if sig != signal.SIGKILL:
        assert stderr.decode().splitlines() == ["interrupted"]
        assert leftovers(project / "out") == []
    if sig == signal.SIGKILL:
        time.sleep(0.5)  # let orphaned workers and ffmpeg notice and exit
    assert digest(project / "out" / SLUG) == good, f"seed {seed}"
    assert_cache_whole(cache, killed=sig == signal.SIGKILL)

    rendered_before_kill = cache_files(cache)
    resumed = subprocess.run(
        [sys.executable, "-m", "podcast", "build", source.name, "-o", "out", "--workers", "1"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert leftovers(project / "out") == []  # a SIGKILL's .partial folder is swept
    assert_episode_complete(project / "out" / SLUG)
    assert_cache_whole(cache, killed=True)
    after = cache_files(cache)
    reused = {p for p in rendered_before_kill if after.get(p) == rendered_before_kill[p]}
    assert reused == set(rendered_before_kill), "chunks rendered before the kill were redone"
    assert set(rendered_before_kill) - before, "nothing was rendered before the kill"
    # Put the good episode back for the next test.
    shutil.rmtree(project / "out" / SLUG)
    shutil.copytree(project / "good", project / "out" / SLUG)


@pytest.mark.slow
def test_ctrl_c_at_any_moment_is_an_interruption_not_an_error(project: Path) -> None:
    """Ctrl-C reaches the whole process group: whichever process sees it first (a worker,
    ffmpeg), the build reports an interruption (130), never a failure (1), and cleans up."""
    source = project / "ctrl-c.txt"
    source.write_text(article(77, 100), encoding="utf-8")
    rng = random.Random(77)
    codes = []
    for attempt in range(6):
        cache = project / f"ctrl-c-cache-{attempt}"
        env = {**os.environ, "PODCAST_CACHE_DIR": str(cache)}
        build = podcast("build", source.name, "-o", "out", "--workers", "1",
                        cwd=project, start_new_session=True, env=env)  # fmt: skip
        # Strike once rendering has begun (a worker whose interpreter is still starting up
        # is outside our code: a Ctrl-C there prints Python's own traceback).
        deadline = time.monotonic() + 120
        while not list(cache.rglob("*.wav")) and build.poll() is None:
            assert time.monotonic() < deadline, "the build never started"
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 2.0))
        os.killpg(build.pid, signal.SIGINT)
        _, stderr = build.communicate(timeout=120)
        codes.append(build.returncode)
        assert build.returncode in (0, 130), stderr.decode()
        if build.returncode == 130:
            assert stderr.decode().splitlines() == ["interrupted"]
        assert leftovers(project / "out") == []
        shutil.rmtree(project / "out" / SLUG)
        shutil.copytree(project / "good", project / "out" / SLUG)
    assert 130 in codes


@pytest.mark.slow
def test_two_builds_at_once_do_not_corrupt_cache_or_output(project: Path, tmp_path: Path) -> None:
    """The same article twice and a different one, all at once, sharing cache and folder."""
    (tmp_path / "voices").mkdir()
    for name, seed in (("same.txt", 7), ("other.txt", 8)):
        text = article(seed, 40)
        if name == "other.txt":
            text = text.replace(TITLE, "Another Note")
        (tmp_path / name).write_text(text, encoding="utf-8")
    env = {**os.environ, "PODCAST_HOME": str(tmp_path), "PODCAST_CACHE_DIR": str(tmp_path / "c")}
    builds = [
        podcast("build", name, "-o", "out", "--workers", "1", cwd=tmp_path, env=env)
        for name in ("same.txt", "same.txt", "other.txt")
    ]
    results = [(b.wait(timeout=300), b.stderr.read().decode()) for b in builds]  # type: ignore[union-attr]
    assert [code for code, _ in results] == [0, 0, 0], results
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["a-short-note", "another-note"]
    assert_episode_complete(out / "a-short-note")
    assert_episode_complete(out / "another-note")
    assert_cache_whole(tmp_path / "c")
    # And a rebuild afterwards renders nothing: the cache is complete and usable.
    cached = cache_files(tmp_path / "c")
    again = subprocess.run(
        [sys.executable, "-m", "podcast", "build", "same.txt", "other.txt", "-o", "out"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert cache_files(tmp_path / "c") == cached


def test_sweep_removes_folders_of_dead_builds_only(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".{SLUG}.pid{dead.pid}.x1y2{workspace.PARTIAL_SUFFIX}"
    live = tmp_path / f".{SLUG}.pid{os.getpid()}.a1b2{workspace.PARTIAL_SUFFIX}"
    unnamed = tmp_path / f".{SLUG}.old{workspace.PARTIAL_SUFFIX}"  # from an older version
    for folder in (stale, live, unnamed):
        folder.mkdir()
        (folder / "half.mp3").write_bytes(b"\xff\xfb")
    workspace.sweep_partials(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name]


def test_episode_moved_aside_by_a_killed_swap_is_put_back(tmp_path: Path) -> None:
    final = tmp_path / SLUG
    previous = tmp_path / f".{SLUG}{workspace.PREVIOUS_SUFFIX}"
    previous.mkdir()
    (previous / "episode.json").write_text("{}", encoding="utf-8")
    workspace.recover(final)
    assert sorted(p.name for p in tmp_path.iterdir()) == [SLUG]
    assert (final / "episode.json").read_text(encoding="utf-8") == "{}"
