"""Per-client request rate and concurrency limits, kept in SQLite in the cache folder so that
every uvicorn worker (and every server sharing the folder) counts the same requests."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import GitDigestError

_WINDOW = 60.0  # seconds the request rate is counted over


class LimitReached(GitDigestError):
    """Too many digests from one client (or in all): HTTP 429 with ``retry_after``."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limits:
    """How much one client and the whole server may run."""

    rate_per_minute: int
    per_client: int
    total: int
    #: a running digest that never said it finished (its worker died) stops counting after this
    stale_after: float


class Limiter:
    """Admits a digest or raises :class:`LimitReached`; ``slot`` frees it when done."""

    def __init__(self, path: Path, limits: Limits) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.limits = limits
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS hits (client TEXT, at REAL)")
            db.execute("CREATE TABLE IF NOT EXISTS running "
                       "(id TEXT PRIMARY KEY, client TEXT, until REAL)")

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            yield db
        finally:
            db.close()

    def admit(self, client: str) -> str:
        """Record one digest for ``client`` and return its slot id."""
        now = time.time()
        slot = os.urandom(8).hex()
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # one writer at a time across workers
            try:
                db.execute("DELETE FROM hits WHERE at < ?", (now - _WINDOW,))
                db.execute("DELETE FROM running WHERE until < ?", (now,))
                hits = db.execute("SELECT COUNT(*), MIN(at) FROM hits WHERE client = ?",
                                  (client,)).fetchone()
                if hits[0] >= self.limits.rate_per_minute:
                    wait = max(1, int(hits[1] + _WINDOW - now) + 1)
                    raise LimitReached(f"rate limit: at most {self.limits.rate_per_minute} "
                                       f"digests a minute per client; try again in {wait} s",
                                       wait)
                mine = db.execute("SELECT COUNT(*) FROM running WHERE client = ?",
                                  (client,)).fetchone()[0]
                if mine >= self.limits.per_client:
                    raise LimitReached(f"at most {self.limits.per_client} digests at once per "
                                       "client; wait for one to finish", 5)
                total = db.execute("SELECT COUNT(*) FROM running").fetchone()[0]
                if total >= self.limits.total:
                    raise LimitReached("the server is busy; try again shortly", 10)
                db.execute("INSERT INTO hits VALUES (?, ?)", (client, now))
                db.execute("INSERT INTO running VALUES (?, ?, ?)",
                           (slot, client, now + self.limits.stale_after))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return slot

    def release(self, slot: str) -> None:
        """The digest in ``slot`` finished (or failed)."""
        with self._connect() as db:
            db.execute("DELETE FROM running WHERE id = ?", (slot,))
