"""What every source offers the pipeline: a listing, what git already left out, and bytes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from ..model import Entry, Skipped, SourceInfo


@dataclass
class Listing:
    """Entries in any order, plus paths the source itself left out (gitignored, unreadable...)."""

    entries: list[Entry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


class Source(ABC):
    """A readable tree of files. Use as a context manager: it cleans up after itself."""

    info: SourceInfo
    #: True when SOURCE named one file: it is digested whatever the ignore rules say.
    explicit: bool = False
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

    def reopen(self) -> None:  # noqa: B027 - most sources hold no process or handle
        """Called in a forked worker: replace handles that cannot be shared across processes."""

    def close(self) -> None:  # noqa: B027 - most sources hold nothing to release
        """Release what the source holds (processes, temporary folders)."""

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
