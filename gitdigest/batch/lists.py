"""A batch list: one source a line (URL, slug or local path), ``#`` comments, and optional
per-line options written as on the command line (``owner/repo --ref v2 -i 'src/**'``).

Per-line options are read with the same declarations the command line is built from
(:mod:`gitdigest.options`), so a line accepts exactly the digest's own flags. Each source gets
a stable output name derived from host, owner, repository and ref.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import GitDigestError, UsageError
from ..flags import parse_line
from ..options import Options, withheld
from ..sources.urls import looks_remote, parse_remote, strip_credentials

#: options a list line may not give, and why (their declarations' ``not_on["batch"]``)
BATCH_OWNED = withheld("batch")
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]+")


@dataclass(frozen=True)
class Item:
    """One source of a batch: where it was written (``line``), its options (global ones with
    the line's on top) and the stable name its outputs and manifest record use."""

    line: int
    text: str
    options: Options
    name: str


def parse_line_options(tokens: list[str]) -> tuple[str | None, dict[str, Any]]:
    """The source and the options one line gives, as raw values for :meth:`Options.create`
    (repeatable options as lists), parsed by the command line's own options. Unknown flags
    and missing values are :class:`UsageError`."""
    return parse_line(tokens)


def merge(base: dict[str, Any], line: dict[str, Any]) -> dict[str, Any]:
    """Global options with a line's on top; repeatable patterns add up."""
    merged = dict(base)
    for name, value in line.items():
        if isinstance(value, list):
            merged[name] = [*base.get(name, ()), *value]
        else:
            merged[name] = value
    return merged


def split_line(text: str) -> list[str]:
    """The words of one list line; a word starting with ``#`` starts a comment (a URL's
    ``#fragment`` inside a word is kept)."""
    try:
        words = shlex.split(text, posix=True)
    except ValueError as error:
        raise UsageError(f"cannot split the line: {error}") from None
    for index, word in enumerate(words):
        if word.startswith("#"):
            return words[:index]
    return words


def parse_list(text: str, base: dict[str, Any], *, where: str = "LIST") -> list[Item]:
    """Every source of a batch list, with its options checked before any work starts."""
    items: list[tuple[int, str, Options]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            source, values = parse_line_options(split_line(stripped))
            if source is None:
                raise UsageError("no source on the line")
            options = Options.create(**merge(base, values), source=source)
        except GitDigestError as error:
            raise UsageError(f"{where}:{number}: {error}") from None
        items.append((number, stripped, options))
    if not items:
        raise UsageError(f"{where} names no source")
    names = [stable_name(options) for _, _, options in items]
    taken: dict[str, int] = {}
    for name in names:
        taken[name] = taken.get(name, 0) + 1
    return [Item(number, line, options,
                 name if taken[name] == 1 else f"{name}-{_short_hash('line:' + line)}")
            for (number, line, options), name in zip(items, names, strict=True)]


def stable_name(options: Options) -> str:
    """A file name for a source that stays the same across runs: ``host-owner-repo@ref`` for
    a remote, ``local-<folder>-<hash of its absolute path>@ref`` for a local path."""
    spec = options.source
    ref = options.ref
    if looks_remote(spec) and not Path(spec).exists():
        try:
            url = parse_remote(spec, options.host)
        except UsageError:
            parts = [strip_credentials(spec)]
        else:
            repo = url.repo.removesuffix(".git")
            parts = [url.host.replace(":", "_"), *repo.split("/")]
            if url.tail and not ref:
                ref = url.tail
    else:
        path = Path(spec).resolve()
        parts = ["local", path.name or "root", _short_hash(str(path))]
    name = "-".join(_safe(part) for part in parts if part)
    if ref:
        name += "@" + _safe(ref)
    return name[:200]


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text.replace("/", "_")).strip("._") or "_"


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:8]
