"""One exception root for everything a user can fix.

Each message says what is wrong and what to do next; the CLI prints it as one line on stderr
and exits with ``exit_code``. Anything that is not a PodcastError is a bug and keeps its traceback.
"""

import difflib
import errno
from collections.abc import Iterable

# Writing failures that mean "the disk is full" rather than "this place is off limits".
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class PodcastError(Exception):
    """A problem the user can act on."""

    exit_code = 1


class InputError(PodcastError, ValueError):
    """The article cannot be read or has nothing to say."""


class ConfigError(PodcastError, ValueError):
    """A voice or show configuration is invalid."""


class ToolchainError(PodcastError, RuntimeError):
    """espeak-ng or ffmpeg is missing or broken."""


class SynthesisError(PodcastError, RuntimeError):
    """The speech engine failed on a chunk."""


class OutputError(PodcastError, OSError):
    """An output cannot be written."""


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """A " (did you mean 'x'?)" hint for a mistyped key or name, or "" when nothing is close.

    Close spellings first (difflib); failing that, an option that shares the first four
    letters ("subcat" -> "subcategory").
    """
    ordered = sorted(options)
    close = difflib.get_close_matches(word, ordered, n=1) or [
        o for o in ordered if len(word) >= 3 and o.lower().startswith(word.lower()[:4])
    ]
    return f" (did you mean '{close[0]}'?)" if close else ""
