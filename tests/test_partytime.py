"""podcast-partytime, the Podcast Index's own feed parser (node), reads our feed: ``locked`` with
its owner, the show's GUID, funding, and per episode chapters, transcripts, the author as a
person, the licence, season and episode numbers and the alternate enclosures (M4B, Opus).

partytime only *recognises* a tag it can use (``pc20support`` lists them by phase), so the
assertions are on what it parsed, not on our XML. ``.ci/browser-deps`` installs it with npm into
``.ci/.cache/partytime``; without node or the package the test skips with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from podcast.publish.site import publish_site
from tests.conftest import ROOT
from tests.test_publish_pro import BASE, NOW, SHOW, episode

PARSE = """
const pt = require("podcast-partytime");
const xml = require("fs").readFileSync(process.argv[1], "utf8");
process.stdout.write(JSON.stringify(pt.parseFeed(xml)));
"""


def partytime(feed: Path) -> dict[str, Any]:
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed (podcast-partytime is a node package)")
    modules = Path(os.environ.get("PODCAST_PARTYTIME_MODULES", "")
                   or ROOT / ".ci/.cache/partytime/node_modules")  # fmt: skip
    if not (modules / "podcast-partytime").is_dir():
        pytest.skip("podcast-partytime is not there (run .ci/browser-deps: npm install)")
    done = subprocess.run(
        [node, "-e", PARSE, str(feed)],
        env={**os.environ, "NODE_PATH": str(modules), "PARTYTIME_LOG": "silent"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    parsed: dict[str, Any] = json.loads(done.stdout)
    return parsed


def test_partytime_recognises_locked_with_owner_guid_chapters_transcripts_people(
    tmp_path: Path,
) -> None:
    episodes = tmp_path / "episodes"
    episode(episodes, "later-article", date="2024-06-01", author="Jane Writer",
            license="https://creativecommons.org/licenses/by-sa/4.0/", episode=4)  # fmt: skip
    alt = episode(episodes, "with-formats", date="2024-01-01")
    (alt / "with-formats.m4b").write_bytes(b"M" * 3000)
    (alt / "with-formats.opus").write_bytes(b"O" * 2000)
    publish_site(episodes, tmp_path / "public", SHOW, base_url=BASE, now=NOW)
    feed = partytime(tmp_path / "public" / "feed.xml")

    assert feed["locked"] is False  # "no": others may import the feed, as our show config says
    assert feed["podcastOwner"] == SHOW.owner_email  # without the owner partytime ignores locked
    assert feed["owner"] == {"name": SHOW.owner_name, "email": SHOW.owner_email}
    assert feed["guid"] and feed["itunesType"] == "serial"
    assert feed["podcastFunding"] == [{"message": SHOW.funding_text, "url": SHOW.funding_url}]
    assert feed["pubsub"]["self"] == BASE + "feed.xml"
    support = {tag for tags in feed["pc20support"].values() for tag in tags}
    assert {"locked", "funding", "transcript", "chapters", "person", "guid",
            "alternateEnclosure", "license"} <= support  # fmt: skip

    items = {item["title"]: item for item in feed["items"]}
    assert len(items) == 2 and len({item["guid"] for item in items.values()}) == 2
    for slug in ("later-article", "with-formats"):
        item = items[f"Title {slug}"]
        assert item["enclosure"]["url"] == f"{BASE}{slug}/{slug}.mp3"
        assert item["podcastChapters"] == {
            "url": f"{BASE}{slug}/chapters.json", "type": "application/json+chapters"}  # fmt: skip
        assert {t["type"] for t in item["podcastTranscripts"]} >= {"text/vtt", "application/json"}
        assert any(t.get("rel") == "captions" for t in item["podcastTranscripts"])
        assert item["itunesSeason"] == SHOW.season and item["itunesEpisodeType"] == "full"
    later = items["Title later-article"]
    assert later["itunesEpisode"] == 4  # the article's own number
    assert later["podcastPeople"] == [{"name": "Jane Writer", "role": "Author", "group": "Writing"}]
    assert later["license"] == {
        "identifier": "CC-BY-SA-4.0", "url": "https://creativecommons.org/licenses/by-sa/4.0/"}  # fmt: skip
    alternates = {a["title"]: a for a in items["Title with-formats"]["alternativeEnclosures"]}
    assert set(alternates) == {"MP3", "M4B", "OPUS"}
    assert alternates["MP3"]["default"] is True
    assert alternates["M4B"]["source"][0]["uri"] == f"{BASE}with-formats/with-formats.m4b"
    assert alternates["OPUS"]["length"] == 2000
    print(f"\npartytime recognised: {json.dumps(feed['pc20support'])}; locked={feed['locked']} "
          f"owner={feed['podcastOwner']}; alternates={sorted(alternates)}")  # fmt: skip
