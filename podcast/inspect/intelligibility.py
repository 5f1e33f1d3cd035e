"""How intelligible a voice is: an offline recognizer's transcript against the text.

pocketsphinx (its PyPI wheel ships a US English model) transcribes the audio; the word error
rate (WER) against what the narration said is a cheap, repeatable proxy for "can a listener
follow this voice". It is a measuring tool for tests and benchmarks (a dev dependency), never
part of a build. pocketsphinx lives only here.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from pathlib import Path

from podcast.audio import ffmpeg

RECOGNIZER_RATE = 16_000


def available() -> bool:
    import importlib.util

    return importlib.util.find_spec("pocketsphinx") is not None


def words_of(text: str) -> list[str]:
    """Lowercase words for scoring: digits and punctuation do not count against a voice."""
    text = text.lower().replace("’", "'")
    return re.findall(r"[a-z]+(?:'[a-z]+)?", text)


def word_error_rate(reference: Iterable[str], hypothesis: Iterable[str]) -> float:
    """(substitutions + deletions + insertions) / reference words, by edit distance."""
    ref, hyp = list(reference), list(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, start=1):
        current = [i] + [0] * len(hyp)
        for j, hyp_word in enumerate(hyp, start=1):
            current[j] = min(
                previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word)
            )
        previous = current
    return previous[-1] / len(ref)


def _pcm16k(path: Path) -> bytes:
    """Any audio file ffmpeg reads, as 16 kHz mono 16-bit PCM."""
    return ffmpeg.read_output(
        ["-i", str(path), "-ar", str(RECOGNIZER_RATE), "-ac", "1", "-f", "s16le", "-"],
        doing=f"decode {path.name}", hint="check that it is an audio file",
    )  # fmt: skip


def transcribe(path: Path) -> str:
    """What pocketsphinx hears in the audio file ``path`` (speech segments decoded in turn)."""
    from pocketsphinx import Decoder, Segmenter, set_loglevel

    set_loglevel("FATAL")
    decoder = Decoder(samprate=RECOGNIZER_RATE)
    segmenter = Segmenter(sample_rate=RECOGNIZER_RATE)
    heard: list[str] = []
    for segment in segmenter.segment(io.BytesIO(_pcm16k(path))):
        decoder.start_utt()
        decoder.process_raw(segment.pcm, full_utt=True)
        decoder.end_utt()
        if decoder.hyp() is not None:
            heard.append(decoder.hyp().hypstr)
    return " ".join(heard)


def audio_wer(path: Path, reference_text: str) -> float:
    """The WER of the recognizer's transcript of ``path`` against ``reference_text``."""
    return word_error_rate(words_of(reference_text), words_of(transcribe(path)))
