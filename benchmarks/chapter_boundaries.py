"""How well do topical chapters recover real section breaks? Pk and WindowDiff vs TextTiling.

Take articles that have headings, drop the headings, ask each method where chapters start, and
compare with where the headings were. Lower is better for both measures (0 = perfect). Units
are words; boundaries can only fall between paragraphs. The baseline is classic TextTiling
(Hearst 1997: 20-word token sequences, block comparison with k=10, depth scores, cutoff at
mean - sd/2), implemented here because nltk's version needs a stopword download.

Also scored: Choi-style documents made by joining sections of different articles, where the
true breaks are certain.

Run: python benchmarks/chapter_boundaries.py [CORPUS_DIR]
"""

from __future__ import annotations

import math
import random
import re
import statistics
import sys
from collections import Counter
from pathlib import Path

from podcast.models import HEADING
from podcast.text import topics
from podcast.text.clean import clean
from podcast.text.readers import read_source

HERE = Path(__file__).resolve().parent
DEFAULT_CORPORA = [HERE.parent.parent / "shared" / "corpus", Path("/work/shared/corpus")]
ARTICLES = ("mdn_evolution_of_http.md", "gitlab_devsecops_survey.html", "alice_chapters_1-3.txt")


def sections(path: Path) -> list[list[str]]:
    """The article's paragraphs grouped by heading (text before the first heading included)."""
    groups: list[list[str]] = [[]]
    for block in clean(read_source(str(path))).blocks:
        if block.kind == HEADING:
            groups.append([])
        else:
            groups[-1].append(block.text)
    return [g for g in groups if g]


def labels(paragraphs: list[str], starts: list[int]) -> list[int]:
    """Segment number of each word, given the paragraphs that start a segment."""
    out: list[int] = []
    segment = 0
    starts_set = set(starts)
    for index, paragraph in enumerate(paragraphs):
        if index in starts_set and index:
            segment += 1
        out.extend([segment] * max(1, len(paragraph.split())))
    return out


def pk(reference: list[int], hypothesis: list[int], k: int) -> float:
    errors = sum(
        (reference[i] == reference[i + k]) != (hypothesis[i] == hypothesis[i + k])
        for i in range(len(reference) - k)
    )
    return errors / max(1, len(reference) - k)


def window_diff(reference: list[int], hypothesis: list[int], k: int) -> float:
    errors = sum(
        (reference[i + k] - reference[i]) != (hypothesis[i + k] - hypothesis[i])
        for i in range(len(reference) - k)
    )
    return errors / max(1, len(reference) - k)


_WORD = re.compile(r"[a-z]+")
_STOP = topics.STOPWORDS


def texttiling(paragraphs: list[str], w: int = 20, k: int = 10) -> list[int]:
    """Classic TextTiling (Hearst 1997), boundaries snapped to the nearest paragraph gap."""
    tokens: list[str] = []
    para_end: list[int] = []  # token index where each paragraph ends
    for paragraph in paragraphs:
        tokens.extend(t for t in _WORD.findall(paragraph.lower()) if t not in _STOP and len(t) > 2)
        para_end.append(len(tokens))
    sequences = [Counter(tokens[i : i + w]) for i in range(0, len(tokens), w)]
    if len(sequences) < 3:
        return []
    gaps = []
    for gap in range(1, len(sequences)):
        left: Counter[str] = sum(sequences[max(0, gap - k) : gap], Counter())
        right: Counter[str] = sum(sequences[gap : gap + k], Counter())
        dot = sum(v * right[t] for t, v in left.items())
        norm = math.sqrt(sum(v * v for v in left.values()) * sum(v * v for v in right.values()))
        gaps.append(dot / norm if norm else 0.0)
    depths = []
    for i, score in enumerate(gaps):
        lpeak = score
        for j in range(i, -1, -1):
            if gaps[j] < lpeak:
                break
            lpeak = gaps[j]
        rpeak = score
        for j in range(i, len(gaps)):
            if gaps[j] < rpeak:
                break
            rpeak = gaps[j]
        depths.append(lpeak + rpeak - 2 * score)
    cutoff = statistics.mean(depths) - statistics.pstdev(depths) / 2
    found = set()
    for i, depth in enumerate(depths):
        if (
            depth > cutoff
            and (i == 0 or depth >= depths[i - 1])
            and (i == len(depths) - 1 or depth >= depths[i + 1])
        ):
            position = (i + 1) * w
            nearest = min(range(len(para_end) - 1), key=lambda p: abs(para_end[p] - position))
            found.add(nearest + 1)
    return sorted(found)


def evenly(paragraphs: list[str], count: int) -> list[int]:
    """A trivial baseline: ``count`` chapters of about equal length."""
    sizes = [len(p.split()) for p in paragraphs]
    total, run, starts = sum(sizes), 0, []
    for index, size in enumerate(sizes):
        if run >= total * (len(starts) + 1) / count and index:
            starts.append(index)
        run += size
    return starts[: count - 1]


def score(paragraphs: list[str], truth: list[int], found: list[int]) -> tuple[float, float]:
    reference = labels(paragraphs, truth)
    hypothesis = labels(paragraphs, found)
    k = max(2, round(len(reference) / (2 * (len(truth) + 1))))
    return pk(reference, hypothesis, k), window_diff(reference, hypothesis, k)


def documents(corpus: Path) -> list[tuple[str, list[str], list[int]]]:
    docs = []
    all_sections = []
    for name in ARTICLES:
        path = corpus / name
        if not path.exists():
            continue
        groups = sections(path)
        all_sections += [(name, g) for g in groups if sum(len(p.split()) for p in g) >= 60]
        paragraphs = [p for g in groups for p in g]
        truth = []
        for g in groups[:-1]:
            truth.append((truth[-1] if truth else 0) + len(g))
        docs.append((name, paragraphs, truth))
    rng = random.Random(4)
    for n in range(10):
        picked = []
        for name, group in rng.sample(all_sections, len(all_sections)):
            if all(name != other for other, _ in picked[-1:]):
                picked.append((name, group))
            if len(picked) == 4:
                break
        paragraphs = [p for _, g in picked for p in g]
        truth = []
        for _, g in picked[:-1]:
            truth.append((truth[-1] if truth else 0) + len(g))
        docs.append((f"choi-style #{n + 1}", paragraphs, truth))
    return docs


def main() -> None:
    corpus = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else next((c for c in DEFAULT_CORPORA if c.is_dir()), DEFAULT_CORPORA[0])
    )
    docs = documents(corpus)
    if not docs:
        sys.exit(f"no corpus articles found in {corpus}")
    totals: dict[str, list[tuple[float, float]]] = {"ours": [], "texttiling": [], "even": []}
    print(f"{'document':32} {'true':>4} | {'ours Pk/WD':>12} | {'TextTiling':>12} | {'even':>12}")
    for name, paragraphs, truth in docs:
        results = {
            "ours": topics.boundaries(paragraphs),
            "texttiling": texttiling(paragraphs),
            "even": evenly(paragraphs, len(truth) + 1),
        }
        row = []
        for method, found in results.items():
            pk_value, wd_value = score(paragraphs, truth, found)
            totals[method].append((pk_value, wd_value))
            row.append(f"{pk_value:.3f}/{wd_value:.3f}")
        print(f"{name:32} {len(truth):>4} | {row[0]:>12} | {row[1]:>12} | {row[2]:>12}")
    print("-" * 84)
    means = {m: (statistics.mean(v[0] for v in vals), statistics.mean(v[1] for v in vals))
             for m, vals in totals.items()}  # fmt: skip
    for method, (pk_mean, wd_mean) in means.items():
        print(f"mean {method:12} Pk {pk_mean:.3f}  WindowDiff {wd_mean:.3f}")
    ours, base = means["ours"], means["texttiling"]
    print(f"ratio ours/TextTiling: Pk {ours[0] / base[0]:.2f}  WindowDiff {ours[1] / base[1]:.2f}")


if __name__ == "__main__":
    main()
