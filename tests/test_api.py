"""The Python API: same pipeline, synchronous, usable inside a running event loop."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gitdigest import Digest, Options, UsageError, digest, open_digest

from .conftest import MakeRepo


def test_digest_returns_a_self_contained_result(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"a.py": "a = 1\n", "b/c.md": "# c\n"})
    result = digest(str(root), exclude="b/", max_size="1k")
    assert isinstance(result, Digest)
    assert [d.path for d in result.files] == ["a.py"]
    assert result.content(result.files[0]) == "a = 1\n"
    assert result.options.max_size == 1024
    out = tmp_path / "d.json"
    result.write(str(out), format="json")
    assert json.loads(out.read_text())["files"][0]["content"] == "a = 1\n"


def test_works_inside_a_running_event_loop(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "a\n"})

    async def notebook_cell() -> int:
        return digest(str(root)).summary.files  # as a Jupyter cell would call it

    assert asyncio.run(notebook_cell()) == 1


def test_open_digest_streams_while_open(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "a\n"})
    with open_digest(Options(source=str(root))) as result:
        assert [text for _, text in result.contents()] == ["a\n"]
    with pytest.raises(RuntimeError, match="source is closed"):
        result.content(result.files[0])


def test_bad_option_values_raise_usage_error() -> None:
    with pytest.raises(UsageError):
        Options(format="yaml")
    with pytest.raises(UsageError):
        digest(".", max_size="lots")


def test_import_is_cheap() -> None:
    code = ("import sys, logging, gitdigest; heavy = {'tiktoken', 'git', 'charset_normalizer'"
            "} & set(sys.modules); print(sorted(heavy), logging.getLogger().handlers)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[] []"
