"""Input readers: one module per format, each registered below with one line.

To add a format, write a module with a class that has ``name``, ``suffixes``, ``sniff(head)``
and ``read(data, name)`` (see :class:`Reader`) and register an instance here. The registry
then reads it from files, folders and standard input, and lists its suffix in messages and help.
"""

from __future__ import annotations

from podcast.text.readers import html, markdown, plain
from podcast.text.readers.registry import (
    CERTAIN,
    LIKELY,
    NOT_MINE,
    STDIN,
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

register(plain.READER, fallback=True)
register(markdown.READER)
register(html.READER)

__all__ = [
    "CERTAIN",
    "LIKELY",
    "NOT_MINE",
    "STDIN",
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
