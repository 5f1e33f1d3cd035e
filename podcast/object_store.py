"""The cache in an object store (``--cache s3://bucket/prefix``): the only module that imports
fsspec.

An object store has no hard links, so the cache's first-writer-wins publishing (``cache.put``)
cannot happen in it. Each machine keeps a local copy of the entries it uses (a folder named
after the URL in the system's temporary folder: the same path on every worker), and the store
is a second tier behind it (``cache.Store``): an entry missing here is fetched from the store
(its seal checked), and an entry published here is uploaded, sealed, with a *conditional* put
(S3's ``If-None-Match: *``, s3fs's ``mode="create"``): the first writer wins in the store too,
and a writer that lost replaces its local copy with the store's bytes, so every machine uses
the same audio. Stores whose fsspec driver has no conditional put check for the object first
(a race of a few milliseconds in which the last writer wins; both copies are whole and sealed).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from podcast import cache
from podcast.errors import ConfigError, OutputError

# fsspec's stores whose bytes live in one process: workers in other processes cannot see them
PRIVATE = ("memory",)


def is_url(cache: str | os.PathLike[str]) -> bool:
    """Whether ``--cache`` names an object store (``s3://...``) rather than a folder."""
    text = os.fspath(cache)
    return "://" in text and not text.startswith("file://")


def staging_root(url: str) -> Path:
    """This machine's copy of the store ``url`` (the same path on every machine)."""
    stamp = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"podcast-cache-{stamp}"


class ObjectStore:
    """``cache.Store`` over an fsspec URL; entries keep their path under the cache's root."""

    def __init__(self, url: str, root: Path, **options: Any) -> None:
        self.url = url.rstrip("/")
        self.root = root
        protocol = self.url.split("://", 1)[0]
        try:  # imported here: a build with a cache folder does not pay for it
            import fsspec
        except ImportError:
            raise ConfigError(
                f"--cache {url}: an object-store cache needs fsspec; run: "
                "pip install 'podcast[cluster,s3]'"
            ) from None
        try:
            self.fs, self.base = fsspec.core.url_to_fs(self.url, **options)
        except ImportError as exc:
            raise ConfigError(
                f"--cache {url}: the {protocol}:// store needs a driver that is not installed "
                f"({exc}); for s3:// run: pip install s3fs"
            ) from None
        except ValueError as exc:
            raise ConfigError(f"--cache {url} is not a store fsspec knows ({exc})") from None
        self.private = protocol in PRIVATE

    def _key(self, path: Path) -> str | None:
        try:
            relative = path.relative_to(self.root)
        except ValueError:  # not a cache entry (an episode's scratch folder with --no-cache)
            return None
        return f"{self.base}/{relative.as_posix()}"

    def _failed(self, doing: str, exc: Exception) -> OutputError:
        return OutputError(
            f"cannot {doing} the cache at {self.url} ({type(exc).__name__}: {exc}); check the "
            "store's address and credentials, or build with a --cache folder"
        )

    def fetch(self, path: Path) -> bytes | None:
        key = self._key(path)
        if key is None:
            return None
        try:
            return bytes(self.fs.cat_file(key))
        except FileNotFoundError:
            return None
        except Exception as exc:
            raise self._failed("read", exc) from None

    def publish(self, path: Path) -> bool:
        key = self._key(path)
        if key is None:
            return True
        try:
            data = path.read_bytes()
        except OSError:
            return True
        try:
            self.fs.pipe_file(key, data, mode="create")
            return True
        except FileExistsError:
            pass
        except Exception as exc:
            raise self._failed("write", exc) from None
        # another machine published it first: use its bytes, as cache.put does with a link
        theirs = self.fetch(path)
        if theirs is None or cache.unseal(theirs, path.name) is None:
            with contextlib.suppress(Exception):  # theirs is damaged: ours replaces it
                self.fs.pipe_file(key, data)
            return True
        if theirs == data:
            return True
        cache.atomic_write(path, theirs)
        return False


def open_store(url: str) -> tuple[ObjectStore, Path]:
    """The store ``url`` and this machine's copy of it (made if missing)."""
    root = staging_root(url)
    root.mkdir(parents=True, exist_ok=True)
    return ObjectStore(url, root), root
