"""What one ``gitdigest serve`` deployment allows: hosts, local roots, caps and limits.

The settings travel to every uvicorn worker as one JSON environment variable, so workers share
nothing but these settings and the cache folder.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..core.hostcheck import HostCheck, host_name, served_names

ENV = "GITDIGEST_WEB_SETTINGS"


@dataclass(frozen=True)
class WebSettings:
    """One deployment's rules. Every number here is stated on the page."""

    #: names visitors reach this server by besides loopback (``Host`` and ``Origin`` checks)
    public_hosts: tuple[str, ...] = ()
    #: the address the server listens on (a single interface's address is a name it serves)
    bind: str = "127.0.0.1"
    #: hosts allowed even when they resolve to loopback or private addresses
    allow_hosts: tuple[str, ...] = ()
    #: folders under these roots may be digested (empty: local folders are refused)
    local_roots: tuple[str, ...] = ()
    #: hosts the URL trick (``/<host>/<owner>/<repo>``) reaches over plain http, not https
    http_hosts: tuple[str, ...] = ()
    #: caps applied on top of what a visitor asks for
    max_files: int = 50_000
    max_total_size: int = 200 * 1024 * 1024
    git_timeout: float = 120.0
    #: wall-clock limit for one whole digest (clone, read, count, render)
    time_limit: float = 300.0
    #: digests one client may start per minute, and run at once; digests running at once in all
    rate_per_minute: int = 10
    per_client: int = 2
    total_jobs: int = 4
    #: digests up to this size are shown on the page; bigger ones are a download (never cropped)
    show_limit: int = 2 * 1024 * 1024
    #: a request repeated within this many seconds is served its stored result without asking
    #: git again (0: always ask git whether the ref moved)
    fresh_for: float = 60.0
    #: finished digests kept in the cache (oldest are removed first)
    keep_results: int = 500
    #: where results and limits live (shared by every worker); default: the cache folder
    cache_dir: str | None = field(default=None)

    def to_env(self) -> str:
        """The settings as the JSON the workers read."""
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> WebSettings:
        """The settings ``gitdigest serve`` put in the environment (defaults without it)."""
        raw = os.environ.get(ENV)
        if not raw:
            return cls()
        return cls.from_dict(json.loads(raw))

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> WebSettings:
        """Settings from their JSON form (lists become tuples)."""
        converted: dict[str, Any] = {key: tuple(value) if isinstance(value, list) else value
                                     for key, value in values.items()}
        return cls(**converted)

    @property
    def host_check(self) -> HostCheck:
        """Which ``Host`` and ``Origin`` headers this deployment answers to."""
        return HostCheck(served_names(self.bind, self.public_hosts),
                         tuple(host_name(name) for name in self.public_hosts))

    @property
    def web_dir(self) -> Path:
        """The folder holding finished digests and the limiter's database."""
        from ..core.paths import cache_dir

        return (Path(self.cache_dir) if self.cache_dir else cache_dir()) / "web"
