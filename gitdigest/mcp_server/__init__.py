"""``gitdigest mcp``: the library as Model Context Protocol tools for coding agents.

Named ``mcp_server`` so that ``import mcp`` inside it still finds the SDK (an optional extra,
the ``mcp`` extra). Only :mod:`.server` imports the SDK; the other modules are
plain Python over :mod:`gitdigest.api`: :mod:`.params` derives the tools' parameters from the
option declarations, :mod:`.store` keeps large results and pages them, :mod:`.tools` does each
tool's work under a :class:`.tools.Limits`.
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import UsageError, install_hint
from ..options import parse_size


def launch(*, transport: str = "stdio", port: int = 8000, bind: str = "127.0.0.1",
           public_hosts: tuple[str, ...] = (), roots: tuple[str, ...] = (),
           allow_private_hosts: bool = False,
           response_tokens: int = 20_000, call_timeout: float = 300.0,
           max_total_size: str | int = "256MB", max_files: int = 50_000) -> None:
    """Run ``gitdigest mcp`` (the SDK is imported only now: it is an optional extra)."""
    try:
        from .server import serve
    except ImportError as error:  # the SDK or one of its own dependencies
        if (error.name or "gitdigest").startswith("gitdigest"):
            raise
        raise UsageError(f"the MCP server needs the mcp extra: {install_hint('mcp')}"
                         ) from None
    from .tools import Limits

    limits = Limits(roots=tuple(Path(root).resolve() for root in roots) or (Path.cwd(),),
                    allow_private_hosts=allow_private_hosts, response_tokens=response_tokens,
                    call_timeout=call_timeout, max_total_size=parse_size(max_total_size),
                    max_files=max_files)
    serve(limits, transport=transport, host=bind, port=port, public_hosts=public_hosts,
          explicit_roots=bool(roots))
