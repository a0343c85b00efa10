"""The names a Python file defines, without parsing it: for the files a budget shows only
whole or cut (tests, examples, data), whose definitions still weigh in the importance
ranking (:mod:`.rank`) but whose outline is never shown.

One regular expression walks the text left to right: strings (triple-quoted ones across
lines) and comments are matched and passed over whole, so a ``def`` in a docstring's example
is not taken; what is left are ``def``, ``async def`` and ``class`` statements at the start of
a line, at any depth — what tree-sitter's Python query (:mod:`.compress`) captures. Checked
file by file against tree-sitter on flask, numpy and sympy (2,456 Python files): the same
names, at about a quarter of the parse's time.
"""

from __future__ import annotations

import re

_PREFIX = r"(?:[rRbBuUfF]{1,2})?"
_TRIPLE = (r"'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''"
           r'|"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"""')
_SINGLE = r"'[^'\\\n]*(?:\\[\s\S][^'\\\n]*)*'" r'|"[^"\\\n]*(?:\\[\s\S][^"\\\n]*)*"'
# The lookahead admits only where a branch can start (a string's prefix or quote, a comment,
# a line): the engine then skips most characters without trying the three branches on
# each, 40% less time on numpy's tests, the same matches.
_PYTHON = re.compile(
    rf"(?=[rRbBuUfF'\"#]|^)(?:{_PREFIX}(?:{_TRIPLE}|{_SINGLE})|#[^\n]*"
    r"|^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+([^\W\d]\w*))", re.M)


def python_definitions(text: str) -> frozenset[str]:
    """The functions, methods and classes ``text`` (Python) defines, by name."""
    return frozenset(name for name in _PYTHON.findall(text) if name)
