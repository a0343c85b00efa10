"""What an outline is, whoever made it: a file's definitions (:class:`Definition`), its
compressed text and map entry (:class:`Outline`), and the text rules both outliners share —
the :data:`MARKER` for an elided body, comments dropped without leaving blanks, docstrings cut
to their summary, signatures on one line. tree-sitter (:mod:`.compress`) and, for Python
without the compress extra, the standard library's ``ast`` (:mod:`.pyoutline`) find the spans;
the edits made from them are the same code, so the two agree byte for byte where they find
the same spans.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["MAP_DEPTH", "MAP_LINES", "MARKER", "Definition", "Edit", "Outline",
           "apply_edits", "comment_span", "docstring_summary", "nest", "signature_of",
           "text_of"]

MARKER = "…"
#: how deep the map goes: top-level definitions and their members, not functions in functions
MAP_DEPTH = 1
#: at most this many definitions a map entry (a map is an overview: many files, each briefly)
MAP_LINES = 16
#: a replacement of ``data[start:end]`` (byte offsets) by ``bytes``
Edit = tuple[int, int, bytes]

_BLANK_RUNS = re.compile(r"\n[ \t]*(?:\n[ \t]*)+\n")
_SPACES = re.compile(r"\s+")
_SIGNATURE_LIMIT = 160
#: a docstring's first paragraph longer than this is cut to its first sentence
_SUMMARY_LIMIT = 160
_SENTENCE_END = re.compile(rb"[.!?](?=\s)")


@dataclass(frozen=True)
class Definition:
    """A name a file defines, with its one-line signature and nesting depth."""

    name: str
    signature: str
    depth: int
    line: int
    #: defined inside a function body (the outline elides it; the map leaves it out)
    local: bool = False


@dataclass(frozen=True)
class Outline:
    """What one parse of a file yields: the compressed text and its definitions."""

    language: str
    compressed: str
    definitions: tuple[Definition, ...]

    def map_entry(self, first: Callable[[str], int] | None = None) -> str:
        """The file's key definitions — top level and one level in (a class's public methods)
        — one signature a line, indented by nesting, at most :data:`MAP_LINES` of them (top
        level first, and before them the names ``first`` grades highest, e.g. those a
        question asks about; ``… N more`` says what was left), in file order. A name defined
        again right after itself (overloads, a property's setter) is listed once."""
        shown: list[Definition] = []
        previous = None
        for d in self.definitions:
            if d.depth > MAP_DEPTH or d.local or (d.depth and _private(d.name)):
                continue
            if (d.depth, d.name) != previous:
                shown.append(d)
            previous = (d.depth, d.name)
        if len(shown) > MAP_LINES:  # top-level names first, then members, in file order
            grade = first or (lambda name: 0)
            keep = set(sorted(range(len(shown)), key=lambda i: (
                -grade(shown[i].name), shown[i].depth, i))[:MAP_LINES])
            more = len(shown) - MAP_LINES
            shown = [d for i, d in enumerate(shown) if i in keep]
            return "".join(f"{'  ' * d.depth}{d.signature}\n" for d in shown) + (
                f"{MARKER} {more} more\n")
        return "".join(f"{'  ' * d.depth}{d.signature}\n" for d in shown)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def text_of(data: bytes, start: int, end: int) -> str:
    """``data[start:end]`` as text (undecodable bytes kept one-to-one)."""
    return data[start:end].decode("utf-8", "surrogateescape")


def comment_span(data: bytes, start: int, end: int) -> tuple[int, int]:
    """What removing a comment removes: its whole line, newline included, when it stands
    alone on it; else the comment and the blanks before it (no trailing spaces are left)."""
    line = data.rfind(b"\n", 0, start) + 1
    if data[line:start].strip():
        return line + len(data[line:start].rstrip(b" \t")), end
    newline = data.find(b"\n", end)
    if newline >= 0 and not data[end:newline].strip():
        return line, newline + 1
    return line, end


def _uncommented(data: bytes, start: int, end: int, comments: list[tuple[int, int]]) -> str:
    """The text of ``start``..``end`` without the comments inside it (``comments`` sorted)."""
    out, position = [], start
    index = bisect.bisect_left(comments, (start, start))
    while index < len(comments) and comments[index][0] < end:
        first, last = comments[index]
        if last <= end and first >= position:
            out.append(data[position:first])
            position = last
        index += 1
    out.append(data[position:end])
    return b" ".join(out).decode("utf-8", "surrogateescape")


def signature_of(data: bytes, start: int, end: int, comments: list[tuple[int, int]],
                 first_line: bool = False) -> str:
    """A definition's head, ``start``..``end`` (up to its body), on one line without comments
    (``first_line``: only the first line of that span, for a head with no body)."""
    head = _uncommented(data, start, end, comments)
    if first_line:
        head = head.split("\n", 1)[0]
    head = _SPACES.sub(" ", head).strip().rstrip("{:=").rstrip().removesuffix(" do")
    # parameters written one a line read back as `( self, a, )`: close them up again
    head = head.replace("( ", "(").replace(", )", ")").replace(" )", ")")
    if len(head) > _SIGNATURE_LIMIT:
        head = head[:_SIGNATURE_LIMIT - 1] + MARKER
    return head


def docstring_summary(raw: bytes) -> bytes:
    """A docstring (``raw``: its source, quotes and prefix included) cut to its summary on one
    line, with its own quotes: its first paragraph, or of a long one its first sentence (never
    a sentence cut in the middle)."""
    if b"\n" not in raw:
        return raw
    quote = next((q for q in (b'"""', b"'''") if q in raw[:8]), None)
    if quote is None:
        return raw
    opening = raw[:raw.index(quote) + 3]
    lines = [line.strip() for line in raw[len(opening):].removesuffix(quote).split(b"\n")]
    while lines and not lines[0]:
        lines.pop(0)
    paragraph = b" ".join(lines[:lines.index(b"")] if b"" in lines else lines).strip()
    summary = _first_sentence(paragraph) if len(paragraph) > _SUMMARY_LIMIT else paragraph
    # a closing quote right after a quote character would end the string early
    return opening + summary + (b" " if summary.endswith(quote[:1]) else b"") + quote


def _first_sentence(paragraph: bytes) -> bytes:
    """The first sentence of ``paragraph`` (all of it when no sentence ends inside)."""
    found = _SENTENCE_END.search(paragraph)
    return paragraph[:found.end()] if found else paragraph


def apply_edits(data: bytes, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (an edit inside an earlier, wider one is dropped), then
    close up runs of blank lines."""
    edits.sort(key=lambda edit: (edit[0], -edit[1]))
    out: list[bytes] = []
    position = 0
    for start, end, replacement in edits:
        if start < position:
            continue  # inside a body already elided
        out.append(data[position:start])
        out.append(replacement)
        position = end
    out.append(data[position:])
    text = b"".join(out).decode("utf-8", "surrogateescape")
    return _BLANK_RUNS.sub("\n\n", text)


def nest(found: list[tuple[int, int, Definition]], bodies: list[tuple[int, int]]
         ) -> tuple[Definition, ...]:
    """Definitions (with their byte spans) in file order, each with the number of definitions
    around it and whether it lies inside a function body (``bodies``: their spans)."""
    found.sort(key=lambda item: (item[0], -item[1]))
    bodies.sort()
    open_ends: list[int] = []
    result = []
    reach = -1  # the furthest end of the bodies that start before this definition
    index = 0
    for start, end, definition in found:
        while open_ends and open_ends[-1] <= start:
            open_ends.pop()
        while index < len(bodies) and bodies[index][0] <= start:
            reach = max(reach, bodies[index][1])
            index += 1
        local = reach >= end  # bodies nest or are apart: one reaching this far holds it
        result.append(Definition(definition.name, definition.signature, len(open_ends),
                                 definition.line, local))
        open_ends.append(end)
    return tuple(result)
