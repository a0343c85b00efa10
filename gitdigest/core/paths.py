"""Path helpers shared by every stage: the digest order and safe display of odd names."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

_T = TypeVar("_T")

_UNSAFE = re.compile(r"[\x00-\x1f\x7f\udc80-\udcff\\\"]")
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\\": "\\\\", '"': '\\"'}


def order_key(path: str) -> str:
    """Sort key for the digest order: depth-first, a folder's files before its subfolders.

    Tree and contents both follow it, so the order is documented once: within each folder,
    files by name, then each subfolder (by name) with everything below it. Each folder level
    becomes "\x02name\x00" and the file "\x01name": a string key (cheap to build and to
    compare for 100,000 paths) that orders exactly like comparing the path's parts, because
    no name can hold "\x00".
    """
    head, slash, name = path.rpartition("/")
    if not slash:
        return "\x01" + path
    return "\x02" + head.replace("/", "\x00\x02") + "\x00\x01" + name


def display(path: str) -> str:
    """A one-line, unambiguous rendering of a path: control characters and undecodable bytes
    are escaped and the whole name quoted, so a file name cannot forge digest structure; so
    are the characters a screen does not show as themselves (bidirectional overrides and
    isolates, zero-width and other format characters, line and paragraph separators, spaces
    other than " ": whatever :meth:`str.isprintable` refuses), by code point (``\\u202e``),
    so a name cannot display as another one (Trojan Source)."""
    if not _UNSAFE.search(path) and path.isprintable():
        return path
    return '"' + "".join(_escaped(char) for char in path) + '"'


def readable(text: str) -> str:
    """``text`` as valid Unicode: the undecodable bytes a name or commit text kept (as lone
    surrogates) become U+FFFD, for writers that must encode strictly (JSON, the MCP and web
    answers) and for text only read, never used as a path (a commit's subject)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def inline(text: str) -> str:
    """Free text for one line of a digest (a commit's subject, author or mail address): each
    character a screen does not show as itself (an escape sequence's ESC, a carriage return,
    a bidirectional override) escaped as :func:`display` escapes it in a name, but the text
    left unquoted, quotes and backslashes as they are: a subject is read, not matched."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escaped(char) for char in text)


def hides(path: str) -> bool:
    """Whether :func:`display` escapes a character of ``path`` that is neither a quote nor a
    backslash: one that could hide, reorder or break the name."""
    return not path.isprintable()


def _escaped(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    if "\udc80" <= char <= "\udcff":  # an undecodable byte: as the byte
        return f"\\x{ord(char) - 0xDC00:02x}"
    if ord(char) < 0x20 or char == "\x7f":
        return f"\\x{ord(char):02x}"
    if char == " " or char.isprintable():
        return char
    # by code point, never as \\xNN: that would read as an undecodable byte
    return f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"


def parents(path: str) -> list[str]:
    """Every folder above ``path``, outermost first ("" is the root)."""
    parts = path.split("/")[:-1]
    return ["", *("/".join(parts[: i + 1]) for i in range(len(parts)))]


def inherited(folder: str, cache: dict[str, _T | None],
              own: Callable[[str], _T | None]) -> _T | None:
    """What ``folder`` inherits from the first folder, outermost first, that ``own`` gives a
    value for (None if none does), cached in ``cache`` for ``folder`` and every folder above.

    A loop, not a recursion up the parents: a path 1,000 folders deep is valid (git checks
    it out) and must not exhaust Python's stack.
    """
    pending = []
    while folder and folder not in cache:
        pending.append(folder)
        folder = folder.rpartition("/")[0]
    found = cache[folder] if folder else None
    for name in reversed(pending):  # outermost first: a folder's value needs its parent's
        if found is None:
            found = own(name)
        cache[name] = found
    return found


def link_inside(path: str, target: str) -> bool:
    """Whether a symlink at ``path`` pointing to ``target`` stays inside the root (lexically)."""
    if posixpath.isabs(target):
        return False
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    return not (joined == ".." or joined.startswith("../"))


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/gitdigest`` (``~/.cache/gitdigest`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gitdigest"
