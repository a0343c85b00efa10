"""``gitdigest batch`` end to end against a real git server on loopback: the local pool and a
Dask LocalCluster, a batch killed half way and resumed, re-runs that find nothing changed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gitdigest.cli import cli

from .conftest import write_files
from .gitserver import GitHTTPServer, make_bare

GIT_ID = ["-c", "user.name=T", "-c", "user.email=t@example.invalid",
          "-c", "init.defaultBranch=main"]


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *GIT_ID, *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def _commit(work: Path, files: dict[str, str], message: str = "c") -> str:
    write_files(work, files)
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", message)
    return _git(work, "rev-parse", "HEAD")


@dataclass
class Fleet:
    """Repositories on a loopback server: their work trees (to commit more) and the server."""

    http: GitHTTPServer
    root: Path
    work: dict[str, Path]
    release: threading.Event  # the "slow/" repository answers only once this is set

    def publish(self, name: str) -> None:
        """Push the work tree's new commits to the served bare repository."""
        _git(self.work[name], "push", "-q", "--force", str(self.root / name), "main")


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    root = tmp_path / "served"
    work: dict[str, Path] = {}
    for index, name in enumerate(["owner/alpha", "owner/beta", "owner/gamma", "owner/delta",
                                  "slow/epsilon", "private/zeta"]):
        tree = tmp_path / "work" / name
        tree.mkdir(parents=True)
        _git(tree, "init", "-q")
        _commit(tree, {"README.md": f"# {name}\n", "src/main.py": f"print({index})\n",
                       "docs/guide.md": "guide " * (index + 1) * 50 + "\n"})
        if name == "owner/gamma":
            _git(tree, "tag", "v1")
            _commit(tree, {"README.md": "# gamma after v1\n"})
        make_bare(root, name, tree)
        work[name] = tree
    release = threading.Event()
    with GitHTTPServer(root, "the-token") as http:
        original = http._handle

        def handle(handler: BaseHTTPRequestHandler) -> None:
            if handler.path.startswith("/slow/"):
                release.wait(60)
            original(handler)

        http._handle = handle  # type: ignore[method-assign]
        try:
            yield Fleet(http, root, work, release)
        finally:
            release.set()  # a git left by a killed batch gets its answer and ends


def _list(fleet: Fleet, folder: Path, *, failing: bool = True) -> Path:
    url = fleet.http.url
    lines = ["# the fleet", f"{url}/owner/alpha",
             f"{url}/owner/beta -i 'src/**'   # only the code",
             f"{url}/owner/gamma --ref v1", f"{url}/owner/delta", f"{url}/slow/epsilon"]
    if failing:
        lines += [f"{url}/owner/missing", f"{url}/private/zeta",
                  f"{url}/owner/alpha --ref no-such-ref"]
    path = folder / "list.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def _batch(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["batch", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stderr


def _manifest(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "manifest.jsonl").read_text().splitlines()]


def _by_source(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["source"].rsplit("/", 2)[-2] + "/" + r["source"].rsplit("/", 1)[-1]
            + (f"@{r['ref']}" if r["status"] == "failed" and r["ref"] else ""): r
            for r in records}


def _check_first_run(fleet: Fleet, out: Path, code: int, stderr: str) -> dict[str, Any]:
    assert code == 1
    records = _manifest(out)
    assert len(records) == 8
    by = _by_source(records)
    assert {k: v["status"] for k, v in by.items()} == {
        "owner/alpha": "ok", "owner/beta": "ok", "owner/gamma": "ok", "owner/delta": "ok",
        "slow/epsilon": "ok", "owner/missing": "failed", "private/zeta": "failed",
        "owner/alpha@no-such-ref": "failed"}
    assert by["owner/missing"]["error_class"] == "RemoteError"
    assert "repository not found" in by["owner/missing"]["error"]
    assert by["private/zeta"]["error_class"] == "RemoteError"
    assert "authentication required" in by["private/zeta"]["error"]
    assert by["owner/alpha@no-such-ref"]["error_class"] == "UnknownRef"
    assert all(by[k]["attempts"] == 1 for k in by)  # nothing final is retried
    # per-line options: gamma at its tag, beta only its code
    gamma = (out / by["owner/gamma"]["outputs"][0]).read_text()
    assert "# owner/gamma\n" in gamma and "after v1" not in gamma
    assert by["owner/gamma"]["commit"] == _git(fleet.work["owner/gamma"], "rev-parse", "v1")
    beta = (out / by["owner/beta"]["outputs"][0]).read_text()
    assert "FILE: src/main.py" in beta and "FILE: README.md" not in beta
    assert by["owner/beta"]["files"] == 1
    for key in ("owner/alpha", "owner/delta", "slow/epsilon"):
        record = by[key]
        assert record["files"] == 3 and record["tokens"] > 0
        assert record["commit"] == _git(fleet.work[key], "rev-parse", "HEAD")
        assert len(record["fingerprint"]) == 64
    # the final table: failures listed with their class
    assert "Failed:" in stderr and "UnknownRef: unknown ref 'no-such-ref'" in stderr
    assert "3 of 8 sources failed" in stderr
    return by


@pytest.mark.slow
@pytest.mark.server
def test_local_pool_then_unchanged_then_a_new_commit(fleet: Fleet, tmp_path: Path) -> None:
    fleet.release.set()
    out = tmp_path / "out"
    listing = _list(fleet, tmp_path)
    code, stderr = _batch(str(listing), "-O", str(out), "-j", "2", "--secrets", "off",
                          "--retry-delay", "0")
    first = _check_first_run(fleet, out, code, stderr)

    code, stderr = _batch(str(listing), "-O", str(out), "-j", "1", "--secrets", "off")
    assert code == 1
    again = _by_source(_manifest(out))
    assert len(_manifest(out)) == 8  # compacted: one line per source
    for key in ("owner/alpha", "owner/beta", "owner/gamma", "owner/delta", "slow/epsilon"):
        assert again[key]["status"] == "unchanged"
        assert again[key]["fingerprint"] == first[key]["fingerprint"]
        assert "digest" not in again[key]["seconds"]  # no digest was made
    assert "0 ok, 5 unchanged, 3 failed" in stderr
    assert " done: " not in stderr  # progress only when stderr is a terminal

    new = _commit(fleet.work["owner/delta"], {"src/new.py": "NEW = 1\n"})
    fleet.publish("owner/delta")
    (out / first["owner/alpha"]["outputs"][0]).unlink()  # a deleted output is made again
    ok_list = _list(fleet, tmp_path, failing=False)
    code, stderr = _batch(str(ok_list), "-O", str(out), "-j", "1", "--secrets", "off")
    assert code == 0, stderr
    third = _by_source(_manifest(out))
    assert len(third) == 5
    assert third["owner/delta"]["status"] == "ok" and third["owner/delta"]["commit"] == new
    assert third["owner/delta"]["files"] == 4
    assert third["owner/alpha"]["status"] == "ok"
    assert third["owner/alpha"]["fingerprint"] == first["owner/alpha"]["fingerprint"]
    assert {third[k]["status"] for k in ("owner/beta", "owner/gamma", "slow/epsilon")} == {
        "unchanged"}
    # an option that changes the output is a change too
    code, stderr = _batch(str(ok_list), "-O", str(out), "-j", "1", "--secrets", "off",
                          "--line-numbers")
    assert code == 0 and "5 ok, 0 unchanged" in stderr


@pytest.mark.slow
@pytest.mark.extra
@pytest.mark.server
def test_dask_local_cluster_with_two_workers(fleet: Fleet, tmp_path: Path) -> None:
    fleet.release.set()
    listing = _list(fleet, tmp_path)
    local = tmp_path / "local"
    _batch(str(listing), "-O", str(local), "-j", "1", "--secrets", "off")
    out = tmp_path / "dask"
    code, stderr = _batch(str(listing), "-O", str(out), "--engine", "dask", "-j", "2",
                          "--secrets", "off", "--collect", "--retry-delay", "0")
    by = _check_first_run(fleet, out, code, stderr)
    same = _by_source(_manifest(local))
    for key, record in by.items():  # the engine changes nothing in what is written
        assert record["fingerprint"] == same[key]["fingerprint"]
        for name in record["outputs"]:
            assert (out / name).read_bytes() == (local / name).read_bytes()


@pytest.mark.slow
@pytest.mark.server
def test_a_killed_batch_resumes(fleet: Fleet, tmp_path: Path) -> None:
    listing = _list(fleet, tmp_path, failing=False)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "gitdigest", "batch", str(listing), "-O", str(out), "-j", "1",
         "--secrets", "off"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = out / "manifest.jsonl"
    try:
        deadline = time.monotonic() + 300  # generous: CI machines are shared
        while time.monotonic() < deadline and process.poll() is None:
            if manifest.exists() and len(manifest.read_text().splitlines()) >= 4:
                break  # alpha..delta are done; epsilon waits on its slow server
            time.sleep(0.05)
        assert process.poll() is None, "the batch ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    done = _manifest(out)
    assert [r["status"] for r in done] == ["ok"] * 4
    assert not any(name.endswith(".txt") and "epsilon" in name for name in os.listdir(out))
    fleet.release.set()
    code, stderr = _batch(str(listing), "-O", str(out), "-j", "2", "--secrets", "off")
    assert code == 0, stderr
    resumed = _by_source(_manifest(out))
    assert [r["status"] for r in resumed.values()] == ["unchanged"] * 4 + ["ok"]
    assert resumed["slow/epsilon"]["files"] == 3


def test_transient_failures_are_retried_with_back_off(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    listing = tmp_path / "list.txt"
    listing.write_text(f"http://127.0.0.1:{port}/o/r\n")
    started = time.monotonic()
    code, _ = _batch(str(listing), "-O", str(tmp_path / "out"), "--retries", "2",
                          "--retry-delay", "0.2")
    assert code == 1
    (record,) = _manifest(tmp_path / "out")
    assert record["attempts"] == 3 and record["error_class"] == "RemoteError"
    assert "cannot reach" in record["error"]
    assert time.monotonic() - started >= 0.6  # 0.2 s, then 0.4 s


@pytest.mark.slow
def test_stdin_list_and_local_paths(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _commit(repo, {"a.py": "print('a')\n"})
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["batch", "-", "-O", str(out), "--secrets", "off", "-q"],
                                input=f"{repo}\n{repo} -f json\n")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""  # -q: nothing unless something failed
    records = _manifest(out)
    assert [r["status"] for r in records] == ["ok", "ok"]
    names = [name for r in records for name in r["outputs"]]
    assert names[0].endswith(".txt") and names[1].endswith(".json")
    assert names[0].removesuffix(".txt") != names[1].removesuffix(".json")  # two sources
    data = json.loads((out / names[1]).read_text())
    assert data["summary"]["files"] == 1


@pytest.mark.parametrize(("lines", "args", "message"), [
    ("o/r --bogus\n", [], "list.txt:1: No such option '--bogus'"),
    ("o/r\n", ["-o", "x.txt"], "No such option"),
    ("# nothing\n", [], "names no source"),
    ("o/r\n", ["--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --engine dask"),
    ("o/r\n", ["--max-files", "0"], "0 is not in the range"),
])
def test_usage_errors_exit_2_before_any_work(tmp_path: Path, lines: str, args: list[str],
                                             message: str) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(lines)
    code, stderr = _batch(str(listing), "-O", str(tmp_path / "out"), *args)
    assert code == 2 and message in stderr, stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_bare_source_still_digests(tmp_path: Path) -> None:
    repo = tmp_path / "batch"  # a folder named like the command is reachable as ./batch
    repo.mkdir()
    (repo / "a.py").write_text("x = 1\n")
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(cli, ["./batch", "-o", "-", "--secrets", "off", "-q"])
    finally:
        os.chdir(old)
    assert result.exit_code == 0 and "FILE: a.py" in result.stdout


@pytest.mark.extra
@pytest.mark.server
def test_a_running_dask_scheduler(fleet: Fleet, tmp_path: Path) -> None:
    """--scheduler ADDRESS submits to a cluster that is already running; its workers write DIR
    themselves (a shared filesystem: this machine)."""
    import distributed  # the test extra installs it
    fleet.release.set()
    listing = tmp_path / "list.txt"
    listing.write_text(f"{fleet.http.url}/owner/alpha\n{fleet.http.url}/owner/missing\n")
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address="127.0.0.1:0") as cluster:
        code, stderr = _batch(str(listing), "-O", str(out), "--engine", "dask", "--scheduler",
                              cluster.scheduler_address, "--secrets", "off")
    assert code == 1 and "1 of 2 sources failed" in stderr
    by = _by_source(_manifest(out))
    assert by["owner/alpha"]["status"] == "ok" and by["owner/missing"]["status"] == "failed"
    assert (out / by["owner/alpha"]["outputs"][0]).read_text().count("FILE: ") == 3
