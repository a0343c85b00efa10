"""The plain-text digest, laid out like gitingest's so people can switch without surprises::

    <summary lines>

    Directory structure:
    └── repo/
        └── file.py

    ================================================
    FILE: file.py
    ================================================
    <content>

With ``--header``/``--instructions`` the user's prompt comes first, and with ``--with-notes`` the
notes follow it as a ``REFERENCE:`` block, both before the summary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from ..paths import display

if TYPE_CHECKING:
    from ..api import Digest
    from ..model import SourceInfo
    from ..prologue import Prologue

SEPARATOR = "=" * 48
TAIL = "\n\n"


def block_head(path: str, note: str = "") -> str:
    """The lines that open a file's block (``note`` marks a continued chunk)."""
    return f"{SEPARATOR}\nFILE: {display(path)}{note}\n{SEPARATOR}\n"


def _source_lines(info: SourceInfo) -> list[str]:
    lines = [f"Source: {display(info.name)}"]
    if info.kind == "remote":
        lines.append(f"URL: {info.location}")
    if info.ref:
        lines.append(f"Ref: {info.ref}")
    if info.commit:
        lines.append(f"Commit: {info.commit}")
    if info.subpath:
        lines.append(f"Subpath: {display(info.subpath)}")
    return lines


def preamble(info: SourceInfo, prologue: Prologue, files: int, tree: str,
             part: tuple[int, int] | None = None) -> str:
    """Everything before the first file block. It holds no token total (a count inside the
    counted text could not be exact) and no timestamp."""
    out = ""
    if prologue.instructions:
        out += prologue.instructions + "\n\n"
    if prologue.notes is not None:
        out += f"{SEPARATOR}\nREFERENCE: {prologue.notes_title}\n{SEPARATOR}\n"
        out += prologue.notes.rstrip("\n") + "\n\n"
    lines = [*_source_lines(info), f"Files: {files}"]
    if part is not None:
        lines.append(f"Part: {part[0]} of {part[1]}")
    return out + "\n".join(lines) + "\n\nDirectory structure:\n" + tree + "\n"


def part_header(info: SourceInfo, index: int, total: int) -> str:
    """The opening of parts after the first when a digest is split."""
    return "\n".join([*_source_lines(info), f"Part: {index} of {total}"]) + "\n\n"


def render(digest: Digest, out: TextIO) -> None:
    """Write the text digest, one file at a time. Given a byte sink, UTF-8 files are copied
    as they are (decoding and encoding them again would only cost time)."""
    out.write(digest.preamble())
    binary = getattr(out, "buffer", None)
    if binary is None:
        for document, content in digest.contents():
            out.write(block_head(document.path) + content + TAIL)
        return
    out.flush()  # from here on everything goes to the byte layer, in order
    for document in digest.files:
        binary.write(block_head(document.path).encode("utf-8", "surrogateescape"))
        raw = digest.raw_content(document)
        if raw is None:
            raw = digest.content(document).encode("utf-8", "surrogateescape")
        binary.write(raw)
        binary.write(TAIL.encode())
