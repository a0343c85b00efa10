"""One renderer per format, all fed the same digest and writing as they go."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from . import json, text

if TYPE_CHECKING:
    from ..api import Digest

Renderer = Callable[["Digest", TextIO], None]

RENDERERS: dict[str, Renderer] = {"text": text.render, "json": json.render}
EXTENSIONS = {"text": "txt", "json": "json"}


def get_renderer(name: str) -> Renderer:
    """The renderer for a format name (names are validated by :class:`~gitdigest.Options`)."""
    return RENDERERS[name]
