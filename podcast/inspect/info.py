"""Read a built episode back the way players do: tags, cover, chapters, duration, loudness.

``podcast info FILE`` prints this for any registered output format (``podcast.formats``, found
by the file's suffix); tests use it as one of the independent read-backs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podcast import formats
from podcast.audio import loudness
from podcast.build.shownotes import clock
from podcast.config.cover import image_info
from podcast.formats import ReadTags


@dataclass(frozen=True)
class EpisodeInfo:
    path: Path
    size_bytes: int
    tags: ReadTags
    cover_width: int
    cover_height: int
    loudness: loudness.Loudness | None

    def as_dict(self) -> dict[str, Any]:
        t = self.tags
        return {
            "file": str(self.path),
            "size_bytes": self.size_bytes,
            "id3_version": t.version,
            "title": t.title,
            "artist": t.artist,
            "album": t.album,
            "date": t.date,
            "genre": t.genre,
            "comment": t.comment,
            "cover": (
                {
                    "mime": t.cover_mime,
                    "width": self.cover_width,
                    "height": self.cover_height,
                    "size_bytes": len(t.cover),
                }
                if t.cover
                else None
            ),
            "duration_ms": t.duration_ms,
            "audio": {
                "sample_rate": t.sample_rate,
                "channels": t.channels,
                "bitrate_kbps": t.bitrate_kbps,
                "bitrate_mode": t.bitrate_mode,
            },
            "chapters": [
                {"title": c.title, "start_ms": c.start_ms, "end_ms": c.end_ms, "url": c.url}
                for c in t.chapters
            ],
            "loudness": self.loudness.as_dict() if self.loudness else None,
        }

    def lines(self) -> list[str]:
        """A human-readable summary."""
        t = self.tags
        out = [
            f"{t.title}  ({t.album})",
            f"  artist {t.artist} · date {t.date} · genre {t.genre}",
            f"  {clock(t.duration_ms)} · {t.sample_rate} Hz · {t.channels} ch · "
            f"{t.bitrate_kbps} kbps {t.bitrate_mode} · ID3v{t.version} · {self.size_bytes} bytes",
        ]
        if t.cover:
            out.append(f"  cover {t.cover_mime} {self.cover_width}x{self.cover_height}")
        else:
            out.append("  no cover")
        if self.loudness:
            lv = self.loudness
            out.append(
                f"  loudness {lv.integrated_lufs:.1f} LUFS (dual-mono) · true peak "
                f"{lv.true_peak_dbtp:.1f} dBTP · LRA {lv.lra_lu:.1f} LU"
            )
        if t.comment:
            out.append(f"  {t.comment}")
        out.append(f"  {len(t.chapters)} chapters:")
        for mark in t.chapters:
            link = f"  <{mark.url}>" if mark.url else ""
            out.append(f"    {clock(mark.start_ms)}  {mark.title}{link}")
        return out


def read_episode(path: Path, measure: bool = True) -> EpisodeInfo:
    """Everything a player would show about ``path``; ``measure`` adds a loudness pass.

    The file's format is the one its suffix names (else the default format).
    """
    output_format = formats.by_suffix(path) or formats.default()
    # a file cut short: its header's length is a promise (a format may offer this check)
    check_complete = getattr(output_format, "check_complete", None)
    if check_complete is not None:
        check_complete(path)
    tags = output_format.read_tags(path)
    picture = image_info(tags.cover) if tags.cover else None
    return EpisodeInfo(
        path=path,
        size_bytes=path.stat().st_size,
        tags=tags,
        cover_width=picture.width if picture else 0,
        cover_height=picture.height if picture else 0,
        loudness=loudness.measure_file(path) if measure else None,
    )
