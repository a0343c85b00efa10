"""The one value that describes a run: every CLI option lands in a field of the same name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import UsageError

TOKENIZERS = ("o200k_base", "cl100k_base")
FORMATS = ("text", "json", "markdown", "xml")
DEFAULT_MAX_SIZE = 10 * 1024 * 1024

_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2,
          "mib": 1024**2, "g": 1024**3, "gb": 1024**3, "gib": 1024**3}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*")


def parse_size(text: str | int) -> int:
    """Parse ``500k``, ``2MB``, ``1.5GiB`` or a plain byte count; units are powers of 1024."""
    if isinstance(text, int):
        if text < 0:
            raise UsageError(f"size must not be negative: {text}")
        return text
    match = _SIZE.fullmatch(text)
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _UNITS:
        raise UsageError(f"invalid size {text!r}: use a number with an optional unit (500k, 2MB)")
    return int(float(match.group(1)) * _UNITS[unit])


@dataclass(frozen=True)
class Options:
    """Everything that decides a digest. Same options + same input = byte-identical output."""

    source: str = "."
    output: str | None = None
    format: str = "text"
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_size: int = DEFAULT_MAX_SIZE
    tokenizer: str = "o200k_base"
    gitignore: bool = True
    default_ignores: bool = True
    ref: str | None = None
    max_files: int | None = None
    max_total_size: int | None = None
    notebook_outputs: bool = False
    workers: int | None = None
    # what a model reads first
    header: str | None = None
    instructions: str | None = None
    with_notes: bool = False
    notes_lang: str = "ja"
    line_numbers: bool = False
    # budgets, parts, statistics
    max_tokens: int | None = None
    model: str | None = None
    reserve: float = 0.10
    priority: tuple[str, ...] = ()
    check: bool = False
    split_tokens: int | None = None
    stats: bool = False
    top: int = 5
    copy: bool = False
    # remote sources
    host: str = "github.com"
    token: str | None = field(default=None, repr=False)
    cache: bool = True
    timeout: float = 900.0
    include_submodules: bool = False

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise UsageError(f"unknown format {self.format!r}; choose from {', '.join(FORMATS)}")
        if self.tokenizer not in TOKENIZERS:
            raise UsageError(
                f"unknown tokenizer {self.tokenizer!r}; choose from {', '.join(TOKENIZERS)}"
            )
        if not 0 <= self.reserve < 1:
            raise UsageError(f"reserve must be a fraction from 0 to below 1, got {self.reserve}")
        if self.max_tokens is not None and self.model is not None:
            raise UsageError("give a budget as --max-tokens or as --model, not both")
        if self.check and self.budget_requested is False:
            raise UsageError("--check needs a budget: --max-tokens N or --model NAME")
        if self.split_tokens is not None and self.format != "text":
            raise UsageError("--split-tokens writes text parts; use it with -f text")
        if self.timeout <= 0:
            raise UsageError(f"timeout must be positive, got {self.timeout}")
        for name in ("max_files", "max_total_size", "workers", "max_tokens", "split_tokens"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise UsageError(f"{name.replace('_', '-')} must be at least 1, got {value}")

    @property
    def budget_requested(self) -> bool:
        """Whether a token budget was asked for."""
        return self.max_tokens is not None or self.model is not None
