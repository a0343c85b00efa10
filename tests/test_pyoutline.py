"""Python outlines without the compress extra: the standard library's parser gives the same
outline as tree-sitter on ordinary code, budgets and ``--compress``/``--map`` use it when
tree-sitter is not installed, hostile files fall back to no outline, and the cache never
mixes the two outliners' results.

"Not installed" is real here: the child processes get a ``sitecustomize`` that puts None in
``sys.modules`` for tree-sitter, every grammar wheel and numpy, which is
what ``import`` and ``importlib.util.find_spec`` see for a package that is not there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from gitdigest import digest
from gitdigest.core.grammars import GRAMMARS
from gitdigest.focus import compress, pyoutline
from gitdigest.focus.outlines import MARKER

from .conftest import MakeRepo

EXTRA = sorted({"tree_sitter", "numpy",
                *(grammar.module for grammar in GRAMMARS.values())})
BLOCKER = f"""
import sys
for name in {EXTRA!r}:
    sys.modules[name] = None  # as if not installed: import fails, find_spec gives None
"""


def _environment(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "noextra"
    folder.mkdir(exist_ok=True)
    (folder / "sitecustomize.py").write_text(BLOCKER)
    path = os.pathsep.join([str(folder), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, "XDG_CACHE_HOME": str(tmp_path / "cache")}


def without_extra(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``gitdigest ARGS`` in a process where the compress extra is not installed."""
    return subprocess.run([sys.executable, "-m", "gitdigest", *args],
                          env=_environment(tmp_path), cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)


def python_without_extra(tmp_path: Path, code: str) -> str:
    """What ``code`` prints in a process without the compress extra."""
    result = subprocess.run([sys.executable, "-c", code], env=_environment(tmp_path),
                            cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            check=True)
    return result.stdout


def test_the_blocker_hides_the_extra(tmp_path: Path) -> None:
    shown = python_without_extra(tmp_path, (
        "from gitdigest.focus import compress\n"
        "print(compress.available(), compress.backend(), compress.outlinable('a.py'),"
        " compress.outlinable('a.js'))\n"
        "try:\n    import tree_sitter\nexcept ImportError:\n    print('no tree_sitter')\n"))
    assert shown == "False ast True False\nno tree_sitter\n"


# Ordinary code, with what the outline rules touch: decorators, async, comments wherever
# they may stand, docstrings of every kind and length, one-line bodies, `;`, parenthesized
# statements, nested and local definitions, blocks that hold definitions.
SOURCE = '''"""The module's summary.

More about the module.
"""
from __future__ import annotations

import os  # why os
from typing import Any

LIMIT = 10  # a constant
NAMES = ["a",
         "b"]


@decorator  # a comment after a decorator
@other(
    1)
async def fetch(url: str,  # the address
                retries: int = 3) -> bytes:  # what comes back
    # a comment first in the body
    """Fetch ``url``.

    Retries ``retries`` times.
    """
    return (await get(url))


class Store(Base, metaclass=Meta):  # a comment on the class line
    # a comment before the docstring
    """A store of things, with a docstring long enough to be cut at its first sentence. It
    goes on for a while. And on, past the limit of one hundred and sixty characters, well
    past it.

    Second paragraph.
    """

    kind = "store"

    @property
    def size(self) -> int: return len(self._items);

    def add(self, item: Any,
            *, force: bool = False,
            ) -> None:
        def check(): pass
        class Local: pass
        self._items.append(item)  # trailing

        # after the body



    def _private(self): (yield)

    class Inner:
        """Inner's docstring."""
        def deep(self):
            b"""Bytes docstring.

            More.
            """
            pass


def one_line(): return 1 # why
def implicit(): """a""" """b

    c"""; pass
def parenthesized():
    ("""Not a docstring.

    More.""")
    return None


if os.name == "nt":
    def windows() -> None:
        "Only on Windows."
        pass
else:
    def windows() -> None: ...

try:
    import fast
except ImportError:
    def fast(x): return x


def main() -> None:
    print(fetch("x"))  #
'''


@pytest.mark.extra
@pytest.mark.parametrize("text", [
    SOURCE,
    "#!/usr/bin/env python\n\"\"\"Doc.\n\n    More.\n    \"\"\"\nx = 1\n",
    "\n\n\"\"\"Doc.\n\nMore.\"\"\"\nx = 1\n",
    "def f():\n    f\"\"\"Doc {x}.\n\n    More\"\"\"\n    pass\n",
    "def f():\n    pass\n    # c1\n  # c2\nx = 1\n",
    "def f():\n    x = 1 \\\n       + 2\n    \n\n",
    "def f():\n    x = 1;  # c\n\n",
    "def f(): \\\n    pass\n",
    "def f(a=(1,\n  2)):\n    pass\n",
    "class A(\n    B,  # c\n):\n    pass\n",
    "class A: x = 1\n",
    "match x:\n    case 1:\n        def f(): pass\n",
    "x = 'é'  # café\ndef été(ça='ü'):  # ï\n    return 'ö'\n",
    "def f():\r\n    \"\"\"Doc.\r\n\r\n    More.\"\"\"\r\n    return 1  # c\r\n",
    "",
    "# only a comment\n",
])
def test_the_ast_outline_is_tree_sitters(text: str) -> None:
    assert compress.backend() == "tree-sitter"  # this process has the extra
    mine, theirs = pyoutline.outline(text), compress.outline("m.py", text)
    assert mine is not None and theirs is not None
    assert mine.compressed == theirs.compressed
    assert mine.definitions == theirs.definitions
    assert mine.map_entry() == theirs.map_entry()


def test_the_ast_outline_has_the_documented_shape() -> None:
    found = pyoutline.outline(SOURCE)
    assert found is not None
    text = found.compressed
    assert text.startswith('"""The module\'s summary."""\nfrom __future__ import annotations\n'
                           "\nimport os\nfrom typing import Any\n\nLIMIT = 10\n")
    assert ("@decorator\n@other(\n    1)\nasync def fetch(url: str,\n"
            "                retries: int = 3) -> bytes:\n"
            f'    """Fetch ``url``."""\n    {MARKER}\n') in text
    # the long docstring is cut at its first sentence, never in the middle of one
    assert ('class Store(Base, metaclass=Meta):\n    """A store of things, with a docstring '
            'long enough to be cut at its first sentence."""\n\n    kind = "store"\n') in text
    assert f"    def size(self) -> int: {MARKER}\n" in text
    assert f"    def add(self, item: Any,\n            *, force: bool = False,\n" \
           f"            ) -> None:\n        {MARKER}\n\n    def _private(self): {MARKER}\n" in text
    assert f'def implicit(): {MARKER}\ndef parenthesized():\n    {MARKER}\n' in text
    assert "#" not in text and not any(line != line.rstrip() for line in text.splitlines())
    assert [(d.name, d.signature, d.depth, d.local) for d in found.definitions] == [
        ("fetch", "async def fetch(url: str, retries: int = 3) -> bytes", 0, False),
        ("Store", "class Store(Base, metaclass=Meta)", 0, False),
        ("size", "def size(self) -> int", 1, False),
        ("add", "def add(self, item: Any, *, force: bool = False) -> None", 1, False),
        ("check", "def check()", 2, True),
        ("Local", "class Local", 2, True),
        ("_private", "def _private(self)", 1, False),
        ("Inner", "class Inner", 1, False),
        ("deep", "def deep(self)", 2, False),
        ("one_line", "def one_line()", 0, False),
        ("implicit", "def implicit()", 0, False),
        ("parenthesized", "def parenthesized()", 0, False),
        ("windows", "def windows() -> None", 0, False),
        ("windows", "def windows() -> None", 0, False),
        ("fast", "def fast(x)", 0, False),
        ("main", "def main() -> None", 0, False),
    ]
    assert found.map_entry().splitlines()[:4] == [
        "async def fetch(url: str, retries: int = 3) -> bytes",
        "class Store(Base, metaclass=Meta)", "  def size(self) -> int",
        "  def add(self, item: Any, *, force: bool = False) -> None"]


def _deep_parentheses() -> str:
    return "x = " + "(" * 100_000 + "1" + ")" * 100_000 + "\n"


def _long_chain() -> str:
    return "x = " + "1 + " * 200_000 + "1\n"


def _deep_blocks() -> str:
    return "".join(" " * i + "if x:\n" for i in range(120)) + " " * 120 + "pass\n"


@pytest.mark.parametrize("text", [
    pytest.param("print 'hello'\ndef f():\n    pass\n", id="python2"),
    pytest.param("def f(:\n    pass\n", id="syntax-error"),
    pytest.param("def f():\n\tif x:\n        pass\n\t  return\n", id="bad-indentation"),
    pytest.param("def f():\n    pass\n\x00\n", id="null-byte"),
    pytest.param("def f():\r    pass\r", id="lone-carriage-returns"),
    pytest.param("def f():\n    return '\udcff'\n", id="undecodable-byte"),
    pytest.param(_deep_parentheses(), id="deep-parentheses"),
    pytest.param("x = " + "[" * 5000 + "]" * 5000 + "\n", id="deep-brackets"),
    pytest.param(_deep_blocks(), id="deep-blocks"),
    pytest.param("def f():\n    x = (\n", id="unclosed"),
])
def test_a_file_python_cannot_parse_has_no_outline(text: str) -> None:
    started = time.monotonic()
    assert pyoutline.outline(text) is None
    assert time.monotonic() - started < 30


def test_a_very_deep_expression_neither_crashes_nor_hangs() -> None:
    # 3.10's parser crashed the process on it (C stack overflow); 3.11+ raise RecursionError
    # (no outline), 3.10 parses it in a thread with a deep stack (an outline, no definitions)
    started = time.monotonic()
    found = pyoutline.outline(_long_chain())
    assert found is None or found.definitions == ()
    assert time.monotonic() - started < 30


_TRICKY = {
    "hash-in-strings": "x = '#' + \"#\" + '''#''' + \"\"\"#\"\"\"  # real\n",
    "escaped-quotes": "x = 'it\\'s # no' + \"say \\\"#\\\"\"  # yes 'quoted'\n",
    "raw-and-bytes": "x = r'\\' # still in'  # after raw\ny = b'#' + rb\"\\\"#\"  # after bytes\n",
    "f-strings": "x = f'{a!r:#>10}' + f\"{'#'}\" + F'''{b[\"#\"]}''' # f\n",
    "nested-quotes": "x = \"it's # here\" + 'say \"#\"'  # there\n",
    "continuations": "x = 1 + \\\n    2  # after\ns = 'a\\\n# not a comment'\n# line\n",
    "multiline": "s = \"\"\"\n# not\n'''\n\"\" \\\"\"\" # yes\n\"\"\"\nt = ''''a' ''' # end\n",
    "implicit-concatenation": "x = ('#'  # one\n     \"#\"\n     '#')  # two\n",
    "unicode": "s = 'é#ü'  # ünïcode # twice\n# 日本\r\nt = 1\r\n",
    "comment-only": "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n#\n",
    "empty-strings": "x = '' + \"\" # a\ny = ''''''  # b\n",
    "decorator-and-def": "@d  # deco\ndef f(a='#'):  # sig\n    return a  # body\n",
}


@pytest.mark.parametrize("text", list(_TRICKY.values()), ids=list(_TRICKY))
def test_the_comment_scan_finds_what_the_tokenizer_finds(text: str) -> None:
    compile(text, "tricky.py", "exec")  # the scan reads only source that parses
    data = text.encode("utf-8")
    found = pyoutline._comments(data, text)
    assert found == pyoutline._tokenized_comments(data, text)
    assert found and all(data[start:start + 1] == b"#" for start, _ in found)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the running Python reads `type`")
def test_syntax_newer_than_the_interpreter_has_no_outline() -> None:
    assert pyoutline.outline("type Pair = tuple[int, int]\ndef f():\n    pass\n") is None


def test_a_large_file_and_deep_definitions_are_outlined() -> None:
    body = "".join(f"def f{i}(x):\n    # step {i}\n    return x + {i}\n\n" for i in range(20_000))
    nested = "".join("    " * i + f"def g{i}():\n" for i in range(90)) + "    " * 90 + "pass\n"
    started = time.monotonic()
    large = pyoutline.outline(body)
    deep = pyoutline.outline(nested)
    assert time.monotonic() - started < 60
    assert large is not None and len(large.definitions) == 20_000
    assert large.compressed.count(MARKER) == 20_000 and "#" not in large.compressed
    assert deep is not None and [d.depth for d in deep.definitions] == list(range(90))
    assert deep.compressed == f"def g0():\n    {MARKER}\n"


# A package like flask's: large modules, entry points, prose and housekeeping around them.
def _module(name: str, functions: int) -> str:
    body = "".join(
        f"def {name}_{i}(app, value: int, *, strict: bool = False) -> int:\n"
        f'    """Step {i} of {name}: what it does, in one line.\n\n'
        f"    A longer explanation of step {i}, which the outline leaves out.\n    \"\"\"\n"
        f"    total = value * {i}  # scaled\n    for item in range({i}):\n"
        f"        total += item * {i} + len(app.name)\n"
        f"    if strict and total > {i * 100}:\n        raise ValueError(total)\n"
        f"    return total\n\n\n" for i in range(functions))
    return f'"""The {name} module."""\nimport os\n\nfrom . import helpers\n\n{body}'


CORE = ("app", "blueprints", "config", "sessions", "views", "wrappers", "cli")
PACKAGE = {
    "README.md": "# pkg\n\nA web framework.\n",
    "pyproject.toml": "[project]\nname = 'pkg'\n",
    "src/pkg/__init__.py": "".join(f"from .{name} import {name}_1\n" for name in CORE),
    "src/pkg/helpers.py": _module("helpers", 6),
    **{f"src/pkg/{name}.py": _module(name, 14) for name in CORE},
    ".github/workflows/tests.yaml": "jobs:\n  test:\n    runs-on: ubuntu-latest\n" * 8,
    ".github/ISSUE_TEMPLATE/bug.md": "Describe the bug.\n" * 20,
    ".editorconfig": "[*]\nindent_style = space\n" * 10,
    "docs/index.rst": "Welcome\n=======\n\n" + "About the framework. " * 40 + "\n",
    "docs/license.rst": "License\n=======\n\n" + "Permission is granted. " * 40 + "\n",
    "docs/tutorial.rst": "Tutorial\n========\n\n" + "Build an app. " * 120 + "\n",
}


def _digest_json(tmp_path: Path, root: Path, *args: str) -> dict[str, Any]:
    result = without_extra(tmp_path, str(root), "-f", "json", "-o", "-", "-q", *args)
    assert result.returncode == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)
    return found


@pytest.mark.parametrize("share", [45, 75])
def test_without_the_extra_a_budget_compresses_source_before_docs_and_ci(
        make_repo: MakeRepo, tmp_path: Path, share: int) -> None:
    # flask at 50,000 tokens, in small: before, the core modules that did not fit whole were
    # cut (at 75%: blueprints.py and wrappers.py) while .github/ and docs/ files were kept
    root = make_repo(PACKAGE)
    whole = _digest_json(tmp_path, root, "--max-tokens", "1000000")
    budget = whole["summary"]["tokens"] * share // 100  # the core cannot all be whole
    found = _digest_json(tmp_path, root, "--max-tokens", str(budget))
    views = {f["path"]: f["view"] for f in found["files"]}
    assert found["summary"]["tokens"] <= budget
    for name in CORE:
        assert views.get(f"src/pkg/{name}.py") in ("full", "compressed"), views
    assert "compressed" in views.values()
    cut = {s["path"] for s in found["skipped"] if s["reason"] == "budget"}
    assert cut and not any(path.startswith("src/") for path in cut)
    compressed = next(f for f in found["files"] if f["view"] == "compressed")
    outlined = pyoutline.outline(PACKAGE[compressed["path"]])
    assert outlined is not None and compressed["content"] == outlined.compressed


def test_without_the_extra_a_tight_budget_gives_map_entries(make_repo: MakeRepo,
                                                            tmp_path: Path) -> None:
    root = make_repo({name: text for name, text in PACKAGE.items() if name.startswith("src/")})
    found = _digest_json(tmp_path, root, "--max-tokens", "2500")
    views = {f["path"]: f["view"] for f in found["files"]}
    assert found["summary"]["tokens"] <= 2500
    assert "map" in views.values()
    entry = next(f for f in found["files"] if f["view"] == "map")
    outlined = pyoutline.outline(PACKAGE[entry["path"]])
    assert outlined is not None and entry["content"] == outlined.map_entry()


def test_without_the_extra_compress_and_map_outline_python(make_repo: MakeRepo,
                                                           tmp_path: Path) -> None:
    files = {"src/pkg/app.py": PACKAGE["src/pkg/app.py"], "web/main.js": "function f() {\n"
             "  return 1;\n}\n", "README.md": "# pkg\n"}
    root = make_repo(files)
    result = without_extra(tmp_path, str(root), "--compress", "-o", "-", "-f", "json")
    assert result.returncode == 0, result.stderr
    views = {f["path"]: f["view"] for f in json.loads(result.stdout)["files"]}
    assert views == {"src/pkg/app.py": "compressed", "web/main.js": "full", "README.md": "full"}
    assert _warnings(result.stderr) == [
        "1 file in JavaScript stays whole: the compress extra would outline it (pip install "
        "'.[compress]'); without it, --compress outlines Python only"]
    mapped = without_extra(tmp_path, str(root), "--map", "-o", "-")
    assert mapped.returncode == 0, mapped.stderr
    assert "def app_1(app, value: int, *, strict: bool = False) -> int" in mapped.stdout
    assert _warnings(mapped.stderr) == [
        "1 file in JavaScript is not mapped: the compress extra would outline it (pip install "
        "'.[compress]'); without it, --map outlines Python only"]
    assert ("\nweb/main.js (no-definitions: --map outlines Python only without the compress "
            "extra)\n") in mapped.stdout
    assert "\nREADME.md (no-definitions: --map shows only files with definitions)\n" in (
        mapped.stdout)


def _warnings(stderr: str) -> list[str]:
    return [line.removeprefix("gitdigest: warning: ") for line in stderr.splitlines()
            if line.startswith("gitdigest: warning: ")]


def _go(name: str, count: int) -> str:
    return "package app\n\n" + "".join(
        f"// {name}{i} does step {i}.\nfunc {name.title()}{i}(x int) int {{\n"
        + "".join(f"\tx = x*{j} + {i} // step {j}\n" for j in range(12)) + "\treturn x\n}\n\n"
        for i in range(count))


def test_without_the_extra_a_budget_names_the_languages_it_would_outline(
        make_repo: MakeRepo, tmp_path: Path) -> None:
    """A budget that leaves Go and Rust files out says, once, that the extra would outline
    them; one that leaves nothing out, or runs with the extra, says nothing of it."""
    root = make_repo({"README.md": "# app\n", "main.go": _go("main", 4), "util.go": _go("util", 4),
                      "store.go": _go("store", 4), "src/lib.rs": "fn a() -> u8 {\n    1\n}\n"
                      * 60, "tool.py": "def f():\n    return 1\n"})
    result = without_extra(tmp_path, str(root), "--max-tokens", "900", "-o", "-", "-f", "json")
    assert result.returncode == 0, result.stderr
    cut = sorted(s["path"] for s in json.loads(result.stdout)["skipped"])
    assert cut  # the budget had to leave source out
    assert _warnings(result.stderr) == [
        f"{len(cut)} file{'s' * (len(cut) > 1)} in Go and Rust {'were' if len(cut) > 1 else 'was'}"
        " left out to fit the budget: the compress extra would outline them (pip install "
        "'.[compress]'); without it, a budget outlines Python only"]
    roomy = without_extra(tmp_path, str(root), "--max-tokens", "100000", "-o", "-")
    assert roomy.returncode == 0 and _warnings(roomy.stderr) == []
    if compress.backend() == "tree-sitter":
        assert not [n for n in digest(str(root), max_tokens=900).notes if "extra" in n]


def test_without_the_extra_strip_comments_strips_python_and_names_the_rest(
        make_repo: MakeRepo, tmp_path: Path) -> None:
    """Python's comments go without the extra (its tokenizer finds them); the one warning
    names the languages the extra would strip, every one, and what has no grammar."""
    root = make_repo({"a.py": "x = '#kept'  # gone\n", "main.go": "package main\n// kept go\n",
                      "web/app.js": "// kept js\n", "README.md": "# Title\n",
                      "Makefile": "all:\n"})
    result = without_extra(tmp_path, str(root), "--strip-comments", "-o", "-", "-f", "json")
    assert result.returncode == 0, result.stderr
    files = {f["path"]: f["content"] for f in json.loads(result.stdout)["files"]}
    assert files["a.py"] == "x = '#kept'\n"
    assert "// kept go" in files["main.go"] and "// kept js" in files["web/app.js"]
    assert _warnings(result.stderr) == [
        "--strip-comments: 4 files kept as they are: Go and JavaScript need the compress extra "
        "(pip install '.[compress]'; Python is stripped without it); Makefile and md have no "
        "grammar"]


def test_without_the_extra_python_comments_go_as_tree_sitter_takes_them(
        tmp_path: Path) -> None:
    pytest.importorskip("tree_sitter_python")
    from gitdigest.core.strip import strip_comments

    cases = {**_TRICKY, "source": SOURCE, "crlf": "x = 1  # a\r\n# b\r\ny = 2\r\n",
             "undecodable": "x = 1  # caf\udce9\n"}
    shown = python_without_extra(tmp_path, (
        "import json, sys\nfrom gitdigest.core.strip import strip_comments\n"
        f"cases = {cases!r}\n"
        "print(json.dumps({k: strip_comments(v, 'a.py') for k, v in cases.items()}))\n"))
    assert json.loads(shown) == {name: strip_comments(text, "a.py")
                                 for name, text in cases.items()}


def test_without_the_extra_no_python_means_the_extra_is_needed(make_repo: MakeRepo,
                                                               tmp_path: Path) -> None:
    root = make_repo({"main.js": "function f() {\n  return 1;\n}\n"})
    for option in ("--compress", "--map"):
        result = without_extra(tmp_path, str(root), option, "-o", "-")
        assert (result.returncode, result.stderr) == (
            2, f"gitdigest: error: {option} needs the compress extra: pip install "
               "'.[compress]'\n")
    result = without_extra(tmp_path, str(root), "--query", "steps", "-o", "-")
    assert (result.returncode, result.stderr) == (
        2, "gitdigest: error: --query needs the compress extra: pip install "
           "'.[compress]'\n")


def test_without_the_extra_hostile_files_stay_whole_or_cut(make_repo: MakeRepo,
                                                           tmp_path: Path) -> None:
    root = make_repo({"src/pkg/app.py": PACKAGE["src/pkg/app.py"],
                      "src/pkg/deep.py": _deep_parentheses(),
                      "src/pkg/chain.py": "x = " + "1 + " * 30_000 + "1\n",
                      "src/pkg/old.py": "print 'hello'\n" * 50,
                      "src/pkg/nul.py": "def f():\n    pass\n\x00\n"})
    started = time.monotonic()
    found = _digest_json(tmp_path, root, "--max-tokens", "200000", "--compress")
    assert time.monotonic() - started < 120
    views = {f["path"]: f["view"] for f in found["files"]}
    assert views["src/pkg/app.py"] == "compressed"
    assert all(views.get(path, "full") == "full" for path in views if path != "src/pkg/app.py")


def test_the_cache_keeps_the_two_outliners_apart(make_repo: MakeRepo, tmp_path: Path) -> None:
    from gitdigest.focus import memo

    printed = python_without_extra(tmp_path, (
        "from gitdigest.focus import memo, pyoutline\n"
        "print(memo.tools_version(), pyoutline.VERSION)\n")).split()
    assert printed[0] != memo.tools_version()
    assert printed[1:] == ["ast", ".".join(map(str, sys.version_info[:3]))]
    # Python 2: tree-sitter outlines it, the running Python cannot. A run with the extra
    # stores its outline; a run without it, on the same cache, must not show that outline.
    old = "".join(f"def f{i}(x):\n    print 'step', x\n    return x + {i}\n\n"
                  for i in range(60))
    root = make_repo({"src/pkg/old.py": old, "src/pkg/app.py": PACKAGE["src/pkg/app.py"]})
    args = [str(root), "--compress", "-f", "json", "-o", "-", "-q"]
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    with_extra = subprocess.run([sys.executable, "-m", "gitdigest", *args], env=environment,
                                capture_output=True, text=True, timeout=300, check=True)
    for result in (with_extra, without_extra(tmp_path, *args), without_extra(tmp_path, *args)):
        assert result.returncode == 0, result.stderr
        views = {f["path"]: f["view"] for f in json.loads(result.stdout)["files"]}
        expected = "compressed" if result is with_extra else "full"
        assert views == {"src/pkg/old.py": expected, "src/pkg/app.py": "compressed"}
