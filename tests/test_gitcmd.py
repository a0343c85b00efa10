"""The one git runner: hardened configuration, a clean environment, errors as ours, and a
timeout that stops git and every helper it started."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from gitdigest.sources.gitcmd import (
    GitFailed,
    GitTimeout,
    empty_config,
    git_env,
    hardening,
    no_filters,
    run_git,
    user_excludes_file,
)

from .conftest import MakeRepo, git


def test_the_empty_config_is_ours_and_empty() -> None:
    path = Path(empty_config())
    assert path.is_file() and path.read_bytes() == b""
    assert path.parent.parent.name == "gitdigest"  # shipped in the package, not /dev/null


def test_environment_drops_the_callers_git_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_DIR", "/elsewhere")
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'core.pager=evil'")
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", "evil")
    env = git_env([("http.extraHeader", "Authorization: x")])
    assert "GIT_DIR" not in env and "GIT_EXTERNAL_DIFF" not in env
    assert "GIT_CONFIG_PARAMETERS" not in env
    assert env["GIT_CONFIG_GLOBAL"] == empty_config() and env["GIT_CONFIG_NOSYSTEM"] == "1"
    assert (env["GIT_CONFIG_COUNT"], env["GIT_CONFIG_KEY_0"]) == ("1", "http.extraHeader")


def test_repository_config_is_outranked(make_repo: MakeRepo) -> None:
    root = make_repo({"a": "a\n"})
    git(root, "config", "core.fsmonitor", "/bin/evil")
    git(root, "config", "core.hooksPath", "/tmp/evil-hooks")
    seen = run_git(["config", "--get-all", "core.fsmonitor"], str(root)).stdout.split()
    assert seen[-1] == b"false"  # the last value wins, and ours comes last
    assert "-c" in hardening() and f"core.hooksPath={empty_config()}" in hardening()


def test_user_config_is_not_read(make_repo: MakeRepo, isolated_git: Path) -> None:
    with (isolated_git / ".gitconfig").open("a") as config:
        config.write("[alias]\n\tsecretalias = status\n")
    root = make_repo({"a": "a\n"})
    assert git(root, "config", "--get", "alias.secretalias").strip() == "status"
    result = run_git(["config", "--get", "alias.secretalias"], str(root), ok=None)
    assert result.returncode == 1  # not found: global config is ignored


def test_the_users_excludes_file_is_the_one_setting_kept(isolated_git: Path) -> None:
    assert user_excludes_file() is None
    with (isolated_git / ".gitconfig").open("a") as config:
        config.write("[core]\n\texcludesFile = ~/my-ignores\n")
    assert user_excludes_file() == str(isolated_git / "my-ignores")


def test_failures_carry_what_git_said(tmp_path: Path) -> None:
    with pytest.raises(GitFailed, match="git rev-parse failed") as caught:
        run_git(["rev-parse", "--verify", "no-such-ref"], str(tmp_path))
    assert "not a git repository" in caught.value.stderr


@pytest.mark.slow
@pytest.mark.usefixtures("unsandboxed")  # the sandbox would refuse to start sh and sleep
def test_timeout_stops_git_and_its_helpers(tmp_path: Path) -> None:
    marker = tmp_path / "still-running"
    # an alias that starts a shell which starts a sleeper: the whole group must stop
    script = f"sleep 5; touch {marker}"
    started = time.monotonic()
    with pytest.raises(GitTimeout, match=r"did not finish within 0\.5 s"):
        run_git(["-c", f"alias.slow=!sh -c '{script}'", "slow"], str(tmp_path), timeout=0.5)
    assert time.monotonic() - started < 4
    time.sleep(5.5)
    assert not marker.exists()


def test_timeout_stops_a_sandboxed_git_and_its_helpers(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    # the shell profile lets git start sh (only sh: its builtins wait on the FIFO)
    with pytest.raises(GitTimeout):
        run_git(["-c", f"alias.slow=!exec 3<>{fifo}; read line <&3", "slow"], str(tmp_path),
                timeout=0.5, profile="shell")
    assert _readers_gone(fifo, within=3.0)  # the whole group was stopped, sh included


def _holds(pid: str, path: str) -> bool:
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == path
                   for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:  # not ours to read, or gone
        return False


def _readers_gone(fifo: Path, within: float) -> bool:
    """Whether no process holds ``fifo`` open any more (a killed one takes a moment to go)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(_holds(pid, str(fifo)) for pid in os.listdir("/proc") if pid.isdigit()):
            return True
        time.sleep(0.05)
    return False


def test_hardening_switches_signature_programs_off() -> None:
    settings = set(hardening())
    assert "log.showSignature=false" in settings
    for key in ("gpg.program", "gpg.ssh.program", "gpg.x509.program"):
        assert f"{key}={empty_config()}" in settings  # a file that cannot be executed


@pytest.mark.usefixtures("unsandboxed")  # the settings alone, as where Landlock is missing
def test_status_through_no_filters_runs_no_clean_filter(make_repo: MakeRepo,
                                                        tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    root = make_repo({".gitattributes": "* filter=a=b\n", "a.txt": "a\n"})
    git(root, "config", "filter.a=b.clean", f"sh -c 'echo ran >> {marker}; cat'")
    os.utime(root / "a.txt", (2_000_000_000, 2_000_000_000))  # stale stat data
    run_git(["status", "--porcelain"], str(root), config=no_filters(str(root)))
    assert not marker.exists()
    run_git(["status", "--porcelain"], str(root))  # the driver is live: without, it runs
    assert marker.exists()
