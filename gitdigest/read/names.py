"""Path names hold secrets too: a file named after a token would show it in the tree, its
block's header, the Skipped section and the JSON records.

Every path a selection shows (included, skipped, links and their targets, submodules, and
the skips' details, which may name a link's target) is scanned in one pass. A path with a
secret is shown redacted wherever it appears, and the file itself is withheld (reason
``secret``): its text would be shown under its name, and a name that is not its own would
mislead. Skipped paths keep their reason, redacted.
"""

from __future__ import annotations

from dataclasses import replace

from ..core.records import Entry, Secret, Selection, Skipped
from . import secrets

DETAIL = "its path holds a secret"


def scanned(selection: Selection) -> list[str]:
    """Every text of ``selection`` that :func:`screen` scans, in its order: what a caller
    may remember a clean verdict by (the same texts, the same scanner: the same result)."""
    entries = [*selection.included, *selection.shown]
    return [*(e.path for e in entries), *(e.target or "" for e in entries),
            *(s.path for s in selection.skipped), *(s.detail for s in selection.skipped)]


def screen(selection: Selection, mode: str) -> Selection:
    """``selection`` with every path that holds a secret redacted, and a file with such a
    path withheld. The skips carry what was found (``line`` 0: in the name), so the digest
    counts and reports it. ``mode`` ``off`` scans nothing."""
    if mode == "off":
        return selection
    entries = [*selection.included, *selection.shown]
    texts = scanned(selection)
    findings = secrets.scan_each(texts, "path names")
    if not any(findings):
        return selection
    count = len(entries)
    shown = {texts[i]: secrets.redact(texts[i], findings[i]) for i in range(len(texts))
             if findings[i]}
    included: list[Entry] = []
    links: list[Entry] = []
    withheld: list[Skipped] = []
    for index, entry in enumerate(entries):
        hits = findings[index] + findings[count + index]
        if not hits:
            (included if index < len(selection.included) else links).append(entry)
            continue
        path = shown.get(entry.path, entry.path)
        rules = ", ".join(sorted({hit.rule for hit in hits}))
        withheld.append(Skipped(path, secrets.REASON, f"{DETAIL} ({rules})",
                                tuple(Secret(path, 0, hit.rule) for hit in hits)))
    skipped = []
    gone = len(selection.skipped)
    for index, item in enumerate(selection.skipped):
        hits = findings[2 * count + index] + findings[2 * count + gone + index]
        if hits:  # a target named in the detail ("-> ...") may hold one too
            path = shown.get(item.path, item.path)
            item = replace(item, path=path, detail=shown.get(item.detail, item.detail),
                           secrets=(*item.secrets, *(Secret(path, 0, hit.rule) for hit in hits)))
        skipped.append(item)
    return replace(selection, included=tuple(included), shown=tuple(links),
                   skipped=(*skipped, *withheld))
