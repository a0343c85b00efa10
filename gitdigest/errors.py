"""One error hierarchy: each class carries the exit code the CLI maps it to."""

from __future__ import annotations


class GitDigestError(Exception):
    """Base of every error gitdigest raises on purpose; ``exit_code`` is what the CLI returns."""

    exit_code = 2


class UsageError(GitDigestError, ValueError):
    """An option value or combination that cannot work."""


class SourceNotFound(GitDigestError, FileNotFoundError):
    """The SOURCE path does not exist."""


class UnknownRef(GitDigestError, LookupError):
    """A branch, tag or commit that the repository does not have."""


class GitError(GitDigestError):
    """git itself failed on a local repository."""


class OutputError(GitDigestError, OSError):
    """The digest could not be written where it was asked to go."""


class RemoteError(GitDigestError):
    """Network, host, authentication or clone failure for a remote source."""

    exit_code = 3


class CheckFailed(GitDigestError):
    """The digest was produced but a requested check (for example a budget) failed."""

    exit_code = 1
