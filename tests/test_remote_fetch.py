"""How a remote is fetched: one shallow pack for a whole repository, blobless + sparse for a
subfolder, and no fetch at all when the cached clone already has the tip; the digest is the
same byte for byte whichever way the objects arrived."""

from __future__ import annotations

import json
import subprocess
from itertools import pairwise
from pathlib import Path

from click.testing import CliRunner

from gitdigest.cache import cache_dir
from gitdigest.cli import cli

from .test_remote import Served, served  # noqa: F401 (the module's loopback servers)


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
        assert any(later[0] < earlier[1] for earlier, later in pairwise(spans))
        before = _posts(served)
        assert _run(url) == expected  # warm: the ref listing only
        assert _posts(served) - before == 1
        served.http.spans.clear()
        assert _run(url, "--ref", "main", "--no-cache") == expected
        spans = sorted(served.http.spans)
        assert all(later[0] >= earlier[1] for earlier, later in pairwise(spans))
    finally:
        served.http.delay = 0.0
