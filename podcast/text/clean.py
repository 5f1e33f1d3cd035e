"""Remove page furniture from an article, listing every removal.

What is removed is never spoken, so each removal is recorded (text + reason) and shown in the
script's ``removed`` list: nothing the article says goes missing silently.
"""

from __future__ import annotations

import re
from dataclasses import replace

from podcast.models import PARAGRAPH, Article, Block, Removal

# Whole paragraphs that are page furniture, with the reason reported for each.
FURNITURE_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), reason)
    for pattern, reason in (
        (
            r"^[-•*·]?\s*share( (via|this( article| story| page)?|on [\w ]{1,20}))?\s*:?$",
            "share widget",
        ),
        (r"^[-•*·]?\s*(tweet|email|print|copy link|facebook|linkedin|reddit)\s*$", "share widget"),
        (r"^[-•*·]?\s*(follow|like) us\b.{0,60}$", "social media prompt"),
        (r"^(get|sign up for|subscribe to)\b.{0,80}\bnewsletters?\b.{0,40}$", "newsletter sign-up"),
        (r"^(sign up|subscribe)( now| today| here)?[.!]?$", "newsletter sign-up"),
        (r"^(?=(\S+\s+){0,40}\S+$).*\bin your inbox\b.{0,60}$", "newsletter sign-up"),
        (r"^you may occasionally receive promotional content\b", "promotional line"),
        (r"^(advertisement|sponsored( content)?|ad)$", "advertisement"),
        (
            r"^(photo|photograph|image|picture|illustration|credit|foto|bild|crédit)"
            r"( credit| by| de| von)?s?\s*[:©]\s",
            "image credit",
        ),
    )
)

# A line that opens a block of links to other stories; it and its headline lines are dropped.
RELATED_HEADER = re.compile(
    r"^(more to read|related( (stories|articles|coverage|content))?|read more|"
    r"more from [\w .'-]{1,40}|recommended( for you)?|you might also like|trending)\s*:?$",
    re.IGNORECASE,
)

FOOTNOTE_MARKER = re.compile(r"\[(\d{1,3}|[a-z]|note \d+)\]", re.IGNORECASE)
EMOJI = re.compile("[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff\ufe0f\u200d]+")


def _looks_like_headline(text: str) -> bool:
    """A short line without closing punctuation, as in a list of links to other stories."""
    return len(text.split()) <= 16 and not re.search(r"[.!?:\"”]\s*$", text)


def _furniture_reason(text: str) -> str | None:
    for pattern, reason in FURNITURE_RULES:
        if pattern.search(text.strip()):
            return reason
    return None


BYLINE = re.compile(r"^(by|written by|story by|reporting by)\s+[A-Z]", re.IGNORECASE)
HANDLE = re.compile(
    r"\s*(?:\(|\|\s*)?(?:twitter:\s*)?@\w{2,}\)?|\s*\|?\s*follow (?:her|him|them) on \w+",
    re.IGNORECASE,
)


def _clean_byline(text: str, removed: list[Removal]) -> str:
    """A byline keeps the writer's name but not their social handles."""
    if not BYLINE.match(text) or len(text.split()) > 25:
        return text
    for match in HANDLE.finditer(text):
        removed.append(Removal(match.group(0).strip(), "social handle in byline"))
    return HANDLE.sub("", text).strip()


def _clean_inline(text: str, removed: list[Removal]) -> str:
    for match in FOOTNOTE_MARKER.finditer(text):
        removed.append(Removal(match.group(0), "footnote marker"))
    text = FOOTNOTE_MARKER.sub("", text)
    for match in EMOJI.finditer(text):
        if match.group(0).strip("\ufe0f\u200d"):
            removed.append(Removal(match.group(0), "emoji"))
    text = EMOJI.sub("", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


_NAME_RUN = re.compile(r"(?:[A-Z][\w.’'-]*\s+){2,}[A-Z][\w’'-]*")
_CONNECTIVE_START = re.compile(
    r"^(but|and|or|so|yet|then|also|still|even|after|before|when|while|as|he|she|it|they|"
    r"this|that|these|those|his|her|its|their|there|here)\b",
    re.IGNORECASE,
)
TEASER_MIN_GAP = 3


def _names(text: str) -> set[str]:
    """Runs of three or more capitalised words ("Vice President Kamala Harris")."""
    return {re.sub(r"[’']s$", "", m.group(0)) for m in _NAME_RUN.finditer(text)}


def teasers(paragraphs: list[str]) -> set[int]:
    """Indexes of one-line teasers for other stories dropped between a story's paragraphs.

    News pages slip the headline-sentence of another story between paragraphs. Such a line is
    one plain sentence (no quotes, not opening with a connective or pronoun that would tie it
    to its neighbours) that introduces someone with full name and title again ("Vice President
    Kamala Harris") although the story named them that way several paragraphs earlier, which
    a story's own paragraphs never do. Only lines meeting all of this are reported.
    """
    first_seen: dict[str, int] = {}
    found: set[int] = set()
    for index, text in enumerate(paragraphs):
        names = _names(text)
        words = len(text.split())
        one_sentence = len(re.findall(r"[.!?](\s|$)", text)) == 1 and text.endswith(".")
        plain = not re.search(r"[“”\"():;]", text) and not _CONNECTIVE_START.match(text)
        reintroduced = any(
            index - first_seen[name] >= TEASER_MIN_GAP for name in names if name in first_seen
        )
        if index >= 2 and one_sentence and plain and 10 <= words <= 40 and reintroduced:
            found.add(index)
        for name in names:
            first_seen.setdefault(name, index)
    return found


def clean(article: Article) -> Article:
    """Return the article without furniture; ``removed`` lists what went and why."""
    removed: list[Removal] = list(article.removed)
    kept: list[Block] = []
    in_related = False
    teaser_indexes = teasers([b.text.strip() for b in article.blocks])
    for index, block in enumerate(article.blocks):
        text = block.text.strip()
        if index in teaser_indexes:
            removed.append(Removal(text, "teaser for another story"))
            continue
        if block.kind == PARAGRAPH:
            if RELATED_HEADER.match(text):
                removed.append(Removal(text, "links to other stories"))
                in_related = True
                continue
            reason = _furniture_reason(text)
            if reason:
                removed.append(Removal(text, reason))
                continue
            if in_related and _looks_like_headline(text):
                removed.append(Removal(text, "links to other stories"))
                continue
        in_related = False
        cleaned = _clean_inline(_clean_byline(text, removed), removed)
        if cleaned:
            kept.append(replace(block, text=cleaned))
        elif text:
            removed.append(Removal(text, "nothing speakable"))
    title = _clean_inline(article.title, removed)
    return replace(article, title=title, blocks=tuple(kept), removed=tuple(removed))
