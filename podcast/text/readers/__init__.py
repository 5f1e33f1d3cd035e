"""Input readers: one module per format, each registered below with one line.

To add a format, write a module with two functions, ``sniff(head: bytes) -> int`` (NOT_MINE,
LIKELY or CERTAIN from the first bytes) and ``read(data: bytes, name: str) -> Article``, and
register it here with its name and suffixes. The registry then reads it from files, folders
and standard input, and lists its suffix in messages and help. (Any object with ``name``,
``suffixes``, ``sniff`` and ``read``, see :class:`Reader`, can be registered too.)
"""

from __future__ import annotations

from podcast.text.readers.registry import (
    CERTAIN,
    LIKELY,
    NOT_MINE,
    STDIN,
    ModuleReader,
    Reader,
    articles_in,
    pick,
    read_bytes,
    read_source,
    readers,
    register,
    suffixes,
    supported_inputs,
    unregister,
)

register(ModuleReader("text", (".txt",), "podcast.text.readers.plain"), fallback=True)
register(ModuleReader("markdown", (".md", ".markdown"), "podcast.text.readers.markdown"))
register(ModuleReader("html", (".html", ".htm", ".xhtml"), "podcast.text.readers.html"))
register(ModuleReader("epub", (".epub",), "podcast.text.readers.epub"))

__all__ = [
    "CERTAIN",
    "LIKELY",
    "NOT_MINE",
    "STDIN",
    "ModuleReader",
    "Reader",
    "articles_in",
    "pick",
    "read_bytes",
    "read_source",
    "readers",
    "register",
    "suffixes",
    "supported_inputs",
    "unregister",
]
