"""Chapter pictures and an article's feed keys, from the article to the listener's app.

A picture the article shows in a section (a Markdown image, an HTML ``<img>``) becomes its
chapter's image when it is a PNG or JPEG file beside the article: ``img`` in chapters.json (an
absolute URL once published) and an APIC frame inside the ID3 CHAP frame. Read back by mutagen,
by the strict ID3 parser in ``tests/readback.py``, by ffmpeg (the chapters stay readable) and
from the published chapters.json. Front matter's ``episode``, ``season``, ``episode_type`` and
``license`` reach the feed, read back by feedparser and podcastparser.
"""

from __future__ import annotations

import json
import struct
import subprocess
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import feedparser
import podcastparser
import pytest
from mutagen.id3 import ID3

from podcast.text.readers.html import parse_html
from podcast.text.readers.markdown import meta_feed, parse_markdown
from podcast.text.readers.pictures import beside, local_picture
from podcast.toolchain import find_ffmpeg
from tests import readback

BASE = "https://pod.example.org/show/"


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real RGB PNG of one colour (the standard library only)."""
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# --- readers: which pictures, in which section (fast) -----------------------------------------


def test_only_a_relative_png_or_jpeg_path_is_a_chapter_picture() -> None:
    for src in ("fig.png", "img/a b.JPG", "./x.jpeg", "sub\\y.png"):
        assert local_picture(src), src
    for src in ("https://x.org/a.png", "//cdn.x/a.png", "data:image/png;base64,AAA", "/etc/a.png",
                "../up.png", "img/../../a.png", "a.gif", "a.svg", "a.png?w=3", "C:\\a.png", ""):  # fmt: skip
        assert not local_picture(src), src


def test_markdown_and_html_readers_put_each_sections_first_picture_on_its_heading() -> None:
    article = parse_markdown(
        "# Title\n\n## One\n\nText ![a](one.png) and ![b](second.png).\n\n## Two\n\n"
        '<img src="two.jpg" alt="two">\n\nMore.\n\n## Three\n\n![w](https://x.org/w.png)\n\nEnd.\n',
        "a.md",
    )
    assert [(b.text, b.image) for b in article.blocks if b.image] == [("One", "one.png"),
                                                                        ("Two", "two.jpg")]  # fmt: skip
    # the pictures are still listed as not read (nothing is spoken of them)
    assert {r.text for r in article.removed if r.reason == "image"} >= {"a", "b", "two", "w"}
    page = (
        "<!doctype html><html lang=en><body><article><h1>Page</h1>"
        "<p>An opening paragraph long enough for the extractor to keep it, in several words.</p>"
        "<h2>Alpha</h2><figure><img src='alpha.png' alt='A'><figcaption>Cap</figcaption></figure>"
        "<p>Alpha text long enough for the extractor to keep it, in several more words here.</p>"
        "<h2>Beta</h2><p>Beta text long enough to keep, with a remote picture "
        "<img src='https://x.org/b.png' alt=''> inside it, in several words.</p>"
        "</article></body></html>"
    )
    blocks = parse_html(page, "p.html").blocks
    assert [(b.text, b.image) for b in blocks if b.image] == [("Alpha", "alpha.png")]


def test_pictures_resolve_beside_the_article_file_only(tmp_path: Path) -> None:
    """Reading a file makes a picture a path in its folder; a link out of the folder, standard
    input and a web page give none (nothing is fetched)."""
    from podcast.text.readers.registry import read_source

    (tmp_path / "outside.png").write_bytes(png(2, 2, (0, 0, 0)))
    folder = tmp_path / "posts"
    folder.mkdir()
    (folder / "escape.png").symlink_to(tmp_path / "outside.png")
    (folder / "a.md").write_text(
        "# T\n\n## One\n\n![x](my%20pic.png)\n\nText.\n\n## Two\n\n![y](escape.png)\n\nMore.\n"
    )
    article = read_source(str(folder / "a.md"))
    assert [b.image for b in article.blocks if b.kind == "heading"] == [
        str(folder / "my pic.png"),
        "",
    ]
    assert beside(article, None).blocks == tuple(replace(b, image="") for b in article.blocks)


def test_front_matter_feed_keys_are_checked() -> None:
    given = {"episode": 12, "season": "3", "episode_type": "Trailer", "licence": "CC-BY-4.0"}
    assert meta_feed(given) == (
        ("episode", "12"),
        ("season", "3"),
        ("episode_type", "trailer"),
        ("license", "CC-BY-4.0"),
    )
    assert meta_feed({"episode": 0, "season": True, "episode_type": "odd", "license": ["x"]}) == ()
    assert meta_feed({"itunes_episode": "7\x1b"}) == (("episode", "7"),)  # controls stripped


# --- a real build, tagged and published (slow) ------------------------------------------------

ARTICLE = """---
title: Pictured Article
episode: 12
season: 3
episode_type: bonus
license: https://creativecommons.org/licenses/by-sa/4.0/
---
# Pictured Article

## Red part

![A red square](red.png)

The red part has two sentences. This is the second.

## Blue part

The blue part says a little more. <img src="img/blue.jpg" alt="a blue square">

## Broken part

![not a picture](fake.png) ![remote](https://example.org/x.png)

The end.
"""


@pytest.fixture(scope="module")
def pictured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from podcast.build.pipeline import BuildOptions, build
    from podcast.config.show import load_show
    from podcast.publish.site import publish_site
    from tests.conftest import ROOT

    root = tmp_path_factory.mktemp("pictured")
    (root / "img").mkdir()
    (root / "red.png").write_bytes(png(40, 30, (200, 30, 30)))
    (root / "fake.png").write_bytes(b"<html>a web page saved as .png</html>")
    blue = root / "img" / "blue.jpg"
    subprocess.run([find_ffmpeg().path, "-v", "error", "-f", "lavfi", "-i", "color=c=blue:s=48x48",
                    "-frames:v", "1", str(blue)], check=True)  # fmt: skip
    (root / "article.md").write_text(ARTICLE, encoding="utf-8")
    (episode,) = build([str(root / "article.md")], BuildOptions(out_dir=root / "episodes"))
    site = root / "public"
    publish_site(root / "episodes", site, load_show(None, ROOT), base_url=BASE)
    return {"root": root, "episode": episode, "site": site, "blue": blue.read_bytes()}


@pytest.mark.slow
def test_chapter_pictures_are_in_the_id3_chap_frames_and_chapters_json(pictured: dict) -> None:
    episode, root = pictured["episode"], pictured["root"]
    folder: Path = episode.directory
    mp3 = folder / episode.audio_name
    expected = {"Red part": ("image/png", (root / "red.png").read_bytes()),
                "Blue part": ("image/jpeg", pictured["blue"])}  # fmt: skip
    # mutagen: an APIC sub-frame inside each pictured CHAP, the file's own bytes
    chaps = sorted(ID3(str(mp3)).getall("CHAP"), key=lambda c: c.start_time)
    seen = {
        str(c.sub_frames["TIT2"].text[0]): (p.mime, bytes(p.data))
        for c in chaps
        for p in c.sub_frames.getall("APIC")
    }
    assert seen == expected
    # the strict spec-literal parser finds them inside CHAP, after TIT2
    tag = readback.parse_id3(mp3)
    inside = [[f.id for f in frame.sub_frames] for frame in tag.frames if frame.id == "CHAP"]
    assert inside.count(["TIT2", "APIC"]) == 2
    # ffmpeg still reads every chapter with its title (ffprobe -show_chapters where installed)
    titles = [c.title for c in readback.ffprobe_chapters(mp3)]
    assert titles == [str(c.sub_frames["TIT2"].text[0]) for c in chaps] and "Red part" in titles
    # chapters.json: img beside it in the build
    chapters = json.loads((folder / "chapters.json").read_text(encoding="utf-8"))["chapters"]
    images = {c["title"]: c.get("img") for c in chapters}
    assert images["Broken part"] is None and images["Red part"].endswith(".png")
    assert (folder / images["Red part"]).read_bytes() == expected["Red part"][1]
    assert (folder / images["Blue part"]).read_bytes() == pictured["blue"]
    print(f"\nchapter pictures: mutagen {[(t, m, len(d)) for t, (m, d) in seen.items()]}; "
          f"ffmpeg chapters {titles}")  # fmt: skip


@pytest.mark.slow
def test_published_pictures_and_front_matter_numbers_reach_the_feed(pictured: dict) -> None:
    site: Path = pictured["site"]
    slug = pictured["episode"].directory.name
    chapters = json.loads((site / slug / "chapters.json").read_text(encoding="utf-8"))
    urls = [c["img"] for c in chapters["chapters"] if "img" in c]
    assert len(urls) == 2
    for url in urls:
        assert url.startswith(f"{BASE}{slug}/chapter-")
        assert (site / slug / url[len(BASE) + len(slug) + 1 :]).is_file()
    parsed = feedparser.parse(str(site / "feed.xml"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    (entry,) = parsed.entries
    assert entry.itunes_episode == "12" and entry.itunes_season == "3"
    assert entry.itunes_episodetype == "bonus"
    with (site / "feed.xml").open("rb") as fh:
        podcast = podcastparser.parse(BASE + "feed.xml", fh)
    (item,) = podcast["episodes"]
    assert item["number"] == 12 and item["type"] == "bonus"
    feed = (site / "feed.xml").read_text(encoding="utf-8")
    assert ">CC-BY-SA-4.0</podcast:license>" in feed
    print(f"\nfeedparser: episode {entry.itunes_episode} season {entry.itunes_season} "
          f"type {entry.itunes_episodetype}; podcastparser: number {item['number']} "
          f"type {item['type']}; chapter images {urls}")  # fmt: skip
