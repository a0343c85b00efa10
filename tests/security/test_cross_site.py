"""Another site's page, or a host name re-pointed at 127.0.0.1 (DNS rebinding), cannot drive
``gitdigest serve`` or ``gitdigest mcp --transport http``: the real servers on loopback,
spoken to over raw HTTP so every header is ours to choose. (The same attack from a real
browser page is in tests/test_web_browser.py.)"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gitdigest.core.hostcheck import HostCheck, host_name, served_names

from ..gitserver import GitHTTPServer
from ..webserver import WebServer, free_port, git_server, isolated_env

PUBLIC = "digest.example.test"  # the operator's --public-host (a reverse proxy's name)


@dataclass
class Served:
    git: GitHTTPServer
    web: WebServer
    source: str

    def asked_git(self) -> int:
        """How many requests reached the git server for the test repository so far."""
        return sum("/team/demo.git" in path for _, path, _ in self.git.requests)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, scanner_rules: Path) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("cross-site")
    with git_server(tmp) as git:
        env = isolated_env(tmp_path_factory.mktemp("home"), scanner_rules)
        # --fresh-for 0: every admitted request asks git, so "git was not asked" means refused
        args = ["--allow-host", "127.0.0.1", "--public-host", PUBLIC, "--fresh-for", "0",
                "--rate", "1000", "--per-client", "10"]
        with WebServer(args, env, tmp / "server.log") as web:
            yield Served(git, web, f"{git.url}/team/demo.git")


def send(served: Served, method: str, path: str, body: bytes | None = None,
         **headers: str) -> tuple[int, dict[str, str], bytes]:
    """One request with exactly these headers (``Host`` included: default the server's)."""
    connection = http.client.HTTPConnection("127.0.0.1", served.web.port, timeout=120)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        wanted = {"Host": f"127.0.0.1:{served.web.port}", **{
            name.replace("_", "-"): value for name, value in headers.items()}}
        for name, value in wanted.items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def digest_body(served: Served) -> bytes:
    return json.dumps({"source": served.source}).encode()


JSON = {"Content_Type": "application/json"}
OTHER_PORT = "http://127.0.0.1:9"  # another loopback origin: a different page, not ours

REFUSED = [
    # the reproduction from the issue: another site posts text/plain (no preflight needed)
    ({"Origin": "https://evil.example", "Content_Type": "text/plain"}, 403, "https://evil.example"),
    ({"Content_Type": "text/plain"}, 415, "must be JSON"),
    ({"Content_Type": "application/x-www-form-urlencoded"}, 415, "must be JSON"),
    ({"Content_Type": "multipart/form-data; boundary=x"}, 415, "must be JSON"),
    ({**JSON, "Origin": "https://evil.example"}, 403, "only this server's own page"),
    ({**JSON, "Origin": OTHER_PORT}, 403, "only this server's own page"),
    ({**JSON, "Origin": "null"}, 403, "only this server's own page"),
    ({**JSON, "Sec_Fetch_Site": "cross-site"}, 403, "another site's page (cross-site)"),
    ({**JSON, "Sec_Fetch_Site": "same-site", "Origin": OTHER_PORT}, 403, "another site"),
    # DNS rebinding: evil.example re-pointed at 127.0.0.1, the browser names it in Host
    ({**JSON, "Host": "evil.example:8000"}, 403, "not to 'evil.example'"),
    ({**JSON, "Host": "127.0.0.1.evil.example"}, 403, "--public-host"),
    ({**JSON, "Host": "evil.example:8000", "Origin": "http://evil.example:8000"}, 403,
     "answers only to 127.0.0.1, localhost, [::1], " + PUBLIC),
]


@pytest.mark.parametrize("path", ["/api/digest", "/api/run"])
@pytest.mark.parametrize(("headers", "status", "says"), REFUSED)
def test_state_changing_posts_from_elsewhere_are_refused(
        served: Served, path: str, headers: dict[str, str], status: int, says: str) -> None:
    asked = served.asked_git()
    code, _, answer = send(served, "POST", path, digest_body(served), **headers)
    assert (code, says in json.loads(answer)["error"]) == (status, True), answer
    assert served.asked_git() == asked  # no work was done


@pytest.mark.parametrize(("headers", "says"), [
    ({"Sec_Fetch_Site": "cross-site"}, "another site's page"),
    ({"Sec_Fetch_Site": "same-site"}, "another site's page"),  # another port of 127.0.0.1
    ({"Origin": "https://evil.example"}, "only this server's own page"),
    ({"Host": "rebound.example:80"}, "not to 'rebound.example'"),
])
def test_the_get_route_that_digests_is_state_changing_too(
        served: Served, headers: dict[str, str], says: str) -> None:
    """``<img src=http://127.0.0.1:8000/api/digest/...>`` on any page would start a digest."""
    asked = served.asked_git()
    path = f"/api/digest/{served.git.url.removeprefix('http://')}/team/demo.git"
    code, _, answer = send(served, "GET", path, **headers)
    assert (code, says in json.loads(answer)["error"]) == (403, True), answer
    assert served.asked_git() == asked


def test_every_page_refuses_a_foreign_host(served: Served) -> None:
    """A rebound name cannot even read the page (or a stored result) through the browser."""
    for path in ("/", "/static/app.js", "/api/openapi.json", "/d/" + "0" * 40):
        code, _, answer = send(served, "GET", path, Host="evil.example")
        assert code == 403 and "--public-host" in json.loads(answer)["error"], path


@pytest.mark.parametrize("headers", [
    JSON,  # curl, scripts: no Origin, no Sec-Fetch-Site
    {**JSON, "Origin": "http://127.0.0.1:{port}", "Sec_Fetch_Site": "same-origin"},
    {**JSON, "Host": "localhost:{port}", "Origin": "http://localhost:{port}"},
    {"Content_Type": "application/json; charset=utf-8", "Host": "[::1]:{port}"},
    # behind a reverse proxy: the visitor's page is https://PUBLIC, the proxy keeps Host
    {**JSON, "Host": PUBLIC, "Origin": f"https://{PUBLIC}", "Sec_Fetch_Site": "same-origin"},
    # a proxy that hands us its own upstream address as Host
    {**JSON, "Origin": f"https://{PUBLIC}", "Sec_Fetch_Site": "same-origin"},
])
def test_own_page_and_plain_clients_are_served(served: Served, headers: dict[str, str]
                                               ) -> None:
    headers = {name: value.format(port=served.web.port) for name, value in headers.items()}
    asked = served.asked_git()
    code, answer_headers, answer = send(served, "POST", "/api/digest", digest_body(served),
                                        **headers)
    assert code == 200, answer
    assert json.loads(answer)["summary"]["files"] == 4
    assert served.asked_git() > asked
    assert answer_headers["x-frame-options"] == "DENY"


def test_the_url_trick_from_another_site_waits_for_the_visitor(served: Served) -> None:
    """A link (or a script) on another site fills the form in but starts nothing; typed or
    bookmarked, the address digests at once as before."""
    path = f"/{served.git.url.removeprefix('http://')}/team/demo"
    for fetch_site, starts in (("cross-site", False), ("same-site", False), ("none", True),
                               (None, True)):
        headers = {"Sec_Fetch_Site": fetch_site} if fetch_site else {}
        code, response_headers, page = send(served, "GET", path, **headers)
        assert code == 200
        assert ('data-autostart="1"' in page.decode()) is starts, fetch_site
        assert ('id="confirm"' in page.decode()) is not starts, fetch_site
        assert "frame-ancestors 'none'" in response_headers["content-security-policy"]


@pytest.mark.parametrize(("header", "expected"), [
    ("127.0.0.1:8000", "127.0.0.1"), ("LOCALHOST", "localhost"), ("[::1]:8000", "[::1]"),
    ("::1", "[::1]"), ("example.org:443", "example.org"),
])
def test_host_names(header: str, expected: str) -> None:
    assert host_name(header) == expected


def test_the_names_a_server_answers_to() -> None:
    assert served_names("127.0.0.1") == ("127.0.0.1", "localhost", "[::1]")
    assert served_names("0.0.0.0", ("Digest.Example",)) == (
        "127.0.0.1", "localhost", "[::1]", "digest.example")
    assert served_names("192.0.2.7") == ("127.0.0.1", "localhost", "[::1]", "192.0.2.7")
    assert served_names("::") == ("127.0.0.1", "localhost", "[::1]")


def test_origin_rules() -> None:
    check = HostCheck(served_names("127.0.0.1", (PUBLIC,)), (PUBLIC,))
    own = "127.0.0.1:8000"
    assert check.origin_refusal(None, own) is None
    assert check.origin_refusal("http://127.0.0.1:8000", own) is None
    assert check.origin_refusal("http://localhost:80", "localhost") is None  # default port
    assert check.origin_refusal("http://127.0.0.1:8001", own) is not None  # another page
    assert check.origin_refusal("http://localhost:8000", own) is not None  # another origin
    assert check.origin_refusal("https://127.0.0.1:8000", own) is not None
    assert check.origin_refusal("null", own) is not None
    assert check.origin_refusal(f"https://{PUBLIC}", own) is None
    assert check.origin_refusal(f"https://{PUBLIC}.evil.example", own) is not None
    assert check.fetch_refusal("same-origin") is None and check.fetch_refusal("none") is None
    assert check.fetch_refusal("same-site") is not None


# --- gitdigest mcp --transport http: the SDK's checks, configured by us ---------------------

@contextlib.contextmanager
def mcp_http(tmp_path: Path, *args: str) -> Iterator[int]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gitdigest", "mcp", "--transport", "http", "--port", str(port),
         *args], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port),
                                                                         timeout=1):
                break
            assert server.poll() is None, "the MCP server exited"
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def initialize(port: int, **headers: str) -> int:
    """The status of an MCP ``initialize`` POST with these headers."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"}}}).encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.putrequest("POST", "/mcp", skip_host=True, skip_accept_encoding=True)
        wanted = {"Host": f"127.0.0.1:{port}", "Content-Type": "application/json",
                  "Accept": "application/json, text/event-stream", **headers}
        for name, value in wanted.items():
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_mcp_http_refuses_a_foreign_origin_and_host(tmp_path: Path) -> None:
    with mcp_http(tmp_path, "--public-host", PUBLIC) as port:
        assert initialize(port) == 200
        assert initialize(port, Origin=f"http://127.0.0.1:{port}") == 200
        assert initialize(port, Host=PUBLIC, Origin=f"https://{PUBLIC}") == 200
        assert initialize(port, Origin="https://evil.example") == 403
        assert initialize(port, Origin="http://127.0.0.1:9") == 403  # another local page
        assert initialize(port, Host="evil.example") == 421  # DNS rebinding
        assert initialize(port, Host=f"evil.example:{port}") == 421
        assert initialize(port, **{"Content-Type": "text/plain"}) == 400


def test_mcp_http_checks_hosts_on_every_interface_too() -> None:
    """On a wildcard bind the SDK would switch its checks off; ours keep them on."""
    from gitdigest.mcp_server.server import transport_security

    settings = transport_security("0.0.0.0", 8000)
    assert settings.enable_dns_rebinding_protection
    assert "127.0.0.1:8000" in settings.allowed_hosts
    assert not any("evil" in host or host.startswith("0.0.0.0") for host in
                   settings.allowed_hosts)
    assert settings.allowed_origins == ["http://127.0.0.1:8000", "http://localhost:8000",
                                        "http://[::1]:8000"]
