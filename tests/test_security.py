"""Security: names derived from titles stay inside the output folder, everything embedded in
a text format is escaped, HTML input is never run, and no shell ever sees user text."""

from __future__ import annotations

import ast
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import podcast
from podcast.build import manifest, transcript
from podcast.cli import app
from podcast.config.voices import load_voice
from podcast.errors import ConfigError
from podcast.models import ChapterMark, Cue
from podcast.text.segment import RESERVED_NAMES, SLUG_MAX_CHARS, is_safe_slug, slugify
from tests.hostile import HOSTILE_TITLES, MARKER, assert_no_script, assert_xml_escaped

PACKAGE = Path(podcast.__file__).parent


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("../../etc/passwd", "etc-passwd"),
        ("..\\..\\Windows\\System32", "windows-system32"),
        ("/absolute/path/title", "absolute-path-title"),
        ("C:\\Users\\victim", "c-users-victim"),
        ("CON", "con-episode"),
        ("nul", "nul-episode"),
        ("LPT1", "lpt1-episode"),
        ("Com9", "com9-episode"),
        ("Café Noël: l'été", "cafe-noel-l-ete"),
        ("~/.ssh/authorized_keys", "ssh-authorized-keys"),
        ("title\x00with\nnul", "title-with-nul"),
        ("$(rm -rf /); `reboot`", "rm-rf-reboot"),
    ],
)
def test_slug_of_hostile_title(title: str, slug: str) -> None:
    assert slugify(title) == slug


@pytest.mark.parametrize("title", [".", "..", "...", "标题", "😀", "/", "\\", "-"])
def test_title_without_ascii_words_gets_a_distinct_safe_slug(title: str) -> None:
    slug = slugify(title)
    assert re.fullmatch(r"episode-[0-9a-f]{8}", slug), slug
    assert slug != slugify(title + "x")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_title_gives_one_safe_ascii_name_inside_the_folder(title: str) -> None:
    slug = slugify(title)
    assert is_safe_slug(slug)
    assert slug.isascii() and len(slug) <= SLUG_MAX_CHARS
    assert slug.lower() not in RESERVED_NAMES
    root = Path("/srv/episodes")
    assert (root / slug).parent == root and (root / f"{slug}.mp3").parent == root


def test_voice_name_cannot_be_a_path(tmp_path: Path) -> None:
    (tmp_path / "secret.toml").write_text('voice = "en"\n', encoding="utf-8")
    (tmp_path / "voices").mkdir()
    with pytest.raises(ConfigError, match="is not a plain name"):
        load_voice("../secret", tmp_path / "voices")


# --- escaping of what exists today: WebVTT, SRT, JSON ----------------------------------------


@pytest.mark.parametrize("key", list(HOSTILE_TITLES))
def test_webvtt_escapes_cue_text_and_speaker(key: str) -> None:
    text = HOSTILE_TITLES[key]
    vtt = transcript.webvtt([Cue(0, 1000, text, speaker=text), Cue(1000, 2000, text)])
    payloads = vtt.split("\n\n")[1:]
    for block in payloads:
        timing, _, payload = block.partition("\n")
        assert timing.count("-->") == 1
        assert "-->" not in payload
        # The only tag is our own voice span; any other "<" is escaped.
        assert "<" not in re.sub(r"^<v [^<>]*>", "", payload)
        assert "&" not in re.sub(r"&(amp|lt|gt);", "", payload)


@pytest.mark.parametrize("key", list(HOSTILE_TITLES))
def test_srt_cue_text_cannot_forge_a_timing_line(key: str) -> None:
    text = HOSTILE_TITLES[key] + "\n\n99\n00:00:00,000 --> 00:00:09,000\nforged"
    srt = transcript.srt([Cue(0, 1000, text)])
    assert srt.count("-->") == 1


@pytest.mark.parametrize("key", list(HOSTILE_TITLES))
def test_json_outputs_round_trip_hostile_titles(key: str) -> None:
    title = HOSTILE_TITLES[key]
    chapters = json.loads(
        manifest.chapters_json(title, title, "x.mp3", (ChapterMark(title, 0, 10),))
    )
    assert chapters["title"] == title and chapters["chapters"][0]["title"] == title


def test_hostile_helper_catches_unescaped_xml() -> None:
    """The shared helper (tests/hostile.py) must fail on a naive template, pass on escaping."""
    for key in ("xml", "script", "attribute", "entity", "cue", "control"):
        title = HOSTILE_TITLES[key]
        naive = f"<rss><channel><title>{title}</title></channel></rss>"
        with pytest.raises((AssertionError, ET.ParseError)):
            assert_xml_escaped(naive)
        clean = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", title)  # not allowed in XML 1.0
        assert_xml_escaped(f"<rss><channel><title>{escape(clean)}</title></channel></rss>")
    with pytest.raises(AssertionError):
        assert_no_script(f"<p>{HOSTILE_TITLES['script']}</p>")
    assert_no_script(f"<p>{escape(HOSTILE_TITLES['script'])}</p>")


# --- a real build with a hostile title --------------------------------------------------------

HOSTILE_ARTICLE = (
    f'../../../tmp/evil <script>alert("{MARKER}")</script> & "CON" --> ]]>\n\n'
    "The river rose three feet overnight. Residents moved their cars to higher ground.\n"
)


@pytest.mark.slow
def test_build_with_hostile_title_writes_only_inside_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "voices").mkdir()
    (tmp_path / "a.txt").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    monkeypatch.setenv("PODCAST_HOME", str(tmp_path))
    monkeypatch.setenv("PODCAST_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.parent.iterdir())
    result = CliRunner().invoke(app, ["build", "a.txt", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "cache", "out", "voices"]
    (episode,) = (tmp_path / "out").iterdir()
    assert episode.name == "tmp-evil-script-alert-pwned-script-con"
    names = {p.name for p in episode.iterdir()}
    assert {"episode.json", "transcript.vtt", f"{episode.name}.mp3"} <= names
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9.-]*", name) for name in names), names
    vtt = (episode / "transcript.vtt").read_text(encoding="utf-8")
    assert "<script" not in vtt and "&lt;script&gt;" in vtt
    for page in episode.glob("*.html"):  # show notes (issue 8)
        html = page.read_text(encoding="utf-8")
        assert_no_script(html)
        assert "<script" not in html.lower(), page.name
    for notes in episode.glob("*.md"):  # raw HTML in Markdown is live once rendered
        text = notes.read_text(encoding="utf-8")
        assert not re.search(r"(?<!\\)<[A-Za-z/!?]", text), f"raw tag in {notes.name}"
    document = json.loads((episode / "episode.json").read_text(encoding="utf-8"))
    assert document["title"] == HOSTILE_ARTICLE.split("\n")[0]

    # The feed and the site (issue 8): the feed parses with no injected element, no page
    # carries a script, and every published file stays inside the site folder.
    from podcast.config.show import load_show
    from podcast.publish.site import publish_site

    site = tmp_path / "public"
    publish_site(tmp_path / "out", site, load_show(None, tmp_path), base_url="https://example.org/")
    assert_xml_escaped((site / "feed.xml").read_text(encoding="utf-8"))
    for page in site.rglob("*.html"):
        assert_no_script(page.read_text(encoding="utf-8"))
    for path in site.rglob("*"):
        assert path.resolve().is_relative_to(site.resolve()), path
    assert all("/" not in f["name"] and f["name"] != ".." for f in document["files"])


HOSTILE_HTML = f"""<!doctype html>
<html><head><title>Flood Report</title>
<script>alert("{MARKER}"); document.write("{MARKER}")</script>
<style>body {{ color: red }} /* {MARKER} */</style></head>
<body onload="alert('{MARKER}')">
<h1>Flood Report</h1>
<p>The river rose three feet overnight.<script>steal("{MARKER}")</script></p>
<p onclick="alert('{MARKER}')">Residents moved their cars to higher ground.</p>
<img src=x onerror="alert('{MARKER}')">
<noscript>{MARKER}</noscript>
</body></html>
"""


def test_html_input_is_parsed_and_its_scripts_never_spoken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "page.html").write_text(HOSTILE_HTML, encoding="utf-8")
    monkeypatch.setenv("PODCAST_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["script", "page.html", "--json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    spoken = " ".join(c["spoken"] for ch in plan["chapters"] for c in ch["chunks"])
    assert "river rose" in spoken and "higher ground" in spoken
    assert MARKER.lower() not in spoken.lower() and "alert" not in spoken.lower()
    assert "<" not in spoken


# --- no shell ---------------------------------------------------------------------------------

_SHELL_CALLS = {("os", "system"), ("os", "popen"), ("os", "spawnlp"), ("os", "execlp")}
_SUBPROCESS = {"run", "call", "check_call", "check_output", "Popen", "getoutput",
               "getstatusoutput"}  # fmt: skip


def _shell_uses(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value.id if isinstance(node.func.value, ast.Name) else ""
        name = node.func.attr
        if (owner, name) in _SHELL_CALLS or name in ("getoutput", "getstatusoutput"):
            found.append(f"line {node.lineno}: {owner}.{name}")
        if name in _SUBPROCESS and owner in ("subprocess", "sp"):
            if any(k.arg == "shell" for k in node.keywords):
                found.append(f"line {node.lineno}: {name}(shell=...)")
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant | ast.JoinedStr | ast.BinOp):
                found.append(f"line {node.lineno}: {name} with a command string")
    return found


@pytest.mark.parametrize(
    "module",
    sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")),
    ids=lambda name: name,
)
def test_no_shell_is_invoked(module: str) -> None:
    source = (PACKAGE / module).read_text(encoding="utf-8")
    assert _shell_uses(source) == []
    assert "shell=True" not in source and "os.system" not in source


def test_shell_detector_can_fail() -> None:
    bad = "import os, subprocess\nsubprocess.run(f'ffmpeg {x}', shell=True)\nos.system('ls')\n"
    assert len(_shell_uses(bad)) == 3


def test_ffmpeg_gets_an_argument_list_with_hostile_name(tmp_path: Path) -> None:
    """A file name with shell syntax reaches ffmpeg as one argument, verbatim."""
    from podcast.audio import assemble

    weird = tmp_path / "a; touch PWNED #$(id).mp3"
    encoder = assemble.Encoder(weird, 64)
    encoder.write(bytes(22050 * 2))
    encoder.close()
    assert weird.is_file() and weird.stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [weird.name]
    assert not Path("PWNED").exists() and not (tmp_path / "PWNED").exists()
