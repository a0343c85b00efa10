"""gitdigest: turn a Git repository into one prompt-ready text digest with exact token counts.

Importing this package does nothing else: no logging set-up, no environment reads, no tokenizer,
not even its own modules until a name is used.
"""

# Nothing is imported until a name is asked for: ``python -m gitdigest`` imports this package
# while the working folder (often the repository being digested) is still first on sys.path,
# and ``__main__`` removes it only then (see there).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .api import Digest, digest, open_digest, write_digest
    from .config import load_options
    from .core.errors import (
        BudgetTooSmall,
        CheckFailed,
        GitDigestError,
        GitError,
        OutputError,
        RemoteError,
        SourceNotFound,
        UnknownRef,
        UsageError,
    )
    from .core.records import Document, Entry, Skipped, SourceInfo, Summary
    from .keywords import DigestOptions
    from .options import Options

#: where each public name lives
_HOMES = {
    "Digest": ".api", "digest": ".api", "open_digest": ".api", "write_digest": ".api",
    "load_options": ".config", "DigestOptions": ".keywords", "Options": ".options",
    **dict.fromkeys(("BudgetTooSmall", "CheckFailed", "GitDigestError", "GitError",
                     "OutputError", "RemoteError", "SourceNotFound", "UnknownRef",
                     "UsageError"), ".core.errors"),
    **dict.fromkeys(("Document", "Entry", "Skipped", "SourceInfo", "Summary"),
                    ".core.records"),
}


def __getattr__(name: str) -> object:
    """Import a public name on first use (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'gitdigest' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(home, __name__), name)
    globals()[name] = value
    return value


__version__ = "0.1.0"

__all__ = [
    "BudgetTooSmall",
    "CheckFailed",
    "Digest",
    "DigestOptions",
    "Document",
    "Entry",
    "GitDigestError",
    "GitError",
    "Options",
    "OutputError",
    "RemoteError",
    "Skipped",
    "SourceInfo",
    "SourceNotFound",
    "Summary",
    "UnknownRef",
    "UsageError",
    "__version__",
    "digest",
    "load_options",
    "open_digest",
    "write_digest",
]
