"""Background loads and forks: a fork waits for them, so a child never inherits a lock held
by a thread that does not exist in it."""

from __future__ import annotations

import multiprocessing
import threading
import time

from gitdigest.core import background

_FLAG = threading.Event()  # module-level: a forked child sees the parent's state of it


def _done() -> bool:
    return _FLAG.is_set()


def test_a_fork_waits_for_background_work() -> None:
    _FLAG.clear()

    def slow() -> None:
        time.sleep(0.5)
        _FLAG.set()

    wait = background.start(slow, "test-slow")
    with multiprocessing.get_context("fork").Pool(1) as pool:
        # forked while the work ran: the child must see it finished
        assert pool.apply(_done) is True
    wait()


def test_errors_reach_wait_only() -> None:
    def broken() -> None:
        raise ValueError("boom")

    wait = background.start(broken, "test-broken")
    background.settle()  # does not raise: the error belongs to whoever waits
    try:
        wait()
    except ValueError as error:
        assert str(error) == "boom"
    else:
        raise AssertionError("wait() did not raise the thread's error")
