"""Under a budget, tests, examples and data are shown whole or cut and never parsed, while
their names still rank the source as a full parse would; ``--compress``, ``--map`` and
``--query`` still outline them, and the cache never mixes the two."""

from __future__ import annotations

import pytest

from gitdigest import digest
from gitdigest.focus import compress, views
from gitdigest.focus.names import python_definitions

from .conftest import MakeRepo


def _module(name: str, functions: int, uses: str = "") -> str:
    body = "".join(f"def {name}_{i}(value):\n    '''Step {i}.'''\n"
                   f"    return value * {i}{uses}\n\n\n" for i in range(functions))
    return f'"""The {name} module."""\n\n{body}'


REPO = {
    "README.md": "# Project\n" + "Intro. " * 30 + "\n",
    "pkg/core.py": _module("core", 30),
    "pkg/engine.py": _module("engine", 20, " + core_3(value)"),
    "pkg/jobs.py": _module("jobs", 12, " + engine_1(value) + helper(value)"),
    # the tests define a name the source uses (``helper``) and one each other uses: without
    # these names the ranking of the source would change
    "tests/conftest.py": "def helper(value):\n    return value\n\n\ndef shared():\n    return 1\n",
    "tests/test_core.py": _module("test_core", 25, " + core_1(value) + shared()"),
    "tests/test_jobs.py": _module("test_jobs", 25, " + jobs_2(value) + helper(value)"),
    "examples/demo.py": _module("demo", 25, " + engine_2(value)"),
}
SOURCE = {"pkg/core.py", "pkg/engine.py", "pkg/jobs.py"}
BUDGET = 2500


@pytest.fixture(autouse=True)
def _extra() -> None:
    pytest.importorskip("tree_sitter")


def _parsed(**options: object) -> tuple[int, object]:
    before = compress.parses
    result = digest(**options)  # type: ignore[arg-type]
    return compress.parses - before, result


def test_a_budget_parses_no_test_or_example_and_ranks_the_source_the_same(
        make_repo: MakeRepo) -> None:
    root = str(make_repo(REPO))
    parsed, brief = _parsed(source=root, max_tokens=BUDGET, workers=1, cache=False)
    assert parsed == len(SOURCE)  # only the package's own modules went through tree-sitter
    assert all(d.view == "full" for d in brief.files if d.path not in SOURCE)
    # --compress parses every file; the importance it gives is the same, to the last digit
    parsed, full = _parsed(source=root, max_tokens=BUDGET, workers=1, cache=False,
                           compress=True)
    assert parsed == len(REPO) - 1  # every Python file
    assert any(d.view != "full" for d in full.files if d.path.startswith("tests/"))
    assert {p: v.importance for p, v in brief.views.items()} == {
        p: v.importance for p, v in full.views.items()}
    assert brief.views["tests/test_jobs.py"].map is None  # no view was worked out
    assert full.views["tests/test_jobs.py"].map is not None


@pytest.mark.parametrize("asked", [{"compress": True}, {"map": True},
                                   {"query": "jobs helper"}])
def test_compress_map_and_query_still_outline_tests(make_repo: MakeRepo,
                                                    asked: dict[str, object]) -> None:
    root = str(make_repo(REPO))
    parsed, result = _parsed(source=root, max_tokens=BUDGET, workers=1, cache=False, **asked)
    # a question parses again the most relevant files whose map entries it aims (views.AIMED)
    again = views.AIMED if "query" in asked else 0
    assert len(REPO) - 1 <= parsed <= len(REPO) - 1 + again
    assert result.views["tests/test_jobs.py"].map is not None


def test_the_cache_keeps_brief_entries_apart_from_outlines(make_repo: MakeRepo) -> None:
    root = str(make_repo(REPO))
    cold = digest(root, max_tokens=BUDGET, workers=1, cache=False).render("text")
    # a budgeted run stores names for the tests, not an outline without views...
    assert _parsed(source=root, max_tokens=BUDGET, workers=1)[1].render("text") == cold
    parsed, full = _parsed(source=root, max_tokens=BUDGET, workers=1, compress=True)
    assert parsed == len(REPO) - 1 - len(SOURCE)  # ...so --compress parses the tests itself
    assert full.views["tests/test_jobs.py"].map is not None
    # and a warm budgeted run takes no view of a test from the outlines --compress stored
    parsed, warm = _parsed(source=root, max_tokens=BUDGET, workers=1)
    assert parsed == 0 and warm.render("text") == cold


def test_python_definitions_are_what_tree_sitter_finds() -> None:
    text = '''"""Module.

def not_this():
    pass
"""
import x


class Outer(Base):
    r"""Doc with \\""" an escaped quote.
class NorThis:
    """

    def method(self):  # def nor_this_comment(): ...
        s = 'def nor_in_a_string(): \\' still'
        async def inner():
            return f"{s}"

    @decorator
    async def coroutine(self): ...


if x:
    def défini(): pass
'''
    names = python_definitions(text)
    assert names == {"Outer", "method", "inner", "coroutine", "défini"}
    found = compress.outline("m.py", text)
    assert found is not None and {d.name for d in found.definitions} == names
