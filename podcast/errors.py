"""One exception root for everything a user can fix.

Each message says what is wrong and what to do next; the CLI prints it as one line on stderr
and exits with ``exit_code``. Anything that is not a PodcastError is a bug and keeps its traceback.
"""


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
