"""The command line as a person meets it: usage line, help, completion, naming, formats picked
by extension, failures after writing, the clipboard without a display."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitdigest import digest
from gitdigest.cli import cli
from gitdigest.core.errors import EXIT_CODES
from gitdigest.core.layout import source_label
from gitdigest.core.records import SourceInfo

from .conftest import MakeRepo, fake_tool, git

ROOT = Path(__file__).parent.parent


def _run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gitdigest", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_usage_line_and_exit_codes_in_help() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: gitdigest [OPTIONS] [SOURCE]...\n")
    assert "gitdigest digest" not in result.stdout
    for code, meaning in EXIT_CODES:
        assert re.search(rf"^  {code} +{re.escape(meaning)}$", result.stdout, re.M)
    assert re.search(r"^  notes +Print the bundled", result.stdout, re.M)
    bad = CliRunner().invoke(cli, ["--max-size"])
    assert bad.exit_code == 2 and "gitdigest digest" not in bad.stderr


@pytest.mark.parametrize("page", ["README.md", "docs/exit-codes.md"])
def test_exit_codes_in_the_docs_match(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    table = text.split("# Exit codes\n", 1)[1].lstrip("\n").split("\n\n", 1)[0]
    assert [int(code) for code in re.findall(r"^\| (\d+) \|", table, re.M)] == [
        code for code, _ in EXIT_CODES]


def test_a_folder_named_digest_is_digested(make_repo: MakeRepo) -> None:
    root = make_repo({"digest/inner.py": "x = 1\n", "outer.py": "y = 2\n"})
    old = Path.cwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(cli, ["digest", "-o", "-", "-q"])
    finally:
        os.chdir(old)
    assert result.exit_code == 0
    assert "FILE: inner.py" in result.stdout and "outer.py" not in result.stdout


@pytest.mark.slow
def test_shell_completion(make_repo: MakeRepo) -> None:
    env = {**os.environ, "_GITDIGEST_COMPLETE": "bash_source"}
    script = _run(env=env)
    assert script.returncode == 0
    assert "_gitdigest_completion()" in script.stdout
    assert "complete -o nosort -F _gitdigest_completion gitdigest" in script.stdout

    def complete(*words: str) -> list[str]:
        line = ["gitdigest", *words]
        result = _run(env={**os.environ, "_GITDIGEST_COMPLETE": "bash_complete",
                           "COMP_WORDS": " ".join(line), "COMP_CWORD": str(len(line) - 1)})
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()

    assert "plain,--max-tokens" in complete("--max-t")
    assert "plain,markdown" in complete("-f", "m")
    assert complete("no") == ["plain,notes", "file,no"]  # a command, or a path
    assert "plain,--lang" in complete("notes", "--l")


def test_source_is_named_as_the_digest_names_it(make_repo: MakeRepo) -> None:
    local = SourceInfo("local", ".", "flask", commit="a" * 40, is_git=True)
    assert source_label(local) == "flask (git, commit aaaaaaaaaaaa)"
    remote = SourceInfo("remote", "https://github.com/o/r/tree/v1/src", "src", ref="v1",
                        commit="b" * 40, subpath="src", host="github.com", repo="o/r")
    assert source_label(remote) == "github.com/o/r (ref v1, commit bbbbbbbbbbbb, subpath src)"
    plain = SourceInfo("local", "x", "x")
    assert source_label(plain) == "x (not a git repository)"
    # a file:// remote has no host: its URL names it, never "None"
    root = make_repo({"a.py": "a\n"}, name="project")
    result = CliRunner().invoke(cli, [f"file://{root}", "-o", "-"])
    assert result.exit_code == 0, result.stderr
    commit = git(root, "rev-parse", "HEAD").strip()
    assert f"Source:   file://{root} (ref main, commit {commit[:12]})\n" in result.stderr
    assert "None" not in result.stderr
    # a local folder given as "." is named by its folder, as the digest does
    old = Path.cwd()
    os.chdir(root)
    try:
        here = CliRunner().invoke(cli, ["-o", "-"])
    finally:
        os.chdir(old)
    assert f"Source:   project (git, commit {commit[:12]})\n" in here.stderr
    assert here.stdout.startswith("Source: project\n")


@pytest.mark.parametrize(("name", "args", "start"), [
    ("out.json", [], '{"version": 1,'), ("out.md", [], "# Digest: repo"),
    ("out.xml", [], '<?xml version="1.0"'), ("out.txt", [], "Source: repo"),
    ("out.JSON", [], '{"version": 1,'), ("out.json", ["-f", "text"], "Source: repo"),
    ("stats.json", ["--stats"], '{\n "version": 1,'), ("parts.txt", ["--split-tokens", "9999"],
                                                      "Source: repo"),
])
def test_output_extension_picks_the_format(make_repo: MakeRepo, tmp_path: Path, name: str,
                                           args: list[str], start: str) -> None:
    root = make_repo({"a.py": "a\n"})
    target = tmp_path / name
    result = CliRunner().invoke(cli, [str(root), "-o", str(target), "-q", *args])
    assert result.exit_code == 0, result.stderr
    written = target if target.exists() else tmp_path / "parts.1.txt"
    assert written.read_text(encoding="utf-8").startswith(start)
    assert digest(str(root), output="x.md").format == "markdown"  # the library agrees


def test_check_over_budget_says_the_file_was_written(make_repo: MakeRepo, tmp_path: Path
                                                     ) -> None:
    root = make_repo({"a.py": "print('hello')\n" * 200, "logo.png": b"\x89PNG"})
    target = tmp_path / "d.json"
    result = CliRunner().invoke(cli, [str(root), "-o", str(target), "--max-tokens", "300",
                                      "--check"])
    assert result.exit_code == 1
    data = json.loads(target.read_text(encoding="utf-8"))
    assert result.stderr.endswith(
        f"gitdigest: error: the digest is {data['summary']['tokens']:,} tokens, over the budget "
        f"of 300 (the digest was written all the same: {target})\n")
    assert f"Output:   {target}\n" in result.stderr  # the summary first
    assert "Skipped:  ignored 1: logo.png\n" in result.stderr


@pytest.mark.slow
def test_copy_without_a_display(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"a.py": "a\n"})
    tools = tmp_path / "bin"
    tools.mkdir()
    fake_tool(tools, "xclip")
    env = {key: value for key, value in os.environ.items()
           if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PATH"] = f"{tools}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin"
    target = tmp_path / "d.txt"
    result = _run(str(root), "-o", str(target), "--copy", env=env)
    assert result.returncode == 2
    assert target.exists()
    assert result.stderr.endswith(
        "gitdigest: error: no display for the clipboard: xclip is installed but DISPLAY is not "
        "set (no graphical session); write the digest with -o FILE or -o - instead (the digest "
        f"was written all the same: {target})\n")
    assert "Output:   " in result.stderr
    # with the display it needs, the same tool is used
    env["DISPLAY"] = ":99"
    assert _run(str(root), "-o", str(target), "--copy", "-q", env=env).returncode == 0


def test_copy_with_stats_copies_the_table(make_repo: MakeRepo, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo({"a.py": "a = 1\n"})
    tools = tmp_path / "bin"
    tools.mkdir()
    board = tmp_path / "board.txt"
    fake_tool(tools, "xclip", str(board))
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    result = CliRunner().invoke(cli, [str(root), "--stats", "--copy", "-q"])
    assert result.exit_code == 0
    assert board.read_text(encoding="utf-8") == result.stdout  # the table, as on stdout
    assert result.stdout.startswith("Tokens by folder")
