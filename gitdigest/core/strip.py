"""``--strip-comments`` and ``--strip-blank-lines``: fewer tokens for the same code.

Both read the file as its language's tree-sitter grammar (:mod:`.grammars`) does, so only
what the grammar calls a comment goes and no string literal is touched: a ``#`` inside a
string stays, and so do Python docstrings (they are strings). Without its grammar (the
compress extra), Python's comments are found by the standard library's tokenizer, the same
spans. A file no installed grammar handles keeps its comments; the run says how many such
files there were, and which languages the extra would strip (:func:`unhandled_note`). Kept
on purpose: a shebang (``#!`` on the first line) and Go's ``//go:`` and ``// +build``
directives, which change how a program builds.

Blank lines outside strings go from code; in other text (prose, configuration) a run of
blank lines becomes one, since a single blank line separates paragraphs.
"""

from __future__ import annotations

import io
import re
import sys
import threading
import tokenize
from collections.abc import Iterable
from typing import Any

from . import grammars
from .errors import install_hint
from .grammars import (
    GRAMMARS,
    and_list,
    extension_of,
    language_names,
    language_of,
    load,
    query_cursor,
)

_DIRECTIVES = (b"#!", b"//go:", b"// +build", b"//line ")
_BLANK_RUN = re.compile(r"\n[ \t]*(?:\n[ \t]*)+\n")
_BLANK_LINE = re.compile(rb"[ \t\r\f\v]*")
#: an undecodable byte, kept as a lone surrogate (from 3.12 the tokenizer refuses it)
_SURROGATE = re.compile("[\ud800-\udfff]")


def handles(path: str) -> bool:
    """Whether an installed grammar reads ``path`` (else the transforms leave its comments)."""
    extension = extension_of(path)
    if extension not in GRAMMARS:
        return False
    try:
        load(extension)
    except ImportError:
        return False
    return True


def strips(path: str) -> bool:
    """Whether :func:`strip_comments` reads ``path`` as code here: an installed grammar does,
    or it is Python (the standard library's tokenizer, without the grammar)."""
    return language_of(path) == "python" or handles(path)


def fingerprint() -> str:
    """What reads code for the transforms, for the token cache key: the installed grammars
    (:func:`grammars.fingerprint`), and without Python's, the Python whose tokenizer reads
    Python files (a cache from before, or from an install with the grammar, never mixes)."""
    if handles("a.py"):
        return grammars.fingerprint()
    return f"{grammars.fingerprint()}|tokenize {sys.version_info[0]}.{sys.version_info[1]}"


def unhandled_note(paths: Iterable[str], option: str) -> str | None:
    """One line saying which of ``paths`` ``option`` left as they are: the languages the
    compress extra's grammars would read (every one named), and the kinds no grammar reads."""
    left = [path for path in paths if not strips(path)]
    if not left:
        return None
    languages = {language for path in left if (language := language_of(path)) is not None}
    parts = []
    if languages:
        parts.append(f"{language_names(languages)} need{'s' * (len(languages) == 1)} the "
                     f"compress extra ({install_hint('compress')}; Python is stripped without "
                     "it)")
    kinds = sorted({extension_of(path) or path.rpartition("/")[2] for path in left
                    if language_of(path) is None})
    if kinds:
        shown = kinds[:8] + ([f"{len(kinds) - 8} more"] if len(kinds) > 8 else [])
        parts.append(f"{and_list(shown)} {'has' if len(kinds) == 1 else 'have'} no grammar")
    return (f"{option}: {len(left)} file{'s' * (len(left) != 1)} kept as "
            f"{'it is' if len(left) == 1 else 'they are'}: {'; '.join(parts)}")


def python_comments(data: bytes, text: str) -> list[tuple[int, int]] | None:
    """The byte span of every comment in the Python source ``text`` (``data``: its bytes,
    undecodable ones kept as surrogates), as :mod:`tokenize` finds them, a "\\r" before the
    line's "\\n" included as tree-sitter has it; None when the tokenizer cannot read ``text``
    (an unclosed string or bracket: what looks like a comment may not be one)."""
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line.encode("utf-8", "surrogateescape")) + 1)
    found = []
    readable = _SURROGATE.sub("?", text)  # one character for one: the columns stay
    try:
        for token in tokenize.generate_tokens(io.StringIO(readable).readline):
            if token.type == tokenize.ERRORTOKEN:
                return None
            if token.type == tokenize.COMMENT:
                (row, col), (_, end) = token.start, token.end
                first, stop = (starts[row - 1]
                               + len(lines[row - 1][:column].encode("utf-8", "surrogateescape"))
                               for column in (col, end))
                stop += data[stop:stop + 1] == b"\r"
                found.append((first, stop))
    except (SyntaxError, ValueError, tokenize.TokenError):
        return None
    return sorted(found)


def _parse(text: str, path: str) -> tuple[bytes, Any, str] | None:
    if not handles(path):
        return None
    import tree_sitter

    extension = extension_of(path)
    # surrogateescape keeps undecodable bytes one-to-one, so byte offsets map back exactly
    data = text.encode("utf-8", "surrogateescape")
    return data, tree_sitter.Parser(load(extension)).parse(data), extension


_lock = threading.Lock()
_queries: dict[tuple[str, str], Any] = {}


def _found(tree: Any, extension: str, what: str) -> list[Any]:
    """The nodes that are comments (``what`` = "comment") or string literals ("string"),
    found by a query built from the grammar's own node types (run in C: a walk in Python
    costs a second on a mid-sized repository)."""
    key = (GRAMMARS[extension].key, what)
    with _lock:
        if key not in _queries:
            import tree_sitter

            language = load(extension)
            kinds = sorted({language.node_kind_for_id(i) for i in range(language.node_kind_count)
                            if language.node_kind_is_named(i)
                            and language.node_kind_is_visible(i)})
            wanted = [k for k in kinds if (_is_comment_kind(k) if what == "comment"
                                           else _is_string_kind(k))]
            _queries[key] = tree_sitter.Query(language, "[" + " ".join(
                f"({kind})" for kind in wanted) + "] @found") if wanted else None
        query = _queries[key]
    if query is None:
        return []
    return list(query_cursor(query).captures(tree.root_node).get("found", []))


def _is_comment_kind(kind: str) -> bool:
    return kind.endswith("comment") or kind == "haddock"


def _is_string_kind(kind: str) -> bool:
    return any(word in kind for word in ("string", "heredoc", "nowdoc"))


def strip_comments(text: str, path: str = "") -> str:
    """``text`` without its comments, as the grammar for ``path`` finds them (unchanged when no
    grammar handles it). A line that held only a comment goes; no trailing spaces are left."""
    found = _comments(text, path)
    if found is None:
        return text
    data, comments = found
    edits = []
    for start, end in comments:
        if data.startswith(_DIRECTIVES, start) and (start == 0 or not data.startswith(b"#!",
                                                                                      start)):
            continue
        edits.append(_span(data, start, end))
    if not edits:
        return text
    out, position = [], 0
    for start, end, replacement in sorted(edits):
        if start < position:
            start = position  # two comments on one line: the second's span began earlier
        out += [data[position:start], replacement]
        position = max(position, end)
    out.append(data[position:])
    return b"".join(out).decode("utf-8", "surrogateescape")


def _comments(text: str, path: str) -> tuple[bytes, list[tuple[int, int]]] | None:
    """``text`` as bytes and its comments' byte spans, as the grammar for ``path`` finds them
    or, for Python without its grammar, the tokenizer; None when neither reads it."""
    parsed = _parse(text, path)
    if parsed is not None:
        data, tree, extension = parsed
        # a doc comment inside its comment (Rust): the outer one goes
        return data, [(node.start_byte, node.end_byte)
                      for node in _found(tree, extension, "comment")
                      if node.parent is None or not _is_comment_kind(node.parent.type)]
    if language_of(path) != "python":
        return None
    data = text.encode("utf-8", "surrogateescape")
    spans = python_comments(data, text)
    return None if spans is None else (data, spans)


def _span(data: bytes, start: int, end: int) -> tuple[int, int, bytes]:
    """What removing the comment at ``start``..``end`` removes, and what it leaves instead."""
    line = data.rfind(b"\n", 0, start) + 1
    newline = data.find(b"\n", end)
    eol = len(data) if newline < 0 else newline
    before, after = data[line:start], data[end:eol]
    if not before.strip():
        if not after.strip():  # alone on its line(s): the lines go, newline included
            return line, eol + (newline >= 0), b""
        # `/* why */ code`: the comment and the blanks after it
        return start, end + len(after) - len(after.lstrip(b" \t")), b""
    if not after.strip():  # `code  // why`: the comment and the blanks before it
        return line + len(before.rstrip(b" \t")), end, b""
    # `a /* why */ b`: keep the two sides apart, with one space
    joined = before[-1:].isspace() or after[:1].isspace()
    return start, end, b"" if joined else b" "


def strip_blank_lines(text: str, path: str = "") -> str:
    """``text`` without blank (whitespace-only) lines, except inside string literals, when a
    grammar handles ``path``; other text keeps single blank lines between paragraphs."""
    parsed = _parse(text, path)
    if parsed is None:
        return _BLANK_RUN.sub("\n\n", text)
    data, tree, extension = parsed
    kept: list[tuple[int, int]] = [  # multi-line strings: their blank lines are their text
        (node.start_byte, node.end_byte) for node in _found(tree, extension, "string")
        if node.start_point[0] != node.end_point[0]]
    kept.sort()
    out, index, position = [], 0, 0
    for line in data.splitlines(keepends=True):
        start, position = position, position + len(line)
        while index < len(kept) and kept[index][1] <= start:
            index += 1
        inside = index < len(kept) and kept[index][0] < start
        if inside or _BLANK_LINE.fullmatch(line.rstrip(b"\n")) is None:
            out.append(line)
    return b"".join(out).decode("utf-8", "surrogateescape")
