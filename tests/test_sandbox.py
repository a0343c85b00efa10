"""The git sandbox: a git process may execute git and its own programs, nothing else; the rest
of gitdigest (its threads, its forked workers, the programs it starts itself) is untouched."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gitdigest.core.errors import GitError, SandboxUnavailable
from gitdigest.sources import gitcmd, sandbox
from gitdigest.sources.gitcmd import GitFailed, run_git

from .conftest import MakeRepo, git

needs_landlock = pytest.mark.skipif(not sandbox.available(),
                                    reason=sandbox.status().describe())


@needs_landlock
def test_the_kernel_offers_landlock_and_it_is_described() -> None:
    status = sandbox.status()
    assert status.abi >= 1
    assert status.describe() == f"git sandbox: landlock (ABI {status.abi})"


@needs_landlock
def test_only_git_its_exec_path_and_the_loader_are_allowed() -> None:
    paths = sandbox.allowed_paths("git")
    git_binary = os.path.realpath(shutil.which("git") or "")
    exec_path = os.path.realpath(subprocess.run(["git", "--exec-path"], capture_output=True,
                                                text=True, check=True).stdout.strip())
    loader = sandbox.elf_interpreter(git_binary)
    assert loader is not None and "ld" in Path(loader).name
    assert set(paths) == {git_binary, exec_path, os.path.realpath(loader)}
    shell = os.path.realpath("/bin/sh")
    assert shell not in paths
    assert shell in sandbox.allowed_paths("shell") and shell in sandbox.allowed_paths("ssh")


def test_a_script_has_no_elf_interpreter(tmp_path: Path) -> None:
    script = tmp_path / "x.sh"
    script.write_text("#!/bin/sh\n")
    assert sandbox.elf_interpreter(str(script)) is None
    assert sandbox.elf_interpreter(str(tmp_path / "missing")) is None


@needs_landlock
def test_git_runs_and_a_shell_cannot_start() -> None:
    done = sandbox.popen(["git", "--version"], stdout=subprocess.PIPE)
    assert done.communicate()[0].startswith(b"git version")
    with pytest.raises(PermissionError):
        sandbox.popen(["/bin/sh", "-c", "true"])


@needs_landlock
def test_an_alias_to_the_shell_fails_to_exec(make_repo: MakeRepo, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    root = make_repo({"a": "a\n"})
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\necho ran >> {marker}\n")
    script.chmod(0o755)
    for alias in (f"!echo ran >> {marker}", f"!{script}", "!/bin/sh -c true"):
        with pytest.raises(GitFailed, match="Permission denied"):
            run_git(["-c", f"alias.evil={alias}", "evil"], str(root))
    # a program-starting key the hardened settings leave alone: core.pager with -p on a pipe
    # is not started at all, so use one git does start, unlisted: the ssh command of a remote
    git(root, "remote", "add", "far", "ssh://example.invalid/x")
    with pytest.raises(GitFailed):
        run_git(["-c", f"core.sshCommand={script}", "ls-remote", "far"], str(root))
    assert not marker.exists()


@needs_landlock
def test_the_shell_profile_runs_only_the_shells_builtins(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    run_git(["-c", f"alias.b=!: > {marker}", "b"], str(tmp_path), profile="shell")
    assert marker.exists()  # sh itself may run (file:// transports start upload-pack so)
    with pytest.raises(GitFailed):  # ...but nothing it would exec
        run_git(["-c", f"alias.c=!touch {marker}.2", "c"], str(tmp_path), profile="shell")
    assert not Path(f"{marker}.2").exists()


@needs_landlock
def test_the_rest_of_the_process_is_not_confined(make_repo: MakeRepo) -> None:
    root = make_repo({"a": "a\n"})
    run_git(["rev-parse", "HEAD"], str(root))
    # the thread that started git confined itself; this one and new ones did not
    assert subprocess.run(["/bin/sh", "-c", "exit 7"], check=False).returncode == 7


def _child(root: str) -> tuple[str, int]:
    head = run_git(["rev-parse", "HEAD"], root).stdout.decode().strip()
    return head, subprocess.run(["/bin/sh", "-c", "exit 5"], check=False).returncode


@needs_landlock
def test_forked_workers_run_git_sandboxed_and_are_not_confined(make_repo: MakeRepo) -> None:
    root = make_repo({"a": "a\n"})
    head = run_git(["rev-parse", "HEAD"], str(root)).stdout.decode().strip()  # rulesets built
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map(_child, [str(root)] * 4)
    assert results == [(head, 5)] * 4


def test_the_fallback_runs_git_with_the_settings_alone(unsandboxed: None,
                                                       make_repo: MakeRepo) -> None:
    root = make_repo({"a": "a\n"})
    assert "unavailable (switched off by GITDIGEST_GIT_SANDBOX)" in sandbox.status().describe()
    assert run_git(["rev-parse", "HEAD"], str(root)).returncode == 0
    gitcmd.require_sandbox()
    try:
        with pytest.raises(SandboxUnavailable, match="cannot run sandboxed here"):
            run_git(["rev-parse", "HEAD"], str(root))
    finally:
        gitcmd.require_sandbox(False)


def test_the_servers_variable_requires_the_sandbox(unsandboxed: None, make_repo: MakeRepo,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo({"a": "a\n"})
    monkeypatch.setenv(gitcmd.REQUIRE_ENV, "1")
    with pytest.raises(SandboxUnavailable):
        run_git(["rev-parse", "HEAD"], str(root))


@needs_landlock
def test_a_failing_sandbox_is_an_error_not_an_unconfined_git(
        make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo({"a": "a\n"})

    def broken(ruleset: int) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(sandbox, "_restrict", broken)
    with pytest.raises(GitError, match="cannot confine git"):
        run_git(["rev-parse", "HEAD"], str(root))


def test_version_says_how_git_is_confined(unsandboxed: None) -> None:
    shown = subprocess.run([sys.executable, "-m", "gitdigest", "--version"],
                           capture_output=True, text=True, check=True).stdout.splitlines()
    assert shown[1] == ("git sandbox: unavailable (switched off by GITDIGEST_GIT_SANDBOX), "
                        "hardened settings only")
