"""Work started in a thread now and waited for later (loading what counting needs while
something else runs).

A process must never fork while such a thread runs: the child would inherit a lock the thread
holds (the tokenizer's, the scanner's) and wait on it forever. So the one worker pool
(:mod:`.workers`; ``subprocess`` execs at once and needs no care) first waits for the threads
started here with :func:`settle`, whether or not anyone asked for their result. Nothing is
registered at import: a process-wide fork hook would reach every host that imports gitdigest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

_running: set[threading.Thread] = set()
_running_lock = threading.Lock()


def start(work: Callable[[], object], name: str) -> Callable[[], None]:
    """Run ``work`` in a daemon thread and return ``wait``, which joins it and raises its
    error."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # handed to wait(), not lost in the thread
            errors.append(exc)
        finally:
            with _running_lock:
                _running.discard(threading.current_thread())

    thread = threading.Thread(target=run, name=name, daemon=True)
    with _running_lock:
        _running.add(thread)
    thread.start()

    def wait() -> None:
        thread.join()
        if errors:
            raise errors[0]

    return wait


def settle() -> None:
    """Wait for every thread started here (their errors stay with their ``wait``)."""
    with _running_lock:
        threads = list(_running)
    for thread in threads:
        if thread is not threading.current_thread():
            thread.join()

