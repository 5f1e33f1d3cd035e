"""Publish trusts nothing on disk (issue 18): a bad episode is refused with one line and the
rest of the feed publishes; a damaged state file, a full disk, a build swapping an episode,
two publishes at once, SIGTERM, links and ``../`` never give a traceback, a stray file or a
write or delete outside the site. Control characters stop at the door (articles, show config)
and never reach a terminal raw.

Episodes here are folders as a build writes them (episode.json, audio, side files) with small
stand-in audio: publishing copies files and never decodes the audio. The real build with a
hostile title and file name is the last (slow) test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import feedparser
import pytest
from typer.testing import CliRunner

from podcast.build import workspace
from podcast.cli import app
from podcast.config.show import Show, load_show
from podcast.errors import ConfigError, InputError, OutputError
from podcast.publish.site import publish_site
from tests.conftest import ROOT

BASE = "https://example.org/show/"
SHOW = Show(title="Trust", author="Tester", description="Episodes on disk.")
runner = CliRunner()


def make_episode(episodes: Path, slug: str, title: str = "", version: str = "A",
                 audio_bytes: int = 4096) -> Path:  # fmt: skip
    """An episode folder as a build leaves it; every file says which ``version`` it is."""
    folder = episodes / slug
    folder.mkdir(parents=True, exist_ok=True)
    title = title or f"{slug} version {version}"
    manifest = {
        "title": title,
        "duration_ms": 61_000,
        "source": f"{slug}.md",
        "chapters": [{"title": f"Start {version}", "start_ms": 0}],
    }
    (folder / "episode.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / f"{slug}.mp3").write_bytes(version.encode() * audio_bytes)
    (folder / "chapters.json").write_text(json.dumps({"version": version}), encoding="utf-8")
    (folder / "transcript.vtt").write_text(f"WEBVTT\n\nNOTE {version}\n", encoding="utf-8")
    (folder / "transcript.srt").write_text(f"1\n00:00:00,000 --> 00:00:01,000\n{version}\n")
    cues = {"segments": [{"startTime": 0.0, "endTime": 1.0, "body": f"Cue {version}"}]}
    (folder / "transcript.json").write_text(json.dumps(cues), encoding="utf-8")
    (folder / "shownotes.html").write_text(f"<p>Notes {version}</p>", encoding="utf-8")
    return folder


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "podcast.toml").write_text(
        f'title = "Trust"\nauthor = "Tester"\ndescription = "On disk."\nwebsite = "{BASE}"\n',
        encoding="utf-8",
    )
    make_episode(tmp_path / "episodes", "good")
    monkeypatch.setenv("PODCAST_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def leftovers(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.partial"))


def feed_titles(site: Path) -> list[str]:
    parsed = feedparser.parse(str(site / "feed.xml"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    return [entry.title for entry in parsed.entries]


# --- one bad episode is refused by name; the rest publishes ------------------------------------


def _title(text: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        manifest = json.loads((folder / "episode.json").read_text())
        (folder / "episode.json").write_text(json.dumps({**manifest, "title": text}))

    return change


def _write(name: str, data: bytes) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_bytes(data)


def _truncate(name: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_bytes((folder / name).read_bytes()[:20])


def _link_audio(folder: Path) -> None:
    outside = folder.parent.parent / "outside.mp3"
    outside.write_bytes(b"secret")
    (folder / "bad.mp3").unlink()
    (folder / "bad.mp3").symlink_to(outside)


BAD_EPISODES = {
    "BEL in the title": (_title("Bell\x07 ringing"), r"title holds a control character \(\\x07\)"),
    "ESC in the title": (_title("Red \x1b[31m"), r"title holds a control character \(\\x1b\)"),
    "NUL in the title": (_title("Nul\x00"), r"title holds a control character \(\\x00\)"),
    "ESC from the file name in the notes": (
        _write("shownotes.html", b"<p>Source: e\x1b]0;pwned\x07vil.md</p>"),
        r"show notes holds a control character",
    ),
    "truncated episode.json": (_truncate("episode.json"), r"episode\.json is damaged"),
    "episode.json of the wrong shape": (_write("episode.json", b"[1, 2]"), "not a JSON object"),
    "chapters of the wrong shape": (
        _write("episode.json", b'{"title": "x", "chapters": "abc"}'),
        "damaged episode.json or transcript.json",
    ),
    "truncated transcript.json": (_truncate("transcript.json"), r"transcript\.json is damaged"),
    "malformed transcript.json": (
        _write("transcript.json", b'{"segments": [{"startTime": "soon"}]}'),
        "damaged episode.json or transcript.json",
    ),
    "transcript.json of the wrong shape": (
        _write("transcript.json", b"[1]"),
        "damaged episode.json or transcript.json",
    ),
    "show notes not UTF-8": (_write("shownotes.html", b"<p>\xff\xfe</p>"), "damaged"),
    "no audio": (lambda folder: (folder / "bad.mp3").unlink(), "has no episode audio file"),
    "audio is a link out": (_link_audio, "is a symbolic link"),
}


@pytest.mark.parametrize("case", list(BAD_EPISODES))
def test_one_bad_episode_is_refused_by_name_and_the_rest_publishes(
    project: Path, case: str
) -> None:
    damage, expected = BAD_EPISODES[case]
    damage(make_episode(project / "episodes", "bad"))
    result = runner.invoke(app, ["publish"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("error: episode 'bad' not published: ")
    assert re.search(expected, errors[0]), errors[0]
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", result.stderr), "raw control"
    site = project / "public"
    assert feed_titles(site) == ["good version A"]
    assert not (site / "bad").exists(), "a folder the feed does not list"
    assert leftovers(site) == []


def test_an_episode_published_before_keeps_its_version_when_its_new_build_is_bad(
    project: Path,
) -> None:
    make_episode(project / "episodes", "later")
    first = publish_site(project / "episodes", project / "public", SHOW, BASE)
    _truncate("episode.json")(project / "episodes" / "later")
    second = publish_site(project / "episodes", project / "public", SHOW, BASE)
    assert len(second.skipped) == 1 and "episode 'later' not updated" in second.skipped[0]
    assert {e.guid for e in second.episodes} == {e.guid for e in first.episodes}
    assert sorted(feed_titles(project / "public")) == ["good version A", "later version A"]


@pytest.mark.parametrize(
    ("key", "toml"),
    [
        ("title", 'title = "My\\u0007 show"'),
        ("title", 'title = "Nul\\u0000"'),
        ("author", 'title = "T"\nauthor = "Esc\\u001b[2J"'),
        ("intro.text", 'title = "T"\n[intro]\ntext = ["Hi \\u009b31m"]'),
    ],
)
def test_a_control_character_in_the_show_config_is_refused_naming_the_key(
    tmp_path: Path, key: str, toml: str
) -> None:
    defaults = {"title": '"T"', "author": '"A"', "description": '"D"'}
    head = "".join(f"{k} = {v}\n" for k, v in defaults.items() if f"{k} =" not in toml)
    (tmp_path / "podcast.toml").write_text(head + toml + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"'{re.escape(key)}' holds a control character"):
        load_show(None, tmp_path)


def test_a_show_built_in_python_with_a_control_character_is_one_line(tmp_path: Path) -> None:
    show = Show(title="Bell\x07", author="A", description="D")
    with pytest.raises(InputError, match=r"the show's title holds a control character \(\\x07\)"):
        publish_site(tmp_path / "episodes", tmp_path / "public", show, BASE)


# --- the state file ------------------------------------------------------------------------------

GOOD_RECORD = {"guid": "urn:uuid:1", "pub_date": "Wed, 01 May 2024 12:00:00 +0000"}
BAD_STATES = {
    "not JSON": (b'{"episodes": {', "damaged"),
    "a list": (b"[]", "a JSON object was expected"),
    "episodes is a list": (b'{"episodes": []}', "'episodes' must be an object"),
    "a record without a guid": (
        json.dumps({"episodes": {"good": {"pub_date": GOOD_RECORD["pub_date"]}}}).encode(),
        "the record of 'good' has no 'guid'",
    ),
    "a record that is a string": (b'{"episodes": {"good": "x"}}', "must be an object"),
    "a date that is no date": (
        json.dumps({"episodes": {"good": {"guid": "g", "pub_date": "soon"}}}).encode(),
        "Invalid date",
    ),
    "a path for a name": (
        json.dumps({"episodes": {"../victim": GOOD_RECORD}}).encode(),
        "'../victim' is not an episode name",
    ),
    "removed is not a list of names": (b'{"removed": ["../x"]}', "'removed' must be a list"),
}


@pytest.mark.parametrize("case", list(BAD_STATES))
def test_a_damaged_state_file_is_named_with_what_to_do(project: Path, case: str) -> None:
    data, expected = BAD_STATES[case]
    (project / "public").mkdir()
    (project / "public" / ".publish-state.json").write_bytes(data)
    result = runner.invoke(app, ["publish"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: public/.publish-state.json is damaged (")
    assert expected in line and line.endswith("to give every episode a new GUID")
    assert not (project / "public" / "good").exists()


# --- nothing written or deleted outside the site -------------------------------------------------


def test_remove_of_a_path_from_an_edited_state_deletes_nothing_outside(project: Path) -> None:
    victim = project / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("keep me")
    site = project / "public"
    publish_site(project / "episodes", site, SHOW, BASE)
    state = json.loads((site / ".publish-state.json").read_text())
    state["episodes"]["../victim"] = GOOD_RECORD
    (site / ".publish-state.json").write_text(json.dumps(state))
    result = runner.invoke(app, ["publish", "--remove", "../victim"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "'../victim' is not an episode name" in result.stderr
    assert (victim / "precious.txt").read_text() == "keep me"
    with pytest.raises(InputError, match="is not an episode name"):
        publish_site(project / "episodes", site, SHOW, BASE, remove=("..",))
    assert (victim / "precious.txt").read_text() == "keep me"


def test_a_linked_episode_folder_is_never_written_through(project: Path) -> None:
    outside = project / "elsewhere"
    outside.mkdir()
    site = project / "public"
    site.mkdir()
    (site / "good").symlink_to(outside, target_is_directory=True)
    result = publish_site(project / "episodes", site, SHOW, BASE)
    assert list(outside.iterdir()) == []
    assert len(result.skipped) == 1 and "is a symbolic link" in result.skipped[0]
    # removing it takes the link away, never what it points to
    (outside / "precious.txt").write_text("keep me")
    publish_site(project / "episodes", site, SHOW, BASE, remove=("good",))
    assert not (site / "good").is_symlink() and (outside / "precious.txt").is_file()


def test_a_linked_file_in_the_site_is_replaced_not_written_through(project: Path) -> None:
    site = project / "public"
    publish_site(project / "episodes", site, SHOW, BASE)
    outside = project / "target.mp3"
    outside.write_bytes(b"keep me")
    (site / "good" / "good.mp3").unlink()
    (site / "good" / "good.mp3").symlink_to(outside)
    publish_site(project / "episodes", site, SHOW, BASE)
    assert outside.read_bytes() == b"keep me"
    assert not (site / "good" / "good.mp3").is_symlink()
    assert (site / "good" / "good.mp3").read_bytes() == b"A" * 4096
    for path in site.rglob("*"):
        assert path.resolve().is_relative_to(site.resolve()), path


# --- a full disk, a kill, a race ----------------------------------------------------------------

_LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))
sys.argv = ["podcast", "publish"]
from podcast.cli import main
main()
"""


def test_a_full_disk_is_one_line_and_leaves_no_partial(project: Path) -> None:
    make_episode(project / "episodes", "big", audio_bytes=4 << 20)
    result = subprocess.run(
        [sys.executable, "-c", _LIMITED, str(1 << 20)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: ran out of disk space writing ") and "publish again" in line
    site = project / "public"
    assert leftovers(site) == []
    assert not (site / "big").exists() and not (site / "good").exists()


_SLOW_COPY = """
import sys, time
from pathlib import Path
from podcast.publish import store
ready = Path(sys.argv[1])
def slow(source, target):
    target.write(source.read(1 << 20)); target.flush()
    ready.touch()
    time.sleep(60)
store.copy_stream = slow
sys.argv = ["podcast", "publish"]
from podcast.cli import main
main()
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_publish_removes_its_partial_file(project: Path, signum: int) -> None:
    site = project / "public"
    publish_site(project / "episodes", site, SHOW, BASE)
    feed_before = (site / "feed.xml").read_bytes()
    make_episode(project / "episodes", "big", audio_bytes=8 << 20)
    ready = project / "copying"
    child = subprocess.Popen(
        [sys.executable, "-c", _SLOW_COPY, str(ready)],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)
    assert ready.exists(), child.stderr.read() if child.stderr else ""
    assert leftovers(site), "the copy is under way"
    child.send_signal(signum)
    _, stderr = child.communicate(timeout=30)
    assert child.returncode == (143 if signum == signal.SIGTERM else 130), stderr
    assert stderr.strip() == "interrupted"
    assert leftovers(site) == [] and not (site / "big").exists()
    assert (site / "feed.xml").read_bytes() == feed_before


def test_what_a_killed_publish_left_is_removed_by_the_next(project: Path) -> None:
    site = project / "public"
    publish_site(project / "episodes", site, SHOW, BASE)
    left = [
        site / "good" / ".good.mp3.partial",  # the fixed name older versions used
        site / "good" / ".good.mp3.pid999999999.x1y2.partial",  # a process that is gone
        site / ".feed.xml.pid999999999.abc.partial",
    ]
    for path in left:
        path.write_bytes(b"x" * 1000)
    publish_site(project / "episodes", site, SHOW, BASE)
    assert leftovers(site) == []


def test_two_publishes_at_once_take_turns(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from podcast.publish import store

    for n in range(3):
        make_episode(project / "episodes", f"ep-{n}", audio_bytes=64 << 10)
    inside = []
    copy = store.copy_stream

    def watched(source, target):  # type: ignore[no-untyped-def]
        inside.append(1)
        try:
            assert len(inside) == 1, "two publishes copy into one site at once"
            time.sleep(0.05)
            return copy(source, target)
        finally:
            inside.pop()

    monkeypatch.setattr(store, "copy_stream", watched)
    site = project / "public"
    errors: list[BaseException] = []

    def run(stamp: int) -> None:
        try:
            # each publish copies every episode: the site's copies differ from the build's
            for folder in site.glob("*/"):
                if folder.is_dir():
                    for mp3 in folder.glob("*.mp3"):
                        mp3.write_bytes(bytes([stamp]))
            publish_site(project / "episodes", site, SHOW, BASE)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(feed_titles(site)) == 4 and leftovers(site) == []


def test_a_build_swapping_an_episode_never_breaks_a_publish(project: Path) -> None:
    episodes = project / "episodes"
    site = project / "public"
    stop = threading.Event()
    swaps = []

    def rebuild() -> None:
        version = "B"
        while not stop.is_set():
            work = episodes / f".good.pid{os.getpid()}.x.partial"
            shutil.rmtree(work, ignore_errors=True)
            make_episode(episodes, work.name, title=f"good version {version}", version=version)
            (work / f"{work.name}.mp3").rename(work / "good.mp3")
            workspace.swap_into_place(work, episodes / "good")  # the build's own swap
            swaps.append(version)
            version = "A" if version == "B" else "B"

    swapper = threading.Thread(target=rebuild)
    swapper.start()
    try:
        for _ in range(25):
            result = publish_site(episodes, site, SHOW, BASE)
            assert result.skipped == ()
            (episode,) = result.episodes
            version = episode.title[-1]
            published = site / "good"
            assert (published / "good.mp3").read_bytes() == version.encode() * 4096
            assert f"NOTE {version}" in (published / "transcript.vtt").read_text()
            assert json.loads((published / "chapters.json").read_text())["version"] == version
            assert episode.cues[0]["body"] == f"Cue {version}"
    finally:
        stop.set()
        swapper.join(30)
    assert len(swaps) > 10, "the build swapped the episode while publishing"


# --- terminal escapes ----------------------------------------------------------------------------

RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.mark.parametrize(
    ("args", "stream", "shown"),
    [
        (["script", "article.md"], "stdout", None),
        (["script", "article.md", "--json"], "stdout", None),
        (["script", "gone\x1b]0;pwned\x07\x1b[2J.md"], "stderr", r"gone\x1b]0;pwned\x07\x1b[2J.md"),
        (["info", "no\x1b[2Jfile.mp3"], "stderr", r"no\x1b[2Jfile.mp3"),
        (["publish", "gone\x1b[2J", "--base-url", BASE], "stderr", r"'gone\x1b[2J'"),
    ],
)
def test_nothing_printed_drives_the_terminal(
    make_project: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    stream: str,
    shown: str | None,
) -> None:
    root = make_project(
        "# Bell\x07 and \x1b[31mred\x1b[0m title\n\nThe river\x1b[2J rose\x9b2J three feet.\n"
    )
    monkeypatch.chdir(root)
    result = runner.invoke(app, args)
    text = getattr(result, stream)
    assert not RAW_CONTROL.search(result.output), repr(result.output)
    if shown is None:
        assert result.exit_code == 0, result.output
        assert "The river rose three feet." in text.replace('"', " ") or "river rose" in text
        assert "Bell and red title" in text
        if "--json" in args:
            removed = json.loads(text)["removed"]
            assert {
                "text": r"\x07 \x1b[0m \x1b[2J \x1b[31m \x9b2J",
                "reason": "control characters",
            } in removed
    else:
        assert result.exit_code != 0 and shown in text, text


def test_sanitize_keeps_every_word_in_order() -> None:
    from podcast.models import Article, Block
    from podcast.text.sanitize import sanitize_article

    article = Article(
        title="A\x07 title\r\nhere",
        blocks=(Block("paragraph", "One\x00 two\x1b]2;x\x1b\\ three\x85\tfour\r\nfive"),),
        source="dir/\x1bname.md",
    )
    clean = sanitize_article(article)
    assert clean.title == "A title here"
    assert clean.blocks[0].text == "One two three\tfour\nfive"
    assert clean.source == "dir/\\x1bname.md"
    assert [r.reason for r in clean.removed] == ["control characters"]
    assert sanitize_article(Article("Plain", (Block("paragraph", "text"),), "a.md")) == Article(
        "Plain", (Block("paragraph", "text"),), "a.md"
    )


# --- a real build: hostile title and file name, then publish ------------------------------------


@pytest.mark.slow
def test_a_real_build_with_controls_in_title_and_file_name_publishes(
    make_project: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project("unused")
    name = "e\x1b]0;pwned\x07vil\x1b[2J.md"
    (root / name).write_text(
        "# Bell\x07 and \x1b[31mred\x1b[0m news\n\nThe river rose three feet overnight.\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(root)
    built = runner.invoke(app, ["build", name, "--out", "episodes"])
    assert built.exit_code == 0, built.output
    assert not RAW_CONTROL.search(built.output)
    published = runner.invoke(app, ["publish", "--base-url", BASE])
    assert published.exit_code == 0, published.output
    assert feed_titles(root / "public") == ["Bell and red news"]
    assert leftovers(root / "public") == []


def test_site_and_episodes_folder_must_differ(tmp_path: Path) -> None:
    make_episode(tmp_path / "episodes", "good")
    with pytest.raises(InputError, match="is the episodes folder"):
        publish_site(tmp_path / "episodes", tmp_path / "episodes", SHOW, BASE)


def test_write_failures_are_output_errors(tmp_path: Path) -> None:
    from podcast.publish import store

    full = OSError(28, "No space left on device", str(tmp_path / "x"))
    assert "ran out of disk space" in str(store.write_failed(full, tmp_path))
    assert isinstance(store.write_failed(full, tmp_path), OutputError)
