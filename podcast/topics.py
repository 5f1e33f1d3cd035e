"""Topical chapters for articles without headings, by lexical cohesion (TextTiling-style).

Chapters break only between paragraphs. For each gap between paragraphs we compare the words
of a window before it with the words of a window after it; where vocabulary changes most (the
deepest valleys of similarity) a new topic starts. Each chapter is then titled with the phrase
that best distinguishes it from the other chapters (tf-idf over word n-grams), preferring
names and multi-word phrases, so titles say what the chapter is about.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter

WORDS_PER_CHAPTER = 280
MIN_CHAPTERS = 3
MAX_CHAPTERS = 8
MIN_WORDS_FOR_CHAPTERS = 450
WINDOW_WORDS = 120
SIZE_PENALTY = 0.15

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can cannot could did do does doing down during
    each few for from further had has have having he her here hers herself him himself his
    how i if in into is it its itself just last let like made make many may me might more
    most much must my myself new no nor not now of off on once one only or other our ours
    out over own per same she should since so some such than that the their theirs them
    themselves then there these they this those through to too two under until up upon us
    very was we were what when where which while who whom why will with would you your yours
    yourself ago already although among another around away back became become even ever
    every first get got however instead later least less made mostly much near never next
    often once rather really said say says see seem since still take told tell though three
    time times toward until well went whether within without yet year years month months day
    days week weeks monday tuesday wednesday thursday friday saturday sunday s t don didn
    doesn isn wasn won according called known including used using way ways part lot lots
    thing things
    """.split()  # noqa: SIM905 - a word list reads better as prose
)

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")


def _stem(word: str) -> str:
    word = word.lower().replace("’", "'")
    word = re.sub(r"'s$", "", word)
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def content_words(text: str) -> list[str]:
    return [_stem(w) for w in _TOKEN.findall(text) if _stem(w) not in STOPWORDS and len(w) > 2]


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(count * b[word] for word, count in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def _window(bags: list[list[str]], start: int, step: int) -> Counter[str]:
    counter: Counter[str] = Counter()
    i = start
    while 0 <= i < len(bags) and sum(counter.values()) < WINDOW_WORDS:
        counter.update(bags[i])
        i += step
    return counter


def depth_scores(paragraphs: list[str]) -> list[float]:
    """Depth of the similarity valley at each gap (gap i lies after paragraph i)."""
    bags = [content_words(p) for p in paragraphs]
    sims = [_cosine(_window(bags, i, -1), _window(bags, i + 1, 1)) for i in range(len(bags) - 1)]
    depths = []
    for i, sim in enumerate(sims):
        left = max(sims[: i + 1])
        right = max(sims[i:])
        # climb only while similarity rises, as TextTiling does
        j = i
        while j > 0 and sims[j - 1] >= sims[j]:
            j -= 1
        left = sims[j]
        j = i
        while j < len(sims) - 1 and sims[j + 1] >= sims[j]:
            j += 1
        right = sims[j]
        depths.append((left - sim) + (right - sim))
    return depths


def boundaries(paragraphs: list[str]) -> list[int]:
    """Indexes of paragraphs that start a new chapter (never 0), in order.

    Chooses the chapter count from the length, then the boundaries that maximise the summed
    valley depth minus a penalty for chapters far from the average size (dynamic programming).
    """
    sizes = [len(p.split()) for p in paragraphs]
    total = sum(sizes)
    if total < MIN_WORDS_FOR_CHAPTERS or len(paragraphs) < MIN_CHAPTERS * 2:
        return []
    wanted = max(
        MIN_CHAPTERS, min(MAX_CHAPTERS, round(total / WORDS_PER_CHAPTER), len(paragraphs) // 2)
    )
    target = total / wanted
    depths = depth_scores(paragraphs)
    prefix = [0]
    for size in sizes:
        prefix.append(prefix[-1] + size)

    def cost(a: int, b: int) -> float:  # a chapter of paragraphs a..b-1
        size = prefix[b] - prefix[a]
        if size < target * 0.4:
            return math.inf
        return SIZE_PENALTY * ((size - target) / target) ** 2

    n = len(paragraphs)
    best: dict[tuple[int, int], tuple[float, list[int]]] = {(0, 0): (0.0, [])}
    for k in range(1, wanted + 1):
        for end in range(1, n + 1):
            options = []
            for start in range(k - 1, end):
                prev = best.get((k - 1, start))
                if prev is None:
                    continue
                gain = depths[start - 1] if start > 0 else 0.0
                options.append((prev[0] + cost(start, end) - gain, [*prev[1], start]))
            if options:
                best[(k, end)] = min(options, key=lambda o: o[0])
    score, starts = best.get((wanted, n), (math.inf, [0]))
    return starts[1:] if score < math.inf else []


def _phrases(text: str) -> list[tuple[str, str]]:
    """Candidate title phrases: (key, surface) for 1-3 word runs of content words."""
    found = []
    for sentence in re.split(r"[.!?;:,—–()“”\"]", text):
        tokens = _TOKEN.findall(sentence)
        for n in (1, 2, 3):
            for i in range(len(tokens) - n + 1):
                run = tokens[i : i + n]
                keys = [_stem(t) for t in run]
                if keys[0] in STOPWORDS or keys[-1] in STOPWORDS or len(run[-1]) < 3:
                    continue
                if any(k in STOPWORDS for k in keys) and n < 3:
                    continue
                if n == 1 and not run[0][0].isupper() and re.search(r"(ed|ing|ly)$", keys[0]):
                    continue
                found.append((" ".join(keys), " ".join(run)))
    return found


def _title_case(phrase: str) -> str:
    small = {"a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or", "the", "to"}
    words = phrase.split()
    return " ".join(
        w if (w[0].isupper() or (i and w.lower() in small)) else w.capitalize()
        for i, w in enumerate(words)
    )


def chapter_titles(sections: list[str]) -> list[str]:
    """A short descriptive title for each section, distinct from the others."""
    per_section = [Counter(key for key, _ in _phrases(s)) for s in sections]
    surfaces: dict[str, Counter[str]] = {}
    for section in sections:
        for key, surface in _phrases(section):
            surfaces.setdefault(key, Counter())[surface] += 1
    doc_freq = Counter(key for counts in per_section for key in counts)
    titles: list[str] = []
    used: set[str] = set()
    for counts in per_section:

        def score(key: str, counts: Counter[str] = counts) -> float:
            surface = surfaces[key].most_common(1)[0][0]
            n_words = len(key.split())
            capital = sum(w[0].isupper() for w in surface.split()) / n_words
            idf = math.log((1 + len(sections)) / doc_freq[key])
            return counts[key] * idf * (1 + 0.8 * (n_words - 1)) * (1 + 0.5 * capital)

        ranked = [k for k in sorted(counts, key=lambda k: (-score(k), k)) if counts[k] > 1]
        ranked += [k for k in sorted(counts, key=lambda k: (-score(k), k)) if counts[k] == 1]
        picked: list[str] = []
        for key in ranked:
            if key in used or any(key in p or p in key for p in picked):
                continue
            picked.append(key)
            if len(picked) == 2 or len(key.split()) > 1:
                break
        used.update(picked)
        words = [_title_case(surfaces[k].most_common(1)[0][0]) for k in picked]
        titles.append(" and ".join(words) if words else "")
    return [t or f"Part {i + 1}" for i, t in enumerate(titles)]


def topical_chapters(paragraphs: list[str]) -> list[tuple[str, list[int]]]:
    """Group paragraphs into titled chapters: [(title, [paragraph indexes])]."""
    if not paragraphs:
        return []
    starts = [0, *boundaries(paragraphs), len(paragraphs)]
    groups = [list(range(a, b)) for a, b in itertools.pairwise(starts)]
    if len(groups) == 1:
        return [("", groups[0])]
    titles = chapter_titles([" ".join(paragraphs[i] for i in group) for group in groups])
    return list(zip(titles, groups, strict=True))
