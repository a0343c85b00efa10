"""``--watch``: digest again whenever a file the digest holds, or a rule that chooses the files,
changes; debounced, the output rewritten atomically each time (``watchfiles``, the ``watch``
extra).

A run after the first costs the changed files only: every other file's count comes from the
token cache. The digest's bytes depend only on the files and the options (files in a fixed,
sorted order; no times in the body), so everything before the first changed file stays byte
for byte what it was, and a model provider's prompt cache keeps hitting on that prefix. Adding
or removing a file changes the header (its file count and tree) and so the whole prefix; so
does a new commit (the ``Commit:`` line).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import UsageError, install_hint
from ..core.records import DigestData

#: changes within this many milliseconds make one run (an editor's save is several writes)
DEBOUNCE_MS = 300
#: files whose change may change what is selected, wherever they are
RULE_FILES = frozenset({".gitignore", ".gitattributes", ".gitdigest.toml", "pyproject.toml",
                        "exclude"})


@dataclass(frozen=True)
class Run:
    """One digest of a watch: its number (1 is the first), the digest, the paths written, how
    long it took and the paths whose change started it (empty for the first)."""

    number: int
    digest: DigestData
    written: tuple[str, ...]
    seconds: float
    changed: tuple[str, ...] = ()


class Relevance:
    """Which changed paths call for a new digest, from the last digest: the files it holds, the
    rule files, and new paths outside the folders it skipped whole (a new file may be
    selected). The outputs the watch itself writes never count."""

    def __init__(self, root: Path, written: Iterable[str]) -> None:
        self.root = root.resolve()
        self.written = {str(Path(path).resolve()) for path in written if path != "-"}
        self.held: set[str] = set()
        self.skipped_files: set[str] = set()
        self.skipped_dirs: tuple[str, ...] = ()

    def learn(self, held: Iterable[str], skipped: Iterable[str]) -> None:
        """Take the paths the latest digest holds and skips (a skipped folder ends in ``/``)."""
        self.held = set(held)
        skipped = list(skipped)
        self.skipped_files = {path for path in skipped if not path.endswith("/")}
        self.skipped_dirs = tuple(path for path in skipped if path.endswith("/"))

    def __call__(self, path: str) -> bool:
        resolved = str(Path(path).resolve())
        if resolved in self.written or _is_temporary_of(resolved, self.written):
            return False
        try:
            relative = Path(resolved).relative_to(self.root).as_posix()
        except ValueError:
            return False
        if Path(relative).name in RULE_FILES and not relative.startswith(".git/objects"):
            return True
        if relative == ".git" or relative.startswith(".git/"):
            return relative in (".git/HEAD", ".git/info/exclude")  # a commit or a checkout
        if relative in self.held:
            return True
        # a new file, or one that a rule now leaves out; not one inside what was skipped
        return not (relative in self.skipped_files or relative.startswith(self.skipped_dirs))


def _learn(relevant: Relevance, digest: DigestData) -> None:
    relevant.learn((document.path for document in digest.files),
                   (skip.path for skip in digest.skipped))


def _is_temporary_of(path: str, written: set[str]) -> bool:
    """The atomic writer's temporary file beside an output (``.digest.txt.tmp123``)."""
    name = Path(path).name
    folder = str(Path(path).parent)
    return any(str(Path(out).parent) == folder and name.startswith("." + Path(out).name)
               for out in written)


def watch(root: Path, run: Callable[[], tuple[DigestData, list[str]]],
          report: Callable[[Run], None], *, stop: threading.Event | None = None,
          debounce_ms: int = DEBOUNCE_MS) -> int:
    """Digest with ``run`` now, then again after each relevant change under ``root``, until
    ``stop`` is set (or Ctrl-C, which propagates). ``report`` gets every run. Returns the
    number of runs."""
    try:
        from watchfiles import watch as watch_changes
    except ImportError:
        raise UsageError(f"--watch needs the watch extra: {install_hint('watch')}") from None
    started = time.perf_counter()
    digest, written = run()
    relevant = Relevance(root, written)
    _learn(relevant, digest)
    count = 1
    report(Run(count, digest, tuple(written), time.perf_counter() - started))
    changes = watch_changes(root, watch_filter=lambda _, path: relevant(path),
                            debounce=debounce_ms, step=50, stop_event=stop,
                            raise_interrupt=True)
    for batch in changes:
        paths = sorted({str(Path(path).resolve().relative_to(root.resolve()))
                        for _, path in batch})
        started = time.perf_counter()
        digest, written = run()
        _learn(relevant, digest)
        count += 1
        report(Run(count, digest, tuple(written), time.perf_counter() - started,
                   tuple(paths)))
    return count


def describe(current: Run, previous: Run | None) -> str:
    """One line for a run: when, where, tokens and their change, files, time, what changed."""
    output = ", ".join(current.written) or "clipboard"
    tokens = current.digest.summary.tokens
    delta = "" if previous is None else f" ({tokens - previous.digest.summary.tokens:+,})"
    cause = ""
    if current.changed:
        shown = ", ".join(current.changed[:3])
        more = len(current.changed) - 3
        cause = f"; changed: {shown}" + (f" and {more} more" if more > 0 else "")
    return (f"{time.strftime('%H:%M:%S')} {output}: {tokens:,} tokens{delta}, "
            f"{current.digest.summary.files} files, {current.seconds:.2f} s{cause}")
