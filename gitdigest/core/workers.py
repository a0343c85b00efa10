"""The one pool of forked worker processes, for every stage that works on all cores.

Forked workers share the parent's loaded tokenizer, scanner rules and listing instead of
loading or receiving them again. Forking is explicit (``fork``: Python 3.14 makes
``forkserver`` the default, which would re-import and reload everything per worker), and it is
made safe here once for every caller:

- no thread started by :mod:`.background` may still hold a lock when we fork (the child would
  wait on it forever), so the pool waits for them first; nothing is registered at import,
  which would reach every host process that imports gitdigest (Dask workers, web servers);
- workers ignore Ctrl-C from their first instant: the parent stops the pool and reports the
  interruption once, instead of each worker printing a traceback;
- Python 3.12+ warns about forking with threads alive; the threads still alive are the
  interpreter's own or the caller's, and workers only read files and count, so the warning is
  silenced for the fork alone.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.pool import Pool

from . import background

#: below this many bytes of work, forking costs more than it saves
PARALLEL_BYTES = 4 * 1024 * 1024


def can_fork() -> bool:
    """Whether this platform forks safely (macOS' system libraries do not survive a fork)."""
    return sys.platform == "linux"


def worth_parallel(workers: int | None, items: int, size: int) -> bool:
    """Whether ``items`` of ``size`` bytes in all are worth sharing among ``workers``."""
    return worker_count(workers) > 1 and items >= 2 and size >= PARALLEL_BYTES


def worker_count(workers: int | None) -> int:
    """The processes to use: as asked, else one per core."""
    return workers or os.cpu_count() or 1


@contextmanager
def forked_pool(workers: int, initializer: Callable[[], None]) -> Iterator[Pool]:
    """A pool of ``workers`` forked processes that run ``initializer`` first; stopped (not
    drained) when the block ends, however it ends."""
    background.settle()
    context = multiprocessing.get_context("fork")
    # SIGINT is blocked while forking, so children start with it blocked and ignore it before
    # unblocking; in the parent a Ctrl-C meanwhile stays pending, and is raised after.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            pool = context.Pool(workers, initializer=_start, initargs=(initializer,))
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        yield pool
    finally:
        pool.terminate()
        pool.join()


def _start(initializer: Callable[[], None]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked by the parent
    initializer()
