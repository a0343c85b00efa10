"""Prompt helpers: line numbers, the user's own prompt first, the clipboard."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitdigest import UsageError, digest
from gitdigest.cli import cli
from gitdigest.count.tokens import TokenCounter

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
