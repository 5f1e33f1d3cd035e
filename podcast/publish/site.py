"""Publishing: built episodes -> a static site with an RSS feed and a page per episode.

feedgen lives only here. The feed is RSS 2.0 with the ``itunes`` namespace (feedgen's podcast
extension) and the Podcasting 2.0 ``podcast`` namespace (our own feedgen extension, below);
``itunes:explicit`` is written by that extension too, as ``true``/``false`` (feedgen only knows
the old ``yes``/``no``).

Re-publishing is incremental and idempotent: ``.publish-state.json`` in the site folder keeps
each episode's GUID and first publication date, so they never change once published. Files are
copied only when they differ. ``remove`` takes an episode out of the feed and the site and
remembers that, so the next publish does not bring it back unless it is named again.

Layout (every file name ASCII)::

    SITE/feed.xml  index.html  cover-<hash>.png  player.js
    SITE/<slug>/index.html  <slug><suffix>  chapters.json  transcript.vtt|srt|json

The episode's audio file, its suffix and its MIME type (the feed's enclosure, the page's
audio element) come from the output format registry (``podcast.formats``).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import html
import json
import os
import re
import shutil
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from podcast import formats
from podcast.build.shownotes import clock
from podcast.config.show import Show
from podcast.errors import InputError, OutputError
from podcast.publish import store
from podcast.text.sanitize import CONTROL, escape_controls

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
# The Podcast Index namespace UUID for podcast:guid (UUIDv5 of the feed URL).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
STATE_FILE = store.STATE_FILE
PAGE_DATA = ".episode.json"  # what a page was made from, to keep it if the build goes
FEED_FILE = "feed.xml"
PLAYER_JS = "player.js"
EPISODE_FILES = {
    "chapters.json": ("application/json+chapters", None),
    "transcript.vtt": ("text/vtt", "captions"),
    "transcript.srt": ("application/x-subrip", None),
    "transcript.json": ("application/json", None),
}


def podcast_guid(feed_url: str) -> str:
    """``podcast:guid``: UUIDv5 of the feed URL without scheme and trailing slashes."""
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, feed_url.split("://", 1)[-1].rstrip("/")))


def ascii_slug(text: str) -> str:
    """A file name of a-z, 0-9 and '-' only (Apple: ASCII file names and URLs)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug[:80].strip("-") or "episode"


# --- the podcast: namespace as a feedgen extension --------------------------------------------


class PodcastNamespace(BaseExtension):
    """Channel tags: podcast:guid, podcast:locked, podcast:medium, itunes:explicit true/false."""

    def __init__(self) -> None:
        self.guid = ""
        self.explicit = False
        self.locked = "no"

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS, "itunes": ITUNES_NS}

    def extend_rss(self, rss: Any) -> Any:
        channel = rss[0]
        xml_elem(f"{{{PODCAST_NS}}}guid", channel).text = self.guid
        xml_elem(f"{{{PODCAST_NS}}}locked", channel).text = self.locked
        xml_elem(f"{{{PODCAST_NS}}}medium", channel).text = "podcast"
        xml_elem(f"{{{ITUNES_NS}}}explicit", channel).text = "true" if self.explicit else "false"
        return rss


class PodcastEntryNamespace(BaseEntryExtension):
    """Item tags: podcast:chapters, podcast:transcript (several), itunes:explicit."""

    def __init__(self) -> None:
        self.chapters_url = ""
        self.transcripts: list[tuple[str, str, str | None]] = []  # url, type, rel
        self.explicit = False
        self.language = ""

    def extend_rss(self, item: Any) -> Any:
        if self.chapters_url:
            chapters = xml_elem(f"{{{PODCAST_NS}}}chapters", item)
            chapters.attrib["url"] = self.chapters_url
            chapters.attrib["type"] = "application/json+chapters"
        for url, mime, rel in self.transcripts:
            transcript = xml_elem(f"{{{PODCAST_NS}}}transcript", item)
            transcript.attrib["url"] = url
            transcript.attrib["type"] = mime
            if self.language:
                transcript.attrib["language"] = self.language
            if rel:
                transcript.attrib["rel"] = rel
        xml_elem(f"{{{ITUNES_NS}}}explicit", item).text = "true" if self.explicit else "false"
        return item


# --- what is published ------------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    slug: str
    title: str
    guid: str
    pub_date: str  # RFC 2822
    duration_ms: int
    audio_name: str  # the episode's audio file, in any registered format
    audio_size: int
    notes_html: str
    chapters: tuple[dict[str, Any], ...]
    cues: tuple[dict[str, Any], ...]
    source: str


@dataclass(frozen=True)
class PublishResult:
    site: Path
    feed: Path
    episodes: tuple[Published, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    skipped: tuple[str, ...] = ()  # one line per episode that could not be published, and why


def find_episodes(episodes_dir: Path) -> dict[str, Path]:
    """Built episode folders (with episode.json and their audio), by their ASCII slug."""
    found: dict[str, Path] = {}
    if not episodes_dir.is_dir():
        return found
    for manifest in sorted(episodes_dir.glob("*/episode.json")):
        folder = manifest.parent
        if folder.name.startswith("."):
            continue
        found[ascii_slug(folder.name)] = folder
    return found


def _episode_url(base_url: str, slug: str, name: str = "") -> str:
    return f"{base_url}{quote(slug)}/{quote(name)}"


def _check_show(show: Show) -> None:
    for name in ("title", "author", "description", "language", "category", "subcategory",
                 "website"):  # fmt: skip
        found = CONTROL.search(getattr(show, name).replace("\r", ""))
        if found:
            raise InputError(
                f"the show's {name} holds a control character "
                f"({escape_controls(found.group(0))}); remove it from {show.source}"
            )


def publish_site(
    episodes_dir: Path,
    site: Path,
    show: Show,
    base_url: str | None = None,
    remove: tuple[str, ...] = (),
    only: tuple[str, ...] = (),
    now: dt.datetime | None = None,
) -> PublishResult:
    """Write (or update) the static site in ``site`` from the episodes in ``episodes_dir``.

    ``only``: publish just these slugs (and bring back any that were removed). ``remove``: take
    these slugs out. ``now``: the publication time of new episodes (default: the current time).
    An episode that cannot be published (a damaged manifest, a control character in its title)
    is left out and named in ``skipped``; one already on the site keeps its published version.
    Two publishes of one site wait for each other (the site folder is locked).
    """
    base = base_url or show.website
    if not base:
        raise InputError(
            "no base URL for the feed: pass --base-url https://... or set website in podcast.toml"
        )
    if not base.startswith(("http://", "https://")):
        raise InputError(f"base URL {base!r} must start with https:// (or http://)")
    base = base.rstrip("/") + "/"
    _check_show(show)
    for slug in (*only, *remove):
        if not store.is_episode_name(slug):
            raise InputError(f"{slug!r} is not an episode name; use the slug (a-z, 0-9 and '-')")
    try:
        site.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {site} ({exc.strerror}); choose another --site") from exc
    if episodes_dir.is_dir() and episodes_dir.resolve() == site.resolve():
        raise InputError(f"--site {site} is the episodes folder; choose another --site")
    try:
        with store.site_lock(site):
            return _publish_locked(episodes_dir, site, show, base, remove, only, now)
    except OSError as exc:
        if isinstance(exc, OutputError):
            raise
        raise store.write_failed(exc, site) from exc


def _publish_locked(episodes_dir: Path, site: Path, show: Show, base: str,
                    remove: tuple[str, ...], only: tuple[str, ...],
                    now: dt.datetime | None) -> PublishResult:  # fmt: skip
    state = store.read_state(site)
    available = find_episodes(episodes_dir)
    for slug in (*only, *remove):
        if slug not in available and slug not in state["episodes"]:
            known = ", ".join(sorted(available)) or "none"
            raise InputError(
                f"no episode '{slug}' in {episodes_dir} or the site; episodes: {known}"
            )
    removed_now = []
    for slug in remove:
        state["episodes"].pop(slug, None)
        if slug not in state["removed"]:
            state["removed"].append(slug)
        store.remove_episode_folder(site, slug)
        removed_now.append(slug)
    for slug in only:
        if slug in state["removed"]:
            state["removed"].remove(slug)
    wanted = [
        slug
        for slug in available
        if slug not in state["removed"] and (not only or slug in only or slug in state["episodes"])
    ]
    moment = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    added: list[str] = []
    skipped: list[str] = []
    episodes: dict[str, Published] = {}
    created: list[Path] = []  # new episode folders: removed again if the publish fails
    try:
        for slug in wanted:
            record = state["episodes"].get(slug) or {
                "guid": f"urn:uuid:{uuid.uuid4()}",
                "pub_date": email.utils.format_datetime(moment),
            }
            try:
                episodes[slug] = _publish_episode(available[slug], site, slug, record, created)
            except store.Refused as exc:
                before = "not updated (the site keeps its published version)"
                was_published = slug in state["episodes"]
                what = before if was_published else "not published"
                skipped.append(f"episode '{slug}' {what}: {exc}")
                continue
            if slug not in state["episodes"]:
                state["episodes"][slug] = record
                added.append(slug)
        # an episode on the site whose build was deleted (or refused) keeps its old files
        for slug, record in state["episodes"].items():
            if slug in episodes:
                continue
            try:
                page = _from_page_json(site, slug, record)
            except store.Refused as exc:
                skipped.append(f"episode '{slug}' not published: {exc}")
                continue
            if page is not None:
                episodes[slug] = page
        listed = sorted(
            episodes.values(),
            key=lambda e: email.utils.parsedate_to_datetime(e.pub_date),
            reverse=True,
        )
        cover_name = _publish_cover(show, site)
        state.setdefault("podcast_guid", podcast_guid(base + FEED_FILE))
        # the state first: a feed is never out with GUIDs the state does not keep
        store.write_atomic(
            site / STATE_FILE, (json.dumps(state, indent=2, ensure_ascii=False) + "\n").encode()
        )
        store.write_atomic(site / PLAYER_JS, PLAYER_SCRIPT.encode("utf-8"))
        for episode in listed:
            store.write_atomic(
                site / episode.slug / "index.html",
                _episode_page(show, episode, cover_name).encode("utf-8"),
            )
        store.write_atomic(
            site / "index.html", _index_page(show, listed, cover_name).encode("utf-8")
        )
        feed = _feed(show, listed, base, cover_name, state["podcast_guid"])
        store.write_atomic(site / FEED_FILE, feed)
    except BaseException:
        for folder in created:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return PublishResult(
        site, site / FEED_FILE, tuple(listed), tuple(added), tuple(removed_now), tuple(skipped)
    )


def _publish_episode(folder: Path, site: Path, slug: str, record: dict[str, str],
                     created: list[Path]) -> Published:  # fmt: skip
    """Copy one episode into ``site/<slug>`` from a consistent snapshot of its build folder;
    ``Refused`` (and nothing in the site changed) when the build cannot be published."""
    target = store.episode_folder(site, slug)
    snap = store.snapshot(folder, (*EPISODE_FILES, "shownotes.html"))
    with snap.audio:
        published = _read_published(snap, slug, record)
        if not target.exists():
            target.mkdir()
            created.append(target)
        temps: list[tuple[Path, Path]] = []
        try:
            audio_tmp = store.copy_audio(snap, target / published.audio_name)
            if audio_tmp is not None:
                temps.append((audio_tmp, target / published.audio_name))
            for name in EPISODE_FILES:
                if name in snap.files and not _holds(target / name, snap.files[name]):
                    temps.append(
                        (store.write_temporary(target / name, snap.files[name]), target / name)
                    )
            page = {k: v for k, v in published.__dict__.items() if k not in ("guid", "pub_date")}
            page_bytes = json.dumps(page, ensure_ascii=False).encode("utf-8")
            temps.append(
                (store.write_temporary(target / PAGE_DATA, page_bytes), target / PAGE_DATA)
            )
        except BaseException:
            for tmp, _ in temps:
                tmp.unlink(missing_ok=True)
            if target in created:
                created.remove(target)
                shutil.rmtree(target, ignore_errors=True)
            raise
        for tmp, final in temps:  # every file is whole before the first one goes live
            os.replace(tmp, final)
    return published


def _holds(path: Path, data: bytes) -> bool:
    return (
        store.is_plain_file(path)
        and path.stat().st_size == len(data)
        and (path.read_bytes() == data)
    )


def _read_published(snap: store.Snapshot, slug: str, record: dict[str, str]) -> Published:
    """What the feed and pages say about the episode, from its snapshot; ``Refused`` when a
    file is damaged or holds text no feed can carry."""
    folder = snap.folder
    manifest = _json(snap.files["episode.json"], folder / "episode.json")
    if not isinstance(manifest, dict):
        raise store.Refused(f"{folder / 'episode.json'} is not a JSON object; build it again")
    cues: Any = []
    if "transcript.json" in snap.files:
        transcript = _json(snap.files["transcript.json"], folder / "transcript.json")
        cues = transcript.get("segments") if isinstance(transcript, dict) else None
    notes = snap.files.get("shownotes.html", b"")
    try:
        title = manifest.get("title") or slug
        published = Published(
            slug=slug,
            title=title if isinstance(title, str) else str(title),
            guid=record["guid"],
            pub_date=record["pub_date"],
            duration_ms=int(manifest.get("duration_ms", 0)),
            audio_name=f"{slug}{Path(snap.audio_name).suffix}",
            audio_size=snap.audio_size,
            notes_html=notes.decode("utf-8"),
            chapters=tuple(_chapter(c) for c in manifest.get("chapters", [])),
            cues=tuple(_cue(c) for c in cues),
            source=str(manifest.get("source_url") or manifest.get("source", "")),
        )
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise store.Refused(
            f"{folder} holds a damaged episode.json or transcript.json ({_reason(exc)}); "
            "build the episode again"
        ) from exc
    _check_text(published, folder)
    return published


def _json(data: bytes, path: Path) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError as exc:
        raise store.Refused(f"{path} is damaged ({_reason(exc)}); build the episode again") from exc


def _reason(exc: Exception) -> str:
    return escape_controls(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


def _chapter(chapter: Any) -> dict[str, Any]:
    if not isinstance(chapter, dict) or not isinstance(chapter.get("title"), str):
        raise ValueError("a chapter without a title")
    return {**chapter, "start_ms": int(chapter["start_ms"])}


def _cue(cue: Any) -> dict[str, Any]:
    if not isinstance(cue, dict) or not isinstance(cue.get("body"), str):
        raise ValueError("a transcript segment without a body")
    return {**cue, "startTime": float(cue["startTime"])}


def _check_text(published: Published, folder: Path) -> None:
    texts = [
        ("title", published.title),
        ("show notes", published.notes_html),
        ("source", published.source),
        *(("chapter titles", c["title"]) for c in published.chapters),
        *(("transcript", c["body"]) for c in published.cues),
    ]
    for what, text in texts:
        found = CONTROL.search(text.replace("\r", ""))
        if found:
            raise store.Refused(
                f"its {what} holds a control character "
                f"({escape_controls(found.group(0))}); build it again (control characters are "
                f"now removed when an article is read) from {folder}"
            )


def _from_page_json(site: Path, slug: str, record: dict[str, str]) -> Published | None:
    """The published version of an episode whose build is gone, from the site's own copy."""
    try:
        folder = store.episode_folder(site, slug)
    except InputError as exc:
        raise store.Refused(str(exc)) from exc
    path = folder / PAGE_DATA
    if not store.is_plain_file(path):
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        for old, new in (("audio_name", "audio_name"), ("mp3_size", "audio_size")):  # older pages
            if old in data:
                data[new] = data.pop(old)
        data["chapters"] = tuple(data["chapters"])
        data["cues"] = tuple(data["cues"])
        published = Published(guid=record["guid"], pub_date=record["pub_date"], **data)
    except (OSError, TypeError, ValueError, KeyError) as exc:
        raise store.Refused(
            f"its published copy {path} is damaged ({_reason(exc)}); build the episode again"
        ) from exc
    _check_text(published, folder)
    return published


def _publish_cover(show: Show, site: Path) -> str:
    """Copy the cover under a name that changes when the art does (Apple caches by URL)."""
    if show.cover is None:
        return ""
    data = show.cover.read_bytes()
    suffix = ".png" if data.startswith(b"\x89PNG") else ".jpg"
    name = f"cover-{hashlib.sha256(data).hexdigest()[:10]}{suffix}"
    for old in site.glob("cover-*"):
        if old.name != name:
            old.unlink()
    if not _holds(site / name, data):
        store.write_atomic(site / name, data)
    return name


# --- the feed ---------------------------------------------------------------------------------


def _feed(show: Show, episodes: list[Published], base: str, cover_name: str,
          guid: str) -> bytes:  # fmt: skip
    fg = FeedGenerator()
    fg.load_extension("podcast", rss=True)
    fg.register_extension("podcastindex", PodcastNamespace, PodcastEntryNamespace, atom=False)
    fg.title(show.title)
    fg.description(show.description)
    fg.language(show.language)
    fg.author({"name": show.author})
    # feedgen: the *last* link becomes <link>; the self link must come first
    fg.link(href=base + FEED_FILE, rel="self", type="application/rss+xml")
    fg.link(href=show.website or base, rel="alternate")
    fg.podcast.itunes_author(show.author)
    fg.podcast.itunes_summary(show.description)
    if show.subcategory:
        fg.podcast.itunes_category(show.category, show.subcategory)
    else:
        fg.podcast.itunes_category(show.category)
    if cover_name:
        fg.podcast.itunes_image(base + cover_name)
        fg.image(url=base + cover_name, title=show.title, link=show.website or base)
    fg.podcastindex.guid = guid
    fg.podcastindex.explicit = show.explicit
    fg.generator("podcast")
    for episode in reversed(
        episodes
    ):  # feedgen prepends each entry: oldest first in, newest on top
        fe = fg.add_entry()
        fe.title(episode.title)
        fe.guid(episode.guid, permalink=False)
        fe.pubDate(email.utils.parsedate_to_datetime(episode.pub_date))
        fe.link(href=_episode_url(base, episode.slug))
        fe.description(episode.notes_html or html.escape(episode.title))
        fe.enclosure(
            _episode_url(base, episode.slug, episode.audio_name),
            str(episode.audio_size),
            _format_of(episode).mime_type,
        )
        fe.podcast.itunes_duration(round(episode.duration_ms / 1000))
        if cover_name:
            fe.podcast.itunes_image(base + cover_name)
        ext = fe.podcastindex
        ext.explicit = show.explicit
        ext.language = show.language
        ext.chapters_url = _episode_url(base, episode.slug, "chapters.json")
        ext.transcripts = [
            (_episode_url(base, episode.slug, name), mime, rel)
            for name, (mime, rel) in EPISODE_FILES.items()
            if name.startswith("transcript.")
        ]
    return fg.rss_str(pretty=True)


def _format_of(episode: Published) -> formats.OutputFormat:
    return formats.by_suffix(episode.audio_name) or formats.default()


# --- the pages --------------------------------------------------------------------------------

STYLE = """
body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;
line-height:1.5;color:#1b2030}
header img{width:140px;height:140px;float:right;margin-left:1rem;border-radius:8px}
audio{width:100%;margin:1rem 0}
#chapters{list-style:none;padding:0}
#chapters button{background:none;border:0;padding:.2rem .4rem;cursor:pointer;font:inherit;
text-align:left;color:#1d4ed8}
#chapters button[aria-current=true]{font-weight:bold;background:#fde68a}
#caption{min-height:3em;padding:.6rem;background:#f1f5f9;border-radius:6px}
.transcript p{margin:.3rem 0}
.transcript a{color:#64748b;text-decoration:none;font-variant-numeric:tabular-nums}
""".strip()

PLAYER_SCRIPT = """// Chapters that seek, captions from the WebVTT track, #t= deep links. No framework.
(function () {
  var audio = document.getElementById('player');
  if (!audio) return;
  var buttons = Array.prototype.slice.call(document.querySelectorAll('#chapters button'));
  function seek(seconds) {
    audio.currentTime = seconds;
    var playing = audio.play();
    if (playing && playing.catch) playing.catch(function () {});
  }
  buttons.forEach(function (b) {
    b.addEventListener('click', function () { seek(parseFloat(b.dataset.start)); });
  });
  document.querySelectorAll('a[data-seek]').forEach(function (a) {
    a.addEventListener('click', function (e) { e.preventDefault(); seek(parseFloat(a.dataset.seek));
      history.replaceState(null, '', a.getAttribute('href')); });
  });
  audio.addEventListener('timeupdate', function () {
    var current = 0;
    buttons.forEach(function (b, i) { if (audio.currentTime >= parseFloat(b.dataset.start)) current = i; });
    buttons.forEach(function (b, i) { b.setAttribute('aria-current', i === current ? 'true' : 'false'); });
  });
  var caption = document.getElementById('caption');
  function showCues(track) {
    var cues = track.activeCues;
    caption.textContent = cues && cues.length ? cues[0].text.replace(/<[^>]+>/g, '') : '';
  }
  for (var i = 0; i < audio.textTracks.length; i++) {
    var track = audio.textTracks[i];
    if (track.kind === 'captions' || track.kind === 'subtitles') {
      track.mode = 'hidden';  // an <audio> element never draws captions itself
      track.addEventListener('cuechange', function (e) { showCues(e.target); });
    }
  }
  function fromHash() {
    var m = location.hash.match(/t=(\\d+(?:\\.\\d+)?)/);
    if (m) audio.currentTime = parseFloat(m[1]);
  }
  if (audio.readyState >= 1) fromHash(); else audio.addEventListener('loadedmetadata', fromHash, { once: true });
  window.addEventListener('hashchange', fromHash);
})();
"""


def _page(title: str, body: str, language: str, head: str = "") -> str:
    esc = html.escape
    return (
        "<!doctype html>\n"
        f'<html lang="{esc(language)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n{head}<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _index_page(show: Show, episodes: list[Published], cover_name: str) -> str:
    esc = html.escape
    items = "\n".join(
        f'<li><a href="{quote(e.slug)}/">{esc(e.title)}</a> '
        f"<small>{esc(e.pub_date[:16])} · {clock(e.duration_ms)}</small></li>"
        for e in episodes
    )
    cover = f'<img src="{cover_name}" alt="">' if cover_name else ""
    body = (
        f"<header>{cover}<h1>{esc(show.title)}</h1>\n<p>{esc(show.description)}</p>\n"
        f'<p>By {esc(show.author)} · <a href="{FEED_FILE}">Podcast feed (RSS)</a></p></header>\n'
        f'<h2>Episodes</h2>\n<ul id="episodes">\n{items}\n</ul>'
    )
    head = f'<link rel="alternate" type="application/rss+xml" href="{FEED_FILE}">\n'
    return _page(show.title, body, show.language, head)


def _episode_page(show: Show, episode: Published, cover_name: str) -> str:
    esc = html.escape
    chapters = "\n".join(
        f'<li><button type="button" data-start="{c["start_ms"] / 1000:g}">'
        f"{clock(c['start_ms'])} {esc(c['title'])}</button> "
        f'<a href="#t={c["start_ms"] / 1000:g}" data-seek="{c["start_ms"] / 1000:g}" '
        f'aria-label="link to {esc(c["title"])}">#</a></li>'
        for c in episode.chapters
    )
    transcript = "\n".join(
        f'<p><a href="#t={cue["startTime"]:g}" data-seek="{cue["startTime"]:g}">'
        f"{clock(round(cue['startTime'] * 1000))}</a> {esc(cue['body'])}</p>"
        for cue in episode.cues
    )
    cover = f'<img src="../{cover_name}" alt="">' if cover_name else ""
    audio_format = _format_of(episode)
    audio = quote(episode.audio_name)
    body = f"""<header>{cover}<p><a href="../">{esc(show.title)}</a></p>
<h1>{esc(episode.title)}</h1></header>
<audio id="player" controls preload="metadata" src="{audio}">
<track kind="captions" src="transcript.vtt" srclang="{esc(show.language)}" label="Transcript" default>
</audio>
<p id="caption" aria-live="polite"></p>
<h2>Chapters</h2>
<ol id="chapters">
{chapters}
</ol>
<h2>Show notes</h2>
<div class="notes">
{episode.notes_html}
</div>
<h2>Transcript</h2>
<div class="transcript">
{transcript}
</div>
<p><a href="{audio}">Download {audio_format.name.upper()}</a> · <a href="transcript.vtt">WebVTT</a> ·
<a href="transcript.srt">SRT</a> · <a href="chapters.json">Chapters (JSON)</a> ·
<a href="../{FEED_FILE}">Podcast feed (RSS)</a></p>
<script src="../{PLAYER_JS}"></script>"""
    head = f'<link rel="alternate" type="application/rss+xml" href="../{FEED_FILE}">\n'
    return _page(f"{episode.title} · {show.title}", body, show.language, head)
