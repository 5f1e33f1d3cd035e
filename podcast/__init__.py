"""podcast: written articles in, publishable podcast episodes out, offline."""

__version__ = "0.1.0"
