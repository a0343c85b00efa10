"""The remote row: a repository served over https from loopback, like GitHub serves it.

A bare repository holding the corpus's HEAD commit is served by ``git http-backend`` (the test
suite's server, tests/gitserver.py) behind TLS with a throw-away self-signed certificate that
git is told to trust (``GIT_SSL_CAINFO``); the repository allows what GitHub allows
(``uploadpack.allowFilter``, ``uploadpack.allowAnySHA1InWant``). Measured, alternating:
``git clone --depth 1`` alone, gitdigest on the URL with a fresh cache (cold) and again with
that cache (warm), and gitdigest on the local working tree, cold and warm.

The server answers each request after git http-backend has finished (it does not stream), so
the clone rows include that wait for every tool alike.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.gitserver import GitHTTPServer


def serve_copy(repo: Path, scratch: Path) -> Path:
    """A bare repository under ``scratch/served/owner/<name>`` with ``repo``'s HEAD commit."""
    root = scratch / "served"
    target = root / "owner" / repo.name
    if not target.exists():
        target.mkdir(parents=True)
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(target)], check=True)
        subprocess.run(["git", "fetch", "-q", "--depth=1", f"file://{repo}",
                        "HEAD:refs/heads/main"], cwd=target, check=True)
        for key in ("uploadpack.allowFilter", "uploadpack.allowAnySHA1InWant"):
            subprocess.run(["git", "config", key, "true"], cwd=target, check=True)
    return root


def certificate(scratch: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    cert, key = scratch / "loopback.crt", scratch / "loopback.key"
    if not cert.exists():
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext",
                        "subjectAltName=IP:127.0.0.1,DNS:localhost",
                        "-keyout", str(key), "-out", str(cert)], check=True,
                       capture_output=True)
    return cert, key


class HTTPSGitServer(GitHTTPServer):
    """The test suite's git server behind TLS."""

    def __init__(self, root: Path, cert: Path, key: Path) -> None:
        super().__init__(root, token="unused")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.port}"


def commands(url: str, repo: Path, scratch: Path) -> dict[str, list[str]]:
    """Command lines by row name (complete: no corpus appended)."""
    python = sys.executable
    clone = scratch / "shallow-clone"
    out = scratch / "remote-out"
    out.mkdir(parents=True, exist_ok=True)
    return {
        "git clone --depth 1 (alone)": ["sh", "-c", f"rm -rf {clone} && git clone -q --depth 1 "
                                        f"{url} {clone}"],
        "gitdigest remote (fresh cache)": [python, "-m", "gitdigest", "-q", url,
                                           "-o", str(out / "cold.txt")],
        "gitdigest remote (warm cache)": [python, "-m", "gitdigest", "-q", url,
                                          "-o", str(out / "warm.txt")],
        "gitdigest local (fresh cache)": [python, "-m", "gitdigest", "-q", str(repo),
                                          "-o", str(out / "local-cold.txt")],
        "gitdigest local (warm cache)": [python, "-m", "gitdigest", "-q", str(repo),
                                         "-o", str(out / "local-warm.txt")],
    }


def cleanup(scratch: Path) -> None:
    """Remove what the rows left behind."""
    shutil.rmtree(scratch / "shallow-clone", ignore_errors=True)
