"""The plain-text digest (the layout itself lives in :mod:`gitdigest.core.layout`)."""

from __future__ import annotations

from typing import TextIO

from ..core.layout import (
    TAIL,
    TRAILER,
    block_head,
    change_sections,
    preamble_parts,
    skipped_section,
    view_note,
)
from ..core.records import DigestData


def render(digest: DigestData, out: TextIO) -> None:
    """Write the text digest, one file at a time. Given a byte sink, UTF-8 files are copied
    as they are (decoding and encoding them again would only cost time)."""
    # in its parts: the tree is not copied into one string with the rest
    out.writelines(preamble_parts(digest.source, digest.prologue, len(digest.files),
                                  digest.tree, sections=change_sections(digest.diff,
                                                                        digest.history),
                                  shape=digest.shape))
    binary = getattr(out, "buffer", None)
    if binary is None:
        for document, content in digest.contents():
            out.write(block_head(document.path, view_note(document.view)) + content + TAIL)
        out.write(skipped_section(digest.skipped, brief=digest.shape.brief_skipped) + TRAILER)
        return
    out.flush()  # from here on everything goes to the byte layer, in order
    digest.read_ahead()
    for document in digest.files:
        head = block_head(document.path, view_note(document.view))
        binary.write(head.encode("utf-8", "surrogateescape"))
        raw = digest.raw_content(document)
        if raw is None:
            raw = digest.content(document).encode("utf-8", "surrogateescape")
        binary.write(raw)
        binary.write(TAIL.encode())
    ending = skipped_section(digest.skipped, brief=digest.shape.brief_skipped) + TRAILER
    binary.write(ending.encode("utf-8", "surrogateescape"))
