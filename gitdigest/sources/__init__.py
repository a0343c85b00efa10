"""Sources turn what the user typed into a readable tree (and clean up after themselves)."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import SourceNotFound, UsageError
from ..gitcmd import run_git
from ..ignores import DEFAULT_DIRS
from ..options import Options
from .base import Listing, Source
from .gitobjects import RefSource
from .local import FileSource, WorktreeSource, is_bare_repository

__all__ = ["Listing", "Source", "open_source"]


def open_source(options: Options) -> Source:
    """The source ``options.source`` names; a local path that exists always wins."""
    spec = options.source
    path = Path(spec)
    if not os.path.lexists(path):
        from .urls import looks_remote, parse_remote

        if looks_remote(spec):
            from .remote import open_remote

            return open_remote(parse_remote(spec, options.host), options)
        raise SourceNotFound(f"no such file or folder: {spec}")
    path = path.resolve()
    location = Path(spec).as_posix()
    if path.is_file():
        if options.ref:
            raise UsageError("--ref needs a folder in a git repository, not a file")
        return FileSource(path, location)
    if not path.is_dir():
        raise SourceNotFound(f"not a file or folder: {spec}")
    if options.ref:
        repo, subpath = _repository_of(path)
        return RefSource(repo, options.ref, location, subpath=subpath, name=path.name)
    if is_bare_repository(path):
        raise UsageError(f"{spec} is a bare repository with no working tree; add --ref HEAD")
    return WorktreeSource(path, location, gitignore=options.gitignore, prune=_prunable(options),
                          index_oids=options.cache)


def _prunable(options: Options) -> tuple[str, ...]:
    """Default-ignored folder names git may skip outright: not when defaults are off, and not
    a name an include pattern mentions (an include can bring such a folder back)."""
    if not options.default_ignores:
        return ()
    return tuple(name for name in DEFAULT_DIRS
                 if not any(name in pattern for pattern in options.include))


def _repository_of(path: Path) -> tuple[Path, str]:
    """The repository holding ``path`` and the folder's path inside it."""
    result = run_git(["rev-parse", "--show-toplevel"], str(path), ok=None)
    if result.returncode == 0 and result.stdout.strip():
        top = Path(result.stdout.decode("utf-8", "surrogateescape").strip()).resolve()
        subpath = path.relative_to(top).as_posix()
        return top, "" if subpath == "." else subpath
    if is_bare_repository(path):
        return path, ""
    raise UsageError(f"--ref needs a git repository, and {path} is not in one")
