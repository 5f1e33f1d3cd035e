"""The show's identity and episode structure: ``podcast.toml`` (or ``--show FILE``).

Layering: built-in defaults (``Show()``) < the show file < command-line flags. Every problem in
the file is reported at once, with the file and the key, and unknown keys get a "did you mean".
Paths in the file (cover, jingles, music) are relative to the file's folder.

    title = "Articles, Read Aloud"            # required
    author = "The podcast project"            # required
    description = "Articles ... read aloud."  # required
    language = "en"
    category = "News"                         # Apple's category list
    subcategory = "Tech News"                 # optional, must belong to the category
    explicit = false
    cover = "cover.png"                       # 1400-3000 px square RGB JPEG/PNG
    website = "https://example.org/podcast/"  # also the default base URL for publishing
    voice = "default"                         # voice config for narration
    owner_name = "Ada Lovelace"               # itunes:owner (directories verify ownership by
    owner_email = "ada@example.org"           #   this e-mail; also podcast:locked's owner)
    copyright = "CC BY 4.0 Ada Lovelace"
    type = "episodic"                         # itunes:type: episodic (newest first) or serial
    season = 1                                # itunes:season of every episode (optional)
    episode_numbers = true                    # itunes:episode from the show's order
    guid = "..."                              # podcast:guid (a UUID) instead of the derived one
    funding_url = "https://example.org/give"  # podcast:funding, with funding_text
    funding_text = "Support the show"
    [cast]                                    # optional: speaker -> voice (read by podcast.text.cast)
    [intro]   text = ["..."], audio = "jingle.wav", music = "bed.wav", music_db = -18, title = "Intro"
    [outro]   text = ["..."], audio = "jingle.wav", title = "Outro"
    [between_chapters]  sting = "sting.wav", pause_ms = 0

``{title}`` and ``{show}`` in intro/outro lines are replaced by the episode's and the show's
title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from podcast.config.cover import check_cover
from podcast.config.problems import Problem, raise_problems, read_toml, unknown_keys
from podcast.controls import CONTROL
from podcast.errors import ConfigError, did_you_mean

SHOW_FILE = "podcast.toml"
DEFAULT_TITLE = "Articles, Read Aloud"
DEFAULT_AUTHOR = "podcast"
DEFAULT_DESCRIPTION = "Written articles, read aloud by a synthetic voice, chaptered."
DEFAULT_CATEGORY = "News"
DEFAULT_MUSIC_DB = -20.0
DUCK_DB_RANGE = (-60.0, 0.0)
PAUSE_RANGE_MS = (0, 10_000)
MAX_LINE_CHARS = 500
# Control characters (not tab or line breaks) are refused in every value: the feed (XML) cannot
# hold them and a terminal would obey them. (The same set as podcast.text.sanitize, which this
# layer cannot import.)

# Apple Podcasts categories and their subcategories (podcasters.apple.com/support/1691).
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": (
        "Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit",
    ),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": (
        "Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality",
    ),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies",
        "Home & Garden", "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News", "Daily News", "Entertainment News", "News Commentary", "Politics",
        "Sports News", "Tech News",
    ),
    "Religion & Spirituality": (
        "Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion", "Spirituality",
    ),
    "Science": (
        "Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics",
        "Natural Sciences", "Nature", "Physics", "Social Sciences",
    ),
    "Society & Culture": (
        "Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships",
    ),
    "Sports": (
        "Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey",
        "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness",
        "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}  # fmt: skip


@dataclass(frozen=True)
class Bookend:
    """An intro or outro: spoken lines and/or an audio file, and a music bed under the lines."""

    title: str = ""
    lines: tuple[str, ...] = ()
    audio: Path | None = None
    music: Path | None = None
    music_db: float = DEFAULT_MUSIC_DB

    @property
    def enabled(self) -> bool:
        return bool(self.lines or self.audio)


@dataclass(frozen=True)
class Show:
    """Everything about the show (not one episode). Defaults: a show without a file."""

    title: str = DEFAULT_TITLE
    author: str = DEFAULT_AUTHOR
    description: str = DEFAULT_DESCRIPTION
    language: str = "en"
    category: str = DEFAULT_CATEGORY
    subcategory: str = ""
    explicit: bool = False
    cover: Path | None = None
    website: str = ""
    voice: str = ""
    cast: dict[str, Any] = field(default_factory=dict)
    intro: Bookend = Bookend(title="Intro")
    outro: Bookend = Bookend(title="Outro")
    sting: Path | None = None
    between_chapters_pause_ms: int = 0
    owner_name: str = ""
    owner_email: str = ""
    copyright: str = ""
    type: str = "episodic"
    season: int | None = None
    episode_numbers: bool = True
    guid: str = ""
    funding_url: str = ""
    funding_text: str = ""
    source: str = "built-in defaults"


_REQUIRED = ("title", "author", "description")
_STRINGS = ("title", "author", "description", "language", "category", "subcategory", "website",
            "voice", "cover", "owner_name", "owner_email", "copyright", "type", "guid",
            "funding_url", "funding_text")  # fmt: skip
_TOP_KEYS = {*_STRINGS, "explicit", "cast", "intro", "outro", "between_chapters", "season",
             "episode_numbers"}  # fmt: skip
SHOW_TYPES = ("episodic", "serial")
_EMAIL = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;.]+(?:\.[^@\s<>\"',;.]+)+")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SEGMENT_KEYS = {"title", "text", "audio", "music", "music_db"}
_BETWEEN_KEYS = {"sting", "pause_ms"}


def _control_characters(where: str, value: Any, key: str = "") -> list[Problem]:
    """A problem for each string in ``value`` (a table, a list or a string) that holds a
    control character, naming its key."""
    if isinstance(value, dict):
        return [
            p
            for k, v in value.items()
            for p in _control_characters(where, v, f"{key}.{k}" if key else str(k))
        ]
    if isinstance(value, list):
        return [p for item in value for p in _control_characters(where, item, key)]
    found = CONTROL.search(value) if isinstance(value, str) else None
    if found is None:
        return []
    shown = f"\\x{ord(found.group(0)):02x}"
    return [Problem(where, "", f"'{key}' holds a control character ({shown}); remove it")]


def _file(problems: list[Problem], where: str, key: str, value: Any, base: Path) -> Path | None:
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(where, "", f"'{key}' must be a file path (a string)"))
        return None
    path = (base / value).resolve()
    if not path.is_file():
        problems.append(
            Problem(where, "", f"'{key}' = {value!r}: no such file ({path}); fix the path")
        )
        return None
    return path


def _segment(problems: list[Problem], where: str, name: str, table: Any, base: Path) -> Bookend:
    default_title = name.capitalize()
    if not isinstance(table, dict):
        problems.append(Problem(where, "", f"'{name}' must be a table ([{name}])"))
        return Bookend(title=default_title)
    problems += unknown_keys(where, table, _SEGMENT_KEYS, f"{name}.")
    text = table.get("text", [])
    if isinstance(text, str):
        text = [text]
    if not isinstance(text, list) or not all(isinstance(t, str) for t in text):
        problems.append(Problem(where, "", f"'{name}.text' must be a string or a list of strings"))
        text = []
    lines = tuple(t.strip() for t in text if t.strip())
    for line in lines:
        if len(line) > MAX_LINE_CHARS:
            problems.append(
                Problem(where, "", f"a '{name}.text' line is over {MAX_LINE_CHARS} characters")
            )
    audio = (
        _file(problems, where, f"{name}.audio", table["audio"], base) if "audio" in table else None
    )
    music = (
        _file(problems, where, f"{name}.music", table["music"], base) if "music" in table else None
    )
    if music and not lines:
        problems.append(
            Problem(where, "", f"'{name}.music' plays under spoken lines; add '{name}.text'")
        )
    music_db = table.get("music_db", DEFAULT_MUSIC_DB)
    if isinstance(music_db, bool) or not isinstance(music_db, int | float):
        problems.append(Problem(where, "", f"'{name}.music_db' must be a number (dB, e.g. -20)"))
        music_db = DEFAULT_MUSIC_DB
    elif not DUCK_DB_RANGE[0] <= music_db <= DUCK_DB_RANGE[1]:
        problems.append(
            Problem(where, "", f"'{name}.music_db' = {music_db} is out of range (-60 to 0)")
        )
    title = table.get("title", default_title)
    if not isinstance(title, str) or not title.strip():
        problems.append(Problem(where, "", f"'{name}.title' must be a non-empty string"))
        title = default_title
    return Bookend(title.strip(), lines, audio, music, float(music_db))


def parse_show(data: dict[str, Any], where: str, base: Path) -> Show:
    """Validate a show table (as read from TOML); report every problem at once."""
    problems: list[Problem] = []
    problems += unknown_keys(where, data, _TOP_KEYS)
    problems += _control_characters(where, data)
    for key in _REQUIRED:
        if key not in data:
            problems.append(
                Problem(where, "", f"missing required key '{key}'; add {key} = \"...\"")
            )
    values: dict[str, Any] = {}
    for key in _STRINGS:
        if key in data:
            if not isinstance(data[key], str) or not data[key].strip():
                problems.append(Problem(where, "", f"'{key}' must be a non-empty string"))
            else:
                values[key] = data[key].strip()
    category = values.get("category", DEFAULT_CATEGORY)
    if category not in APPLE_CATEGORIES:
        problems.append(
            Problem(
                where,
                "",
                f"category {category!r} is not an Apple Podcasts category"
                f"{did_you_mean(category, set(APPLE_CATEGORIES))}",
            )
        )
    elif values.get("subcategory") and values["subcategory"] not in APPLE_CATEGORIES[category]:
        allowed = ", ".join(APPLE_CATEGORIES[category]) or "none"
        problems.append(
            Problem(
                where,
                "",
                f"subcategory {values['subcategory']!r} is not in {category!r} "
                f"(choose one of: {allowed})",
            )
        )
    if "explicit" in data and not isinstance(data["explicit"], bool):
        problems.append(Problem(where, "", "'explicit' must be true or false"))
    if "language" in values and not re.fullmatch(
        r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*", values["language"]
    ):
        problems.append(
            Problem(where, "", f"'language' = {values['language']!r} is not a language code; "
                    'use one like "en", "fr" or "pt-BR"')
        )  # fmt: skip
    for key in ("website", "funding_url"):
        if values.get(key) and not values[key].startswith(("http://", "https://")):
            problems.append(Problem(where, "", f"'{key}' must be an http(s) URL"))
    problems += _publishing_problems(where, data, values)
    cover = None
    if "cover" in values:
        cover = _file(problems, where, "cover", values.pop("cover"), base)
        if cover:
            problems += [Problem(where, "", p) for p in check_cover(cover)]
    cast = data.get("cast", {})
    if not isinstance(cast, dict):
        problems.append(Problem(where, "", "'cast' must be a table ([cast])"))
        cast = {}
    intro = _segment(problems, where, "intro", data.get("intro", {}), base)
    outro = _segment(problems, where, "outro", data.get("outro", {}), base)
    between = data.get("between_chapters", {})
    sting, pause_ms = None, 0
    if not isinstance(between, dict):
        problems.append(Problem(where, "", "'between_chapters' must be a table"))
    else:
        problems += unknown_keys(where, between, _BETWEEN_KEYS, "between_chapters.")
        if "sting" in between:
            sting = _file(problems, where, "between_chapters.sting", between["sting"], base)
        pause_ms = between.get("pause_ms", 0)
        if isinstance(pause_ms, bool) or not isinstance(pause_ms, int):
            problems.append(
                Problem(where, "", "'between_chapters.pause_ms' must be whole milliseconds")
            )
            pause_ms = 0
        elif not PAUSE_RANGE_MS[0] <= pause_ms <= PAUSE_RANGE_MS[1]:
            problems.append(
                Problem(
                    where,
                    "",
                    f"'between_chapters.pause_ms' = {pause_ms} is out of range (0 to 10000)",
                )
            )
    raise_problems(problems)
    return Show(
        **values,
        explicit=bool(data.get("explicit", False)),
        cover=cover,
        cast=dict(cast),
        intro=intro,
        outro=outro,
        sting=sting,
        between_chapters_pause_ms=pause_ms,
        season=data.get("season") if _whole(data.get("season")) else None,
        episode_numbers=data.get("episode_numbers", True) is not False,
        source=where,
    )


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _publishing_problems(where: str, data: dict[str, Any], values: dict[str, Any]) -> list[Problem]:
    """The keys only the feed uses: owner, type, season, numbering, GUID, funding."""
    problems = []
    email = values.get("owner_email", "")
    if email and not _EMAIL.fullmatch(email):
        problems.append(
            Problem(where, "", f"'owner_email' = {email!r} is not an e-mail address "
                    '(like "name@example.org")')
        )  # fmt: skip
    if values.get("type") and values["type"] not in SHOW_TYPES:
        problems.append(
            Problem(where, "", f'\'type\' = {values["type"]!r} must be "episodic" or "serial"')
        )
    if "season" in data and not _whole(data["season"]):
        problems.append(Problem(where, "", "'season' must be a whole number from 1"))
    if "episode_numbers" in data and not isinstance(data["episode_numbers"], bool):
        problems.append(Problem(where, "", "'episode_numbers' must be true or false"))
    if values.get("guid"):
        values["guid"] = values["guid"].lower()
        if not _UUID.fullmatch(values["guid"]):
            problems.append(
                Problem(where, "", f"'guid' = {values['guid']!r} is not a UUID "
                        "(like ead4c236-bf58-58c6-a2c6-a6b28d128cb6)")
            )  # fmt: skip
    if values.get("funding_text") and not values.get("funding_url"):
        problems.append(Problem(where, "", "'funding_text' needs 'funding_url' (the link)"))
    return problems


def load_show(path: Path | None, project_root: Path) -> Show:
    """``path`` if given (it must exist), else ``project_root/podcast.toml``, else defaults."""
    if path is None:
        path = project_root / SHOW_FILE
        if not path.is_file():
            return Show()
    elif not path.is_file():
        raise ConfigError(f"show file {path} does not exist; check --show")
    data = read_toml(path)
    return parse_show(data, str(path), path.parent)


def fill(line: str, episode_title: str, show: Show) -> str:
    """An intro/outro line with ``{title}`` and ``{show}`` replaced."""
    return line.replace("{title}", episode_title).replace("{show}", show.title)
