"""URL input: pages fetched from a local HTTP server on 127.0.0.1 (no other network), read by
the reader their content type calls for; every failure is one clear line."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

import podcast
from podcast.cli import app
from podcast.errors import InputError
from podcast.models import HEADING
from podcast.text.readers import read_source, registry

PAGE = b"""<!doctype html><html lang="en"><head><title>Site | The River</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>The River Rises</h1>
<p>The river rose four feet overnight and reached the old stone bridge by dawn, surprising
residents who had gone to bed expecting only light rain across the valley.</p>
<h2>Evacuations</h2>
<p>Officials ordered families near the water to leave their homes before noon, and buses
carried people to the school gym, where volunteers served soup and blankets all day long.</p>
</article><footer>Copyright 2024 Example News.</footer></body></html>
"""

POST = b"""+++
title = "Served Markdown"
authors = ["A. Writer"]
+++

A paragraph served as Markdown, with no suffix in its address.

## Part two

The second part.
"""

# path -> (status, content type, body, seconds to wait before answering)
ROUTES: dict[str, tuple[int, str, bytes, float]] = {
    "/news/river": (200, "text/html; charset=utf-8", PAGE, 0),
    "/post": (200, "text/markdown; charset=utf-8", POST, 0),
    "/notes.md": (200, "text/plain; charset=utf-8", POST, 0),
    "/latin1": (
        200,
        "text/plain; charset=ISO-8859-1",
        "Café crème\n\nDéjà vu.\n".encode("latin-1"),
        0,
    ),
    "/report.pdf": (200, "application/pdf", b"%PDF-1.7\n", 0),
    "/broken": (500, "text/html", b"<h1>Internal error</h1>", 0),
    "/slow": (200, "text/html", PAGE, 3.0),
    "/big": (200, "text/plain", b"word " * 4000, 0),
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/old":
            self.send_response(301)
            self.send_header("Location", "/news/river")
            self.end_headers()
            return
        if self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
            return
        if self.path not in ROUTES:
            self.send_error(404, "Not Found")
            return
        status, kind, body, wait_s = ROUTES[self.path]
        time.sleep(wait_s)
        self.send_response(status)
        self.send_header("Content-Type", kind)
        if self.path != "/big":  # /big streams without a length: the limit is counted
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_web_page_is_read_as_html_and_its_url_kept(server: str) -> None:
    article = read_source(f"{server}/news/river")
    assert article.title == "The River Rises"
    assert article.url == f"{server}/news/river" and article.source == f"{server}/news/river"
    assert [b.text for b in article.blocks if b.kind == HEADING] == ["Evacuations"]
    said = " ".join(b.text for b in article.blocks)
    assert "Home" not in said and "Copyright" not in said


def test_redirects_are_followed_and_the_final_address_is_the_url(server: str) -> None:
    assert read_source(f"{server}/old").url == f"{server}/news/river"


@pytest.mark.parametrize("path", ["/post", "/notes.md"])
def test_markdown_by_content_type_or_address_suffix(server: str, path: str) -> None:
    article = read_source(f"{server}{path}")
    assert (article.title, article.author) == ("Served Markdown", "A. Writer")
    assert [b.text for b in article.blocks if b.kind == HEADING] == ["Part two"]


def test_a_declared_legacy_charset_is_honoured(server: str) -> None:
    article = read_source(f"{server}/latin1")
    assert article.title == "Café crème"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing", r"/missing: the server answered 404 Not Found; check the address$"),
        ("/broken", r"/broken: the server answered 500 .*; check the address$"),
        ("/report.pdf", r"/report.pdf: is application/pdf, not a web page or text; give"),
        ("/loop", r"/loop: redirected too often \(more than 5 times\); check the address$"),
    ],
)
def test_each_failure_is_one_clear_line(server: str, path: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        read_source(f"{server}{path}")
    assert "\n" not in str(caught.value)


def test_a_slow_page_times_out(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PODCAST_FETCH_TIMEOUT", "0.5")
    started = time.monotonic()
    with pytest.raises(InputError, match=r"/slow: no answer within 0.5 s; try again later"):
        read_source(f"{server}/slow")
    assert time.monotonic() - started < 2.5


def test_an_oversized_body_is_refused(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "MAX_INPUT_BYTES", 4 * 1024 * 1024)  # keeps the MB wording
    ROUTES["/big"] = (200, "text/plain", b"word " * (1024 * 1024), 0)  # 5 MB, no length
    with pytest.raises(InputError, match=r"/big: larger than 4 MB; save the part you want"):
        read_source(f"{server}/big")


def test_unreachable_hosts_are_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError, match=r"127\.0\.0\.1 refused the connection"):
        read_source("http://127.0.0.1:9/")  # the discard port: nothing listens

    def no_such_host(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)  # no DNS query leaves the machine
    with pytest.raises(InputError, match=r"cannot find the host no-such-host\.invalid; check"):
        read_source("https://no-such-host.invalid/article")


def test_script_from_a_url_carries_it_as_the_source(server: str) -> None:
    plan = podcast.script(f"{server}/news/river")
    assert plan.url == f"{server}/news/river" and plan.title == "The River Rises"
    result = CliRunner().invoke(app, ["script", f"{server}/news/river"])
    assert result.exit_code == 0, result.output
    assert "The River Rises" in result.stdout and "Evacuations" in result.stdout
    failed = CliRunner().invoke(app, ["script", f"{server}/report.pdf"])
    assert failed.exit_code == 1
    (line,) = failed.stderr.splitlines()
    assert line.startswith("error: ") and "application/pdf" in line
