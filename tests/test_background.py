"""Background work: started now, its error kept for whoever waits (the worker pool's own
waiting for it is tested in test_workers.py)."""

from __future__ import annotations

from gitdigest.core import background


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
