"""One error hierarchy: each class carries the exit code the CLI maps it to.

Exit codes: 0 ok; 1 a digest was produced but a check failed; 2 usage or input error; 3 remote,
network or authentication failure; 70 an internal error (a bug); 130 interrupted. Foreign
errors (``OSError``, git failures, decoder errors) are wrapped into these where they arise.
"""

from __future__ import annotations

from typing import Any

EXIT_BUG = 70
EXIT_INTERRUPTED = 130

#: Every exit code and what it means, for ``--help`` and the README (a test holds them equal).
EXIT_CODES = (
    (0, "digest written"),
    (1, "digest written, but --check is over budget or --check-against differs"),
    (2, "usage or input error (bad path, URL, option or combination)"),
    (3, "remote, network or authentication failure"),
    (EXIT_BUG, "internal error (a bug: rerun with --debug and report it)"),
    (EXIT_INTERRUPTED, "interrupted"),
)


def install_hint(extra: str) -> str:
    """How to add the optional ``extra``, as the README installs gitdigest: from its clone
    (``pip install .``; the distribution ``gitdigest-cli`` is not on PyPI yet)."""
    return f"pip install '.[{extra}]'"


class GitDigestError(Exception):
    """Base of every error gitdigest raises on purpose; ``exit_code`` is what the CLI returns."""

    exit_code = 2
    #: outputs already written when the run failed (``--check`` over its budget, ``--copy``
    #: with no clipboard): a surface says so, and where
    written: tuple[str, ...] = ()
    #: the digest those outputs hold (a :class:`~gitdigest.api.Digest`), for the summary
    digest: Any = None


class UsageError(GitDigestError, ValueError):
    """An option value or combination that cannot work."""


class BudgetTooSmall(UsageError):
    """A token budget (``--max-tokens``, ``--model``, ``--split-tokens``) that cannot hold even
    the digest's frame (summary and tree): nothing is written."""


class SourceNotFound(GitDigestError, FileNotFoundError):
    """The SOURCE path does not exist."""


class UnknownRef(GitDigestError, LookupError):
    """A branch, tag or commit that the repository does not have."""


class GitError(GitDigestError):
    """git itself failed on a local repository."""


class SandboxUnavailable(GitDigestError):
    """git would run without its sandbox (no Landlock here) where the sandbox was required
    (``--require-sandbox``, the servers): exit 2, the request cannot be met."""


class OutputError(GitDigestError, OSError):
    """The digest could not be written where it was asked to go."""


class ClipboardError(UsageError):
    """No clipboard tool, or the tool failed."""


class TokenizerError(GitDigestError):
    """The bundled encoding data is missing or does not match tiktoken's hash."""


class SecretScanError(GitDigestError):
    """The secret scanner is missing, failed to load its rules, or failed on a file."""


class RemoteError(GitDigestError):
    """Network, host, authentication or clone failure for a remote source."""

    exit_code = 3


class CheckFailed(GitDigestError):
    """The digest was produced but a requested check (for example a budget) failed."""

    exit_code = 1


class Interrupted(GitDigestError):
    """Ctrl-C: the run stopped and left nothing half-written."""

    exit_code = EXIT_INTERRUPTED

    def __init__(self) -> None:
        super().__init__("interrupted")
