"""Reviewing a change on a remote repository, against a real git server on loopback: a range
whose merge base is deeper than the first fetch, and pull / merge request URLs."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitdigest import digest
from gitdigest.cli import cli
from gitdigest.sources.urls import parse_remote

from .conftest import write_files
from .gitserver import GitHTTPServer, make_bare

pytestmark = pytest.mark.server

GIT_ID = ["-c", "user.name=T", "-c", "user.email=t@example.invalid",
          "-c", "init.defaultBranch=main"]


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *GIT_ID, *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


@dataclass
class Served:
    http: GitHTTPServer
    work: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("served")
    work = tmp_path_factory.mktemp("work") / "proj"
    work.mkdir()
    _git(work, "init", "-q")
    write_files(work, {"app.py": "import util\n", "util.py": "VALUE = 1\n", "old.txt": "x\n"})
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "start")
    _git(work, "checkout", "-q", "-b", "feature")
    write_files(work, {"util.py": "VALUE = 2\n", "new.py": "import util\n"})
    _git(work, "rm", "-q", "old.txt")
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "feature change")
    _git(work, "checkout", "-q", "main")
    for index in range(40):  # the merge base is deeper than the first fetch
        write_files(work, {"log.txt": f"{index}\n"})
        _git(work, "add", "-A")
        _git(work, "commit", "-q", "-m", f"main {index}")
    bare = make_bare(root, "team/proj", work)
    feature = _git(work, "rev-parse", "feature").strip()
    subprocess.run(["git", "-C", str(bare), "update-ref", "refs/pull/7/head", feature],
                   check=True)
    subprocess.run(["git", "-C", str(bare), "update-ref", "refs/merge-requests/3/head",
                    feature], check=True)
    with GitHTTPServer(root, "unused") as http:
        yield Served(http, work)


def test_pull_and_merge_request_routes_parse() -> None:
    pull = parse_remote("https://github.com/o/r/pull/12/files")
    assert (pull.repo, pull.route, pull.tail) == ("o/r", "pull", "12")
    merge = parse_remote("https://gitlab.com/g/sub/p/-/merge_requests/45")
    assert (merge.repo, merge.route, merge.tail) == ("g/sub/p", "merge_request", "45")


@pytest.mark.slow
def test_a_remote_range_matches_git(served: Served) -> None:
    result = digest(f"{served.http.url}/team/proj", diff="main...feature", changed=True,
                    log=10, cache=False)
    assert result.diff is not None and result.history is not None
    expected = _git(served.work, "diff", "--name-status", "-M", "main...feature").split()
    assert [(c.status[0].upper(), c.path) for c in result.diff.files] == list(
        zip(expected[::2], expected[1::2], strict=True))
    assert result.diff.base == _git(served.work, "merge-base", "main", "feature").strip()
    assert result.diff.patch == _git(served.work, "diff", "-M", "main...feature")
    assert [d.path for d in result.files] == ["new.py", "util.py"]
    assert [c.id for c in result.history.commits] == _git(
        served.work, "log", "--format=%H", "main..feature").split()
    assert result.source.ref == "feature"


@pytest.mark.slow
def test_a_pull_request_url_digests_its_head(served: Served) -> None:
    for route in ("pull/7", "-/merge_requests/3"):
        result = digest(f"{served.http.url}/team/proj/{route}", since="main", cache=False)
        assert result.source.commit == _git(served.work, "rev-parse", "feature").strip()
        assert [d.path for d in result.files] == ["new.py", "util.py"]
        assert {s.path: s.reason for s in result.skipped} == {"old.txt": "deleted",
                                                              "app.py": "outside-change"}


def test_an_unpublished_pull_request_is_exit_2(served: Served) -> None:
    out = CliRunner().invoke(cli, [f"{served.http.url}/team/proj/pull/8", "--no-cache",
                                   "-o", "-"])
    assert out.exit_code == 2
    assert out.stderr.startswith("gitdigest: error: ")
    assert "publishes no refs/pull/8/head" in out.stderr and out.stderr.count("\n") == 1


def test_remote_history_without_a_range(served: Served) -> None:
    result = digest(f"{served.http.url}/team/proj", log=45, cache=False)
    assert result.history is not None
    assert [c.id for c in result.history.commits] == _git(
        served.work, "log", "-n", "45", "--format=%H", "main").split()
