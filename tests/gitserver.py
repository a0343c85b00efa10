"""Real git servers on loopback for the remote tests: ``git http-backend`` behind a small HTTP
server (with HTTP basic auth on private repositories) and ``git daemon`` for ``git://``."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class GitHTTPServer:
    """Serves bare repositories under ``root`` as ``http://127.0.0.1:PORT/<path>``. Paths that
    start with ``private/`` need HTTP basic auth whose password is ``token``. Every request
    line is recorded (to check what clients sent), with the host name the client used: the
    server also answers as ``localhost``, a second host name for token-binding tests."""

    def __init__(self, root: Path, token: str, address: str = "127.0.0.1") -> None:
        self.root = root
        self.token = token
        self.requests: list[tuple[str, str, str]] = []  # (method, path, authorization)
        #: (Host header, path, authorization) of every request: which name a client used
        self.seen: list[tuple[str, str, str]] = []
        #: seconds each request waits before it is answered (a slow network), and when each
        #: was received and answered (to see which requests overlapped)
        self.delay = 0.0
        self.spans: list[tuple[float, float]] = []
        #: bytes per second an answer is sent at (a slower link; None: as fast as it goes)
        self.rate: float | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._handle(self)

            def do_POST(self) -> None:
                server._handle(self)

            def log_message(self, *args: object) -> None:
                pass

        server_class = _IPv6HTTPServer if ":" in address else ThreadingHTTPServer
        self._httpd = server_class((address, 0), Handler)
        self.port = self._httpd.server_address[1]
        self.url = f"http://[{address}]:{self.port}" if ":" in address else \
            f"http://{address}:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> GitHTTPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _authorised(self, handler: BaseHTTPRequestHandler) -> bool:
        header = handler.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        _, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return password == self.token

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        received = time.monotonic()
        time.sleep(self.delay)
        try:
            self._answer(handler)
        finally:
            self.spans.append((received, time.monotonic()))

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        path, _, query = handler.path.partition("?")
        self.requests.append((handler.command, handler.path,
                              handler.headers.get("Authorization", "")))
        self.seen.append((handler.headers.get("Host", ""), handler.path,
                          handler.headers.get("Authorization", "")))
        if path.lstrip("/").startswith("private/") and not self._authorised(handler):
            handler.send_response(401)
            handler.send_header("WWW-Authenticate", 'Basic realm="git"')
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        env = {
            "PATH": os.environ["PATH"], "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": path, "QUERY_STRING": query,
            "REQUEST_METHOD": handler.command, "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": handler.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)), "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": str(self.root), "GIT_PROTOCOL": handler.headers.get("Git-Protocol", ""),
            "HTTP_CONTENT_ENCODING": handler.headers.get("Content-Encoding", ""),
        }
        result = subprocess.run(["git", "http-backend"], input=body, env=env,
                                capture_output=True, check=False)
        head, _, payload = result.stdout.partition(b"\r\n\r\n")
        status = 200
        headers = []
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        handler.send_response(status)
        for name, value in headers:
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        step = 64 * 1024 if self.rate else len(payload) or 1
        for start in range(0, len(payload), step):
            handler.wfile.write(payload[start:start + step])
            if self.rate:
                time.sleep(step / self.rate)


class _IPv6HTTPServer(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class GitDaemon:
    """``git daemon`` serving ``root`` as ``git://127.0.0.1:PORT/<path>``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"git://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> GitDaemon:
        self._process = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", "--export-all", f"--base-path={self.root}",
             "--listen=127.0.0.1", f"--port={self.port}", "--informative-errors", str(self.root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise RuntimeError("git daemon did not start")

    def __exit__(self, *exc: object) -> None:
        assert self._process is not None
        self._process.terminate()
        self._process.wait(timeout=10)


def make_bare(root: Path, name: str, work: Path) -> Path:
    """Publish the repository at ``work`` as the bare repository ``root/name``."""
    target = root / name
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(target)], check=True)
    for key, value in (("uploadpack.allowFilter", "true"),
                       ("uploadpack.allowAnySHA1InWant", "true"),
                       ("http.receivepack", "false")):
        subprocess.run(["git", "-C", str(target), "config", key, value], check=True)
    return target
