"""MPEG-1 Layer III frames: count them, read the encoder's Info tag, join streams losslessly.

Used by the encoding stage to build one episode from separately encoded parts without
re-encoding: each part is a complete CBR stream from ffmpeg/LAME whose first audio frame
does not borrow from a bit reservoir, so parts can be joined frame for frame. What changes is
the Info (Xing/LAME) tag at the front, which describes the whole file: frame count, byte
count, seek table, encoder delay and padding (players use these for the exact duration),
music length and the two CRC-16 checks ffmpeg's reader verifies.

Layout facts (checked against ffmpeg 5.1 and 9.0 output): the Info frame is an extra first
frame that holds no audio; ``frames`` counts the audio frames after it; ``bytes`` and the LAME
"music length" count the whole stream including the Info frame; the music CRC covers the
audio frames; the tag CRC covers the first 190 bytes of the Info frame with its own field zero.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from podcast.formats.protocol import FormatError

SAMPLES_PER_FRAME = 1152  # MPEG-1 Layer III
_BITRATES_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_SAMPLE_RATES = (44_100, 48_000, 32_000)
_TOC_SIZE = 100
_COPY_BLOCK = 1 << 20


class MpegError(FormatError):
    """The bytes are not the CBR MPEG-1 Layer III stream this module expects."""


def frame_size(header: int) -> int:
    """Bytes in the frame that starts with the 4-byte ``header`` (MPEG-1 Layer III only)."""
    if header >> 21 != 0x7FF or (header >> 19) & 3 != 3 or (header >> 17) & 3 != 1:
        raise MpegError(f"not an MPEG-1 Layer III frame header: {header:08x}")
    bitrate_index = (header >> 12) & 0xF
    rate_index = (header >> 10) & 3
    if not 0 < bitrate_index < 15 or rate_index == 3:
        raise MpegError(f"bad bitrate or sample rate in frame header {header:08x}")
    padding = (header >> 9) & 1
    return 144 * _BITRATES_KBPS[bitrate_index] * 1000 // _SAMPLE_RATES[rate_index] + padding


def _side_info_size(header: int) -> int:
    mono = (header >> 6) & 3 == 3
    return 17 if mono else 32


@dataclass(frozen=True)
class InfoTag:
    """The parts of a stream's Info/LAME tag that matter for joining."""

    offset: int  # where "Info"/"Xing" starts inside the frame
    frames: int
    delay: int  # encoder delay in samples (decoders add their own 529)
    padding: int
    music_crc: int


@dataclass(frozen=True)
class Stream:
    """One encoded stream: its Info frame and where its audio frames are."""

    info_frame: bytes
    info: InfoTag
    audio_start: int  # byte offset of the first audio frame
    audio_bytes: int
    audio_frames: int

    @property
    def header(self) -> bytes:
        return self.info_frame

    @property
    def delay(self) -> int:
        return self.info.delay

    @property
    def padding(self) -> int:
        return self.info.padding


def sample_rate(header: int) -> int:
    """The sample rate the 4-byte frame ``header`` names (after ``frame_size`` accepted it)."""
    return _SAMPLE_RATES[(header >> 10) & 3]


def read_info(frame: bytes) -> InfoTag:
    header = struct.unpack(">I", frame[:4])[0]
    at = 4 + _side_info_size(header)
    if frame[at : at + 4] not in (b"Info", b"Xing"):
        raise MpegError("the stream has no Info header (encode with -write_xing 1)")
    flags = struct.unpack(">I", frame[at + 4 : at + 8])[0]
    if flags & 0x7 != 0x7:
        raise MpegError(f"Info header lacks frames, bytes or seek table (flags {flags:#x})")
    frames = struct.unpack(">I", frame[at + 8 : at + 12])[0]
    lame = at + 120  # 8 header bytes + 4 frames + 4 bytes + 100 TOC + 4 quality
    delay_padding = int.from_bytes(frame[lame + 21 : lame + 24], "big")
    music_crc = struct.unpack(">H", frame[lame + 32 : lame + 34])[0]
    return InfoTag(at, frames, delay_padding >> 12, delay_padding & 0xFFF, music_crc)


def duration_ms(path: Path) -> int:
    """The duration of an MP3 with an Info header as gapless players compute it: its frames
    times 1152, less the encoder delay and padding, at its sample rate. An ID3v2 tag in front
    is skipped. The one duration reader: the build, ``podcast info`` and tests use it."""
    try:
        with path.open("rb") as fh:
            head = fh.read(10)
            start = 0
            if head[:3] == b"ID3":
                start = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(head[6:10]))
            fh.seek(start)
            first = fh.read(4096)
        header = struct.unpack(">I", first[:4])[0]
        info = read_info(first[: frame_size(header)])
    except (OSError, struct.error) as exc:
        raise MpegError(str(exc)) from exc
    samples = info.frames * SAMPLES_PER_FRAME - info.delay - info.padding
    return round(samples * 1000 / sample_rate(header))


def _audio_start(fh: BinaryIO) -> int:
    head = fh.read(10)
    if head[:3] == b"ID3":
        return 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(head[6:10]))
    return 0


def frames_present(path: Path) -> tuple[int, int]:
    """(whole audio frames in the file, frames its Info header promises): a file cut short
    (a partial download, a full disk) has fewer than its header says. Reads only the frame
    headers, one seek per frame."""
    try:
        with path.open("rb") as fh:
            pos = _audio_start(fh)
            fh.seek(pos)
            first = fh.read(4096)
            header = struct.unpack(">I", first[:4])[0]
            size = frame_size(header)
            info = read_info(first[:size])
            end = fh.seek(0, 2)
            pos += size
            count = 0
            while pos + 4 <= end:
                fh.seek(pos)
                try:
                    size = frame_size(struct.unpack(">I", fh.read(4))[0])
                except MpegError:
                    break  # a tag at the end, or garbage: the frames end here
                if pos + size > end:
                    break
                pos += size
                count += 1
    except (OSError, struct.error) as exc:
        raise MpegError(str(exc)) from exc
    return count, info.frames


def scan(data: bytes, base: int = 0, every_frame: bool = True) -> Stream:
    """Check every frame header of ``data`` (an ffmpeg/LAME CBR MP3 without ID3 tags); without
    ``every_frame`` (bytes checked so when written, and sealed since), only the Info frame's.

    ``base`` is where ``data`` starts in its file; ``Stream.audio_start`` counts from there.
    """
    if len(data) < 4:
        raise MpegError("empty MPEG stream")
    size = frame_size(struct.unpack(">I", data[:4])[0])
    info_frame = data[:size]
    info = read_info(info_frame)
    if not every_frame:
        return Stream(info_frame, info, base + size, len(data) - size, info.frames)
    pos, frames = size, 0
    while pos < len(data):
        if pos + 4 > len(data):
            raise MpegError("truncated frame at the end of the stream")
        pos += frame_size(struct.unpack(">I", data[pos : pos + 4])[0])
        frames += 1
    if pos != len(data):
        raise MpegError("the last frame is truncated")
    if frames != info.frames:
        raise MpegError(f"Info header says {info.frames} frames, the stream has {frames}")
    return Stream(info_frame, info, base + size, len(data) - size, frames)


# CRC-16/ARC (polynomial 0x8005 reflected, initial value 0), as ffmpeg's AV_CRC_16_ANSI_LE.
def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc_table()


def crc16(data: bytes, crc: int = 0) -> int:
    for byte in data:
        crc = (crc >> 8) ^ _CRC_TABLE[(crc ^ byte) & 0xFF]
    return crc


def _mat_apply(columns: list[int], vector: int) -> int:
    out, bit = 0, 0
    while vector:
        if vector & 1:
            out ^= columns[bit]
        vector >>= 1
        bit += 1
    return out


def _mat_square(columns: list[int]) -> list[int]:
    return [_mat_apply(columns, c) for c in columns]


def crc16_combine(crc_a: int, crc_b: int, length_b: int) -> int:
    """CRC of A+B from CRC(A), CRC(B) and len(B), without reading the bytes again.

    With initial value 0 the CRC is linear, so CRC(A+B) = CRC(A) pushed through len(B) zero
    bytes, XOR CRC(B); pushing through n zero bytes is a 16x16 bit matrix raised to the n.
    """
    # the operator for one zero bit, as the images of the 16 unit vectors
    one_bit = [(1 << i >> 1) ^ (0xA001 if i == 0 else 0) for i in range(16)]
    operator = _mat_square(_mat_square(_mat_square(one_bit)))  # one zero byte
    n = length_b
    while n:
        if n & 1:
            crc_a = _mat_apply(operator, crc_a)
        n >>= 1
        if n:
            operator = _mat_square(operator)
    return crc_a ^ crc_b


def _info_frame_for(
    template: bytes, info: InfoTag, frames: int, total_bytes: int, padding: int, music_crc: int
) -> bytes:
    frame = bytearray(template)
    at = info.offset
    frame[at : at + 4] = b"Info"
    struct.pack_into(">II", frame, at + 8, frames, total_bytes)
    # CBR: bytes grow linearly with time, so the seek table is linear too
    frame[at + 16 : at + 16 + _TOC_SIZE] = bytes(i * 256 // _TOC_SIZE for i in range(_TOC_SIZE))
    lame = at + 120
    if padding >= 1 << 12 or info.delay >= 1 << 12:
        raise MpegError(f"encoder delay {info.delay} / padding {padding} do not fit the tag")
    frame[lame + 21 : lame + 24] = ((info.delay << 12) | padding).to_bytes(3, "big")
    struct.pack_into(">I", frame, lame + 28, total_bytes)  # music length
    struct.pack_into(">H", frame, lame + 32, music_crc)
    frame[lame + 34 : lame + 36] = b"\0\0"
    struct.pack_into(">H", frame, lame + 34, crc16(bytes(frame[:190])))
    return bytes(frame)


def join(parts: Iterable[tuple[Path, Stream]], out: BinaryIO, content_samples: int) -> int:
    """Write the parts' audio frames one after another behind one Info frame for the whole.

    ``content_samples`` is the decoded length players should report (encoder delay and the
    last part's padding are excluded through the tag). Returns the number of audio frames.
    """
    items = list(parts)
    if not items:
        raise MpegError("nothing to join")
    first = items[0][1]
    frames = sum(s.audio_frames for _, s in items)
    audio_bytes = sum(s.audio_bytes for _, s in items)
    total = len(first.info_frame) + audio_bytes
    padding = frames * SAMPLES_PER_FRAME - first.info.delay - content_samples
    crc = 0
    for _, stream in items:
        crc = crc16_combine(crc, stream.info.music_crc, stream.audio_bytes)
    out.write(_info_frame_for(first.info_frame, first.info, frames, total, padding, crc))
    for path, stream in items:
        with path.open("rb") as fh:
            fh.seek(stream.audio_start)
            remaining = stream.audio_bytes
            while remaining:
                block = fh.read(min(_COPY_BLOCK, remaining))
                if not block:
                    raise MpegError(f"{path.name} changed while it was being joined")
                out.write(block)
                remaining -= len(block)
    return frames
