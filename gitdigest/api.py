"""The pipeline as a Python API: ``digest(...)`` returns a :class:`Digest`; the CLI calls
:func:`write_digest`, which streams the same pipeline into its sink.

Stages, in the one direction data flows::

    Options ─► Source ─► Listing ─► Selection ─► Documents ─► Plan ─► Digest ─► Renderer ─► Sink
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import shlex
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .change import history, related, review
from .core import grammars, strip
from .core.errors import CheckFailed, GitDigestError, UsageError, install_hint
from .core.paths import display, hides, order_key
from .core.records import (
    OWN_OUTPUT,
    DigestData,
    Document,
    FrameShape,
    Prologue,
    Secret,
    Selection,
    Skipped,
    SourceInfo,
    Summary,
    View,
    text_sha256,
)
from .count.cache import Counts, TokenCache, cache_key
from .count.documents import Reader, TextSettings, preload
from .count.encoding import resolve as resolve_tokenizer
from .count.tokens import TokenCounter
from .focus import compress, rank, retrieve, views
from .keywords import DigestOptions
from .notes.models import find_model
from .options import Options, text_key, transforms, unused
from .output import clipboard
from .output.compare import Manifest, differences, manifest_of, read_manifest, text_manifest
from .output.sink import open_sink
from .plan.fit import CLEAR_SHARE, budget_key, clear_answer, fit, is_source, whole_or_cut
from .plan.frame import Frame
from .plan.shape import shape_frame
from .read import names, secrets
from .read.decode import UTF8_REPLACED
from .render import EXTENSIONS, get_renderer, split, stats, structure
from .render.json import VERSION as JSON_VERSION
from .render.json import source_block, summary_block
from .render.prologue import load_prologue
from .select import listed as listed_paths
from .select.explain import nothing_included
from .select.ignores import DEFAULT_DIRS, PatternSet
from .select.selection import select
from .sources import Listing, Progress, Source, SourceSettings, no_progress, open_source
from .sources.gitcmd import check_sandbox
from .sources.multi import open_sources
from .sources.netguard import NetworkPolicy

if TYPE_CHECKING:  # Unpack in **kwargs is 3.12's typing; typing_extensions ships with mypy
    from typing_extensions import Unpack

#: Given a way to read a file of a remote source (None when it has none), the options to use
#: instead, or None to keep them (see :meth:`gitdigest.config.Configuration.reconfigure`).
Reconfigure = Callable[[Callable[[str], "bytes | None"]], "Options | None"]


@dataclass
class Digest(DigestData):
    """A digested repository (see :class:`~gitdigest.core.records.DigestData`), with the options
    that made it and ways to render and write it."""

    options: Options = field(default_factory=Options)

    def render(self, format: str | None = None) -> str:
        """The digest as one string in ``format`` (default: the one it was made with)."""
        buffer = io.StringIO(newline="")
        get_renderer(format or self.format)(self, buffer)
        return buffer.getvalue()

    def write(self, output: str, format: str | None = None) -> None:
        """Write the digest to a file (atomically) or to stdout with ``-``."""
        with open_sink(output) as stream:
            get_renderer(format or self.format)(self, stream)


def default_output(options: Options) -> str | None:
    """Where the digest goes: ``-o``; else stdout for ``--stats``; nothing when only copying;
    else ``digest.<ext>`` in the current folder."""
    if options.output is not None:
        return options.output
    if options.stats or options.tree_only:
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


def _screen_names(selection: Selection, info: SourceInfo, mode: str, cache: TokenCache
                  ) -> tuple[Selection, SourceInfo, list[Secret]]:
    """:func:`.names.screen` and :func:`.names.screen_source` (a branch named after a token),
    with a clean verdict remembered in the token cache by the texts scanned and the scanner's
    version: a warm run over unchanged paths then loads no scanner (0.35 s of CPU and ~100 MB
    on numpy). A verdict with findings is not stored: the scan is needed for them, and it is
    rare."""
    if mode == "off":
        return selection, info, []
    key = cache_key("names", secrets.engine(), text_sha256(*(
        text + "\n" for text in [*names.scanned(selection), *names.source_texts(info)])))
    if cache.enabled and cache.get_many([key]).get(key) is not None:
        return selection, info, []
    screened = names.screen(selection, mode)
    shown, found = names.screen_source(info, mode)
    if cache.enabled and screened is selection and not found:  # nothing found
        cache.put_many([(key, Counts("text", "", 0, 0))])
    return screened, shown, found


def source_settings(options: Options, progress: Progress = no_progress,
                    policy: NetworkPolicy | None = None) -> SourceSettings:
    """What the source needs from the options (and, on a server, the sources it may open)."""
    return SourceSettings(
        spec=options.source, ref=review.head_ref(options), gitignore=options.gitignore,
        prune=_prunable(options), index_oids=options.cache, host=options.host,
        token=options.token, clone_cache=options.cache, timeout=options.timeout,
        include_submodules=options.include_submodules, progress=progress, policy=policy,
        also_fetch=review.also_fetch(options), history=options.log or 0,
        on_fetch=lambda: preload(options.tokenizer, options.secrets))


def text_settings(options: Options) -> TextSettings:
    """What reading and counting need from the options: the declared text changes."""
    key = text_key(options)
    if options.secrets != "off":  # what decided "no secret here" is part of the key too
        key += f"|{secrets.engine()}"
    if options.strip_comments or options.strip_blank_lines:  # what reads the code decides too
        key += f"|{strip.fingerprint()}"
    return TextSettings(key, options.notebook_outputs, tuple(transforms(options)),
                        options.secrets, options.include_generated)


def _prunable(options: Options) -> tuple[str, ...]:
    """Default-ignored folder names git may skip outright: not when defaults are off, and not
    a name an include pattern mentions (an include can bring such a folder back)."""
    if not options.default_ignores:
        return ()
    return tuple(name for name in DEFAULT_DIRS
                 if not any(name in pattern for pattern in options.include))


@contextlib.contextmanager
def open_digest(options: Options, progress: Progress = no_progress,
                policy: NetworkPolicy | None = None,
                reconfigure: Reconfigure | None = None) -> Iterator[Digest]:
    """Run the pipeline up to the counts; contents stay readable while the block is open.
    ``progress`` receives one-line messages about long steps (the library prints nothing).
    A server digesting for someone else passes a ``policy``: sources it forbids raise
    :class:`~gitdigest.sources.netguard.SourceRefused` before any work. ``reconfigure`` sees a
    remote source's files once it is open (its configuration file, see :mod:`gitdigest.config`)."""
    if options.require_sandbox:
        check_sandbox()  # before git runs at all
    budget = budget_of(options)  # an unknown model fails before any work
    options, counting_notes = resolve_tokenizer(options)  # "auto" is never seen past here
    prologue = load_prologue(options.header, options.instructions, options.with_notes,
                             options.notes_lang, options.secrets)
    with contextlib.ExitStack() as stack:
        cache = TokenCache.default() if options.cache else TokenCache(None)
        stack.callback(cache.close)
        settings = source_settings(options, progress, policy)
        if cache.empty:
            # Every file will be counted: the scanner loads (outside the GIL) while the files
            # are listed. The tokenizer waits: parsing its ranks holds the GIL, and its
            # garbage, made while the listing allocates, left the heap 10 MB larger on numpy.
            preload(None, options.secrets)
            # Blob ids from git's index only serve cache look-ups, and none can hit: the
            # workers hash what they read instead (~1 s less listing for 100,000 files).
            settings = replace(settings, index_oids=False)
        # a remote source may then fetch its larger files while the others are counted
        settings = replace(settings, count_early=cache.enabled and not options.narrowed)
        source = stack.enter_context(
            open_sources(settings, options.sources, open_source) if options.more_sources
            else open_source(settings))
        result = _build(source, options, prologue, budget, cache, reconfigure, progress,
                        counting_notes)
        try:
            yield result
        finally:
            result.close()  # the source is closing: contents are no longer readable


def _build(source: Source, options: Options, prologue: Prologue, budget: int | None,
           cache: TokenCache, reconfigure: Reconfigure | None = None,
           progress: Progress = no_progress, counting_notes: list[str] | None = None) -> Digest:
    progress("listing files...")
    early = source.listing_so_far()
    if early is not None and cache.enabled:
        _count_early(source, early, options, cache, progress)
    listing = source.listing()
    if reconfigure is not None and source.info.kind == "remote" and not source.info.sections:
        changed = reconfigure(lambda path: _read_or_none(source, path))
        if changed is not None:  # the repository's own configuration may name a model
            changed, changed_notes = resolve_tokenizer(changed)
        if changed is not None and changed != options:
            options, counting_notes = changed, changed_notes
            budget = budget_of(options)
            prologue = load_prologue(options.header, options.instructions, options.with_notes,
                                     options.notes_lang, options.secrets)
    file_list = _files_from(source, options)
    selection = select(listing, source.read_path, options, _output_paths(source, options),
                       source.generated, only=file_list.wants if file_list is not None else None)
    if file_list is not None:
        selection = replace(selection, skipped=(*selection.skipped,
                                                *listed_paths.unmatched(file_list, listing)))
    # a file (or a remote's branch) named after a token: shown redacted, git keeps the real
    selection, info, named = _screen_names(selection, source.info, options.secrets, cache)
    progress(f"reading and counting {len(selection.included):,} files...")
    counter = TokenCounter(options.tokenizer)
    change = review.plan(source, options, selection, counter)
    context: list[str] = []
    if options.narrowed:
        selection, context = review.narrow(selection, change, options)
    settings = text_settings(options)
    if listing.explicit:  # a file named as SOURCE is digested whatever it is
        settings = replace(settings, keep_generated=True)
    budgeted = budget is not None and not options.check
    priority = PatternSet(options.priority, "--priority")
    brief = _brief(options, budgeted, bool(change.tiers), priority)
    # the outline pass rides on the count: each file parsed as it is counted, in its worker
    outliner = views.Outliner(
        counter, compress=not options.line_numbers, question=options.query,
        ranked=options.map or budgeted, brief=brief) if _parsed_early(options, budgeted) else None
    reader = Reader(source, counter, settings, cache=cache, progress=progress, also=outliner)
    documents: list[Document] = []
    skipped = list(selection.skipped)
    for result in reader.analyze(selection.included, options.workers):
        if isinstance(result, Document):
            documents.append(result)
        else:
            skipped.append(result)
    shape = FrameShape()

    def make_frame(sections: str, among: list[Document] = documents) -> Frame:
        made = Frame(info, prologue, selection.shown, counter,
                     single_file=listing.explicit, cache=cache, skipped=skipped,
                     budget=budget, sections=sections,
                     why=change.why, context=context, draw_cut=not options.map,
                     tiers=change.tiers)
        made.reshape(shape, among)
        return made

    def trim_diff(among: list[Document], limit: int) -> review.Change:
        """The diff comes first, but a diff larger than the budget leaves out hunks, largest
        file first, rather than leaving nothing: measured with the frame as it is shaped."""
        return review.trim_diff(change, limit, counter,
                                lambda sections: make_frame(sections, among).measure([], among))

    frame = make_frame(change.sections)
    if budget is not None and not options.check and not options.map:
        shape = shape_frame(frame, documents, budget)  # the tree and skips give way first
        if change.diff is not None:
            change = trim_diff(documents, budget)
            frame = make_frame(change.sections)
    kept, cut = documents, list[Document]()
    tier = change.tier if change.tiers else None
    analysis = _analysis(documents, reader, counter, options, priority, budgeted, cache,
                         outliner, brief)
    contents: Any = reader if analysis is None else views.ViewContents(reader, analysis.texts)
    notes = [*(counting_notes or []), *unused(options, source.info), *listing.notes,
             *selection.notes, *_hiding(documents, skipped), *_replaced(documents),
             *_unstripped(documents, options), *_unasked(options.query)]
    # without the compress extra there is no PageRank: the most imported files come first
    used = _imported(source, documents) if (
        (options.map or budgeted)
        and (analysis is None or not analysis.ranked)) else {}
    if options.map:
        assert analysis is not None
        budget = budget or MAP_BUDGET
        mapped, unmapped = _mapped(documents, analysis)
        skipped += unmapped  # listed like any skip, and counted in the map's budget
        frame = make_frame(change.sections, mapped)
        shape = shape_frame(frame, mapped, budget)
        if change.diff is not None:  # the map's frame (shaped by its own budget) decides
            change = trim_diff(mapped, budget)
            frame = make_frame(change.sections, mapped)
        kept, cut = _map(mapped, analysis, frame, budget, priority, used)
        notes += frame.shape_for(sorted(kept, key=lambda d: order_key(d.path)), cut).notes
    elif budget is not None and not options.check:
        kept, cut = _fit_budget(documents, budget, frame, priority, tier, analysis, options,
                                used)
        notes += [*frame.shape_for(kept, cut).notes, *_degraded(kept)]
    elif options.compress and analysis is not None:
        kept = [analysis.as_view(d, "compressed") or d for d in documents]
    notes += _not_outlined(documents, cut if budgeted else [], options)
    in_tree = cut  # marked in the tree (not a map's: it shows only the files it maps)
    skipped = frame.skipped_for(in_tree)
    found = sorted([*(s for d in kept for s in d.secrets),
                    *(s for item in skipped for s in item.secrets)],
                   key=lambda s: (order_key(s.path), s.line))
    if change.diff is not None:  # the patch's own, after the files' (lines are patch lines)
        found += [replace(s, path=f"diff:{s.path}") for s in change.diff.secrets]
    found[:0] = [*named, *prologue.secrets]  # the source's and the prompt's come first
    if change.history is not None:  # by commit: "log:<id>"
        found += [replace(s, path=f"log:{s.path}") for s in change.history.secrets]
    drawn = kept if not options.map else sorted(kept, key=lambda d: order_key(d.path))
    tokens = frame.measure(drawn, in_tree) + sum(d.block_tokens for d in kept)
    listed = [s for s in skipped if s.detail != OWN_OUTPUT]  # as the Skipped section lists
    summary = Summary(files=len(kept), skipped=len(listed),
                      bytes=sum(d.bytes for d in kept), tokens=tokens, secrets=len(found))
    notes += _dominant(kept, tokens)
    if not kept:
        notes.append(review.nothing_changed(change, options) or nothing_included(
            skipped, options.include, single_file=listing.explicit))
    return Digest(info, options.tokenizer, summary, frame.tree(drawn, in_tree), kept,
                  skipped, notes, prologue, options.format, budget, in_tree, found,
                  analysis.views if analysis else {},
                  diff=change.diff, history=change.history, why=change.why,
                  shape=frame.shape_for(drawn, in_tree), contents_reader=contents, options=options)


def _matchable(question: str) -> bool:
    """Whether a question has a word, name or path to match (not only stop words)."""
    asked = retrieve.parse(question)
    return bool(asked.words or asked.names or asked.paths)


def _unasked(question: str | None) -> list[str]:
    """A warning when ``--query`` is longer than what is read of it, and when it gives
    nothing to match (an empty question ranks every file alike): the budget then keeps the
    plain order (see :func:`_fit_budget`)."""
    if question is None:
        return []
    limit = retrieve.QUESTION_LIMIT
    notes = [f"--query is {len(question):,} characters: only the first {limit:,} are read"
             ] if len(question) > limit else []
    if _matchable(question):
        return notes
    return [*notes, f"--query {question.strip()[:60]!r} has no word to match (only stop "
            "words, letters or digits): files keep the order without a question"]


#: with --query, the most relevant files with an outline that always get a view under a
#: budget (their map entry at least), whether the plain order shows them or not
ASKED_KEPT = 5


#: the repository map's budget when neither --max-tokens nor --model gives one
MAP_BUDGET = 4000


def _count_early(source: Source, early: Listing, options: Options, cache: TokenCache,
                 progress: Progress) -> None:
    """Count the files that are here while the larger ones still download, into the token
    cache, where the pipeline proper finds them. A cache look-up is all that joins the two, so
    the digest is the one a run that waited for the download makes. Counting stops when the
    download ends: the rest are counted with the larger files, largest first, so no core
    waits at the end for one large file."""
    selection = select(early, source.read_path, options, _output_paths(source, options))
    progress(f"counting {len(selection.included):,} files while the larger ones download...")
    reader = Reader(source, TokenCounter(options.tokenizer), text_settings(options), cache=cache)
    reader.analyze(selection.included, options.workers, enough=lambda: not source.downloading())
    cache.flush()


def _parsed_early(options: Options, budgeted: bool) -> bool:
    """Whether :func:`_analysis` will parse with the compress extra (then each file is parsed
    as it is counted): it is installed and views, importance or relevance are wanted."""
    return compress.available() and (options.compress or options.map or budgeted
                                     or options.query is not None or options.stats)


def _brief(options: Options, budgeted: bool, tiered: bool, priority: PatternSet
           ) -> Callable[[str], bool] | None:
    """The files a budget shows only whole or cut, never outlined: tests, examples, data and
    housekeeping (:func:`whole_or_cut`), whose outlines would come last anyway, and whose parse
    was most of a cold budgeted run's extra time (numpy: 44%). None (every file outlined)
    without a budget, or when an option shows or finds files by their outlines: ``--compress``,
    ``--map``, a ``--query`` with a word to match (it matches every file's definitions), a
    change or ``--focus``
    (``tiered``: a changed test comes first and may be compressed). ``--stats`` under a budget
    describes that digest: no views for these files either."""
    asked = options.query is not None and _matchable(options.query)
    if not budgeted or options.compress or options.map or asked or tiered:
        return None
    return lambda path: whole_or_cut(path, priority)


def _analysis(documents: list[Document], reader: Reader, counter: TokenCounter,
              options: Options, priority: PatternSet, budgeted: bool,
              cache: TokenCache | None = None, early: views.Outliner | None = None,
              brief: Callable[[str], bool] | None = None) -> views.Analysis | None:
    """Views, importance and relevance when an option uses them: asked for outright, or for a
    budget or the stats. ``--query`` needs the compress extra; without it, ``--compress``,
    ``--map`` and budgets still outline what :func:`compress.outlinable` can (Python, by the
    standard library's parser), unranked, and need the extra only when no file is. ``early``
    has the files parsed as they were counted (see :func:`_parsed_early`)."""
    if options.query is not None:
        compress.require("--query")
    asked = [name for name, on in (("--compress", options.compress), ("--map", options.map))
             if on]
    ranked = compress.available()
    if not ranked and not any(compress.outlinable(d.path) for d in documents):
        if asked:
            compress.require(asked[0])
        return None
    if not (asked or budgeted or options.query is not None or (options.stats and ranked)):
        return None
    # numbered lines parse as no language; stripped comments and blank lines still do
    return views.analyze(documents, reader, counter, compress=not options.line_numbers,
                         question=options.query, workers=options.workers,
                         ranked=ranked and (options.map or budgeted), cache=cache,
                         early=early, brief=brief,
                         boosted=lambda path: priority.match(path) is not None,
                         commits=_recent_commits(reader.source) if options.query else ())


def _recent_commits(source: Source) -> list[tuple[str, ...]]:
    """The files each recent commit touched, newest first, for ``--query``'s history signal
    (none outside git, or when git cannot tell)."""
    try:
        place = review.place_of(source)
        found = history.log(place, [place.commit or "HEAD"], "the source",
                            limit=retrieve.HISTORY_COMMITS, secrets="off")
    except GitDigestError:
        return []
    return [commit.files for commit in found.commits]


def _fit_budget(documents: list[Document], budget: int, frame: Frame, priority: PatternSet,
                tier: Callable[[str], int] | None, analysis: views.Analysis | None,
                options: Options, used: dict[str, int] | None = None
                ) -> tuple[list[Document], list[Document]]:
    """The files that fit ``budget``, each in the richest view that fits (a view an outline
    gave), and those cut. Without the compress extra there is no PageRank: source still comes
    before prose, the most imported files first (``used``: path -> importers)."""
    known = used or {}
    top = 1 if frame.info.sections else 0  # several sources: each its own top folder
    key: Any = lambda d: budget_key(d, priority, known.get(d.path, 0), top=top)  # noqa: E731
    choices: Any = None
    group: Any = None
    if analysis is not None:
        if analysis.ranked:
            key = _key(analysis, priority, with_query=False, top=top)
        choices = lambda d: analysis.alternatives(d, _views(analysis, d, options))  # noqa: E731
        # a large module yields to the map entries of its kind
        group = lambda d: (tier(d.path) if tier else 0, key(d)[:2])  # noqa: E731
    fitted = fit(documents, budget, frame.measure, priority, tier, key=key, views=choices,
                 group=group)
    if analysis is None or options.query is None or not _matchable(options.query):
        return fitted.kept, fitted.cut
    # The question reorders; it never shows less: every source file (not a test or an
    # example) the plain order shows keeps room for at least its map entry, and the most
    # relevant files get what is left.
    key = _key(analysis, priority, top=top)
    shown = {d.path for d in fitted.kept if is_source(d.path, priority) or (
        not whole_or_cut(d.path, priority) and analysis.as_view(d, "map") is not None)}
    # and the files asked about are never left out for lack of room for a whole text
    outlined = [d.path for d in sorted(documents, key=key)
                if analysis.as_view(d, "map") is not None]
    shown.update(outlined[:ASKED_KEPT])
    lead = clear_answer(documents, lambda path: analysis.score(path) or 0.0)
    fitted = fit(documents, budget, frame.measure, priority, tier, key=key, views=choices,
                 protected=lambda d: d.path in shown, lead=lead)
    return fitted.kept, fitted.cut


def _imported(source: Source, documents: list[Document]) -> dict[str, int]:
    """How many files import each file, from the import graph ``--related`` uses (plain
    parsing, no extra needed), entry points counting two more: the importance a budget uses
    without the compress extra."""
    def read(path: str) -> str | None:
        try:
            return source.read_path(path).decode("utf-8", "replace")
        except (OSError, KeyError):
            return None

    graph = related.Graph([d.path for d in documents], read)
    # an entry point (app.py, cli.py, __main__.py...) is imported by few, and counts as used
    return {d.path: graph.imported_by.count(d.path) + 2 * rank.is_entry_point(d.path)
            for d in documents}


def _views(analysis: views.Analysis, document: Document, options: Options
           ) -> tuple[View, ...]:
    """The views a budget may give a file, richest first (with --compress, no whole text for a
    file that has an outline)."""
    if options.compress and analysis.as_view(document, "compressed") is not None:
        return ("compressed", "map")
    return ("full", "compressed", "map")


def _key(analysis: views.Analysis, priority: PatternSet, with_query: bool = True,
         top: int = 0) -> Any:
    clear = CLEAR_SHARE * max((v.score or 0.0 for v in analysis.views.values()),
                              default=0.0)
    return lambda d: budget_key(d, priority, analysis.importance(d.path),
                                analysis.score(d.path) if with_query else None, top=top,
                                clear=clear)


def _mapped(documents: list[Document], analysis: views.Analysis
            ) -> tuple[list[Document], list[Skipped]]:
    """The map entries of the files that have one, and a skip for each file without one."""
    mapped: list[Document] = []
    unmapped: list[Skipped] = []
    for document in documents:
        shown = analysis.as_view(document, "map")
        if shown is not None:
            mapped.append(shown)
            continue
        path = document.path
        other = compress.language_of(path) is not None and not compress.outlinable(path)
        unmapped.append(Skipped(path, "no-definitions", UNOUTLINED if other else UNMAPPED))
    return mapped, unmapped


#: the details of a file ``--map`` leaves out: no definitions found, or none looked for
UNMAPPED = "--map shows only files with definitions"
UNOUTLINED = "--map outlines Python only without the compress extra"


def _map(mapped: list[Document], analysis: views.Analysis, frame: Frame, budget: int,
         priority: PatternSet, used: dict[str, int]) -> tuple[list[Document], list[Document]]:
    """The repository map: the map entries (``mapped``), most important (or relevant) first,
    within ``budget``; the tree shows only the files mapped, the Skipped section lists the
    entries cut. Unranked (without the compress extra), the most imported first (``used``:
    path -> importers)."""
    key = _key(analysis, priority) if analysis.ranked else (
        lambda d: budget_key(d, priority, used.get(d.path, 0)))
    # a file kept adds its tree line, and takes its line out of a Skipped section listed in
    # full (a section by reason hardly shrinks)
    listed = not frame.shape.brief_skipped
    fitted = fit(mapped, budget, frame.measure, priority, key=key,
                 overhead=lambda d: _tree_line(d) - listed * _skip_line(d))
    return sorted(fitted.kept, key=key), fitted.cut


def _tree_line(document: Document) -> int:
    """A rough, generous guess of the tokens a file's line adds to the tree (the fit checks)."""
    return 6 + len(document.path.rpartition("/")[2]) // 3


def _skip_line(document: Document) -> int:
    """A low guess of the tokens of a cut file's line in the Skipped section, ``path (budget:
    N tokens did not fit in the budget of B)`` (the fit checks)."""
    return 12 + len(document.path) // 8


def _not_outlined(documents: list[Document], cut: list[Document], options: Options
                  ) -> list[str]:
    """The one note on source files only the compress extra outlines (languages other than
    Python, without tree-sitter), naming their languages: with ``--compress`` or ``--map``,
    every such file; under a budget alone, those it left out (``cut``)."""
    if compress.backend() == "tree-sitter":
        return []
    shown = options.compress or options.map
    other = [d.path for d in (documents if shown else cut) if d.kind == "text"
             and compress.language_of(d.path) is not None and not compress.outlinable(d.path)]
    if not other:
        return []
    one = len(other) == 1
    if options.compress:
        option, left = "--compress", "stays whole" if one else "stay whole"
    elif options.map:
        option, left = "--map", "is not mapped" if one else "are not mapped"
    else:
        option = "a budget"
        left = f"{'was' if one else 'were'} left out to fit the budget"
    languages = grammars.language_names(
        language for path in other if (language := compress.language_of(path)) is not None)
    return [f"{len(other)} file{'' if one else 's'} in {languages} {left}: the compress extra "
            f"would outline {'it' if one else 'them'} ({install_hint('compress')}); without it, "
            f"{option} outlines Python only"]


def _unstripped(documents: list[Document], options: Options) -> list[str]:
    """The one note per run on files ``--strip-comments`` could not read as code."""
    if not options.strip_comments:
        return []
    note = strip.unhandled_note((d.path for d in documents if d.kind == "text"),
                                "--strip-comments")
    return [note] if note else []


def _degraded(kept: list[Document]) -> list[str]:
    """The one note per run on files a budget shows compressed or as their map entry."""
    parts = []
    for view, how in (("compressed", "compressed"), ("map", "as {its} map entry")):
        n = sum(1 for d in kept if d.view == view)
        if n:  # a view no file got is not worth a word
            one = n == 1
            parts.append(f"{n} file{'' if one else 's'} {'is' if one else 'are'} shown "
                         + how.format(its="its" if one else "their"))
    return [f"to fit the budget, {' and '.join(parts)}"] if parts else []


def _hiding(documents: list[Document], skipped: list[Skipped]) -> list[str]:
    """The one note on paths holding characters that could hide or reorder a name on screen
    (a bidirectional override, a zero-width or control character: Trojan Source), each named
    as every format but JSON shows it, escaped."""
    odd = sorted({path for path in [*(d.path for d in documents),
                                    *(s.path for s in skipped if s.detail != OWN_OUTPUT)]
                  if hides(path)}, key=order_key)
    if not odd:
        return []
    one = len(odd) == 1
    shown = [display(path) for path in odd[:5]] + ([f"{len(odd) - 5} more"] if odd[5:] else [])
    return [f"{len(odd)} path{'' if one else 's'} hold{'s' if one else ''} characters that "
            "could hide or reorder a name on screen (bidirectional, zero-width or control "
            f"characters), shown escaped: {', '.join(shown)}"]


def _replaced(documents: list[Document]) -> list[str]:
    """A note per file read as UTF-8 with a few invalid bytes shown as U+FFFD."""
    return [f"{display(d.path)} is UTF-8 with a few invalid bytes: they are shown as U+FFFD"
            for d in documents if d.charset == UTF8_REPLACED]


#: a file smaller than this is never worth a warning, whatever its share of a small digest
DOMINANT_FLOOR = 8000


def _dominant(kept: list[Document], tokens: int) -> list[str]:
    """A warning naming a file that is more than half of the digest (a logo, a data dump)."""
    return [f"{display(d.path)} is {d.block_tokens * 100 // tokens}% of the digest "
            f"({d.block_tokens:,} of {tokens:,} tokens); {_leave_out(d.path)}"
            for d in kept if d.block_tokens * 2 > tokens and d.block_tokens >= DOMINANT_FLOOR
            and len(kept) > 1]


def _leave_out(path: str) -> str:
    """How to leave ``path`` out, as advice a person may paste into a shell: the repository
    names its files, so the pattern is quoted for a POSIX shell (a name holding ``'; cmd;'``
    must not run ``cmd``), and a name that has to be escaped to be shown gets no pattern."""
    if display(path) != path:
        return "lower --max-size to leave it out"
    return f"leave it out with -e {shlex.quote(path)} or lower --max-size"


def _files_from(source: Source, options: Options) -> listed_paths.FileList | None:
    """``--files-from``'s paths as the digest names them (None: no list given)."""
    if options.files_from is None:
        return None
    sections = [(name, Path(part.info.location) if part.info.kind == "local" else None)
                for name, part in source.sections()]
    lines = listed_paths.read_list(options.files_from, options.null)
    return listed_paths.resolve(lines, [(name, base and base.resolve())
                                        for name, base in sections])


def _read_or_none(source: Source, path: str) -> bytes | None:
    try:
        return source.read_path(path)
    except (KeyError, OSError):
        return None


def _output_paths(source: Source, options: Options) -> list[str]:
    """The output files' paths inside a working-tree source, so they are never digested."""
    paths = []
    for name, part in source.sections():
        root = part.root
        for output in (default_output(options), options.summary_json):
            if root is None or output is None or output == "-":
                continue
            with contextlib.suppress(ValueError):
                inner = Path(output).resolve().relative_to(root).as_posix()
                paths.append(f"{name}/{inner}" if name else inner)
    return paths


def digest(source: str | Sequence[str] = ".", *, policy: NetworkPolicy | None = None,
           **options: Unpack[DigestOptions]) -> Digest:
    """Digest ``source`` (a folder, a file, a repository URL) and return the result with every
    text loaded. A list of sources (``digest(["a/", "b/"])``) makes one digest of them all,
    each a top-level section named for its source.

    Keyword arguments are the fields of :class:`~gitdigest.Options` (``include``, ``exclude``,
    ``max_size``, ``tokenizer``, ``ref``...), given as Python values or as the command line
    writes them (``max_size="500k"``, ``reserve="15%"``, one pattern or a list).
    Synchronous: safe inside Jupyter. ``policy`` limits the sources a server may open.
    """
    if isinstance(source, str):
        opts = Options.create(source=source, **options)
    elif not source:
        raise UsageError("digest() needs at least one source")
    else:
        opts = Options.create(source=source[0], more_sources=tuple(source[1:]), **options)
    with open_digest(opts, policy=policy) as result:
        result.materialize()
    return result


def write_digest(options: Options, progress: Progress = no_progress,
                 reconfigure: Reconfigure | None = None) -> tuple[Digest, list[str]]:
    """Digest and write where the options say, streaming file by file. Returns the digest and
    the paths written. Raises :class:`CheckFailed` after writing when ``check`` finds the digest
    over its budget or ``check_against`` finds it differs from that file; an error raised
    after something was written carries ``written`` and ``digest`` (see
    :class:`~gitdigest.core.errors.GitDigestError`)."""
    # read before writing: the file checked against may be the one about to be replaced
    expected = read_manifest(options.check_against) if options.check_against else None
    written: list[str] = []
    failures: list[str] = []
    result: Digest | None = None
    try:
        with open_digest(options, progress, reconfigure=reconfigure) as result:
            options = result.options  # a trusted remote configuration may have changed them
            output = default_output(options)
            progress("writing...")
            if options.stats:
                stats.write(result, output or "-")
                written.append(output or "-")
            elif options.tree_only:
                structure.write(result, output or "-")
                written.append(output or "-")
            elif options.split_tokens is not None:
                written += split.write_parts(result, options.split_tokens,
                                             output or "digest.txt")
            elif output is not None:
                result.write(output)
                written.append(output)
            if options.copy:
                # what was asked for: with --stats the table, not the digest it describes
                clipboard.copy(stats.render(result) if options.stats
                               else structure.render(result) if options.tree_only
                               else result.render())
            if options.summary_json is not None:
                write_summary(result, options.summary_json, written)
            if expected is not None and options.check_against is not None:
                failures += _check_against(result, expected, options.check_against)
        if options.check and result.over_budget:
            failures.insert(0, f"the digest is {result.summary.tokens:,} tokens, over the "
                               f"budget of {result.budget:,}")
        if failures:
            raise CheckFailed("; ".join(failures))
    except GitDigestError as error:
        if written:  # the outputs stay: say what they hold
            error.written, error.digest = tuple(written), result
        raise
    return result, written


def write_summary(result: DigestData, output: str, written: list[str] | None = None) -> None:
    """The source, totals, fingerprint and files written, as one JSON object (what CI steps
    read)."""
    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    # opens like a JSON digest, so a later run knows it for one of ours and never digests it
    with open_sink(output) as stream:
        stream.write(f'{{"version": {JSON_VERSION},\n "source": {dump(source_block(result))},\n'
                     f' "tokenizer": {dump(result.tokenizer)},\n'
                     f' "summary": {dump(summary_block(result))},\n'
                     f' "written": {dump(written or [])}}}\n')


def _check_against(result: Digest, expected: Manifest, name: str) -> list[str]:
    """The one-line failure when the digest's content differs from the digest in ``name``."""
    if expected.kind == "missing":
        return [f"{name} did not exist: {result.summary.files} files are new"]
    new = text_manifest(result.render("text")) if expected.kind == "text" else (
        manifest_of(result))
    changes = differences(expected, new)
    return [changes.describe(name)] if changes else []
