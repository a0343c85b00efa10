"""A batch list: one source a line (URL, slug or local path), ``#`` comments, and optional
per-line options written as on the command line (``owner/repo --ref v2 -i 'src/**'``).

Per-line options are read with the same declarations the command line is built from
(:mod:`gitdigest.options`), so a line accepts exactly the digest's own flags. Each source gets
a stable output name derived from host, owner, repository and ref.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import GitDigestError, UsageError
from ..options import Options, cli_fields, is_multiple, kind_of, spec_of, withheld
from ..sources.urls import looks_remote, parse_remote

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


def _flags() -> dict[str, dataclasses.Field[Any]]:
    return {flag: item for item in cli_fields() for flag in spec_of(item).flags
            if item.name not in BATCH_OWNED}


def parse_line_options(tokens: list[str]) -> tuple[str | None, dict[str, Any]]:
    """The source and the options one line gives, as raw values for :meth:`Options.create`
    (repeatable options as lists). Unknown flags and missing values are :class:`UsageError`."""
    flags = _flags()
    source: str | None = None
    values: dict[str, Any] = {}
    position = 0
    while position < len(tokens):
        token = tokens[position]
        position += 1
        if not token.startswith("-") or token == "-":
            if source is not None:
                raise UsageError(f"more than one source: {source!r} and {token!r}")
            source = token
            continue
        name, has_value, inline = token.partition("=")
        item = flags.get(name if name.startswith("--") else token)
        if item is None:
            owned = {f for i in cli_fields() if i.name in BATCH_OWNED for f in spec_of(i).flags}
            if name in owned:
                raise UsageError(f"{name} cannot be given per source: the batch names and "
                                 "writes every output (see -O)")
            raise UsageError(f"unknown option {name!r}")
        if kind_of(item) is bool:
            if has_value:
                raise UsageError(f"{name} takes no value")
            values[item.name] = not spec_of(item).negated
            continue
        if has_value:
            value = inline
        elif position < len(tokens):
            value = tokens[position]
            position += 1
        else:
            raise UsageError(f"{name} needs a value")
        if is_multiple(item):
            values.setdefault(item.name, []).append(value)
        else:
            values[item.name] = value
    return source, values


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
            parts = [spec]
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
