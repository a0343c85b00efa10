"""Typed records passed between pipeline stages, and the digest they add up to.

This module imports no stage: every stage, renderer and surface may depend on it, and nothing
here depends on them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

EntryKind = Literal["file", "symlink", "submodule"]
#: how a file is shown: its whole text, its outline (``--compress``) or its repository-map entry
View = Literal["full", "compressed", "map"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One path a source lists, before anything is read. ``path`` is POSIX, relative to the root."""

    path: str
    kind: EntryKind
    size: int = 0
    oid: str | None = None
    target: str | None = None


@dataclass(frozen=True, slots=True)
class Secret:
    """A secret found in a file: where (the 1-based line of the text the digest shows before
    any redaction: the file's own line, or for a notebook the line of its ``# %%`` cells) and
    which rule found it. Never the value."""

    path: str
    line: int
    rule: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A path left out of the digest, with the reason and what decided it (and, for a file
    withheld because it is a secret, what was found)."""

    path: str
    reason: str
    detail: str = ""
    secrets: tuple[Secret, ...] = ()


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
    #: secrets redacted from the text
    secrets: tuple[Secret, ...] = ()
    #: how the file is shown; ``tokens`` and ``block_tokens`` count that view
    view: View = "full"

    @property
    def path(self) -> str:
        """POSIX path relative to the source root."""
        return self.entry.path


@dataclass(frozen=True)
class FileViews:
    """What each view of a file costs and why it ranks where it does (see ``--stats``,
    ``--map`` and ``--query``). A view a file does not have (no grammar, no definitions) is None."""

    path: str
    full: int
    compressed: int | None
    map: int | None
    #: PageRank share over the definition/reference graph (0 for files outside it)
    importance: float = 0.0
    #: the blended ``--query`` score and its reason (None without a query)
    score: float | None = None
    why: str | None = None


@dataclass(frozen=True)
class Summary:
    """The totals a digest reports."""

    files: int
    skipped: int
    bytes: int
    tokens: int
    #: secrets found (redacted in place, or in files withheld)
    secrets: int = 0


#: The title of the bundled notes wherever a digest carries them.
NOTES_TITLE = "LLM reference notes (bundled with gitdigest)"


@dataclass(frozen=True)
class Prologue:
    """The user's prompt (``--header`` / ``--instructions``) and the notes (``--with-notes``)."""

    instructions: str | None = None
    notes: str | None = None
    notes_title: str = NOTES_TITLE


class Contents(Protocol):
    """Reads an included file's text again, on demand (the digest keeps only counts)."""

    def load(self, document: Document) -> str:
        """The exact text that was counted."""

    def load_raw(self, document: Document) -> bytes | None:
        """The file's bytes when they are exactly its text in UTF-8, else None."""


@dataclass
class DigestData:
    """A digested repository: summary, tree, included files (with counts) and every skip.

    File contents are read on demand through ``contents`` while the source is open;
    :meth:`materialize` keeps them so the record stands alone. Renderers take this record.
    """

    source: SourceInfo
    tokenizer: str
    summary: Summary
    tree: str
    files: list[Document]
    skipped: list[Skipped]
    notes: list[str] = field(default_factory=list)
    prologue: Prologue = field(default_factory=Prologue)
    #: the output format the digest was asked for
    format: str = "text"
    budget: int | None = None
    #: files the budget left out (they are also in ``skipped``, reason ``budget``)
    cut: list[Document] = field(default_factory=list)
    #: every secret found, in digest order: redacted from a file, or why a file was withheld
    secrets: list[Secret] = field(default_factory=list)
    #: per file: view costs, importance and query score (when an option asked for them)
    views: dict[str, FileViews] = field(default_factory=dict)
    contents_reader: Contents | None = field(default=None, repr=False)
    _texts: dict[str, str] | None = field(default=None, repr=False)

    def content(self, document: Document) -> str:
        """The text of one included file, exactly as the digest shows it."""
        if self._texts is not None:
            return self._texts[document.path]
        if self.contents_reader is None:
            raise RuntimeError("this digest's source is closed and its contents were not kept")
        return self.contents_reader.load(document)

    def raw_content(self, document: Document) -> bytes | None:
        """The file's bytes when they are exactly its text in UTF-8 and are read from the source
        anyway (streaming); None otherwise. Renderers may copy them as they are."""
        if self._texts is not None or self.contents_reader is None:
            return None
        return self.contents_reader.load_raw(document)

    def contents(self) -> Iterator[tuple[Document, str]]:
        """Each included file with its text, in digest order, one at a time."""
        for document in self.files:
            yield document, self.content(document)

    def materialize(self) -> None:
        """Keep every file's text in memory so the digest outlives its source."""
        if self._texts is None:
            self._texts = {document.path: text for document, text in self.contents()}

    def close(self) -> None:
        """The source is closing: contents are no longer readable (unless materialized)."""
        self.contents_reader = None

    @property
    def largest(self) -> list[Document]:
        """Included files, most tokens first (ties by path)."""
        return sorted(self.files, key=lambda d: (-d.tokens, d.path))

    @property
    def over_budget(self) -> bool:
        """True when a budget was given and the digest exceeds it (only possible with check)."""
        return self.budget is not None and self.summary.tokens > self.budget
