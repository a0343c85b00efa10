"""Views of a file — whole, compressed (:mod:`.compress`) or its repository-map entry — what
each costs in tokens, and the importance (:mod:`.rank`) and ``--query`` relevance
(:mod:`.query`) that decide which files a budget or a map shows first.

One pass reads each text file again (the documents stage keeps only counts), parses it once
and counts its views exactly, in the block they would be written in (header with its view
note, text, tail), so a budget stays exact whatever mix of views it ends up with.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from .compress import language_of, outline
from .layout import TAIL, block_head, view_note
from .records import Contents, Document, FileViews, View
from .tokens import TokenCounter

Counts = dict[str, tuple[int, int]]  # view -> (tokens, block tokens)


@dataclass
class Analysis:
    """Per file: the counts of each view it has, its importance and its query score."""

    views: dict[str, FileViews] = field(default_factory=dict)
    counts: dict[str, Counts] = field(default_factory=dict)

    def as_view(self, document: Document, view: View) -> Document | None:
        """``document`` shown as ``view``, with that view's counts; None if it has no such view."""
        if view == "full":
            return replace(document, view="full")
        found = self.counts.get(document.path, {}).get(view)
        if found is None:
            return None
        return replace(document, view=view, tokens=found[0], block_tokens=found[1])

    def alternatives(self, document: Document, views: Sequence[View]) -> list[Document]:
        """The views of ``document`` it has, among ``views``, richest first."""
        return [shown for view in views if (shown := self.as_view(document, view)) is not None]

    def importance(self, path: str) -> float:
        """The file's PageRank share (0 outside the graph)."""
        found = self.views.get(path)
        return found.importance if found else 0.0

    def score(self, path: str) -> float | None:
        """The blended ``--query`` score (None without a query)."""
        found = self.views.get(path)
        return found.score if found else None


def analyze(documents: Sequence[Document], contents: Contents, counter: TokenCounter, *,
            compress: bool = True, question: str | None = None,
            boosted: Callable[[str], bool] = lambda path: False) -> Analysis:
    """Outline every file a grammar handles, count its views, rank all files by importance
    and, with ``question``, by relevance. ``compress`` False (e.g. under ``--line-numbers``,
    whose numbered text no grammar parses) keeps every file whole but still ranks them."""
    from . import query, rank

    counts: dict[str, Counts] = {}
    definitions: dict[str, frozenset[str]] = {}
    uses: dict[str, Counter[str]] = {}
    corpus: dict[str, list[str]] = {}
    for document in documents:
        path = document.path
        code = document.kind == "text" and language_of(path) is not None
        if not code and question is None:
            continue
        text = contents.load(replace(document, view="full"))
        names: frozenset[str] = frozenset()
        if code:
            found = outline(path, text)
            assert found is not None
            names = frozenset(d.name for d in found.definitions)
            definitions[path] = names
            uses[path] = rank.references(text)
            if compress:
                counts[path] = _counts(counter, document, found.compressed, found.map_entry())
        if question is not None:
            corpus[path] = query.document_words(path, names, text)
    importance = rank.importance(definitions, uses, boosted)
    scores = query.relevance(question, corpus, importance) if question is not None else {}
    views = {}
    for document in documents:
        path = document.path
        own = counts.get(path, {})
        relevance = scores.get(path)
        views[path] = FileViews(
            path, document.tokens, own["compressed"][0] if "compressed" in own else None,
            own["map"][0] if "map" in own else None, round(importance.get(path, 0.0), 6),
            relevance.score if relevance else None, relevance.why if relevance else None)
    return Analysis(views, counts)


def _counts(counter: TokenCounter, document: Document, compressed: str, entry: str) -> Counts:
    found: Counts = {}
    if compressed.strip():
        shown = counter.count_block(block_head(document.path, view_note("compressed")),
                                    compressed, TAIL)
        if shown[1] < document.block_tokens:  # a view that saves nothing is no view
            found["compressed"] = shown
    cheaper = found.get("compressed", (0, document.block_tokens))[1]
    if entry:
        map_ = counter.count_block(block_head(document.path, view_note("map")), entry, TAIL)
        if map_[1] < cheaper:  # a map entry exists to be the cheapest view
            found["map"] = map_
    return found


class ViewContents:
    """Reads a file as its view shows it: the inner reader's text, or its outline's."""

    def __init__(self, inner: Contents) -> None:
        self.inner = inner

    def load(self, document: Document) -> str:
        """The exact text counted for the document's view."""
        if document.view == "full":
            return self.inner.load(document)
        text = self.inner.load(replace(document, view="full"))
        found = outline(document.path, text)
        assert found is not None  # a view other than full exists only for parsed files
        return found.compressed if document.view == "compressed" else found.map_entry()

    def load_raw(self, document: Document) -> bytes | None:
        """The raw bytes, for whole files only."""
        return self.inner.load_raw(document) if document.view == "full" else None
