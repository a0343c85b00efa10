"""Typed records passed between pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EntryKind = Literal["file", "symlink", "submodule"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One path a source lists, before anything is read. ``path`` is POSIX, relative to the root."""

    path: str
    kind: EntryKind
    size: int = 0
    oid: str | None = None
    target: str | None = None


@dataclass(frozen=True, slots=True)
class Skipped:
    """A path left out of the digest, with the reason and what decided it."""

    path: str
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class SourceInfo:
    """Where the files came from, as the summary and the JSON ``source`` block show it."""

    kind: Literal["local", "remote"]
    location: str
    name: str
    ref: str | None = None
    commit: str | None = None
    subpath: str = ""
    is_git: bool = False
    #: for remote sources: the host and the repository path on it (``owner/repo``)
    host: str | None = None
    repo: str | None = None


@dataclass(frozen=True)
class Selection:
    """The verdict on every entry: what goes in (in digest order) and what is left out, and why
    (in no particular order: the pipeline sorts skips once, after reading adds its own)."""

    included: tuple[Entry, ...]
    skipped: tuple[Skipped, ...]
    notes: tuple[str, ...] = ()
    #: links and submodules: drawn in the tree, never read
    shown: tuple[Entry, ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    """A file that made it into the digest: its counts and how to decode it again."""

    entry: Entry
    bytes: int
    tokens: int
    block_tokens: int
    charset: str
    kind: Literal["text", "notebook"] = "text"

    @property
    def path(self) -> str:
        """POSIX path relative to the source root."""
        return self.entry.path


@dataclass(frozen=True)
class Summary:
    """The totals a digest reports."""

    files: int
    skipped: int
    bytes: int
    tokens: int
