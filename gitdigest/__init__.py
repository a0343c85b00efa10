"""gitdigest: turn a Git repository into one prompt-ready text digest with exact token counts.

Importing this package does nothing else: no logging set-up, no environment reads, no tokenizer.
"""

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
