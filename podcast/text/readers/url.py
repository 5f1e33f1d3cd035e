"""Fetching an article the user named by its web address (``http://`` or ``https://``).

The standard library's HTTP client (urllib; its only home), so no new dependency: redirects
followed (at most ``MAX_REDIRECTS``), one deadline for the whole fetch (connect and read,
``PODCAST_FETCH_TIMEOUT`` seconds, default 20), a size limit, and the content type checked
(web pages, plain text, Markdown and EPUB; anything else is refused, naming its type). Each
failure is one :class:`InputError` line saying what went wrong and what to do.

The bytes then go through the same reader pick as a file's; the content type stands in for a
file suffix (``text/html`` is read as HTML even at ``https://example.org/news/``).
"""

from __future__ import annotations

import os
import re
import socket
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from podcast.errors import InputError
from podcast.version import __version__

DEFAULT_TIMEOUT_S = 20.0
TIMEOUT_ENV = "PODCAST_FETCH_TIMEOUT"
MAX_REDIRECTS = 5
_CHUNK_BYTES = 64 * 1024

# Content types an article may have, and the suffix standing in for a file name's.
CONTENT_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".xhtml",
    "text/plain": "",  # raw Markdown is often served as text/plain: the URL's suffix decides
    "text/markdown": ".md",
    "text/x-markdown": ".md",
    "application/epub+zip": ".epub",
}


@dataclass(frozen=True)
class Fetched:
    """A fetched page: its bytes, the address it was found at (after redirects), its content
    type (lower case, no parameters) and the suffix standing in for a file name's."""

    data: bytes
    url: str
    content_type: str
    suffix: str


def timeout_s() -> float:
    """The deadline for one fetch: ``PODCAST_FETCH_TIMEOUT`` seconds, else 20."""
    value = os.environ.get(TIMEOUT_ENV, "")
    try:
        return max(0.1, float(value)) if value.strip() else DEFAULT_TIMEOUT_S
    except ValueError:
        raise InputError(
            f"{TIMEOUT_ENV}={value!r} is not a number of seconds; set it to e.g. 20"
        ) from None


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS


def fetch(url: str, max_bytes: int, timeout: float | None = None) -> Fetched:
    """GET ``url`` (at most ``max_bytes`` of body) within ``timeout`` seconds in all."""
    limit_s = timeout_s() if timeout is None else timeout
    deadline = time.monotonic() + limit_s
    host = urlsplit(url).hostname or ""
    if not host:
        raise InputError(f"{url}: not a web address with a host; check the address")
    opener = urllib.request.build_opener(_Redirects)
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": f"podcast/{__version__} (article reader)",
            "Accept": "text/html,application/xhtml+xml,text/markdown,text/plain;q=0.9,*/*;q=0.1",
        },
    )
    try:
        with opener.open(request, timeout=limit_s) as response:
            final = response.geturl() or url
            content_type = (response.headers.get_content_type() or "").lower()
            declared = response.headers.get("Content-Type")
            if declared and content_type not in CONTENT_TYPES:
                raise InputError(
                    f"{url}: is {content_type}, not a web page or text; give the address of "
                    "an HTML page, a text or Markdown file or an EPUB"
                )
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise _too_large(url, max_bytes)
            data = _read(response, url, max_bytes, deadline, limit_s)
            charset = response.headers.get_content_charset()
    except InputError:
        raise
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            raise InputError(
                f"{url}: redirected too often (more than {MAX_REDIRECTS} times); check the address"
            ) from None
        reason = str(exc.reason).splitlines()[0] if str(exc.reason).strip() else ""
        raise InputError(
            f"{url}: the server answered {exc.code} {reason}; check the address".replace("  ", " ")
        ) from None
    except urllib.error.URLError as exc:
        raise _failure(url, host, exc.reason, limit_s) from None
    except TimeoutError as exc:
        raise _failure(url, host, exc, limit_s) from None
    except (OSError, ValueError) as exc:  # a dropped connection, a malformed answer
        raise InputError(
            f"{url}: could not be fetched ({exc}); check the address and try again"
        ) from None
    if not declared:
        content_type = ""
    suffix = _suffix(final, content_type)
    return Fetched(_as_utf8(data, charset, content_type), final, content_type, suffix)


def _read(response: Any, url: str, max_bytes: int, deadline: float, limit_s: float) -> bytes:
    """The body, in chunks, refused once past ``max_bytes`` or the deadline."""
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError
        chunk = response.read(_CHUNK_BYTES)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(url, max_bytes)
        chunks.append(chunk)


def _too_large(url: str, max_bytes: int) -> InputError:
    return InputError(
        f"{url}: larger than {max_bytes // (1024 * 1024)} MB; save the part you want "
        "and give the file"
    )


def _failure(url: str, host: str, reason: object, limit_s: float) -> InputError:
    if isinstance(reason, socket.gaierror):
        return InputError(
            f"{url}: cannot find the host {host}; check the address and your connection"
        )
    if isinstance(reason, ConnectionRefusedError):
        return InputError(f"{url}: {host} refused the connection; check the address")
    if isinstance(reason, (TimeoutError, socket.timeout)) or "timed out" in str(reason):
        return InputError(
            f"{url}: no answer within {limit_s:g} s; try again later, or save the page "
            "and give the file"
        )
    if isinstance(reason, ssl.SSLError):
        return InputError(f"{url}: secure connection failed ({reason}); check the address")
    return InputError(f"{url}: could not be fetched ({reason}); check the address")


def _suffix(url: str, content_type: str) -> str:
    """The suffix a reader is picked by: the content type's, else the address's own."""
    suffix = CONTENT_TYPES.get(content_type, "")
    if suffix:
        return suffix
    match = re.search(r"(\.[A-Za-z0-9]{1,9})$", urlsplit(url).path)
    return match.group(1).lower() if match else ""


def _as_utf8(data: bytes, charset: str | None, content_type: str) -> bytes:
    """A text body in a declared legacy charset (``ISO-8859-1``) re-encoded as UTF-8, so the
    readers see what the server said it sent; anything else as it came."""
    if not charset or not content_type.startswith("text/"):
        return data
    charset = charset.lower()
    if charset.replace("-", "").replace("_", "") in ("utf8", "usascii", "ascii"):
        return data
    if charset.startswith("utf-16") or charset.startswith("utf16"):
        return data  # the decoder reads UTF-16 itself
    try:
        return data.decode(charset).encode("utf-8")
    except (LookupError, UnicodeDecodeError):
        return data
