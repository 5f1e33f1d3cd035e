"""Topical chapters for articles without headings, by lexical cohesion (TextTiling-style).

Chapters break only between paragraphs. For each gap between paragraphs we compare the words
of a window before it with the words of a window after it; where vocabulary changes most (the
deepest valleys of similarity) a new topic starts. Each chapter is then titled with the phrase
that best distinguishes it from the other chapters (tf-idf over word n-grams), preferring
names and multi-word phrases, so titles say what the chapter is about.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import statistics
from collections import Counter

WORDS_PER_CHAPTER = 230
MIN_CHAPTERS = 3
MAX_CHAPTERS = 8
MIN_WORDS_FOR_CHAPTERS = 450
WINDOW_WORDS = 90
SIZE_PENALTY = 0.05
THRESHOLD_SD = 1.0
MIN_CHAPTER_WORDS = 80
TOPIC_SENTENCE_WORDS = 14
MAX_CANDIDATES = 80
MIN_SHARE = 0.25

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
    yourself whose ago already although among another around away back became become even ever
    every first get got however instead later least less made mostly much near never next
    often once rather really said say says see seem since still take told tell though three
    time times toward until well went whether within without yet year years month months day
    days week weeks monday tuesday wednesday thursday friday saturday sunday s t don didn
    doesn isn wasn won according called known including used using way ways part lot lots
    thing things alongside across behind beyond despite amid onto
    """.split()  # noqa: SIM905 - a word list reads better as prose
)

# Words in any script: letters (not only A-Z: "Über" is a word), with inner ' ’ or -.
_LETTER = r"[^\W\d_]"
_TOKEN = re.compile(rf"{_LETTER}(?:{_LETTER}|['’-](?={_LETTER}))*")

# Other languages' function words (with podcast.text.lang's most frequent ones): never titles.
FOREIGN_STOPWORDS = {
    "fr": """le la les l un une des du de d au aux ce cet cette ces son sa ses leur leurs notre
        nos votre vos mon ma mes et ou mais donc car ni que qu qui quoi dont où en dans par pour
        sur sous avec sans chez entre vers il elle ils elles on nous vous je j tu me m se s te t
        y ne n pas plus moins très aussi bien tout tous toute toutes est sont été être avoir
        a ont fait comme si lors depuis encore déjà même autre autres après avant alors dès
        afin chaque selon ainsi puis cela ça ceci là ici quand comment pourquoi faire font peut
        doit va vont avait était sera""",
    "de": """der die das den dem des ein eine einen einem einer eines kein keine und oder aber
        doch sondern denn dass daß wenn als wie ob zu zum zur im in am an auf aus bei mit nach
        von vor über unter durch für gegen ohne um bis seit er sie es wir ihr ich du man sich
        mich dich ihm ihn ihnen uns euch sein seine seiner seinem seinen ihre ihrem ihren ist
        sind war waren hat hatte haben wird werden wurde wurden nicht auch noch schon nur so da
        dann dieser diese dieses diesen diesem jeder jede jedes jedem hier dort sehr mehr immer
        wieder sagte sagt""",
}
# Words after which a noun phrase starts, and words after which a verb follows, per language.
NOUN_CUES = {
    "en": "the a an this these those its their his her our your my every each",
    "fr": "le la les l un une des du au aux ce cet cette ces son sa ses leur leurs notre nos "
          "votre vos mon ma mes",
    "de": "der die das den dem des ein eine einen einem einer eines kein keine keinen dieser "
          "diese dieses diesen jeder jede jedes sein seine ihr ihre",
}  # fmt: skip
VERB_CUES = {
    "en": "to will would could should can must may might did does do not i you he she it we "
          "they who",
    "fr": "je j tu il elle on nous vous ils elles qui ne n se s",
    "de": "ich du er sie es wir ihr man zu",
}  # fmt: skip
# Articles: a word right before one takes an object, so it is a verb ("controls the centre").
ARTICLES = {"en": "the a an", "fr": "le la les l un une des", "de": "den dem das einen einem eine"}
# Languages whose noun comes first in its phrase ("la politique européenne").
HEAD_FIRST = frozenset({"fr", "es", "it", "pt", "ca", "ro"})
# English endings of adjectives (and compounds like "century-old"): never a title's last word.
_ADJECTIVE = re.compile(
    r"(?:ous|ful|ive|able|ible|ical|less|ish)$|-(?:old|like|based|free|long|wide|term|scale|"
    r"style|related|sized|level|made|owned|led|run)$",
    re.IGNORECASE,
)


def base_language(language: str) -> str:
    return (language or "en").lower().replace("_", "-").split("-")[0]


def stopwords(language: str = "en") -> frozenset[str]:
    """Words that never make a title in ``language`` (English's always included)."""
    from podcast.text.lang import FUNCTION_WORDS

    code = base_language(language)
    extra = FOREIGN_STOPWORDS.get(code, "") + " " + FUNCTION_WORDS.get(code, "")
    return STOPWORDS | frozenset(extra.split())


class Grammar:
    """What the whole text says about its words: which head noun phrases (seen last after a
    determiner, or first in head-first languages) and which follow a subject (verbs)."""

    def __init__(self, text: str, language: str = "en") -> None:
        self.language = base_language(language)
        self.stop = stopwords(self.language)
        self.head_first = self.language in HEAD_FIRST
        cues = frozenset(NOUN_CUES.get(self.language, NOUN_CUES["en"]).split())
        subjects = frozenset(VERB_CUES.get(self.language, VERB_CUES["en"]).split())
        articles = frozenset(ARTICLES.get(self.language, ARTICLES["en"]).split())
        self.heads: Counter[str] = Counter()
        self.verbs: Counter[str] = Counter()
        self.lower_vocab = {w for w in _TOKEN.findall(text) if w[0].islower()}
        for clause in re.split(r"[.,;:!?()“”\"—–]", text):
            tokens = _TOKEN.findall(clause)
            for i, token in enumerate(tokens[:-1]):
                word = token.lower()
                if word in subjects:
                    self.verbs[tokens[i + 1].lower()] += 1
                # a word right before a determiner takes an object: a verb ("controls the")
                if tokens[i + 1].lower() in articles and word not in self.stop and i > 0:
                    self.verbs[word] += 1
                if word in cues:
                    run: list[str] = []
                    for j in range(i + 1, min(i + 5, len(tokens))):
                        follower = tokens[j].lower()
                        after = tokens[j + 1].lower() if j + 1 < len(tokens) else ""
                        if follower in self.stop or (run and after in articles):
                            break
                        run.append(follower)
                    if run:
                        self.heads[run[0] if self.head_first else run[-1]] += 1

    def is_verb(self, word: str) -> bool:
        key = word.lower()
        return (self.verbs[key] > 0 and self.verbs[key] >= self.heads[key]) or (
            self.language == "en" and re.search(r"(ed|ing|ly)$", key) is not None
        )

    def can_head(self, word: str) -> bool:
        """Whether a phrase may rest on ``word`` (its noun): seen as a head, or at least not
        a verb or an adjective."""
        key = word.lower()
        if self.language == "de":  # German writes every noun with a capital
            return word[:1].isupper() and not self.is_verb(word)
        if self.heads[key]:
            return True
        if self.language != "en" or self.is_verb(word) or key in _NOT_NOUNS:
            return False
        return not (self.language == "en" and _ADJECTIVE.search(key))

    def good(self, words: list[str]) -> bool:
        """A complete noun phrase: it rests on its noun and does not open with a verb."""
        head, other = (words[0], words[-1]) if self.head_first else (words[-1], words[0])
        return self.can_head(head) and not self.is_verb(other) and not self.is_verb(head)


@functools.lru_cache(maxsize=1 << 16)
def _stem(word: str) -> str:
    word = word.lower().replace("’", "'")
    word = re.sub(r"'s$", "", word)
    if word.endswith(("ss", "us", "is")):
        return word
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def content_words(text: str, stop: frozenset[str] = STOPWORDS) -> list[str]:
    stems = (_stem(w) for w in _TOKEN.findall(text) if len(w) > 2)
    return [stem for stem in stems if stem not in stop]


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


def depth_scores(paragraphs: list[str], stop: frozenset[str] = STOPWORDS) -> list[float]:
    """Depth of the similarity valley at each gap (gap i lies after paragraph i)."""
    bags = [content_words(p, stop) for p in paragraphs]
    sims = [_cosine(_window(bags, i, -1), _window(bags, i + 1, 1)) for i in range(len(bags) - 1)]
    # Climb from each gap only while similarity rises, as TextTiling does: the peak reached
    # going left (and right) is carried along in one pass each, so a long book whose
    # similarities are all alike (a plateau) stays linear.
    left_peaks: list[float] = []
    for i, sim in enumerate(sims):
        left_peaks.append(left_peaks[-1] if i and sims[i - 1] >= sim else sim)
    right_peaks = [0.0] * len(sims)
    for i in range(len(sims) - 1, -1, -1):
        rising = i < len(sims) - 1 and sims[i + 1] >= sims[i]
        right_peaks[i] = right_peaks[i + 1] if rising else sims[i]
    peaks = zip(left_peaks, sims, right_peaks, strict=True)
    return [(left - sim) + (right - sim) for left, sim, right in peaks]


# A paragraph opening like this continues its predecessor: a chapter rarely starts there.
_CONTINUES = re.compile(
    r"^(?:[“\"‘]|(?:and|or|so|yet|then|also|still|even|it|he|she|they|his|her|their|"
    r"this|that|these|those|such|instead|meanwhile|however)\b)",
    re.IGNORECASE,
)
CUE_PENALTY = 0.25


def _cue(paragraph: str) -> float:
    """Adjustment to the boundary score before ``paragraph`` from how it opens."""
    return -CUE_PENALTY if _CONTINUES.match(paragraph.strip()) else 0.0


def boundaries(paragraphs: list[str], language: str = "en") -> list[int]:
    """Indexes of paragraphs that start a new chapter (never 0), in order.

    Dynamic programming over the paragraph gaps: each boundary earns its valley depth minus a
    threshold (so only real vocabulary shifts pay for a chapter), chapters far from the average
    size pay a small penalty, and very short chapters are not allowed. The chapter count is
    the best one between ``MIN_CHAPTERS`` and what the length allows (``MAX_CHAPTERS`` at most).
    """
    sizes = [len(p.split()) for p in paragraphs]
    total = sum(sizes)
    if total < MIN_WORDS_FOR_CHAPTERS or len(paragraphs) < MIN_CHAPTERS * 2:
        return []
    most = max(
        MIN_CHAPTERS, min(MAX_CHAPTERS, round(total / WORDS_PER_CHAPTER), len(paragraphs) // 2)
    )
    scores = depth_scores(paragraphs, stopwords(language))
    depths = [d + _cue(paragraphs[i + 1]) for i, d in enumerate(scores)]
    threshold = statistics.mean(depths) + THRESHOLD_SD * statistics.pstdev(depths)
    prefix = [0]
    for size in sizes:
        prefix.append(prefix[-1] + size)
    n = len(paragraphs)
    # Only the deepest gaps can start a chapter: this keeps a long book fast (the search is
    # quadratic in the number of candidate gaps) and changes nothing for an article.
    deepest = sorted(range(1, n), key=lambda gap: -depths[gap - 1])[:MAX_CANDIDATES]
    points = [0, *sorted(deepest), n]
    results = []
    for wanted in range(MIN_CHAPTERS, most + 1):
        target = total / wanted
        shortest = max(MIN_CHAPTER_WORDS, target * MIN_SHARE)

        def cost(a: int, b: int, target: float = target, shortest: float = shortest) -> float:
            size = prefix[b] - prefix[a]
            if size < shortest:
                return math.inf
            return SIZE_PENALTY * ((size - target) / target) ** 2

        best: dict[tuple[int, int], tuple[float, list[int]]] = {(0, 0): (0.0, [])}
        for k in range(1, wanted + 1):
            for end in points[1:]:
                options = []
                for start in points:
                    if start >= end:
                        break
                    prev = best.get((k - 1, start))
                    if prev is None:
                        continue
                    gain = depths[start - 1] - threshold if start > 0 else 0.0
                    options.append((prev[0] + cost(start, end) - gain, [*prev[1], start]))
                if options:
                    best[(k, end)] = min(options, key=lambda o: o[0])
        score, starts = best.get((wanted, n), (math.inf, [0]))
        if score < math.inf:
            results.append((score, starts[1:]))
    return min(results)[1] if results else []


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])[\"”’]?\s+|[;:()—–“”\"]|,\s")
_NAME_TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "gov",
        "sen",
        "rep",
        "gen",
        "president",
        "vice",
        "former",
        "chief",
        "executive",
        "commissioner",
        "secretary",
        "minister",
        "senator",
        "governor",
        "mayor",
        "judge",
        "justice",
    ]
)
# Frequent verbs and other words that make poor title heads although not stopwords.
_NOT_NOUNS = frozenset(
    """
    posted wrote asked announced voted began started seemed wanted tried helped went came
    gave took made found kept left showed offered faced described dismissed received
    added noted urged sought skipped appeared stayed tune pitch hear read run press sell
    shut keep hope think need pretend avoid comment describe provide revive bolster halt
    support launch show shows say says accurate billion million trillion thousand hundred
    percent higher lower larger smaller greater fewer bigger federal national total general
    several annual final fiscal economic political legal illegal public local global central
    potential significant strong weak respectively immediately typical whole entire only certain sure likely new
    old big small high low large great good bad best worst recent former latter last
    early earlier late later able unable close open possible real clear unclear loyal
    """.split()  # noqa: SIM905 - a word list reads better as prose
)


def _is_content(token: str, stop: frozenset[str] = STOPWORDS) -> bool:
    key = _stem(token)
    return (
        key not in stop
        and token.lower() not in stop
        and len(token) > 2
        and token.lower() not in _NOT_NOUNS
    )


_MONTHS = frozenset("jan feb mar apr may jun jul aug sep oct nov dec".split())  # noqa: SIM905


def _phrases(text: str, grammar: Grammar | None = None) -> list[tuple[str, str, int]]:
    """Candidate title phrases as (key, surface, sentence index).

    Names (runs of capitalised words, not a lone sentence-initial word) and noun phrases of
    two or three lower-case content words, each a complete phrase resting on its noun (see
    ``Grammar.good``): never cut after an adjective ("Four Century-old Wooden") or around a
    verb ("Helps Researchers Study"). Capitalised words the text also writes in lower case
    (a headline's title case) are not names.
    """
    grammar = grammar or Grammar(text)
    stop, lower_vocab = grammar.stop, grammar.lower_vocab
    # In German every noun is capitalised: a capitalised word is a noun, not a name.
    nouns_capitalised = grammar.language == "de"
    # Quoted speech is what someone said, rarely what the section is about: drop it.
    text = re.sub(r"“[^”]*”|\"[^\"]*\"", " ; ", text)
    found = []
    for position, sentence in enumerate(re.split(r"(?<=[.!?])[\"”’]?\s+", text)):
        # A short plain sentence ("Musk was an obsequious interviewer.") states a topic the
        # way an opening sentence does: it weighs as much.
        short = len(sentence.split()) <= TOPIC_SENTENCE_WORDS and ";" not in sentence
        index = 0 if short else position
        for clause in _SENTENCE_SPLIT.split(sentence):
            # A word fused to a number ("2½-minute") is not a title word.
            tokens = [t for t in _TOKEN.findall(re.sub(r"\S*\d\S*", " ", clause or ""))]
            i = 0
            while i < len(tokens):
                if not tokens[i][0].isupper() or tokens[i].lower() in stop:
                    i += 1
                    continue
                j = i
                # a run of capitals ends at a function word ("PAUSE THE FIRST LADY")
                while j < len(tokens) and tokens[j][0].isupper() and tokens[j].lower() not in stop:
                    j += 1
                run = tokens[i:j]
                start = i
                while run and (
                    run[0].lower() in _NAME_TITLES
                    or _stem(run[0]) in stop
                    or run[0].lower() in stop
                    or (start == 0 and run[0].lower() in lower_vocab)
                    or run[0].lower()[:3] in _MONTHS
                ):
                    run, start = run[1:], start + 1
                run = [re.sub(r"[’']s$", "", t) for t in run]
                # Title case: words also written in lower case must make a noun phrase.
                while run and (
                    run[-1].lower() in stop
                    or grammar.is_verb(run[-1])
                    or (run[-1].lower() in lower_vocab and not grammar.can_head(run[-1]))
                ):
                    run = run[:-1]
                common = [t for t in run if t.lower() in lower_vocab]
                if common and not nouns_capitalised and not grammar.good(run):
                    run = []
                if (
                    run
                    and len(run) <= 4
                    and (start > 0 or len(run) > 1)
                    and all(len(t) > 1 for t in run)
                    and _stem(run[-1]) not in stop
                    and run[-1].lower() not in _NOT_NOUNS
                ):
                    found.append((" ".join(_stem(t) for t in run), " ".join(run), index))
                i = j
            lower_runs: list[list[str]] = [[]]
            for token in tokens:
                if token[0].islower() and _is_content(token, stop) and not re.search("[’']", token):
                    lower_runs[-1].append(token)
                else:
                    lower_runs.append([])
            if nouns_capitalised:
                # German: an adjective and its noun after a determiner ("die alte Brücke");
                # lower-case words alone are not nouns.
                cues = frozenset(NOUN_CUES["de"].split())
                for before, left, right in zip(tokens, tokens[1:], tokens[2:], strict=False):
                    if (
                        before.lower() in cues
                        and left[0].islower()
                        and _is_content(left, stop)
                        and right[0].isupper()
                        and right.lower() not in stop
                        and not grammar.is_verb(left)
                    ):
                        found.append((f"{_stem(left)} {_stem(right)}", f"{left} {right}", index))
                continue
            for run in lower_runs:
                for n in (2, 3):
                    for k in range(len(run) - n + 1):
                        words = run[k : k + n]
                        if not grammar.good(words):
                            continue
                        found.append((" ".join(_stem(w) for w in words), " ".join(words), index))
    return found


def _title_case(phrase: str, language: str = "en") -> str:
    if base_language(language) != "en":  # other languages capitalise only the first word
        return phrase[:1].upper() + phrase[1:]
    small = {"a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or", "the", "to"}
    words = phrase.split()
    return " ".join(
        w if (w[0].isupper() or (i and w.lower() in small)) else w[0].upper() + w[1:]
        for i, w in enumerate(words)
    )


def chapter_titles(sections: list[str], language: str = "en") -> list[str]:
    """A short descriptive title for each section, distinct from the others.

    Phrases are scored by how often the section uses them (earlier sentences weigh more: a
    section's opening usually names its topic), how rare they are in the other sections and
    their length. The best phrase is the title; a lone word is paired with the runner-up.
    """
    grammar = Grammar(" ".join(sections), language)
    found = [_phrases(s, grammar) for s in sections]
    surfaces: dict[str, Counter[str]] = {}
    for phrases in found:
        for key, surface, _ in phrases:
            surfaces.setdefault(key, Counter())[surface] += 1
    total = Counter(key for phrases in found for key, _, _ in phrases)
    word_freq = Counter(
        word for phrases in found for word in {w for k, _, _ in phrases for w in k.split()}
    )
    titles: list[str] = []
    used: set[str] = set()
    for section, phrases in zip(sections, found, strict=True):
        weight: dict[str, float] = {}
        here = Counter(key for key, _, _ in phrases)
        # the words the section keeps coming back to are its subject
        uses = Counter(content_words(section, grammar.stop))
        for key, _, index in phrases:
            weight[key] = weight.get(key, 0.0) + 1.0 + 3.0 / (1 + index)

        def score(
            key: str,
            weight: dict[str, float] = weight,
            here: Counter[str] = here,
            uses: Counter[str] = uses,
        ) -> float:
            n_words = len(key.split())
            # how much of the phrase's use is in this section (1 = only here)
            idf = math.log(1 + len(sections) * here[key] / total[key])
            spread = sum(math.log((1 + len(sections)) / word_freq[w]) for w in key.split())
            is_name = key != key.lower() or surfaces[key].most_common(1)[0][0][0].isupper()
            repeated = statistics.mean(math.log1p(uses[w.lower()]) for w in key.split())
            return (
                weight[key]
                * (1 + 0.5 * repeated)
                * (idf + 0.3 * spread / n_words)
                * (1 + 0.35 * (n_words - 1))
                * (0.7 if is_name else 1.0)
            )

        ranked = sorted(weight, key=lambda k: (-score(k), k))
        # Prefer a phrase; a lone word only when no phrase says anything distinctive.
        multi = [k for k in ranked if " " in k and k not in used and score(k) > 0]
        singles = [k for k in ranked if " " not in k and k not in used and score(k) > 0]
        picked = multi[:1] or singles[:1]
        used.update(picked)
        words = [_title_case(surfaces[k].most_common(1)[0][0], language) for k in picked]
        titles.append(" and ".join(words) if words else "")
    return [t or f"Part {i + 1}" for i, t in enumerate(titles)]


def topical_chapters(
    paragraphs: list[str], title: str = "", language: str = "en"
) -> list[tuple[str, list[int]]]:
    """Group paragraphs into titled chapters: [(title, [paragraph indexes])].

    ``title`` (the article's headline) is read with the first chapter when choosing its name,
    since a headline usually names what the opening is about.
    """
    if not paragraphs:
        return []
    starts = [0, *boundaries(paragraphs, language), len(paragraphs)]
    groups = [list(range(a, b)) for a, b in itertools.pairwise(starts)]
    if len(groups) == 1:
        return [("", groups[0])]
    sections = [" ".join(paragraphs[i] for i in group) for group in groups]
    if title:
        sections[0] = f"{title.rstrip('.')}. {sections[0]}"
    titles = chapter_titles(sections, language)
    return list(zip(titles, groups, strict=True))
