"""A build with nothing changed answers from its stamps (issue 19): the same line, no episode
written, none of the build's machinery imported; any change to what the episode depends on
builds again. Real builds through the command line, on a tiny article."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from podcast import cache
from podcast.build import uptodate

ARTICLE = "# Stamped\n\nThe cat sat on the mat.\n\nIt was warm there, and the cat slept.\n"


def _build(project: Path, *args: str) -> tuple[str, str]:
    """``podcast build`` in ``project``; its output line and the modules it imported."""
    env = {**os.environ, "PODCAST_HOME": str(project),
           "PODCAST_CACHE_DIR": str(project / "cache")}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "podcast", "build",
         str(project / "article.md"), "--out", str(project / "out"), *args],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip(), done.stderr


def _episode_files(project: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in (project / "out").rglob("*") if p.is_file()}


@pytest.fixture
def built(make_project) -> Path:
    project = make_project(ARTICLE)
    line, imported = _build(project)
    assert "podcast.build.pipeline" in imported
    assert line.endswith("chapters")
    return project


@pytest.mark.slow
def test_nothing_changed_answers_from_the_stamp(built: Path) -> None:
    before, files = _build(built)[0], _episode_files(built)
    line, imported = _build(built)
    assert line == before
    assert _episode_files(built) == files  # nothing written again
    assert "podcast.build.pipeline" not in imported
    assert "podcast.text.normalize" not in imported
    assert "typer" not in imported and "podcast.cli" not in imported  # launch.py answered
    # a reader that has gone: exit 1, no traceback (as the CLI's own printing)
    read, write = os.pipe()
    os.close(read)
    env = {**os.environ, "PODCAST_HOME": str(built), "PODCAST_CACHE_DIR": str(built / "cache")}
    gone = subprocess.run(
        [sys.executable, "-m", "podcast", "build", str(built / "article.md"),
         "--out", str(built / "out")],
        env=env, stdout=write, stderr=subprocess.PIPE, text=True, timeout=60,
    )  # fmt: skip
    os.close(write)
    assert gone.returncode == 1 and gone.stderr == "", gone.stderr


def test_only_a_first_build_starts_its_workers_ahead(make_project) -> None:
    """``launch`` starts synthesis workers before the CLI is imported (``pool.start_spares``)
    only for a build that nothing was stamped for: it renders every chunk. A rebuild starts
    its one worker as the build's own setup does (an edit renders one chunk, if any)."""
    project = make_project(ARTICLE)
    found, out_dir = uptodate.targets([str(project / "article.md")], project / "out")
    options = uptodate.stamped_options()
    assert uptodate.first_build(found, out_dir, options)
    _build(project)
    assert not uptodate.first_build(found, out_dir, options)
    assert uptodate.first_build(found, project / "elsewhere", options)  # another folder
    assert not uptodate.first_build([], out_dir, options)  # a build that will fail
    assert not uptodate.first_build(found, out_dir, {**options, "use_cache": False})


def test_the_quick_answer_assumes_the_commands_own_defaults() -> None:
    """``podcast build`` with no options is answered before the CLI is imported, with the
    stamp ``stamped_options()`` gives: its defaults must be the command's, and every option of
    the command must be stamped."""
    import inspect

    from podcast.cli import episodes

    command = inspect.signature(episodes.build).parameters
    stamped = inspect.signature(uptodate.stamped_options).parameters
    assert set(command) - {"sources", "out"} == set(stamped)
    for name, parameter in stamped.items():
        assert command[name].default == parameter.default, name
    formats = stamped["output_formats"].default
    assert episodes._format_names(formats) == formats  # what the option's callback makes of it


def test_the_quick_answer_leaves_everything_else_to_the_cli(monkeypatch, tmp_path: Path) -> None:
    from podcast.launch import up_to_date_build

    article = tmp_path / "a.md"
    article.write_text(ARTICLE, encoding="utf-8")
    monkeypatch.setenv("PODCAST_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PODCAST_CLUSTER", raising=False)
    for args in (
        [str(article)],  # never built: no stamp
        [str(article), "--bitrate", "64"],  # any other option
        [str(article), "--out"],  # an option without its value
        [str(article), "--out", "--voice"],
        ["-"],  # standard input
        [str(tmp_path / "missing.md")],  # the CLI says what is wrong
    ):
        assert up_to_date_build(args) is None, args
    monkeypatch.setenv("PODCAST_CLUSTER", "local:2")
    assert up_to_date_build([str(article)]) is None


@pytest.mark.slow
@pytest.mark.parametrize(
    "change",
    ["article", "voice", "lexicon", "output deleted", "output edited", "stamp damaged", "option"],
)
def test_any_change_builds_again(built: Path, change: str) -> None:
    extra: tuple[str, ...] = ()
    episode = next((built / "out").iterdir())
    if change == "article":
        (built / "article.md").write_text(ARTICLE.replace("warm", "cold"), encoding="utf-8")
    elif change == "voice":
        voice = built / "voices" / "default.toml"
        voice.write_text(voice.read_text(encoding="utf-8") + "\n# tuned\n", encoding="utf-8")
    elif change == "lexicon":
        (built / "lexicon.toml").write_text('cat = "kat"\n', encoding="utf-8")
    elif change == "output deleted":
        (episode / "transcript.vtt").unlink()
    elif change == "output edited":
        (episode / "shownotes.md").write_text("mine now\n", encoding="utf-8")
    elif change == "stamp damaged":
        stamp = next((built / "cache" / "stamps").rglob("*.json"))
        stamp.write_bytes(stamp.read_bytes()[:-5])
    else:
        extra = ("--bitrate", "64")
    _, imported = _build(built, *extra)
    assert "podcast.build.pipeline" in imported, change
    assert (episode / "transcript.vtt").is_file()
    assert (episode / "shownotes.md").read_text(encoding="utf-8") != "mine now\n"
    if change == "article":
        assert "cold" in (episode / "transcript.vtt").read_text(encoding="utf-8")
    # and the build after that is answered from its new stamp
    assert "podcast.build.pipeline" not in _build(built, *extra)[1]


def test_what_a_stamp_cannot_vouch_for_always_builds() -> None:
    options = {"use_cache": True, "cluster": None, "cache_dir": None}
    assert uptodate.stampable(["a.md"], options)
    assert not uptodate.stampable(["-"], options)
    assert not uptodate.stampable(["https://example.org/a"], options)
    assert not uptodate.stampable(["a.md"], {**options, "use_cache": False})
    assert not uptodate.stampable(["a.md"], {**options, "cluster": "local:2"})
    assert not uptodate.stampable(["a.md"], {**options, "cache_dir": "s3://bucket/p"})


def test_a_stamp_of_another_version_or_shape_is_not_trusted(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PODCAST_CACHE_DIR", str(tmp_path / "cache"))
    article = tmp_path / "a.md"
    article.write_text(ARTICLE, encoding="utf-8")
    options = {"use_cache": True}
    started = uptodate.environment()
    key = uptodate._key(article.resolve(), tmp_path / "out", options)
    for stamp in ({"version": 0}, ["not", "a", "stamp"], {"version": uptodate.STAMP_VERSION}):
        cache.write_entry(key, json.dumps(stamp).encode("utf-8"))
        assert uptodate.up_to_date([str(article)], tmp_path / "out", options, started) is None
