"""Prompt helpers: line numbers, the user's own prompt first, the clipboard."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitdigest import UsageError, digest
from gitdigest.cli import cli
from gitdigest.count.tokens import TokenCounter
from gitdigest.render.prologue import MAX_INSTRUCTIONS

from .conftest import MakeRepo, fake_tool


def test_line_numbers_are_counted_as_shown(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "".join(f"x{i} = {i}\n" for i in range(12))})
    result = digest(str(root), line_numbers=True)
    content = result.content(result.files[0])
    assert content.splitlines()[0] == " 1 | x0 = 0"
    assert content.splitlines()[11] == "12 | x11 = 11"
    assert result.files[0].tokens == TokenCounter("o200k_base").count(content)
    assert result.summary.tokens == TokenCounter("o200k_base").count(result.render("text"))


def test_instructions_file_and_header_come_first(make_repo: MakeRepo, tmp_path: Path) -> None:
    prompt = tmp_path / "prompt.md"
    prompt.write_text("Find the bugs.\n")
    result = digest(str(make_repo({"a.py": "a\n"})), header="You are a reviewer.",
                    instructions=str(prompt))
    text = result.render("text")
    assert text.startswith("You are a reviewer.\n\nFind the bugs.\n\nSource: repo\n")
    assert result.summary.tokens == TokenCounter("o200k_base").count(text)
    with pytest.raises(UsageError, match="cannot read --instructions"):
        digest(str(tmp_path), instructions=str(tmp_path / "missing.md"))


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in its own process, with a time limit: a hang fails the test, not the run."""
    return subprocess.run([sys.executable, "-m", "gitdigest", *args], capture_output=True,
                          text=True, timeout=60, check=False)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and /dev/zero")
def test_instructions_read_only_a_regular_file(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"a.py": "a\n"})
    fifo = tmp_path / "prompt.fifo"
    os.mkfifo(fifo)  # no writer: opening it blocks unless it is opened without waiting
    for path in ("/dev/zero", str(fifo), str(tmp_path)):
        result = run_cli(str(root), "-o", "-", "--instructions", path)
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == f"gitdigest: error: cannot read --instructions {path}: " \
                                "not a regular file\n"


def test_instructions_larger_than_the_cap_or_not_utf8_are_refused(
        make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"a.py": "a\n"})
    big = tmp_path / "big.md"
    big.write_text("x" * MAX_INSTRUCTIONS)
    assert digest(str(root), instructions=str(big)).prologue.instructions == "x" * MAX_INSTRUCTIONS
    big.write_text("x" * (MAX_INSTRUCTIONS + 1))
    with pytest.raises(UsageError, match=r"big\.md: larger than 1 MiB$"):
        digest(str(root), instructions=str(big))
    latin = tmp_path / "latin.md"
    latin.write_bytes("café\n".encode("latin-1"))
    with pytest.raises(UsageError, match=r"latin\.md: not UTF-8"):
        digest(str(root), instructions=str(latin))


def test_a_header_that_is_not_utf8_is_refused(make_repo: MakeRepo) -> None:
    """A --header from a shell in a Latin-1 locale holds bytes that are not UTF-8: it ended
    the text and Markdown digests in an internal error (exit 70) and wrote U+FFFD elsewhere.
    It is refused as --instructions is."""
    root = make_repo({"a.py": "a\n"})
    header = os.fsdecode("café".encode("latin-1"))
    for fmt in ("text", "markdown", "json", "xml"):
        out = CliRunner().invoke(cli, [str(root), "-f", fmt, "-o", "-", "--header", header])
        assert out.exit_code == 2, (fmt, out.stderr)
        assert out.stderr == "gitdigest: error: --header is not UTF-8 (at character 4)\n"


def test_copy_uses_the_platform_tool(make_repo: MakeRepo, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo({"a.py": "a\n"})
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    clipboard = tmp_path / "clipboard.txt"
    fake_tool(bin_dir, "xclip", clipboard)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [str(root), "--copy"])
    assert result.exit_code == 0
    assert clipboard.read_text() == digest(str(root)).render("text")
    assert "Output:   clipboard" in result.stderr
    assert not (tmp_path / "digest.txt").exists()  # without -o only the clipboard gets it


def test_copy_without_a_tool_is_a_clear_error(make_repo: MakeRepo, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo({"a.py": "a\n"})
    only_git = tmp_path / "only-git"
    only_git.mkdir()
    (only_git / "git").symlink_to(shutil.which("git"))  # type: ignore[arg-type]
    monkeypatch.setenv("PATH", str(only_git))
    result = CliRunner().invoke(cli, [str(root), "-o", str(tmp_path / "d.txt"), "--copy"])
    assert result.exit_code == 2
    # the digest was written before the copy failed: the summary and the error line say so
    assert "Output:   " in result.stderr
    error = result.stderr.splitlines()[-1]
    assert error.startswith("gitdigest: error: no clipboard tool found")
    assert error.endswith(f"(the digest was written all the same: {tmp_path / 'd.txt'})")
