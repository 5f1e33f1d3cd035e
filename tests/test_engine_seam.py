"""The engine seam: engines are found through the registry, never by name outside engines/.

A new engine is one module plus one ``register`` line: ``ToneEngine`` below is defined here,
registered with one line, and a real build speaks with it through the same worker pool,
cache and encoders as the built-in engines. The built-in silent engine makes planning tests
fast (chapters, transcript, timing) without any speech library.
"""

from __future__ import annotations

import ast
import json
import math
import os
import struct
import subprocess
import sys
import wave
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from podcast import engines
from podcast.config.voices import VoiceConfigError, load_voice, parse_voice
from podcast.engines.base import (
    BaseEngine,
    Setting,
    SettingProblem,
    parse_settings,
    settings_table,
    tmp_path,
)
from tests.conftest import run_python

ROOT = Path(__file__).resolve().parent.parent
ENGINE_WORDS = ("pyttsx3", "piper", "espeak")  # the built-in engines and their library
ARTICLE = """# Seam test

## First part

The first paragraph says hello to the listener, and then it goes on for a while.

The second paragraph is about the weather, which was fine all week.

## Second part

The third paragraph is the last one here.
"""


# --------------------------------------------------------------------- no name branches


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def engine_names_in_code(path: Path) -> list[str]:
    """Identifiers, imports and string literals (not docstrings or comments) that name an
    engine, as "line: text"."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    hits = []
    for node in ast.walk(tree):
        texts: list[str] = []
        if isinstance(node, ast.Name):
            texts = [node.id]
        elif isinstance(node, ast.Attribute):
            texts = [node.attr]
        elif isinstance(node, ast.alias):
            texts = [node.name, node.asname or ""]
        elif isinstance(node, ast.ImportFrom):
            texts = [node.module or ""]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            texts = [] if id(node) in docstrings else [node.value]
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            texts = [node.name]
        for text in texts:
            if any(word in text.lower() for word in ENGINE_WORDS):
                hits.append(f"{getattr(node, 'lineno', '?')}: {text[:60]!r}")
    return hits


def test_the_name_finder_sees_code_but_not_docs(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('"""Spoken by espeak-ng."""\n# piper too\nif engine == "piper":\n    pass\n')
    assert engine_names_in_code(sample) == ["3: 'piper'"]


def test_no_engine_is_named_outside_engines() -> None:
    """Nothing outside podcast/engines/ branches on an engine's name (toolchain.py only finds
    espeak-ng's library and data)."""
    found = {}
    for path in sorted((ROOT / "podcast").rglob("*.py")):
        relative = path.relative_to(ROOT / "podcast")
        if relative.parts[0] == "engines" or relative.as_posix() == "toolchain.py":
            continue
        hits = engine_names_in_code(path)
        if hits:
            found[relative.as_posix()] = hits
    assert found == {}


# ----------------------------------------------------------- an engine from a test module


@dataclass(frozen=True)
class ToneSettings:
    hz: int = 440
    rate_wpm: int = 200


TONE_SETTINGS = (
    Setting("tone_hz", "hz", int, (50, 2000)),
    Setting("rate", "rate_wpm", int, (80, 450)),
)
RENDERS_ENV = "PODCAST_TEST_TONE_LOG"


class ToneEngine(BaseEngine):
    """A sine tone as long as the words: audible, instant, and nothing to install."""

    name = "tone"
    label = "tone"
    keys = tuple(s.key for s in TONE_SETTINGS)

    def parse(self, table: Mapping[str, Any]) -> tuple[ToneSettings | None, list[SettingProblem]]:
        return parse_settings(ToneSettings, TONE_SETTINGS, table)

    def to_table(self, settings: ToneSettings) -> dict[str, Any]:
        return settings_table(settings, TONE_SETTINGS)

    def version(self) -> str:
        return "tone 1"

    def render(self, text: str, settings: ToneSettings, out_path: str) -> int:
        target = Path(out_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = tmp_path(target, os.getpid())
        frames = round(22_050 * len(text.split()) * 60 / settings.rate_wpm)
        with wave.open(str(tmp), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(22_050)
            wav.writeframes(b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * settings.hz * i / 22_050)))
                for i in range(frames)
            ))  # fmt: skip
        os.replace(tmp, target)
        with open(os.environ[RENDERS_ENV], "a", encoding="utf-8") as log:  # proof it ran here
            log.write(f"{os.getpid()} {text}\n")
        return round(frames * 1000 / 22_050)


@pytest.fixture
def tone_engine() -> Iterator[None]:
    engines.register(ToneEngine())  # the one line a new engine needs
    yield
    engines.unregister("tone")


def test_a_new_engine_parses_its_own_settings(tone_engine: None) -> None:
    voice = parse_voice("t", {"engine": "tone", "tone_hz": 330}, "voices/t.toml")
    assert voice.settings == ToneSettings(hz=330)
    with pytest.raises(VoiceConfigError) as caught:
        parse_voice("t", {"engine": "tone", "tone_hz": 9, "pitch": 40}, "voices/t.toml")
    assert [str(p) for p in caught.value.problems] == [
        "voices/t.toml: tone_hz: 9 is out of range (50 to 2000)",
        'voices/t.toml: pitch: only for engine = "pyttsx3"',
    ]


def test_an_engine_from_a_test_module_builds_an_episode(
    tone_engine: None, make_project: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from podcast.build.pipeline import BuildOptions, build

    project = make_project(ARTICLE)
    (project / "voices" / "beep.toml").write_text('engine = "tone"\ntone_hz = 660\n')
    log = project / "renders.log"
    log.write_text("")
    monkeypatch.setenv(RENDERS_ENV, str(log))
    (episode,) = build([str(project / "article.md")],
                       BuildOptions(voice="beep", out_dir=project / "eps", workers=1))  # fmt: skip
    rendered = log.read_text().splitlines()
    assert rendered and all(int(line.split()[0]) != os.getpid() for line in rendered)
    assert any("weather" in line for line in rendered)
    chapters = json.loads((episode.directory / "chapters.json").read_text())["chapters"]
    assert [c["title"] for c in chapters][-2:] == ["First part", "Second part"]
    assert episode.duration_ms > 5000


# ---------------------------------------------------------------- the silent engine


def test_silent_voice_plans_and_renders_chunks_fast(make_project: Any, tmp_path: Path) -> None:
    """The silent engine goes through the real pool: each chunk's WAV lasts its words."""
    from podcast.build.plan import load_script
    from podcast.engines.base import wav_duration_ms
    from podcast.synth.synthesize import Synthesizer

    project = make_project(ARTICLE)
    (project / "voices" / "mute.toml").write_text('engine = "silent"\nrate = 120\n')
    voice = load_voice("mute", project / "voices")
    script = load_script(str(project / "article.md"), voice)
    assert [c.title for c in script.chapters][-2:] == ["First part", "Second part"]
    with Synthesizer(workers=1, use_cache=False) as synth:
        spoken = list(synth.synthesize(script.chunks(), {voice.name: voice}, tmp_path / "w"))
        assert synth.rendered == len([c for c in script.chunks() if c.spoken.strip()])
    assert [s.chunk for s in spoken] == script.chunks()
    for item in spoken:
        words = len(item.chunk.spoken.split())
        assert wav_duration_ms(item.wav_path) == round(words * 500)  # 120 wpm: 0.5 s a word


def test_a_chunks_cache_key_holds_its_own_engines_version(tmp_path: Path) -> None:
    """A Piper chunk's key changes with Piper's version, not with pyttsx3's (and back)."""
    from podcast.engines.espeak import EspeakSettings
    from podcast.engines.piper import PiperSettings
    from podcast.synth.chunks import chunk_key

    piper = PiperSettings(model="/m.onnx", model_id="x")
    espeak = EspeakSettings()
    assert chunk_key("hi", "piper", "piper-tts 1.3", piper) != chunk_key(
        "hi", "piper", "piper-tts 1.4", piper
    )
    assert chunk_key("hi", "piper", "piper-tts 1.3", piper) != chunk_key(
        "hi", "pyttsx3", "piper-tts 1.3", piper
    )
    assert chunk_key("hi", "pyttsx3", "v", espeak) != chunk_key(
        "hi", "pyttsx3", "v", EspeakSettings(pitch=51)
    )


def test_the_synthesizer_keys_each_chunk_with_its_engines_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from podcast.config.voices import Voice
    from podcast.models import PAUSE_END, Chunk
    from podcast.synth.synthesize import Synthesizer

    quiet = Voice(name="q", engine="silent")
    chunk = Chunk("Hello there.", "Hello there.", "q", 0, PAUSE_END)
    with Synthesizer(workers=1, use_cache=False) as synth:
        (before,) = synth.locate([chunk], {"q": quiet}, tmp_path)
        monkeypatch.setattr(type(engines.get("pyttsx3")), "version", lambda self: "other")
        synth._versions.clear()
        (espeak_changed,) = synth.locate([chunk], {"q": quiet}, tmp_path)
        monkeypatch.setattr(type(engines.get("silent")), "version", lambda self: "silent 2")
        synth._versions.clear()
        (silent_changed,) = synth.locate([chunk], {"q": quiet}, tmp_path)
    assert before.wav_path == espeak_changed.wav_path  # another engine's upgrade: same key
    assert before.wav_path != silent_changed.wav_path  # its own engine's upgrade: new key


@pytest.mark.slow
def test_an_espeak_render_cut_before_its_last_word_is_refused(tmp_path: Path) -> None:
    """espeak-ng's events say how far an utterance reaches (its last word and clause ends): a
    WAV that stops before that is refused (the pool renders it again), never kept short."""
    script = """
import sys
from podcast.engines import espeak
settings = espeak.EspeakSettings(voice="gmw/en-us", rate_wpm=165, volume=1.0, pitch=50)
whole = espeak.render_chunk("The cat sat on the mat, and it was warm.", settings, sys.argv[1])
print("reached", whole, espeak._ENDS_MS[0], file=sys.stderr)
espeak.wav_duration_ms = lambda path: whole - 300  # as if the audio had been cut short
try:
    espeak.render_chunk("The cat sat on the mat, and it was warm.", settings, sys.argv[2])
except espeak.SynthesisError as exc:
    print("refused", exc, file=sys.stderr)
"""
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "a.wav"), str(tmp_path / "b.wav")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    lines = dict(line.split(" ", 1) for line in done.stderr.splitlines() if " " in line)
    whole, reached = map(int, lines["reached"].split())
    assert abs(whole - reached) <= espeak_end_slack(), done.stderr
    assert lines["refused"].startswith("espeak-ng cut the audio short"), done.stderr
    assert not (tmp_path / "b.wav").exists()


def espeak_end_slack() -> int:
    from podcast.engines.espeak import END_SLACK_MS

    return END_SLACK_MS


@pytest.mark.slow
def test_an_espeak_render_with_other_settings_is_refused(tmp_path: Path) -> None:
    """A render spoken with another rate than the voice's (a setting lost on espeak-ng's queue)
    is refused, and the next render sets every setting again."""
    script = """
import sys
from podcast.engines import espeak
settings = espeak.EspeakSettings(voice="gmw/en-us", rate_wpm=165, volume=1.0, pitch=50)
espeak.render_chunk("The cat sat on the mat.", settings, sys.argv[1])
print("kept", espeak._in_effect() == espeak._wanted(settings), file=sys.stderr)
espeak._ENGINE.setProperty("rate", 200)  # behind the back of the settings it remembers
try:
    espeak.render_chunk("The cat sat on the mat.", settings, sys.argv[2])
except espeak.SynthesisError as exc:
    print("refused", exc, file=sys.stderr)
espeak.render_chunk("The cat sat on the mat.", settings, sys.argv[2])
print("again", espeak._in_effect() == espeak._wanted(settings), file=sys.stderr)
"""
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "a.wav"), str(tmp_path / "b.wav")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    lines = dict(line.split(" ", 1) for line in done.stderr.splitlines() if " " in line)
    assert lines.get("kept") == "True", done.stderr
    assert lines["refused"].startswith("espeak-ng spoke with rate, volume and pitch (200,"), (
        done.stderr
    )
    assert lines.get("again") == "True", done.stderr
    assert (tmp_path / "b.wav").is_file()


def test_workers_start_without_multiprocessing_helpers(tmp_path: Path) -> None:
    """A pool's workers are plain Python processes on a socket pair: no resource-tracker
    process for the build (13 MB, for semaphores the pool never makes) and none of the
    parent's ``__main__``; a worker still running at exit (a hung engine) is stopped."""
    import subprocess
    import sys

    script = tmp_path / "run.py"
    script.write_text(
        "import multiprocessing.resource_tracker as rt, sys\n"
        "from podcast import engines\n"
        "from podcast.engines.silent import SilentSettings\n"
        "from podcast.synth.pool import WorkerPool\n"
        "print('the parent main ran', file=sys.stderr)\n"
        "if __name__ == '__main__':\n"
        "    pool = WorkerPool(1, 60, engines.get('silent'))\n"
        f"    out = {str(tmp_path / 'a.wav')!r}\n"
        "    ms = pool.submit('render', ('four words said here', SilentSettings(), out), 'x')\n"
        "    print(ms.result(timeout=60), rt._resource_tracker._pid)\n"
        "    pool.close()\n",
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    rendered, tracker = done.stdout.split()
    assert int(rendered) > 1000 and tracker == "None"  # 4 words of silence; no tracker
    assert done.stderr.count("the parent main ran") == 1  # the parent's, not the worker's


SPARES_PROBE = """
import os, sys
from podcast import engines
from podcast.engines.silent import SilentSettings
from podcast.synth import pool
pool.start_spares(2)
spares = sorted(p.pid for p in pool._SPARES)
if sys.argv[1] == "orphan":  # the parent goes first: the spares end quietly
    os._exit(0)
workers = pool.WorkerPool(1, 60, engines.get("silent"))
ms = workers.submit("render", ("four words said here", SilentSettings(), sys.argv[2]), "x")
print(ms.result(timeout=60), [w.process.pid for w in workers._workers][0] in spares)
left = list(pool._SPARES)
workers.close()
print(len(left), pool._SPARES, [p.is_alive() for p in left])
pool.start_spares(1)  # a spare started with another environment than the pool's is not used
os.environ["PODCAST_SPARE_PROBE"] = "changed"
stale = pool._SPARES[0]
workers = pool.WorkerPool(1, 60, engines.get("silent"))
workers.submit("render", ("four words said here", SilentSettings(), sys.argv[2]), "x").result()
print([w.process.pid for w in workers._workers] != [stale.pid], pool._SPARES, stale.is_alive())
workers.close()
"""


def test_a_pool_takes_the_workers_started_ahead(tmp_path: Path) -> None:
    """``start_spares``: worker processes started before the engine is known; a pool takes
    one before starting its own, and ends the rest when it closes. A spare whose parent ends
    first exits without a word (no traceback on the user's terminal)."""
    import subprocess
    import sys

    probe = tmp_path / "probe.py"
    probe.write_text(SPARES_PROBE, encoding="utf-8")
    done = subprocess.run([sys.executable, str(probe), "use", str(tmp_path / "a.wav")],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr
    rendered, left, stale = done.stdout.strip().splitlines()
    assert rendered.split() == [rendered.split()[0], "True"] and int(rendered.split()[0]) > 1000
    assert left == "1 [] [False]"  # one spare left over, ended by the pool's close
    assert stale == "True [] False"
    orphaned = subprocess.Popen([sys.executable, str(probe), "orphan", "-"],
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
    _, errors = orphaned.communicate(timeout=120)  # ends when the spares close stderr too
    assert orphaned.returncode == 0 and errors == "", errors


ARENA_PROBE = """
import ctypes, sys, threading, time
if sys.argv[1] == "one":
    from podcast.toolchain import one_malloc_arena
    one_malloc_arena()
done = threading.Event()
def allocate():
    kept = [bytes(2_000 + n) for n in range(2_000)]
    done.wait()
threads = [threading.Thread(target=allocate) for _ in range(4)]
for thread in threads:
    thread.start()
time.sleep(0.3)
libc = ctypes.CDLL(None)
libc.fopen.restype, libc.fopen.argtypes = ctypes.c_void_p, (ctypes.c_char_p, ctypes.c_char_p)
path = sys.argv[2]
report = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, ctypes.c_void_p(report))
libc.fclose(ctypes.c_void_p(report))
done.set()
for thread in threads:
    thread.join()
print(open(path).read().count("<heap nr="))
"""


def test_a_build_process_allocates_from_one_malloc_arena(tmp_path: Path) -> None:
    """glibc gives each allocating thread its own arena (10 MB of the build's main process on
    the long book); ``one_malloc_arena`` (the CLI's build and every pool worker) keeps one."""
    import ctypes
    import subprocess
    import sys

    if not hasattr(ctypes.CDLL(None), "malloc_info"):
        pytest.skip("not glibc: no malloc arenas to count")
    probe = tmp_path / "probe.py"
    probe.write_text(ARENA_PROBE, encoding="utf-8")
    heaps = {}
    for mode in ("default", "one"):
        report = tmp_path / f"{mode}.xml"
        done = subprocess.run([sys.executable, str(probe), mode, str(report)],
                              capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
        heaps[mode] = int(done.stdout)
    assert heaps["default"] > 1  # the probe can tell: four threads, more than one arena
    assert heaps["one"] == 1


BLAS_PROBE = """
import os, sys
if sys.argv[1] == "command":  # as the podcast command starts: launch.main, then numpy
    sys.argv = ["podcast", "--help"]  # at 60 columns answered by the app, not the kept text
    import atexit
    def report():
        import numpy
        print(os.environ.get("OPENBLAS_NUM_THREADS"), len(os.listdir("/proc/self/task")))
    atexit.register(report)
    from podcast.launch import main
    main()
import numpy
print(os.environ.get("OPENBLAS_NUM_THREADS"), len(os.listdir("/proc/self/task")))
"""


def test_the_command_imports_numpy_with_one_blas_thread(tmp_path: Path) -> None:
    """OpenBLAS starts a spinning thread per core when numpy is imported (0.07 CPU-s of a
    build's main process, more after each product); ``podcast`` (``launch.main``, whose
    environment its workers inherit) asks for one, and a user's own setting is kept."""
    import os
    import subprocess
    import sys

    if not os.path.isdir("/proc/self/task") or len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs Linux's /proc and two cores to count OpenBLAS's threads")
    probe = tmp_path / "probe.py"
    probe.write_text(BLAS_PROBE, encoding="utf-8")
    limits = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "GOTO_NUM_THREADS")  # OpenBLAS's
    plain = {k: v for k, v in os.environ.items() if k not in limits}  # (dask sets OMP's)

    def threads(mode: str, env: dict[str, str]) -> tuple[str, int]:
        done = subprocess.run([sys.executable, str(probe), mode], capture_output=True,
                              text=True, timeout=60, check=True, env={**env, "COLUMNS": "60"})  # fmt: skip
        setting, count = done.stdout.splitlines()[-1].split()  # past the help (60 columns:
        return setting, int(count)  # the app's own, after launch.main's settings)

    setting, count = threads("library", plain)
    assert setting == "None" and count > 1  # the probe can tell: a library caller's numpy
    assert threads("command", plain) == ("1", 1)
    assert threads("command", {**plain, "OPENBLAS_NUM_THREADS": "2"}) == ("2", 2)


def test_engine_versions_are_read_as_importlib_metadata_reads_them(tmp_path: Path) -> None:
    """``distribution_version`` (an engine's version, part of every chunk's key) reads the
    ``.dist-info`` folder's name: the same answer as ``importlib.metadata`` for every installed
    distribution, and ``importlib.metadata``'s own where a folder is not plain."""
    import sys
    from importlib.metadata import PackageNotFoundError, distributions
    from importlib.metadata import version as metadata_version

    from podcast.toolchain import distribution_version

    names = {d.metadata["Name"] for d in distributions()}
    assert {"pyttsx3", "typer", "numpy"} <= names
    assert {n: distribution_version(n) for n in names} == {n: metadata_version(n) for n in names}
    # a folder with two versions of one name, ahead of the installed one: metadata decides
    for version in ("1.0", "2.0"):
        info = tmp_path / f"pyttsx3-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Name: pyttsx3\nVersion: {version}\n", encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        assert distribution_version("pyttsx3") == metadata_version("pyttsx3")
        assert distribution_version("pyttsx3") in ("1.0", "2.0")
    finally:
        sys.path.remove(str(tmp_path))
    with pytest.raises(PackageNotFoundError):
        distribution_version("no-such-distribution-here")


@pytest.mark.parametrize("end", ["told to stop", "parent gone"])
def test_a_worker_ends_without_the_interpreters_teardown(end: str) -> None:
    """A synthesis worker whose work is over ends with status 0 and skips the interpreter's
    teardown (``pool._end``: 20 ms of CPU per worker while the last parts are encoded): an
    exit function registered in it does not run."""
    import socket
    import subprocess
    import sys
    from multiprocessing.connection import Connection

    from podcast.engines.base import BaseEngine
    from podcast.synth.pool import worker_command

    ours, theirs = socket.socketpair()
    code = ("import atexit, sys; atexit.register(lambda: sys.stderr.write('teardown')); "
            + worker_command(theirs.fileno())[-1])  # fmt: skip
    worker = subprocess.Popen([sys.executable, "-c", code], pass_fds=(theirs.fileno(),),
                              stderr=subprocess.PIPE, text=True)  # fmt: skip
    theirs.close()
    conn = Connection(ours.detach())
    if end == "told to stop":
        conn.send((BaseEngine(), None))
        assert conn.recv() == (-1, True, "ready")
        conn.send(None)
    conn.close()
    _, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    assert err == ""  # no teardown, no traceback


def test_the_command_and_its_workers_collect_cycles_less_often(tmp_path: Path) -> None:
    """``fewer_collections``: the ``podcast`` command's process and each synthesis worker's
    (115 collections, 50-60 ms, in a cold build's main process by default)."""
    from podcast.synth.pool import worker_command
    from podcast.toolchain import GC_YOUNG_OBJECTS

    probe = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print(gc.get_threshold()[0], file=sys.stderr))\n"
        "sys.argv = ['podcast', 'voices', 'list']\n"
        "from podcast.launch import main\n"
        "main()\n"
    )
    done = run_python(probe, cwd=tmp_path, check=False)
    assert done.stderr.split()[-1] == str(GC_YOUNG_OBJECTS), done.stderr
    assert GC_YOUNG_OBJECTS > 700  # more than CPython's default
    worker = worker_command(0)[-1].replace("_child_main(0)", "print(gc.get_threshold()[0])")
    assert run_python(f"import gc; {worker}").stdout.split() == [str(GC_YOUNG_OBJECTS)]
