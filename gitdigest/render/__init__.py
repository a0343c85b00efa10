"""One renderer per format, all fed the same digest and writing as they go."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from . import json, markdown, text, xml

if TYPE_CHECKING:
    from ..api import Digest

Renderer = Callable[["Digest", TextIO], None]

RENDERERS: dict[str, Renderer] = {"text": text.render, "json": json.render,
                                  "markdown": markdown.render, "xml": xml.render}
EXTENSIONS = {"text": "txt", "json": "json", "markdown": "md", "xml": "xml"}


def get_renderer(name: str) -> Renderer:
    """The renderer for a format name (names are validated by :class:`~gitdigest.Options`)."""
    return RENDERERS[name]


# How every format's output begins: a file that starts so is an earlier gitdigest output.
_SIGNATURE = re.compile(
    r'(?:Source: [^\n]*\n(?:[A-Z][a-z]*: [^\n]*\n)*Files: \d+\n\nDirectory structure:\n'
    r'|\{"version": \d+,\n "source": \{'
    r'|<\?xml version="1\.0" encoding="UTF-8"\?>\n<digest>\n'
    r'|# Digest: [^\n]*\n\n- Source: )'
)


def is_digest(text: str) -> bool:
    """True when ``text`` is a digest gitdigest wrote (so re-runs never digest old outputs)."""
    return _SIGNATURE.match(text[:4096]) is not None
