"""Rate and concurrency limits kept in SQLite: two limiters on one file (two workers) count
the same requests."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitdigest.web.limits import Limiter, LimitReached, Limits


def _pair(tmp_path: Path, **limits: float) -> tuple[Limiter, Limiter]:
    settings = Limits(**{"rate_per_minute": 100, "per_client": 100, "total": 100,
                         "stale_after": 60.0, **limits})  # type: ignore[arg-type]
    path = tmp_path / "limits.sqlite"
    return Limiter(path, settings), Limiter(path, settings)


def test_rate_is_per_client_and_shared(tmp_path: Path) -> None:
    one, two = _pair(tmp_path, rate_per_minute=2)
    one.release(one.admit("a"))
    two.release(two.admit("a"))
    with pytest.raises(LimitReached, match="at most 2 digests a minute") as refused:
        one.admit("a")
    assert 0 < refused.value.retry_after <= 61
    two.admit("b")  # another client is not affected


def test_concurrency_per_client_and_in_all(tmp_path: Path) -> None:
    one, two = _pair(tmp_path, per_client=1, total=2)
    slot = one.admit("a")
    with pytest.raises(LimitReached, match="at once per client"):
        two.admit("a")
    two.admit("b")
    with pytest.raises(LimitReached, match="busy"):
        one.admit("c")
    one.release(slot)
    two.admit("a")


def test_a_slot_whose_worker_died_expires(tmp_path: Path) -> None:
    one, _ = _pair(tmp_path, per_client=1, stale_after=-1.0)  # already stale when taken
    one.admit("a")
    one.admit("a")
