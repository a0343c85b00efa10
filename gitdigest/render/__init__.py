"""One renderer per format, all fed the same digest record and writing as they go."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from ..core.records import DigestData
from . import json, markdown, text, xml

Renderer = Callable[[DigestData, TextIO], None]

RENDERERS: dict[str, Renderer] = {"text": text.render, "json": json.render,
                                  "markdown": markdown.render, "xml": xml.render}
EXTENSIONS = {"text": "txt", "json": "json", "markdown": "md", "xml": "xml"}


def get_renderer(name: str) -> Renderer:
    """The renderer for a format name (names are validated by :class:`~gitdigest.Options`)."""
    return RENDERERS[name]
