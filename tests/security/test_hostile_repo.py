"""gitdigest runs no program a repository it digests names, nor one from a user or system
config: every hostile setting points at a script that writes a marker file outside the
repository, and the full CLI must leave no marker while still producing the right digest.

Modes: the work tree, ``--ref HEAD`` (git objects), and the repository as a remote over
``file://`` (git runs ``upload-pack`` inside the hostile repository) and smart HTTP (a bare
copy carrying the same config and hooks, served by ``git http-backend``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..gitserver import GitDaemon, GitHTTPServer, make_bare
from .hostile import (
    HOSTILE_ATTRIBUTES,
    TRACKED,
    UNTRACKED,
    VECTOR_IDS,
    Evil,
    Vector,
    arm,
    hostile_config,
    make_repo,
    run_gitdigest,
    vectors,
)

MODES = ("worktree", "ref", "file-url", "http")


@pytest.fixture(scope="module")
def http_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("served")


@pytest.fixture(scope="module")
def http(http_root: Path) -> Iterator[GitHTTPServer]:
    with GitHTTPServer(http_root, "token-unused") as server:
        yield server


def _serve_http(http: GitHTTPServer, repo: Path, name: str, evil: Evil,
                vector: Vector | None, tmp: Path) -> str:
    """Publish ``repo`` as a bare repository with ``vector`` armed in it too."""
    bare = make_bare(http.root, name, repo)
    if vector is not None:
        arm(bare, evil, vector, tmp)
    return f"{http.url}/{name}"


def _source(mode: str, repo: Path, request: pytest.FixtureRequest, evil: Evil,
            vector: Vector | None, tmp: Path) -> tuple[str, list[str]]:
    if mode == "worktree":
        return str(repo), []
    if mode == "ref":
        return str(repo), ["--ref", "HEAD"]
    if mode == "file-url":
        return f"file://{repo}", []
    http = request.getfixturevalue("http")
    name = f"{request.node.name.replace('[', '-').rstrip(']')}.git"
    return _serve_http(http, repo, name, evil, vector, tmp), []


def _assert_clean_run(result: subprocess.CompletedProcess[str], evil: Evil, out: Path,
                      mode: str) -> None:
    assert evil.fired() == [], f"gitdigest let git run hostile programs: {evil.fired()}"
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    for path, content in TRACKED.items():
        if path != ".gitignore":
            assert content in text, f"{path} missing from the digest"
    if mode == "worktree":
        assert UNTRACKED["draft.txt"] in text
        assert UNTRACKED["debug.log"] not in text


@pytest.mark.slow
@pytest.mark.parametrize("vector", vectors(), ids=VECTOR_IDS)
@pytest.mark.parametrize("mode", MODES)
def test_repository_config_runs_nothing(mode: str, vector: Vector, tmp_path: Path,
                                        request: pytest.FixtureRequest) -> None:
    evil = Evil(tmp_path / "evil")
    repo = make_repo(tmp_path, evil, vector)
    source, extra = _source(mode, repo, request, evil, vector, tmp_path)
    out = tmp_path / "digest.txt"
    result = run_gitdigest(source, out, *extra, cwd=tmp_path)
    _assert_clean_run(result, evil, out, mode)


# --- user (global) and system config -------------------------------------------------------

CONFIG_MODES = ("worktree", "ref", "file-url", "http", "git-daemon")


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[GitDaemon]:
    """A git daemon started with the test's isolated (benign) environment."""
    root = tmp_path / "daemon-root"
    root.mkdir()
    with GitDaemon(root) as server:
        yield server


def _hostile_env(scope: str, config: Path) -> dict[str, str]:
    env = dict(os.environ)
    if scope == "global":
        env["GIT_CONFIG_GLOBAL"] = str(config)
    else:
        env.pop("GIT_CONFIG_NOSYSTEM", None)
        env["GIT_CONFIG_SYSTEM"] = str(config)
    return env


@pytest.mark.parametrize("mode", CONFIG_MODES)
@pytest.mark.parametrize("scope", ("global", "system"))
def test_user_and_system_config_are_ignored(scope: str, mode: str, tmp_path: Path,
                                            request: pytest.FixtureRequest) -> None:
    """A hostile ~/.gitconfig or /etc/gitconfig (fsmonitor, hooks, filters the tree's
    .gitattributes select, textconv, git proxy, pack-objects hook, ext:: redirects...) changes
    nothing: gitdigest reads repositories with system and global config switched off."""
    evil = Evil(tmp_path / "evil")
    repo = make_repo(tmp_path, evil, Vector("attributes", (), HOSTILE_ATTRIBUTES))
    extra: list[str] = []
    prefixes: tuple[str, ...] = ()
    if mode == "worktree":
        source = str(repo)
    elif mode == "ref":
        source, extra = str(repo), ["--ref", "HEAD"]
    elif mode == "file-url":
        source = f"file://{repo}"
    elif mode == "http":
        http = request.getfixturevalue("http")
        source = _serve_http(http, repo, f"{scope}-config.git", evil, None, tmp_path)
        prefixes = (f"{http.url}/",)
    else:
        daemon = request.getfixturevalue("daemon")
        make_bare(daemon.root, "repo.git", repo)
        source = f"{daemon.url}/repo.git"
    config = tmp_path / f"hostile-{scope}.gitconfig"
    config.write_text(hostile_config(evil, prefixes))
    out = tmp_path / "digest.txt"
    result = run_gitdigest(source, out, *extra, env=_hostile_env(scope, config), cwd=tmp_path)
    _assert_clean_run(result, evil, out, mode)


@pytest.mark.server
@pytest.mark.parametrize("scope", ("global", "system"))
def test_no_credential_helper_or_askpass_for_a_private_remote(
        scope: str, tmp_path: Path, http: GitHTTPServer) -> None:
    """A server that answers 401 gets no credentials from a configured helper or askpass
    program: without a token gitdigest fails with its authentication message (exit 3)."""
    evil = Evil(tmp_path / "evil")
    repo = make_repo(tmp_path, evil)
    make_bare(http.root, f"private/{scope}.git", repo)
    config = tmp_path / f"hostile-{scope}.gitconfig"
    config.write_text(hostile_config(evil))
    out = tmp_path / "digest.txt"
    result = run_gitdigest(f"{http.url}/private/{scope}.git", out, "--no-cache",
                           env=_hostile_env(scope, config), cwd=tmp_path)
    assert evil.fired() == [], f"gitdigest let git run hostile programs: {evil.fired()}"
    assert result.returncode == 3, result.stderr
    assert "authentication required" in result.stderr


def test_the_marker_script_works(tmp_path: Path) -> None:
    """The oracle: plain git in the hostile repository does start the clean filter (so a test
    that sees no marker means gitdigest prevented it, not that the setup was inert)."""
    evil = Evil(tmp_path / "evil")
    vector = next(v for v in vectors() if v.id == "filter.clean-smudge")
    repo = make_repo(tmp_path, evil, vector)
    subprocess.run(["git", "diff-files", "--name-only"], cwd=repo, check=True,
                   capture_output=True)
    assert any(line.startswith("clean") for line in evil.fired())
    assert shutil.which("git")
