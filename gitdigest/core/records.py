"""Typed records passed between pipeline stages, and the digest they add up to.

This module imports no stage: every stage, renderer and surface may depend on it, and nothing
here depends on them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
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
    #: several sources in one digest: each one's own, ``name`` being its section's name
    sections: tuple[SourceInfo, ...] = ()


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
    #: sha256 (hex) of the text the digest shows ("" when not known: read it to hash it)
    sha256: str = ""
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
    #: the fused ``--query`` score and its reason (None without a query)
    score: float | None = None
    why: str | None = None


@dataclass(frozen=True)
class FrameShape:
    """How far a budget made the frame around the files give way (see
    :mod:`gitdigest.plan.shape`): the tree with what is not shown folded (``fold``, while that
    tree takes at most ``room`` tokens; with no file kept, the tree drawn down to ``depth``),
    else drawn down to ``depth`` only (each folder at that depth one line,
    ``folder/ (N files, T tokens)``), the Skipped section as counts by reason
    (``brief_skipped``), and the summary without its optional lines (``lean``)."""

    #: folders this deep (the root is 0) are drawn as one line each; None: the whole tree
    depth: int | None = None
    brief_skipped: bool = False
    lean: bool = False
    #: fold what is not shown, keeping a line for each shown file, within ``room`` tokens
    fold: bool = False
    room: int = 0
    #: as a split's tree was drawn: how far the fold went (1: folders with no file shown,
    #: 2: and the other files of an open folder, 3: all an open folder holds not shown, as
    #: :mod:`gitdigest.plan.tree` draws them), and how many shown files lost their line
    folded: int = 0
    unlisted: int = 0

    @property
    def notes(self) -> list[str]:
        """One short line per step taken, as the digest's summary says them."""
        notes = []
        whole = "(N files, T tokens: what showing them whole would cost)"
        levels = f"{self.depth} level{'' if self.depth == 1 else 's'}"
        if self.fold:
            what = ("each folder with no file shown is one line" if self.folded < 2 else
                    "each folder with no file shown is one line, and so are the other files "
                    "of each open folder" if self.folded == 2 else
                    "all that a folder holds and the digest does not show is one line")
            if self.unlisted:
                plural = "s have" if self.unlisted != 1 else " has"
                what += (f"; {self.unlisted:,} shown file{plural} no line either (no room: "
                         "the most important keep theirs)")
            notes.append(f"tree shortened to fit the budget: {what} {whole}")
        elif self.depth is not None:
            what = ("the whole tree is one line" if self.depth == 0 else
                    f"every folder {levels} down is one line")
            notes.append(f"tree shortened to fit the budget: {what} {whole}")
        if self.brief_skipped:
            notes.append("Skipped list summarised by reason to fit the budget "
                         "(the JSON format lists every path)")
        if self.lean:
            notes.append("summary shortened to fit the budget")
        return notes


@dataclass(frozen=True)
class Summary:
    """The totals a digest reports."""

    files: int
    skipped: int
    bytes: int
    tokens: int
    #: secrets found (redacted in place, or in files withheld)
    secrets: int = 0


_HASH_SLICE = 1 << 20  # characters encoded at a time for a text's sha256


def text_sha256(*texts: str) -> str:
    """The hex sha256 of a text as the digest shows it (UTF-8; undecodable name bytes kept),
    or of several texts joined, without joining them (a frame's 6 MB tree and what surrounds
    it). A long text is encoded a slice at a time (each character encodes on its own, so the
    bytes are the same): a 50 MB file's whole encoding would be 50 MB more at the worker's
    peak."""
    digest = hashlib.sha256()
    for text in texts:
        for start in range(0, len(text), _HASH_SLICE):
            digest.update(text[start:start + _HASH_SLICE].encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


#: Skip details for gitdigest's own files (the output, earlier outputs): whether they lie in
#: the folder says nothing about its content, so the fingerprint leaves them out.
OWN_OUTPUT = "the digest's own output file"
EARLIER_OUTPUT = "an earlier gitdigest output"

#: What a fingerprint covers changes only with this label (see :func:`fingerprint_of`).
FINGERPRINT_VERSION = "gitdigest-fingerprint-1"


def fingerprint_of(files: Iterable[tuple[str, str]], skipped: Iterable[tuple[str, str, str]],
                   prologue: Iterable[str | None] = ()) -> str:
    """The hex sha256 over a digest's content: each included file's path and the sha256 of its
    shown text (in digest order), each skip (path, reason, detail), and the prologue texts.
    Paths skipped as ``ignored`` and gitdigest's own outputs are left out: what git and the
    default ignores leave out is mostly this machine's (virtualenvs, caches, build output), and
    a fingerprint must not change between a developer's folder and a fresh CI checkout.

    Nothing else goes in: not the source's location or folder name, the commit, the time, the
    format, the worker count or the cache state, so the same content always gives the same
    fingerprint, and a JSON digest on disk can be checked against a new run."""
    digest = hashlib.sha256(FINGERPRINT_VERSION.encode())

    def feed(tag: str, *parts: str | None) -> None:
        digest.update(tag.encode())
        for part in parts:  # length-prefixed: no part can pass for two
            if part is None:
                digest.update(b"-")
                continue
            data = part.encode("utf-8", "surrogateescape")
            digest.update(b"%d:" % len(data) + data)

    for path, sha in files:
        feed("F", path, sha)
    for path, reason, detail in skipped:
        if reason != "ignored" and detail not in (OWN_OUTPUT, EARLIER_OUTPUT):
            feed("S", path, reason, detail)
    for text in prologue:
        feed("P", text)
    return digest.hexdigest()


#: The title of the bundled notes wherever a digest carries them.
NOTES_TITLE = "LLM reference notes (bundled with gitdigest)"


@dataclass(frozen=True)
class Prologue:
    """The user's prompt (``--header`` / ``--instructions``) and the notes (``--with-notes``)."""

    instructions: str | None = None
    notes: str | None = None
    notes_title: str = NOTES_TITLE
    #: secrets redacted from the prompt (``path``: ``--header`` or ``--instructions``)
    secrets: tuple[Secret, ...] = ()


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file a diff touches: its status (``added``, ``modified``, ``deleted``, ``renamed``,
    ``copied``, ``type-changed``), the path before a rename or copy, and the lines added and
    removed (None for a binary file, which is named and never dumped)."""

    path: str
    status: str
    added: int | None
    removed: int | None
    old_path: str | None = None
    #: why the patch leaves this file's hunks out (the digest's rules skip the file:
    #: ``ignored``, ``excluded``, ``too-large``...); "" when they are shown
    omitted: str = ""

    @property
    def binary(self) -> bool:
        """Whether git sees the change as binary."""
        return self.added is None


@dataclass(frozen=True)
class Diff:
    """The change a digest reviews: the range as asked, the commits on each side (``head``
    None: the working tree and index), every file changed, and the unified patch with secrets
    redacted, as the Diff section shows it."""

    range: str
    base: str
    head: str | None
    files: tuple[FileChange, ...]
    patch: str
    tokens: int = 0
    #: secrets redacted from the patch (``line``: the line in the patch)
    secrets: tuple[Secret, ...] = ()


@dataclass(frozen=True, slots=True)
class Commit:
    """One commit of the History section (``email`` only with ``--log-emails``)."""

    id: str
    date: str
    author: str
    subject: str
    files: tuple[str, ...] = ()
    email: str | None = None


@dataclass(frozen=True)
class History:
    """The History section: the last commits of the digested ref, or the commits of a range."""

    range: str
    commits: tuple[Commit, ...]
    tokens: int = 0
    #: secrets redacted from the commits (``path``: the commit's id, ``line``: 1)
    secrets: tuple[Secret, ...] = ()


class Contents(Protocol):
    """Reads an included file's text again, on demand (the digest keeps only counts)."""

    def load(self, document: Document) -> str:
        """The exact text that was counted."""

    def load_raw(self, document: Document) -> bytes | None:
        """The file's bytes when they are exactly its text in UTF-8, else None."""

    def read_ahead(self, documents: Sequence[Document]) -> None:
        """A hint: these files are read next, in this order."""


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
    #: the reviewed change (``--diff``, ``--since``) and the History section (``--log``)
    diff: Diff | None = None
    history: History | None = None
    #: why a file is in the digest when a change chose it (``changed``, ``imports src/a.py``)
    why: dict[str, str] = field(default_factory=dict)
    #: how far a budget made the tree, the Skipped section and the summary give way
    shape: FrameShape = field(default_factory=FrameShape)
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

    def read_ahead(self) -> None:
        """A hint for renderers: every file is about to be read, in digest order."""
        if self._texts is None and self.contents_reader is not None:
            self.contents_reader.read_ahead(self.files)

    def contents(self) -> Iterator[tuple[Document, str]]:
        """Each included file with its text, in digest order, one at a time."""
        self.read_ahead()
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
    def fingerprint(self) -> str:
        """sha256 (hex) over the digest's content (see :func:`fingerprint_of`): the same for the
        same content whatever the folder, time, worker count or cache state."""
        files = [(d.path, d.sha256 or text_sha256(self.content(d))) for d in self.files]
        return fingerprint_of(files, [(s.path, s.reason, s.detail) for s in self.skipped],
                              (self.prologue.instructions, self.prologue.notes))

    @property
    def over_budget(self) -> bool:
        """True when a budget was given and the digest exceeds it (only possible with check)."""
        return self.budget is not None and self.summary.tokens > self.budget
