"""What a file's text becomes in the digest after decoding: the options that change it.

Each function here is named by one option's declaration in :mod:`gitdigest.options`, which is
how the token cache key, the counting pass and the render pass all apply the same changes.
"""

from __future__ import annotations

from collections.abc import Callable

#: a text change: (the file's text, its path) -> the text shown
Transform = Callable[[str, str], str]


def number_lines(text: str, path: str = "") -> str:
    """Prefix every line with its number, right-aligned to the widest (``12 | code``)."""
    if not text:
        return text
    lines = text.splitlines(keepends=True)
    width = len(str(len(lines)))
    return "".join(f"{number:>{width}} | {line}" for number, line in enumerate(lines, 1))
