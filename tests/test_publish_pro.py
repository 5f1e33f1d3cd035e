"""What directories, apps and listeners check in a feed: owner, type, numbers, dates, chapters
for more apps, alternate formats, no local paths, the show's GUID, OPML.

Episodes here are folders as a build leaves them (``make_episode``), so these tests are fast;
the feed is read back by feedparser, podcastparser and (when Debian's gpodder is installed)
gPodder's own ``gpo`` command, fetching it from ``podcast serve``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import feedparser
import podcastparser
import pytest
from lxml import etree
from mutagen.id3 import ID3

from podcast.build.manifest import episode_date, episode_json
from podcast.config.show import Show, parse_show
from podcast.errors import ConfigError
from podcast.formats import Tags
from podcast.formats.mp3.id3 import read_tags, write_tags
from podcast.models import ChapterMark, Script
from podcast.publish.serve import serving
from podcast.publish.site import PSC_NS, is_loopback, license_name, podcast_guid, publish_site
from tests.test_publish_trust import make_episode

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "psc": PSC_NS,
}
BASE = "https://pod.example.org/show/"
NOW = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
SHOW = Show(
    title="Pro Show",
    author="Show Author",
    description="A show.",
    website="https://example.org/",
    owner_name="Ada Owner",
    owner_email="ada@example.org",
    copyright="CC BY 4.0 Ada Owner",
    type="serial",
    season=2,
    funding_url="https://example.org/give",
    funding_text="Support us",
)


def episode(episodes: Path, slug: str, **manifest: Any) -> Path:
    """A built episode whose manifest also holds ``manifest``; chapters with a link."""
    folder = make_episode(episodes, slug, title=manifest.pop("title", f"Title {slug}"))
    data = json.loads((folder / "episode.json").read_text(encoding="utf-8"))
    data["source"] = f"seeds/{slug}.txt"
    data["chapters"] = [
        {"title": "Opening", "start_ms": 0},
        {"title": "Middle part", "start_ms": 30_500, "url": "https://example.org/m"},
    ]
    data.update(manifest)
    (folder / "episode.json").write_text(json.dumps(data), encoding="utf-8")
    # notes as an older build wrote them, naming the local file
    (folder / "shownotes.html").write_text(
        f"<p><strong>{slug}</strong></p>\n<p>Source: seeds/{slug}.txt</p>\n<p>From x.</p>\n",
        encoding="utf-8",
    )
    return folder


def feed(site: Path) -> etree._Element:
    return etree.parse(str(site / "feed.xml")).getroot()


@pytest.fixture
def published(tmp_path: Path) -> dict[str, Any]:
    episodes = tmp_path / "episodes"
    episode(episodes, "later-article", date="2024-06-01", author="Jane Writer",
            license="https://creativecommons.org/licenses/by/4.0/")  # fmt: skip
    episode(episodes, "earlier-article", date="2023-10-20", source_url="https://news.example/a")
    episode(episodes, "undated-article", date=None, date_source="unknown", episode=7)
    alt = episode(episodes, "with-formats", date="2024-01-01")
    (alt / "with-formats.m4b").write_bytes(b"M" * 3000)
    (alt / "with-formats.opus").write_bytes(b"O" * 2000)
    site = tmp_path / "public"
    result = publish_site(episodes, site, SHOW, base_url=BASE, now=NOW)
    return {"episodes": episodes, "site": site, "result": result, "tmp": tmp_path}


def test_channel_has_owner_type_copyright_title_funding_and_consistent_links(
    published: dict,
) -> None:
    channel = feed(published["site"]).find("channel")
    assert channel is not None
    assert channel.findtext("itunes:owner/itunes:name", namespaces=NS) == "Ada Owner"
    assert channel.findtext("itunes:owner/itunes:email", namespaces=NS) == "ada@example.org"
    locked = channel.find("podcast:locked", NS)
    assert locked is not None and locked.get("owner") == "ada@example.org"
    assert channel.findtext("copyright") == "CC BY 4.0 Ada Owner"
    assert channel.findtext("itunes:type", namespaces=NS) == "serial"
    assert channel.findtext("itunes:title", namespaces=NS) == "Pro Show"
    funding = channel.find("podcast:funding", NS)
    assert funding is not None and funding.get("url") == "https://example.org/give"
    assert funding.text == "Support us"
    assert channel.findtext("link") == "https://example.org/"  # the website, when given
    self_link = channel.find("atom:link[@rel='self']", NS)
    assert self_link is not None and self_link.get("href") == BASE + "feed.xml"


def test_items_have_type_numbers_seasons_person_license_and_html_notes(published: dict) -> None:
    items = {i.findtext("title"): i for i in feed(published["site"]).iter("item")}
    assert len(items) == 4
    for title, item in items.items():
        assert item.findtext("itunes:episodeType", namespaces=NS) == "full"
        assert item.findtext("itunes:title", namespaces=NS) == title
        assert item.findtext("itunes:season", namespaces=NS) == "2"  # the show's season
        encoded = item.findtext("content:encoded", namespaces=NS) or ""
        assert "<strong>" in encoded  # the HTML notes, unflattened
    numbers = {t: i.findtext("itunes:episode", namespaces=NS) for t, i in items.items()}
    # the article's own number wins; the others are the show's order (by article date)
    assert numbers["Title undated-article"] == "7"
    assert numbers["Title earlier-article"] == "1"
    assert numbers["Title with-formats"] == "2"
    assert numbers["Title later-article"] == "3"
    later = items["Title later-article"]
    person = later.find("podcast:person", NS)
    assert person is not None and person.text == "Jane Writer" and person.get("role") == "author"
    licence = later.find("podcast:license", NS)
    assert licence is not None and licence.get("url", "").startswith("https://creativecommons")
    assert licence.text == "CC-BY-4.0"  # its SPDX name (a bare "4.0" is read as a number)
    assert license_name("https://creativecommons.org/publicdomain/zero/1.0/") == "CC0-1.0"
    assert (
        license_name("https://creativecommons.org/licenses/by-nc-sa/3.0/de/")
        == "CC-BY-NC-SA-3.0-DE"
    )
    assert license_name("https://example.org/terms/") == "example.org/terms"


def test_one_run_gives_distinct_pub_dates_in_a_stable_order_kept_on_republish(
    published: dict,
) -> None:
    def dates() -> dict[str, dt.datetime]:
        return {
            i.findtext("title") or "": email.utils.parsedate_to_datetime(i.findtext("pubDate"))
            for i in feed(published["site"]).iter("item")
        }

    first = dates()
    assert len(set(first.values())) == 4
    assert max(first.values()) == NOW
    order = [t for t, _ in sorted(first.items(), key=lambda kv: kv[1])]
    assert order == [  # article dates first, oldest first; an undated one last
        "Title earlier-article", "Title with-formats", "Title later-article",
        "Title undated-article",
    ]  # fmt: skip
    later = NOW + dt.timedelta(days=3)
    publish_site(published["episodes"], published["site"], SHOW, base_url=BASE, now=later)
    assert dates() == first


def test_no_local_path_in_any_public_file_and_the_article_url_kept(published: dict) -> None:
    site = published["site"]
    for path in site.rglob("*"):
        if path.is_file() and not path.name.startswith(".") and path.suffix in (".xml", ".html"):
            text = path.read_text(encoding="utf-8")
            assert "seeds/" not in text, path
    state = json.loads((site / ".publish-state.json").read_text(encoding="utf-8"))
    assert set(state["episodes"]) == {
        "later-article", "earlier-article", "undated-article", "with-formats",
    }  # fmt: skip


def test_clients_read_it_with_psc_chapters(published: dict) -> None:
    site = published["site"]
    parsed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.get("rights") == "CC BY 4.0 Ada Owner"
    with (site / "feed.xml").open("rb") as fh:
        podcast = podcastparser.parse(BASE + "feed.xml", fh)
    assert len(podcast["episodes"]) == 4
    for item in podcast["episodes"]:
        chapters = item["chapters"]
        assert [c["title"] for c in chapters] == ["Opening", "Middle part"]
        assert [c["start"] for c in chapters] == [0, 30]  # podcastparser keeps whole seconds
        assert item["number"] in (1, 2, 3, 7)
    psc = feed(site).find(".//psc:chapters/psc:chapter[2]", NS)
    assert psc is not None and psc.get("start") == "00:00:30.500"
    assert psc.get("href") == "https://example.org/m"


def test_other_formats_are_alternate_enclosures_copied_into_the_site(published: dict) -> None:
    site = published["site"]
    item = next(i for i in feed(site).iter("item") if i.findtext("title") == "Title with-formats")
    alternates = item.findall("podcast:alternateEnclosure", NS)
    by_type = {a.get("type"): a for a in alternates}
    assert set(by_type) == {"audio/mpeg", "audio/mp4", "audio/ogg"}
    assert by_type["audio/mpeg"].get("default") == "true"
    assert by_type["audio/mp4"].get("codecs") == "mp4a.40.2"
    assert by_type["audio/ogg"].get("codecs") == "opus"
    for alternate in alternates:
        source = alternate.find("podcast:source", NS)
        assert source is not None
        local = site / source.get("uri", "")[len(BASE) :]
        assert local.is_file() and local.stat().st_size == int(alternate.get("length", "-1"))
    # an episode with one format has none (its enclosure says it all)
    plain = next(i for i in feed(site).iter("item") if i.findtext("title") == "Title later-article")
    assert plain.findall("podcast:alternateEnclosure", NS) == []
    # a format no longer built leaves the site on the next publish
    (published["episodes"] / "with-formats" / "with-formats.opus").unlink()
    publish_site(published["episodes"], site, SHOW, base_url=BASE, now=NOW)
    assert not (site / "with-formats" / "with-formats.opus").exists()
    assert (site / "with-formats" / "with-formats.m4b").is_file()


def test_show_opml_names_the_feed(published: dict) -> None:
    opml = etree.parse(str(published["site"] / "show.opml")).getroot()
    outline = opml.find("body/outline")
    assert outline is not None and outline.get("type") == "rss"
    assert outline.get("xmlUrl") == BASE + "feed.xml" and outline.get("text") == "Pro Show"


def test_a_guid_from_a_local_preview_is_not_frozen(tmp_path: Path) -> None:
    episodes = tmp_path / "episodes"
    episode(episodes, "one")
    site = tmp_path / "public"
    local = publish_site(episodes, site, SHOW, base_url="http://127.0.0.1:8000/", now=NOW)
    assert local.warnings and "127.0.0.1" in local.warnings[0]
    assert is_loopback("http://localhost:1/") and not is_loopback(BASE)
    guid = feed(site).findtext("channel/podcast:guid", namespaces=NS)
    assert guid == podcast_guid("http://127.0.0.1:8000/feed.xml")
    real = publish_site(episodes, site, SHOW, base_url=BASE, now=NOW)
    assert real.warnings == ()
    assert feed(site).findtext("channel/podcast:guid", namespaces=NS) == podcast_guid(
        BASE + "feed.xml"
    )
    # then it is kept, whatever the base URL
    publish_site(episodes, site, SHOW, base_url="https://mirror.example/", now=NOW)
    assert feed(site).findtext("channel/podcast:guid", namespaces=NS) == podcast_guid(
        BASE + "feed.xml"
    )
    # and the show config can set it
    fixed = "ead4c236-bf58-58c6-a2c6-a6b28d128cb6"
    chosen = Show(**{**SHOW.__dict__, "guid": fixed})
    quiet = publish_site(episodes, site, chosen, base_url="http://localhost:8000/", now=NOW)
    assert quiet.warnings == ()
    assert feed(site).findtext("channel/podcast:guid", namespaces=NS) == fixed


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"owner_email": "not an address"}, "'owner_email'"),
        ({"owner_email": "a@b"}, "is not an e-mail address"),
        ({"type": "daily"}, "'type' = 'daily' must be"),
        ({"season": 0}, "'season' must be a whole number"),
        ({"guid": "nope"}, "is not a UUID"),
        ({"funding_url": "ftp://x"}, "'funding_url' must be an http(s) URL"),
        ({"funding_text": "Give"}, "'funding_text' needs 'funding_url'"),
        ({"episode_numbers": "yes"}, "'episode_numbers' must be true or false"),
    ],
)
def test_bad_publishing_keys_are_named(data: dict, message: str) -> None:
    base = {"title": "T", "author": "A", "description": "D"}
    with pytest.raises(ConfigError) as caught:
        parse_show({**base, **data}, "podcast.toml", Path("."))
    assert message in str(caught.value)


def test_good_publishing_keys_are_read() -> None:
    show = parse_show(
        {"title": "T", "author": "A", "description": "D", "owner_email": "me@pod.example.org",
         "type": "serial", "season": 3, "episode_numbers": False,
         "guid": "EAD4C236-BF58-58C6-A2C6-A6B28D128CB6"},
        "podcast.toml", Path("."),
    )  # fmt: skip
    assert (show.owner_email, show.type, show.season, show.episode_numbers) == (
        "me@pod.example.org", "serial", 3, False,
    )  # fmt: skip
    assert show.guid == "ead4c236-bf58-58c6-a2c6-a6b28d128cb6"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("October 20, 2023", "2023-10-20"),
        ("2023-10-20", "2023-10-20"),
        ("20 Oct 2023", "2023-10-20"),
        ("Published: 2023-10-20 14:30", "2023-10-20T14:30"),
        ("Tue, 05 Mar 2024 10:00:00 +0000", "2024-03-05T10:00"),
        ("March 2024", "2024-03"),
        ("October 20", None),  # no year: not a date an episode can carry
        ("Updated several times", None),
        ("", None),
    ],
)
def test_article_dates_in_common_forms(text: str, iso: str | None) -> None:
    assert episode_date(text) == iso


def test_the_manifest_says_when_no_date_is_known() -> None:
    script = Script(title="T", slug="t", source="seeds/t.txt", chapters=())
    unknown = json.loads(episode_json(script, "v", 1000, (), []))
    assert unknown["date"] is None and unknown["date_source"] == "unknown"
    assert unknown["source_url"] == ""
    dated = Script(title="T", slug="t", source="x", chapters=(), date="20 Oct 2023",
                   url="https://news.example/t")  # fmt: skip
    known = json.loads(episode_json(dated, "v", 1000, (), []))
    assert (known["date"], known["date_text"], known["date_source"]) == (
        "2023-10-20", "20 Oct 2023", "article",
    )  # fmt: skip
    assert known["source_url"] == "https://news.example/t"


def _mp3(path: Path) -> Path:
    from podcast import toolchain

    subprocess.run(
        [toolchain.find_ffmpeg().path, "-v", "error", "-f", "lavfi", "-i",
         "anullsrc=r=44100:cl=mono", "-t", "0.5", "-c:a", "libmp3lame", "-y", str(path)],
        check=True,
    )  # fmt: skip
    return path


@pytest.mark.parametrize(
    ("iso", "frames"),
    [
        ("2023-10-20T14:30", {"TYER": "2023", "TDAT": "2010", "TIME": "1430"}),
        ("2023-10-20", {"TYER": "2023", "TDAT": "2010"}),
        ("2023", {"TYER": "2023"}),
        ("", {}),
    ],
)
def test_id3v23_holds_its_own_date_frames(tmp_path: Path, iso: str, frames: dict) -> None:
    mp3 = _mp3(tmp_path / "a.mp3")
    marks = (ChapterMark("One", 0, 500),)
    write_tags(mp3, Tags(title="t", artist="a", album="b", date=iso, comment=""), marks)
    raw = ID3(str(mp3), translate=False)  # as a v2.3 reader sees it
    assert raw.version[:2] == (2, 3)
    found = {k: str(raw[k].text[0]) for k in ("TYER", "TDAT", "TIME", "TDRC") if k in raw}
    assert found == frames
    assert "COMM" not in {k[:4] for k in raw}  # no comment when there is no URL
    assert read_tags(mp3).date.startswith(iso[:10])
    eyed3 = pytest.importorskip("eyed3", reason="eyeD3 is not installed (a dev dependency)")
    eyed3.log.setLevel("ERROR")
    loaded = eyed3.load(str(mp3))
    assert loaded is not None and loaded.tag is not None and loaded.tag.version[:2] == (2, 3)
    best = loaded.tag.getBestDate()
    assert (str(best) if best else "") == iso  # eyeD3, a v2.3 reader, finds the date


@pytest.mark.skipif(shutil.which("gpo") is None, reason="gpodder's gpo is not installed "
                    "(apt-get install gpodder)")  # fmt: skip
def test_gpodder_subscribes_and_lists_every_episode(published: dict) -> None:
    home = published["tmp"] / "gpodder-home"
    env = {**os.environ, "GPODDER_HOME": str(home), "GPODDER_DOWNLOAD_DIR": str(home / "dl")}
    with serving(published["site"]) as url:
        subprocess.run(["gpo", "subscribe", url + "feed.xml"], env=env, check=True,
                       capture_output=True, timeout=60)  # fmt: skip
        listing = subprocess.run(["gpo", "episodes"], env=env, check=True, capture_output=True,
                                 text=True, timeout=60).stdout  # fmt: skip
    for slug in ("later-article", "earlier-article", "undated-article", "with-formats"):
        assert f"Title {slug}" in listing, listing


def test_pages_have_description_open_graph_favicon_and_a_main_landmark(published: dict) -> None:
    site = published["site"]
    from lxml import html as lhtml

    for page, url in ((site / "index.html", BASE), (site / "with-formats" / "index.html",
                                                     BASE + "with-formats/")):  # fmt: skip
        doc = lhtml.fromstring(page.read_bytes())
        description = doc.find(".//meta[@name='description']")
        assert description is not None and 0 < len(description.get("content", "")) <= 155
        og = {m.get("property"): m.get("content") for m in doc.iter("meta") if m.get("property")}
        assert og["og:url"] == url and og["og:title"] and og["og:description"]
        assert len(doc.findall(".//main")) == 1
        icon = doc.find(".//link[@rel='icon']")
        assert icon is not None
        assert (page.parent / icon.get("href", "")).resolve() == (site / "favicon.svg").resolve()
    episode_og = lhtml.fromstring((site / "with-formats" / "index.html").read_bytes())
    audio = episode_og.find(".//meta[@property='og:audio']")
    assert audio is not None and audio.get("content") == BASE + "with-formats/with-formats.mp3"
    etree.fromstring((site / "favicon.svg").read_bytes())  # well-formed SVG
    style = (site / "index.html").read_text(encoding="utf-8")
    assert "min-height:24px" in style and "@media (max-width:32rem)" in style


def test_serve_types_chapters_allows_cors_and_answers_if_range(published: dict) -> None:
    import http.client

    site = published["site"]

    def get(path: str, headers: dict[str, str] | None = None) -> Any:
        connection = http.client.HTTPConnection(host, port, timeout=10)
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.body = response.read()
        connection.close()
        return response

    with serving(site) as url:
        host, port = url.split("//")[1].rstrip("/").split(":")
        chapters = get("/with-formats/chapters.json")
        assert chapters.getheader("Content-Type") == "application/json+chapters"
        assert chapters.getheader("Access-Control-Allow-Origin") == "*"
        vtt = get("/with-formats/transcript.vtt")
        assert vtt.getheader("Access-Control-Allow-Origin") == "*"
        assert get("/index.html").getheader("Access-Control-Allow-Origin") is None
        audio = get("/with-formats/with-formats.mp3")
        etag, modified = audio.getheader("ETag"), audio.getheader("Last-Modified")
        assert etag and etag.startswith('"')
        for validator, status in ((etag, 206), (modified, 206), ('"other"', 200),
                                  ("W/" + etag, 200),
                                  ("Mon, 01 Jan 2001 00:00:00 GMT", 200)):  # fmt: skip
            answer = get("/with-formats/with-formats.mp3",
                         {"Range": "bytes=10-19", "If-Range": validator})  # fmt: skip
            assert answer.status == status, validator
            assert len(answer.body) == (10 if status == 206 else len(audio.body))


def test_a_removed_episodes_number_is_never_given_again(published: dict) -> None:
    site, episodes = published["site"], published["episodes"]

    def numbers() -> dict[str, str]:
        return {i.findtext("title") or "": i.findtext("itunes:episode", namespaces=NS) or ""
                for i in feed(site).iter("item")}  # fmt: skip

    assert numbers()["Title later-article"] == "3"
    publish_site(episodes, site, SHOW, base_url=BASE, remove=("later-article",))
    episode(episodes, "newest", date="2025-01-01")
    publish_site(episodes, site, SHOW, base_url=BASE, now=NOW + dt.timedelta(days=1))
    assert numbers()["Title newest"] == "5"  # 1-4 were given (4: the undated one's order)
    assert "Title later-article" not in numbers()
