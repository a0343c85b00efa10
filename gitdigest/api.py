"""The pipeline as a Python API: ``digest(...)`` returns a :class:`Digest`; the CLI calls
:func:`write_digest`, which streams the same pipeline into its sink."""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import TokenCache
from .documents import Reader
from .errors import CheckFailed
from .frame import Frame
from .ignores import PatternSet
from .model import Document, Skipped, SourceInfo, Summary
from .notes.models import find_model
from .options import Options, parse_size
from .paths import order_key
from .plan import fit
from .prologue import Prologue, load_prologue
from .render import EXTENSIONS, get_renderer
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
    prologue: Prologue = field(default_factory=Prologue)
    budget: int | None = None
    #: files the budget left out (they are also in ``skipped``, reason ``budget``)
    cut: list[Document] = field(default_factory=list)
    frame: Frame | None = field(default=None, repr=False)
    _reader: Reader | None = field(default=None, repr=False)
    _texts: dict[str, str] | None = field(default=None, repr=False)

    def content(self, document: Document) -> str:
        """The text of one included file, exactly as the digest shows it."""
        if self._texts is not None:
            return self._texts[document.path]
        if self._reader is None:
            raise RuntimeError("this digest's source is closed and its contents were not kept")
        return self._reader.load(document)

    def raw_content(self, document: Document) -> bytes | None:
        """The file's bytes when they are exactly its text in UTF-8 and are read from the source
        anyway (streaming); None otherwise. Renderers may copy them as they are."""
        if self._texts is not None or self._reader is None:
            return None
        return self._reader.load_raw(document)

    def contents(self) -> Iterator[tuple[Document, str]]:
        """Each included file with its text, in digest order, one at a time."""
        for document in self.files:
            yield document, self.content(document)

    def materialize(self) -> None:
        """Keep every file's text in memory so the digest outlives its source."""
        if self._texts is None:
            self._texts = {document.path: text for document, text in self.contents()}

    def preamble(self, part: tuple[int, int] | None = None) -> str:
        """The text format's opening: prompt, notes, summary lines and tree."""
        assert self.frame is not None
        return self.frame.text(self.files, self.cut, part)

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

    @property
    def over_budget(self) -> bool:
        """True when a budget was given and the digest exceeds it (only possible with check)."""
        return self.budget is not None and self.summary.tokens > self.budget


def default_output(options: Options) -> str | None:
    """Where the digest goes: ``-o``; else stdout for ``--stats``; nothing when only copying;
    else ``digest.<ext>`` in the current folder."""
    if options.output:
        return options.output
    if options.stats:
        return "-"
    if options.copy:
        return None
    return f"digest.{EXTENSIONS[options.format]}"


def budget_of(options: Options) -> int | None:
    """The token budget: ``--max-tokens``, or the model's window less the reserve."""
    if options.max_tokens is not None:
        return options.max_tokens
    if options.model is not None:
        return math.floor(find_model(options.model).context_window * (1 - options.reserve))
    return None


@contextlib.contextmanager
def open_digest(options: Options) -> Iterator[Digest]:
    """Run the pipeline up to the counts; contents stay readable while the block is open."""
    budget = budget_of(options)  # an unknown model fails before any work
    prologue = load_prologue(options)
    cache = TokenCache.default() if options.cache else TokenCache(None)
    try:
        with open_source(options) as source:
            result = _build(source, options, prologue, budget, cache)
            try:
                yield result
            finally:
                result._reader = None  # the source is closing: contents are no longer readable
    finally:
        cache.close()


def _build(source: Source, options: Options, prologue: Prologue, budget: int | None,
           cache: TokenCache) -> Digest:
    selection = select(source.listing(), source, options, _output_paths(source, options))
    counter = TokenCounter(options.tokenizer)
    reader = Reader(source, counter, cache=cache, notebook_outputs=options.notebook_outputs,
                    line_numbers=options.line_numbers)
    documents: list[Document] = []
    skipped = list(selection.skipped)
    for result in reader.analyze(selection.included, options.workers):
        if isinstance(result, Document):
            documents.append(result)
        else:
            skipped.append(result)
    frame = Frame(source.info, prologue, selection.shown, counter, single_file=source.explicit,
                  cache=cache)
    kept, cut = documents, []
    if budget is not None and not options.check:
        fitted = fit(documents, budget, frame.measure, PatternSet(options.priority, "--priority"))
        kept, cut = fitted.kept, fitted.cut
        skipped += [Skipped(d.path, "budget", f"{d.block_tokens:,} tokens did not fit in the "
                            f"budget of {budget:,}") for d in cut]
    skipped.sort(key=lambda s: order_key(s.path.rstrip("/")))
    tokens = frame.measure(kept, cut) + sum(d.block_tokens for d in kept)
    summary = Summary(files=len(kept), skipped=len(skipped),
                      bytes=sum(d.bytes for d in kept), tokens=tokens)
    return Digest(source.info, options.tokenizer, summary, frame.tree(kept, cut), kept, skipped,
                  list(selection.notes), options, prologue, budget, cut, frame, reader)


def _output_paths(source: Source, options: Options) -> list[str]:
    """The output file's path inside a working-tree source, so it is never digested."""
    root = source.root
    output = default_output(options)
    if root is None or output is None or output == "-":
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


def write_digest(options: Options) -> tuple[Digest, list[str]]:
    """Digest and write where the options say, streaming file by file. Returns the digest and
    the paths written. Raises :class:`CheckFailed` after writing when ``check`` finds the digest
    over its budget."""
    from . import clipboard, split, stats

    output = default_output(options)
    written: list[str] = []
    with open_digest(options) as result:
        if options.stats:
            stats.write(result, output or "-")
            written.append(output or "-")
        elif options.split_tokens is not None:
            written += split.write_parts(result, options.split_tokens, output or "digest.txt")
        elif output is not None:
            result.write(output)
            written.append(output)
        if options.copy:
            clipboard.copy(result.render())
    if options.check and result.over_budget:
        raise CheckFailed(f"the digest is {result.summary.tokens:,} tokens, over the budget of "
                          f"{result.budget:,}")
    return result, written


def _normalise(options: dict[str, Any]) -> dict[str, Any]:
    """Accept what is natural in Python: a list or one string for patterns, "500k" for sizes."""
    for name in ("include", "exclude", "priority"):
        value = options.get(name)
        if isinstance(value, str):
            options[name] = (value,)
        elif value is not None:
            options[name] = tuple(value)
    for name in ("max_size", "max_total_size"):
        if isinstance(options.get(name), str):
            options[name] = parse_size(options[name])
    return options
