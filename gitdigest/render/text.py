"""The plain-text digest, laid out like gitingest's so people can switch without surprises::

    <summary lines>

    Directory structure:
    └── repo/
        └── file.py

    ================================================
    FILE: file.py
    ================================================
    <content>

"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from ..paths import display

if TYPE_CHECKING:
    from ..api import Digest
    from ..model import SourceInfo

SEPARATOR = "=" * 48
TAIL = "\n\n"


def block_head(path: str) -> str:
    """The lines that open a file's block."""
    return f"{SEPARATOR}\nFILE: {display(path)}\n{SEPARATOR}\n"


def preamble(info: SourceInfo, files: int, tree: str) -> str:
    """Summary lines and the tree: everything before the first file block. It holds no token
    total (a count inside the counted text could not be exact) and no timestamp."""
    lines = [f"Source: {display(info.name)}"]
    if info.kind == "remote":
        lines.append(f"URL: {info.location}")
    if info.ref:
        lines.append(f"Ref: {info.ref}")
    if info.commit:
        lines.append(f"Commit: {info.commit}")
    if info.subpath:
        lines.append(f"Subpath: {display(info.subpath)}")
    lines.append(f"Files: {files}")
    return "\n".join(lines) + "\n\nDirectory structure:\n" + tree + "\n"


def render(digest: Digest, out: TextIO) -> None:
    """Write the text digest, one file at a time."""
    out.write(preamble(digest.source, len(digest.files), digest.tree))
    for document, content in digest.contents():
        out.write(block_head(document.path))
        out.write(content)
        out.write(TAIL)
