"""The project's lexicon file (``lexicon.toml``): how to say words the engines get wrong.

``word = "how to say it"`` (optionally under ``[lexicon]``); a saying may be plain words or
espeak-ng phoneme input (``[[m'Vsk]]``). Voice files carry their own ``[lexicon]`` table, read
with the voice; the project's entries apply under each voice's own.
"""

from __future__ import annotations

from pathlib import Path

from podcast.config.problems import Problem, raise_problems, read_toml

LEXICON_FILE = "lexicon.toml"


def load_lexicon(path: Path) -> dict[str, str]:
    """A lexicon file's entries. A missing file is an empty lexicon; a broken one is a
    ConfigError naming the file and every bad entry."""
    if not path.is_file():
        return {}
    data = read_toml(path)
    entries = data.get("lexicon", data)
    bad = [k for k, v in entries.items() if not isinstance(v, str)]
    if bad:
        raise_problems(
            [Problem(str(path), "", f"{', '.join(bad)} must map to a string (how to say it)")]
        )
    return dict(entries)
