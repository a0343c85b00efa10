"""What a server checks of a local repository before reading it for someone else.

:meth:`.NetworkPolicy.check_local` judges the folder a request names. The repository git then
reads may lie elsewhere: a ``.git`` *file* (``gitdir: /elsewhere``) or a linked work tree
names a git directory anywhere on the machine, and a partial clone fetches missing objects
from its promisor remote, a host the policy would refuse as a URL. Both are refused here.
"""

from __future__ import annotations

from pathlib import Path

from .gitcmd import run_git, split_z
from .netguard import NetworkPolicy, SourceRefused

#: the config names (lower case, as ``git config`` prints them) that make a repository a
#: partial clone: git fetches what it misses from the remote they name
_PROMISOR = r"^(extensions\.partialclone|remote\..*\.promisor)$"
_FALSE = frozenset({"false", "no", "off", "0"})


def check_repository(path: Path, policy: NetworkPolicy) -> None:
    """Refuse (:class:`SourceRefused`) the repository holding ``path`` when its git directory
    (or the common directory of a linked work tree) lies outside the policy's allowed folders,
    or when it is a partial clone. A folder in no repository passes."""
    result = run_git(["rev-parse", "--absolute-git-dir", "--git-common-dir"], str(path),
                     ok=None)
    if result.returncode != 0:
        return  # not in a repository: a plain folder, read from disk only
    for line in result.stdout.decode("utf-8", "surrogateescape").splitlines()[:2]:
        folder = path / line  # the common dir may be relative to path; an absolute one wins
        try:
            policy.check_local(folder)
        except SourceRefused:
            raise SourceRefused(f"{path} is a repository whose git directory is outside the "
                                "allowed folders") from None
    if _is_partial_clone(path):
        raise SourceRefused(f"{path} is a partial clone: reading it could fetch from its "
                            "remote, which is not allowed here")


def _is_partial_clone(path: Path) -> bool:
    """Whether the repository's config names a promisor remote (``extensions.partialClone``,
    ``remote.<name>.promisor``): git lazily fetches every object it misses from it."""
    found = run_git(["config", "-z", "--get-regexp", _PROMISOR], str(path), ok=None)
    for item in split_z(found.stdout):
        name, _, value = item.partition("\n")
        if name == "extensions.partialclone" or value.strip().lower() not in _FALSE:
            return True
    return False
