"""A command whose optional extra is missing says which extra to install, in one line, exit 2:
the module is hidden from a real ``gitdigest`` process by an import blocker (installed through
``sitecustomize``), as if the extra's packages were never installed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BLOCKER = '''
import importlib.abc, os, sys

BLOCKED = set(os.environ["GITDIGEST_TEST_BLOCK"].split(","))


class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, Blocker())
'''


def run_without(tmp_path: Path, modules: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``gitdigest ARGS`` in a process where ``modules`` (comma-separated) cannot be imported."""
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    path = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path, "GITDIGEST_TEST_BLOCK": modules}
    return subprocess.run([sys.executable, "-m", "gitdigest", *args], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("blocked", "args", "line"), [
    # the mcp extra brings starlette and uvicorn, not jinja2: the page still cannot start
    ("jinja2", ["serve", "--port", "1"],
     "the web page needs the web extra (jinja2 is missing): pip install 'gitdigest-cli[web]'"),
    ("uvicorn", ["serve", "--port", "1"],
     "the web page needs the web extra (uvicorn is missing): pip install 'gitdigest-cli[web]'"),
    ("mcp", ["mcp"], "the MCP server needs the mcp extra: pip install 'gitdigest-cli[mcp]'"),
    ("pydantic", ["mcp"], "the MCP server needs the mcp extra: pip install 'gitdigest-cli[mcp]'"),
    ("distributed,dask", ["batch", "list.txt", "-O", "out", "--engine", "dask"],
     "--engine dask needs Dask: pip install 'gitdigest-cli[dask]'"),
])
def test_a_missing_extra_is_named_in_one_line(tmp_path: Path, blocked: str, args: list[str],
                                              line: str) -> None:
    (tmp_path / "list.txt").write_text(".\n")
    result = run_without(tmp_path, blocked, *args)
    assert (result.returncode, result.stderr) == (2, f"gitdigest: error: {line}\n")


def test_the_blocker_blocks(tmp_path: Path) -> None:
    result = run_without(tmp_path, "jinja2", "--version")
    assert result.returncode == 0
    probe = subprocess.run([sys.executable, "-c", "import jinja2"], cwd=tmp_path, env={
        **os.environ, "PYTHONPATH": str(tmp_path), "GITDIGEST_TEST_BLOCK": "jinja2"},
        capture_output=True, text=True, timeout=60)
    assert "No module named 'jinja2'" in probe.stderr
