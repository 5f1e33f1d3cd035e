"""``podcast serve`` never serves a dot file or a file outside the site, answers ranges as
RFC 7233 says, and a client that goes away is one line, not a traceback (issue 18).

The last test is a seeded fuzz run: random raw request lines (any bytes, encodings, dot
segments, links) and random headers against a real server on 127.0.0.1; bounded in count and
time, it stops by itself.
"""

from __future__ import annotations

import http.client
import random
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from podcast.publish.serve import serving

STATE = b'{"episodes": {"STATE-MARKER": {}}}'
SECRET = b"SECRET-MARKER outside the site"
AUDIO = bytes(range(256)) * 64  # 16 KiB


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serve")
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    (outside / "index.html").write_bytes(SECRET)
    public = root / "public"
    (public / "ep").mkdir(parents=True)
    (public / "index.html").write_text("<p>the show</p>")
    (public / ".publish-state.json").write_bytes(STATE)
    (public / "ep" / "ep.mp3").write_bytes(AUDIO)
    (public / "ep" / ".episode.json").write_bytes(STATE)
    (public / "ep" / "index.html").write_text("<p>an episode</p>")
    files = public / "files"
    files.mkdir()
    (files / "ok.txt").write_text("fine")
    (files / ".hidden").write_bytes(STATE)
    (files / "out").symlink_to(outside / "secret.txt")
    (files / "outdir").symlink_to(outside, target_is_directory=True)
    (files / "state").symlink_to(public / ".publish-state.json")
    (files / "same.mp3").symlink_to(public / "ep" / "ep.mp3")  # a link inside is fine
    (files / "loop").symlink_to(files / "loop")
    (public / "linked").symlink_to(outside, target_is_directory=True)
    return public


@pytest.fixture(scope="module")
def base(site: Path) -> Iterator[str]:
    with serving(site) as url:
        yield url


def raw_request(base: str, target: bytes, headers: dict[str, str] | None = None,
                method: str = "GET") -> tuple[int, bytes]:  # fmt: skip
    """Send a request line and headers as bytes (no client-side checks); status and body."""
    host, port = base.split("//")[1].rstrip("/").split(":")
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1"]
    lines += [f"{k}: {v}".encode("latin-1") for k, v in (headers or {}).items()]
    lines += [b"Connection: close", b"", b""]
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"\r\n".join(lines))
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        return response.status, response.read()


PATHS = {
    b"/": 200,
    b"/ep/ep.mp3": 200,
    b"/.publish-state.json": 404,
    b"/%2epublish-state.json": 404,
    b"/%2Epublish-state.json": 404,
    b"/%252epublish-state.json": 404,
    b"/ep/%2e%2e/%2epublish-state.json": 404,
    b"/ep/.episode.json": 404,
    b"/ep/%2eepisode.json": 404,
    b"/files/.hidden": 404,
    b"/files/%2ehidden": 404,
    b"/files/ok.txt": 200,
    b"/files/same.mp3": 200,
    b"/files/out": 404,
    b"/files/outdir/secret.txt": 404,
    b"/files/outdir/": 404,
    b"/files/state": 404,
    b"/files/loop": 404,
    b"/linked/": 404,
    b"/linked/index.html": 404,
    b"/../outside/secret.txt": 404,
    b"/%2e%2e/outside/secret.txt": 404,
    b"/ep/ep.mp3%00.txt": 404,
    b"/%ff%fe": 404,
    b"/%ed%a0%80": 404,
    b"/" + b"a" * 5000: 404,
}


@pytest.mark.parametrize("target", list(PATHS), ids=lambda t: t.decode("latin-1")[:40])
def test_no_dot_file_and_nothing_outside_the_site_is_served(base: str, target: bytes) -> None:
    status, body = raw_request(base, target)
    assert status == PATHS[target], body[:200]
    assert b"STATE-MARKER" not in body and b"SECRET-MARKER" not in body


def test_a_listing_shows_no_dot_file_and_no_link_out(base: str) -> None:
    status, body = raw_request(base, b"/files/")
    assert status == 200
    listed = body.decode()
    assert "ok.txt" in listed and "same.mp3" in listed
    for hidden in (".hidden", '"out"', "outdir", '"state"', "loop"):
        assert hidden not in listed, hidden


SIZE = len(AUDIO)
RANGES = [
    ("bytes=0-0", 206, AUDIO[:1]),
    ("bytes=100-199", 206, AUDIO[100:200]),
    ("bytes=-10", 206, AUDIO[-10:]),
    (f"bytes={SIZE - 5}-", 206, AUDIO[-5:]),
    (f"bytes=10-{SIZE * 9}", 206, AUDIO[10:]),
    ("bytes=5-3", 200, AUDIO),  # invalid: ignored (RFC 7233 2.1)
    ("bytes=abc", 200, AUDIO),
    ("bytes=0-1,5-6", 200, AUDIO),  # several ranges: all of it (allowed)
    ("bytes=-", 200, AUDIO),
    ("bytes=" + "9" * 5000 + "-", 200, AUDIO),
    ("chars=0-5", 200, AUDIO),
    (f"bytes={SIZE}-", 416, b""),  # unsatisfiable
    (f"bytes={SIZE + 100}-{SIZE + 200}", 416, b""),
    ("bytes=-0", 416, b""),
]


@pytest.mark.parametrize(("header", "status", "body"), RANGES, ids=[r[0][:20] for r in RANGES])
def test_ranges_follow_rfc_7233(base: str, header: str, status: int, body: bytes) -> None:
    got_status, got = raw_request(base, b"/ep/ep.mp3", {"Range": header})
    assert (got_status, got) == (status, body)


def test_if_range_of_another_version_sends_all(base: str) -> None:
    stale = {"Range": "bytes=0-9", "If-Range": "Wed, 01 Jan 2020 00:00:00 GMT"}
    assert raw_request(base, b"/ep/ep.mp3", stale) == (200, AUDIO)


def test_a_client_that_goes_away_is_one_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "index.html").write_text("x")
    (tmp_path / "big.mp3").write_bytes(b"\0" * (16 << 20))
    with serving(tmp_path) as url:
        host, port = url.split("//")[1].rstrip("/").split(":")
        for _ in range(3):
            sock = socket.create_connection((host, int(port)))
            sock.sendall(b"GET /big.mp3 HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.recv(1024)
            # close with a reset, as a browser dropping a seek does
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        time.sleep(1.0)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err, err
    lines = err.splitlines()
    assert len(lines) == 3 and all(
        line.startswith("serve: 127.0.0.1 went away (") for line in lines
    )


# --- fuzz -----------------------------------------------------------------------------------------

SEGMENTS = [
    "ep", "ep.mp3", "files", "ok.txt", "out", "outdir", "state", "same.mp3", "loop", "linked",
    "index.html", ".publish-state.json", ".episode.json", ".hidden", "..", ".", "", "secret.txt",
    "%2e", "%2e%2e", "%2E%2e", "%252e", "%00", "%ff", "%c0%ae", "%ed%a0%80", "%2f", "%5c", "\\",
    "..%2f", "%2e%2epublish-state.json", "%2epublish-state.json", "caf\xe9", "a" * 300, "?x=1",
    "#frag", ";p", "~", "%", "%%", "%zz", " ", "\t",
]  # fmt: skip
HEADER_VALUES = [
    "bytes=0-0", "bytes=5-3", "bytes=-0", "bytes=-", "bytes=0-", "bytes=99999999999999999999-",
    "bytes=0-1,2-3", "bytes= 1-2", "bytes=1-2 ", "bytes=-99999", "bytes=\xff", "", "x" * 1000,
]  # fmt: skip
HEADER_NAMES = ["Range", "If-Range", "If-Modified-Since", "Accept-Encoding", "Host", "X-Junk"]
FUZZ_REQUESTS = 300
FUZZ_SECONDS = 40.0


def _random_target(rng: random.Random) -> bytes:
    if rng.random() < 0.25:  # the audio, where the ranges apply
        return rng.choice([b"/ep/ep.mp3", b"/files/same.mp3"])
    parts = [rng.choice(SEGMENTS) for _ in range(rng.randint(0, 5))]
    text = "/" + "/".join(parts) + ("/" if rng.random() < 0.2 else "")
    data = text.encode("latin-1")
    if rng.random() < 0.2:  # a random byte anywhere but a line break
        spot = rng.randrange(len(data) + 1)
        byte = rng.choice([b for b in range(256) if b not in (10, 13, 32)])
        data = data[:spot] + bytes([byte]) + data[spot:]
    return data


def test_fuzz_serve_never_fails_leaks_or_prints_a_traceback(
    site: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random(18)
    seen: dict[int, int] = {}
    started = time.monotonic()
    sent = 0
    with serving(site) as url:
        while sent < FUZZ_REQUESTS and time.monotonic() - started < FUZZ_SECONDS:
            sent += 1
            target = _random_target(rng)
            headers = {
                rng.choice(HEADER_NAMES): rng.choice(HEADER_VALUES)
                for _ in range(rng.randint(0, 3))
            }
            method = rng.choice(["GET", "GET", "HEAD"])
            try:
                status, body = raw_request(url, target, headers, method)
            except (http.client.HTTPException, ConnectionError) as exc:
                pytest.fail(f"no answer to {method} {target!r} {headers}: {exc!r}")
            seen[status] = seen.get(status, 0) + 1
            assert status < 500, (target, headers, status)
            assert b"STATE-MARKER" not in body and b"SECRET-MARKER" not in body, (target, headers)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err, err
    assert sent > 50 and seen.get(200, 0) and seen.get(404, 0), seen
    print(f"\nfuzz: {sent} requests in {time.monotonic() - started:.1f}s, statuses {seen}")
