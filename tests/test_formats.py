"""The output-format seam and the one ffmpeg wrapper.

A format defined here (WAV, with its tags in a chunk of its own) is registered with one line and
then drives a real build, ``podcast info`` and ``publish`` exactly as MP3 does: a new format is
one module plus one registry line. Two source checks hold the fences: ffmpeg runs only through
``podcast/audio/ffmpeg.py`` (``toolchain`` only asks its version), and no MP3 literal lives
outside ``podcast/formats/``.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import pytest
from lxml import etree
from typer.testing import CliRunner

from podcast import formats
from podcast.audio import ffmpeg
from podcast.cli import app
from podcast.errors import ConfigError, OutputError
from podcast.formats import EncodedStream, FormatError, ReadTags, Tags
from podcast.models import ChapterMark
from tests.conftest import ROOT

PACKAGE = ROOT / "podcast"

# --- a format a newcomer could write: WAV, 16-bit mono, tags and chapters in a "json" chunk ---


class WavStream:
    def __init__(self, header: bytes, audio_start: int, audio_bytes: int) -> None:
        self.header = header
        self.audio_start = audio_start
        self.audio_bytes = audio_bytes
        self.audio_frames = audio_bytes // 2  # one sample per frame
        self.delay = 0
        self.padding = 0


def _chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """(id, payload start, payload size) of every RIFF chunk."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise FormatError("not a RIFF WAVE stream")
    at = 12
    while at + 8 <= len(data):
        chunk_id, size = data[at : at + 4], struct.unpack("<I", data[at + 4 : at + 8])[0]
        yield chunk_id, at + 8, size
        at += 8 + size + (size & 1)


def _header(rate: int, data_bytes: int, extra: int = 0) -> bytes:
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    return (
        b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + data_bytes + extra) + b"WAVE"
        + b"fmt " + struct.pack("<I", len(fmt)) + fmt
        + b"data" + struct.pack("<I", data_bytes)
    )  # fmt: skip


class WavFormat:
    name = "wav-test"
    suffix = ".wav"
    mime_type = "audio/wav"
    sample_rate = 44_100
    samples_per_frame = 1
    encoder_id = "pcm_s16le"

    def encoder_args(self, bitrate_kbps: int) -> list[str]:
        return ["-c:a", "pcm_s16le", "-fflags", "+bitexact", "-f", "wav"]

    def decoder_args(self) -> list[str]:
        return ["-f", "wav"]

    def scan(self, data: bytes, base: int = 0, sealed: bool = False) -> WavStream:
        for chunk_id, start, size in _chunks(data):
            if chunk_id == b"data":
                if start + size > len(data):
                    raise FormatError("truncated data chunk")
                return WavStream(data[:start], base + start, size)
        raise FormatError("no data chunk")

    def join(
        self, parts: Sequence[tuple[Path, EncodedStream]], out: BinaryIO, content_samples: int
    ) -> None:
        total = sum(stream.audio_bytes for _, stream in parts)
        assert total // 2 == content_samples
        out.write(_header(self.sample_rate, total))
        for path, stream in parts:
            with path.open("rb") as fh:
                fh.seek(stream.audio_start)
                out.write(fh.read(stream.audio_bytes))

    def _layout(self, path: Path) -> tuple[bytes, dict[bytes, tuple[int, int]]]:
        data = path.read_bytes()
        try:
            return data, {cid: (start, size) for cid, start, size in _chunks(data)}
        except FormatError as exc:
            raise OutputError(f"{path.name} is not a readable WAV ({exc})") from exc

    def duration_ms(self, path: Path) -> int:
        _, chunks = self._layout(path)
        return round(chunks[b"data"][1] / 2 * 1000 / self.sample_rate)

    def write_tags(self, path: Path, tags: Tags, chapters: tuple[ChapterMark, ...]) -> None:
        data, chunks = self._layout(path)
        start, size = chunks[b"data"]
        blob = json.dumps(
            {**{k: v for k, v in vars(tags).items() if k != "cover"},
             "chapters": [[c.title, c.start_ms, c.end_ms, c.url] for c in chapters]}
        ).encode()  # fmt: skip
        blob += b" " * (len(blob) & 1)
        tag = b"json" + struct.pack("<I", len(blob)) + blob
        path.write_bytes(
            _header(self.sample_rate, size, len(tag)) + data[start : start + size] + tag
        )

    def warm_up(self) -> None:
        """Nothing to load: its tags are a chunk of JSON."""

    def read_tags(self, path: Path) -> ReadTags:
        data, chunks = self._layout(path)
        start, size = chunks.get(b"json", (0, 0))
        tags = json.loads(data[start : start + size]) if size else {}
        marks = tuple(ChapterMark(*c) for c in tags.get("chapters", []))
        return ReadTags(
            "", tags.get("title", ""), tags.get("artist", ""), tags.get("album", ""),
            tags.get("date", ""), tags.get("genre", ""), tags.get("comment", ""), "", b"",
            marks, tuple(f"chp{i}" for i in range(len(marks))), self.duration_ms(path),
            self.sample_rate, self.sample_rate * 16 // 1000, 1, "CBR",
        )  # fmt: skip


@pytest.fixture
def wav_format() -> Iterator[WavFormat]:
    formats.register(WavFormat())  # the one registry line a new format needs
    yield WavFormat()
    formats.unregister(WavFormat.name)


# --- the registry -------------------------------------------------------------------------------


def test_mp3_is_the_registered_default() -> None:
    mp3 = formats.default()
    assert (mp3.name, mp3.suffix, mp3.mime_type) == ("mp3", ".mp3", "audio/mpeg")
    assert formats.get("mp3") is mp3 and "mp3" in formats.names()
    assert formats.by_suffix(Path("a/b/episode.MP3")) is mp3 and formats.by_suffix(".mp3") is mp3
    assert formats.by_suffix("notes.txt") is None


def test_an_unknown_format_name_is_a_config_error_with_a_hint() -> None:
    with pytest.raises(ConfigError, match=r"did you mean 'mp3'"):
        formats.get("mp4")


def test_a_format_defined_in_a_test_registers_with_one_line(wav_format: WavFormat) -> None:
    assert formats.get("wav-test").suffix == ".wav"
    assert formats.by_suffix("x.wav").mime_type == "audio/wav"
    assert formats.names() == ["m4b", "mp3", "opus", "wav-test"]
    assert formats.default().name == "mp3"  # registering does not change the default


@pytest.fixture(scope="module")
def wav_build(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A real build (espeak-ng, ffmpeg, loudness, tags) in the test's WAV format."""
    from podcast.build.pipeline import BuildOptions, build

    mp = pytest.MonkeyPatch()
    formats.register(WavFormat())
    mp.setattr(formats, "DEFAULT_FORMAT", WavFormat.name)  # the build's format, chosen here
    root = tmp_path_factory.mktemp("wav")
    article = root / "wave.md"
    article.write_text(
        "# Waves\n\n## First\n\nA wave file holds plain samples. It is large.\n\n"
        "## Second\n\nEvery player reads it all the same.\n",
        encoding="utf-8",
    )
    try:
        (episode,) = build([str(article)], BuildOptions(out_dir=root / "episodes"))
    finally:
        mp.undo()
        formats.unregister(WavFormat.name)
    return {"root": root, "episode": episode}


def test_a_build_in_a_new_format_writes_its_file_tags_and_chapters(wav_build: dict) -> None:
    episode = wav_build["episode"]
    audio = episode.directory / episode.audio_name
    assert audio.suffix == ".wav" and audio.read_bytes()[:4] == b"RIFF"
    assert sorted(p.suffix for p in episode.directory.iterdir()).count(".wav") == 1
    tags = WavFormat().read_tags(audio)
    assert tags.title == "Waves"
    titles = [c.title for c in tags.chapters]  # the show's intro and outro around them
    assert titles.index("First") + 1 == titles.index("Second")
    assert tags.chapters == episode.chapters
    # the duration players read is the build's, and ffmpeg decodes as many samples
    assert WavFormat().duration_ms(audio) == episode.duration_ms
    decoded = ffmpeg.read_output(["-i", str(audio), "-f", "s16le", "-"], doing="d", hint="h")
    assert abs(len(decoded) / 2 / 44.1 - episode.duration_ms) <= 1
    report = json.loads((episode.directory / "episode.json").read_text())["loudness"]
    assert report["within_spec"], report


def test_info_reads_a_new_format_through_the_registry(wav_build: dict) -> None:
    formats.register(WavFormat())
    try:
        episode = wav_build["episode"]
        result = CliRunner().invoke(
            app, ["info", str(episode.directory / episode.audio_name), "--json"]
        )
    finally:
        formats.unregister(WavFormat.name)
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["title"] == "Waves" and info["duration_ms"] == episode.duration_ms
    assert [c["title"] for c in info["chapters"]] == [c.title for c in episode.chapters]
    assert info["audio"]["sample_rate"] == 44_100
    assert abs(info["loudness"]["integrated_lufs"] + 16.0) <= 1.0


def test_publish_announces_a_new_format_from_the_registry(wav_build: dict) -> None:
    from podcast.config.show import load_show
    from podcast.publish.site import ascii_slug, publish_site

    formats.register(WavFormat())
    try:
        site = wav_build["root"] / "public"
        base = "https://example.org/show/"
        publish_site(wav_build["root"] / "episodes", site, load_show(None, ROOT), base)
    finally:
        formats.unregister(WavFormat.name)
    slug = ascii_slug(wav_build["episode"].slug)
    enclosure = etree.parse(str(site / "feed.xml")).find(".//item/enclosure")
    assert enclosure is not None
    assert enclosure.get("type") == "audio/wav"
    assert enclosure.get("url") == f"{base}{slug}/{slug}.wav"
    assert (site / slug / f"{slug}.wav").is_file()
    page = (site / slug / "index.html").read_text(encoding="utf-8")
    assert f'<audio id="player" controls preload="metadata" src="{slug}.wav">' in page


# --- fences in the source ---------------------------------------------------------------------

_RUNNERS = {"subprocess", "pty", "asyncio.subprocess"}
_OS_RUNNERS = re.compile(r"^(system|popen|exec\w*|spawn\w*|posix_spawn\w*|fork\w*)$")
_FFMPEG_MODULES = {"audio/ffmpeg.py", "toolchain.py"}


def _strings(tree: ast.AST) -> Iterator[str]:
    """Every string literal of a module but its docstrings."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            yield node.value


def _ffmpeg_runs(source: str) -> list[str]:
    """Why a module (not the wrapper) could be running ffmpeg itself: it starts processes and
    mentions ffmpeg, or toolchain-style discovery runs ffmpeg for more than ``-version``."""
    tree = ast.parse(source)
    starts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names]
            starts += [f"line {node.lineno}: imports {n}" for n in names if n in _RUNNERS]
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and _OS_RUNNERS.match(node.attr)
        ):
            starts.append(f"line {node.lineno}: os.{node.attr}")
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    mentions = any("ffmpeg" in s.lower() for s in _strings(tree)) or any(
        "ffmpeg" in n.lower() for n in names
    )
    return starts if mentions else []


@pytest.mark.parametrize(
    "module",
    sorted(
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if p.relative_to(PACKAGE).as_posix() not in _FFMPEG_MODULES
    ),
)
def test_ffmpeg_runs_only_through_the_wrapper(module: str) -> None:
    assert _ffmpeg_runs((PACKAGE / module).read_text(encoding="utf-8")) == []


def test_toolchain_runs_ffmpeg_only_to_ask_its_version() -> None:
    tree = ast.parse((PACKAGE / "toolchain.py").read_text(encoding="utf-8"))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "subprocess"
        and node.func.attr != "TimeoutExpired"
    ]
    assert calls, "toolchain asks ffmpeg its version"
    for call in calls:
        assert "'-version'" in ast.unparse(call.args[0]), ast.unparse(call)


def test_the_ffmpeg_fence_can_fail() -> None:
    sneaky = "import subprocess\nfrom podcast import toolchain\n" \
        "subprocess.run([toolchain.find_ffmpeg().path, '-i', 'x'])\n"  # fmt: skip
    assert _ffmpeg_runs(sneaky) == ["line 1: imports subprocess"]
    assert _ffmpeg_runs("import os\nos.execvp('ffmpeg', ['ffmpeg'])\n") != []
    # other programs may be run (an engine's binary), as long as ffmpeg is not
    assert _ffmpeg_runs("import subprocess\nsubprocess.run(['espeak-ng', '-q', 'x'])\n") == []


_FORMAT_LITERALS = re.compile(r"\.mp3\b|audio/mpeg|libmp3lame", re.IGNORECASE)


def _format_literals(source: str) -> list[str]:
    return [s for s in _strings(ast.parse(source)) if _FORMAT_LITERALS.search(s)]


@pytest.mark.parametrize(
    "module",
    sorted(
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if not p.relative_to(PACKAGE).as_posix().startswith("formats/")
    ),
)
def test_no_mp3_literal_outside_formats(module: str) -> None:
    """Suffix, MIME type and encoder come from the format registry (``podcast.formats``)."""
    assert _format_literals((PACKAGE / module).read_text(encoding="utf-8")) == []


def test_the_literal_fence_can_fail() -> None:
    bad = (
        '"""Docstrings may say episode.mp3."""\n'
        'name = f"{slug}.mp3"\nfound = folder.glob("*.mp3")\nmime = "audio/mpeg"\n'
    )
    assert sorted(_format_literals(bad)) == ["*.mp3", ".mp3", "audio/mpeg"]


# --- the wrapper ---------------------------------------------------------------------------------


def test_every_ffmpeg_failure_is_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "nothing here.wav"
    with pytest.raises(ffmpeg.FfmpegError) as failed:
        ffmpeg.run(["-i", str(missing), "-f", "null", "-"], doing="read it", hint="check it")
    message = str(failed.value)
    assert message.startswith("ffmpeg could not read it (") and message.endswith("); check it")
    assert "No such file or directory" in message and "\n" not in message
    assert "[error]" not in message and "[fatal]" not in message and " @ 0x" not in message
    assert isinstance(failed.value, OutputError)  # the CLI prints it as one line, exit 1


def test_the_wrapper_feeds_stdin_and_reads_stdout() -> None:
    tone = struct.pack("<4h", 1000, -1000, 1000, -1000) * 2205  # 0.4 s at 22.05 kHz
    log = ffmpeg.run(
        ["-f", "s16le", "-ar", "22050", "-ac", "1", "-i", "pipe:0", "-f", "null", "-"],
        doing="decode", hint="h", feed=[tone[:1000], tone[1000:]], log_level="info",
    )  # fmt: skip
    assert "[info]" in log  # every line carries its level
    decoded = ffmpeg.read_output(
        ["-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "0.5", "-f", "s16le", "-"],
        doing="make silence", hint="h",
    )  # fmt: skip
    assert decoded == bytes(8000)


def test_the_wrapper_streams_through_ffmpeg_in_pieces_and_fails_on_one_line() -> None:
    tone = struct.pack("<4h", 1000, -1000, 1000, -1000) * 22050  # 4 s at 22.05 kHz
    pieces: list[bytes] = []
    ffmpeg.stream(
        ["-f", "s16le", "-ar", "22050", "-ac", "1", "-i", "pipe:0", "-af", "volume=2",
         "-f", "s16le", "-"],
        doing="double it", hint="h", feed=[tone[:5000], tone[5000:]], read=pieces.append,
        piece_bytes=4096,
    )  # fmt: skip
    assert len(pieces) > 2 and max(map(len, pieces)) <= 4096  # handed on as it came
    assert b"".join(pieces) == struct.pack("<4h", 2000, -2000, 2000, -2000) * 22050
    # ffmpeg that fails: one clear line, and the feeding thread does not hang on a full pipe
    with pytest.raises(ffmpeg.FfmpegError) as failed:
        ffmpeg.stream(
            ["-f", "s16le", "-ar", "22050", "-ac", "1", "-i", "pipe:0", "-af", "nosuchfilter",
             "-f", "s16le", "-"],
            doing="filter it", hint="check it", feed=[tone] * 50, read=pieces.append,
        )  # fmt: skip
    assert str(failed.value).startswith("ffmpeg could not filter it (")
    assert "\n" not in str(failed.value)

    def broken() -> Iterator[bytes]:  # what feeds it fails: that error, ffmpeg stopped
        yield tone
        raise OSError("the chunk could not be read")

    with pytest.raises(OSError, match="could not be read"):
        ffmpeg.stream(
            ["-f", "s16le", "-ar", "22050", "-ac", "1", "-i", "pipe:0", "-f", "s16le", "-"],
            doing="copy it", hint="h", feed=broken(), read=pieces.append,
        )  # fmt: skip


def test_a_small_ffmpeg_binary_is_asked_its_version_without_running_it(tmp_path: Path) -> None:
    """A distribution's ffmpeg (a small program on shared libraries) costs 0.1-0.3 CPU-s to
    start; its banner literal gives the same version as running ``ffmpeg -version``."""
    from podcast import toolchain

    system = shutil.which("ffmpeg")
    if system is None or os.path.getsize(system) > 4 * 1024 * 1024:
        pytest.skip("no system ffmpeg built as a small program here")
    assert toolchain._banner_version(system) == toolchain._run_ffmpeg_version(system)
    other = tmp_path / "ffmpeg"
    other.write_bytes(b"\x7fELF... no banner here %s versio")
    assert toolchain._banner_version(str(other)) is None
    # a banner literal is found wherever it sits, NUL- or space-terminated
    other.write_bytes(b"\0" * 100 + b"%s version 6.1.1-3ubuntu5\0" + b"\0" * 10)
    assert toolchain._banner_version(str(other)) == "6.1.1-3ubuntu5"
