"""Generated and asset files, told from their name, size or first lines: skipped by default
with their own reason (``generated`` or ``asset``), kept with ``--include-generated``.

What git marks ``linguist-generated`` in ``.gitattributes`` is asked of git by the source
(see :meth:`gitdigest.sources.base.Source.generated`); this module needs only the text.
"""

from __future__ import annotations

import re

GENERATED = "generated"
ASSET = "asset"
#: an SVG larger than this is a drawing exported by a tool, not source worth reading
SVG_LIMIT = 32 * 1024
#: the lines of a file's head that may say it is generated
_HEAD_LINES = 10
_MARKER = re.compile(r"\bcode generated\b.*\bdo not edit\b|@generated\b|"
                     r"\b(?:auto-?generated|generated automatically)\b.*\bdo not (?:edit|modify)\b",
                     re.I)
_MINIFIABLE = (".js", ".mjs", ".cjs", ".css")
#: a script or style sheet this long whose lines average this wide was minified
_MINIFIED_BYTES = 2048
_MINIFIED_LINE = 300


def by_size(path: str, size: int) -> tuple[str, str] | None:
    """``(reason, detail)`` for an asset told by its name and size alone (a large SVG)."""
    if path.lower().endswith(".svg") and size > SVG_LIMIT:
        return ASSET, f"SVG of {size:,} bytes, over {SVG_LIMIT // 1024} KiB"
    return None


def by_text(path: str, text: str) -> tuple[str, str] | None:
    """``(reason, detail)`` when the text says it is generated or was minified."""
    head = "\n".join(text[:4096].splitlines()[:_HEAD_LINES])
    found = _MARKER.search(head)
    if found is not None:
        return GENERATED, f"its head says {found.group(0)[:60]!r}"
    if path.lower().endswith(_MINIFIABLE) and len(text) >= _MINIFIED_BYTES:
        width = len(text) // (text.count("\n") + 1)
        if width > _MINIFIED_LINE:
            return GENERATED, f"minified: lines average {width:,} characters"
    return None
