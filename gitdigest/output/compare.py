"""``--check-against``: what a digest on disk holds, and how a new digest differs from it.

A JSON digest reads back exactly (paths, texts, skips, prologue), so its fingerprint is
computed again from what it holds. A text digest is read back file block by file block, and the
new digest is rendered as text and read back the same way, so both sides are read alike (the
text layout, like gitingest's, does not escape: a file whose own text holds a block header reads
back as two blocks, on both sides).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import UsageError
from ..core.layout import SEPARATOR, TRAILER
from ..core.records import DigestData, fingerprint_of, text_sha256

# Every block of the text layout opens like this: FILE blocks hold files; the others (the
# notes' REFERENCE, the closing SKIPPED list) only end the block before them. The skipped list
# is not compared: what is ignored is mostly the machine's own (see ``fingerprint_of``).
_HEAD = re.compile(rf"^{SEPARATOR}\n([A-Z]+): (.*)\n{SEPARATOR}\n", re.M)
_LISTED = 10  # paths named per kind of change in the one-line message


@dataclass
class Manifest:
    """A digest's content, reduced to what a comparison needs."""

    #: path -> sha256 of the shown text, in digest order
    files: dict[str, str] = field(default_factory=dict)
    #: over everything, when the digest holds enough to compute it (JSON); else None
    fingerprint: str | None = None
    #: what the digest on disk was: "json", "text", or "missing"
    kind: str = "json"


@dataclass
class Changes:
    """How a new digest differs from an old one."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    #: the files are the same but the fingerprint is not (skips or the prompt changed)
    other: bool = False

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.other)

    def describe(self, name: str) -> str:
        """One line: what changed, naming the files."""
        parts = [f"{label} {len(paths)}: {_names(paths)}" for label, paths in
                 (("added", self.added), ("removed", self.removed), ("changed", self.changed))
                 if paths]
        if self.other:
            parts.append("the same files, but the skipped files or the prompt changed")
        return f"the digest differs from {name}: " + "; ".join(parts)


def _names(paths: list[str]) -> str:
    shown = ", ".join(paths[:_LISTED])
    return shown + (f" and {len(paths) - _LISTED} more" if len(paths) > _LISTED else "")


def manifest_of(digest: DigestData) -> Manifest:
    """The manifest of a digest just made (its contents must still be readable)."""
    files = {d.path: d.sha256 or text_sha256(digest.content(d)) for d in digest.files}
    return Manifest(files, digest.fingerprint)


def read_manifest(path: str) -> Manifest:
    """The manifest of the digest in ``path`` (JSON or text; a missing file is an empty
    manifest). Anything else is a :class:`UsageError`."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return Manifest(kind="missing")
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None
    if text.startswith("{"):
        return _from_json(text, path)
    if _HEAD.search(text) or "\nDirectory structure:\n" in text[:65536]:
        return text_manifest(text)
    raise UsageError(f"{path} is not a gitdigest JSON or text digest")


def _from_json(text: str, path: str) -> Manifest:
    try:
        data: Any = json.loads(text)
        files = [(item["path"], text_sha256(item["content"])) for item in data["files"]]
        skipped = [(item["path"], item["reason"], item["detail"]) for item in data["skipped"]]
        prologue = (data.get("instructions") or None, data.get("notes"))
    except (ValueError, KeyError, TypeError) as error:
        raise UsageError(f"{path} is not a gitdigest JSON digest ({error})") from None
    return Manifest(dict(files), fingerprint_of(files, skipped, prologue))


def text_manifest(text: str) -> Manifest:
    """The manifest of a text digest's text: each file block's path and text."""
    text = text.removesuffix(TRAILER)
    heads = list(_HEAD.finditer(text))
    files: dict[str, str] = {}
    for index, head in enumerate(heads):
        if head.group(1) != "FILE":
            continue
        end = heads[index + 1].start() if index + 1 < len(heads) else len(text)
        body = text[head.end():end]
        files[head.group(2)] = text_sha256(body.removesuffix("\n\n"))
    return Manifest(files, kind="text")


def differences(old: Manifest, new: Manifest) -> Changes:
    """What changed from ``old`` to ``new``."""
    changes = Changes(
        added=[p for p in new.files if p not in old.files],
        removed=[p for p in old.files if p not in new.files],
        changed=[p for p, sha in new.files.items() if p in old.files and old.files[p] != sha])
    if not changes and old.fingerprint is not None and new.fingerprint is not None:
        changes.other = old.fingerprint != new.fingerprint
    return changes
