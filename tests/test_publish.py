"""Publishing: the feed read back by podcast clients and by namespace-aware XML, the site, serve.

The last test loads an episode page in a real headless browser (Debian chromium + chromedriver
via selenium) from ``podcast serve``: the audio source resolves, chapter buttons seek, captions
appear. It is skipped, with the reason, when chromium or chromedriver is missing
(``.ci/browser-deps`` installs them).

The seed episode (session fixture) and a second, short article whose title needs escaping are
published into one site; re-publishing must keep every GUID and pubDate.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import http.client
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import podcastparser
import pytest
from lxml import etree

from podcast.config.show import load_show
from podcast.publish.serve import serving
from podcast.publish.site import ascii_slug, publish_site
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
}
BASE = "https://podcast.example.org/show/"
TRICKY_TITLE = 'Q&A: x < y & "Quotes" in Café'
TRICKY = (
    f"# {TRICKY_TITLE}\n\n## Ask & answer\n\nWhat is <b>? It is a tag.\n\n## Done\n\nThe end.\n"
)
FIRST = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def site(seed_episode: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    from podcast.build.pipeline import BuildOptions, build

    root = tmp_path_factory.mktemp("publish")
    episodes = root / "episodes"
    episodes.mkdir()
    shutil.copytree(seed_episode["dir"], episodes / seed_episode["dir"].name)
    article = root / "tricky.md"
    article.write_text(TRICKY, encoding="utf-8")
    (tricky,) = build([str(article)], BuildOptions(out_dir=episodes))
    show = load_show(None, ROOT)
    result = publish_site(episodes, root / "public", show, base_url=BASE, now=FIRST)
    return {
        "root": root,
        "episodes": episodes,
        "public": root / "public",
        "show": show,
        "result": result,
        "tricky_slug": ascii_slug(tricky.slug),
        "seed_slug": ascii_slug(seed_episode["dir"].name),
    }


def _feed(site: dict) -> etree._Element:
    return etree.parse(str(site["public"] / "feed.xml")).getroot()


def test_channel_has_every_tag_apple_requires(site: dict) -> None:
    channel = _feed(site).find("channel")
    assert channel is not None
    show = site["show"]
    assert channel.findtext("title") == show.title
    assert channel.findtext("description") == show.description
    assert channel.findtext("language") == "en"
    assert channel.findtext("link")
    assert channel.findtext("itunes:author", namespaces=NS) == show.author
    assert channel.findtext("itunes:explicit", namespaces=NS) == "false"
    category = channel.find("itunes:category", NS)
    assert category is not None and category.get("text") == show.category
    image = channel.find("itunes:image", NS)
    assert image is not None and image.get("href", "").startswith(BASE + "cover-")
    assert (site["public"] / image.get("href", "")[len(BASE) :]).is_file()
    self_link = channel.find("atom:link[@rel='self']", NS)
    assert self_link is not None and self_link.get("href") == BASE + "feed.xml"
    expected_guid = uuid.uuid5(
        uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), "podcast.example.org/show/feed.xml"
    )
    assert channel.findtext("podcast:guid", namespaces=NS) == str(expected_guid)


def test_items_have_enclosures_guids_dates_durations_chapters_transcripts(site: dict) -> None:
    items = _feed(site).findall("channel/item")
    assert len(items) == 2
    guids = [item.findtext("guid") for item in items]
    assert len(set(guids)) == 2
    dates = [email.utils.parsedate_to_datetime(item.findtext("pubDate") or "") for item in items]
    # published in one run: distinct, newest first, the last one at the publish time
    assert dates == [FIRST, FIRST - dt.timedelta(seconds=1)]
    for item in items:
        assert item.findtext("title")
        assert item.find("guid").get("isPermaLink") == "false"  # type: ignore[union-attr]
        enclosure = item.find("enclosure")
        assert enclosure is not None and enclosure.get("type") == "audio/mpeg"
        url = enclosure.get("url", "")
        assert url.startswith(BASE) and url.isascii()
        local = site["public"] / url[len(BASE) :]
        assert int(enclosure.get("length", "0")) == local.stat().st_size
        assert int(item.findtext("itunes:duration", namespaces=NS) or "0") > 0
        chapters = item.find("podcast:chapters", NS)
        assert chapters is not None and chapters.get("type") == "application/json+chapters"
        assert (site["public"] / chapters.get("url", "")[len(BASE) :]).is_file()
        kinds = {t.get("type"): t for t in item.findall("podcast:transcript", NS)}
        assert {"text/vtt", "application/x-subrip"} <= set(kinds)
        assert kinds["text/vtt"].get("rel") == "captions"
        description = item.findtext("description") or ""
        assert "Chapters" in description and "00:00" in description


def test_feedparser_reads_it(site: dict) -> None:
    parsed = feedparser.parse(str(site["public"] / "feed.xml"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == site["show"].title
    titles = {entry.title for entry in parsed.entries}
    assert TRICKY_TITLE in titles
    for entry in parsed.entries:
        (enclosure,) = entry.enclosures
        local = site["public"] / enclosure.href[len(BASE) :]
        assert int(enclosure.length) == local.stat().st_size
        assert "podcast_chapters" in entry or "podcast_transcript" in entry


def test_podcastparser_reads_it(site: dict) -> None:
    with (site["public"] / "feed.xml").open("rb") as fh:
        parsed = podcastparser.parse(BASE + "feed.xml", fh)
    assert parsed["title"] == site["show"].title
    assert parsed["cover_url"].startswith(BASE + "cover-")
    assert len(parsed["episodes"]) == 2
    for episode in parsed["episodes"]:
        assert episode["guid"].startswith("urn:uuid:")
        assert episode["total_time"] > 0
        assert episode["explicit"] is False
        (enclosure,) = episode["enclosures"]
        assert enclosure["mime_type"] == "audio/mpeg"
        assert (
            enclosure["file_size"]
            == (site["public"] / enclosure["url"][len(BASE) :]).stat().st_size
        )


def test_every_file_name_is_ascii(site: dict) -> None:
    for path in site["public"].rglob("*"):
        name = path.relative_to(site["public"]).as_posix()
        assert name.isascii() and " " not in name, name


def test_user_text_is_escaped_on_pages(site: dict) -> None:
    page = (site["public"] / site["tricky_slug"] / "index.html").read_text()
    assert "x < y" not in page
    assert "Q&amp;A: x &lt; y &amp; &quot;Quotes&quot; in Café" in page
    index = (site["public"] / "index.html").read_text()
    assert "x &lt; y" in index and "x < y" not in index


def test_episode_page_has_player_chapters_captions_transcript_and_feed_link(site: dict) -> None:
    page = (site["public"] / site["seed_slug"] / "index.html").read_text()
    assert '<audio id="player" controls' in page
    assert '<track kind="captions" src="transcript.vtt"' in page
    chapters = json.loads((site["public"] / site["seed_slug"] / "chapters.json").read_text())
    for chapter in chapters["chapters"]:
        assert f'data-start="{chapter["startTime"]:g}"' in page
    assert 'href="#t=' in page and 'href="../feed.xml"' in page
    assert 'src="../player.js"' in page


def test_republishing_keeps_guids_and_dates_and_adds_new_episodes(site: dict) -> None:
    before = {
        i.findtext("guid"): i.findtext("pubDate") for i in _feed(site).findall("channel/item")
    }
    again = publish_site(site["episodes"], site["public"], site["show"], base_url=BASE)
    assert again.added == ()
    after = {i.findtext("guid"): i.findtext("pubDate") for i in _feed(site).findall("channel/item")}
    assert after == before
    # a new episode is added; the old ones keep their GUIDs and dates
    extra = site["episodes"] / "extra-episode"
    shutil.copytree(site["episodes"] / site["tricky_slug"], extra)
    (extra / "tricky.mp3").unlink(missing_ok=True)
    later = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    third = publish_site(site["episodes"], site["public"], site["show"], base_url=BASE, now=later)
    assert third.added == ("extra-episode",)
    items = {i.findtext("guid"): i.findtext("pubDate") for i in _feed(site).findall("channel/item")}
    assert len(items) == 3
    assert {g: items[g] for g in before} == before
    newest = _feed(site).find("channel/item")
    assert email.utils.parsedate_to_datetime(newest.findtext("pubDate") or "") == later  # type: ignore[union-attr]
    # --remove takes it out, and it stays out on the next publish
    gone = publish_site(
        site["episodes"], site["public"], site["show"], base_url=BASE, remove=("extra-episode",)
    )
    assert gone.removed == ("extra-episode",)
    assert not (site["public"] / "extra-episode").exists()
    publish_site(site["episodes"], site["public"], site["show"], base_url=BASE)
    remaining = {
        i.findtext("guid"): i.findtext("pubDate") for i in _feed(site).findall("channel/item")
    }
    assert remaining == before
    shutil.rmtree(extra)


def _request(base: str, path: str, method: str = "GET", headers: dict | None = None):  # type: ignore[no-untyped-def]
    host = base.split("//")[1].rstrip("/")
    conn = http.client.HTTPConnection(host, timeout=10)
    conn.request(method, path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def test_serve_answers_head_and_byte_ranges(site: dict) -> None:
    slug = site["seed_slug"]
    mp3 = site["public"] / slug / f"{slug}.mp3"
    size = mp3.stat().st_size
    data = mp3.read_bytes()
    path = f"/{slug}/{slug}.mp3"
    with serving(site["public"]) as base:
        head, body = _request(base, path, "HEAD")
        assert head.status == 200 and body == b""
        assert int(head.getheader("Content-Length")) == size
        assert head.getheader("Accept-Ranges") == "bytes"
        assert head.getheader("Content-Type") == "audio/mpeg"
        part, body = _request(base, path, headers={"Range": "bytes=1000-1099"})
        assert part.status == 206 and body == data[1000:1100]
        assert part.getheader("Content-Range") == f"bytes 1000-1099/{size}"
        tail, body = _request(base, path, headers={"Range": "bytes=-10"})
        assert tail.status == 206 and body == data[-10:]
        rest, body = _request(base, path, headers={"Range": f"bytes={size - 5}-"})
        assert rest.status == 206 and body == data[-5:]
        past, _ = _request(base, path, headers={"Range": f"bytes={size}-"})
        assert past.status == 416
        hidden, _ = _request(base, "/.publish-state.json")
        assert hidden.status == 404
        vtt, _ = _request(base, f"/{slug}/transcript.vtt", "HEAD")
        assert vtt.getheader("Content-Type").startswith("text/vtt")


# --- a real browser ---------------------------------------------------------------------------

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
DRIVER_CANDIDATES = ("chromedriver",)


def _which(names: tuple[str, ...]) -> str | None:
    for name in names:
        found = shutil.which(name) or shutil.which(name, path="/usr/bin:/usr/lib/chromium")
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = _which(CHROMIUM_CANDIDATES)
    driver_path = _which(DRIVER_CANDIDATES)
    if not chromium or not driver_path:
        pytest.skip(
            "chromium and chromedriver are not installed (run .ci/browser-deps as root: "
            "apt-get install chromium chromium-driver)"
        )
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-extensions",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--mute-audio",
        "--autoplay-policy=no-user-gesture-required",
    ):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=driver_path)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver: Any, script: str, timeout_s: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout_s
    value = None
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {script} (last value {value!r})")


def test_browser_page_plays_seeks_by_chapter_and_shows_captions(browser: Any, site: dict) -> None:
    from selenium.webdriver.common.by import By

    slug = site["seed_slug"]
    chapters = json.loads((site["public"] / slug / "chapters.json").read_text())["chapters"]
    with serving(site["public"]) as base:
        browser.get(f"{base}{slug}/")
        # the audio element's source resolves: metadata loads and the duration matches
        _wait(browser, "return document.getElementById('player').readyState >= 1")
        duration = browser.execute_script("return document.getElementById('player').duration")
        src = browser.execute_script("return document.getElementById('player').currentSrc")
        assert src == f"{base}{slug}/{slug}.mp3"
        assert abs(duration - chapters[-1]["endTime"]) < 1.0
        buttons = browser.find_elements(By.CSS_SELECTOR, "#chapters button")
        assert len(buttons) == len(chapters)
        seen = []
        for index in (3, 1):
            target = chapters[index]["startTime"]
            buttons[index].click()
            current = _wait(
                browser,
                "var t = document.getElementById('player').currentTime;"
                f"return Math.abs(t - {target}) < 1.5 ? t : 0",
            )
            caption = _wait(browser, "return document.getElementById('caption').textContent")
            seen.append((chapters[index]["title"], target, round(current, 2), caption[:50]))
            assert caption.strip()
        # a #t= deep link seeks on load
        deep = chapters[2]["startTime"] + 5
        browser.get(f"{base}{slug}/#t={deep:g}")
        at = _wait(
            browser,
            "var a = document.getElementById('player');"
            f"return a.readyState >= 1 && Math.abs(a.currentTime - {deep}) < 1.5 ? a.currentTime : 0",
        )
        feed_link = browser.find_element(By.CSS_SELECTOR, "a[href='../feed.xml']")
        assert feed_link.get_attribute("href") == f"{base}feed.xml"
    print(f"\nbrowser saw: src={src} duration={duration:.2f}s seeks={seen} deep-link={at:.2f}s")


def test_no_local_path_is_published_and_podcastparser_reads_the_chapters(site: dict) -> None:
    """The seed is a local file: its path is in no public file; chapters via psc:chapters."""
    for path in site["public"].rglob("*"):
        if path.is_file() and not path.name.startswith(".") and path.suffix != ".mp3":
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "seeds/" not in text and "Source:" not in text, path
    with (site["public"] / "feed.xml").open("rb") as fh:
        parsed = podcastparser.parse(BASE + "feed.xml", fh)
    for episode in parsed["episodes"]:
        assert [c["title"] for c in episode["chapters"]], episode["title"]


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def _axe_js() -> str:
    """axe-core's script: PODCAST_AXE_JS, or where .ci/browser-deps puts it (npm pack)."""
    for candidate in (os.environ.get("PODCAST_AXE_JS", ""),
                      str(ROOT / ".ci" / ".cache" / "axe-core" / "axe.min.js")):  # fmt: skip
        if candidate and os.path.isfile(candidate):
            return open(candidate, encoding="utf-8").read()
    pytest.skip("axe-core is not there (run .ci/browser-deps: npm pack axe-core)")


def test_axe_finds_no_violations_and_the_mobile_title_is_not_squeezed(
    browser: Any, site: dict
) -> None:
    """axe-core in the real chromium, on the index and an episode page, desktop and a 360 px
    phone: no violation at all (WCAG 2.2 AA with target size, best practices: landmarks)."""
    axe = _axe_js()
    slug = site["seed_slug"]
    found: dict[str, list[str]] = {}
    with serving(site["public"]) as base:
        for width, height in ((1280, 900), (360, 740)):
            browser.set_window_size(width, height)
            for path in ("", f"{slug}/"):
                browser.get(base + path)
                browser.execute_script(axe)
                result = browser.execute_async_script(
                    "const done = arguments[arguments.length - 1];"
                    "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
                    ".then(r => done(r.violations.map(v => [v.id, v.impact, v.nodes.length])));",
                    AXE_TAGS,
                )
                bad = [f"{i} ({impact}, {n} elements)" for i, impact, n in result]
                found[f"{width}px /{path}"] = bad
                if width == 360:  # the title has the page's width, not a column beside the cover
                    h1 = browser.execute_script(
                        "return document.querySelector('h1').getBoundingClientRect().width"
                    )
                    body = browser.execute_script(
                        "return document.querySelector('header').getBoundingClientRect().width"
                    )
                    assert h1 >= 0.9 * body, (path, h1, body)
    assert all(not bad for bad in found.values()), found


# --- Lighthouse -------------------------------------------------------------------------------

LIGHTHOUSE_TARGETS = {"accessibility": 1.0, "best-practices": 0.95, "seo": 0.95}


def _lighthouse() -> list[str]:
    """The Lighthouse CLI: PODCAST_LIGHTHOUSE, or where .ci/browser-deps puts it (npm install)."""
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed (Lighthouse is a node program)")
    for candidate in (os.environ.get("PODCAST_LIGHTHOUSE", ""),
                      str(ROOT / ".ci/.cache/lighthouse/node_modules/lighthouse/cli/index.js")):  # fmt: skip
        if candidate and os.path.isfile(candidate):
            return [node, candidate]
    pytest.skip("Lighthouse is not there (run .ci/browser-deps: npm install lighthouse)")


def test_lighthouse_scores_the_index_and_an_episode_page(site: dict, tmp_path: Path) -> None:
    """Lighthouse in the real headless chromium, once per page (both pages at once), from
    ``podcast serve`` on 127.0.0.1: accessibility 1.0, best practices and SEO at least 0.95.
    (Served over http on localhost: Lighthouse counts localhost as a secure origin, so the
    https audit does not mark these pages down.)"""
    command = _lighthouse()
    chromium = _which(CHROMIUM_CANDIDATES)
    if not chromium:
        pytest.skip("chromium is not installed (run .ci/browser-deps as root)")
    flags = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"
    env = {**os.environ, "CHROME_PATH": chromium}
    scores: dict[str, dict[str, float]] = {}
    failing: dict[str, list[str]] = {}
    with serving(site["public"]) as base:
        pages = {"index": base, "episode": f"{base}{site['seed_slug']}/"}
        options = [
            "--quiet",
            "--output=json",
            f"--only-categories={','.join(LIGHTHOUSE_TARGETS)}",
            f"--chrome-flags={flags}",
            "--throttling-method=provided",  # performance is not scored here
        ]
        runs = {
            name: subprocess.Popen(
                [*command, url, *options, f"--output-path={tmp_path / name}.json"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name, url in pages.items()
        }
        for name, run in runs.items():
            _, err = run.communicate(timeout=240)
            assert run.returncode == 0, f"lighthouse on {pages[name]}: {err[-2000:]}"
    for name in pages:
        report = json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8"))
        assert not report.get("runtimeError"), report["runtimeError"]
        categories = report["categories"]
        scores[name] = {key: categories[key]["score"] for key in LIGHTHOUSE_TARGETS}
        failing[name] = [
            f"{ref['id']}: {report['audits'][ref['id']]['title']}"
            for category in categories.values()
            for ref in category["auditRefs"]
            if ref["weight"] and report["audits"][ref["id"]]["score"] not in (None, 1)
        ]
    agent = report["environment"]["hostUserAgent"]
    print(f"\nlighthouse {report['lighthouseVersion']} in {agent}: {scores}")
    for name, got in scores.items():
        for key, target in LIGHTHOUSE_TARGETS.items():
            assert got[key] >= target, (name, key, got[key], failing[name])
