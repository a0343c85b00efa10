"""Path names hold secrets too: a file named after a token would show it in the tree, its
block's header, the Skipped section and the JSON records.

Every path a selection shows (included, skipped, links and their targets, submodules, and
the skips' details, which may name a link's target) is scanned in one pass. A path with a
secret is shown redacted wherever it appears, and the file itself is withheld (reason
``secret``): its text would be shown under its name, and a name that is not its own would
mislead. Skipped paths keep their reason, redacted.

The source's own texts are names too: a remote's branch named after a token would show in
the header's ``Ref:``, the JSON ``source`` block and the summary's ``Source:`` line. They are
shown redacted; the source itself keeps the real names for git.
"""

from __future__ import annotations

from dataclasses import replace

from ..core.records import Entry, Secret, Selection, Skipped, SourceInfo
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


#: the texts of a :class:`SourceInfo` a digest shows (its URL or folder, name, ref, subpath)
SOURCE_FIELDS = ("location", "name", "ref", "subpath", "repo")


def source_texts(info: SourceInfo) -> list[str]:
    """Every text of ``info`` that :func:`screen_source` scans, in its order (sections
    first)."""
    return [*(text for part in info.sections for text in source_texts(part)),
            *(getattr(info, name) or "" for name in SOURCE_FIELDS)]


def screen_source(info: SourceInfo, mode: str) -> tuple[SourceInfo, list[Secret]]:
    """``info`` with every text it shows redacted where it holds a secret, and what was
    found (path ``source:<field>``, line 0: in the name). ``mode`` ``off`` scans nothing."""
    if mode == "off":
        return info, []
    return _screen_source(info, secrets.scan_each(source_texts(info), "source names"))


def _screen_source(info: SourceInfo, findings: list[list[secrets.Finding]]
                   ) -> tuple[SourceInfo, list[Secret]]:
    found: list[Secret] = []
    changes: dict[str, object] = {}
    if info.sections:
        parts = []
        for part in info.sections:
            size = len(source_texts(part))
            screened, part_found = _screen_source(part, findings[:size])
            findings = findings[size:]
            parts.append(screened)
            found += part_found
        changes["sections"] = tuple(parts)
    for name, hits in zip(SOURCE_FIELDS, findings, strict=True):
        if hits:
            changes[name] = secrets.redact(getattr(info, name), hits)
            found += [Secret(f"source:{name}", 0, hit.rule) for hit in hits]
    return (replace(info, **changes) if changes else info), found  # type: ignore[arg-type]
