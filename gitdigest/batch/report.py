"""What a person sees of a batch: a progress line (only on a terminal) and a final table of
the largest digests and of every failure."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import BatchResult


def progress_line(result: BatchResult) -> str:
    """``12/40 done: 10 ok, 1 unchanged, 1 failed, 1,234,567 tokens``."""
    return (f"gitdigest: {len(result.records)}/{result.total} done: {result.count('ok')} ok, "
            f"{result.count('unchanged')} unchanged, {result.count('failed')} failed, "
            f"{result.tokens:,} tokens")


def format_table(result: BatchResult, *, top: int = 5, failed_only: bool = False) -> str:
    """The end of a batch: totals, the ``top`` largest digests, every failed source."""
    lines = [] if failed_only else [
        f"Sources:  {result.total}: {result.count('ok')} ok, {result.count('unchanged')} "
        f"unchanged, {result.count('failed')} failed; {result.tokens:,} tokens"]
    done = [r for r in result.records if r.status != "failed" and r.tokens is not None]
    largest = sorted(done, key=lambda r: (-(r.tokens or 0), r.name))[:top]
    if largest and not failed_only:
        lines.append("Largest:")
        lines += [f"  {r.tokens:>12,}  {r.files or 0:>6} files  {r.name}" for r in largest]
    if result.failed:
        lines.append("Failed:")
        lines += [f"  {r.source} (line {r.line}): {r.error_class}: {r.error}"
                  for r in result.failed]
    return "\n".join(lines)
