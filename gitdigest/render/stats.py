"""``--stats``: where the tokens go, per folder and per file, without any contents."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..core.layout import TRAILER
from ..core.paths import display, parents, readable
from ..core.records import DigestData
from ..output.sink import open_sink
from .json import visible


@dataclass(frozen=True)
class Row:
    """One line of a table: a folder (path ends in ``/``, the root is ``./``) or a file."""

    path: str
    tokens: int
    share: float
    files: int
    bytes: int


def tables(digest: DigestData) -> tuple[list[Row], list[Row]]:
    """Folders and files, most tokens first (ties by path); shares of all file tokens."""
    total = sum(d.tokens for d in digest.files) or 1
    folders: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for document in digest.files:
        for folder in parents(document.path):
            row = folders[folder + "/" if folder else "./"]
            row[0] += document.tokens
            row[1] += 1
            row[2] += document.bytes
    folder_rows = [Row(path, t, t / total, n, b) for path, (t, n, b) in folders.items()]
    file_rows = [Row(d.path, d.tokens, d.tokens / total, 1, d.bytes) for d in digest.files]
    order = lambda row: (-row.tokens, row.path)  # noqa: E731
    return sorted(folder_rows, key=order), sorted(file_rows, key=order)


def render_text(digest: DigestData) -> str:
    """The two tables as aligned text."""
    folders, files = tables(digest)
    total = sum(d.tokens for d in digest.files)
    out = [f"Tokens by folder ({digest.tokenizer}; file contents: {total:,} tokens in "
           f"{len(digest.files)} files; whole digest: {digest.summary.tokens:,})",
           f"{'tokens':>12}  {'share':>6}  {'files':>6}  folder"]
    out += [f"{r.tokens:>12,}  {r.share:>6.1%}  {r.files:>6}  {display(r.path)}"
            for r in folders]
    if not digest.views:
        out += ["", "Tokens by file", f"{'tokens':>12}  {'share':>6}  {'bytes':>10}  path"]
        out += [f"{r.tokens:>12,}  {r.share:>6.1%}  {r.bytes:>10,}  {display(r.path)}"
                for r in files]
    else:  # what each view of a file costs (- : the file has no such view)
        shown = _shown_views(digest)
        budgeted = any(view != "full" for view in shown.values())
        out += ["", "Tokens by file (" + ("as the digest shows it, its view after the path; "
                                          if budgeted else "full text, ")
                + "--compress outline, --map entry)",
                f"{'tokens':>12}  {'share':>6}  {'bytes':>10}  {'compressed':>10}  {'map':>8}  "
                "path"]
        out += [f"{r.tokens:>12,}  {r.share:>6.1%}  {r.bytes:>10,}  "
                f"{_cell(digest, r.path, 'compressed'):>10}  {_cell(digest, r.path, 'map'):>8}  "
                f"{display(r.path)}" + (f" ({shown[r.path]})" if shown[r.path] != "full" else "")
                for r in files]
    return "\n".join(out + _skipped_text(digest)) + "\n\n" + TRAILER


def _skipped_text(digest: DigestData) -> list[str]:
    """Every path left out, one line each (a budgeted digest may only count them by reason)."""
    if not digest.skipped:
        return []
    return ["", f"Skipped ({len(digest.skipped):,} paths)",
            *(f"{display(s.path)} ({s.reason}" + (f": {display(s.detail)})" if s.detail else ")")
              for s in digest.skipped)]


def render_json(digest: DigestData) -> str:
    """The two tables as JSON."""
    folders, files = tables(digest)
    views = _shown_views(digest)
    return visible({
        "version": 1, "tokenizer": digest.tokenizer,
        "tokens": sum(d.tokens for d in digest.files), "digest_tokens": digest.summary.tokens,
        "folders": [{"path": readable(r.path), "tokens": r.tokens, "share": round(r.share, 6),
                     "files": r.files, "bytes": r.bytes} for r in folders],
        "files": [{"path": readable(r.path), "tokens": r.tokens, "share": round(r.share, 6),
                   "bytes": r.bytes, "view": views[r.path], **_views(digest, r.path)}
                  for r in files],
        "skipped": [{"path": readable(s.path), "reason": s.reason, "detail": readable(s.detail)}
                    for s in digest.skipped],
    }, indent=1) + "\n"


def _shown_views(digest: DigestData) -> dict[str, str]:
    """The view each file is shown in (a budget's: whole, compressed or map entry)."""
    return {d.path: d.view for d in digest.files}


def _cell(digest: DigestData, path: str, view: str) -> str:
    tokens = _views(digest, path).get(view)
    return "-" if tokens is None else f"{tokens:,}"


def _views(digest: DigestData, path: str) -> dict[str, int | None]:
    """The tokens of a file's other views (no keys when no view was worked out)."""
    found = digest.views.get(path)
    return {} if found is None else {"compressed": found.compressed, "map": found.map}


def render(digest: DigestData) -> str:
    """The statistics: JSON with ``-f json``, else text."""
    return render_json(digest) if digest.format == "json" else render_text(digest)


def write(digest: DigestData, output: str) -> None:
    """Write the statistics (JSON with ``-f json``, else text) to ``output``."""
    with open_sink(output) as out:
        out.write(render(digest))
