"""Runs :mod:`gitdigest.web.job` in a child process and relays its events, within the
server's time limit; the child is killed when the limit passes or the visitor goes away."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

from .settings import WebSettings

_LINE_LIMIT = 1024 * 1024  # one event line; progress lines are short


async def run_job(request: dict[str, Any], token: str | None, settings: WebSettings
                  ) -> AsyncIterator[dict[str, Any]]:
    """Yield the job's events: ``progress`` lines, then one ``done`` or ``error`` event."""
    payload = json.dumps({"request": request, "token": token, "settings": asdict(settings)})
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gitdigest.web.job", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, limit=_LINE_LIMIT,
        start_new_session=True)  # its own group: killing it kills its counting workers too
    assert process.stdin is not None and process.stdout is not None
    deadline = time.monotonic() + settings.time_limit
    try:
        process.stdin.write(payload.encode())
        await process.stdin.drain()
        process.stdin.close()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise asyncio.TimeoutError
            line = await asyncio.wait_for(process.stdout.readline(), remaining)
            if not line:
                yield {"error": "the digest stopped unexpectedly", "code": 70,
                       "kind": "InternalError"}
                return
            event: dict[str, Any] = json.loads(line)
            yield event
            if "done" in event or "error" in event:
                return
    except asyncio.TimeoutError:
        yield {"error": f"time limit: a digest may take at most {settings.time_limit:g} s here",
               "code": 3, "kind": "TimeLimit"}
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(process.wait(), 10)
