"""Transcripts from the timeline: WebVTT, SRT and Podcasting 2.0 JSON, one cue per sentence."""

from __future__ import annotations

import json
from collections.abc import Iterable

from podcast.models import Cue
from podcast.timecode import clock


def _vtt_text(text: str) -> str:
    # "-->" may not appear in a payload; & and < must be escaped.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(cues: Iterable[Cue]) -> str:
    lines = ["WEBVTT", ""]
    for cue in cues:
        payload = _vtt_text(cue.text)
        if cue.speaker:
            payload = f"<v {_vtt_text(cue.speaker)}>{payload}"
        lines += [f"{clock(cue.start_ms, '.')} --> {clock(cue.end_ms, '.')}", payload, ""]
    return "\n".join(lines)


def srt(cues: Iterable[Cue]) -> str:
    lines: list[str] = []
    for number, cue in enumerate(cues, start=1):
        payload = f"{cue.speaker}: {cue.text}" if cue.speaker else cue.text
        lines += [
            str(number),
            f"{clock(cue.start_ms, ',')} --> {clock(cue.end_ms, ',')}",
            payload.replace("-->", "->"),
            "",
        ]
    return "\n".join(lines)


JSON_TRANSCRIPT_VERSION = "1.0.0"


def podcasting20_json(cues: Iterable[Cue], default_speaker: str = "") -> str:
    """Podcasting 2.0 JSON transcript: ``segments`` with ``startTime``/``endTime`` in seconds.

    Every segment names its speaker (the cue's, else ``default_speaker``: the narrator).
    """
    segments = [
        {
            "speaker": cue.speaker or default_speaker,
            "startTime": cue.start_ms / 1000,
            "endTime": cue.end_ms / 1000,
            "body": cue.text,
        }
        for cue in cues
    ]
    document = {"version": JSON_TRANSCRIPT_VERSION, "segments": segments}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
