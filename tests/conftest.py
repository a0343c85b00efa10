"""Fixtures that build real git repositories in code, with git isolated from the user's config."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

Files = dict[str, "str | bytes"]


@pytest.fixture(scope="session")
def scanner_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the secret scanner's compiled rules, shared by the whole session: they
    depend only on the scanner's version, and compiling them takes seconds."""
    return tmp_path_factory.mktemp("kingfisher-rules")


@pytest.fixture(autouse=True)
def isolated_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
                 scanner_rules: Path) -> Path:
    """Every test gets its own HOME, global git config and cache folder (the scanner's rule
    cache excepted)."""
    monkeypatch.setenv("KF_RULE_CACHE_DIR", str(scanner_rules))
    home = tmp_path_factory.mktemp("home")
    config = home / ".gitconfig"
    config.write_text("[user]\n\tname = Test\n\temail = test@example.invalid\n"
                      "[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GITHUB_TOKEN", "GH_TOKEN", "GITDIGEST_TOKEN",
                 "GITDIGEST_TOKEN_HOSTS", "GITLAB_TOKEN", "GITLAB_CI", "CI_SERVER_HOST"):
        monkeypatch.delenv(name, raising=False)
    return home


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` and return its stdout (tests use git as the oracle)."""
    result = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)
    return result.stdout.decode("utf-8", "surrogateescape")


def write_files(root: Path, files: Files) -> None:
    """Create ``files`` (path -> text or bytes) under ``root``."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")


MakeRepo = Callable[..., Path]


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    """``make_repo(files, git=True, commit=True, name="repo")`` builds a folder (a git
    repository unless ``git=False``), commits everything when asked, and returns its path."""

    def make(files: Files, *, git_repo: bool = True, commit: bool = True,
             name: str = "repo") -> Path:
        root = tmp_path / name
        root.mkdir(parents=True)
        write_files(root, files)
        if git_repo:
            git(root, "init", "-q")
            if commit:
                git(root, "add", "-A")
                git(root, "commit", "-q", "-m", "initial", "--allow-empty")
        return root

    return make


def fake_tool(folder: Path, name: str, sink: str | Path = "/dev/null") -> None:
    """A real executable ``folder/name`` (a clipboard program, say) that writes its stdin to
    ``sink``: tests put ``folder`` first on PATH to see what gitdigest hands it."""
    path = folder / name
    path.write_text(f"#!/bin/sh\ncat > '{sink}'\n")
    path.chmod(path.stat().st_mode | 0o111)


@pytest.fixture
def unsandboxed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """git runs without its Landlock sandbox, as where the kernel lacks it (the fallback:
    hardened settings only); child processes inherit the switch."""
    from gitdigest.sources import sandbox

    monkeypatch.setenv(sandbox.ENV_SWITCH, "off")
    sandbox.reset()
    assert not sandbox.available()
    yield
    monkeypatch.undo()
    sandbox.reset()
