"""HTML pages: page furniture inside the article is found by structure, listed, never read;
the article's own words all stay; the title is the page's own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from podcast.models import HEADING, Article
from podcast.text.clean import clean
from podcast.text.readers import read_bytes

CORPUS = Path(__file__).parent.parent / "benchmarks" / "corpus"

# The article's own words, in the order a listener must hear them.
WIKI_BODY = (
    "Lumen is a free software community founded in 1998 by volunteers from a small city.",
    "The first release came a year later, after long work on the rendering engine and the "
    "network code that the founders had written together in their spare time.",
    "In 2004 the community moved its servers to a foundation that still funds the project "
    "today, and new members joined from universities and companies across the continent.",
)

WIKI = f"""<!DOCTYPE html><html lang="en"><head><title>Lumen - Wikipedia</title>
<meta property="og:title" content="Lumen - Wikipedia"></head><body>
<a class="mw-jump-link" href="#mw-head">Jump to navigation</a>
<h1 id="firstHeading">Lumen</h1>
<div id="bodyContent"><div id="siteSub">From Wikipedia, the free encyclopedia</div>
<div class="hatnote">For the unit of light, see Lumen (unit).</div>
<span id="coordinates">52°31′N 13°24′E</span>
<table class="infobox vcard"><tr><th>Founded</th><td>1998</td></tr>
<tr><th>Type</th><td>Community</td></tr></table>
<p>{WIKI_BODY[0]}<sup class="reference"><a href="#cite_note-1">[1]</a></sup></p>
<div id="toc" class="toc"><div class="toctitle"><h2>Contents</h2></div><ul>
<li><span class="tocnumber">1</span> <span class="toctext">History</span></li>
<li><span class="tocnumber">2</span> <span class="toctext">References</span></li></ul></div>
<h2><span class="mw-headline" id="History">History</span><span class="mw-editsection">
<span class="mw-editsection-bracket">[</span><a href="/edit">edit</a>
<span class="mw-editsection-bracket">]</span></span></h2>
<div class="thumb tright"><div class="thumbinner"><img src="a.png">
<div class="thumbcaption">The first office of the community in 1999</div></div></div>
<p>{WIKI_BODY[1]}<sup class="noprint Inline-Template Template-Fact">[<i>citation needed</i>]</sup></p>
<p>{WIKI_BODY[2]}<sup class="reference"><a href="#cite_note-2">[2]</a></sup></p>
<h2><span class="mw-headline" id="References">References</span><span class="mw-editsection">
[<a href="/edit">edit</a>]</span></h2>
<div class="reflist"><ol class="references">
<li id="cite_note-1">Smith, J. (2001). <i>Lumen history</i>. Press. ISBN 978-0-00-000000-2.</li>
<li id="cite_note-2">Doe, A. "Servers move". Retrieved 2005-01-02.</li></ol></div>
<h2><span class="mw-headline">External links</span></h2>
<ul><li><a href="https://lumen.example">Official website</a></li></ul>
<table class="navbox"><tr><th>Free software communities</th></tr>
<tr><td><a href="/a">Alpha</a> · <a href="/b">Beta</a> · <a href="/c">Gamma</a></td></tr></table>
</div></body></html>"""

NEWS_BODY = (
    "Le fleuve est monté de quatre mètres pendant la nuit et a atteint le vieux pont de "
    "pierre à l'aube, surprenant les habitants qui attendaient seulement une pluie légère.",
    "Les autorités ont demandé aux familles proches de l'eau de quitter leurs maisons avant "
    "midi, et des bus ont conduit les habitants jusqu'au gymnase de l'école du quartier.",
    "Les prévisionnistes attendent une lente décrue pendant le week-end, mais de nouvelles "
    "pluies pourraient arriver lundi et garder les rues basses inondées plusieurs jours.",
)

NEWS = f"""<!doctype html><html lang="fr"><head>
<title>Crue : le fleuve atteint le vieux pont | Le Journal du Val</title>
<meta property="og:site_name" content="Le Journal du Val"></head><body>
<nav><a href="/">Accueil</a> <a href="/politique">Politique</a></nav>
<article><h1>Crue : le fleuve atteint le vieux pont</h1>
<figure><img src="pont.jpg"><figcaption>Le vieux pont, samedi matin. Photo : Marie Dupont
</figcaption></figure>
<p>{NEWS_BODY[0]}</p>
<p><strong>Lire aussi :</strong> <a href="/x">Les crues de 1910, un siècle après</a></p>
<p>{NEWS_BODY[1]}</p>
<ul class="share-buttons"><li>Partager</li><li>Tweeter</li></ul>
<p>{NEWS_BODY[2]}</p>
<p>Read more: <a href="/y">How rivers are measured</a></p>
</article><footer>© 2024 Le Journal du Val. Tous droits réservés.</footer></body></html>"""


def read(page: str, name: str = "page.html") -> Article:
    return clean(read_bytes(page.encode("utf-8"), name))


def spoken(article: Article) -> str:
    return " ".join([article.title, *(b.text for b in article.blocks)])


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def in_order(needles: tuple[str, ...], haystack: str) -> bool:
    """Every word of ``needles`` appears in ``haystack``, in the same order."""
    found = iter(words(haystack))
    return all(any(w == h for h in found) for w in words(" ".join(needles)))


@pytest.mark.parametrize(
    ("page", "body", "title", "furniture"),
    [
        pytest.param(
            WIKI,
            WIKI_BODY,
            "Lumen",
            {
                "Jump to navigation": "navigation link",
                "For the unit of light": "note about the page",
                "52°31′N": "coordinates",
                "Founded": "infobox",
                "[1]": "citation marker",
                "citation needed": "citation marker",
                "Contents 1 History": "table of contents",
                "[ edit ]": "edit link",
                "first office of the community": "caption",
                "ISBN 978": "reference list",
                "Official website": "reference section",
                "Alpha · Beta": "navigation box",
                "From Wikipedia": "page furniture",
            },
            id="mediawiki",
        ),
        pytest.param(
            NEWS,
            NEWS_BODY,
            "Crue : le fleuve atteint le vieux pont",
            {
                "Photo : Marie Dupont": "caption",
                "Les crues de 1910": "teaser for another story",
                "How rivers are measured": "teaser for another story",
                "Partager": "share widget",
                "Tous droits réservés": "page furniture",
            },
            id="news-fr",
        ),
    ],
)
def test_furniture_is_listed_never_read_and_the_article_stays(
    page: str, body: tuple[str, ...], title: str, furniture: dict[str, str]
) -> None:
    article = read(page)
    assert article.title == title
    text = spoken(article)
    assert in_order(body, text), text  # no word of the main text lost, order kept
    removed = [(r.text, r.reason) for r in article.removed]
    for piece, reason in furniture.items():
        assert piece not in text, piece
        assert any(piece in t and r == reason for t, r in removed), (piece, reason, removed)
    # nothing spoken but the title, the article and its headings
    body_words = set(words(" ".join(body)) + words(title) + ["history"])
    assert set(words(text)) <= body_words, set(words(text)) - body_words


def test_chapter_titles_have_no_edit_links() -> None:
    headings = [b.text for b in read(WIKI).blocks if b.kind == HEADING]
    assert headings == ["History"]


@pytest.mark.parametrize(
    ("head", "title"),
    [
        ("<title>Mozilla - Wikipedia, the free encyclopedia</title>", "Mozilla"),
        ('<meta property="og:title" content="Rivers rise"><title>x</title>', "Rivers rise"),
        (
            '<meta property="og:site_name" content="Example News">'
            "<title>Example News | Rivers rise in the valley</title>",
            "Rivers rise in the valley",
        ),
    ],
)
def test_the_title_is_the_pages_own_without_the_site(head: str, title: str) -> None:
    body = "<p>" + " ".join(NEWS_BODY) + "</p>"
    page = f"<!doctype html><html><head>{head}</head><body><article>{body}</article></body></html>"
    assert read(page).title == title


WIKIPEDIA_PAGES = ["01_wikipedia-mozilla.html", "02_wikipedia-hermitian-matrix.html"]


@pytest.mark.parametrize("name", WIKIPEDIA_PAGES)
def test_real_wikipedia_pages_lose_no_word_silently(name: str) -> None:
    """Against an independent main text (Readability's reviewed output, trimmed): every word
    is spoken or listed in ``removed``; references and edit links are never spoken."""
    page = CORPUS / "texts" / name
    reference = (CORPUS / "reference" / name).with_suffix(".txt")
    article = read(page.read_text(encoding="utf-8"), name)
    text = spoken(article)
    said = words(text) + words(" ".join(r.text for r in article.removed))
    counts: dict[str, int] = {}
    for word in said:
        counts[word] = counts.get(word, 0) + 1
    lost = 0
    expected = words(reference.read_text(encoding="utf-8"))
    for word in expected:
        if counts.get(word, 0) > 0:
            counts[word] -= 1
        else:
            lost += 1
    assert lost <= 0.01 * len(expected), lost
    headings = [b.text for b in article.blocks if b.kind == HEADING]
    assert headings and not any("edit" in h.lower() or "[" in h for h in headings), headings
    assert "References" not in headings and "ISBN" not in text and "Retrieved" not in text
    reasons = {r.reason for r in article.removed}
    assert {"edit link", "citation marker", "table of contents"} <= reasons
