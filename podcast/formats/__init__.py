"""Output formats: what an episode's audio file is, and the registry that names them.

An ``OutputFormat`` knows its file suffix and MIME type, the ffmpeg options that encode our PCM
into it (``encoder_args``) and read it back (``decoder_args``), how its encoded streams are
laid out in frames (``scan``) and joined without re-encoding (``join``), the duration players
read from a file, and how tags and chapters are written and read. Everything else (the
timeline, loudness, the feed and the site) asks the format, so a new format is one module
(a class with these members) and one ``register`` line below. MP3 is registered exactly that
way; a format defined in a test registers itself the same way (``tests/test_formats.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from podcast.errors import ConfigError, did_you_mean
from podcast.formats.derived import DerivedFormat
from podcast.formats.protocol import (
    EncodedStream,
    FormatError,
    OutputFormat,
    ReadTags,
    Tags,
)

__all__ = [
    "DEFAULT_FORMAT", "DerivedFormat", "EncodedStream", "FormatError", "OutputFormat", "ReadTags", "Tags",
    "by_suffix", "decode", "default", "derivable", "find_audio", "get", "names", "register",
    "unregister",
]  # fmt: skip

DEFAULT_FORMAT = "mp3"


_REGISTRY: dict[str, OutputFormat] = {}


def register(output_format: OutputFormat) -> OutputFormat:
    """Make ``output_format`` known by its name and suffix (a later one of the same name wins)."""
    _REGISTRY[output_format.name] = output_format
    return output_format


def unregister(name: str) -> None:
    """Forget a format (tests register their own and take them away again)."""
    _REGISTRY.pop(name, None)


def names() -> list[str]:
    return sorted(_REGISTRY)


def get(name: str) -> OutputFormat:
    """The format called ``name``; an unknown name is a ``ConfigError`` with a hint."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ConfigError(
            f"no output format {name!r}{did_you_mean(name, _REGISTRY)}; "
            f"formats: {', '.join(names())}"
        ) from None


def default() -> OutputFormat:
    return get(DEFAULT_FORMAT)


def by_suffix(path: str | Path) -> OutputFormat | None:
    """The format whose suffix ``path`` (or a bare suffix such as ``.mp3``) has, if any."""
    text = str(path)
    suffix = text.lower() if text.startswith(".") and "/" not in text else Path(text).suffix.lower()
    return next((f for f in _REGISTRY.values() if f.suffix == suffix), None)


def find_audio(folder: Path) -> tuple[Path, OutputFormat] | None:
    """An episode folder's audio file and its format: ``<folder name><suffix>`` first (the
    default format before the others), else the first file with a known suffix."""
    ordered = [default(), *(f for n, f in sorted(_REGISTRY.items()) if n != DEFAULT_FORMAT)]
    for output_format in ordered:
        named = folder / f"{folder.name}{output_format.suffix}"
        if named.is_file():
            return named, output_format
    for path in sorted(folder.iterdir()) if folder.is_dir() else ():
        found = by_suffix(path)
        if found is not None and path.is_file():
            return path, found
    return None


def decode(output_format: OutputFormat, stream: bytes) -> Iterator[bytes]:
    """``stream`` (one stream of ``output_format``) decoded as players decode it: mono 32-bit
    float PCM (native byte order) at the format's rate, in pieces. A format with a decoder of its own
    (``decode_pcm``, optional: MP3's runs in this process) decodes it; any other is decoded by
    ffmpeg from its ``decoder_args``."""
    own = getattr(output_format, "decode_pcm", None)
    if own is not None:
        yield from own(stream)
        return
    from podcast.audio import ffmpeg

    yield ffmpeg.read_output(
        [*output_format.decoder_args(), "-i", "pipe:0", "-f", "f32le", "-ac", "1",
         "-ar", str(output_format.sample_rate), "-"],
        doing="decode an encoded part", hint="run 'podcast doctor'", feed=[stream],
    )  # fmt: skip


def derivable(names_asked: Sequence[str]) -> tuple[DerivedFormat, ...]:
    """The formats of ``names_asked`` (``--format mp3,m4b,opus``) made from the finished
    episode besides the default one, each once, in order.

    An unknown name, a format that cannot be made from the episode file, or one whose encoder
    this ffmpeg lacks is a ``ConfigError`` saying so (before any work is done).
    """
    chosen: list[DerivedFormat] = []
    for name in dict.fromkeys(n.strip().lower() for n in names_asked if n.strip()):
        found = get(name)
        if found.name == DEFAULT_FORMAT:
            continue
        if not isinstance(found, DerivedFormat):
            others = ", ".join(n for n, f in sorted(_REGISTRY.items())
                               if isinstance(f, DerivedFormat))  # fmt: skip
            raise ConfigError(
                f"{name} cannot be made from the episode's {DEFAULT_FORMAT}; "
                f"formats that can: {others or 'none'}"
            )
        missing = found.available()
        if missing:
            raise ConfigError(missing)
        chosen.append(found)
    return tuple(chosen)


# The built-in formats, registered the way a new one is: import its module, register it.
from podcast.formats.m4b import M4bFormat  # noqa: E402
from podcast.formats.mp3 import Mp3Format  # noqa: E402
from podcast.formats.opus import OpusFormat  # noqa: E402

register(Mp3Format())
register(M4bFormat())
register(OpusFormat())
