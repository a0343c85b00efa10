"""One renderer per format, all fed the same digest and writing as they go."""

from __future__ import annotations

import re
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


# How every format's output begins: a file that starts so is an earlier gitdigest output.
_SIGNATURE = re.compile(
    r'(?:Source: [^\n]*\n(?:[A-Z][a-z]*: [^\n]*\n)*Files: \d+\n\nDirectory structure:\n'
    r'|\{"version": \d+,\n "source": \{)'
)


def is_digest(text: str) -> bool:
    """True when ``text`` is a digest gitdigest wrote (so re-runs never digest old outputs)."""
    return _SIGNATURE.match(text[:4096]) is not None
