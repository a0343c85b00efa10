"""Run gitingest against the loopback https git server under a host name it accepts.

    PYTHON benchmarks/gitingest_loopback.py --resolve HOST:PORT:127.0.0.1 --cafile CERT
                                            --summary FILE -- GITINGEST-ARGUMENTS...

PYTHON is gitingest's own interpreter (its virtual environment). gitingest accepts only https
URLs on hosts it knows or that look like a git host (``git.*``), checks the URL with an httpx
HEAD request, then runs ``git ls-remote`` and ``git clone``. So, without touching /etc/hosts or
the network: HOST is mapped to 127.0.0.1 in ``socket.getaddrinfo`` for httpx, git's own
resolution is pinned with ``http.curloptResolve`` (``GIT_CONFIG_COUNT/KEY/VALUE``, inherited by
the git processes gitingest starts), and both trust the server's throw-away certificate
(``SSL_CERT_FILE`` for httpx, ``GIT_SSL_CAINFO`` for git). gitingest prints its summary, with
the token estimate, on standard output rather than in its output file; it is copied to
``--summary`` so the benchmark can check that a real digest was made.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import socket
import sys
from typing import Any


def pin(host: str, address: str) -> None:
    """Make this process resolve ``host`` to ``address`` (httpx resolves through here)."""
    real = socket.getaddrinfo

    def getaddrinfo(name: Any, *args: Any, **kwargs: Any) -> Any:
        text = name.decode() if isinstance(name, bytes) else name
        if isinstance(text, str) and text.lower() == host:
            name = address
        return real(name, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]


def main() -> int:
    """Set up the name, the certificate and git's configuration, then run gitingest's CLI."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resolve", required=True, help="HOST:PORT:ADDRESS")
    parser.add_argument("--cafile", required=True, help="the server's certificate")
    parser.add_argument("--summary", required=True, help="where gitingest's stdout goes")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help="gitingest's arguments")
    args = parser.parse_args()
    host, _, address = args.resolve.split(":", 2)
    pin(host.lower(), address)
    count = int(os.environ.get("GIT_CONFIG_COUNT", "0"))
    os.environ.update({
        "SSL_CERT_FILE": args.cafile, "GIT_SSL_CAINFO": args.cafile,
        f"GIT_CONFIG_KEY_{count}": "http.curloptResolve",
        f"GIT_CONFIG_VALUE_{count}": args.resolve, "GIT_CONFIG_COUNT": str(count + 1),
    })
    from gitingest.__main__ import main as gitingest  # type: ignore[import-not-found]

    argv = args.rest[1:] if args.rest[:1] == ["--"] else args.rest
    captured = io.StringIO()
    code: int | str | None = 0
    with contextlib.redirect_stdout(captured):
        try:
            gitingest.main(args=argv, prog_name="gitingest", standalone_mode=True)
        except SystemExit as stop:
            code = stop.code
    with open(args.summary, "w", encoding="utf-8") as handle:
        handle.write(captured.getvalue())
    if isinstance(code, str):
        print(code, file=sys.stderr)
        return 1
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
