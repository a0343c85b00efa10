"""The import graph on files a hostile repository wrote to make its patterns backtrack.

Each case is one family of pattern that took quadratic time before the fix, with an input large
enough that the old patterns needed more than 60 seconds (extrapolated from timings at a tenth of
the size: 20,000 blank lines took ``_RS_MOD`` 10.5 s, ``require`` + 20,000 spaces took ``_LUA``
25 s, 20,000 ``import (`` lines took ``_GO_BLOCK`` 21 s; ten times the input is a hundred times
the time). The graph is built in a child process with a generous 20-second limit, so a
regression fails the test instead of hanging the suite; the fixed scan takes well under a second.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gitdigest.change.related import SCAN_LIMIT, Graph

ROOT = Path(__file__).resolve().parent.parent

# (file name, a Python expression for its text); every text stays under the scan limit, so it
# is the patterns that are tested, not the cap
HOSTILE = {
    "python-from-dots": ("evil.py", "'from ' + '.' * 200_000 + 'a\\n'"),
    "python-from-blanks": ("evil.py", "'from ' + ' \\t' * 100_000 + 'x'"),
    "python-from-unclosed-parens": ("evil.py", "'from a import (\\n' * 15_000"),
    "python-from-parens-in-comments": ("evil.py", "'from a import (#(\\n' * 13_000"),
    "line-start-blank-lines-rust": ("evil.rs", "'\\n' * 200_000"),
    "rust-unclosed-pub": ("evil.rs", "'pub(\\n' * 50_000"),
    "line-start-blank-lines-swift": ("evil.swift", "'\\n' * 200_000"),
    "line-start-blank-lines-dart": ("evil.dart", "'\\n' * 200_000"),
    "line-start-blank-lines-shell": ("evil.sh", "'\\n' * 200_000"),
    "line-start-blank-lines-elixir": ("evil.ex", "'\\n' * 200_000"),
    "line-start-blank-lines-java": ("Evil.java", "'\\n' * 200_000"),
    "line-start-blank-lines-kotlin": ("Evil.kt", "'\\n' * 200_000"),
    "scala-unclosed-selector": ("Evil.scala", "'import a.{\\n' * 20_000"),
    "go-unclosed-import-blocks": ("evil.go", "'import (\\n' * 28_000"),
    "lua-require-blanks": ("evil.lua", "'require' + ' ' * 200_000"),
    "javascript-import-blanks": ("evil.js", "'import' + ' ' * 200_000"),
    "tsconfig-unclosed-comments": ("tsconfig.json", "'/* ' * 80_000"),
    "tsconfig-escaped-quotes": ("tsconfig.json", "'\"' + (chr(92) + '\"') * 100_000"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_is_scanned_in_linear_time(name: str) -> None:
    path, text = HOSTILE[name]
    script = (f"from gitdigest.change.related import Graph\n"
              f"text = {text}\n"
              f"assert len(text) < {SCAN_LIMIT}, len(text)\n"
              f"Graph([{path!r}, 'main.py'], {{{path!r}: text, 'main.py': 'x = 1'}}.get)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=20)
    assert done.returncode == 0, done.stderr


def test_imports_past_the_scan_limit_are_not_followed() -> None:
    padding = "#" * 79 + "\n"
    files = {
        "a.py": "import b\n" + padding * (SCAN_LIMIT // len(padding) + 1) + "import c\n",
        "b.py": "", "c.py": "",
    }
    assert Graph(files, files.get).imports["a.py"] == {"b.py"}


def test_comment_with_brackets_inside_python_import_parentheses() -> None:
    files = {
        "a.py": "from pkg import (  # noqa: F401 (re-exported)\n    sub,\n)\n",
        "pkg/__init__.py": "", "pkg/sub.py": "",
    }
    assert Graph(files, files.get).imports["a.py"] == {"pkg/sub.py"}


def test_tsconfig_comments_strings_and_trailing_commas() -> None:
    files = {
        "tsconfig.json": '{ /* a "quoted" word */ "compilerOptions": {\n'
                         '  "baseUrl": "src", // the "root"\n'
                         '  "paths": {"@/*": ["lib/*"], "a\\"//b": ["x"],},\n}}\n',
        "src/lib/util.ts": "", "src/main.ts": "import { u } from '@/util';\n",
    }
    assert Graph(files, files.get).imports["src/main.ts"] == {"src/lib/util.ts"}
