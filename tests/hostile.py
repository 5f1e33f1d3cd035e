"""SHARED TEST HELPER (issue 9): hostile strings and checks that outputs escape them.

Reuse it for every file that embeds article text (show notes, feed, site pages):

    from tests.hostile import HOSTILE_TITLES, assert_xml_escaped, assert_no_script

    def test_feed_escapes_titles(tmp_path):
        xml = render_feed(... title=HOSTILE_TITLES["xml"] ...)
        assert_xml_escaped(xml)          # parses, and no injected element/attribute survived

Each hostile string carries the marker ``PWNED``: whenever it shows up in an output as live
markup (an element, an attribute, a script, a CDATA end) the escaping is broken.
"""

from __future__ import annotations

import html.parser
import xml.etree.ElementTree as ET

MARKER = "PWNED"

HOSTILE_TITLES: dict[str, str] = {
    "xml": f'Fish & Chips <b id="{MARKER}">bold</b> "quoted" \'single\' ]]> end',
    "script": f"Hello <script>alert('{MARKER}')</script> world",
    "attribute": f'Click "><img src=x onerror=alert("{MARKER}")> here',
    "entity": f"&amp; &lt; &#x3C;script&#x3E; {MARKER} &nbsp;",
    "cue": f"Time --> travel <c.{MARKER}>cue</c> & <v Bob>voice</v>",
    "traversal": f"../../etc/passwd {MARKER}",
    # Control characters are illegal in XML 1.0 even when escaped: a writer must drop them.
    "control": f"bell\x07 and nul-ish \x1b[31m red {MARKER}",
}


def assert_xml_escaped(document: str) -> ET.Element:
    """``document`` is well-formed XML and no element or attribute came from a hostile string."""
    root = ET.fromstring(document.encode("utf-8"))
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        assert MARKER not in tag, f"injected element <{tag}>"
        assert tag.lower() not in ("script", "img", "b"), f"injected element <{tag}>"
        for name, value in element.attrib.items():
            assert MARKER not in name, f"injected attribute {name}={value!r}"
            assert not name.lower().startswith("on"), f"event handler attribute {name}"
    return root


class _Elements(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[str] = []  # the text inside each <script>
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def assert_no_script(page: str) -> None:
    """No script or event handler on an HTML page came from a hostile string (the site's own
    scripts, without the marker, are fine)."""
    parser = _Elements()
    parser.feed(page)
    for script in parser.scripts:
        assert MARKER not in script, "a hostile <script> reached the page"
    for tag, attrs in parser.tags:
        assert MARKER not in tag, f"injected element <{tag}>"
        for name, value in attrs:
            assert MARKER not in name, f"injected attribute {name}"
            if name.startswith("on") or name in ("src", "href"):
                assert MARKER not in (value or ""), f"<{tag} {name}={value!r}>"
