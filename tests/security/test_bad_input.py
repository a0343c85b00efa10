"""Bad input at the command line, run as a user runs it: ``python -m gitdigest ...``.

Every case must end before any network with exit code 2 and exactly one line
``gitdigest: error: ...`` on stderr: no traceback, no "internal error" (exit 70), no network
error (exit 3), and nothing that a terminal would interpret (control characters escaped).
git is forbidden every transport here (``GIT_ALLOW_PROTOCOL``), so a case that reached the
network would fail fast with exit 3 instead of hanging.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gitdigest import digest
from gitdigest.core.errors import GitDigestError
from gitdigest.sources.urls import parse_remote

from ..conftest import MakeRepo

# seconds: each case is a parse error or a tiny digest, far below a network timeout, with room
# for a loaded machine (the digests load the tokenizer and the secret scanner)
TIMEOUT = 60


def run_cli(*args: str | bytes, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """The real CLI in a fresh interpreter; git may not use any transport."""
    env = {**os.environ, "GIT_ALLOW_PROTOCOL": "none", "GIT_TERMINAL_PROMPT": "0"}
    return subprocess.run([sys.executable, "-m", "gitdigest", *args, "-o", "-", "-q",
                           "--timeout", "5"], capture_output=True, cwd=cwd, env=env,
                          timeout=TIMEOUT, check=False)


def assert_usage_error(result: subprocess.CompletedProcess[bytes], *expected: str) -> str:
    """Exit 2, one ``gitdigest: error:`` line, printable, naming what ``expected`` says."""
    err = result.stderr.decode("utf-8", "backslashreplace")
    assert result.returncode == 2, err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("gitdigest: error: "), err
    assert "Traceback" not in err and "internal error" not in err, err
    assert "not allowed" not in err, f"reached git's transport: {err}"
    assert err.rstrip("\n").isprintable(), f"unescaped control characters: {err!r}"
    assert result.stdout == b""
    for text in expected:
        assert text in err, err
    return err


@pytest.fixture
def here(make_repo: MakeRepo) -> Path:
    """A repository with a ``src/`` folder, as the current folder of each run."""
    return make_repo({"src/app.py": "print(1)\n", "README.md": "# r\n"})


# --------------------------------------------------------------- SOURCE: defects on main

def test_empty_source_is_an_error_not_the_current_folder(here: Path) -> None:
    """An unset ``$REPO`` in ``gitdigest "$REPO"`` must not digest whatever folder the script
    runs in."""
    assert_usage_error(run_cli("", cwd=here), "empty SOURCE")


def test_typo_beside_an_existing_folder_is_a_missing_path(here: Path) -> None:
    """``src/flaks`` is a typo of ``src/flask``, not github.com/src/flaks."""
    assert_usage_error(run_cli("src/flaks", cwd=here), "no such file or folder: src/flaks")


@pytest.mark.parametrize("spec", ["http://[invalid]", "http://host:abc/o/r", "https://[::1/o/r",
                                  "http://example.com:99999/o/r", "http://example.com:0/o/r",
                                  "https://[example.com]/o/r", "https://[1.2.3.4]/o/r"])
def test_malformed_host_or_port(here: Path, spec: str) -> None:
    """urlsplit and .port raise ValueError for these: that was "internal error", exit 70."""
    assert_usage_error(run_cli(spec, cwd=here))


@pytest.mark.parametrize("spec", ["https://github.com/user", "https://github.com/user/",
                                  "github.com/user", "git@github.com:user",
                                  "https://codeberg.org/user"])
def test_owner_without_repository(here: Path, spec: str) -> None:
    """On hosts where a repository is owner/name, one segment is a profile page."""
    assert_usage_error(run_cli(spec, cwd=here), "not a repository")


# --------------------------------------------------------------- SOURCE: hostile text

@pytest.mark.parametrize("spec", [
    "https://example.com/o/r\x01", "https://example.com/o\n/r", "https://example.com/o\r/r",
    "https://example.com/o r", "https://example.com/o\t/r", "https://example.com/o/r\u202e",
    "https://example.com/o/r\u200b", "https://example.com/o/r\x1b[2J",
    "https://example.com/o%00/r", "https://example.com/o/r/tree/ma%0Ain",
    "git@example.com:o/r\x7f",
])
def test_control_characters_and_spaces(here: Path, spec: str) -> None:
    """Refused (surrounding whitespace, as a paste brings, is stripped; inside it is not),
    and the message escapes them (a newline cannot make a second line, an
    escape sequence cannot reach the terminal, a bidi override cannot reorder the line)."""
    err = assert_usage_error(run_cli(spec, cwd=here))
    assert "\x1b" not in err and "\u202e" not in err


def test_undecodable_bytes(here: Path) -> None:
    """Non-UTF-8 bytes in argv arrive as lone surrogates; they cannot be hashed into the cache
    key or passed to git, so they are refused (and shown escaped)."""
    assert_usage_error(run_cli(b"https://example.com/o/r\xff", cwd=here))


@pytest.mark.parametrize("spec", ["https://example.com/" + "a/" * 5000,
                                  "a/" + "b" * 100_000,
                                  "x" * 100_000])
def test_absurdly_long_input(here: Path, spec: str) -> None:
    """Refused quickly, and the message stays readable (not 100,000 characters)."""
    err = assert_usage_error(run_cli(spec, cwd=here))
    assert len(err) < 1000


@pytest.mark.parametrize("spec", ["ssh://example.com", "ssh://example.com/", "ssh://git@example.com",
                                  "git@example.com:", "git@example.com:/", "https://example.com",
                                  "https://", "git://example.com/"])
def test_missing_path(here: Path, spec: str) -> None:
    assert_usage_error(run_cli(spec, cwd=here))


@pytest.mark.parametrize("spec", ["file://", "file:///", "file://otherhost/srv/repo.git"])
def test_file_url_without_a_local_path(here: Path, spec: str) -> None:
    assert_usage_error(run_cli(spec, cwd=here))


@pytest.mark.parametrize("spec", ["ext::sh -c touch% pwned", "ext::touch pwned", "fd::0",
                                  "ftp://example.com/o/r", "javascript://x/o/r"])
def test_other_transports_never_reach_git(here: Path, spec: str) -> None:
    """``ext::`` runs a command; no transport helper syntax may reach git."""
    assert_usage_error(run_cli(spec, cwd=here))
    assert not (here / "pwned").exists()


@pytest.mark.parametrize("spec", ["-oProxyCommand=touch_pwned@example.com:o/r",
                                  "ssh://-oProxyCommand=touch_pwned/o/r",
                                  "ssh://-oProxyCommand=x@example.com/o/r",
                                  "https://example.com/../..", "owner/.."])
def test_option_like_hosts_users_and_dot_segments(here: Path, spec: str) -> None:
    assert_usage_error(run_cli("--", spec, cwd=here))
    assert not (here / "touch_pwned").exists()


def test_nul_in_source_through_the_library(here: Path) -> None:
    """argv cannot hold NUL, but the library's ``source`` can; os calls raise ValueError."""
    with pytest.raises(GitDigestError) as caught:
        digest(str(here / "a\0b"))
    assert caught.value.exit_code == 2


# --------------------------------------------------------------- other options (defects elsewhere)

@pytest.mark.parametrize("args", [("-e", "!"), ("-i", "\\"), ("-e", "ok", "-e", "!")])
def test_malformed_patterns(here: Path, args: tuple[str, ...]) -> None:
    """pathspec raises GitIgnorePatternError (a ValueError): "internal error", exit 70."""
    assert_usage_error(run_cli(".", *args, cwd=here), "pattern")


@pytest.mark.parametrize("size", ["9" * 400, "1" * 5000])
def test_absurd_size(here: Path, size: str) -> None:
    """float('9' * 400) is inf and int(inf) raises OverflowError."""
    assert_usage_error(run_cli(".", "-s", size, cwd=here), "--max-size")


# --------------------------------------------------------------- hostile repository content

@pytest.mark.slow
def test_invalid_line_in_gitdigestignore(make_repo: MakeRepo) -> None:
    """A repository (a remote one, too) decides what .gitdigestignore holds: a line pathspec
    cannot compile is skipped, as git skips such lines."""
    root = make_repo({".gitdigestignore": "!\n\\\n*.log\n", "a.py": "x = 1\n", "b.log": "x\n"})
    result = run_cli(".", cwd=root)
    assert result.returncode == 0, result.stderr.decode()
    assert b"FILE: a.py" in result.stdout and b"FILE: b.log" not in result.stdout


def test_deeply_nested_notebook(make_repo: MakeRepo) -> None:
    """json.loads raises RecursionError on deep nesting; one such file must not end the
    whole digest (exit 70)."""
    root = make_repo({"deep.ipynb": "[" * 100_000 + "]" * 100_000, "a.py": "x = 1\n"})
    result = run_cli(".", cwd=root)
    assert result.returncode == 0, result.stderr.decode()[-500:]
    assert b"FILE: a.py" in result.stdout


# --------------------------------------------------------------- odd but valid: parsed sanely

@pytest.mark.parametrize(("spec", "clone"), [
    ("https://bücher.example/o/r", "https://xn--bcher-kva.example/o/r"),
    ("https://GITHUB.com./o/r", "https://github.com/o/r"),
    ("http://[::1]:8080/o/r", "http://[::1]:8080/o/r"),
    ("https://example.com/o%20x/r", "https://example.com/o%20x/r"),
    ("git.example.org:8443/o/r", "https://git.example.org:8443/o/r"),
    ("https://@example.com/o/r", "https://example.com/o/r"),
])
def test_odd_but_valid_urls(spec: str, clone: str) -> None:
    """Unicode hosts become IDNA (curl refuses raw UTF-8 hosts), IPv6 keeps its brackets,
    an encoded path stays encoded for git."""
    assert parse_remote(spec).clone_url == clone


# ------------------------------------------------------------ issue 25, item 7 (smaller)

@pytest.mark.parametrize("ref", ["", "  "])
def test_an_empty_ref_is_a_usage_error_before_the_network(here: Path, ref: str) -> None:
    """``--ref ''`` with a URL went to the network (exit 3)."""
    assert_usage_error(run_cli("https://example.invalid/o/r", "--ref", ref, cwd=here),
                       "--ref needs a branch, tag or commit")


def test_a_link_that_cannot_be_read_is_listed_not_fatal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``gitdigest /`` exited 70 on /proc/1/cwd, a link even root may not read: the link
    is now skipped as unreadable and the rest is digested."""
    (tmp_path / "kept.txt").write_text("kept-71a\n")
    (tmp_path / "cwd").symlink_to(tmp_path / "kept.txt")
    real = os.readlink

    def readlink(path: str | os.PathLike[str], *args: object, **kwargs: object) -> str:
        if os.fspath(path).endswith("/cwd"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "readlink", readlink)
    result = digest(str(tmp_path), cache=False)
    assert "kept-71a" in result.render()
    assert [(s.path, s.reason) for s in result.skipped] == [("cwd", "unreadable")]
    assert "Permission denied" in result.skipped[0].detail


@pytest.mark.slow
@pytest.mark.skipif(not os.path.islink("/proc/1/cwd") or os.access("/proc/1/cwd", os.R_OK),
                    reason="/proc/1/cwd is readable here")
def test_a_folder_under_proc_digests(tmp_path: Path) -> None:
    """The real case, small: /proc/1/task/1 holds cwd, root and exe links that cannot be read,
    and map_files, a folder that cannot be listed."""
    result = subprocess.run([sys.executable, "-m", "gitdigest", "/proc/1/task/1", "-o",
                             str(tmp_path / "out.txt"), "-q", "--max-size", "1k"],
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert "cwd (unreadable" in (tmp_path / "out.txt").read_text()
