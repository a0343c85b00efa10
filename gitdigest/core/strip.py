"""``--strip-comments`` and ``--strip-blank-lines``: fewer tokens for the same code.

Both read the file as its language's tree-sitter grammar (:mod:`.grammars`) does, so only
what the grammar calls a comment goes and no string literal is touched: a ``#`` inside a
string stays, and so do Python docstrings (they are strings). A file no installed grammar
handles keeps its comments; the run says how many such files there were
(:func:`unhandled_note`). Kept on purpose: a shebang (``#!`` on the first line) and Go's
``//go:`` and ``// +build`` directives, which change how a program builds.

Blank lines outside strings go from code; in other text (prose, configuration) a run of
blank lines becomes one, since a single blank line separates paragraphs.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any

from .grammars import GRAMMARS, extension_of, load

_DIRECTIVES = (b"#!", b"//go:", b"// +build", b"//line ")
_BLANK_RUN = re.compile(r"\n[ \t]*(?:\n[ \t]*)+\n")
_BLANK_LINE = re.compile(rb"[ \t\r\f\v]*")


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


def unhandled_note(paths: Iterable[str], option: str) -> str | None:
    """One line saying which of ``paths`` no grammar handles, so ``option`` left them."""
    left = [path for path in paths if not handles(path)]
    if not left:
        return None
    kinds = sorted({extension_of(path) or path.rpartition("/")[2] for path in left})
    shown = ", ".join(kinds[:8]) + (", …" if len(kinds) > 8 else "")
    return (f"{option}: {len(left)} file{'s' * (len(left) != 1)} in a language without an "
            f"installed grammar kept as {'it is' if len(left) == 1 else 'they are'} ({shown})")


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
    import tree_sitter

    return list(tree_sitter.QueryCursor(query).captures(tree.root_node).get("found", []))


def _is_comment_kind(kind: str) -> bool:
    return kind.endswith("comment") or kind == "haddock"


def _is_string_kind(kind: str) -> bool:
    return any(word in kind for word in ("string", "heredoc", "nowdoc"))


def strip_comments(text: str, path: str = "") -> str:
    """``text`` without its comments, as the grammar for ``path`` finds them (unchanged when no
    grammar handles it). A line that held only a comment goes; no trailing spaces are left."""
    parsed = _parse(text, path)
    if parsed is None:
        return text
    data, tree, extension = parsed
    edits = []
    for node in _found(tree, extension, "comment"):
        if node.parent is not None and _is_comment_kind(node.parent.type):
            continue  # a doc comment inside its comment (Rust): the outer one goes
        start, end = node.start_byte, node.end_byte
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
