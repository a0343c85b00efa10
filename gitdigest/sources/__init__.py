"""Sources turn what the user typed into a readable tree (and clean up after themselves)."""

from __future__ import annotations

from pathlib import Path

from ..errors import SourceNotFound, UsageError
from ..gitcmd import run_git
from .base import Listing, Progress, Source, SourceSettings, Step, no_progress
from .gitobjects import RefSource
from .local import FileSource, WorktreeSource, is_bare_repository
from .urls import parse_source

__all__ = ["Listing", "Progress", "Source", "SourceSettings", "Step", "no_progress",
           "open_source"]


def open_source(settings: SourceSettings) -> Source:
    """The source ``settings.spec`` names; a local path that exists always wins."""
    spec = settings.spec
    remote = parse_source(spec, settings.host)  # None: a local path that exists
    if remote is not None:
        from .remote import open_remote  # only remote sources pay for it

        return open_remote(remote, settings)
    try:
        path = Path(spec).resolve()
    except OSError as error:
        raise SourceNotFound(f"cannot open {spec}: {error.strerror or error}") from error
    location = Path(spec).as_posix()
    if path.is_file():
        if settings.ref:
            raise UsageError("--ref needs a folder in a git repository, not a file")
        return FileSource(path, location)
    if not path.is_dir():
        raise SourceNotFound(f"not a file or folder: {spec}")
    if settings.ref:
        repo, subpath = _repository_of(path)
        return RefSource(repo, settings.ref, location, subpath=subpath, name=path.name)
    if is_bare_repository(path):
        raise UsageError(f"{spec} is a bare repository with no working tree; add --ref HEAD")
    return WorktreeSource(path, location, gitignore=settings.gitignore, prune=settings.prune,
                          index_oids=settings.index_oids)


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
