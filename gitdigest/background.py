"""Work started in a thread now and waited for later (loading what counting needs while
something else runs)."""

from __future__ import annotations

import threading
from collections.abc import Callable


def start(work: Callable[[], object], name: str) -> Callable[[], None]:
    """Run ``work`` in a daemon thread and return ``wait``, which joins it and raises its
    error. Call ``wait`` before forking: never fork with the thread running."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # handed to wait(), not lost in the thread
            errors.append(exc)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()

    def wait() -> None:
        thread.join()
        if errors:
            raise errors[0]

    return wait
