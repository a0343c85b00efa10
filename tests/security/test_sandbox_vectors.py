"""Git can run only git: the vectors that got through a list of switched-off settings, and the
proof that the sandbox, not the list, is what stops a program nobody thought of.

- ``--log`` on a repository whose config asks for signature checks (``log.showSignature``) with
  its own ``gpg.program``, and a commit that carries a ``gpgsig`` header: CLI and MCP.
- ``gitdigest batch`` on a local repository with a clean filter and a stale file.
- The fallback (no Landlock): the digest still works, says so, and can be refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from gitdigest import api
from gitdigest.sources import gitcmd, sandbox

from ..conftest import write_files
from .hostile import Evil, git, run_gitdigest

pytestmark = pytest.mark.slow  # each test runs the CLI, a batch or a server as a user does
needs_landlock = pytest.mark.skipif(not sandbox.available(),
                                    reason=sandbox.status().describe())
_COMMIT = ("tree {tree}\nparent {parent}\nauthor T <t@example.invalid> 1700000000 +0000\n"
           "committer T <t@example.invalid> 1700000000 +0000\n"
           "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n =abcd\n"
           " -----END PGP SIGNATURE-----\n\nsigned-5e1\n")


def signed_repo(root: Path, evil: Evil) -> Path:
    """Three commits, the last one carrying a gpgsig header, and a config that verifies
    signatures in ``git log`` with the evil script."""
    repo = root / "signed"
    repo.mkdir()
    git(repo, "init", "-q")
    for number in range(3):
        write_files(repo, {f"f{number}.txt": f"file-{number}\n"})
        git(repo, "add", "-A")
        git(repo, "-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-qm",
            f"c{number}")
    text = _COMMIT.format(tree=git(repo, "rev-parse", "HEAD^{tree}").strip(),
                          parent=git(repo, "rev-parse", "HEAD").strip())
    (root / "commit.txt").write_text(text)
    signed = git(repo, "hash-object", "-t", "commit", "-w", str(root / "commit.txt")).strip()
    git(repo, "update-ref", "HEAD", signed)
    # git starts a gpg program without a shell: the script itself, no label
    for key in ("gpg.program", "gpg.ssh.program", "gpg.x509.program"):
        git(repo, "config", key, str(evil.script))
    git(repo, "config", "log.showSignature", "true")
    return repo


@pytest.fixture
def evil(tmp_path: Path) -> Evil:
    return Evil(tmp_path / "evil")


@pytest.fixture
def repo(tmp_path: Path, evil: Evil) -> Path:
    repo = signed_repo(tmp_path, evil)
    git(repo, "log", "-1")  # the vector is live: plain git runs the script
    assert evil.fired() and "--verify" in evil.fired()[0]
    evil.marker.unlink()
    return repo


@pytest.mark.parametrize("args", [("--log", "5"), ("--since", "HEAD~2", "--log")],
                         ids=["log", "since-log"])
def test_log_runs_no_signature_program(repo: Path, evil: Evil, tmp_path: Path,
                                       args: tuple[str, ...]) -> None:
    out = tmp_path / "out.txt"
    result = run_gitdigest(str(repo), out, *args)
    assert result.returncode == 0, result.stderr
    assert evil.fired() == []
    assert "signed-5e1" in out.read_text()


@pytest.mark.server
@pytest.mark.extra
def test_mcp_log_runs_no_signature_program(repo: Path, evil: Evil, tmp_path: Path,
                                           scanner_rules: Path) -> None:
    pytest.importorskip("mcp")
    from ..test_mcp import connect, ok, text_of

    world = {"env": {"HOME": os.environ["HOME"], "GIT_CONFIG_NOSYSTEM": "1",
                     "GIT_CONFIG_GLOBAL": os.environ["GIT_CONFIG_GLOBAL"],
                     "XDG_CACHE_HOME": str(tmp_path / "cache"),
                     "KF_RULE_CACHE_DIR": str(scanner_rules),
                     # the server imports this checkout, wherever the script was installed from
                     "PYTHONPATH": str(Path(api.__file__).parents[1])},
             "project": repo}
    shown: list[str] = []

    async def main() -> None:
        async with connect(world, "--root", str(repo)) as session:
            shown.append(text_of(await ok(session, "digest", source=str(repo), log=3)))

    anyio.run(main)
    assert "signed-5e1" in shown[0]
    assert evil.fired() == []


@needs_landlock
def test_a_program_key_left_off_the_settings_list_still_runs_nothing(
        repo: Path, evil: Evil, monkeypatch: pytest.MonkeyPatch) -> None:
    # the list of switched-off settings is empty: only the sandbox stands in the way
    monkeypatch.setattr(gitcmd, "hardening", lambda: ())
    result = api.digest(str(repo), log=5, cache=False)
    assert "signed-5e1" in result.render()
    assert evil.fired() == []


def test_without_the_sandbox_and_the_settings_the_program_would_run(
        repo: Path, evil: Evil, monkeypatch: pytest.MonkeyPatch, unsandboxed: None) -> None:
    # the control for the test above: the same digest with both walls down runs the script
    monkeypatch.setattr(gitcmd, "hardening", lambda: ())
    api.digest(str(repo), log=5, cache=False)
    assert evil.fired() and "--verify" in evil.fired()[0]


def test_the_fallback_still_digests_and_says_so(repo: Path, evil: Evil, tmp_path: Path,
                                                unsandboxed: None) -> None:
    out = tmp_path / "out.txt"
    result = subprocess.run([sys.executable, "-m", "gitdigest", str(repo), "--log", "5", "-o",
                             str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert evil.fired() == []  # the settings hold this one on their own
    assert "signed-5e1" in out.read_text()
    assert ("Sandbox:  unavailable (switched off by GITDIGEST_GIT_SANDBOX), hardened settings "
            "only") in result.stderr
    version = subprocess.run([sys.executable, "-m", "gitdigest", "--version"],
                             capture_output=True, text=True, check=True).stdout
    assert "git sandbox: unavailable" in version


def test_the_summary_is_silent_about_the_sandbox_when_it_holds(repo: Path,
                                                               tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "gitdigest", str(repo), "--log", "5", "-o",
                             str(tmp_path / "out.txt")], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and ("Sandbox:" in result.stderr) != sandbox.available()


@pytest.mark.parametrize("command", [(), ("batch",)], ids=["digest", "batch"])
def test_require_sandbox_refuses_in_one_line(repo: Path, tmp_path: Path, unsandboxed: None,
                                             command: tuple[str, ...]) -> None:
    args: list[str] = [str(repo), "-o", str(tmp_path / "out.txt")]
    if command:
        (tmp_path / "list.txt").write_text(f"{repo}\n")
        args = ["batch", str(tmp_path / "list.txt"), "-O", str(tmp_path / "batch")]
    result = subprocess.run([sys.executable, "-m", "gitdigest", *args, "--require-sandbox"],
                            capture_output=True, text=True, timeout=120)
    if command:  # a batch records the refusal per source and exits 1
        assert result.returncode == 1, result.stderr
        assert "cannot run sandboxed here" in (tmp_path / "batch" / "manifest.jsonl").read_text()
        return
    assert result.returncode == 2
    assert result.stderr == ("gitdigest: error: git cannot run sandboxed here (switched off by "
                             "GITDIGEST_GIT_SANDBOX); refusing to run it with hardened settings "
                             "only\n")
    assert not (tmp_path / "out.txt").exists()


@pytest.mark.parametrize("server", ["serve", "mcp"])
def test_servers_refuse_to_start_without_the_sandbox(server: str, unsandboxed: None) -> None:
    result = subprocess.run([sys.executable, "-m", "gitdigest", server, "--port", "0"],
                            capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert result.stderr.startswith("gitdigest: error: git cannot run sandboxed here")
    assert result.stderr.count("\n") == 1


def _filtered_repo(root: Path, evil: Evil) -> Path:
    repo = root / "filtered"
    repo.mkdir()
    git(repo, "init", "-q")
    write_files(repo, {".gitattributes": "* filter=evil\n", "a.txt": "alpha-3d1\n"})
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-qm", "x")
    git(repo, "config", "filter.evil.clean", evil.cmd("clean"))
    os.utime(repo / "a.txt")  # `touch`: the index's stat data is now stale
    return repo


@pytest.mark.parametrize("walls", ["sandbox", "settings-only"])
def test_batch_on_a_local_repository_runs_no_clean_filter(tmp_path: Path, evil: Evil,
                                                          walls: str, request: Any) -> None:
    if walls == "settings-only":
        request.getfixturevalue("unsandboxed")
    elif not sandbox.available():
        pytest.skip(sandbox.status().describe())
    repo = _filtered_repo(tmp_path, evil)
    (tmp_path / "list.txt").write_text(f"{repo}\n")
    result = subprocess.run([sys.executable, "-m", "gitdigest", "batch",
                             str(tmp_path / "list.txt"), "-O", str(tmp_path / "out"), "-q"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert evil.fired() == []
    assert any("alpha-3d1" in path.read_text() for path in (tmp_path / "out").glob("*.txt"))
    git(repo, "status", "--porcelain")  # the vector is live: plain git runs the filter
    assert evil.fired()
