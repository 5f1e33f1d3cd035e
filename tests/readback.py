"""Independent readers for what we wrote: they share no code with the package's writers.

- ``ffprobe_chapters``: chapters as ffmpeg sees them (ffprobe when installed, else ffmpeg's
  ffmetadata dump, which uses the same demuxer).
- ``parse_id3``: a strict, spec-literal ID3v2.3 parser (mutagen is too lenient to catch
  broken frame sizes); it returns frames in file order, sub-frames included.
- ``mp3_stream``: the first MPEG audio frame header and the Xing/Info tag.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from podcast.toolchain import find_ffmpeg


@dataclass
class Chapter:
    start_ms: int
    end_ms: int
    title: str


def ffprobe_chapters(path: Path) -> list[Chapter]:
    ffprobe = shutil.which("ffprobe")
    if ffprobe:
        out = subprocess.run(
            [ffprobe, "-v", "error", "-show_chapters", "-of", "json", str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return [
            Chapter(
                round(float(c["start_time"]) * 1000),
                round(float(c["end_time"]) * 1000),
                c.get("tags", {}).get("title", ""),
            )
            for c in json.loads(out)["chapters"]
        ]
    out = subprocess.run(
        [find_ffmpeg().path, "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_ffmetadata(out)


def parse_ffmetadata(text: str) -> list[Chapter]:
    chapters: list[Chapter] = []
    for section in text.split("[CHAPTER]")[1:]:
        values = dict(line.split("=", 1) for line in section.strip().splitlines() if "=" in line)
        num, den = (int(x) for x in values.get("TIMEBASE", "1/1000000000").split("/"))
        to_ms = 1000 * num / den
        chapters.append(
            Chapter(
                round(int(values["START"]) * to_ms),
                round(int(values["END"]) * to_ms),
                re.sub(r"\\(.)", r"\1", values.get("title", "")),
            )
        )
    return chapters


def ffmpeg_duration_ms(path: Path) -> int:
    err = subprocess.run(
        [find_ffmpeg().path, "-hide_banner", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
    ).stderr
    times = re.findall(r"time=(\d+):(\d+):(\d+\.\d+)", err)
    h, m, s = times[-1]
    return round((int(h) * 3600 + int(m) * 60 + float(s)) * 1000)


def decode_pcm(path: Path, rate: int = 8000) -> bytes:
    """The MP3 decoded to mono 16-bit PCM at ``rate`` by ffmpeg."""
    return subprocess.run(
        [
            find_ffmpeg().path,
            "-v",
            "error",
            "-i",
            str(path),
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            str(rate),
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout


@dataclass
class Frame:
    id: str
    data: bytes
    sub_frames: list[Frame] = field(default_factory=list)


@dataclass
class Id3Tag:
    major: int
    size: int
    frames: list[Frame]


def _frames(data: bytes) -> list[Frame]:
    frames: list[Frame] = []
    pos = 0
    while pos + 10 <= len(data) and data[pos] != 0:
        frame_id = data[pos : pos + 4].decode("latin-1")
        if not re.fullmatch(r"[A-Z0-9]{4}", frame_id):
            raise ValueError(f"bad frame id {frame_id!r} at {pos}")
        (size,) = struct.unpack(">I", data[pos + 4 : pos + 8])  # v2.3: plain 32-bit
        body = data[pos + 10 : pos + 10 + size]
        if len(body) != size:
            raise ValueError(f"frame {frame_id} overruns the tag")
        frame = Frame(frame_id, body)
        if frame_id == "CHAP":
            end = body.index(b"\x00") + 1 + 16
            frame.sub_frames = _frames(body[end:])
        elif frame_id == "CTOC":
            end = body.index(b"\x00") + 1
            count = body[end + 1]
            cursor = end + 2
            for _ in range(count):
                cursor = body.index(b"\x00", cursor) + 1
            frame.sub_frames = _frames(body[cursor:])
        frames.append(frame)
        pos += 10 + size
    return frames


def parse_id3(path: Path) -> Id3Tag:
    raw = path.read_bytes()
    if raw[:3] != b"ID3":
        raise ValueError("no ID3v2 tag at the start of the file")
    major, _rev, flags = raw[3], raw[4], raw[5]
    if flags & 0x80:
        raise ValueError("unsynchronised tags are not read by AntennaPod; never write them")
    size = 0
    for byte in raw[6:10]:
        if byte & 0x80:
            raise ValueError("tag size is not syncsafe")
        size = (size << 7) | byte
    return Id3Tag(major, size, _frames(raw[10 : 10 + size]))


def chap_fields(frame: Frame) -> tuple[str, int, int, int, int]:
    element_end = frame.data.index(b"\x00")
    element_id = frame.data[:element_end].decode("latin-1")
    start, end, off_start, off_end = struct.unpack(
        ">IIII", frame.data[element_end + 1 : element_end + 17]
    )
    return element_id, start, end, off_start, off_end


def ctoc_fields(frame: Frame) -> tuple[str, int, list[str]]:
    element_end = frame.data.index(b"\x00")
    element_id = frame.data[:element_end].decode("latin-1")
    flags, count = frame.data[element_end + 1], frame.data[element_end + 2]
    children, cursor = [], element_end + 3
    for _ in range(count):
        nul = frame.data.index(b"\x00", cursor)
        children.append(frame.data[cursor:nul].decode("latin-1"))
        cursor = nul + 1
    return element_id, flags, children


def text_frame(frame: Frame) -> str:
    encoding, body = frame.data[0], frame.data[1:]
    if encoding == 0:
        return body.decode("latin-1").rstrip("\x00")
    if encoding == 1:
        return body.decode("utf-16").rstrip("\x00")
    raise ValueError(f"text encoding {encoding} is not allowed in ID3v2.3")


def comment_frame(frame: Frame) -> str:
    """COMM: encoding, 3-byte language, description, NUL, text."""
    encoding, body = frame.data[0], frame.data[4:]
    if encoding == 0:
        return body.split(b"\x00", 1)[1].decode("latin-1")
    description_end = body.index(b"\x00\x00")
    while description_end % 2:
        description_end = body.index(b"\x00\x00", description_end + 1)
    return body[description_end + 2 :].decode("utf-16").rstrip("\x00")


@dataclass
class StreamInfo:
    mpeg_version: str
    layer: int
    bitrate_kbps: int
    sample_rate: int
    channels: int
    xing_tag: str


_BITRATES_V1_L3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
_RATES_V1 = [44100, 48000, 32000]


def _audio_start(raw: bytes) -> int:
    """Offset of the first byte after the ID3v2 tag (0 without one)."""
    if raw[:3] != b"ID3":
        return 0
    size = 0
    for byte in raw[6:10]:
        size = (size << 7) | byte
    return 10 + size


def mp3_stream(path: Path) -> StreamInfo:
    """Read the first audio frame header after the ID3 tag, and its Xing/Info tag name."""
    raw = path.read_bytes()
    pos = _audio_start(raw)
    while not (raw[pos] == 0xFF and raw[pos + 1] & 0xE0 == 0xE0):
        pos += 1
    header = struct.unpack(">I", raw[pos : pos + 4])[0]
    version_bits = (header >> 19) & 3
    layer_bits = (header >> 17) & 3
    bitrate_index = (header >> 12) & 0xF
    rate_index = (header >> 10) & 3
    mode = (header >> 6) & 3
    version = {3: "1", 2: "2", 0: "2.5"}.get(version_bits, "?")
    layer = {1: 3, 2: 2, 3: 1}[layer_bits]
    first = raw[pos : pos + 200]
    xing = "Info" if b"Info" in first else "Xing" if b"Xing" in first else ""
    return StreamInfo(
        mpeg_version=version,
        layer=layer,
        bitrate_kbps=_BITRATES_V1_L3[bitrate_index] if version == "1" else -1,
        sample_rate=_RATES_V1[rate_index] if version == "1" else -1,
        channels=1 if mode == 3 else 2,
        xing_tag=xing,
    )


def all_frame_bitrates(path: Path) -> set[int]:
    """Bitrates of every audio frame (CBR means one value); skips the Xing/Info frame."""
    raw = path.read_bytes()
    pos = _audio_start(raw)
    rates: set[int] = set()
    first = True
    while pos + 4 <= len(raw):
        header = struct.unpack(">I", raw[pos : pos + 4])[0]
        if header >> 21 != 0x7FF:
            break
        bitrate = _BITRATES_V1_L3[(header >> 12) & 0xF]
        rate = _RATES_V1[(header >> 10) & 3]
        padding = (header >> 9) & 1
        length = 144 * bitrate * 1000 // rate + padding
        if not first:
            rates.add(bitrate)
        first = False
        pos += length
    return rates


def ebur128(path: Path) -> dict[str, float]:
    """Integrated loudness (dual-mono), true peak and LRA, straight from ffmpeg."""
    log = subprocess.run(
        [find_ffmpeg().path, "-hide_banner", "-nostats", "-i", str(path),
         "-af", "ebur128=peak=true:dualmono=true:framelog=verbose", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    summary = log[log.rfind("Summary:") :]
    return {
        "I": float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1)),  # type: ignore[union-attr]
        "TP": float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1)),  # type: ignore[union-attr]
        "LRA": float(re.search(r"LRA:\s+([\d.]+) LU", summary).group(1)),  # type: ignore[union-attr]
    }
