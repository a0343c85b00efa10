"""A command whose optional extra is missing says which extra to install, in one line, exit 2:
the module is hidden from a real ``gitdigest`` process by an import blocker (installed through
``sitecustomize``), as if the extra's packages were never installed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import MakeRepo

BLOCKER = '''
import importlib.abc, os, sys

BLOCKED = set(os.environ["GITDIGEST_TEST_BLOCK"].split(","))
for name in BLOCKED:
    sys.modules[name] = None  # importlib.util.find_spec gives None, as for a missing package


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
     "the web page needs the web extra (jinja2 is missing): pip install '.[web]'"),
    ("uvicorn", ["serve", "--port", "1"],
     "the web page needs the web extra (uvicorn is missing): pip install '.[web]'"),
    ("mcp", ["mcp"], "the MCP server needs the mcp extra: pip install '.[mcp]'"),
    ("pydantic", ["mcp"], "the MCP server needs the mcp extra: pip install '.[mcp]'"),
    ("distributed,dask", ["batch", "list.txt", "-O", "out", "--engine", "dask"],
     "--engine dask needs Dask: pip install '.[dask]'"),
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
    assert "ModuleNotFoundError" in probe.stderr and "jinja2" in probe.stderr


QUERIED = {"pkg/steps.py": "def run_steps(items):\n    return [step(i) for i in items]\n",
           "pkg/step.py": "def step(item):\n    return item * 2\n",
           "README.md": "# Pkg\nRuns steps.\n"}


def test_query_needs_no_networkx_scipy_or_bm25s(tmp_path: Path, make_repo: MakeRepo) -> None:
    """Ranking and BM25 run on numpy: the compress extra without the packages the equality
    tests compare them with still ranks and answers ``--query``."""
    pytest.importorskip("tree_sitter")
    pytest.importorskip("numpy")
    repo = make_repo(QUERIED)
    result = run_without(tmp_path, "networkx,scipy,bm25s", str(repo), "--query", "run steps",
                         "--max-tokens", "400", "--format", "json", "-o", "-", "-q")
    assert result.returncode == 0, result.stderr
    files = {f["path"]: f for f in json.loads(result.stdout)["files"]}
    assert "graph" in files["pkg/steps.py"]["why"]  # the PageRank around the hits, on numpy
    assert files["pkg/steps.py"]["score"] > files["README.md"]["score"] > 0  # and BM25


def test_query_without_numpy_names_the_extra(tmp_path: Path, make_repo: MakeRepo) -> None:
    """numpy is what the ranking imports: without it the extra counts as missing (one line,
    exit 2), and a budget still outlines Python, unranked."""
    repo = make_repo(QUERIED)
    result = run_without(tmp_path, "numpy", str(repo), "--query", "run steps", "-o", "-")
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("gitdigest: error: --query needs the compress extra: ")
    assert result.stderr.count("\n") == 1
    budgeted = run_without(tmp_path, "numpy", str(repo), "--max-tokens", "300", "-o", "-", "-q")
    assert budgeted.returncode == 0, budgeted.stderr


def test_every_install_hint_is_written_once() -> None:
    """The hints name the extra as the README installs gitdigest (``pip install '.[web]'`` in
    the clone; ``gitdigest-cli`` is not on PyPI), all from one helper."""
    from gitdigest.core.errors import install_hint

    assert install_hint("compress") == "pip install '.[compress]'"
    package = Path(__file__).parent.parent / "gitdigest"
    written = {str(path.relative_to(package)) for path in package.rglob("*.py")
               if re.search(r"pip install '|gitdigest-cli\[", path.read_text(encoding="utf-8"))}
    assert written == {"core/errors.py"}
