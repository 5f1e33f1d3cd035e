"""Legacy encodings: a Windows-1252 or Latin-1 file is read right and the encoding is said on
stderr once; junk, mixed and unclear encodings are refused with one clear line."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from podcast.errors import InputError
from podcast.text.readers.decode import decode

ROOT = Path(__file__).parent.parent
CORPUS = ROOT / "benchmarks" / "corpus" / "texts"

CP1252 = (
    "Le café de l’été\n\n"
    "« Un café coûte 2 € », dit-elle — c’est “cher” pour un crème brûlé à Noël.\n"
)
LATIN1 = "Über die Brücke\n\nDer Bäcker öffnete früh; die Straße war still und naß.\n"


@pytest.mark.parametrize(
    ("data", "text", "said"),
    [
        pytest.param(CP1252.encode("cp1252"), CP1252, "windows-1252", id="cp1252-quotes-euro"),
        pytest.param(LATIN1.encode("latin-1"), LATIN1, "ISO-8859-1", id="latin-1"),
        pytest.param("Café crème".encode("latin-1"), "Café crème", "ISO-8859-1", id="short"),
    ],
)
def test_legacy_encodings_are_read_right_and_said(
    data: bytes, text: str, said: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="podcast"):
        assert decode(data, "a.txt") == text
    assert [r.getMessage() for r in caplog.records] == [f"read a.txt as {said} (not UTF-8)"]


def test_utf8_says_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="podcast"):
        assert decode(CP1252.encode("utf-8"), "a.txt") == CP1252
    assert caplog.records == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            bytes(range(1, 256)) * 8,
            "a.txt: looks like a binary file, not text; give an article file",
            id="binary-junk",
        ),
        pytest.param(
            "Café ".encode() + "crème".encode("latin-1"),
            "a.txt: mixes UTF-8 with another encoding (byte 8); re-save the file as UTF-8",
            id="mixed",
        ),
        pytest.param(
            b"Caf\x81\x8d\x90\x9d cr\x8fme\n",
            "a.txt: not valid UTF-8 (byte 3) and its encoding is unclear; "
            "re-save the file as UTF-8",
            id="unclear",
        ),
    ],
)
def test_unsure_decoding_is_refused_clearly(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as caught:
        decode(data, "a.txt")
    assert str(caught.value) == message


def test_the_cli_says_the_encoding_once_on_stderr(tmp_path: Path) -> None:
    """The real Latin-1 Gutenberg book, through the command line: the French text comes out
    right and stderr holds the one line saying how it was read."""
    book = tmp_path / "entre-nous.txt"
    book.write_bytes((CORPUS / "33_entre-nous-fr-latin1.txt").read_bytes())
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PODCAST_HOME": str(tmp_path),
        "PODCAST_CACHE_DIR": str(tmp_path / "cache"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "podcast", "script", str(book)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [f"read {book} as ISO-8859-1 (not UTF-8)"]
    assert "Préface" in result.stdout and "à l'usage" not in result.stdout  # title page listed
    assert "Ã" not in result.stdout and "\ufffd" not in result.stdout
