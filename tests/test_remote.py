"""Remote sources against real git servers on loopback (git http-backend and git daemon)."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitdigest import RemoteError, UnknownRef, digest
from gitdigest.cli import cli
from gitdigest.sources.remote import cache_dir

from .conftest import write_files
from .gitserver import GitDaemon, GitHTTPServer, make_bare

pytestmark = pytest.mark.server

TOKEN = "tok_9f8e7d6c5b4a-secret-value"
GIT_ID = ["-c", "user.name=T", "-c", "user.email=t@example.invalid",
          "-c", "init.defaultBranch=main"]


@dataclass
class Served:
    """The servers and the commits the tests expect."""

    http: GitHTTPServer
    daemon: GitDaemon
    first: str
    second: str
    feature: str
    root: Path


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *GIT_ID, *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def _commit(work: Path, files: dict[str, str], message: str) -> str:
    write_files(work, files)
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", message)
    return _git(work, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("served")
    work = tmp_path_factory.mktemp("work") / "repo"
    work.mkdir()
    _git(work, "init", "-q")
    first = _commit(work, {"README.md": "# v1\n", "src/app.py": "print('app')\n",
                           "src/lib/util.py": "def util():\n    return 1\n",
                           "docs/guide.md": "guide\n", "big/data.txt": "x\n" * 100}, "first")
    _git(work, "tag", "v1.0")
    second = _commit(work, {"README.md": "# v2\n"}, "second")
    _git(work, "checkout", "-q", "-b", "feature/deep/x")
    feature = _commit(work, {"src/feature.py": "FEATURE = True\n"}, "feature")
    _git(work, "checkout", "-q", "main")
    make_bare(root, "owner/repo", work)

    nested = tmp_path_factory.mktemp("nested") / "project"
    nested.mkdir()
    _git(nested, "init", "-q")
    _commit(nested, {"a.py": "a\n", "pkg/b.py": "b\n"}, "nested")
    make_bare(root, "group/sub/project", nested)
    nested_commit = _git(nested, "rev-parse", "HEAD")

    outer = tmp_path_factory.mktemp("outer") / "withsub"
    outer.mkdir()
    _git(outer, "init", "-q")
    write_files(outer, {".gitmodules": '[submodule "project"]\n\tpath = vendor/project\n'
                                       '\turl = ../../group/sub/project\n', "main.py": "m\n"})
    _git(outer, "add", ".gitmodules", "main.py")  # not -A: that would drop the bare gitlink
    _git(outer, "update-index", "--add", "--cacheinfo", f"160000,{nested_commit},vendor/project")
    _git(outer, "commit", "-q", "-m", "with a submodule")
    make_bare(root, "owner/withsub", outer)

    private = tmp_path_factory.mktemp("private") / "p"
    private.mkdir()
    _git(private, "init", "-q")
    _commit(private, {"secret.py": "KEY = 'not the token'\n"}, "private")
    make_bare(root, "private/repo", private)

    with GitHTTPServer(root, TOKEN) as http, GitDaemon(root) as daemon:
        yield Served(http, daemon, first, second, feature, root)


def _files(result: object) -> dict[str, str]:
    return {doc.path: text for doc, text in result.contents()}


def test_root_of_a_repository(served: Served) -> None:
    http = served.http
    result = digest(f"{http.url}/owner/repo", cache=False)
    assert _files(result) == {"README.md": "# v2\n", "big/data.txt": "x\n" * 100,
                              "docs/guide.md": "guide\n", "src/app.py": "print('app')\n",
                              "src/lib/util.py": "def util():\n    return 1\n"}
    info = result.source
    assert (info.kind, info.ref, info.commit, info.subpath) == ("remote", "main",
                                                                served.second, "")
    assert info.host == f"127.0.0.1:{http.port}" and info.repo == "owner/repo"
    data = json.loads(result.render("json"))
    assert data["source"]["host"] == info.host and data["source"]["commit"] == served.second


def test_tree_of_a_branch_with_slashes_and_a_subpath(served: Served) -> None:
    url = f"{served.http.url}/owner/repo/tree/feature/deep/x/src"
    summary = CliRunner().invoke(cli, [url, "--no-cache", "-o", "-"]).stderr
    assert (f"Source:   127.0.0.1:{served.http.port}/owner/repo (ref feature/deep/x, "
            f"commit {served.feature[:12]}, subpath src)\n") in summary
    result = digest(url, cache=False)
    assert sorted(_files(result)) == ["app.py", "feature.py", "lib/util.py"]
    assert (result.source.ref, result.source.subpath) == ("feature/deep/x", "src")
    assert result.source.commit == served.feature


def test_blob_of_a_tag(served: Served) -> None:
    url = f"{served.http.url}/owner/repo/blob/v1.0/README.md"
    result = digest(url, cache=False)
    assert _files(result) == {"README.md": "# v1\n"}
    assert result.source.commit == served.first
    assert result.tree == "└── README.md\n"


@pytest.mark.slow
def test_a_commit_and_the_ref_option(served: Served) -> None:
    base = f"{served.http.url}/owner/repo"
    by_url = digest(f"{base}/commit/{served.first}", cache=False)
    assert _files(by_url)["README.md"] == "# v1\n"
    by_option = digest(base, ref="v1.0", cache=False)
    assert by_option.source.commit == served.first
    short = digest(base, ref=str(served.second)[:10], cache=False)
    assert short.source.commit == served.second


def test_gitlab_shaped_url_with_nested_group(served: Served) -> None:
    url = f"{served.http.url}/group/sub/project/-/tree/main/pkg"
    result = digest(url, cache=False)
    assert _files(result) == {"b.py": "b\n"}
    assert result.source.repo == "group/sub/project"


def test_git_protocol_through_git_daemon(served: Served) -> None:
    result = digest(f"{served.daemon.url}/owner/repo", cache=False)
    assert _files(result)["README.md"] == "# v2\n"


def test_unknown_ref_is_exit_2_with_suggestions(served: Served) -> None:
    base = f"{served.http.url}/owner/repo"
    with pytest.raises(UnknownRef, match=r"did you mean v1\.0"):
        digest(base, ref="v1.1", cache=False)
    result = CliRunner().invoke(cli, [f"{base}/tree/mian", "--no-cache", "-o", "-"])
    assert result.exit_code == 2
    assert result.stderr == (f"gitdigest: error: unknown ref 'mian' at {base}; "
                             "did you mean main?\n")
    with pytest.raises(UnknownRef, match="full 40-character id"):
        digest(base, ref="abcdef1", cache=False)


def test_private_repository_needs_the_token(served: Served) -> None:
    url = f"{served.http.url}/private/repo"
    denied = CliRunner().invoke(cli, [url, "--no-cache", "-o", "-"])
    assert denied.exit_code == 3
    assert denied.stderr.startswith("gitdigest: error: authentication required for ")
    assert "--token" in denied.stderr and denied.stderr.count("\n") == 1
    wrong = CliRunner().invoke(cli, [url, "--no-cache", "-o", "-", "--token", "nope"])
    assert wrong.exit_code == 3 and "the token was refused" in wrong.stderr
    allowed = CliRunner().invoke(cli, [url, "--no-cache", "-o", "-", "-q", "--token", TOKEN])
    assert allowed.exit_code == 0 and "FILE: secret.py" in allowed.stdout


def test_token_from_the_environment(served: Served,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITDIGEST_TOKEN", TOKEN)
    monkeypatch.setenv("GITDIGEST_TOKEN_HOSTS", "127.0.0.1")
    url = f"{served.http.url}/private/repo"
    assert [d.path for d in digest(url, cache=False).files] == ["secret.py"]


def test_malformed_github_token_does_not_break_local_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "\n not a token ☃")
    (tmp_path / "a.py").write_text("a\n")
    assert [d.path for d in digest(str(tmp_path)).files] == ["a.py"]


def _everything_under(folder: Path) -> bytes:
    chunks = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            chunks.append(path.read_bytes())
    return b"\n".join(chunks)


@pytest.mark.slow
def test_token_never_leaks(served: Served, tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    http = served.http
    monkeypatch.chdir(tmp_path)
    url = f"{http.url}/private/repo"
    encoded = base64.b64encode(f"git:{TOKEN}".encode()).decode()
    runs = [
        CliRunner().invoke(cli, [url, "--token", TOKEN, "-f", "json", "-o", "out.json"]),
        CliRunner().invoke(cli, [url, "--token", TOKEN, "-o", "-"]),
        CliRunner().invoke(cli, [f"{url}/tree/nope", "--token", TOKEN, "-o", "-"]),
        CliRunner().invoke(cli, [url.replace("/private/", "/private/missing-"), "--token",
                                 TOKEN, "-o", "-"]),
    ]
    assert [r.exit_code for r in runs] == [0, 0, 2, 3]
    assert served.http.requests[-1][2] == f"Basic {encoded}"
    places = [r.stdout + r.stderr for r in runs]
    places.append((tmp_path / "out.json").read_text())
    places.append(_everything_under(cache_dir()).decode("utf-8", "replace"))
    places.append(_everything_under(tmp_path).decode("utf-8", "replace"))
    for text in places:
        assert TOKEN not in text and encoded not in text


def test_sparse_subpath_fetches_only_that_subtree(served: Served) -> None:
    url = f"{served.http.url}/owner/repo/tree/main/src/lib"
    result = digest(url)  # cached, so the clone is still there to inspect
    assert _files(result) == {"util.py": "def util():\n    return 1\n"}
    clone = next((cache_dir() / "repos").glob("repo-*/.git")).parent
    present = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch-check"],
                             cwd=clone, capture_output=True, text=True, check=True).stdout
    blobs = {line.split()[0] for line in present.splitlines() if line.split()[1] == "blob"}
    server = served.root / "owner/repo"
    wanted = subprocess.run(["git", "ls-tree", "-r", "main", "--", "src/lib/"], cwd=server,
                            capture_output=True, text=True, check=True).stdout
    assert blobs == {line.split()[2] for line in wanted.splitlines()}


@pytest.mark.slow
def test_cache_follows_the_remote(served: Served, tmp_path: Path) -> None:
    root = served.root
    work = tmp_path / "w"
    subprocess.run(["git", "clone", "-q", str(root / "group/sub/project"), str(work)], check=True)
    url = f"{served.http.url}/group/sub/project"
    assert _files(digest(url))["a.py"] == "a\n"
    _commit(work, {"a.py": "changed\n"}, "change")
    subprocess.run(["git", "push", "-q", str(root / "group/sub/project"), "HEAD:main"],
                   cwd=work, check=True)
    assert _files(digest(url))["a.py"] == "changed\n"  # the cache is refreshed, never stale
    assert _files(digest(url, cache=False))["a.py"] == "changed\n"


def test_no_temporary_clone_is_left_behind(served: Served, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # a temporary folder of this test's own: other tests (and pytest -n workers) clone too
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    digest(f"{served.http.url}/owner/repo", cache=False)
    with pytest.raises(UnknownRef):
        digest(f"{served.http.url}/owner/repo", ref="nope", cache=False)
    assert list(tmp_path.glob("gitdigest-clone-*")) == []


def test_unreachable_host_and_missing_repository(served: Served) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(RemoteError, match="unreachable"):
        digest(f"http://127.0.0.1:{port}/owner/repo", cache=False)
    with pytest.raises(RemoteError, match=r"repository not found or no access.*--token"):
        digest(f"{served.http.url}/owner/missing", cache=False)


def test_a_missing_file_url_gets_no_token_hint(tmp_path: Path) -> None:
    # a token travels only over http(s): suggesting one for a local path misleads
    with pytest.raises(RemoteError, match="repository not found or no access") as caught:
        digest((tmp_path / "nothere").as_uri(), cache=False)
    assert "token" not in str(caught.value)


@pytest.mark.slow
def test_timeout(tmp_path: Path) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never answers
    stop = threading.Event()
    try:
        result = CliRunner().invoke(cli, [f"http://127.0.0.1:{silent.getsockname()[1]}/o/r",
                                          "--timeout", "1.5", "--no-cache", "-o", "-"])
    finally:
        stop.set()
        silent.close()
    assert result.exit_code == 3
    assert "timed out after 1.5 s" in result.stderr and "--timeout" in result.stderr


def test_submodules_on_request(served: Served) -> None:
    url = f"{served.http.url}/owner/withsub"
    plain = digest(url, cache=False)
    assert [d.path for d in plain.files] == [".gitmodules", "main.py"]
    assert "project/ (submodule)" in plain.tree
    full = digest(url, cache=False, include_submodules=True)
    assert _files(full) == {".gitmodules": _files(plain)[".gitmodules"], "main.py": "m\n",
                            "vendor/project/a.py": "a\n", "vendor/project/pkg/b.py": "b\n"}


def test_local_path_wins_over_a_slug(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "owner" / "repo").mkdir(parents=True)
    (tmp_path / "owner" / "repo" / "x.py").write_text("x\n")
    result = digest("owner/repo")
    assert result.source.kind == "local" and [d.path for d in result.files] == ["x.py"]
    assert os.environ.get("GITHUB_TOKEN") is None


def test_ref_head_means_the_default_branch(served: Served) -> None:
    result = digest(f"{served.http.url}/owner/repo", ref="HEAD", cache=False)
    assert result.source.commit == served.second


def test_a_subpath_missing_at_that_commit_is_exit_2(served: Served) -> None:
    url = f"{served.http.url}/owner/repo/tree/main/src/nonexist"
    result = CliRunner().invoke(cli, [url, "--no-cache", "-o", "-"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("gitdigest: error: src/nonexist does not exist at commit ")


def test_several_sources_a_folder_and_a_remote(served: Served, tmp_path: Path) -> None:
    local = tmp_path / "lib"
    write_files(local, {"lib.py": "LIB = 1\n"})
    result = digest([str(local), f"{served.http.url}/owner/repo"], cache=False)
    files = _files(result)
    assert files["lib/lib.py"] == "LIB = 1\n"
    assert files["owner/repo@main/README.md"] == "# v2\n"
    assert {part.name for part in result.source.sections} == {"lib", "owner/repo@main"}
    text = result.render("text")
    assert "Source: lib\n" in text and "Source: owner/repo@main\n" in text
    assert f"Commit: {served.second}\n" in text  # the remote's own commit line
    assert "├── lib/\n" in text and "└── owner/\n" in text
    data = json.loads(result.render("json"))
    assert [s["section"] for s in data["source"]["sections"]] == ["lib", "owner/repo@main"]
