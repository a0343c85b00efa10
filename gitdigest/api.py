"""The pipeline as a Python API: ``digest(...)`` returns a :class:`Digest`; the CLI calls
:func:`write_digest`, which streams the same pipeline into its sink."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .documents import Reader
from .model import Document, Entry, Skipped, SourceInfo, Summary
from .options import Options, parse_size
from .paths import order_key
from .render import EXTENSIONS, get_renderer
from .render import text as text_format
from .render.tree import draw_tree
from .select import select
from .sink import open_sink
from .sources import Source, open_source
from .tokens import TokenCounter


@dataclass
class Digest:
    """A digested repository: summary, tree, included files (with counts) and every skip.

    File contents are read on demand through the source while it is open (the CLI streams them);
    :func:`digest` loads them all before it closes the source, so the object stands alone.
    """

    source: SourceInfo
    tokenizer: str
    summary: Summary
    tree: str
    files: list[Document]
    skipped: list[Skipped]
    notes: list[str] = field(default_factory=list)
    options: Options = field(default_factory=Options)
    _reader: Reader | None = field(default=None, repr=False)
    _texts: dict[str, str] | None = field(default=None, repr=False)

    def content(self, document: Document) -> str:
        """The text of one included file, exactly as the digest shows it."""
        if self._texts is not None:
            return self._texts[document.path]
        if self._reader is None:
            raise RuntimeError("this digest's source is closed and its contents were not kept")
        return self._reader.load(document)

    def contents(self) -> Iterator[tuple[Document, str]]:
        """Each included file with its text, in digest order, one at a time."""
        for document in self.files:
            yield document, self.content(document)

    def materialize(self) -> None:
        """Keep every file's text in memory so the digest outlives its source."""
        if self._texts is None:
            self._texts = {document.path: text for document, text in self.contents()}

    def render(self, format: str | None = None) -> str:
        """The digest as one string in ``format`` (default: the one it was made with)."""
        buffer = io.StringIO(newline="")
        get_renderer(format or self.options.format)(self, buffer)
        return buffer.getvalue()

    def write(self, output: str, format: str | None = None) -> None:
        """Write the digest to a file (atomically) or to stdout with ``-``."""
        with open_sink(output) as stream:
            get_renderer(format or self.options.format)(self, stream)

    @property
    def largest(self) -> list[Document]:
        """Included files, most tokens first (ties by path)."""
        return sorted(self.files, key=lambda d: (-d.tokens, d.path))


def default_output(options: Options) -> str:
    """``-o`` when given, else ``digest.<ext>`` in the current folder."""
    return options.output or f"digest.{EXTENSIONS[options.format]}"


@contextlib.contextmanager
def open_digest(options: Options) -> Iterator[Digest]:
    """Run the pipeline up to the counts; contents stay readable while the block is open."""
    with open_source(options) as source:
        result = _build(source, options)
        try:
            yield result
        finally:
            result._reader = None  # the source is closing: contents are no longer readable


def _build(source: Source, options: Options) -> Digest:
    listing = source.listing()
    selection = select(listing, source, options, _output_paths(source, options))
    counter = TokenCounter(options.tokenizer)
    reader = Reader(source, counter, notebook_outputs=options.notebook_outputs)
    documents: list[Document] = []
    skipped = list(selection.skipped)
    for result in reader.analyze(selection.included, options.workers):
        (documents if isinstance(result, Document) else skipped).append(result)  # type: ignore[arg-type]
    skipped.sort(key=lambda s: order_key(s.path.rstrip("/")))
    tree = draw_tree(None if source.explicit else source.info.name,
                     _leaves(documents, selection.shown))
    preamble = text_format.preamble(source.info, len(documents), tree)
    tokens = counter.count(preamble) + sum(d.block_tokens for d in documents)
    summary = Summary(files=len(documents), skipped=len(skipped),
                      bytes=sum(d.bytes for d in documents), tokens=tokens)
    return Digest(source.info, options.tokenizer, summary, tree, documents, skipped,
                  list(selection.notes), options, reader)


def _leaves(documents: list[Document], shown: tuple[Entry, ...]) -> list[tuple[str, str]]:
    from .paths import display

    leaves = [(d.path, display(d.path.rpartition("/")[2])) for d in documents]
    for entry in shown:
        name = display(entry.path.rpartition("/")[2])
        label = f"{name} -> {display(entry.target or '')}" if entry.kind == "symlink" \
            else f"{name}/ (submodule)"
        leaves.append((entry.path, label))
    leaves.sort(key=lambda leaf: order_key(leaf[0]))
    return leaves


def _output_paths(source: Source, options: Options) -> list[str]:
    """The output file's path inside a working-tree source, so it is never digested."""
    root = getattr(source, "root", None)
    output = default_output(options)
    if root is None or output == "-":
        return []
    try:
        return [Path(output).resolve().relative_to(root).as_posix()]
    except ValueError:
        return []


def digest(source: str = ".", **options: Any) -> Digest:
    """Digest ``source`` (a folder, a file) and return the result with every text loaded.

    Keyword arguments are the fields of :class:`~gitdigest.Options` (``include``, ``exclude``,
    ``max_size``, ``tokenizer``, ``ref``...). Synchronous: safe inside Jupyter.
    """
    opts = Options(source=source, **_normalise(options))
    with open_digest(opts) as result:
        result.materialize()
    return result


def write_digest(options: Options) -> Digest:
    """Digest and write to ``options.output`` (or the default file), streaming file by file."""
    with open_digest(options) as result:
        result.write(default_output(options))
    return result


def _normalise(options: dict[str, Any]) -> dict[str, Any]:
    """Accept what is natural in Python: a list or one string for patterns, "500k" for sizes."""
    for name in ("include", "exclude"):
        value = options.get(name)
        if isinstance(value, str):
            options[name] = (value,)
        elif value is not None:
            options[name] = tuple(value)
    for name in ("max_size", "max_total_size"):
        if isinstance(options.get(name), str):
            options[name] = parse_size(options[name])
    return options
