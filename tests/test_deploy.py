"""``publish --to``: the site copied where listeners fetch it, changed files only, feed last.

The SSH tests start a real OpenSSH server on 127.0.0.1 (Debian's openssh-server, a throwaway
host key, a throwaway client key in its authorized_keys, ``StrictModes no``, ``UsePAM no``) and
deploy with real rsync over it. When sshd or rsync is missing they are installed with apt-get
if this is root (``.ci/deploy-deps`` does it in CI), else the tests are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from typer.testing import CliRunner

from podcast.cli import app
from podcast.config.show import Show
from podcast.errors import InputError, OutputError
from podcast.publish import deploy as deploy_module
from podcast.publish.deploy import deploy, is_remote, public_files, rsync_commands
from podcast.publish.site import publish_site
from tests.test_publish_trust import make_episode

BASE = "https://pod.example.org/"
SHOW = Show(title="Deployed", author="A", description="D")
runner = CliRunner()


def site_with(tmp: Path, *slugs: str, version: str = "A") -> Path:
    episodes = tmp / "episodes"
    for slug in slugs:
        make_episode(episodes, slug, title=f"{slug} {version}", version=version)
    for old in episodes.iterdir():
        if old.name not in slugs:
            shutil.rmtree(old)
    site = tmp / "public"
    publish_site(episodes, site, SHOW, base_url=BASE)
    gone = [p.name for p in site.iterdir() if p.is_dir() and p.name not in slugs]
    if gone:
        publish_site(episodes, site, SHOW, base_url=BASE, remove=tuple(gone))
    return site


def feed_is_whole(dest: Path) -> list[str]:
    """The deployed feed's episode titles, after checking every file it names is there."""
    root = etree.parse(str(dest / "feed.xml")).getroot()
    for enclosure in root.iter("enclosure"):
        assert (dest / enclosure.get("url", "")[len(BASE) :]).is_file()
    return sorted(item.findtext("title") or "" for item in root.iter("item"))


# --- a local folder ----------------------------------------------------------------------------


def test_local_deploy_copies_changed_files_only_feed_last_and_never_dot_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = site_with(tmp_path, "one", "two")
    dest = tmp_path / "www"
    dest.mkdir()
    (dest / "mine.txt").write_text("the user's own file", encoding="utf-8")
    order: list[str] = []
    real_copy = deploy_module._copy_atomic

    def watched(source: Path, target: Path, root: Path) -> None:
        order.append(target.relative_to(root).as_posix())
        real_copy(source, target, root)

    monkeypatch.setattr(deploy_module, "_copy_atomic", watched)
    first = deploy(site, str(dest))
    assert order[-1] == "feed.xml" and first.copied == tuple(order)
    assert order.index("index.html") > order.index("one/one.mp3")  # pages after what they name
    assert not [p for p in dest.rglob(".*")], "dot files (state, page data) are never deployed"
    assert feed_is_whole(dest) == ["one A", "two A"]
    # nothing changed: nothing copied
    order.clear()
    again = deploy(site, str(dest))
    assert again.copied == () and again.unchanged == len(public_files(site))
    # one episode changed, one removed: only what changed, the feed last, the removed after it
    site = site_with(tmp_path, "one", version="B")
    order.clear()
    third = deploy(site, str(dest))
    assert third.copied[-1] == "feed.xml"
    assert "one/one.mp3" in third.copied and "player.js" not in third.copied
    assert set(third.deleted) >= {"two/two.mp3", "two/index.html"}
    assert not (dest / "two").exists()
    assert (dest / "mine.txt").read_text(encoding="utf-8") == "the user's own file"
    assert feed_is_whole(dest) == ["one B"]


def test_an_interrupted_local_deploy_leaves_the_old_feed_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = site_with(tmp_path, "one")
    dest = tmp_path / "www"
    deploy(site, str(dest))
    old_feed = (dest / "feed.xml").read_bytes()
    site = site_with(tmp_path, "one", "two", "three", version="B")
    calls = {"n": 0}
    real_copy = deploy_module._copy_atomic

    def failing(source: Path, target: Path, root: Path) -> None:
        calls["n"] += 1
        if calls["n"] > len(public_files(site)) // 2:
            raise OutputError("simulated: the connection dropped")
        real_copy(source, target, root)

    monkeypatch.setattr(deploy_module, "_copy_atomic", failing)
    with pytest.raises(OutputError):
        deploy(site, str(dest))
    assert (dest / "feed.xml").read_bytes() == old_feed
    assert feed_is_whole(dest) == ["one A"]
    assert not [p for p in dest.rglob("*.partial")]
    monkeypatch.setattr(deploy_module, "_copy_atomic", real_copy)
    deploy(site, str(dest))  # the next deploy finishes the job
    assert feed_is_whole(dest) == ["one B", "three B", "two B"]


def test_deploy_refusals_are_one_line(tmp_path: Path) -> None:
    site = site_with(tmp_path, "one")
    with pytest.raises(InputError, match="inside the site"):
        deploy(site, str(site / "copy"))
    with pytest.raises(InputError, match=r"no feed\.xml"):
        deploy(tmp_path / "episodes", str(tmp_path / "x"))
    with pytest.raises(InputError, match="KEY=VALUE"):
        deploy(site, "me@host:/srv", ("Port 22",))
    with pytest.raises(InputError, match="not a folder"):
        deploy(site, str(tmp_path / "www"), ("Port=22",))


def test_remote_destinations_and_rsync_arguments(tmp_path: Path) -> None:
    assert is_remote("me@host.example:/var/www/pod") and is_remote("host:pod")
    assert not is_remote("/var/www/pod") and not is_remote("./a:b") and not is_remote("www")
    first, feed, delete = rsync_commands(tmp_path, "me@h:/srv/pod", ("Port=2222",))
    assert first[:3] == ["rsync", "-a", "--checksum"] and "--exclude=/feed.xml" in first
    assert "--exclude=.*" in first and first[-1] == "me@h:/srv/pod/"
    assert feed[-2:] == [str(tmp_path / "feed.xml"), "me@h:/srv/pod/"]
    assert first[first.index("-e") + 1] == "ssh -o Port=2222"
    assert "--delete-missing-args" in delete and "--files-from=-" in delete


def test_publish_to_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "podcast.toml").write_text(
        f'title = "Cli"\nauthor = "A"\ndescription = "D"\nwebsite = "{BASE}"\n', encoding="utf-8"
    )
    make_episode(tmp_path / "episodes", "good")
    monkeypatch.setenv("PODCAST_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["publish", "--to", str(tmp_path / "www")])
    assert result.exit_code == 0, result.output
    assert "deployed to" in result.stdout and (tmp_path / "www" / "good" / "good.mp3").is_file()


# --- a host over SSH ---------------------------------------------------------------------------


def _missing() -> str | None:
    need = {"sshd": "/usr/sbin/sshd", "ssh": "ssh", "rsync": "rsync", "ssh-keygen": "ssh-keygen"}
    absent = [name for name, cmd in need.items() if shutil.which(cmd) is None]
    if absent and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends",
                        "openssh-server", "openssh-client", "rsync"],
                       capture_output=True, timeout=600, check=False)  # fmt: skip
        absent = [name for name, cmd in need.items() if shutil.which(cmd) is None]
    if absent:
        return f"{', '.join(absent)} missing (apt-get install openssh-server rsync as root)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("sshd")
    for key in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(root / key)],
                       check=True)  # fmt: skip
    (root / "authorized_keys").write_bytes((root / "client_key.pub").read_bytes())
    port = _free_port()
    config = root / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {root / 'host_key'}\n"
        f"PidFile {root / 'sshd.pid'}\nAuthorizedKeysFile {root / 'authorized_keys'}\n"
        "StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PubkeyAuthentication yes\nPermitRootLogin prohibit-password\n",
        encoding="utf-8",
    )
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation
    server = subprocess.Popen(
        ["/usr/sbin/sshd", "-D", "-e", "-f", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if server.poll() is not None or time.monotonic() > deadline:
                output = server.stdout.read().decode() if server.stdout else ""
                pytest.skip(f"sshd did not start: {output.strip()[-300:]}")
            time.sleep(0.1)
        options = (
            f"Port={port}", f"IdentityFile={root / 'client_key'}", "IdentitiesOnly=yes",
            "StrictHostKeyChecking=no", f"UserKnownHostsFile={os.devnull}", "BatchMode=yes",
            "LogLevel=ERROR",
        )  # fmt: skip
        yield {"options": options, "user": getpass.getuser(), "root": root}
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_ssh_deploy_copies_the_site_and_later_only_what_changed(tmp_path: Path, sshd: dict) -> None:
    site = site_with(tmp_path, "one", "two")
    www = tmp_path / "www"
    dest = f"{sshd['user']}@127.0.0.1:{www}"
    first = deploy(site, dest, sshd["options"])
    assert first.copied[-1] == "feed.xml"
    assert feed_is_whole(www) == ["one A", "two A"]
    assert not [p for p in www.rglob(".*")], "dot files are never deployed"
    again = deploy(site, dest, sshd["options"])
    assert again.copied == ()
    site = site_with(tmp_path, "one", version="B")
    third = deploy(site, dest, sshd["options"])
    assert "one/one.mp3" in third.copied and third.copied[-1] == "feed.xml"
    assert "player.js" not in third.copied
    assert not (www / "two" / "two.mp3").exists()
    assert feed_is_whole(www) == ["one B"]


def test_an_interrupted_ssh_deploy_leaves_the_old_feed_whole(tmp_path: Path, sshd: dict) -> None:
    site = site_with(tmp_path, "one")
    www = tmp_path / "www"
    dest = f"{sshd['user']}@127.0.0.1:{www}"
    deploy(site, dest, sshd["options"])
    old_feed = (www / "feed.xml").read_bytes()
    site = site_with(tmp_path, "one", "two", "three", version="B")

    def dropped(args: list[str], stdin: str | None) -> str:
        """The first rsync copies the small files, then the connection drops."""
        deploy_module._run([*args[:1], "--max-size=1k", *args[1:]], stdin)
        raise OutputError("simulated: the connection dropped")

    with pytest.raises(OutputError):
        deploy(site, dest, sshd["options"], runner=dropped)
    assert (www / "two" / "chapters.json").is_file(), "half of the files were copied"
    assert not (www / "two" / "two.mp3").exists()
    assert (www / "feed.xml").read_bytes() == old_feed
    assert feed_is_whole(www) == ["one A"]
    deploy(site, dest, sshd["options"])
    assert feed_is_whole(www) == ["one B", "three B", "two B"]
    state = json.loads((site / ".deploy-state.json").read_text(encoding="utf-8"))
    assert "feed.xml" in state[dest]
