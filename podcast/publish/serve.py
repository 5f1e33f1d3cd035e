"""``podcast serve``: the published site on localhost, with HEAD and byte ranges.

Players seek in an episode's audio by asking for byte ranges (``Range: bytes=N-``); Python's own
``http.server`` ignores them, so seeking would not work as it will on a real host. This handler
answers ``206 Partial Content`` for one range, ``416`` for a range past the end, and serves the
podcast types (the output formats, VTT, SRT, JSON chapters) with their MIME types.

A range whose end is before its start is invalid and ignored (RFC 7233: the whole file, 200);
one that starts past the end is unsatisfiable (416). ``If-Range`` holds the range only for the
version the client has: a strong ETag that matches (every file is sent with one, made of its
size and modification time) or a date equal to its Last-Modified; a weak ETag or anything else
gets the whole file (RFC 7233 3.2). ``chapters.json`` is ``application/json+chapters``, and
chapters and transcripts carry ``Access-Control-Allow-Origin: *`` (browser players on other
sites fetch them; the Podcasting 2.0 spec asks for it). Dot files (the publish state) are never
served or listed, whatever the encoding of the path (every segment is checked after decoding),
and nothing outside the site is served, also through a symbolic link inside it. A client that
drops its connection (browsers do when seeking) is one line on stderr, not a traceback.
"""

from __future__ import annotations

import contextlib
import functools
import html
import io
import os
import re
import shutil
import sys
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from podcast import formats
from podcast.errors import InputError, OutputError

DEFAULT_PORT = 8000
CLIENT_TIMEOUT_S = 60
# One range; positions past 19 digits (10 EB) are no file's, so such a header is ignored.
_RANGE = re.compile(r"^bytes=(\d{0,19})-(\d{0,19})$")
CORS_FILES = ("chapters.json", "transcript.vtt", "transcript.srt", "transcript.json")
EXTRA_TYPES = {
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/rss+xml; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


class RangeRequestHandler(SimpleHTTPRequestHandler):
    """Static files with single byte ranges and HEAD; no dot file, nothing outside the site."""

    extensions_map = {  # noqa: RUF012 - the stdlib's instance attribute, replaced per class
        **SimpleHTTPRequestHandler.extensions_map,
        **EXTRA_TYPES,
    }
    timeout = CLIENT_TIMEOUT_S  # a client that stops sending frees its thread

    def guess_type(self, path: Any) -> str:
        if os.path.basename(str(path)) == "chapters.json":
            return "application/json+chapters"
        # every registered output format, as the feed announces it
        output_format = formats.by_suffix(str(path))
        return output_format.mime_type if output_format else super().guess_type(path)

    def log_message(self, format: str, *args: Any) -> None:
        if os.environ.get("PODCAST_SERVE_LOG"):
            super().log_message(format, *args)

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        etag = getattr(self, "_etag", None)
        if etag:
            self.send_header("ETag", etag)
        name = getattr(self, "path", "").split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1]
        if name in CORS_FILES:
            self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def _tag(self, path: Path) -> str | None:
        """A strong ETag of the file: its size and modification time (ns)."""
        try:
            info = path.stat()
        except OSError:
            return None
        return f'"{info.st_size:x}-{info.st_mtime_ns:x}"'

    def _root(self) -> Path:
        return Path(self.directory).resolve()

    def _inside(self, path: Path) -> bool:
        """``path``, all links followed, is in the site and no part of it is a dot name."""
        try:
            real = path.resolve()
        except (OSError, RuntimeError, ValueError):  # a link loop, an unencodable name
            return False
        root = self._root()
        if real != root and not real.is_relative_to(root):
            return False
        return not any(part.startswith(".") for part in real.relative_to(root).parts)

    def _checked_path(self) -> Path | None:
        """The file or folder asked for, or None when it must not be served: any segment of
        the *decoded* path that is a dot name (``/%2epublish-state.json``), a NUL, or a
        path that leads out of the site through a link."""
        raw = self.path.split("?", 1)[0].split("#", 1)[0]
        try:
            decoded = unquote(raw, errors="surrogatepass")
        except UnicodeDecodeError:  # as the stdlib's translate_path does
            decoded = unquote(raw)
        if "\x00" in decoded or any(s.startswith(".") for s in decoded.split("/") if s):
            return None
        path = Path(self.translate_path(self.path))
        if not self._inside(path):
            return None
        if os.path.isdir(path):
            for index in ("index.html", "index.htm"):
                if os.path.lexists(path / index):
                    return path if self._inside(path / index) else None
        return path

    def send_head(self) -> Any:
        self._etag: str | None = None
        path = self._checked_path()
        if path is None:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        if os.path.isfile(path):
            self._etag = self._tag(path)
        header = self.headers.get("Range")
        if not header or not os.path.isfile(path) or not self._range_applies(path):
            return super().send_head()
        try:
            size = path.stat().st_size
        except OSError:
            return super().send_head()
        match = _RANGE.match(header.strip())
        if not match or match.groups() == ("", ""):
            return super().send_head()  # not one byte range: send it all (RFC 7233 allows it)
        first, last = match.groups()
        if first and last and int(last) < int(first):
            return super().send_head()  # an invalid range is ignored (RFC 7233 2.1): all of it
        if first:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        else:  # "bytes=-N": the last N bytes
            start, end = max(0, size - int(last)), size - 1
        if start >= size or end < start:  # past the end, or "bytes=-0": unsatisfiable
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        try:
            handle = path.open("rb")
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        handle.seek(start)
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header(
            "Last-Modified", self.date_time_string(int(os.fstat(handle.fileno()).st_mtime))
        )
        self.end_headers()
        self._range_left: int | None = end - start + 1
        return handle

    def _range_applies(self, path: Path) -> bool:
        """``If-Range``: the range holds only for the version the client has (by date)."""
        if_range = self.headers.get("If-Range")
        if if_range is None:
            return True
        if_range = if_range.strip()
        if if_range.startswith(("W/", '"')):  # an entity tag: only a strong one that matches
            return if_range == self._tag(path)
        try:
            return if_range == self.date_time_string(int(path.stat().st_mtime))
        except OSError:
            return False

    def list_directory(self, path: Any) -> Any:
        """A folder's listing without dot files and without links that lead out of the site."""
        folder = Path(path)
        try:
            names = sorted(os.listdir(folder), key=str.lower)
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "No permission to list directory")
            return None
        items = []
        for name in names:
            entry = folder / name
            if name.startswith(".") or not self._inside(entry):
                continue
            shown = f"{name}/" if entry.is_dir() else name
            items.append(
                f'<li><a href="{quote(shown, errors="surrogatepass")}">'
                f"{html.escape(shown, quote=False)}</a></li>"
            )
        title = html.escape(unquote(self.path.split("?", 1)[0], errors="replace"), quote=False)
        page = (
            f'<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
            f"<title>Index of {title}</title></head>\n<body>\n<h1>Index of {title}</h1>\n"
            f"<ul>\n{chr(10).join(items)}\n</ul>\n</body>\n</html>\n"
        ).encode("utf-8", "surrogateescape")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        return io.BytesIO(page)

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


class SiteServer(ThreadingHTTPServer):
    """The threading server, with one line (not a traceback) for a client that went away."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            sys.stderr.write(f"serve: {client_address[0]} went away ({reason})\n")
            return
        super().handle_error(request, client_address)


def make_server(
    site: Path, port: int = DEFAULT_PORT, host: str = "127.0.0.1"
) -> ThreadingHTTPServer:
    """A server for ``site`` (not started); port 0 picks a free port."""
    if not (site / "index.html").is_file():
        raise InputError(f"{site} has no index.html; run 'podcast publish' first")
    handler = functools.partial(RangeRequestHandler, directory=str(site))
    try:
        return SiteServer((host, port), handler)
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
