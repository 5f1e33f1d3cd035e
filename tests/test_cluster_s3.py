"""The object-store cache (``--cache s3://bucket/prefix``) against a real S3 API, offline.

moto's server mode serves S3 on 127.0.0.1 (no network); s3fs talks to it as to AWS, through
the endpoint in ``AWS_ENDPOINT_URL_S3``. The cluster's workers are started after that
variable is set, so they reach the same server, as real workers reach a real bucket.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

distributed = pytest.importorskip(
    "distributed", reason="distributed is not installed (pip install '.[cluster]')"
)
pytest.importorskip("s3fs", reason="s3fs is not installed (pip install '.[s3]')")
moto_server = pytest.importorskip(
    "moto.server", reason="moto's server is not installed (pip install 'moto[server]')"
)

import s3fs  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from podcast import cache, object_store  # noqa: E402
from podcast.build.pipeline import BuildOptions, build  # noqa: E402
from podcast.cli import app  # noqa: E402
from podcast.progress import SYNTHESIS, Progress  # noqa: E402
from tests.test_cluster import _article, _readback, _same  # noqa: E402

BUCKET = "podcast-cache"


@pytest.fixture(scope="module")
def s3() -> Iterator[str]:
    """A moto S3 server on 127.0.0.1 with an empty bucket; its endpoint in the environment
    (for this process and the workers started after it)."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        env.setenv("AWS_ENDPOINT_URL_S3", endpoint)
        env.delenv("AWS_PROFILE", raising=False)
        s3fs.S3FileSystem.clear_instance_cache()
        s3fs.S3FileSystem().mkdir(BUCKET)
        yield endpoint
    s3fs.S3FileSystem.clear_instance_cache()
    server.stop()


@pytest.fixture(scope="module")
def cluster(s3: str) -> Iterator[distributed.Client]:
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None
        ) as local,
        distributed.Client(local) as client,
    ):
        yield client


class Counted(Progress):
    """Counts the chunks a build hands to the engines."""

    def __init__(self) -> None:
        self.rendered = 0

    def add(self, stage: str, total: int, done: int = 0) -> None:
        if stage == SYNTHESIS:
            self.rendered += total - done


def _listed(url: str) -> list[str]:
    return s3fs.S3FileSystem().find(url.removeprefix("s3://"))


def test_first_writer_wins_in_the_store(s3: str, tmp_path: Path) -> None:
    url = f"s3://{BUCKET}/race"
    name = "ab" * 32 + ".json"
    first, second = tmp_path / "first", tmp_path / "second"
    entries = []
    for root, text in ((first, b"first"), (second, b"second")):
        store = object_store.ObjectStore(url, root)
        before = cache.use_store(store)
        try:  # each machine writes its own entry at the same address
            entry = root / "engine" / name
            cache.write_entry(entry, text)
            entries.append(entry)
        finally:
            cache.use_store(before)
    # the second writer lost: its copy is now the store's, the first writer's bytes
    assert cache.read_entry(entries[0]) == b"first"
    assert cache.read_entry(entries[1]) == b"first"
    assert _listed(url) == [f"{BUCKET}/race/engine/{name}"]
    # a machine with nothing fetches the entry from the store, seal checked
    third = tmp_path / "third"
    before = cache.use_store(object_store.ObjectStore(url, third))
    try:
        assert cache.read_entry(third / "engine" / name) == b"first"
        assert cache.read_entry(third / "engine" / ("cd" * 32 + ".json")) is None
    finally:
        cache.use_store(before)


@pytest.mark.slow
def test_cluster_build_with_an_s3_cache(
    s3: str, cluster: distributed.Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = []
    for n in range(2):
        path = tmp_path / f"article-{n}.md"
        path.write_text(_article(n), encoding="utf-8")
        sources.append(str(path))
    monkeypatch.setenv("PODCAST_CACHE_DIR", str(tmp_path / "local-cache"))
    local = build(sources, BuildOptions(out_dir=tmp_path / "local"))
    url = f"s3://{BUCKET}/{tmp_path.name}"  # this machine's copy of it is new too
    monkeypatch.setattr(object_store, "staging_root", lambda url: tmp_path / "copy")
    address = cluster.scheduler.address
    cold = Counted()
    remote = build(
        sources, BuildOptions(out_dir=tmp_path / "remote", cluster=address, cache_dir=url), cold
    )
    # every chunk and part made (and their loudness memos) is in the store, under its path
    stored = {key.removeprefix(f"{BUCKET}/{tmp_path.name}/") for key in _listed(url)}
    here = {
        path.relative_to(tmp_path / "copy").as_posix()
        for folder in ("chunks", "parts")
        for path in (tmp_path / "copy" / folder).rglob("*")
        if path.is_file() and not path.name.startswith(".")
    }
    assert cold.rendered > 0
    assert here <= stored
    assert (
        sum(key.startswith("chunks/") and key.endswith(".wav") for key in stored) >= cold.rendered
    )
    assert any(key.endswith(".part") for key in stored)
    # nothing of it is on this machine any more: a rebuild takes everything from the store
    shutil.rmtree(tmp_path / "copy")
    again = Counted()
    rebuilt = build(
        sources, BuildOptions(out_dir=tmp_path / "again", cluster=address, cache_dir=url), again
    )
    assert again.rendered == 0
    for a, b, c in zip(local, remote, rebuilt, strict=True):
        reference, found = _readback(a.directory), _readback(b.directory)
        assert [t for t, *_ in reference["chapters"]] == [t for t, *_ in found["chapters"]]
        assert abs(reference["duration_ms"] - found["duration_ms"]) <= 1000
        _same(found, _readback(c.directory))


def test_a_private_store_is_refused_for_a_cluster(tmp_path: Path) -> None:
    source = tmp_path / "a.md"
    source.write_text(_article(0), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["build", str(source), "-o", str(out), "--cluster", "local:2", "--cache", "memory://c"],
    )
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.strip().splitlines()
    assert "memory://c" in line and "s3://" in line
    assert not out.exists()
