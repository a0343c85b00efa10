"""Tokens go only to the host they belong to, and credentials in a URL are never written out.

Every vector runs against a real git server on loopback that records each request's Host
header and Authorization header. The server answers as ``127.0.0.1`` and as ``localhost``
(a second host name), and curl resolves ``gitlab.localhost`` to loopback itself, so a token
sent to the wrong name is seen arriving, not inferred.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anyio
import pytest
from click.testing import CliRunner

from gitdigest import digest
from gitdigest.cli import cli
from gitdigest.sources.netguard import NetworkPolicy, SourceRefused

from ..gitserver import GitHTTPServer, make_bare
from ..webserver import WebServer, isolated_env

TOKEN = "tok-bound-7d1e9c-secret"
GIT = ["git", "-c", "user.name=T", "-c", "user.email=t@example.invalid",
       "-c", "init.defaultBranch=main"]


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def _repo(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    _git(folder, "init", "-q")
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    _git(folder, "add", "-A")
    _git(folder, "commit", "-q", "-m", "first")
    return folder


def _with_submodules(folder: Path, modules: dict[str, tuple[str, str]]) -> Path:
    """A superproject whose submodules (path -> (url, commit)) are gitlinks only."""
    folder.mkdir(parents=True)
    _git(folder, "init", "-q")
    text = "".join(f'[submodule "{path}"]\n\tpath = {path}\n\turl = {url}\n'
                   for path, (url, _) in modules.items())
    (folder / ".gitmodules").write_text(text)
    (folder / "main.py").write_text("main = 1\n")
    _git(folder, "add", ".gitmodules", "main.py")
    for path, (_, commit) in modules.items():
        _git(folder, "update-index", "--add", "--cacheinfo", f"160000,{commit},{path}")
    _git(folder, "commit", "-q", "-m", "with submodules")
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitHTTPServer]:
    """``owner/repo`` (public), ``private/repo`` (needs TOKEN), and ``owner/outer`` whose
    submodules point at this server under its other name and at a local path."""
    base = tmp_path_factory.mktemp("token-hosts")
    root = base / "served"
    inner = _repo(base / "inner", {"lib.py": "lib = 1\n"})
    make_bare(root, "owner/repo", _repo(base / "work", {"app.py": "app = 1\n"}))
    make_bare(root, "private/repo", _repo(base / "private", {"secret.py": "s = 1\n"}))
    make_bare(root, "owner/inner", inner)
    commit = _git(inner, "rev-parse", "HEAD")
    with GitHTTPServer(root, TOKEN) as http:
        outer = _with_submodules(base / "outer", {
            "vendor/inner": (f"http://localhost:{http.port}/owner/inner", commit),
            "vendor/local": (f"file://{inner}", commit)})
        make_bare(root, "owner/outer", outer)
        alone = _with_submodules(base / "alone", {
            "vendor/inner": (f"http://localhost:{http.port}/owner/inner", commit)})
        make_bare(root, "owner/alone", alone)
        yield http


def _authorised_hosts(server: GitHTTPServer, since: int = 0) -> set[str]:
    """The host names (without port) that received an Authorization header."""
    return {host.rsplit(":", 1)[0] for host, _, auth in server.seen[since:] if auth}


def _hosts(server: GitHTTPServer, since: int = 0) -> set[str]:
    return {host.rsplit(":", 1)[0] for host, _, _ in server.seen[since:]}


def _password(header: str) -> str:
    return base64.b64decode(header.split()[-1]).decode().partition(":")[2]


# --- the command line ----------------------------------------------------------------------

def test_github_token_is_not_sent_to_another_host(server: GitHTTPServer,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    start = len(server.seen)
    result = CliRunner().invoke(cli, [f"http://localhost:{server.port}/owner/repo",
                                      "--no-cache", "-o", "-", "-q"])
    assert result.exit_code == 0, result.stderr
    assert _hosts(server, start) == {"localhost"}
    assert _authorised_hosts(server, start) == set()


def test_gitlab_token_is_not_sent_to_a_host_merely_named_gitlab(
        server: GitHTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: any host whose name contained "gitlab" got GITLAB_TOKEN."""
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    start = len(server.seen)
    result = CliRunner().invoke(cli, [f"http://gitlab.localhost:{server.port}/private/repo",
                                      "--no-cache", "-o", "-", "-q"])
    assert _hosts(server, start) == {"gitlab.localhost"}
    assert _authorised_hosts(server, start) == set()
    assert result.exit_code == 3 and "authentication required" in result.stderr


def test_gitdigest_token_without_token_hosts_goes_nowhere(
        server: GitHTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: GITDIGEST_TOKEN went to whatever host a command named."""
    monkeypatch.setenv("GITDIGEST_TOKEN", TOKEN)
    start = len(server.seen)
    result = CliRunner().invoke(cli, [f"{server.url}/private/repo", "--no-cache", "-o", "-"])
    assert _authorised_hosts(server, start) == set()
    assert result.exit_code == 3
    assert result.stderr == (f"gitdigest: error: authentication required for {server.url}/"
                             "private/repo; GITDIGEST_TOKEN is set but not bound to 127.0.0.1 "
                             "(list the host in GITDIGEST_TOKEN_HOSTS)\n")


def test_gitdigest_token_goes_only_to_the_hosts_listed(
        server: GitHTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITDIGEST_TOKEN", TOKEN)
    monkeypatch.setenv("GITDIGEST_TOKEN_HOSTS", " example.org, 127.0.0.1 ")
    start = len(server.seen)
    bound = digest(f"{server.url}/private/repo", cache=False)
    assert [d.path for d in bound.files] == ["secret.py"]
    assert _authorised_hosts(server, start) == {"127.0.0.1"}
    assert {_password(auth) for _, _, auth in server.seen[start:] if auth} == {TOKEN}
    start = len(server.seen)
    digest(f"http://localhost:{server.port}/owner/repo", cache=False)  # not listed
    assert _hosts(server, start) == {"localhost"} and _authorised_hosts(server, start) == set()


def test_explicit_token_is_not_sent_to_a_submodule_elsewhere(server: GitHTTPServer) -> None:
    """Before: --token went along to every submodule URL the repository named. Now it stays
    with the source named on the command line."""
    start = len(server.seen)
    result = CliRunner().invoke(cli, [f"{server.url}/owner/alone", "--include-submodules",
                                      "--token", TOKEN, "--no-cache", "-o", "-", "-q"])
    assert result.exit_code == 0, result.stderr
    assert "FILE: vendor/inner/lib.py" in result.stdout
    assert _hosts(server, start) == {"127.0.0.1", "localhost"}
    assert _authorised_hosts(server, start) == {"127.0.0.1"}


def test_a_refused_submodule_is_skipped_and_the_digest_goes_on(server: GitHTTPServer) -> None:
    """Before: one file:// submodule URL ended the whole --include-submodules digest."""
    result = CliRunner().invoke(cli, [f"{server.url}/owner/outer", "--include-submodules",
                                      "--no-cache", "-o", "-", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert sorted(f["path"] for f in data["files"]) == [".gitmodules", "main.py",
                                                        "vendor/inner/lib.py"]
    skipped = {s["path"]: s for s in data["skipped"]}
    assert skipped["vendor/local"]["reason"] == "submodule"
    assert "not fetched" in skipped["vendor/local"]["detail"]
    assert "not a network URL" in skipped["vendor/local"]["detail"]


def test_url_credentials_reach_their_own_host_and_are_never_written(
        server: GitHTTPServer, tmp_path: Path) -> None:
    """The command line still takes user:password@ for the fetch (bound to that host); the
    summary, the JSON and the digest show the URL without them."""
    url = f"http://me:{TOKEN}@127.0.0.1:{server.port}/private/repo"
    result = CliRunner().invoke(cli, [url, "--no-cache", "-o", "-", "-f", "json",
                                      "--summary-json", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.stderr
    for text in (result.stdout, result.stderr, (tmp_path / "s.json").read_text()):
        assert TOKEN not in text
    bad = CliRunner().invoke(cli, [f"http://me:{TOKEN}@[nothost]/o/r", "-o", "-"])
    assert bad.exit_code == 2 and TOKEN not in bad.stderr and "***@" in bad.stderr


class _Redirector:
    """A loopback HTTP server that answers every request with a 301 to the git server under
    its other name (``localhost``): a host that sends a client's token elsewhere."""

    def __init__(self, target_port: int) -> None:
        class Handler(BaseHTTPRequestHandler):
            def _moved(self) -> None:
                self.send_response(301)
                self.send_header("Location", f"http://localhost:{target_port}{self.path}")
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = _moved

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> _Redirector:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.mark.parametrize("how", ["bound", "explicit"])
def test_a_token_is_not_sent_on_after_a_redirect_to_another_host(
        server: GitHTTPServer, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """Before: git followed the first redirect (http.followRedirects "initial") and sent the
    token's header, configured for the source's host, to the host redirected to. Now git
    follows no redirect while it carries a token: the run ends with one line, exit 3."""
    args = ["--no-cache", "-o", "-", "-q"]
    if how == "bound":
        monkeypatch.setenv("GITDIGEST_TOKEN", TOKEN)
        monkeypatch.setenv("GITDIGEST_TOKEN_HOSTS", "127.0.0.1")
    else:
        args += ["--token", TOKEN]
    start = len(server.seen)
    with _Redirector(server.port) as redirector:
        # public where redirected to: git goes on to POST there, the token's header with it
        result = CliRunner().invoke(cli, [f"{redirector.url}/owner/repo", *args])
    assert _authorised_hosts(server, start) == set()
    assert result.exit_code == 3, result.output
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("gitdigest: error: ") and "redirect" in result.stderr
    assert TOKEN not in result.stderr


def test_a_redirect_is_still_followed_without_a_token(server: GitHTTPServer) -> None:
    """A public repository that moved still works: no token, nothing to leak."""
    with _Redirector(server.port) as redirector:
        result = CliRunner().invoke(cli, [f"{redirector.url}/owner/repo", "--no-cache",
                                          "-o", "-", "-q"])
    assert result.exit_code == 0, result.stderr
    assert "FILE: app.py" in result.stdout


# --- batch ---------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["local", "dask"])
def test_batch_manifest_holds_no_password(server: GitHTTPServer, tmp_path: Path,
                                          engine: str) -> None:
    """Before: the source URL went into manifest.jsonl with its password, on both engines."""
    listing = tmp_path / "list.txt"
    listing.write_text(f"http://me:{TOKEN}@127.0.0.1:{server.port}/private/repo\n"
                       f"http://me:{TOKEN}@127.0.0.1:{server.port}/owner/missing\n")
    out = tmp_path / "out"
    extra = ["--collect"] if engine == "dask" else []
    result = CliRunner().invoke(cli, ["batch", str(listing), "-O", str(out), "--engine", engine,
                                      "-j", "1", "--retries", "0", *extra])
    assert result.exit_code == 1, result.stderr  # the missing repository fails
    manifest = (out / "manifest.jsonl").read_text()
    records = [json.loads(line) for line in manifest.splitlines()]
    assert [r["status"] for r in records] == ["ok", "failed"]
    assert records[0]["source"] == f"http://***@127.0.0.1:{server.port}/private/repo"
    assert TOKEN not in manifest and TOKEN not in result.stderr
    for path in out.iterdir():
        assert TOKEN.encode() not in path.read_bytes()


def test_batch_refuses_a_symlinked_manifest(server: GitHTTPServer, tmp_path: Path) -> None:
    """Before: the first record was appended to whatever a pre-placed manifest.jsonl symlink
    pointed at."""
    target = tmp_path / "victim.txt"
    target.write_text("keep me\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.jsonl").symlink_to(target)
    listing = tmp_path / "list.txt"
    listing.write_text(f"{server.url}/owner/repo\n")
    result = CliRunner().invoke(cli, ["batch", str(listing), "-O", str(out), "-j", "1"])
    assert result.exit_code == 2, result.stderr
    assert "symbolic link" in result.stderr and result.stderr.count("\n") == 1
    assert target.read_text() == "keep me\n"
    assert (out / "manifest.jsonl").is_symlink()


# --- servers: the web page and MCP ---------------------------------------------------------

def _call(url: str, body: dict[str, Any], headers: dict[str, str] | None = None
          ) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={
        "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def web(server: GitHTTPServer, tmp_path_factory: pytest.TempPathFactory,
        scanner_rules: Path) -> Iterator[WebServer]:
    """``gitdigest serve`` with a token in its environment, bound to 127.0.0.1 only, and the
    host variables set too (a server never uses those)."""
    tmp = tmp_path_factory.mktemp("web-tokens")
    (tmp / "home").mkdir()
    env = isolated_env(tmp / "home", scanner_rules)
    env.update(GITDIGEST_TOKEN=TOKEN, GITDIGEST_TOKEN_HOSTS="127.0.0.1", GITHUB_TOKEN=TOKEN,
               GITLAB_TOKEN=TOKEN)
    args = ["--allow-host", "127.0.0.1", "--allow-host", "localhost",
            "--allow-host", "gitlab.localhost", "--rate", "100"]
    with WebServer(args, env, tmp / "server.log") as running:
        yield running


@pytest.mark.parametrize("name", ["localhost", "gitlab.localhost"])
def test_web_server_sends_its_token_to_no_visitor_chosen_host(
        server: GitHTTPServer, web: WebServer, name: str) -> None:
    """Before: POST /api/digest with any allowed host got the server's GITDIGEST_TOKEN."""
    start = len(server.seen)
    status, answer = _call(web.url + "/api/digest",
                           {"source": f"http://{name}:{server.port}/private/repo"})
    assert status == 502 and TOKEN not in json.dumps(answer)
    assert _hosts(server, start) == {name} and _authorised_hosts(server, start) == set()


def test_web_server_uses_a_bound_token_and_a_visitors_header_token(
        server: GitHTTPServer, web: WebServer) -> None:
    start = len(server.seen)
    status, answer = _call(web.url + "/api/digest", {"source": f"{server.url}/private/repo"})
    assert status == 200, answer
    assert _authorised_hosts(server, start) == {"127.0.0.1"}
    start = len(server.seen)
    status, answer = _call(web.url + "/api/digest",
                           {"source": f"http://localhost:{server.port}/private/repo"},
                           {"X-Git-Token": TOKEN})
    assert status == 200, answer
    assert _authorised_hosts(server, start) == {"localhost"}


def test_web_refuses_credentials_in_a_url(server: GitHTTPServer, web: WebServer) -> None:
    start = len(server.seen)
    for source in (f"http://me:{TOKEN}@127.0.0.1:{server.port}/private/repo",
                   f"http://{TOKEN}@127.0.0.1:{server.port}/private/repo"):
        status, answer = _call(web.url + "/api/digest", {"source": source})
        assert status == 400
        assert answer["error"] == ("a repository URL cannot carry credentials here: send the "
                                   "token in the X-Git-Token or Authorization header")
    assert server.seen[start:] == []
    assert TOKEN not in web.log


def test_a_policy_refuses_credentials_in_a_url(server: GitHTTPServer) -> None:
    """The library's own wall under every server surface, before any connection."""
    start = len(server.seen)
    with pytest.raises(SourceRefused, match=r"credentials is refused here") as error:
        digest(f"http://me:{TOKEN}@127.0.0.1:{server.port}/private/repo", cache=False,
               policy=NetworkPolicy(allow_private=True))
    assert TOKEN not in str(error.value) and server.seen[start:] == []


def test_mcp_server_sends_its_token_only_where_bound_and_refuses_url_credentials(
        server: GitHTTPServer, tmp_path: Path) -> None:
    from ..test_mcp import connect, ok, refused, text_of

    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = T\n\temail = t@example.invalid\n")
    world = {"env": {"HOME": str(home), "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
                     "GIT_CONFIG_NOSYSTEM": "1", "XDG_CACHE_HOME": str(home / ".cache"),
                     "KF_RULE_CACHE_DIR": os.environ["KF_RULE_CACHE_DIR"]},
             "project": tmp_path}
    env = {"GITDIGEST_TOKEN": TOKEN, "GITDIGEST_TOKEN_HOSTS": "127.0.0.1",
           "GITHUB_TOKEN": TOKEN, "GITLAB_TOKEN": TOKEN}
    seen: dict[str, Any] = {}

    async def main() -> None:
        async with connect(world, "--allow-private-hosts", env=env) as session:
            start = len(server.seen)
            for name in ("localhost", "gitlab.localhost"):
                message = await refused(session, "digest",
                                        source=f"http://{name}:{server.port}/private/repo")
                assert TOKEN not in message
            seen["elsewhere"] = (_hosts(server, start), _authorised_hosts(server, start))
            start = len(server.seen)
            bound = await ok(session, "stats", source=f"{server.url}/private/repo")
            assert TOKEN not in text_of(bound)
            seen["bound"] = _authorised_hosts(server, start)
            start = len(server.seen)
            for source in (f"http://me:{TOKEN}@127.0.0.1:{server.port}/private/repo",
                           f"http://{TOKEN}@localhost:{server.port}/private/repo"):
                message = await refused(session, "digest", source=source)
                assert "cannot carry credentials" in message and TOKEN not in message
            seen["credentials"] = server.seen[start:]

    anyio.run(main)
    # gitlab.localhost is refused before any connection here (the policy's own lookup
    # cannot resolve it); localhost is reached, without the token
    assert seen["elsewhere"] == ({"localhost"}, set())
    assert seen["bound"] == {"127.0.0.1"}
    assert seen["credentials"] == []


def test_an_ipv6_literal_is_digested_under_a_policy(tmp_path: Path) -> None:
    """Before: the pin for an IPv6 literal was malformed, so git refused every such source
    under a policy (web, MCP); now a literal is checked as written and needs no pin."""
    root = tmp_path / "served"
    make_bare(root, "owner/repo", _repo(tmp_path / "work", {"six.py": "six = 6\n"}))
    with GitHTTPServer(root, TOKEN, address="::1") as http:
        url = f"{http.url}/owner/repo"
        with pytest.raises(SourceRefused, match=r"::1 is a private or local address"):
            digest(url, cache=False, policy=NetworkPolicy())
        result = digest(url, cache=False, policy=NetworkPolicy(allow_private=True))
        assert [d.path for d in result.files] == ["six.py"]
