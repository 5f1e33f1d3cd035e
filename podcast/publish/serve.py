"""``podcast serve``: the published site on localhost, with HEAD and byte ranges.

Players seek in an episode's audio by asking for byte ranges (``Range: bytes=N-``); Python's own
``http.server`` ignores them, so seeking would not work as it will on a real host. This handler
answers ``206 Partial Content`` for one range, ``416`` for a range past the end, and serves the
podcast types (the output formats, VTT, SRT, JSON chapters) with their MIME types. Dot files (the publish state) are
not served.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from podcast import formats
from podcast.errors import InputError, OutputError

DEFAULT_PORT = 8000
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
EXTRA_TYPES = {
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/rss+xml; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


class RangeRequestHandler(SimpleHTTPRequestHandler):
    """Static files with single byte ranges, HEAD, and no dot files."""

    extensions_map = {  # noqa: RUF012 - the stdlib's instance attribute, replaced per class
        **SimpleHTTPRequestHandler.extensions_map,
        **EXTRA_TYPES,
    }

    def guess_type(self, path: Any) -> str:
        # every registered output format, as the feed announces it
        output_format = formats.by_suffix(str(path))
        return output_format.mime_type if output_format else super().guess_type(path)

    def log_message(self, format: str, *args: Any) -> None:
        if os.environ.get("PODCAST_SERVE_LOG"):
            super().log_message(format, *args)

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def send_head(self) -> Any:
        if any(part.startswith(".") for part in self.path.split("?")[0].split("/") if part):
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        header = self.headers.get("Range")
        path = Path(self.translate_path(self.path))
        if not header or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        match = _RANGE.match(header.strip())
        if not match or match.groups() == ("", ""):
            return super().send_head()  # not a single byte range: send it all (allowed)
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        else:  # "bytes=-N": the last N bytes
            start, end = max(0, size - int(last)), size - 1
        if start >= size or start > end:
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        handle = path.open("rb")
        handle.seek(start)
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Last-Modified", self.date_time_string(int(path.stat().st_mtime)))
        self.end_headers()
        self._range_left: int | None = end - start + 1
        return handle

    def copyfile(self, source: Any, outputfile: Any) -> None:
        left = getattr(self, "_range_left", None)
        if left is None:
            shutil.copyfileobj(source, outputfile)
            return
        while left > 0:
            block = source.read(min(left, 64 * 1024))
            if not block:
                break
            outputfile.write(block)
            left -= len(block)
        self._range_left = None


def make_server(
    site: Path, port: int = DEFAULT_PORT, host: str = "127.0.0.1"
) -> ThreadingHTTPServer:
    """A server for ``site`` (not started); port 0 picks a free port."""
    if not (site / "index.html").is_file():
        raise InputError(f"{site} has no index.html; run 'podcast publish' first")
    handler = functools.partial(RangeRequestHandler, directory=str(site))
    try:
        return ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise OutputError(f"cannot listen on {host}:{port} ({exc.strerror}); try --port") from exc


@contextlib.contextmanager
def serving(site: Path, port: int = 0) -> Iterator[str]:
    """Serve ``site`` in a background thread; yields the base URL."""
    server = make_server(site, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
