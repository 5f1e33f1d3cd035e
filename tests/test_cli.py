"""The command-line contract, through Typer's CliRunner."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from podcast.cli import app
from tests.conftest import SEED

runner = CliRunner()


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("build", "script", "doctor"):
        assert command in result.output


def test_script_json_has_the_contract_shape() -> None:
    result = runner.invoke(app, ["script", str(SEED), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["title"].startswith("After a glitchy start")
    # everything the episode says is a chunk, in order: the show's intro, the title, ..., outro
    chapters = doc["chapters"]
    assert chapters[0]["title"] == "Intro" and chapters[-1]["title"] == "Outro"
    assert chapters[0]["chunks"][0]["spoken"] == "Articles, Read Aloud."
    assert chapters[1]["chunks"][0]["text"] == doc["title"], "the article opens with its title"
    assert doc["title"] in chapters[-1]["chunks"][0]["spoken"]
    voices = set()
    for chapter in chapters:
        assert chapter["title"]
        for chunk in chapter["chunks"]:
            assert set(chunk) >= {"text", "spoken", "voice"}
            assert chunk["spoken"].strip() or chunk.get("audio")
            voices.add(chunk["voice"])
    assert voices == {"default", "quote"}, "the show's cast reads quotations in the quote voice"
    reasons = {r["reason"] for r in doc["removed"]}
    assert {"share widget", "newsletter sign-up", "promotional line"} <= reasons
    spoken = " ".join(c["spoken"] for ch in doc["chapters"] for c in ch["chunks"])
    assert "forty-four billion dollars" in spoken
    assert "$" not in spoken and "Share via" not in spoken


def test_script_text_output_lists_removed() -> None:
    result = runner.invoke(app, ["script", str(SEED)])
    assert result.exit_code == 0
    assert "Removed (not spoken)" in result.stdout and "Share via" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "{tmp}/nope.txt", "--out", "{tmp}/out"], "no such file"),
        (["build", "{tmp}/empty.txt", "--out", "{tmp}/out"], "is empty"),
        (["build", str(SEED), "--voice", "nosuchvoice", "--out", "{tmp}/out"], "unknown voice"),
        (["script", "{tmp}"], "is a folder"),
    ],
    ids=["missing-file", "empty-file", "unknown-voice", "folder"],
)
def test_bad_input_gives_one_clear_line_and_exit_1(
    tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "empty.txt").write_text("  \n\n", encoding="utf-8")
    result = runner.invoke(app, [a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert "Traceback" not in result.output
    out = tmp_path / "out"
    assert not out.exists() or not any(out.iterdir()), "nothing may be written"


def test_usage_error_exits_2() -> None:
    result = runner.invoke(app, ["build", "--bitrate", "7"])
    assert result.exit_code == 2


@pytest.mark.slow
def test_doctor_reports_engine_ffmpeg_and_voices() -> None:
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "espeak-ng: 1." in out and "ffmpeg:" in out and "voice 'default': gmw/en-us" in out
    assert re.search(r"loudness meter: libebur128 1\.\d+\.\d+, miniaudio 0\.\d+", out), out


def _help_from(module: str, columns: str) -> tuple[str, str]:
    """What ``podcast --help`` prints through ``module``'s main, and whether Typer was loaded."""
    code = (  # told at exit: ``launch.main`` ends the process itself (``launch.finish``)
        "import atexit, sys; sys.argv = ['podcast', '--help']\n"
        "atexit.register(lambda: print('typer' in sys.modules, file=sys.stderr))\n"
        f"from {module} import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, "COLUMNS": columns},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout, done.stderr.strip()


def test_the_kept_help_is_what_the_app_prints() -> None:
    """`podcast --help` is answered from podcast/cli/help.txt without importing Typer; that
    text must be exactly what the app prints, or a changed option would go unseen."""
    from podcast import launch

    app_help, _ = _help_from("podcast.cli", "80")
    kept = Path(launch.HELP_FILE).read_text(encoding="utf-8")
    assert app_help == kept, "podcast/cli/help.txt is stale: run `make help-text`"
    fast, typer_loaded = _help_from("podcast.launch", "120")
    assert fast == kept and typer_loaded == "False"
    # narrower than 80 columns Typer wraps differently: the app prints its own help
    narrow, typer_loaded = _help_from("podcast.launch", "60")
    assert typer_loaded == "True" and narrow == _help_from("podcast.cli", "60")[0] != kept


# ------------------------------------------------------------------ the end of a command


def _ended(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` run after importing ``podcast.launch``, in a Python of its own whose output is
    buffered (as in a shell without PYTHONUNBUFFERED)."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    return subprocess.run(
        [sys.executable, "-c", f"import sys, os, atexit, threading, time\n"
         f"from podcast import launch\n{code}"],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip


def test_a_command_ends_as_the_interpreter_would_without_its_teardown(tmp_path: Path) -> None:
    """``launch.finish`` skips freeing module by module (0.06 s of every command that built
    something) and keeps the rest of a Python exit: threads that are not daemons finish first,
    atexit functions run, what was printed is flushed, the status is kept."""
    late = tmp_path / "late"
    done = _ended(
        "def worker():\n"
        "    time.sleep(0.3)\n"
        f"    open({str(late)!r}, 'w').write('finished')\n"
        "threading.Thread(target=worker).start()\n"
        "atexit.register(lambda: print('atexit ran', flush=False))\n"
        "print('x' * 200_000, end='')\n"  # more than any buffer: the rest is flushed at the end
        "launch.finish(3)\n"
        "print('never')\n"
    )
    assert done.returncode == 3
    assert done.stdout == "x" * 200_000 + "atexit ran\n"
    assert late.read_text() == "finished"  # the thread finished before the process ended
    # sys.exit's other forms: None is 0, a message goes to stderr with status 1
    assert _ended("launch.finish(None)").returncode == 0
    message = _ended("launch.finish('cannot go on')")
    assert (message.returncode, message.stderr) == (1, "cannot go on\n")


def test_a_command_whose_reader_has_gone_ends_with_1_and_no_traceback() -> None:
    """`podcast script article | head -1`: the output it could not flush ends it with status 1,
    silently, as a reader gone does elsewhere in the CLI."""
    code = (
        "import subprocess\n"
        "reader = subprocess.Popen([sys.executable, '-c', 'import sys; sys.stdin.readline()'],"
        " stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)\n"
        "os.dup2(reader.stdin.fileno(), 1); reader.stdin.close()\n"
        "print('first line', flush=True)\n"
        "reader.wait()\n"  # it read one line and left
        "sys.stdout.write('the rest, still in the buffer')\n"
        "launch.finish(0)\n"
    )
    done = _ended(code)
    assert (done.returncode, done.stderr) == (1, "")


def test_the_cli_ends_through_finish(tmp_path: Path) -> None:
    """``podcast`` commands end through ``launch.finish``, their status kept: 0, 1 for bad
    input, 2 for a usage error, with their output whole."""
    script = [sys.executable, "-m", "podcast", "script", str(SEED)]
    ok = subprocess.run(script, capture_output=True, text=True, timeout=120)
    assert (ok.returncode, ok.stderr) == (0, "")
    assert ok.stdout == CliRunner().invoke(app, ["script", str(SEED)]).stdout  # all of it
    # and nothing freed one by one: an object kept to the interpreter's teardown never goes
    kept = subprocess.run(
        [sys.executable, "-c", "import sys\n"
         "class Kept:\n    def __del__(self):\n        print('freed', file=sys.stderr)\n"
         "kept = Kept()\n"
         f"sys.argv = ['podcast', 'script', {str(SEED)!r}]\n"
         "from podcast.launch import main\nmain()\n"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert (kept.returncode, kept.stderr, kept.stdout) == (0, "", ok.stdout)
    missing = subprocess.run(
        [*script[:-1], str(tmp_path / "nothing.txt")], capture_output=True, text=True, timeout=120
    )
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1
    usage = subprocess.run([*script[:3], "--no-such-option"], capture_output=True, text=True)
    assert usage.returncode == 2
