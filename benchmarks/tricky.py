"""The tricky-sentence set: how far podcast's spoken form is from a careful narrator's.

Run: ``PYTHONPATH=$PWD python benchmarks/tricky.py [--json] [--kind KIND] [--worst N]``.

Each row of ``benchmarks/data/tricky.tsv`` holds a written sentence and its reference: what a
careful human narrator says, written out in words by hand (never copied from podcast's output).
The sentence goes through ``podcast.script`` as a one-paragraph plain-text article (the show's
intro and outro and the article's title left out); the spoken text of its chunks, joined, is
podcast's reading. Both readings are turned into phonemes by espeak-ng (the same library the
engine uses: the wheel's or the system's, ``PODCAST_ESPEAK=wheel|system``), stress marks and
spaces dropped, and the **phoneme error** of a sentence is the Levenshtein distance between the
two phoneme strings divided by the length of the reference's. Phonemes rather than letters: a
reading that sounds the same ("U S" and "US" spelled alike by espeak-ng, "twenty-one" and
"twenty one") costs nothing.

Rows marked ``heldout`` were written before any output was seen and are never tuned to; the
mean is reported for both halves (target: <= 0.02 on each), with per-kind means and the worst
sentences with both readings.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "tricky.tsv"
TARGET = 0.02
TITLE = "Tricky sentence"

# espeak-ng's phonemes (IPA) for each text of a JSON list on stdin, in a fresh process:
# espeak-ng initialises once per process, and the engine's own use of it stays apart.
_PHONEMIZE = r"""
import ctypes, json, sys
from podcast import toolchain
espeak = toolchain.load_espeak()
lib = ctypes.CDLL(espeak.library)
lib.espeak_Initialize.restype = ctypes.c_int
lib.espeak_Initialize(2, 0, espeak.data_dir.encode(), 0)
lib.espeak_SetVoiceByName(b"en-us")
lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
out = []
for text in json.load(sys.stdin):
    buf = ctypes.create_string_buffer(text.encode())
    ptr = ctypes.c_void_p(ctypes.addressof(buf))
    parts = []
    while ptr.value:
        parts.append(lib.espeak_TextToPhonemes(ctypes.byref(ptr), 1, 0x02).decode())
    out.append(" ".join(parts))
json.dump(out, sys.stdout)
"""
# Marks that say how, not what: stress, syllable and word boundaries, pauses.
_NOT_PHONEMES = str.maketrans("", "", "ˈˌ'., _-\u200d\u0361")


@dataclass
class Row:
    kind: str
    split: str
    written: str
    reference: str
    batch: int = 1
    spoken: str = ""
    error: float = 0.0


def load(path: Path = DATA) -> list[Row]:
    """The rows of the set (comment lines start with ``#``)."""
    lines: list[str] = []
    batches: list[int] = []
    batch = 1
    with path.open(encoding="utf-8", newline="") as handle:
        for line in handle:
            found = re.match(r"# batch (\d+)", line)
            if found:
                batch = int(found.group(1))
            elif not line.startswith("#"):
                lines.append(line)
                batches.append(batch)
    reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    rows = [
        Row(r["kind"], r["split"], r["written"], r["reference"], batch)
        for r, batch in zip(reader, batches[1:], strict=True)
    ]
    bad = [r.written for r in rows if r.split not in ("dev", "heldout") or not r.reference]
    if bad:
        raise SystemExit(f"{path}: rows without a split or a reference: {bad[:3]}")
    return rows


def ipa(texts: Sequence[str]) -> list[str]:
    """espeak-ng's phonemes (IPA) for each text, as it prints them (in a fresh process:
    espeak-ng initialises once). tests/test_normalize.py reads its table through this too."""
    done = subprocess.run(
        [sys.executable, "-c", _PHONEMIZE],
        input=json.dumps(list(texts)),
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: list[str] = json.loads(done.stdout)
    return result


def phonemes(texts: Sequence[str]) -> list[str]:
    """espeak-ng's phonemes for each text, marks of stress and boundaries dropped."""
    return [p.translate(_NOT_PHONEMES) for p in ipa(texts)]


def levenshtein(a: str, b: str) -> int:
    """Edits (insert, delete, substitute) that turn ``a`` into ``b``."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


def phoneme_error(spoken: str, reference: str) -> float:
    """Levenshtein distance between the two phoneme strings over the reference's length."""
    return levenshtein(spoken, reference) / max(1, len(reference))


def podcast_reading(sentence: str) -> str:
    """What ``podcast.script`` says for ``sentence`` as the one paragraph of an article."""
    import podcast

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tricky.txt"
        path.write_text(f"{TITLE}\n\n{sentence}\n", encoding="utf-8")
        script = podcast.script(str(path))
    chunks = [c for chapter in script.chapters for c in chapter.chunks if not c.audio]
    spoken = [c.spoken for c in chunks if c.text.strip() != TITLE]
    intro_outro = _show_lines(script)
    return " ".join(s for s in spoken if s not in intro_outro).strip()


def _show_lines(script: object) -> set[str]:
    """The spoken lines of the show's intro and outro chapters (not the article's)."""
    from benchmarks.wild import show_titles

    intro, outro = show_titles()
    return {
        c.spoken
        for chapter in script.chapters  # type: ignore[attr-defined]
        if chapter.title in (intro, outro)
        for c in chapter.chunks
    }


def score(rows: list[Row], reading: Callable[[str], str] = podcast_reading) -> list[Row]:
    """Fill each row's reading and phoneme error."""
    for row in rows:
        row.spoken = reading(row.written)
    ours = phonemes([r.spoken for r in rows])
    wanted = phonemes([r.reference for r in rows])
    for row, got, want in zip(rows, ours, wanted, strict=True):
        row.error = phoneme_error(got, want)
    return rows


def mean(rows: Sequence[Row]) -> float:
    return statistics.fmean(r.error for r in rows) if rows else 0.0


def report(rows: Sequence[Row], worst: int = 15, show_heldout: bool = False) -> str:
    """Means of both halves (and of each held-out batch), the worst rows, per-kind means.
    Held-out rows are shown with their kind and score only, unless ``show_heldout``: whoever
    tunes the rules should not read them."""
    halves = {split: [r for r in rows if r.split == split] for split in ("dev", "heldout")}
    batches = sorted({r.batch for r in halves["heldout"]})
    lines = [
        f"Tricky set: {len(rows)} sentences; target mean <= {TARGET}",
        *(
            f"  {split:8} n={len(half):3}  mean phoneme error {mean(half):.4f}"
            f"  ({sum(r.error == 0 for r in half)} exact)"
            f"  {'ok' if mean(half) <= TARGET else 'OVER TARGET'}"
            for split, half in halves.items()
        ),
        *(
            f"    heldout batch {b}: n={len(part):3}  mean {mean(part):.4f}"
            for b in batches
            if len(batches) > 1
            for part in [[r for r in halves["heldout"] if r.batch == b]]
        ),
        f"  all      n={len(rows):3}  mean phoneme error {mean(rows):.4f}",
        "",
        f"Worst {worst}:",
    ]
    for row in sorted(rows, key=lambda r: -r.error)[:worst]:
        if row.split == "heldout" and not show_heldout:
            lines.append(f"  {row.error:.3f} [{row.kind}, heldout] (hidden: --show-heldout)")
            continue
        lines += [
            f"  {row.error:.3f} [{row.kind}, {row.split}] {row.written}",
            f"        podcast:   {row.spoken}",
            f"        reference: {row.reference}",
        ]
    kinds: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        kinds[row.kind].append(row)
    lines += ["", "Per kind (dev / heldout / all):"]
    for kind, members in sorted(kinds.items(), key=lambda kv: -mean(kv[1])):
        dev = [r for r in members if r.split == "dev"]
        held = [r for r in members if r.split == "heldout"]
        lines.append(
            f"  {kind:24} {mean(dev):.3f} / {mean(held):.3f} / {mean(members):.3f}"
            f"  (n={len(members)})"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one object per sentence")
    parser.add_argument("--kind", action="append", help="only these kinds")
    parser.add_argument("--worst", type=int, default=15, help="how many worst rows to show")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--show-heldout", action="store_true", help="show held-out rows' readings too"
    )
    args = parser.parse_args(argv)
    rows = load(args.data)
    if args.kind:
        rows = [r for r in rows if r.kind in args.kind]
    score(rows)
    if args.json:
        print(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=1))
    else:
        print(report(rows, args.worst, args.show_heldout))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    raise SystemExit(main())
