"""Why a digest holds no file: a run that includes nothing says so, and why, in one line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from ..core.paths import display
from ..core.records import Skipped

_NO_INCLUDE = "matched no --include pattern"


def nothing_included(skipped: Sequence[Skipped], include: Sequence[str], *,
                     single_file: bool = False) -> str:
    """The warning for a digest with no file in it, naming what left everything out."""
    if not skipped:
        return "nothing included: the source has no files (an empty repository or folder)"
    if single_file and len(skipped) == 1:
        item = skipped[0]
        return (f"nothing included: {display(item.path)} was skipped ({item.reason}"
                + (f": {display(item.detail)})" if item.detail else ")"))
    unmatched = sum(1 for item in skipped if item.detail == _NO_INCLUDE)
    if include and unmatched == len(skipped):
        patterns = ", ".join(repr(pattern) for pattern in include)
        return (f"nothing included: no path matches --include {patterns} "
                f"({unmatched} path{'' if unmatched == 1 else 's'} tried)")
    reasons = Counter(item.reason for item in skipped)
    counts = ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items()))
    return (f"nothing included: all {len(skipped)} paths were skipped ({counts}); the digest's "
            "Skipped list says why for each")
