"""Sources turn what the user typed into a readable tree (and clean up after themselves)."""

from __future__ import annotations

import os
from pathlib import Path

from ..core.errors import SourceNotFound, UsageError
from .base import Listing, Progress, Source, SourceSettings, Step, no_progress
from .gitcmd import run_git
from .gitobjects import RefSource
from .local import FileSource, WorktreeSource, is_bare_repository
from .localguard import check_repository
from .netguard import SourceRefused
from .urls import looks_remote, parse_source

__all__ = ["Listing", "Progress", "Source", "SourceSettings", "Step", "no_progress",
           "open_source"]


def open_source(settings: SourceSettings) -> Source:
    """The source ``settings.spec`` names; a local path that exists always wins."""
    spec = settings.spec
    policy = settings.policy
    # a server that serves no local folders reads every SOURCE as a remote, even one that
    # happens to exist in its working folder
    no_local = policy is not None and policy.local_roots is None
    if policy is not None and no_local and spec and not looks_remote(spec):
        policy.check_local(Path(spec))  # refuses, with the policy's own message
    exists = _never if no_local else os.path.lexists
    remote = parse_source(spec, settings.host, exists=exists)  # None: an existing local path
    if remote is not None and policy is not None and (remote.username or remote.password):
        # a server never takes credentials from a URL: they would sit in its request logs,
        # stored requests and result pages, and a token has its own channel on every surface
        raise SourceRefused(f"a repository URL with credentials is refused here "
                            f"({remote.display}); give the token as this server's "
                            "documentation says, never inside the URL")
    if remote is not None:
        from .remote import open_remote  # only remote sources pay for it

        return open_remote(remote, settings)
    try:
        path = Path(spec).resolve()
    except OSError as error:
        raise SourceNotFound(f"cannot open {spec}: {error.strerror or error}") from error
    if policy is not None:
        path = policy.check_local(path)
    location = Path(spec).as_posix()
    if path.is_file():
        if settings.ref:
            raise UsageError("--ref needs a folder in a git repository, not a file")
        return FileSource(path, location)
    if not path.is_dir():
        raise SourceNotFound(f"not a file or folder: {spec}")
    if policy is not None:  # the repository git reads must be inside the roots too
        check_repository(path, policy)
    if settings.ref:
        repo, subpath = _repository_of(path)
        # a server never lets git fetch for a local source (git 2.45+; older ones are kept
        # from it by check_repository refusing partial clones)
        return RefSource(repo, settings.ref, location, subpath=subpath, name=path.name,
                         offline=policy is not None)
    if is_bare_repository(path):
        raise UsageError(f"{spec} is a bare repository with no working tree; add --ref HEAD")
    return WorktreeSource(path, location, gitignore=settings.gitignore, prune=settings.prune,
                          index_oids=settings.index_oids)


def _never(path: str) -> bool:
    return False


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
