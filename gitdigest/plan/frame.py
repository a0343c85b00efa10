"""The frame of a digest: everything around the file blocks (prompt, notes, summary, tree).

The text format's frame decides ``summary.tokens`` and what a budget leaves room for, so it is
built in one place for the planner and the renderers.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from ..core.layout import TRAILER, preamble_parts, skipped_section
from ..core.paths import display, order_key
from ..core.records import (
    Document,
    Entry,
    FrameShape,
    Prologue,
    Skipped,
    SourceInfo,
    text_sha256,
)
from ..count.cache import Counts, TokenCache, cache_key
from ..count.tokens import TokenCounter
from .fit import rank
from .tree import ALL, FILES, FOLDERS, UNREAD, draw_tree

CUT_MARK = " [over budget]"


class Frame:
    """Draws the tree and the text preamble for a given split of files into kept and cut."""

    def __init__(self, info: SourceInfo, prologue: Prologue, shown: Sequence[Entry],
                 counter: TokenCounter, *, single_file: bool = False,
                 cache: TokenCache | None = None, skipped: Sequence[Skipped] = (),
                 budget: int | None = None, sections: str = "",
                 why: dict[str, str] | None = None, context: Sequence[str] = (),
                 draw_cut: bool = True, tiers: Mapping[str, int] | None = None) -> None:
        self.info = info
        #: what was left out before any budget (a budget adds the files it cuts)
        self.skipped = skipped
        self.budget = budget
        self.prologue = prologue
        self.shown = shown
        self.counter = counter
        # several sources: each is a top-level section of the tree, named in its paths
        self.root = None if single_file or info.sections else info.name
        self.cache = cache or TokenCache(None)
        #: the Diff and History sections, after the tree
        self.sections = sections
        #: why a change chose a file (shown after its name), and files only the tree shows
        self.why = why or {}
        self.context = context
        self._context = frozenset(context)
        #: a chosen file's distance from the change or the focus (0: chosen itself)
        self.tiers = tiers or {}
        #: whether the tree shows the files a budget cuts (a map's tree shows only its entries;
        #: the Skipped section lists the cut files either way)
        self.draw_cut = draw_cut
        # a split's tree by its documents' ids; the entry holds the documents, so no other
        # object can take one of their ids (and so this tree) while it stands
        self._trees: dict[tuple[tuple[int, ...], tuple[int, ...]],
                          tuple[list[Document], list[Document], str, FrameShape]] = {}
        #: how far the budget made the frame give way (see :mod:`.shape`)
        self.shape = FrameShape()
        self._whole: dict[str, int] = {}
        # a budget measures many splits of the same files: names, labels and the Skipped
        # list's order are worked out once
        self._labels: dict[str, str] = {}
        self._keys: dict[str, str] = {}
        self._cuts: dict[tuple[str, int], Skipped] = {}
        self._skipped_keys = sorted((order_key(s.path.rstrip("/")), i)
                                    for i, s in enumerate(skipped))

    def reshape(self, shape: FrameShape, documents: Sequence[Document] = ()) -> None:
        """Draw the frame as ``shape`` says from now on; a collapsed folder's line adds up
        the whole-text tokens of ``documents`` under it."""
        self.shape = shape
        if documents:
            self._whole = {d.path: d.tokens for d in documents}
        self._trees = {}

    def tree(self, kept: Sequence[Document], cut: Sequence[Document] = ()) -> str:
        """The tree: kept files, cut files marked, links and submodules (drawn once per split;
        the planner, the summary and the renderers all ask for it)."""
        return self._drawn(kept, cut)[0]

    def shape_for(self, kept: Sequence[Document], cut: Sequence[Document] = ()) -> FrameShape:
        """The shape as the tree of this split is drawn: how far it folded, and how many
        shown files lost their line (what the summary's notes say)."""
        return self._drawn(kept, cut)[1]

    def _drawn(self, kept: Sequence[Document], cut: Sequence[Document]
               ) -> tuple[str, FrameShape]:
        key = (tuple(map(id, kept)), tuple(map(id, cut)))
        found = self._trees.get(key)
        if found is None:  # only the latest split is asked again
            self._trees = {key: (list(kept), list(cut), *self._draw(kept, cut))}
            found = self._trees[key]
        return found[2], found[3]

    def _draw(self, kept: Sequence[Document], cut: Sequence[Document]
              ) -> tuple[str, FrameShape]:
        leaves: Iterable[tuple[str, str]] = ((d.path, self._label(d.path)) for d in kept)
        extra = [(d.path, self._label(d.path) + CUT_MARK) for d in cut] if self.draw_cut else []
        extra += [(path, _name(path)) for path in self.context]
        for entry in self.shown:
            label = (f"{_name(entry.path)} -> {display(entry.target or '')}"
                     if entry.kind == "symlink" else f"{_name(entry.path)}/ (submodule)")
            extra.append((entry.path, label))
        if extra:  # kept files are in digest order already; sort only when others join them
            leaves = sorted([*leaves, *extra], key=lambda leaf: self._key(leaf[0]))
        shape = self.shape
        if not shape.fold or not kept:
            # with nothing kept it is the tree at depth d: the planner's first guess, made
            # with every file cut, is then about the largest frame any split draws
            drawn = replace(shape, fold=False) if shape.fold else shape
            return draw_tree(self.root, leaves, shape.depth, self._tokens), drawn
        # What is not shown gives way first, a step at a time, while the tree is over the
        # room; a shown file's line goes only when even the leanest fold is over it, and then
        # the least important first (the budget order: --focus/--changed tier, then rank).
        leaves = list(leaves)
        shown = [d.path for d in kept]
        for fold in (FOLDERS, FILES, ALL):
            tree = draw_tree(self.root, leaves, None, self._tokens, shown, fold=fold)
            if self.count(tree) <= shape.room:
                return tree, replace(shape, folded=fold)
        order = sorted(shown, key=self._importance)
        low, high = 0, len(order) - 1  # the most lines that fit: more lines, a longer tree
        best = draw_tree(self.root, leaves, None, self._tokens, shown, keep=(), fold=ALL)
        while low < high:
            middle = (low + high + 1) // 2
            tree = draw_tree(self.root, leaves, None, self._tokens, shown,
                             keep=order[:middle], fold=ALL)
            if self.count(tree) <= shape.room:
                low, best = middle, tree
            else:
                high = middle - 1
        return best, replace(shape, folded=ALL, unlisted=len(order) - low)

    def _importance(self, path: str) -> tuple[float, int, str]:
        """Where a shown file comes in the budget order, near enough: its tier (the focused
        or changed files first, then by distance), then its priority rank."""
        return (self.tiers.get(path, math.inf), rank(path), self._key(path))

    def _tokens(self, path: str) -> int | None:
        """A file's whole-text tokens for a folded folder's line (:data:`.tree.UNREAD` for a
        file only the tree shows; None: not a file)."""
        tokens = self._whole.get(path)
        return UNREAD if tokens is None and path in self._context else tokens

    def _label(self, path: str) -> str:
        label = self._labels.get(path)
        if label is None:
            why = self.why.get(path)
            label = self._labels[path] = f"{_name(path)} [{why}]" if why else _name(path)
        return label

    def text(self, kept: Sequence[Document], cut: Sequence[Document] = ()) -> str:
        """The text format's preamble (with the Diff and History sections)."""
        return "".join(self._preamble(kept, cut))

    def _preamble(self, kept: Sequence[Document], cut: Sequence[Document]
                  ) -> tuple[str, str, str]:
        tree, shape = self._drawn(kept, cut)
        return preamble_parts(self.info, self.prologue, len(kept), tree,
                              sections=self.sections, shape=shape)

    def skipped_for(self, cut: Sequence[Document]) -> list[Skipped]:
        """Every path left out when the budget cuts ``cut``, in digest order: the list the
        digest's Skipped section shows."""
        budget = self.budget or 0
        cuts = sorted((self._key(d.path), i) for i, d in enumerate(cut))
        merged = heapq.merge(((key, False, i) for key, i in self._skipped_keys),
                             ((key, True, i) for key, i in cuts))
        return [self._cut(cut[i], budget) if is_cut else self.skipped[i]
                for _, is_cut, i in merged]

    def _cut(self, document: Document, budget: int) -> Skipped:
        # the file's own tokens, as the summary, the tree and --stats count it (its block
        # adds the FILE header: saying both cost every cut line 6 tokens more)
        key = (document.path, document.tokens)
        item = self._cuts.get(key)
        if item is None:
            item = self._cuts[key] = Skipped(
                document.path, "budget",
                f"{document.tokens:,} tokens did not fit in the budget of {budget:,}")
        return item

    def _key(self, path: str) -> str:
        key = self._keys.get(path)
        if key is None:
            key = self._keys[path] = order_key(path)
        return key

    def measure(self, kept: list[Document], cut: list[Document]) -> int:
        """Exact tokens of the preamble, the Skipped section and the trailer (remembered by
        content, so an unchanged repository needs no tokenizer at all). The preamble ends in a
        newline and the section and the trailer start with "=" and "<", safe breaks: counted
        together they add up as written apart, with the file blocks between them. The tree
        is never copied into one string with the rest (see :func:`.layout.preamble_parts`)."""
        before, tree, after = self._preamble(kept, cut)
        after += self.skipped_text(cut) + TRAILER
        return self.count(before, tree, after)

    def skipped_text(self, cut: Sequence[Document]) -> str:
        """The Skipped section when the budget cuts ``cut``, as the shape draws it."""
        return skipped_section(self.skipped_for(cut), brief=self.shape.brief_skipped)

    def count(self, before: str, tree: str = "", after: str = "") -> int:
        """The exact tokens of the three texts joined (a tree between safe breaks), from the
        cache when this text was counted before."""
        if not self.cache.enabled:
            return self.counter.count_framed(before, tree, after)
        key = cache_key("frame", self.counter.name, text_sha256(before, tree, after))
        known = self.cache.get_many([key]).get(key)
        if known is not None:
            return known.tokens
        tokens = self.counter.count_framed(before, tree, after)
        self.cache.put_many([(key, Counts("text", "", tokens, tokens))])
        return tokens


def _name(path: str) -> str:
    return display(path.rpartition("/")[2])
