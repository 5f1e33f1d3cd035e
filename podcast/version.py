"""The version of podcast (one place; tags and manifests name it)."""

__version__ = "0.1.0"
