"""What every source offers the pipeline: a listing, what git already left out, and bytes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..core.records import Entry, Skipped, SourceInfo
from .netguard import NetworkPolicy


@dataclass
class Listing:
    """Entries in any order, plus paths the source itself left out (gitignored, unreadable...)."""

    entries: list[Entry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    #: True when SOURCE named one file: it is digested whatever the ignore rules say, and the
    #: tree shows it without a root folder.
    explicit: bool = False
    #: what the digest should say about how the source was read (several sources: duplicates)
    notes: list[str] = field(default_factory=list)


Progress = Callable[[str], None]


class Step(str):
    """A progress message that also carries counts: ``done`` of ``total`` ``unit`` (files or
    bytes) of the work ``stage`` names. It is a ``str`` so that every :data:`Progress`
    callback takes it as a line; a surface that draws bars reads the counts."""

    stage: str
    done: int
    total: int
    unit: str

    def __new__(cls, stage: str, done: int, total: int, unit: str = "files") -> Step:
        step = super().__new__(cls, f"{stage}: {done:,} of {total:,} {unit}")
        step.stage, step.done, step.total, step.unit = stage, done, total, unit
        return step


def no_progress(message: str) -> None:
    """The default progress callback: the library prints nothing itself."""


@dataclass(frozen=True)
class SourceSettings:
    """What opening a source needs to know, and nothing more."""

    spec: str = "."
    ref: str | None = None
    #: honour .gitignore files (git applies them)
    gitignore: bool = True
    #: untracked folders git need not descend into (default-ignored names)
    prune: tuple[str, ...] = ()
    #: ask git for the index's blob ids (they only serve the token cache)
    index_oids: bool = True
    #: remote sources
    host: str = "github.com"
    token: str | None = field(default=None, repr=False)
    clone_cache: bool = True
    timeout: float = 900.0
    include_submodules: bool = False
    #: remote sources: more revisions to fetch (a --diff range's base), with enough history
    #: for their merge base; and how many commits of history --log shows
    also_fetch: tuple[str, ...] = ()
    history: int = 0
    progress: Progress = field(default=no_progress, compare=False)
    #: called when a remote source starts downloading: what counting needs can load meanwhile
    on_fetch: Callable[[], None] = field(default=lambda: None, compare=False)
    #: what a server may digest for someone else (web page, MCP); None: anything
    policy: NetworkPolicy | None = None
    #: the pipeline counts the files that are here while larger ones still download (it has
    #: a token cache to keep those counts in): a remote source may then fetch in two parts
    count_early: bool = False


class Source(ABC):
    """A readable tree of files. Use as a context manager: it cleans up after itself."""

    info: SourceInfo
    #: True when bytes come from git objects (a commit), False when from files on disk.
    from_git_objects: bool = False
    #: The folder on disk the paths are relative to, for a working-tree source.
    root: Path | None = None

    @abstractmethod
    def listing(self) -> Listing:
        """Every path the source has, with git's own ignore rules already applied."""

    @abstractmethod
    def read(self, entry: Entry) -> bytes:
        """The bytes of a file entry."""

    @abstractmethod
    def read_path(self, path: str) -> bytes:
        """The bytes of the file at ``path`` (used for ignore files)."""

    def sections(self) -> list[tuple[str, Source]]:
        """The sources this one is made of, each with the name its paths start with ("": its
        paths are the source's own)."""
        return [("", self)]

    def listing_so_far(self) -> Listing | None:
        """While a download is still under way: the entries that can be read already (a
        part of :meth:`listing`), else None. Reading them does not wait for the download."""
        return None

    def downloading(self) -> bool:
        """Whether a download that :meth:`listing` waits for is still under way."""
        return False

    def read_ahead(self, entries: Sequence[Entry]) -> None:  # noqa: B027 - a hint
        """A hint: these entries are read next, in this order (a source reading through a
        process can ask for them all at once). Reading anything else stays correct."""

    def generated(self, paths: Sequence[str]) -> set[str]:
        """The ``paths`` git's attributes mark ``linguist-generated`` (none outside git)."""
        return set()


    def reopen(self) -> None:  # noqa: B027 - most sources hold no process or handle
        """Called in a forked worker: replace handles that cannot be shared across processes."""

    def close(self) -> None:  # noqa: B027 - most sources hold nothing to release
        """Release what the source holds (processes, temporary folders)."""

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def attributes_may_apply(paths: Sequence[str], subpath: str) -> bool:
    """Whether a ``.gitattributes`` can say anything about ``paths``: one is among them, or
    the source is a folder inside its repository (one may be above it)."""
    return bool(subpath) or any(p.rpartition("/")[2] == ".gitattributes" for p in paths)
