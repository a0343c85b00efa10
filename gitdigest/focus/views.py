"""Views of a file — whole, compressed (:mod:`.compress`) or its repository-map entry — what
each costs in tokens, and the importance (:mod:`.rank`) and ``--query`` relevance
(:mod:`.query`) that decide which files a budget or a map shows first.

One pass reads each text file again (the documents stage keeps only counts), parses it once
and counts its views exactly, in the block they would be written in (header with its view
note, text, tail), so a budget stays exact whatever mix of views it ends up with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ..core.layout import TAIL, block_head, view_note
from ..core.records import Contents, Document, FileViews, View
from ..core.workers import can_fork, forked_pool, worker_count, worth_parallel
from ..count.cache import TokenCache
from ..count.tokens import TokenCounter, get_core
from . import memo, query, rank
from .compress import language_of, outlinable, outline
from .names import python_definitions
from .outlines import MARKER
from .rank import Uses

if TYPE_CHECKING:
    from .retrieve import Relevance

Counts = dict[str, tuple[int, int]]  # view -> (tokens, block tokens)


@dataclass
class Analysis:
    """Per file: the counts of each view it has, its importance and its query score."""

    views: dict[str, FileViews] = field(default_factory=dict)
    counts: dict[str, Counts] = field(default_factory=dict)
    #: the texts counted for the views (an outline is about a quarter of its file, and
    #: keeping it spares the render pass a second parse, the costliest step)
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    #: whether files were ranked by importance (without the compress extra they are not:
    #: :meth:`importance` is 0 for every file)
    ranked: bool = True

    def as_view(self, document: Document, view: View) -> Document | None:
        """``document`` shown as ``view``, with that view's counts; None if it has no such view."""
        if view == "full":
            return replace(document, view="full")
        found = self.counts.get(document.path, {}).get(view)
        if found is None:
            return None
        return replace(document, view=view, tokens=found[0], block_tokens=found[1])

    def alternatives(self, document: Document, views: Sequence[View]) -> list[Document]:
        """The views of ``document`` it has, among ``views``, richest first; a view that costs
        no less than a richer one is left out."""
        found: list[Document] = []
        for view in views:
            shown = self.as_view(document, view)
            if shown is not None and (not found or shown.block_tokens < found[-1].block_tokens):
                found.append(shown)
        return found

    def importance(self, path: str) -> float:
        """The file's PageRank share (0 outside the graph)."""
        found = self.views.get(path)
        return found.importance if found else 0.0

    def score(self, path: str) -> float | None:
        """The fused ``--query`` score (None without a query)."""
        found = self.views.get(path)
        return found.score if found else None


@dataclass(frozen=True)
class _Settings:
    contents: Contents | None  # None: the text is given (see Outliner)
    counter: TokenCounter
    compress: bool
    question: str | None
    rank: bool
    #: files shown only whole or cut (see :func:`analyze`'s ``brief``); None: none
    brief: Callable[[str], bool] | None = None
    #: with a question: the words of a text that BM25 counts (:func:`query.forms`)
    forms: dict[str, str] | None = None

    def is_brief(self, path: str) -> bool:
        """Whether ``path`` gets no outline, only its definitions and uses."""
        return self.brief is not None and self.brief(path)


def _settings_for(contents: Contents | None, counter: TokenCounter, compress: bool,
                  question: str | None, ranked: bool,
                  brief: Callable[[str], bool] | None = None) -> _Settings:
    from .retrieve import parse

    forms = query.forms(parse(question).words) if question is not None else None
    return _Settings(contents, counter, compress, question, ranked or question is not None,
                     brief, forms)


@dataclass(frozen=True)
class Parsed:
    """What one file yields: view counts, the names it defines, the identifiers it uses (all
    left out when its outline is known already: ``outlined`` False) and, with a query, what
    BM25 reads of its text (:func:`query.tally`; the path and names are added in the
    parent)."""

    counts: Counts
    texts: dict[str, str]
    names: frozenset[str] | None
    uses: Uses | None
    words: query.Counted | None
    outlined: bool = True


_settings: _Settings | None = None  # shared with forked workers
#: larger files stay whole: they are nearly always generated (parsing them costs most)
OUTLINE_LIMIT = 512 * 1024


def analyze(documents: Sequence[Document], contents: Contents, counter: TokenCounter, *,
            compress: bool = True, question: str | None = None,
            boosted: Callable[[str], bool] = lambda path: False,
            workers: int | None = None, ranked: bool = True,
            commits: Sequence[Sequence[str]] = (),
            cache: TokenCache | None = None, early: Outliner | None = None,
            brief: Callable[[str], bool] | None = None) -> Analysis:
    """Outline every file a grammar handles, count its views, rank all files by importance
    and, with ``question``, by relevance. ``compress`` False (e.g. under ``--line-numbers``,
    whose numbered text no grammar parses) keeps every file whole but still ranks them.
    ``ranked`` False skips the importance graph (``--compress`` alone shows no order).
    ``commits`` (the files of recent commits) let ``question`` find files that change together.
    Files are parsed by forked workers, as the documents stage counts them; with a ``cache``,
    outlines, uses, ranks and the question's graph come from it when the files are unchanged
    (:mod:`.memo`), and what is parsed is stored there. ``early`` holds the files parsed
    already as they were counted (:class:`Outliner`, made with the same settings): they are
    not read again. ``brief`` files (a budget's tests, examples and data, which it shows whole
    or cuts) get no views and no parse: the names they define (:mod:`.names`, for Python) and
    use still rank the rest as before. A question is never cached: every other file is read
    again for the counts of its words BM25 needs (in the same workers, outlined or not)."""
    from . import retrieve

    wanted = [d for d in documents if question is not None or _is_code(d)]
    settings = _settings_for(contents, counter, compress, question, ranked, brief)
    found = early.found if early is not None and early.serves(settings) else _Found()
    fresh = [d for d in wanted if d.path in found.outlined]  # parsed as they were counted
    remembered = _Memo(cache, counter.name, compress, settings.is_brief) if (
        cache is not None and cache.enabled) else None
    graph = remembered.recall_graph(wanted) if remembered and question is not None else None
    # the question's graph is made of every file's uses, even when the ranks are known
    needs_uses = question is not None and graph is None
    importance = remembered.recall(wanted, found, boosted, settings.rank,
                                   uses=needs_uses) if remembered else None
    uses = settings.rank and (importance is None or needs_uses)
    parse = [d for d in wanted if found.missing(d.path, uses)]
    jobs = [d for d in wanted if d.path not in found.corpus] if question is not None else parse
    for document, parsed in zip(jobs, _parse_all(jobs, settings, workers, {
            d.path for d in parse}), strict=True):
        found.add(document.path, parsed)
    if settings.forms is not None:
        found.corpus = {path: query.document_counted(path, found.definitions.get(path, ()),
                                                     text, settings.forms)
                        for path, text in found.corpus.items()}
    if remembered is not None:
        remembered.remember([*fresh, *parse], found, settings.rank)
    if importance is None:
        importance = rank.importance(found.definitions, found.uses, boosted) if (
            settings.rank) else {}
        if remembered is not None and settings.rank:
            remembered.remember_ranks(wanted, boosted, importance)
    counts, corpus = found.counts, found.corpus
    texts = (memo.Texts(found.texts, remembered.cache, found.stored) if remembered is not None
             else found.texts)
    if question is not None and graph is None:
        graph = rank.reference_graph(found.definitions, found.uses)
        if remembered is not None:
            remembered.cache.put_blobs([(memo.graph_key(wanted), memo.graph_entry(graph))])
    scores = retrieve.relevance(question, corpus, found.definitions, graph, importance,
                                commits) if question is not None and graph is not None else {}
    if question is not None and settings.compress:
        _aim_maps([d for d in documents if d.path in scores], scores, question, settings,
                  counts, texts)
    views = {}
    for document in documents:
        path = document.path
        own = counts.get(path, {})
        relevance = scores.get(path)
        views[path] = FileViews(
            path, document.tokens, own["compressed"][0] if "compressed" in own else None,
            own["map"][0] if "map" in own else None, round(importance.get(path, 0.0), 6),
            relevance.score if relevance else None, relevance.why if relevance else None)
    return Analysis(views, counts, texts, settings.rank)


#: with a question, how many of the most relevant files get map entries that list the
#: definitions asked about first (as many as a budget may show whole first)
AIMED = 12


def _aim_maps(documents: list[Document], scores: Mapping[str, Relevance], question: str,
              settings: _Settings, counts: dict[str, Counts],
              texts: dict[str, dict[str, str]]) -> None:
    """The map entries of the :data:`AIMED` most relevant files, when they leave definitions
    out (``… N more``), made again keeping the definitions the question names (then those
    sharing its words) among its lines: the entry of cobra's ``command.go`` lists 16 of its
    132, and one asked about (``SetHelpTemplate``) was not among them.
    Only these few files are read and parsed again; the cache keeps the plain entries."""
    from . import retrieve

    asked = retrieve.parse(question)
    names, words = set(asked.names), set(asked.words)
    if not (names or words):
        return

    def picked(name: str) -> int:  # a name asked outright, then one sharing asked words
        if name.lower() in names:
            return 2 + len(name)  # the longest first: step_37 before step
        return 1 if words.intersection(query.words(name)) else 0

    top = sorted(documents, key=lambda d: (-scores[d.path].score, d.path))[:AIMED]
    for document in top:
        if "map" not in counts.get(document.path, {}):
            continue
        entry = texts[document.path]["map"]  # (from the cache, when it was not parsed now)
        if not entry.rstrip("\n").rpartition("\n")[2].startswith(MARKER):
            continue
        assert settings.contents is not None
        found = outline(document.path, settings.contents.load(replace(document, view="full")))
        aimed = found.map_entry(picked) if found is not None else entry
        if aimed != entry:
            counts[document.path] = {**counts[document.path], "map": settings.counter.count_block(
                block_head(document.path, view_note("map")), aimed, TAIL)}
            texts[document.path] = {**texts[document.path], "map": aimed}


@dataclass
class _Found:
    """What the parses (or the cache) gave, by path."""

    counts: dict[str, Counts] = field(default_factory=dict)
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    definitions: dict[str, frozenset[str]] = field(default_factory=dict)
    uses: dict[str, Uses] = field(default_factory=dict)
    #: with a question: what BM25 reads of each file (its text's, until the heading is added)
    corpus: dict[str, query.Counted] = field(default_factory=dict)
    #: paths whose outline is known (from the cache or a parse), with or without views
    outlined: set[str] = field(default_factory=set)
    #: paths whose views' texts stay in the cache until shown: their keys there
    stored: dict[str, str] = field(default_factory=dict)

    def add(self, path: str, parsed: Parsed) -> None:
        """One parse's results."""
        if parsed.words is not None:
            self.corpus[path] = parsed.words
        if not parsed.outlined:
            return
        self.outlined.add(path)
        if parsed.counts:
            self.counts[path] = parsed.counts
            self.texts[path] = parsed.texts
        if parsed.names is not None and parsed.uses is not None:
            self.definitions[path] = parsed.names
            self.uses[path] = parsed.uses

    def missing(self, path: str, uses: bool) -> bool:
        """Whether the file must be parsed: its outline (or, with ``uses``, the uses of a file
        that has definitions) is not known."""
        return path not in self.outlined or (
            uses and path in self.definitions and path not in self.uses)


class _Memo:
    """The token cache's outline, uses and ranks entries for one tokenizer and setting."""

    def __init__(self, cache: TokenCache, counter: str, compress: bool,
                 brief: Callable[[str], bool]) -> None:
        self.cache, self.counter, self.compress, self.brief = cache, counter, compress, brief

    def _outline_key(self, document: Document) -> str | None:
        # a brief file's entry (names, no views) is apart: a run that outlines it never
        # takes it for an outline without views, nor a brief run an outline for its names
        return memo.outline_key(document, self.counter, self.compress,
                                brief=self.brief(document.path))

    def _ranks_key(self, wanted: list[Document], boosted: Callable[[str], bool]) -> str:
        return memo.ranks_key(wanted, [d.path for d in wanted if boosted(d.path)],
                              [d.path for d in wanted if self.brief(d.path)])

    def recall(self, wanted: list[Document], found: _Found, boosted: Callable[[str], bool],
               ranked: bool, uses: bool = False) -> dict[str, float] | None:
        """Fill ``found`` with the outlines known; the importance when known for this set
        of files (else, or with ``uses``, the uses known, to rank them again)."""
        outlines = memo.get(self.cache, (self._outline_key(d) for d in wanted
                                         if d.path not in found.outlined))
        for document in wanted:
            if document.path in found.outlined:
                continue  # parsed in this run already
            data = outlines.get(self._outline_key(document) or "")
            entry = memo.read_outline(data) if data is not None else None
            if entry is not None:
                counts, names = entry
                found.outlined.add(document.path)
                if counts:
                    found.counts[document.path] = counts
                    found.stored[document.path] = memo.texts_key(self._outline_key(document)
                                                                 or "")
                if names is not None:
                    found.definitions[document.path] = names
        if not ranked:
            return None
        key = self._ranks_key(wanted, boosted)
        data = self.cache.get_blobs([key]).get(key)
        importance = memo.read_ranks(data) if data is not None else None
        if importance is None or uses:
            self._recall_uses(wanted, found)
        return importance

    def recall_graph(self, wanted: list[Document]) -> rank.TwoWay | None:
        """The two-way reference graph of this set of files, when known."""
        key = memo.graph_key(wanted)
        data = self.cache.get_blobs([key]).get(key)
        return memo.read_graph(data) if data is not None else None

    def _recall_uses(self, wanted: list[Document], found: _Found) -> None:
        known = memo.get(self.cache, map(memo.uses_key, wanted))
        for document in wanted:
            data = known.get(memo.uses_key(document) or "")
            uses = memo.read_uses(data) if data is not None else None
            if (uses is not None and document.path in found.definitions
                    and document.path not in found.uses):
                found.uses[document.path] = uses

    def remember(self, parsed: list[Document], found: _Found, ranked: bool) -> None:
        """Store what was parsed (uses only when they were looked for: unranked, none)."""
        entries: list[tuple[str, bytes]] = []
        for document in parsed:
            path, key = document.path, self._outline_key(document)
            if key is None:
                continue
            entries.append((key, memo.outline_entry(found.counts.get(path, {}),
                                                    found.definitions.get(path))))
            if path in found.texts:
                entries.append((memo.texts_key(key), memo.pack(found.texts[path])))
            uses = memo.uses_key(document)
            if ranked and uses is not None and path in found.uses:
                entries.append((uses, memo.uses_entry(found.uses[path])))
        self.cache.put_blobs(entries)

    def remember_ranks(self, wanted: list[Document], boosted: Callable[[str], bool],
                       importance: dict[str, float]) -> None:
        """Store the importance of this set of files."""
        self.cache.put_blobs([(self._ranks_key(wanted, boosted), memo.pack(importance))])


class Outliner:
    """:func:`analyze`'s parse, done on each file as the documents stage counts it (see
    ``Reader``'s ``also``): in the worker that just read and counted the text, so the outline
    pass reads and decodes nothing again and needs no pool of its own. What the workers send
    is kept in the parent as it arrives; :func:`analyze` takes it as ``early``."""

    def __init__(self, counter: TokenCounter, *, compress: bool = True,
                 question: str | None = None, ranked: bool = True,
                 brief: Callable[[str], bool] | None = None) -> None:
        self.settings = _settings_for(None, counter, compress, question, ranked, brief)
        self.found = _Found()

    def __call__(self, document: Document, text: str) -> Parsed | None:
        """The file's parse (in a worker), or None when :func:`analyze` parses no such file."""
        if self.settings.question is None and not _is_code(document):
            return None
        return _parse(document, self.settings, text)

    def keep(self, path: str, made: Parsed) -> None:
        """One file's parse, in the parent."""
        self.found.add(path, made)

    def serves(self, settings: _Settings) -> bool:
        """Whether what was parsed is what ``settings`` parse."""
        return replace(self.settings, contents=settings.contents) == settings


def _is_code(document: Document) -> bool:
    return (document.kind == "text" and document.bytes <= OUTLINE_LIMIT
            and outlinable(document.path))


def _parse_all(documents: list[Document], settings: _Settings, workers: int | None,
               outline: set[str]) -> Iterator[Parsed]:
    """Each document parsed (outlined when its path is in ``outline``, else only its words
    counted for the question), in order."""
    global _settings
    jobs = [(d, d.path in outline) for d in documents]
    if not (worth_parallel(workers, len(documents), sum(d.bytes for d in documents))
            and can_fork()):
        yield from (_parse(d, settings, whole=whole) for d, whole in jobs)
        return
    if outline:
        get_core(settings.counter.name)  # loaded once here; the workers share its pages
    _settings = settings
    workers = worker_count(workers)
    try:
        with forked_pool(workers, _start_worker) as pool:
            chunk = max(2, len(documents) // (workers * 32))
            yield from pool.imap(_parse_in_worker, jobs, chunksize=chunk)
    finally:
        _settings = None


def _start_worker() -> None:
    assert _settings is not None
    source = getattr(_settings.contents, "source", None)  # the reader's: a pipe needs reopening
    if source is not None:
        source.reopen()


def _parse_in_worker(job: tuple[Document, bool]) -> Parsed:
    assert _settings is not None
    return _parse(job[0], _settings, whole=job[1])


def _parse(document: Document, settings: _Settings, text: str | None = None,
           whole: bool = True) -> Parsed:
    path = document.path
    if text is None:
        assert settings.contents is not None
        text = settings.contents.load(replace(document, view="full"))
    words = query.tally(text, settings.forms) if settings.forms is not None else None
    if not whole:
        return Parsed({}, {}, None, None, words, outlined=False)
    names: frozenset[str] | None = None
    counts: Counts = {}
    texts: dict[str, str] = {}
    uses = None
    brief = _is_code(document) and settings.is_brief(path)
    if brief and language_of(path) == "python":  # its names without a parse
        names = python_definitions(text)
        uses = rank.references(text) if settings.rank else Uses("", ())
    found = outline(path, text) if _is_code(document) and names is None else None
    if found is not None:  # None: a Python file the standard library's parser cannot read
        names = frozenset(d.name for d in found.definitions)
        uses = rank.references(text) if settings.rank else Uses("", ())
        if settings.compress and not brief:
            shown = {"compressed": found.compressed, "map": found.map_entry()}
            counts = _counts(settings.counter, document, shown["compressed"], shown["map"])
            texts = {view: shown[view] for view in counts}
    return Parsed(counts, texts, names, uses, words)


def _counts(counter: TokenCounter, document: Document, compressed: str, entry: str) -> Counts:
    found: Counts = {}
    if compressed.strip():
        shown = counter.count_block(block_head(document.path, view_note("compressed")),
                                    compressed, TAIL)
        if shown[1] < document.block_tokens:  # a view that saves nothing is no view
            found["compressed"] = shown
    if entry:  # kept even when not the cheapest: --map shows every file with definitions
        found["map"] = counter.count_block(block_head(document.path, view_note("map")), entry,
                                           TAIL)
    return found


class ViewContents:
    """Reads a file as its view shows it: the inner reader's text, or the outline kept."""

    def __init__(self, inner: Contents, texts: dict[str, dict[str, str]]) -> None:
        self.inner = inner
        self.texts = texts

    def load(self, document: Document) -> str:
        """The exact text counted for the document's view."""
        if document.view == "full":
            return self.inner.load(document)
        return self.texts[document.path][document.view]

    def load_raw(self, document: Document) -> bytes | None:
        """The raw bytes, for whole files only."""
        return self.inner.load_raw(document) if document.view == "full" else None

    def read_ahead(self, documents: Sequence[Document]) -> None:
        """Whole files are read from the source, in this order; views are kept."""
        self.inner.read_ahead([d for d in documents if d.view == "full"])
