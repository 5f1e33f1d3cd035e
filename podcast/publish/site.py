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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from podcast import formats
from podcast.build import pictures
from podcast.build.shownotes import clock
from podcast.config.show import Show
from podcast.errors import InputError, OutputError
from podcast.publish import store
from podcast.text.sanitize import CONTROL, escape_controls

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PSC_NS = "http://podlove.org/simple-chapters"
OPML_FILE = "show.opml"
# RFC 6381 codecs of the formats offered as podcast:alternateEnclosure (by format name)
CODECS = {"mp3": "mp3", "m4b": "mp4a.40.2", "opus": "opus"}
LOOPBACK_HOSTS = ("localhost", "127.", "[::1]", "0.0.0.0")
# The Podcast Index namespace UUID for podcast:guid (UUIDv5 of the feed URL).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
STATE_FILE = store.STATE_FILE
PAGE_DATA = ".episode.json"  # what a page was made from, to keep it if the build goes
FEED_FILE = "feed.xml"
PLAYER_JS = "player.js"
FAVICON = "favicon.svg"
DESCRIPTION_CHARS = 155  # what search results show of a meta description
CHAPTER_PICTURES = pictures.picture_names()  # chapter-01.png ...: copied when the build has them
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
    """Channel tags: podcast:guid, podcast:locked (with its owner), podcast:medium,
    podcast:funding, itunes:title, itunes:explicit true/false."""

    def __init__(self) -> None:
        self.guid = ""
        self.explicit = False
        self.locked = "no"
        self.owner = ""
        self.title = ""
        self.funding: tuple[str, str] | None = None  # url, text

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS, "itunes": ITUNES_NS, "psc": PSC_NS}

    def extend_rss(self, rss: Any) -> Any:
        channel = rss[0]
        xml_elem(f"{{{PODCAST_NS}}}guid", channel).text = self.guid
        locked = xml_elem(f"{{{PODCAST_NS}}}locked", channel)
        locked.text = self.locked
        if self.owner:
            locked.attrib["owner"] = self.owner
        xml_elem(f"{{{PODCAST_NS}}}medium", channel).text = "podcast"
        if self.funding:
            funding = xml_elem(f"{{{PODCAST_NS}}}funding", channel)
            funding.attrib["url"] = self.funding[0]
            funding.text = self.funding[1]
        if self.title:
            xml_elem(f"{{{ITUNES_NS}}}title", channel).text = self.title
        xml_elem(f"{{{ITUNES_NS}}}explicit", channel).text = "true" if self.explicit else "false"
        return rss


class PodcastEntryNamespace(BaseEntryExtension):
    """Item tags: podcast:chapters and Podlove Simple Chapters (psc:chapters, what gPodder and
    podcastparser read), podcast:transcript (several), podcast:person, podcast:license,
    podcast:alternateEnclosure, itunes:explicit."""

    def __init__(self) -> None:
        self.chapters_url = ""
        self.chapters: tuple[dict[str, Any], ...] = ()
        self.transcripts: list[tuple[str, str, str | None]] = []  # url, type, rel
        self.explicit = False
        self.language = ""
        self.person = ""
        self.license = ""
        self.alternates: list[dict[str, str]] = []  # attributes, and "url"

    def extend_rss(self, item: Any) -> Any:
        if self.chapters_url:
            chapters = xml_elem(f"{{{PODCAST_NS}}}chapters", item)
            chapters.attrib["url"] = self.chapters_url
            chapters.attrib["type"] = "application/json+chapters"
        if self.chapters:
            psc = xml_elem(f"{{{PSC_NS}}}chapters", item)
            psc.attrib["version"] = "1.2"
            for chapter in self.chapters:
                mark = xml_elem(f"{{{PSC_NS}}}chapter", psc)
                mark.attrib["start"] = _npt(chapter["start_ms"])
                mark.attrib["title"] = chapter["title"]
                if chapter.get("url"):
                    mark.attrib["href"] = chapter["url"]
        if self.person:
            person = xml_elem(f"{{{PODCAST_NS}}}person", item)
            person.attrib["group"] = "writing"
            person.attrib["role"] = "author"
            person.text = self.person
        if self.license:
            license_ = xml_elem(f"{{{PODCAST_NS}}}license", item)
            if self.license.startswith(("http://", "https://")):
                license_.attrib["url"] = self.license
                license_.text = license_name(self.license)
            else:
                license_.text = self.license
        for alternate in self.alternates:
            element = xml_elem(f"{{{PODCAST_NS}}}alternateEnclosure", item)
            for key, value in alternate.items():
                if key != "url":
                    element.attrib[key] = value
            xml_elem(f"{{{PODCAST_NS}}}source", element).attrib["uri"] = alternate["url"]
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


_CC_LICENSE = re.compile(
    r"^https?://(?:www\.)?creativecommons\.org/(?:licenses/([a-z-]+)|publicdomain/(zero))/"
    r"(\d+\.\d+)(?:/([a-z]{2}))?/?", re.IGNORECASE)  # fmt: skip


def license_name(url: str) -> str:
    """The name podcast:license carries for a licence given by its URL: the SPDX identifier of a
    Creative Commons licence (``CC-BY-4.0``, ``CC0-1.0``), else the URL without its scheme (never
    a bare version number: parsers read "4.0" as a number and drop the tag)."""
    match = _CC_LICENSE.match(url)
    if match:
        kind, zero, version, port = match.groups()
        if zero:
            return f"CC0-{version}"
        return "-".join(["CC", kind.upper(), version, *([port.upper()] if port else [])])
    return url.split("://", 1)[-1].rstrip("/")


def _npt(ms: int) -> str:
    """A Podlove start time: ``HH:MM:SS.mmm``."""
    seconds, millis = divmod(int(ms), 1000)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{millis:03d}"


def is_loopback(url: str) -> bool:
    """Whether ``url`` is on this machine only (a local preview, never the final address)."""
    host = url.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1].lower()
    return host.startswith(LOOPBACK_HOSTS) or host.split(":")[0] in ("localhost", "")


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
    source: str  # the article's URL, or "" (a local path is never published)
    author: str = ""
    license: str = ""
    date: str | None = None  # the article's date (ISO), when known
    episode: int | None = None  # itunes:episode from the article, when it gives one
    season: int | None = None  # itunes:season from the article, when it gives one
    episode_type: str = "full"  # itunes:episodeType: full, trailer or bonus (the article's)
    alternates: tuple[tuple[str, int], ...] = ()  # other formats' files: name, size
    number: int | None = None  # the episode's place in the show (from the publish state)


@dataclass(frozen=True)
class PublishResult:
    site: Path
    feed: Path
    episodes: tuple[Published, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    skipped: tuple[str, ...] = ()  # one line per episode that could not be published, and why
    warnings: tuple[str, ...] = ()


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
    _number_records(state)
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
                episodes[slug] = _publish_episode(
                    available[slug], site, slug, record, created, base
                )
            except store.Refused as exc:
                before = "not updated (the site keeps its published version)"
                was_published = slug in state["episodes"]
                what = before if was_published else "not published"
                skipped.append(f"episode '{slug}' {what}: {exc}")
                continue
            if slug not in state["episodes"]:
                added.append(slug)
        _date_new(state, [episodes[slug] for slug in added], moment)
        for slug in added:
            record = state["episodes"][slug]
            episodes[slug] = replace(
                episodes[slug], pub_date=record["pub_date"], number=record["number"]
            )
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
        warnings = _settle_guid(state, show, base)
        # the state first: a feed is never out with GUIDs the state does not keep
        store.write_atomic(
            site / STATE_FILE, (json.dumps(state, indent=2, ensure_ascii=False) + "\n").encode()
        )
        store.write_atomic(site / PLAYER_JS, PLAYER_SCRIPT.encode("utf-8"))
        for episode in listed:
            store.write_atomic(
                site / episode.slug / "index.html",
                _episode_page(show, episode, cover_name, base).encode("utf-8"),
            )
        store.write_atomic(
            site / "index.html", _index_page(show, listed, cover_name, base).encode("utf-8")
        )
        if not _holds(site / FAVICON, _favicon(show).encode()):
            store.write_atomic(site / FAVICON, _favicon(show).encode())
        store.write_atomic(site / OPML_FILE, _opml(show, base))
        feed = _feed(show, listed, base, cover_name, show.guid or state["podcast_guid"])
        store.write_atomic(site / FEED_FILE, feed)
    except BaseException:
        for folder in created:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return PublishResult(
        site, site / FEED_FILE, tuple(listed), tuple(added), tuple(removed_now), tuple(skipped),
        tuple(warnings),
    )  # fmt: skip


def _number_records(state: dict[str, Any]) -> None:
    """Give every published episode without one a stable number: the show's order (by first
    publication, then name), after the numbers already given."""
    records = state["episodes"]
    given = (r["number"] for r in records.values() if "number" in r)
    last = max(given, default=state.get("last_number", 0))
    unnumbered = sorted(
        (slug for slug, r in records.items() if "number" not in r),
        key=lambda slug: (email.utils.parsedate_to_datetime(records[slug]["pub_date"]), slug),
    )
    for number, slug in enumerate(unnumbered, start=last + 1):
        records[slug]["number"] = number
    state["last_number"] = max(
        [state.get("last_number", 0), *(r["number"] for r in records.values())]
    )  # a removed episode's number is never given again


def _date_new(state: dict[str, Any], new: list[Published], moment: dt.datetime) -> None:
    """Record the episodes first published now: in a stable order (the article's date, then
    the name), each a second after the one before and the last at ``moment``, numbered on."""
    records = state["episodes"]
    ordered = sorted(new, key=lambda e: (e.date is None, e.date or "", e.slug))
    last = state["last_number"]
    state["last_number"] = last + len(ordered)
    for i, episode in enumerate(ordered):
        when = moment - dt.timedelta(seconds=len(ordered) - 1 - i)
        records[episode.slug] = {
            "guid": episode.guid,
            "pub_date": email.utils.format_datetime(when),
            "number": last + 1 + i,
        }


def _settle_guid(state: dict[str, Any], show: Show, base: str) -> list[str]:
    """The show's podcast:guid: ``guid`` in the show config when set; else derived from the
    first feed URL and kept, except that one derived from a local preview's URL (localhost,
    127.x) is derived again from the first real one. Warnings for a local base URL."""
    feed_url = base + FEED_FILE
    known = state.get("podcast_guid_url", "")
    if "podcast_guid" not in state or (is_loopback(known) and not is_loopback(feed_url)):
        state["podcast_guid"] = podcast_guid(feed_url)
        state["podcast_guid_url"] = feed_url
    if is_loopback(base) and not show.guid:
        return [
            f"the base URL {base} is on this machine only: the feed works for a preview, and "
            "its podcast:guid is derived again from the first real --base-url (or set guid in "
            "the show config)"
        ]
    return []


def _opml(show: Show, base: str) -> bytes:
    """An OPML 2.0 subscription list holding the show, for importing into podcast apps."""
    esc = html.escape
    link = show.website or base
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n'
        f"<head><title>{esc(show.title)}</title></head>\n<body>\n"
        f'<outline type="rss" text="{esc(show.title)}" title="{esc(show.title)}" '
        f'xmlUrl="{esc(base + FEED_FILE)}" htmlUrl="{esc(link)}"/>\n'
        "</body>\n</opml>\n"
    ).encode()


def _publish_episode(folder: Path, site: Path, slug: str, record: dict[str, Any],
                     created: list[Path], base: str) -> Published:  # fmt: skip
    """Copy one episode into ``site/<slug>`` from a consistent snapshot of its build folder;
    ``Refused`` (and nothing in the site changed) when the build cannot be published."""
    target = store.episode_folder(site, slug)
    snap = store.snapshot(folder, (*EPISODE_FILES, "shownotes.html", *CHAPTER_PICTURES))
    with snap:
        published = _read_published(snap, slug, record)
        if not target.exists():
            target.mkdir()
            created.append(target)
        temps: list[tuple[Path, Path]] = []
        try:
            audio_tmp = store.copy_audio(snap, target / published.audio_name)
            if audio_tmp is not None:
                temps.append((audio_tmp, target / published.audio_name))
            for (name, _), (handle, size) in zip(
                published.alternates, snap.extras.values(), strict=True
            ):
                extra_tmp = store.copy_open(handle, size, folder / name, target / name)
                if extra_tmp is not None:
                    temps.append((extra_tmp, target / name))
            files = _with_picture_urls(snap.files, _episode_url(base, slug))
            for name in (*EPISODE_FILES, *CHAPTER_PICTURES):
                if name in files and not _holds(target / name, files[name]):
                    temps.append((store.write_temporary(target / name, files[name]), target / name))
            page = {
                k: v
                for k, v in published.__dict__.items()
                if k not in ("guid", "pub_date", "number")
            }
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
        for name in CHAPTER_PICTURES:  # pictures the build no longer has
            if name not in snap.files and store.is_plain_file(target / name):
                (target / name).unlink()
        kept = {published.audio_name, *(name for name, _ in published.alternates)}
        for output_format in map(formats.get, formats.names()):  # a format no longer built
            old = target / f"{slug}{output_format.suffix}"
            if old.name not in kept and store.is_plain_file(old):
                old.unlink()
    return published


def _with_picture_urls(files: dict[str, bytes], folder_url: str) -> dict[str, bytes]:
    """``files`` with chapters.json's ``img`` entries as absolute URLs of the chapter pictures
    published beside it (apps fetch them from the feed's host); an ``img`` naming a picture
    the build does not have is left out, never a link to a missing file."""
    if "chapters.json" not in files:
        return files
    try:
        document = json.loads(files["chapters.json"])
        pictured = [c for c in document["chapters"] if "img" in c]
        for chapter in pictured:
            img = chapter.pop("img")
            if isinstance(img, str) and img in files and img in CHAPTER_PICTURES:
                chapter["img"] = folder_url + quote(img)
    except (ValueError, KeyError, TypeError, AttributeError):
        return files  # copied as built (it is only the chapters' list)
    if not pictured:
        return files
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return {**files, "chapters.json": text.encode("utf-8")}


def _holds(path: Path, data: bytes) -> bool:
    return (
        store.is_plain_file(path)
        and path.stat().st_size == len(data)
        and (path.read_bytes() == data)
    )


def _read_published(snap: store.Snapshot, slug: str, record: dict[str, Any]) -> Published:
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
        url = str(manifest.get("source_url") or "")
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
            source=url if url.startswith(("http://", "https://")) else "",
            author=str(manifest.get("author") or ""),
            license=str(manifest.get("license") or ""),
            date=_iso(manifest.get("date")),
            episode=_positive(manifest.get("episode")),
            season=_positive(manifest.get("season")),
            episode_type=_episode_type(manifest.get("episode_type")),
            alternates=tuple(
                (f"{slug}{Path(name).suffix}", size) for name, (_, size) in snap.extras.items()
            ),
            number=record.get("number"),
        )
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise store.Refused(
            f"{folder} holds a damaged episode.json or transcript.json ({_reason(exc)}); "
            "build the episode again"
        ) from exc
    _check_text(published, folder)  # before anything is taken out: a control is a damaged build
    return replace(published, notes_html=_public_notes(published.notes_html))


_LOCAL_SOURCE = re.compile(r"<p>Source: (?!<a )[^<]*</p>\n?")


def _public_notes(notes: str) -> str:
    """Show notes without a local file's name (older builds wrote "Source: seeds/x.txt")."""
    return _LOCAL_SOURCE.sub("", notes)


EPISODE_TYPES = ("full", "trailer", "bonus")  # Apple's itunes:episodeType values


def _episode_type(value: Any) -> str:
    return value if value in EPISODE_TYPES else "full"


def _iso(value: Any) -> str | None:
    return value if isinstance(value, str) and re.fullmatch(r"\d{4}[-\dT:]*", value) else None


def _positive(value: Any) -> int | None:
    """A whole number from 1 (an int, or digits in a string as front matter may give)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return None
    return value


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


def _from_page_json(site: Path, slug: str, record: dict[str, Any]) -> Published | None:
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
        data["alternates"] = tuple(
            (str(name), int(size)) for name, size in data.get("alternates", ())
        )
        if not str(data.get("source", "")).startswith(("http://", "https://")):
            data["source"] = ""
        published = Published(
            guid=record["guid"], pub_date=record["pub_date"], number=record.get("number"), **data
        )
    except (OSError, TypeError, ValueError, KeyError) as exc:
        raise store.Refused(
            f"its published copy {path} is damaged ({_reason(exc)}); build the episode again"
        ) from exc
    _check_text(published, folder)  # before anything is taken out: a control is a damaged build
    return replace(published, notes_html=_public_notes(published.notes_html))


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
    fg.podcast.itunes_type(show.type)
    if show.owner_email:
        fg.podcast.itunes_owner(show.owner_name or show.author, show.owner_email)
    if show.copyright:
        fg.copyright(show.copyright)
    if show.subcategory:
        fg.podcast.itunes_category(show.category, show.subcategory)
    else:
        fg.podcast.itunes_category(show.category)
    if cover_name:
        fg.podcast.itunes_image(base + cover_name)
        fg.image(url=base + cover_name, title=show.title, link=show.website or base)
    fg.podcastindex.guid = guid
    fg.podcastindex.explicit = show.explicit
    fg.podcastindex.owner = show.owner_email
    fg.podcastindex.title = show.title
    if show.funding_url:
        fg.podcastindex.funding = (show.funding_url, show.funding_text or "Support the show")
    fg.generator("podcast")
    for episode in reversed(
        episodes
    ):  # feedgen prepends each entry: oldest first in, newest on top
        fe = fg.add_entry()
        fe.title(episode.title)
        fe.guid(episode.guid, permalink=False)
        fe.pubDate(email.utils.parsedate_to_datetime(episode.pub_date))
        fe.link(href=_episode_url(base, episode.slug))
        if episode.notes_html:  # content:encoded: apps that flatten the description show this
            fe.content(episode.notes_html, type="CDATA")
        fe.description(episode.notes_html or html.escape(episode.title))
        fe.enclosure(
            _episode_url(base, episode.slug, episode.audio_name),
            str(episode.audio_size),
            _format_of(episode).mime_type,
        )
        fe.podcast.itunes_duration(round(episode.duration_ms / 1000))
        fe.podcast.itunes_title(episode.title)
        fe.podcast.itunes_episode_type(episode.episode_type)
        number = episode.episode or (episode.number if show.episode_numbers else None)
        if number:
            fe.podcast.itunes_episode(number)
        season = episode.season or show.season
        if season:
            fe.podcast.itunes_season(season)
        if cover_name:
            fe.podcast.itunes_image(base + cover_name)
        ext = fe.podcastindex
        ext.explicit = show.explicit
        ext.language = show.language
        ext.chapters_url = _episode_url(base, episode.slug, "chapters.json")
        ext.chapters = episode.chapters
        ext.person = episode.author
        ext.license = episode.license
        ext.alternates = _alternates(base, episode)
        ext.transcripts = [
            (_episode_url(base, episode.slug, name), mime, rel)
            for name, (mime, rel) in EPISODE_FILES.items()
            if name.startswith("transcript.")
        ]
    return fg.rss_str(pretty=True)


def _alternates(base: str, episode: Published) -> list[dict[str, str]]:
    """podcast:alternateEnclosure for each format of the episode: the main one (default) and
    the others (M4B, Opus); none when there is only the main one."""
    if not episode.alternates:
        return []
    found = []
    for name, size, default in (
        (episode.audio_name, episode.audio_size, True),
        *((n, s, False) for n, s in episode.alternates),
    ):
        output_format = formats.by_suffix(name)
        if output_format is None:
            continue
        attributes = {"type": output_format.mime_type, "length": str(size)}
        codecs = CODECS.get(output_format.name, "")
        if codecs:
            attributes["codecs"] = codecs
        if default:
            attributes["default"] = "true"
        attributes["title"] = output_format.name.upper()
        attributes["url"] = _episode_url(base, episode.slug, name)
        found.append(attributes)
    return found


def _format_of(episode: Published) -> formats.OutputFormat:
    return formats.by_suffix(episode.audio_name) or formats.default()


# --- the pages --------------------------------------------------------------------------------

STYLE = """
body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;
line-height:1.5;color:#1b2030}
header{display:flow-root}
header img{width:140px;height:140px;float:right;margin-left:1rem;border-radius:8px}
@media (max-width:32rem){header img{float:none;display:block;width:96px;height:96px;
margin:0 0 .75rem}}
audio{width:100%;margin:1rem 0}
#chapters{list-style:none;padding:0}
#chapters li{display:flex;align-items:center;gap:.25rem}
#chapters button{background:none;border:0;padding:.2rem .4rem;cursor:pointer;font:inherit;
text-align:left;color:#1d4ed8;min-height:24px}
#chapters button[aria-current=true]{font-weight:bold;background:#fde68a}
#chapters a,.transcript a{display:inline-block;min-width:24px;min-height:24px;line-height:24px;
text-align:center}
#caption{min-height:3em;padding:.6rem;background:#f1f5f9;border-radius:6px}
.transcript p{margin:.3rem 0}
.transcript a{color:#475569;text-decoration:none;font-variant-numeric:tabular-nums}
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


def _favicon(show: Show) -> str:
    """A small SVG icon: the show's first letter on a disc (no request for /favicon.ico)."""
    letter = next((c for c in show.title if c.isalnum()), "P").upper()
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
        '<circle cx="32" cy="32" r="32" fill="#1d4ed8"/>'
        '<text x="32" y="44" font-family="system-ui,sans-serif" font-size="36" '
        f'font-weight="bold" text-anchor="middle" fill="#fff">{html.escape(letter)}</text></svg>\n'
    )


def _summary(text: str) -> str:
    """One line of plain text, cut at a word to fit a meta description."""
    plain = " ".join(re.sub(r"<[^>]+>", " ", html.unescape(text)).split())
    if len(plain) <= DESCRIPTION_CHARS:
        return plain
    return plain[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0] + "…"


@dataclass(frozen=True)
class PageMeta:
    """What a page says about itself to search engines and link previews (Open Graph)."""

    description: str
    url: str
    image: str  # absolute, or ""
    kind: str = "website"
    audio: str = ""
    audio_type: str = ""
    up: str = ""  # "../" on an episode page


def _page(title: str, body: str, language: str, meta: PageMeta, head: str = "") -> str:
    esc = html.escape
    tags = [
        f'<meta name="description" content="{esc(meta.description)}">',
        f'<meta property="og:type" content="{meta.kind}">',
        f'<meta property="og:title" content="{esc(title)}">',
        f'<meta property="og:description" content="{esc(meta.description)}">',
        f'<meta property="og:url" content="{esc(meta.url)}">',
        f'<link rel="canonical" href="{esc(meta.url)}">',
        f'<link rel="icon" href="{meta.up}{FAVICON}" type="image/svg+xml">',
    ]
    if meta.image:
        tags.append(f'<meta property="og:image" content="{esc(meta.image)}">')
    if meta.audio:
        tags.append(f'<meta property="og:audio" content="{esc(meta.audio)}">')
        tags.append(f'<meta property="og:audio:type" content="{esc(meta.audio_type)}">')
    return (
        "<!doctype html>\n"
        f'<html lang="{esc(language)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n" + "\n".join(tags) + "\n"
        f"{head}<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _index_page(show: Show, episodes: list[Published], cover_name: str, base: str) -> str:
    esc = html.escape
    items = "\n".join(
        f'<li><a href="{quote(e.slug)}/">{esc(e.title)}</a> '
        f"<small>{esc(e.pub_date[:16])} · {clock(e.duration_ms)}</small></li>"
        for e in episodes
    )
    cover = f'<img src="{cover_name}" alt="" width="140" height="140">' if cover_name else ""
    body = (
        f"<header>{cover}<h1>{esc(show.title)}</h1>\n<p>{esc(show.description)}</p>\n"
        f'<p>By {esc(show.author)} · <a href="{FEED_FILE}">Podcast feed (RSS)</a> · '
        f'<a href="{OPML_FILE}">OPML</a></p></header>\n'
        f'<main>\n<h2>Episodes</h2>\n<ul id="episodes">\n{items}\n</ul>\n</main>'
    )
    head = f'<link rel="alternate" type="application/rss+xml" href="{FEED_FILE}">\n'
    meta = PageMeta(_summary(show.description), base, base + cover_name if cover_name else "")
    return _page(show.title, body, show.language, meta, head)


def _episode_page(show: Show, episode: Published, cover_name: str, base: str) -> str:
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
    cover = f'<img src="../{cover_name}" alt="" width="140" height="140">' if cover_name else ""
    audio_format = _format_of(episode)
    audio = quote(episode.audio_name)
    body = f"""<header>{cover}<p><a href="../">{esc(show.title)}</a></p>
<h1>{esc(episode.title)}</h1></header>
<main>
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
</main>
<script src="../{PLAYER_JS}"></script>"""
    head = f'<link rel="alternate" type="application/rss+xml" href="../{FEED_FILE}">\n'
    chapters_text = ", ".join(c["title"] for c in episode.chapters)
    meta = PageMeta(
        _summary(f"{episode.title}, from {show.title}. Chapters: {chapters_text}"),
        _episode_url(base, episode.slug),
        base + cover_name if cover_name else "",
        kind="article",
        audio=_episode_url(base, episode.slug, episode.audio_name),
        audio_type=audio_format.mime_type,
        up="../",
    )
    return _page(f"{episode.title} · {show.title}", body, show.language, meta, head)
