"""Cover art: read a JPEG/PNG's size and colour model, and draw the project's own cover.

Apple Podcasts wants a square image of 1400 to 3000 pixels, RGB, JPEG or PNG. Both the check
and the default cover use the standard library only (no image library): a PNG's IHDR chunk and a
JPEG's start-of-frame marker say everything the check needs, and the default cover is a simple
geometric PNG drawn row by row (it compresses to a few kilobytes).
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

MIN_COVER_PX = 1400
MAX_COVER_PX = 3000
DEFAULT_COVER_PX = 1400
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_RGB = 2
# JPEG start-of-frame markers (baseline, extended, progressive, lossless ...), not DHT/JPG/DAC.
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}

BACKGROUND = (24, 32, 56)
BARS = (244, 180, 64)
RING = (90, 170, 220)


@dataclass(frozen=True)
class ImageInfo:
    format: str  # "png" or "jpeg"
    width: int
    height: int
    color: str  # "rgb", "rgba", "gray", "palette", "cmyk" ...

    @property
    def mime(self) -> str:
        return "image/png" if self.format == "png" else "image/jpeg"


def image_info(data: bytes) -> ImageInfo | None:
    """Format, size and colour model of PNG or JPEG bytes; None for anything else."""
    if data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR":
        width, height, _depth, color_type = struct.unpack(">IIBB", data[16:26])
        color = {0: "gray", 2: "rgb", 3: "palette", 4: "gray+alpha", 6: "rgba"}.get(
            color_type, "unknown"
        )
        return ImageInfo("png", width, height, color)
    if data.startswith(b"\xff\xd8"):
        at = 2
        while at + 4 <= len(data):
            if data[at] != 0xFF:
                return None
            marker = data[at + 1]
            if marker == 0xFF:  # fill byte
                at += 1
                continue
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                at += 2
                continue
            (length,) = struct.unpack(">H", data[at + 2 : at + 4])
            if marker in _JPEG_SOF and at + 10 <= len(data):
                height, width, components = struct.unpack(">HHB", data[at + 5 : at + 10])
                color = {1: "gray", 3: "rgb", 4: "cmyk"}.get(components, "unknown")
                return ImageInfo("jpeg", width, height, color)
            at += 2 + length
    return None


def check_cover(path: Path) -> list[str]:
    """Every problem with ``path`` as podcast cover art (empty when it is fine)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [f"cover image {path} cannot be read ({exc.strerror}); fix the path"]
    info = image_info(data)
    if info is None:
        return [f"cover image {path} is not a JPEG or PNG; convert it"]
    problems = []
    if info.width != info.height:
        problems.append(f"cover image {path} is {info.width}x{info.height}; it must be square")
    if (
        not MIN_COVER_PX
        <= min(info.width, info.height)
        <= max(info.width, info.height)
        <= (MAX_COVER_PX)
    ):
        problems.append(
            f"cover image {path} is {info.width}x{info.height} px; "
            f"use {MIN_COVER_PX} to {MAX_COVER_PX} px"
        )
    if info.color != "rgb":
        problems.append(f"cover image {path} is {info.color}; save it as RGB (no alpha, no CMYK)")
    return problems


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def encode_png(width: int, height: int, rows: list[bytes]) -> bytes:
    """An 8-bit RGB PNG from ``height`` rows of ``width * 3`` bytes."""
    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, PNG_RGB, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(raw, 9))
        + _png_chunk(b"IEND", b"")
    )


def draw_default_cover(size: int = DEFAULT_COVER_PX) -> bytes:
    """The project's cover: a waveform of vertical bars inside a ring, on a dark square."""
    bg, bar, ring = bytes(BACKGROUND), bytes(BARS), bytes(RING)
    centre = size / 2
    radius_out, radius_in = size * 0.42, size * 0.39
    bar_count, bar_width = 15, size // 40
    span = size * 0.5
    left = int(centre - span / 2)
    step = span / (bar_count - 1)
    heights = [abs(math.sin(i * 0.9)) * 0.7 + 0.15 for i in range(bar_count)]
    columns = {}
    for i, h in enumerate(heights):
        x0 = int(left + i * step - bar_width / 2)
        for x in range(x0, x0 + bar_width):
            columns[x] = h * size * 0.28
    rows = []
    for y in range(size):
        dy = y - centre
        row = bytearray(bg * size)
        # the ring: two circle edges cut this row at symmetric spans
        if abs(dy) < radius_out:
            outer = math.sqrt(radius_out**2 - dy**2)
            inner = math.sqrt(radius_in**2 - dy**2) if abs(dy) < radius_in else 0.0
            for left_x, right_x in (
                (centre - outer, centre - inner),
                (centre + inner, centre + outer),
            ):
                a, b = max(0, int(left_x)), min(size, math.ceil(right_x))
                if b > a:
                    row[a * 3 : b * 3] = ring * (b - a)
        for x, half in columns.items():
            if abs(dy) <= half:
                row[x * 3 : x * 3 + 3] = bar
        rows.append(bytes(row))
    return encode_png(size, size, rows)


def write_default_cover(path: Path, size: int = DEFAULT_COVER_PX) -> Path:
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_bytes(draw_default_cover(size))
    tmp.replace(path)
    return path


if __name__ == "__main__":  # python -m podcast.config.cover OUT.png [SIZE]
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "cover.png")
    write_default_cover(target, int(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_COVER_PX)
    print(target)
