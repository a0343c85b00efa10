"""Outlines of Python files from the standard library's :mod:`ast`, for when tree-sitter (the
compress extra) is not installed: the same definitions, compressed text and map entry as
:mod:`.compress` gives, so a budget can still show a Python module compressed or as its map
entry rather than cut.

The spans are those tree-sitter's Python query finds — a definition from its ``def``,
``async`` or ``class`` to the end of its body, a body from its first statement (a decorator's
``@`` included) to its last (a closing ``;`` included), docstrings as the first statement of
a module, class or function, comments where the tokenizer finds them (found by a regular
expression, see :func:`_comments`) — and :mod:`.outlines` turns them into text with the same
code, so ordinary code gets the same bytes. Where the two differ:

- a file the running Python cannot parse (a syntax error, Python 2, syntax newer than the
  interpreter, null bytes, nesting deeper than the parser allows, a lone carriage return as
  a line end) gets no outline here (it is shown whole or cut), where tree-sitter recovers;
- a docstring tree-sitter reads as one string but the scanner here does not (an f-string
  reusing its own quotes inside ``{}``) is elided with the body rather than kept.

Only statements are walked, never expressions, so a deeply nested expression costs no
recursion here; the parser's own limits raise, and the file gets no outline.
"""

from __future__ import annotations

import ast
import re
import sys
import threading
import tokenize
from dataclasses import dataclass

from ..core.strip import python_comments
from .outlines import (
    MARKER,
    Definition,
    Edit,
    Outline,
    apply_edits,
    comment_span,
    docstring_summary,
    nest,
    signature_of,
)

__all__ = ["VERSION", "outline"]

#: what made the outline, for the cache key: the parser's output differs by Python version
VERSION = "ast " + ".".join(map(str, sys.version_info[:3]))

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
#: the fields that hold statements (or except and case clauses, which hold statements), in the
#: order ``_fields`` lists them; on a statement, a clause or a module no other field does
_BLOCKS = ("body", "handlers", "orelse", "finalbody", "cases")
#: what the parser or tokenizer raise on a file they cannot read (a null byte is a ValueError
#: before Python 3.12, an undecodable byte kept as a surrogate a UnicodeEncodeError)
_UNREADABLE = (SyntaxError, ValueError, RecursionError, MemoryError, tokenize.TokenError)


def outline(text: str) -> Outline | None:
    """The outline of the Python source ``text``; None when the running Python cannot parse
    it (the file is then shown whole or cut, as without any outline)."""
    if "\r" in text.replace("\r\n", ""):
        return None  # ast counts a lone "\r" as a line end, the offsets here do not
    try:
        return _Source(text).outline()
    except _UNREADABLE:
        return None


#: Python 3.10's parser turns a deep expression (``1 + 1 + …`` 200,000 times) into objects
#: without a depth check and overflows the C stack (a crash, not an exception); a thread with
#: this much stack, reserved and touched only as deep as the parse goes, holds any file
#: :data:`gitdigest.focus.views.OUTLINE_LIMIT` lets through. 3.11 raises RecursionError.
_DEEP_STACK = 1 << 30


def _parse(text: str) -> ast.Module:
    if sys.version_info >= (3, 11):
        return ast.parse(text)
    found: list[ast.Module | BaseException] = []

    def parse() -> None:
        try:
            found.append(ast.parse(text))
        except BaseException as error:  # handed to the caller's thread
            found.append(error)

    try:
        previous = threading.stack_size(_DEEP_STACK)
        try:
            worker = threading.Thread(target=parse, name="gitdigest-ast")
            worker.start()
        finally:
            threading.stack_size(previous)
        worker.join()
    except (RuntimeError, ValueError) as error:  # no thread that large here
        raise MemoryError("no room for a deep parse") from error
    if isinstance(found[0], BaseException):
        raise found[0]
    return found[0]


@dataclass
class _Found:
    """One definition: its span, its body's, its name, line and first statement."""

    start: int
    end: int
    body: tuple[int, int]
    name: str
    line: int
    function: bool
    first: ast.stmt


class _Source:
    """One file's text as bytes, with the byte offset of each line and its comments."""

    def __init__(self, text: str) -> None:
        self.tree = _parse(text)
        self.data = text.encode("utf-8")
        self.lines = text.split("\n")
        self.starts = [0]
        for line in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(line.encode("utf-8")) + 1)
        self.comments = _comments(self.data, text) if b"#" in self.data else []

    def outline(self) -> Outline:
        """The compressed text and definitions, as :func:`.compress.outline` gives them."""
        edits: list[Edit] = [(*comment_span(self.data, start, end), b"")
                             for start, end in self.comments]
        body = self.tree.body
        if body and (doc := self._docstring(body[0])) is not None and not (
                self.comments and self.comments[0][0] < doc[0]):
            # tree-sitter reads a module's docstring only when nothing, not even a comment,
            # comes before it
            edits.append((*doc, docstring_summary(self.data[doc[0]:doc[1]])))
        found = self._definitions()
        for item in found:
            if item.function:
                edits.append((*item.body, self._elided(item)))
            elif (doc := self._docstring(item.first)) is not None:
                edits.append((*doc, docstring_summary(self.data[doc[0]:doc[1]])))
        definitions = [(item.start, item.end, Definition(
            item.name, signature_of(self.data, item.start, item.body[0], self.comments), 0,
            item.line)) for item in found]
        bodies = [item.body for item in found if item.function]
        return Outline("python", apply_edits(self.data, edits), nest(definitions, bodies))

    def _offset(self, line: int, column: int) -> int:
        """The byte offset of ``line`` (1-based) and ``column`` (ast's, in bytes)."""
        return self.starts[line - 1] + column

    def _definitions(self) -> list[_Found]:
        """Every function and class, at any depth (statements only: no expression is
        walked, so no recursion follows a deep one)."""
        found: list[_Found] = []
        stack: list[ast.AST] = list(reversed(self.tree.body))
        while stack:
            node = stack.pop()
            if isinstance(node, _DEFINITIONS):
                found.append(self._found(node))
            children = [child for field in _BLOCKS for child in getattr(node, field, ())]
            stack.extend(reversed(children))
        return found

    def _found(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> _Found:
        start = self._offset(node.lineno, node.col_offset)
        body = (self._statement_start(node.body[0]), self._statement_end(node.body[-1]))
        return _Found(start, body[1], body, node.name, node.lineno,
                      isinstance(node, _FUNCTIONS), node.body[0])

    def _statement_start(self, node: ast.stmt) -> int:
        """Where a statement starts: at its first decorator's ``@`` when it has one."""
        decorators = getattr(node, "decorator_list", None)
        if not decorators:
            return self._offset(node.lineno, node.col_offset)
        first = decorators[0]
        position = self._offset(first.lineno, first.col_offset)
        at = self.data.rfind(b"@", 0, position)
        return at if at >= 0 else position

    def _statement_end(self, node: ast.stmt) -> int:
        """Where a body's last statement ends, a ``;`` after it included (as tree-sitter's
        block has it)."""
        end = self._offset(node.end_lineno or node.lineno, node.end_col_offset or 0)
        after = end
        while after < len(self.data) and self.data[after:after + 1] in (b" ", b"\t"):
            after += 1
        return after + 1 if self.data[after:after + 1] == b";" else end

    def _docstring(self, node: ast.stmt) -> tuple[int, int] | None:
        """The span of the string that is the statement ``node``, when it is one string
        literal as tree-sitter reads one (not parenthesized, not two strings joined)."""
        if not isinstance(node, ast.Expr):
            return None
        value = node.value
        if not (isinstance(value, ast.JoinedStr) or (
                isinstance(value, ast.Constant) and isinstance(value.value, (str, bytes)))):
            return None
        if (value.lineno, value.col_offset) != (node.lineno, node.col_offset):
            return None  # in parentheses
        start = self._offset(value.lineno, value.col_offset)
        end = self._offset(value.end_lineno or value.lineno, value.end_col_offset or 0)
        return (start, end) if _one_literal(self.data[start:end]) else None

    def _elided(self, item: _Found) -> bytes:
        """A function's body as the outline shows it: its docstring's summary, if it starts
        with one, then the marker."""
        doc = self._docstring(item.first)
        if doc is None:
            return MARKER.encode()
        indent = b" " * (item.body[0] - self.data.rfind(b"\n", 0, item.body[0]) - 1)
        return (docstring_summary(self.data[doc[0]:doc[1]]) + b"\n" + indent
                + MARKER.encode())


#: a comment or a string literal, in bytes (quotes, "#" and "\\" are ASCII, so UTF-8 can be
#: read byte by byte): a literal's prefix letters need no matching, its quote starts it
_TOKENS = re.compile(
    rb"(?P<comment>#[^\r\n]*)"
    rb"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
    rb'|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
    rb"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'"
    rb'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"',
    re.DOTALL)
#: an f-string: from Python 3.12 its expressions may reuse its quotes and hold comments, which
#: the pattern above cannot follow
_FSTRING = re.compile(rb"(?<![\w])[rRbBuU]?[fF][rR]?['\"]")


def _comments(data: bytes, text: str) -> list[tuple[int, int]]:
    """The byte span of every comment in ``data``, source :func:`ast.parse` read (so every
    literal is closed), a "\\r" before the line's "\\n" included as tree-sitter has it.

    A "#" outside a string literal starts a comment: the scan reads literals and comments
    left to right as the tokenizer does, for a regular expression's cost rather than a token
    object per word (the tokenizer was most of an outline's time)."""
    if sys.version_info >= (3, 12) and _FSTRING.search(data):
        return _tokenized_comments(data, text)
    found = []
    for match in _TOKENS.finditer(data):
        if match.lastgroup == "comment":
            stop = match.end()
            stop += data[stop:stop + 1] == b"\r"
            found.append((match.start(), stop))
    return found


def _tokenized_comments(data: bytes, text: str) -> list[tuple[int, int]]:
    """The comments as :mod:`tokenize` finds them (slow: a Python object per token), as
    ``--strip-comments`` finds them without the grammar."""
    found = python_comments(data, text)
    if found is None:
        raise tokenize.TokenError("the tokenizer cannot read this file")
    return found


#: one string literal, whole: its prefix, its quote, then anything up to the same quote not
#: escaped by a "\\", and nothing after (the tokenizer's rule, without its line rules)
_ONE_LITERAL = re.compile(
    rb"[rRbBuUfF]*(?:'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
    rb'|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
    rb"|'[^'\\]*(?:\\.[^'\\]*)*'"
    rb'|"[^"\\]*(?:\\.[^"\\]*)*")',
    re.DOTALL)


def _one_literal(raw: bytes) -> bool:
    """Whether ``raw`` is a single string literal: its closing quote is its last byte."""
    return _ONE_LITERAL.fullmatch(raw) is not None
