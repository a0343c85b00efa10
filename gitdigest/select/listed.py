"""``--files-from``: exactly the paths a list names (``git diff --name-only``, ``fd -0``).

The listed paths narrow the selection; they do not replace its rules: ignore files and
default ignores still judge every listed path (unless switched off), so the list is read
against the source's whole listing. A listed path outside every source is skipped
(``outside``), one that does not exist too (``missing``): a list made before a file was
deleted still digests."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import SourceNotFound, UsageError
from ..core.records import Skipped
from ..sources.base import Listing

#: a section of the digest: its name ("" for a lone source), its folder or file on disk
#: (None for a remote)
Section = tuple[str, Path | None]


@dataclass(frozen=True)
class FileList:
    """The listed paths as the digest names them, and those no source holds."""

    #: digest paths; a folder stands for everything under it ("" for a whole lone source)
    paths: frozenset[str]
    outside: tuple[Skipped, ...] = ()
    #: where each listed path is on disk
    disk: dict[str, Path] = field(default_factory=dict)

    def wants(self, path: str) -> bool:
        """Whether ``path`` is listed, or lies in a listed folder."""
        path = path.rstrip("/")
        while True:
            if path in self.paths:
                return True
            if not path:
                return False
            path = path.rpartition("/")[0]


#: the longest list read: 64 MiB is over a million paths; /dev/zero must not fill memory
MAX_LIST = 64 * 1024 * 1024


def read_list(name: str, null: bool) -> list[str]:
    """The paths in the file ``name`` (``-``: stdin), one per line or NUL-terminated. Pipes
    (``<(git ls-files)``) are read as they come, up to :data:`MAX_LIST` bytes."""
    try:
        if name == "-":
            stream = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else None
            data = stream.read(MAX_LIST + 1) if stream is not None else (
                sys.stdin.read(MAX_LIST + 1).encode("utf-8", "surrogateescape"))
        else:
            with open(name, "rb") as file:
                data = file.read(MAX_LIST + 1)
    except OSError as error:
        raise SourceNotFound(f"cannot read --files-from {name}: "
                             f"{error.strerror or error}") from error
    if len(data) > MAX_LIST:
        raise UsageError(f"cannot read --files-from {name}: longer than {MAX_LIST:,} bytes")
    text = os.fsdecode(data)
    if null:
        return [item for item in text.split("\0") if item]
    return [item for item in text.splitlines() if item.strip()]


def resolve(lines: Iterable[str], sections: Sequence[Section]) -> FileList:
    """Each listed path (relative to the current folder, or absolute) as the digest names it:
    in the source whose folder holds it (the deepest), else skipped as ``outside``."""
    local = [(name, base) for name, base in sections if base is not None]
    if not local:
        raise UsageError("--files-from lists paths on this machine: give a local folder "
                         "as SOURCE")
    local.sort(key=lambda section: -len(section[1].parts))
    disk: dict[str, Path] = {}
    outside: list[Skipped] = []
    for line in lines:
        where = Path(os.path.abspath(line))
        placed = _place(where, local) or _place(_real(where), local)
        if placed is None:
            outside.append(Skipped(Path(line).as_posix(), "outside",
                                   "listed in --files-from; not inside any source"))
        else:
            disk[placed] = where
    return FileList(frozenset(disk), tuple(outside), disk)


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path


def _place(where: Path, sections: Sequence[tuple[str, Path | None]]) -> str | None:
    for name, base in sections:
        assert base is not None
        if base.is_file():
            if where == base:
                return name or base.name
            continue
        if where == base or where.is_relative_to(base):
            inner = where.relative_to(base).as_posix()
            inner = "" if inner == "." else inner
            return "/".join(part for part in (name, inner) if part)
    return None


def unmatched(files: FileList, listing: Listing) -> list[Skipped]:
    """A skip for each listed path the listing does not hold: inside a folder the source left
    out (that folder's reason), else ``missing`` when it does not exist."""
    held = {entry.path for entry in listing.entries}
    gone = {s.path.rstrip("/"): s for s in listing.skipped}
    folders = {parent for path in held for parent in _parents(path)}
    result: list[Skipped] = []
    for path in sorted(files.paths):
        if path in held or path in gone or path in folders or not path:
            continue
        ancestor = next((gone[p] for p in _parents(path) if p in gone), None)
        if ancestor is not None:
            result.append(Skipped(path, ancestor.reason, ancestor.detail))
        elif os.path.lexists(files.disk[path]):
            result.append(Skipped(path, "ignored", "listed in --files-from; not among the "
                                                   "source's files"))
        else:
            result.append(Skipped(path, "missing", "listed in --files-from; no such file"))
    return [*result, *files.outside]


def _parents(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]
