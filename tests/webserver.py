"""A real ``gitdigest serve`` on a free loopback port, and the repositories the web tests
digest (served by tests/gitserver.py's loopback git server)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .gitserver import GitHTTPServer, make_bare

TOKEN = "web-test-token-5f2c"  # the private repository's password on the git server

FILES = {
    "README.md": "# demo\n\nA small repository for the web tests.\n",
    "src/app.py": "def main() -> int:\n    return 42\n" * 10,
    "src/util.py": "def helper() -> str:\n    return 'help'\n",
    "docs/guide.md": "A guide.\n" * 30,
}


def isolated_env(home: Path, rules: Path) -> dict[str, str]:
    """The environment of a server under test: its own HOME, git config and cache."""
    config = home / ".gitconfig"
    config.write_text("[user]\n\tname = Test\n\temail = test@example.invalid\n")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("GIT", "GITHUB", "GH_", "GITDIGEST"))}
    env.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(config), GIT_CONFIG_NOSYSTEM="1",
               XDG_CACHE_HOME=str(home / ".cache"), KF_RULE_CACHE_DIR=str(rules))
    return env


def publish(root: Path, work: Path) -> None:
    """``team/demo.git`` (public) and ``private/demo.git`` (needs :data:`TOKEN`) from FILES."""
    for name, text in FILES.items():
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm",
                  "initial"]):
        subprocess.run(["git", *args], cwd=work, check=True, capture_output=True)
    make_bare(root, "team/demo.git", work)
    make_bare(root, "private/demo.git", work)


@contextmanager
def git_server(tmp: Path) -> Iterator[GitHTTPServer]:
    """A loopback git HTTP server with the two test repositories."""
    publish(tmp / "served", tmp / "work")
    with GitHTTPServer(tmp / "served", TOKEN) as server:
        yield server


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class WebServer:
    """``gitdigest serve`` in a child process; ``log`` is everything it printed."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = args
        self.env = env
        self.log_path = log
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> WebServer:
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "gitdigest", "serve", "--port", str(self.port),
                 *self.args], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/", timeout=5).close()
                return self
            except (urllib.error.URLError, ConnectionError):
                if self._process.poll() is not None:
                    break
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("gitdigest serve did not start:\n" + self.log)

    def __exit__(self, *exc: object) -> None:
        assert self._process is not None
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    @property
    def log(self) -> str:
        """What the server printed so far (uvicorn's access log included)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")
