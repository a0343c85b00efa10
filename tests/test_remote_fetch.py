"""How a remote is fetched: one shallow pack for a whole repository, blobless + sparse for a
subfolder, and no fetch at all when the cached clone already has the tip; the digest is the
same byte for byte whichever way the objects arrived."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gitdigest.cli import cli
from gitdigest.core.errors import RemoteError
from gitdigest.count.cache import cache_dir

from .test_remote import Served, served  # noqa: F401 (the module's loopback servers)

pytestmark = pytest.mark.server

_SLACK = 0.1  # seconds: far below the 0.3 s each answer is delayed in the overlap tests


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "-o", "-", "-q"])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _clone() -> Path:
    return next((cache_dir() / "repos").glob("repo-*/.git")).parent


def _posts(served: Served) -> int:  # noqa: F811
    return sum(1 for method, _, _ in served.http.requests if method == "POST")


def test_whole_repository_is_one_shallow_pack(served: Served) -> None:  # noqa: F811
    _run(f"{served.http.url}/owner/repo")
    config = subprocess.run(["git", "config", "--get", "remote.origin.partialclonefilter"],
                            cwd=_clone(), capture_output=True, text=True, check=False)
    assert config.returncode == 1, config.stdout  # no blob filter: every blob in one pack


def test_warm_rerun_skips_the_fetch_and_is_byte_identical(served: Served) -> None:  # noqa: F811
    url = f"{served.http.url}/owner/repo"
    before = _posts(served)
    cold = _run(url)
    cold_posts = _posts(served) - before
    before = _posts(served)
    warm = _run(url)
    warm_posts = _posts(served) - before
    assert warm == cold
    assert warm_posts == 1 < cold_posts  # the ref listing only: no pack negotiation
    assert _run(url, "--no-cache") == cold  # a throw-away clone gives the same digest


@pytest.mark.slow
def test_subfolder_then_whole_repository_at_one_commit(served: Served) -> None:  # noqa: F811
    # the cached clone holds only src/lib's blobs; the whole-repository run at the same commit
    # skips the fetch and lets checkout bring the missing blobs in one batch
    sub = _run(f"{served.http.url}/owner/repo/tree/main/src/lib")
    assert "util.py" in sub
    whole = _run(f"{served.http.url}/owner/repo")
    assert whole == _run(f"{served.http.url}/owner/repo", "--no-cache")
    assert "FILE: src/lib/util.py" in whole and "FILE: README.md" in whole


def test_ref_option_matches_the_local_ref_digest(served: Served, tmp_path: Path  # noqa: F811
                                                 ) -> None:
    work = tmp_path / "w"
    subprocess.run(["git", "clone", "-q", str(served.root / "owner/repo"), str(work)],
                   check=True)
    remote = _run(f"{served.http.url}/owner/repo", "--ref", "v1.0", "-f", "json")
    local = _run(str(work), "--ref", "v1.0", "-f", "json")
    assert json.loads(remote)["files"] == json.loads(local)["files"]


def test_the_tokenizer_loads_while_a_cold_fetch_downloads(served: Served  # noqa: F811
                                                          ) -> None:
    """A download is announced (the pipeline loads the tokenizer and the secret scanner
    meanwhile); a warm re-run downloads nothing and announces nothing; the digests agree."""
    from gitdigest.sources import SourceSettings, open_source

    url = f"{served.http.url}/owner/repo"
    announced: list[str] = []
    settings = SourceSettings(spec=url, on_fetch=lambda: announced.append("fetch"))
    with open_source(settings) as cold:
        cold_files = [e.path for e in cold.listing().entries]
    assert announced == ["fetch"]
    with open_source(settings) as warm:
        assert [e.path for e in warm.listing().entries] == cold_files
    assert announced == ["fetch"]
    assert _run(url) == _run(url, "--no-cache")  # loaded early or not, the same digest


@pytest.mark.slow
def test_a_first_fetch_of_the_default_branch_overlaps_the_ref_listing(served: Served  # noqa: F811
                                                                      ) -> None:
    """On a slow network the ref listing's round trips are not on the way to the pack: the
    server's HEAD is fetched while the refs are listed (one git client asks one request at a
    time, so overlapping requests mean two ran at once). Named refs and warm runs wait for the
    listing as before; every way gives the same digest."""
    url = f"{served.http.url}/owner/repo"
    expected = _run(url, "--no-cache")
    served.http.delay = 0.3
    try:
        served.http.spans.clear()
        assert _run(url) == expected
        spans = sorted(served.http.spans)
        # overlapping by more than a thread switch: a handler records its end after the
        # client has its answer, and a loaded machine may start the next request first
        assert any(later[0] < earlier[1] - _SLACK for earlier, later in pairwise(spans))
        before = _posts(served)
        assert _run(url) == expected  # warm: the ref listing only
        assert _posts(served) - before == 1
        served.http.spans.clear()
        assert _run(url, "--ref", "main", "--no-cache") == expected
        spans = sorted(served.http.spans)
        assert all(later[0] >= earlier[1] - _SLACK for earlier, later in pairwise(spans))
    finally:
        served.http.delay = 0.0


def _count_early_spy(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, list[str]]]:
    """Record when the pipeline counted a remote's files early, and which: each time the
    files are read and counted, when it began and the files."""
    from gitdigest import api
    from gitdigest.count.documents import Reader

    calls: list[tuple[float, list[str]]] = []
    early_pass = api._count_early
    analyze = Reader.analyze

    def spy(self: Reader, entries: Any, workers: Any = None, **how: Any) -> Any:
        calls.append((time.monotonic(), sorted(e.path for e in entries)))
        return analyze(self, entries, workers, **how)

    def early_only(*args: Any) -> None:
        monkeypatch.setattr(Reader, "analyze", spy)
        try:
            early_pass(*args)
        finally:
            monkeypatch.setattr(Reader, "analyze", analyze)

    monkeypatch.setattr(api, "_count_early", early_only)
    return calls


def _promisor(clone: Path) -> str:
    return subprocess.run(["git", "config", "--get", "remote.origin.promisor"], cwd=clone,
                          capture_output=True, text=True, check=False).stdout.strip()


@pytest.mark.slow
def test_larger_blobs_download_while_the_files_here_are_counted(
        served: Served, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """A whole repository's first fetch brings every blob up to a size; the larger ones
    download while those are counted (into the token cache, where the pipeline finds them).
    The digest is byte for byte the one a single pack gives (--no-cache never splits), the
    clone is whole afterwards, and a warm re-run fetches nothing."""
    from gitdigest.sources import remote

    monkeypatch.setattr(remote, "SPLIT_LIMIT", 100)  # big/data.txt (200 bytes) comes later
    url = f"{served.http.url}/owner/repo"
    expected = _run(url, "--no-cache")
    calls = _count_early_spy(monkeypatch)
    served.http.delay = 0.3
    try:
        served.http.spans.clear()
        assert _run(url) == expected
        # the last answer of the run is the larger blobs' (the listing waits for it)
        answered = max(end for _, end in served.http.spans)
    finally:
        served.http.delay = 0.0
    [(start, early)] = calls
    assert "big/data.txt" not in early and {"README.md", "src/app.py"} <= set(early)
    assert start < answered  # counted before the larger blobs arrived: no wait for them
    assert _promisor(_clone()) == ""
    before = _posts(served)
    assert _run(url) == expected
    assert _posts(served) - before == 1  # the ref listing only
    assert len(calls) == 1  # and nothing is downloading: nothing counted early


@pytest.mark.slow
def test_a_split_fetch_is_not_made_where_it_cannot_pay(
        served: Served, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """A subfolder (blobless + sparse), a clone cache that is partial already, nothing larger
    than the limit, or no token cache to count into: nothing is counted early, and every
    digest is the one a single pack gives."""
    from gitdigest.sources import remote

    calls = _count_early_spy(monkeypatch)
    url = f"{served.http.url}/owner/repo"
    whole = _run(url, "--no-cache")
    monkeypatch.setattr(remote, "SPLIT_LIMIT", 100)  # big/data.txt (200 bytes) is larger
    assert "util.py" in _run(f"{url}/tree/main/src/lib")
    assert _promisor(_clone()) == "true"  # blob-less: only the subfolder's blobs are here
    assert _run(url) == whole  # the partial clone is completed by checkout, as before
    assert _run(url, "--no-cache") == whole
    shutil.rmtree(cache_dir() / "repos")
    monkeypatch.setattr(remote, "SPLIT_LIMIT", 64 * 1024)
    assert _run(url) == whole  # every blob is under the limit: one part
    assert _promisor(_clone()) == ""
    assert calls == []


def test_a_failed_download_of_the_larger_blobs_is_one_clear_error(
        served: Served, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """The second part fails (the server refuses it): the run stops with the remote exit
    code and one line, and the next run fetches again and succeeds."""
    from gitdigest.sources import remote

    monkeypatch.setattr(remote, "SPLIT_LIMIT", 100)
    url = f"{served.http.url}/owner/repo"
    expected = _run(url, "--no-cache")
    original = remote.Backfill.__init__

    def refused(self: Any, git: Any, repo: Path, missing: list[str]) -> None:
        original(self, git, repo, ["0" * 40])  # an object the server does not have

    monkeypatch.setattr(remote.Backfill, "__init__", refused)
    result = CliRunner().invoke(cli, [url, "-o", "-", "-q"])
    assert result.exit_code == RemoteError.exit_code, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    monkeypatch.setattr(remote.Backfill, "__init__", original)
    assert _run(url) == expected
