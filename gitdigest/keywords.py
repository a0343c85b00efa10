"""The keyword arguments of :func:`gitdigest.digest`, one per option declaration.

Generated from the declarations in :mod:`gitdigest.options` (``render_keywords``; a test
fails when this file is stale): editors complete the keywords, and mypy rejects a
misspelt one or a value of the wrong type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypedDict


class DigestOptions(TypedDict, total=False):
    """What :func:`gitdigest.digest` takes besides the source."""

    more_sources: str | Sequence[str]
    files_from: str | None
    null: bool
    output: str | None
    format: Literal["text", "json", "markdown", "xml"]
    include: str | Sequence[str]
    exclude: str | Sequence[str]
    max_size: int | str
    tokenizer: Literal["auto", "o200k_base", "cl100k_base", "llama3", "llama4"]
    gitignore: bool
    default_ignores: bool
    include_generated: bool
    ref: str | None
    max_files: int | None
    max_total_size: int | str | None
    notebook_outputs: bool
    workers: int | None
    max_tokens: int | None
    model: str | None
    reserve: float | str
    priority: str | Sequence[str]
    compress: bool
    map: bool
    query: str | None
    check: bool
    split_tokens: int | None
    stats: bool
    tree_only: bool
    top: int
    secrets: Literal["redact", "exclude", "off"]
    strip_comments: bool
    strip_blank_lines: bool
    line_numbers: bool
    header: str | None
    instructions: str | None
    with_notes: bool
    notes_lang: Literal["ja", "en"]
    copy: bool
    token: str | None
    host: str
    cache: bool
    timeout: float
    require_sandbox: bool
    include_submodules: bool
    check_against: str | None
    summary_json: str | None
    diff: str | bool | None
    changed: bool
    since: str | None
    related: int | bool | None
    focus: str | Sequence[str]
    log: int | bool | None
    log_emails: bool
