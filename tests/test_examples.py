"""The examples run, so they cannot rot."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

from .conftest import MakeRepo

EXAMPLES = Path(__file__).parent.parent / "examples"


def test_python_api_example(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "print('a')\n", "tests/t.py": "t\n", "img.png": b"\x89PNG"})
    result = subprocess.run([sys.executable, str(EXAMPLES / "python_api.py"), str(root),
                             "--json"], capture_output=True, text=True, check=True)
    first, rest = result.stdout.split("\n", 1)
    assert re.fullmatch(r"1 files, \d+ tokens \(o200k_base\)", first)
    assert "a.py:" in rest and "skipped img.png: ignored (default:*.png)" in rest
    digest = json.loads(rest[rest.index("{"):])
    assert [f["path"] for f in digest["files"]] == ["a.py"]


def test_ci_snippet_steps_run(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "print('a')\n"})
    steps = re.findall(r"^\s+- run: (.+)$", (EXAMPLES / "ci-digest.yml").read_text(), re.M)
    assert len(steps) == 4
    for step in steps:
        if step.startswith("pip install"):
            continue  # the package under test is already installed
        argv = shlex.split(step)
        if argv[0] == "gitdigest":
            argv = [sys.executable, "-m", "gitdigest", *argv[1:]]
        elif argv[0] == "python":
            argv[0] = sys.executable
        subprocess.run(argv, cwd=root, check=True, capture_output=True)
    assert (root / "digest.txt").read_text().startswith("Source: repo\n")
    assert json.loads((root / "digest.json").read_text())["summary"]["files"] == 1
