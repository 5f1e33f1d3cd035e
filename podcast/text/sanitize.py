"""Control characters stop at the door: no article text reaches the script, the tags, the feed
or a terminal with a C0/C1 control character in it.

A BEL or an ESC in a title is no word (nothing is lost by dropping it), but it breaks XML (the
feed refuses it), and printed raw it drives the terminal (an ESC sequence sets its title or
clears the screen). ``sanitize_article`` strips them from the article's text right after it is
read, and lists what went in ``Article.removed``; the article's source name is kept readable
with visible escapes (``\\x1b``). ``escape_controls`` is for printing any text safely.
"""

from __future__ import annotations

import dataclasses

from podcast.controls import CONTROL, STRIPPED, escape_controls, strip_controls
from podcast.models import Article, Removal

REASON = "control characters"


def sanitize_article(article: Article) -> Article:
    """``article`` with control characters stripped from its text and escaped in its source
    name; the stripped characters are listed once, escaped, in ``removed``."""
    fields = {
        "title": article.title,
        "author": article.author,
        "date": article.date,
        "url": article.url,
        **{f"block{i}": b.text for i, b in enumerate(article.blocks)},
        **{f"block_url{i}": b.url for i, b in enumerate(article.blocks)},
    }
    matches = {c for value in fields.values() for c in STRIPPED.findall(value)}
    if not matches and not CONTROL.search(article.source):
        return article
    found = sorted(matches - {"\r"})  # a carriage return is a line break, not a removal
    removed = article.removed
    if found:
        removed = (*removed, Removal(" ".join(escape_controls(c) for c in found), REASON))
    blocks = tuple(
        dataclasses.replace(b, text=strip_controls(b.text), url=strip_controls(b.url))
        for b in article.blocks
    )
    return dataclasses.replace(
        article,
        title=strip_controls(article.title).replace("\n", " ").strip(),
        author=strip_controls(article.author),
        date=strip_controls(article.date),
        url=strip_controls(article.url),
        blocks=blocks,
        source=escape_controls(article.source),
        removed=removed,
    )
