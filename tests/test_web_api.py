"""The JSON API of ``gitdigest serve`` end to end: a real server on loopback digesting
repositories from a real loopback git server, over plain HTTP."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gitdigest import digest
from gitdigest.cli import cli
from gitdigest.options import TOKENIZER_CHOICES

from .conftest import MakeRepo
from .gitserver import GitHTTPServer
from .webserver import TOKEN, WebServer, git_server, isolated_env

pytestmark = [pytest.mark.server, pytest.mark.extra]


@dataclass
class Served:
    git: GitHTTPServer
    web: WebServer
    host: str  # 127.0.0.1:PORT of the git server


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, scanner_rules: Path) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("web-api")
    with git_server(tmp) as git:
        host = git.url.removeprefix("http://")
        env = isolated_env(tmp_path_factory.mktemp("server-home"), scanner_rules)
        args = ["--allow-host", "127.0.0.1", "--http-host", host, "--rate", "100",
                "--show-limit", "1k"]
        with WebServer(args, env, tmp / "server.log") as web:
            yield Served(git, web, host)


def call(url: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
         ) -> tuple[int, Any, Any]:
    """Status, headers and the JSON answer of one request."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={
        "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


@pytest.mark.slow
def test_post_digest_is_the_clis_json(served: Served) -> None:
    source = f"{served.git.url}/team/demo.git"
    status, headers, answer = call(served.web.url + "/api/digest",
                                   {"source": source, "exclude": ["docs/"]})
    assert status == 200, answer
    expected = json.loads(digest(source, exclude="docs/").render("json"))
    assert answer == expected
    assert [f["path"] for f in answer["files"]] == ["README.md", "src/app.py", "src/util.py"]
    assert headers["X-Gitdigest-Result"].startswith("/d/")


@pytest.mark.slow
def test_a_big_digest_is_a_download_never_cropped(served: Served) -> None:
    source = f"{served.git.url}/team/demo.git"
    request = urllib.request.Request(served.web.url + "/api/run",
                                     data=json.dumps({"source": source}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        events = [json.loads(line) for line in response.read().splitlines()]
    assert any("counting 4 files" in event.get("progress", "") for event in events)
    url = served.web.url + events[-1]["url"]
    page = urllib.request.urlopen(url).read().decode()
    assert "too big to show here without cropping" in page and 'id="digest"' not in page
    preview = html.unescape(page.split('<pre id="preview">')[1].split("</pre>")[0])
    whole = urllib.request.urlopen(url + "/download").read().decode()
    assert whole == digest(source).render() and len(whole) > 1024
    assert whole.startswith(preview) and 0 < len(preview) <= 1024  # its start, as a preview


@pytest.mark.slow
def test_a_repeated_request_is_served_without_git(served: Served) -> None:
    body = {"source": f"{served.git.url}/team/demo.git", "include": ["*.md"]}
    status, headers, first = call(served.web.url + "/api/digest", body)
    assert status == 200, first
    asked = len(served.git.requests)
    status, again, second = call(served.web.url + "/api/digest", body)
    assert (status, second) == (200, first)
    assert again["X-Gitdigest-Result"] == headers["X-Gitdigest-Result"]
    assert len(served.git.requests) == asked  # within --fresh-for: no git call at all
    status, _, answer = call(served.web.url + "/api/digest", body, {"X-Git-Token": TOKEN})
    assert status == 200 and answer == first  # the same files, but a token always asks git
    assert len(served.git.requests) > asked


@pytest.mark.slow
def test_get_digest_by_path_with_query_options(served: Served) -> None:
    status, _, answer = call(f"{served.web.url}/api/digest/{served.host}/team/demo/tree/main/src"
                             "?tokenizer=cl100k_base&include=app.py")
    assert status == 200, answer
    assert answer["tokenizer"] == "cl100k_base"
    assert answer["source"]["subpath"] == "src"
    assert [f["path"] for f in answer["files"]] == ["app.py"]


@pytest.mark.slow
def test_private_repository_takes_the_token_from_a_header_only(served: Served) -> None:
    source = f"{served.git.url}/private/demo.git"
    status, _, answer = call(served.web.url + "/api/digest", {"source": source})
    assert status == 502 and "authentication" in answer["error"]
    assert "X-Git-Token" in answer["error"]
    for header in ({"X-Git-Token": TOKEN}, {"Authorization": f"Bearer {TOKEN}"}):
        status, _, answer = call(served.web.url + "/api/digest", {"source": source}, header)
        assert status == 200, answer
        assert answer["summary"]["files"] == 4
    status, _, answer = call(served.web.url + "/api/digest", {"source": source, "token": TOKEN})
    assert status == 400 and "header" in answer["error"]
    status, _, answer = call(f"{served.web.url}/api/digest/{served.host}/private/demo"
                             f"?token={TOKEN}")
    assert status == 400
    # the server's log (access lines included) never holds the token
    assert TOKEN not in served.web.log


@pytest.mark.parametrize(("source", "status", "says"), [
    ("file:///etc", 403, "file:// sources are not allowed"),
    ("/etc", 403, "local folders are not allowed"),
    ("git://127.0.0.1/team/demo.git", 403, "git:// sources are not allowed"),
    ("http://localhost:{port}/team/demo.git", 403, "private or local address"),
])
def test_refusals(served: Served, source: str, status: int, says: str) -> None:
    source = source.format(port=served.git.port)
    code, _, answer = call(served.web.url + "/api/digest", {"source": source})
    assert (code, says in answer["error"]) == (status, True), answer


def test_options_a_visitor_may_not_set(served: Served) -> None:
    for option in ("output", "instructions", "workers"):
        code, _, answer = call(served.web.url + "/api/digest",
                               {"source": f"{served.git.url}/team/demo.git", option: "x"})
        assert code == 400 and f"option {option!r} cannot be set here" in answer["error"]
    code, _, answer = call(served.web.url + "/api/digest",
                           {"source": f"{served.git.url}/team/demo.git", "max_size": "big"})
    assert code == 400 and "invalid size" in answer["error"]


def test_openapi_describes_the_api_from_the_options(served: Served) -> None:
    code, _, document = call(served.web.url + "/api/openapi.json")
    assert code == 200
    assert set(document["paths"]) == {"/api/digest", "/api/digest/{host}/{path}"}
    body = document["paths"]["/api/digest"]["post"]["requestBody"]
    properties = body["content"]["application/json"]["schema"]["properties"]
    assert properties["tokenizer"]["enum"] == list(TOKENIZER_CHOICES)  # the declaration's choices
    assert properties["include"]["type"] == "array"
    assert "token" not in properties and "output" not in properties


@pytest.mark.slow
def test_time_limit_and_a_rate_limit_shared_by_workers(served: Served, tmp_path: Path,
                                                      scanner_rules: Path) -> None:
    """Two uvicorn workers, one limit: the third request in a minute is refused whichever
    worker takes it, with Retry-After. A digest over the time limit is stopped (504)."""
    (tmp_path / "home").mkdir()
    env = isolated_env(tmp_path / "home", scanner_rules)
    args = ["--rate", "2", "--server-workers", "2", "--time-limit", "0.1",
            "--allow-host", "127.0.0.1"]
    body = {"source": f"{served.git.url}/team/demo.git"}
    with WebServer(args, env, tmp_path / "log") as web:
        answers = [call(web.url + "/api/digest", body) for _ in range(3)]
    assert [status for status, _, _ in answers] == [504, 504, 429]
    assert "time limit: a digest may take at most 0.1 s here" in answers[0][2]["error"]
    assert "rate limit" in answers[2][2]["error"]
    assert int(answers[2][1]["Retry-After"]) > 0


def test_serve_checks_its_own_options() -> None:
    result = CliRunner().invoke(cli, ["serve", "--allow-local"])
    assert result.exit_code == 2
    assert "--allow-local and --root go together" in result.stderr


def _result_page(repo: Path, tmp_path: Path, scanner_rules: Path) -> str:
    """The result page a server allowed to read ``repo``'s folder gives for it."""
    (tmp_path / "home").mkdir()
    args = ["--allow-local", "--root", str(repo.parent)]
    with WebServer(args, isolated_env(tmp_path / "home", scanner_rules), tmp_path / "log") as web:
        status, headers, _ = call(web.url + "/api/digest", {"source": str(repo)})
        assert status == 200
        return urllib.request.urlopen(web.url + headers["X-Gitdigest-Result"]).read().decode()


def test_a_large_tree_starts_folded_below_the_digest(tmp_path: Path, scanner_rules: Path,
                                                     make_repo: MakeRepo) -> None:
    repo = make_repo({f"pkg/m{i:03}.py": f"x = {i}\n" for i in range(160)}, name="roots/big")
    page = _result_page(repo, tmp_path, scanner_rules)
    assert '<details class="tree" id="tree" >' in page  # folded: 160 rows
    assert page.index('id="digest"') < page.index('id="tree"') < page.index('id="bars"')
    assert "Files (160 included, 0 skipped)" in page


def test_the_result_page_shows_hiding_names_escaped(tmp_path: Path, scanner_rules: Path,
                                                     make_repo: MakeRepo) -> None:
    """A name with a right-to-left override reads as its code points in the tree and the
    bars; only the buttons' data-path (what a click leaves out) holds the real name."""
    repo = make_repo({"invoice\u202efdp.txt": "x\n" * 40, "a.py": "x = 1\n"}, name="roots/r")
    page = _result_page(repo, tmp_path, scanner_rules)
    assert page.count("&#34;invoice\\u202efdp.txt&#34;") >= 2  # the tree and the bars
    assert "\u202e" not in re.sub(r'data-path="[^"]*"', "", page)


def test_the_result_page_draws_names_that_are_not_utf8(tmp_path: Path, scanner_rules: Path,
                                                       make_repo: MakeRepo) -> None:
    """A file name, a link target or the folder's own name that is not UTF-8 made the result
    page an error 500 (the page is UTF-8 and they were written as they were): they are
    shown escaped, the buttons' data-path holds U+FFFD, and a hiding link target reads as
    its code points."""
    repo = make_repo({os.fsdecode(b"bad\xff.py"): "x = 1\n", "a.py": "y = 2\n"},
                     name=os.fsdecode(b"roots/od\xffd"), commit=False)
    os.symlink(os.fsdecode(b"t\xfe" + "\u202e".encode()), repo / "link")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "odd"], cwd=repo, check=True)
    page = _result_page(repo, tmp_path, scanner_rules)
    assert "&#34;bad\\xff.py&#34;" in page and 'data-path="bad\ufffd.py"' in page
    assert "\u202e" not in page and "\\xfe\\u202e" in page  # the link's title
    assert "<h1>&#34;od\\xffd&#34;</h1>" in page  # the folder's own name


@pytest.mark.slow
def test_local_folders_only_under_the_root(tmp_path: Path, scanner_rules: Path,
                                           make_repo: MakeRepo) -> None:
    repo = make_repo({"a.py": "print(1)\n"}, name="roots/repo")
    outside = make_repo({"b.py": "print(2)\n"}, name="elsewhere")
    (repo / "escape").symlink_to(outside)
    (tmp_path / "home").mkdir()
    args = ["--allow-local", "--root", str(repo.parent)]
    with WebServer(args, isolated_env(tmp_path / "home", scanner_rules), tmp_path / "log") as web:
        status, _, answer = call(web.url + "/api/digest", {"source": str(repo)})
        assert status == 200, answer
        assert [f["path"] for f in answer["files"]] == ["a.py"]
        for source in (str(outside), str(repo / "escape"), str(repo.parent / ".." / "elsewhere")):
            status, _, answer = call(web.url + "/api/digest", {"source": source})
            assert (status, "outside the allowed folders" in answer["error"]) == (403, True)
