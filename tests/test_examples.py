"""The examples run, so they cannot rot."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import MakeRepo

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.mark.slow
def test_python_api_example(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "print('a')\n", "tests/t.py": "t\n", "img.png": b"\x89PNG"})
    result = subprocess.run([sys.executable, str(EXAMPLES / "python_api.py"), str(root),
                             "--json"], capture_output=True, text=True, check=True)
    first, rest = result.stdout.split("\n", 1)
    assert re.fullmatch(r"1 files, \d+ tokens \(o200k_base\)", first)
    assert "a.py:" in rest and "skipped img.png: ignored (default:*.png)" in rest
    digest = json.loads(rest[rest.index("{"):])
    assert [f["path"] for f in digest["files"]] == ["a.py"]
