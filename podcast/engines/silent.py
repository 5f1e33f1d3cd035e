"""The silent engine (``engine = "silent"``): a WAV of silence as long as the words would take.

It renders instantly and needs nothing installed, so fast tests of planning, chapters and
timing use it; it is registered exactly like the real engines. Never the only proof that audio
works: the real engines have their own tests.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podcast.audio.pcm import SAMPLE_RATE
from podcast.engines.base import (
    BaseEngine,
    Setting,
    SettingProblem,
    parse_settings,
    settings_table,
    tmp_path,
    write_silence_wav,
)

NAME = "silent"
DEFAULT_RATE_WPM = 165
RATE_RANGE = (80, 450)


@dataclass(frozen=True)
class SilentSettings:
    """How fast the silence "speaks": a chunk lasts its words at ``rate_wpm``."""

    rate_wpm: int = DEFAULT_RATE_WPM


SETTINGS = (Setting("rate", "rate_wpm", int, RATE_RANGE),)


class SilentEngine(BaseEngine):
    name = NAME
    label = "silence"
    keys = tuple(s.key for s in SETTINGS)
    steady = True

    def parse(self, table: Mapping[str, Any]) -> tuple[SilentSettings | None, list[SettingProblem]]:
        return parse_settings(SilentSettings, SETTINGS, table)

    def to_table(self, settings: SilentSettings) -> dict[str, Any]:
        return settings_table(settings, SETTINGS)

    def comments(self) -> dict[str, str]:
        return {"rate": "words per minute (80-450): how long each chunk's silence lasts"}

    def version(self) -> str:
        return "silent 1"

    def voice_id(self, settings: SilentSettings) -> str:
        return f"silence at {settings.rate_wpm} wpm"

    def describe(self, settings: SilentSettings) -> str:
        return self.voice_id(settings)

    def render(self, text: str, settings: SilentSettings, out_path: str) -> int:
        target = Path(out_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        ms = round(len(text.split()) * 60_000 / settings.rate_wpm)
        return write_silence_wav(target, tmp_path(target, os.getpid()), SAMPLE_RATE, ms)
