"""Documents: read each selected file, decode it, and count its tokens, on all cores.

Texts are not kept: the render pass reads and decodes again with the charset found here, so
memory follows the largest file, not the repository.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

from .model import Document, Entry, Skipped
from .notebook import notebook_to_text
from .read import decode, decode_as
from .render import is_digest
from .render import text as text_format
from .sources.base import Source
from .tokens import TokenCounter


class Reader:
    """Turns entries into documents (or skips) for one source and one tokenizer."""

    def __init__(self, source: Source, counter: TokenCounter, *,
                 notebook_outputs: bool = False, line_numbers: bool = False) -> None:
        self.source = source
        self.counter = counter
        self.notebook_outputs = notebook_outputs
        self.line_numbers = line_numbers

    def analyze(self, entries: Iterable[Entry], workers: int | None = None
                ) -> Iterator[Document | Skipped]:
        """One result per entry, in the order given. tiktoken releases the GIL while it
        encodes, so threads count in parallel while others read."""
        with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
            yield from pool.map(self._analyze_one, entries)

    def _analyze_one(self, entry: Entry) -> Document | Skipped:
        try:
            data = self.source.read(entry)
        except OSError as error:
            return Skipped(entry.path, "unreadable", error.strerror or str(error))
        decoded = decode(data)
        if decoded is None:
            return Skipped(entry.path, "binary", "NUL or control bytes, or no text encoding fits")
        if is_digest(decoded.text):
            return Skipped(entry.path, "excluded", "an earlier gitdigest output")
        text, kind = decoded.text, "text"
        notebook = self._notebook(entry.path, text)
        if notebook is not None:
            text, kind = notebook, "notebook"
        text = self._numbered(text)
        tokens, framed = self.counter.count_block(
            text_format.block_head(entry.path), text, text_format.TAIL)
        return Document(entry, len(data), tokens, framed, decoded.charset,
                        "notebook" if kind == "notebook" else "text")

    def _notebook(self, path: str, text: str) -> str | None:
        if not path.lower().endswith(".ipynb"):
            return None
        return notebook_to_text(text, outputs=self.notebook_outputs)

    def _numbered(self, text: str) -> str:
        if not self.line_numbers or not text:
            return text
        lines = text.splitlines(keepends=True)
        width = len(str(len(lines)))
        return "".join(f"{number:>{width}} | {line}" for number, line in enumerate(lines, 1))

    def load(self, document: Document) -> str:
        """The exact text that was counted, read and decoded again."""
        text = decode_as(self.source.read(document.entry), document.charset)
        if document.kind == "notebook":
            text = notebook_to_text(text, outputs=self.notebook_outputs) or ""
        return self._numbered(text)
