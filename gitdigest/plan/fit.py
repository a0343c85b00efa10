"""Plan: which files a token budget keeps, in which view, chosen by a documented priority.

Priority (first match decides; ``--priority`` beats all); within rank 2 the most important
source first (:mod:`gitdigest.focus.rank`); ties, and ranks without importance, smaller files
first. With ``--query`` the files clearly asked about come first, by relevance, and the rest
follow this order, by relevance within each rank (:func:`budget_key`):

0. paths matching ``--priority`` patterns
1. the README at the top (short, and it says what the code is for)
2. the package's own source (a language :mod:`gitdigest.focus.compress` parses), entry points
   included
3. the docs' entry point (``docs/index.*``), manifests and configuration (``pyproject.toml``,
   ``package.json``, ``go.mod``...), and the READMEs of subfolders
4. other documentation and files
5. tests
6. examples, samples, demos
7. fixtures, generated files and data files
8. housekeeping: CI and issue templates (``.github/**``), licences, editor settings and other
   dotfiles (``.editorconfig``, ``.vscode/``), build scripts (``Makefile``, ``docs/conf.py``)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.errors import BudgetTooSmall
from ..core.records import Document
from ..focus.compress import language_of
from ..select.ignores import PatternSet

MANIFESTS = frozenset({
    "pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "Pipfile", "package.json",
    "tsconfig.json", "deno.json", "go.mod", "Cargo.toml", "pom.xml", "build.gradle",
    "build.gradle.kts", "settings.gradle", "Gemfile", "composer.json", "mix.exs",
    "CMakeLists.txt", "meson.build", "Dockerfile", "docker-compose.yml", "pubspec.yaml",
    "Package.swift", "build.sbt", "project.clj", "stack.yaml", "flake.nix",
})
_README = re.compile(r"(?:^|.*/)readme(?:\.[^/]*)?$", re.I)
_DOCS_INDEX = re.compile(r"^docs?/index\.[^/]+$", re.I)
# What a reader of the code needs last: CI and templates, licences, editor settings and other
# dotfiles or dot-folders, build scripts and the docs' build configuration.
_HOUSEKEEPING = re.compile(
    r"(?:^|/)\.[^/]+(?:/|$)|(?:^|/)(?:licen[cs]e|copying|notice|code_of_conduct)(?:[-.][^/]*)?$|"
    r"(?:^|/)(?:makefile|gnumakefile|make\.bat)$|(?:^|/)docs?/conf\.py$|"
    r"^(?:azure-pipelines|appveyor|codecov)\.ya?ml$", re.I)
_DOCS = re.compile(r"(?:^|/)docs?/", re.I)
_TESTS = re.compile(r"(?:^|/)(?:tests?|spec|specs|__tests__)/|(?:^|/)test_[^/]*$|"
                    r"_test\.[^/.]+$|\.(?:test|spec)\.[^/]+$")
_EXAMPLES = re.compile(r"(?:^|/)(?:examples?|samples?|demos?)/")
_DATA = re.compile(r"(?:^|/)(?:fixtures?|testdata|test_data|__snapshots__|snapshots|generated|"
                   r"data)/|_pb2\.py$|\.generated\.|\.(?:csv|tsv|jsonl|ndjson|json|xml|svg|"
                   r"dat|txt)$", re.I)


#: the rank of the package's own source (see the list above)
SOURCE = 2
#: the first rank a budget shows only whole or cut, never outlined (tests, examples, data and
#: housekeeping: see :func:`whole_or_cut`)
WHOLE_OR_CUT = 5


def is_source(path: str, priority: PatternSet | None = None) -> bool:
    """Whether ``path`` ranks as the package's own source (a file ``--priority`` names
    ranks first instead)."""
    return rank(path, priority) == SOURCE


def whole_or_cut(path: str, priority: PatternSet | None = None) -> bool:
    """Whether a budget shows ``path`` only whole or cuts it (rank :data:`WHOLE_OR_CUT` or
    later): its outline would come after every source file's, so it is not parsed at all."""
    return rank(path, priority) >= WHOLE_OR_CUT


def rank(path: str, priority: PatternSet | None = None, *, top: int = 0) -> int:
    """The priority rank of ``path`` (lower comes first); ``top`` is the depth of a source's
    own folder (1 when several sources are each a top-level folder of the digest)."""
    if priority and priority.match(path) is not None:
        return 0
    return _plain_rank(path, top)


@functools.lru_cache(maxsize=1 << 17)
def _plain_rank(path: str, top: int) -> int:
    """:func:`rank` without ``--priority``: a budgeted run asks it for each file some ten
    times (the order, the views, the tree's fold), and the regexes are most of its cost."""
    if _HOUSEKEEPING.search(path):
        return 8
    if _EXAMPLES.search(path):  # an example's README and manifest too
        return 6
    if _README.match(path) and path.count("/") == top:
        return 1
    name = path.rpartition("/")[2]
    if (_README.match(path) or name in MANIFESTS) and _TESTS.search(path):
        return WHOLE_OR_CUT  # a test folder's README or manifest goes with the tests
    # a side folder's README (release steps, benchmarks, a vendored tool) waits behind the
    # source: first, and smallest first, they took most of numpy's 4,000 tokens
    if _DOCS_INDEX.match(path) or name in MANIFESTS or _README.match(path):
        return 3
    if _DATA.search(path):
        return 7
    if _TESTS.search(path):
        return 5
    if language_of(path) is not None and not _DOCS.search(path):
        return SOURCE
    return 4


#: with ``--query``, a file scoring at least this share of the best score is clearly asked
#: about, and comes before the rest in relevance order alone; the rest keep the order without
#: a question (source before docs before CI), by relevance within each rank
CLEAR_SHARE = 0.5


#: with ``--query``, the best file answers the question by a clear margin when the next best
#: scores at most this share of its score; it is then shown whole first, when it fits, before
#: the floor (see :func:`clear_answer`). On the benchmark's tuning half every best file this
#: clear (9 of 9 on cobra) was an answer; from 0.71 to 0.80, 6 of 8.
CLEAR_MARGIN = 0.7


def clear_answer(documents: Sequence[Document], score: Callable[[str], float]
                 ) -> Document | None:
    """The file that answers a question by a clear margin (:data:`CLEAR_MARGIN`), if one
    does: the best score, with the next best at most that share of it."""
    ranked = sorted(documents, key=lambda d: (-score(d.path), d.path))[:2]
    if len(ranked) < 2 or score(ranked[0].path) <= 0:
        return None
    return ranked[0] if score(ranked[1].path) <= CLEAR_MARGIN * score(ranked[0].path) else None


def budget_key(document: Document, priority: PatternSet | None = None,
               importance: float = 0.0, relevance: float | None = None, *,
               top: int = 0, clear: float = 0.0) -> tuple[Any, ...]:
    """Where ``document`` comes in the budget order (smaller first). One sort key, so other
    tiers (a diff's changed files, say) can go in front of it as one more element. ``top``:
    as :func:`rank` takes it; ``clear``: the score from which a file is clearly asked about
    (see :data:`CLEAR_SHARE`)."""
    path = document.path
    level = rank(path, priority, top=top)
    source = 0 if level in (0, SOURCE) and language_of(path) is not None else 1
    if relevance is not None:
        # a weak match (a CI file sharing a word with the question) does not jump the source
        if relevance >= clear:
            return (level != 0, 0, -relevance, level, source, document.block_tokens, path)
        return (level != 0, 1, level, -relevance, source, document.block_tokens, path)
    return (level, source, -importance, document.block_tokens, path)


@dataclass(frozen=True)
class Fit:
    """What the budget keeps (in digest order, each in the view it got) and what it cuts."""

    kept: list[Document]
    cut: list[Document]
    tokens: int


Measure = Callable[[list[Document], list[Document]], int]


def fit(documents: list[Document], budget: int, measure: Measure,
        priority: PatternSet | None = None, tier: Callable[[str], int] | None = None, *,
        key: Callable[[Document], Any] | None = None,
        views: Callable[[Document], Sequence[Document]] | None = None,
        overhead: Callable[[Document], int] | None = None,
        group: Callable[[Document], Any] | None = None,
        protected: Callable[[Document], bool] | None = None,
        lead: Document | None = None) -> Fit:
    """Keep files in priority order while the exact digest stays within ``budget``.

    ``measure(kept, cut)`` is the exact token count of everything that is not a file block
    (prompt, notes, summary, the tree with cut files marked, and the Skipped section). Blocks
    add up exactly (see ``tokens.TokenCounter.count_block``), so only that part is measured
    again.

    ``tier(path)``, when given, comes before the priority rank: a reviewed change keeps its
    changed files first, then related files by distance (see ``review.Change.tier``).
    ``key`` orders the files within a tier (default: :func:`rank`, then size);
    ``views(document)`` gives the ways a file may be shown, richest first (default: whole
    only), and each file gets the first that fits; ``overhead`` estimates what keeping a file
    adds to the frame when ``measure`` grows with the files kept (a map's tree) — the exact
    check below corrects any estimate. With ``group``, a file gets a richer view only while
    every later file of its group (e.g. all source files) still has room for its cheapest
    view: a large module is compressed rather than crowding out the map entries after it.
    ``protected`` files are kept room for, wherever they come in the order: every other file
    gets a view only while each later protected file still has room for its cheapest one
    (``--query`` keeps every source file the order without a query shows). Over budget,
    unprotected files are dropped first. With ``protected``, ``lead`` (a clear answer to a
    question) is shown whole, or else compressed, before any of them is kept room for, when
    it fits the budget so with every other file cut; they then share all the room it leaves.
    """
    within = key or (lambda d: (rank(d.path, priority), d.block_tokens, d.path))
    order = sorted(documents, key=lambda d: (tier(d.path) if tier else 0, within(d)))
    options = {id(d): list(views(d)) if views else [d] for d in order}
    cost = {id(d): [shown.block_tokens + (overhead(d) if overhead else 0)
                    for shown in options[id(d)]] for d in order}
    if protected is not None:
        if lead is not None and not _fits_alone(lead, documents, options, cost, budget, measure):
            lead = None
        return _fit_protected(documents, order, options, cost, protected, budget, measure,
                              lead)
    runs = _runs(order, group)
    worst = measure([], documents)  # every file cut, marked and listed: the largest frame
    chosen = _choose(runs, options, cost, {}, budget - worst)
    best: Fit | None = None
    settled: dict[int, Document] | None = None
    penalty = 0
    for _ in range(_ROUNDS):
        best, chosen, over = _shrink(documents, order, chosen, budget, measure)
        penalty += _overshot(chosen, settled, over)
        settled = chosen
        # The frame shrinks as files move from cut to kept (no mark, no Skipped line), so
        # the first fill, made against the largest frame, may have left room: use it.
        grown = _choose(runs, options, cost, chosen, budget - best.tokens - penalty)
        if grown == chosen:
            break
        chosen = grown
    assert best is not None
    return best


def _overshot(kept: dict[int, Document], before: dict[int, Document] | None, over: int) -> int:
    """What the next refill should leave unused: a refill dropped whole (the same files kept
    as before it) cost more than its blocks by ``over`` (their tree lines, a folder shown
    open); asking the same of the next one would only add and drop the same files again
    (numpy, ``--focus numpy/linalg/_linalg.py`` at 4,000: 599 tokens left unused, four
    rounds adding a 539-token entry and dropping it)."""
    # over <= 0: nothing was dropped (a refill that only raised views keeps the same files)
    return over if over > 0 and before is not None and kept.keys() == before.keys() else 0


_ROUNDS = 4  # refills after the first fit; each one only adds files that fit the slack


def _choose(runs: list[list[Document]], options: dict[int, list[Document]],
            cost: dict[int, list[int]], chosen: dict[int, Document],
            room: int) -> dict[int, Document]:
    """``chosen`` plus files, run by run in budget order, within ``room`` (see :func:`_fill`);
    a file already chosen may be raised to a richer view."""
    chosen = dict(chosen)
    for run in runs:
        room = _fill(run, options, cost, chosen, room)
    return chosen


def _fill(run: list[Document], options: dict[int, list[Document]], cost: dict[int, list[int]],
          chosen: dict[int, Document], room: int) -> int:
    """Give each file of ``run`` not yet chosen its cheapest view while they fit, in order,
    then raise the poorest ones a view, in order, until a round leaves one short (views are richest
    first, each cheaper than the one before): every file gets its outline before any gets its
    whole text. Returns the room left."""
    picks = {id(d): options[id(d)].index(chosen[id(d)]) for d in run if id(d) in chosen}
    for document in run:
        cheapest = len(cost[id(document)]) - 1
        if id(document) not in picks and cheapest >= 0 and cost[id(document)][cheapest] <= room:
            picks[id(document)] = cheapest
            room -= cost[id(document)][cheapest]
    short = False
    while not short:  # the poorest files first: all outlines before any whole text
        poorest = _poorest(run, options, picks)
        for document in poorest:
            pick = picks[id(document)]
            extra = cost[id(document)][pick - 1] - cost[id(document)][pick]
            if extra <= room:
                picks[id(document)] = pick - 1
                room -= extra
            else:  # this round ends, then no file goes further: the rest is for later runs
                short = True
        short = short or not poorest
    for document in run:
        if id(document) in picks:
            chosen[id(document)] = options[id(document)][picks[id(document)]]
    return room


_RICHNESS = {"map": 0, "compressed": 1, "full": 2}


def _poorest(run: list[Document], options: dict[int, list[Document]], picks: dict[int, int]
             ) -> list[Document]:
    """The files of ``run`` that have a richer view, whose view is the poorest, in order."""
    richer = [d for d in run if picks.get(id(d), 0) > 0]
    level = min((_RICHNESS[options[id(d)][picks[id(d)]].view] for d in richer), default=0)
    return [d for d in richer if _RICHNESS[options[id(d)][picks[id(d)]].view] == level]


def _choose_protected(order: list[Document], options: dict[int, list[Document]],
            cost: dict[int, list[int]], reserve: dict[int, int], chosen: dict[int, Document],
            room: int, must: set[int] | None = None) -> dict[int, Document]:
    """For :func:`_fit_protected`: ``chosen`` plus files, in budget order, each in the richest
    view that fits ``room`` and leaves the later protected files (``must``) their room; a file
    already chosen moves up to a richer view when the room allows."""
    chosen = dict(chosen)
    for document in order:
        if id(document) in chosen:
            if must is not None:
                room -= _upgrade(document, options, cost, reserve, chosen, room)
            continue
        own = cost[id(document)]
        # the richest view that leaves the rest of its group its cheapest views; when the
        # group cannot all fit anyway, the cheapest view that fits (more files, each briefer)
        fallback = must is None or id(document) in must
        pick = next((i for i, c in enumerate(own) if c + reserve[id(document)] <= room),
                    min((i for i, c in enumerate(own) if c <= room and fallback), default=None,
                        key=lambda i: own[i]))
        if pick is not None:
            chosen[id(document)] = options[id(document)][pick]
            room -= own[pick]
    return chosen


def _upgrade(document: Document, options: dict[int, list[Document]],
             cost: dict[int, list[int]], reserve: dict[int, int], chosen: dict[int, Document],
             room: int) -> int:
    """Show a chosen file in the richest view its room allows; the tokens that took."""
    own, now = cost[id(document)], options[id(document)].index(chosen[id(document)])
    pick = next((i for i in range(now) if own[i] - own[now] + reserve[id(document)] <= room),
                now)
    chosen[id(document)] = options[id(document)][pick]
    return own[pick] - own[now]


#: how many of the first files in order are shown whole before the rest get a view
LEAD_FILES = 12


def _lead(order: list[Document], cost: dict[int, list[int]], room: int, must: set[int]
          ) -> list[int]:
    """Among the first :data:`LEAD_FILES` files, in order, those whole within the room the
    protected files (``must``) leave at their cheapest (a file too large is passed over): the
    top of the order whole before any other file gets a view."""
    lead: list[int] = []
    left = room - sum(min(cost[i], default=0) for i in must)
    for document in order[:LEAD_FILES]:
        own = cost[id(document)]
        extra = own[0] - (min(own) if id(document) in must else 0)
        if extra <= left:
            lead.append(id(document))
            left -= extra
    return lead


def _fits_alone(lead: Document, documents: list[Document], options: dict[int, list[Document]],
                cost: dict[int, list[int]], budget: int, measure: Measure) -> bool:
    """Whether ``lead`` fits ``budget`` with every other file cut, whole or else compressed;
    if it does, the richest such view becomes its only one (it is shown so or not at all)."""
    others = [d for d in documents if d is not lead]
    for index, shown in enumerate(options[id(lead)]):
        if shown.view == "map":  # as protected as any file: no lead
            return False
        if cost[id(lead)][index] <= budget - measure([shown], others):
            options[id(lead)], cost[id(lead)] = [shown], [cost[id(lead)][index]]
            return True
    return False


def _fit_protected(documents: list[Document], order: list[Document],
                   options: dict[int, list[Document]], cost: dict[int, list[int]],
                   protected: Callable[[Document], bool], budget: int, measure: Measure,
                   lead: Document | None = None) -> Fit:
    """:func:`fit` keeping room for the ``protected`` files: the first files in order are
    shown whole while they fit what the protected files leave (:func:`_lead`); then, in
    order, each file gets the richest view that leaves every later protected file not yet
    shown its cheapest;
    round after round the slack the exact count leaves goes to the first files in order (a
    richer view for a file already shown, or a new file). Over budget, unprotected files go
    first."""
    must = _floor([d for d in order if protected(d)], cost,
                  budget - measure([], documents), lead)
    dropping = [d for d in order if id(d) in must] + [d for d in order if id(d) not in must]
    # the frame with the protected files kept (briefly) and the rest cut: what it will be,
    # near enough, so the first pass already gives the first files their richest views
    cheapest = {id(d): options[id(d)][min(range(len(cost[id(d)])), key=cost[id(d)].__getitem__)]
                for d in order if id(d) in must}
    room = budget - measure([cheapest[id(d)] for d in documents if id(d) in must],
                            [d for d in documents if id(d) not in must])
    # the lead is placed first, so the files before it in order (too large to be whole)
    # cannot take its room, and it leaves the protected files theirs like any other file
    chosen = {i: options[i][0] for i in _lead(order, cost, room, must)}
    room -= sum(cost[i][0] for i in chosen)
    best: Fit | None = None
    settled: dict[int, Document] | None = None
    penalty = 0
    for _ in range(_ROUNDS + 1):
        reserve = _kept_room(order, cost, _waiting(must, chosen))
        grown = _choose_protected(order, options, cost, reserve, chosen, room - penalty, must)
        if best is not None and grown == chosen:
            break
        best, chosen, over = _shrink(documents, dropping, grown, budget, measure)
        penalty += _overshot(chosen, settled, over)
        settled = chosen
        room = budget - best.tokens
    assert best is not None
    return best


#: the protected files' cheapest views take at most this share of the room; beyond it only
#: the first of them in order are protected, so a tight budget still shows some files whole
FLOOR_SHARE = 0.5


def _floor(protected: list[Document], cost: dict[int, list[int]], room: int,
           lead: Document | None = None) -> set[int]:
    """The protected files (in order) whose cheapest views fit :data:`FLOOR_SHARE` of
    ``room``: all of them unless the budget is tight. ``lead`` comes first, whole; the
    others may then have all the room it leaves (a file is already whole)."""
    must: set[int] = set()
    left = room * FLOOR_SHARE
    if lead is not None:
        must.add(id(lead))
        left = room - cost[id(lead)][0]
    for document in protected:
        if id(document) in must:
            continue
        cheapest = min(cost[id(document)], default=0)
        if cheapest > left:  # passed over: a smaller one after it may still fit
            continue
        must.add(id(document))
        left -= cheapest
    return must


def _waiting(must: set[int], chosen: dict[int, Document]) -> Callable[[Document], bool]:
    """Protected and not yet shown."""
    waiting = must - chosen.keys()
    return lambda document: id(document) in waiting


def _shrink(documents: list[Document], order: list[Document], chosen: dict[int, Document],
            budget: int, measure: Measure) -> tuple[Fit, dict[int, Document], int]:
    """Drop the last files in budget order until the exact total is within ``budget``: the
    fewest that fit, found by doubling the number dropped, then halving the gap (a measure
    draws the whole tree: numpy's first fill dropped 23 files, 24 measures one at a time), and
    how far over ``budget`` keeping them all was (0 or less: nothing dropped)."""
    dropping = [id(d) for d in reversed(order) if id(d) in chosen]

    def attempt(count: int) -> tuple[Fit, dict[int, Document]]:
        gone = set(dropping[:count])
        left = {key: shown for key, shown in chosen.items() if key not in gone}
        kept = [left[id(d)] for d in documents if id(d) in left]
        cut = [d for d in documents if id(d) not in left]
        return Fit(kept, cut, measure(kept, cut) + sum(d.block_tokens for d in kept)), left

    best = attempt(0)
    over = best[0].tokens - budget
    low, step = 0, 1  # dropping ``low`` files is over the budget
    while best[0].tokens > budget:
        if low == len(dropping):
            raise BudgetTooSmall(f"a budget of {budget:,} tokens is smaller than the digest's "
                                 f"frame alone (summary, tree and Skipped list: "
                                 f"{best[0].tokens:,} tokens)")
        high = min(low + step, len(dropping))
        tried = attempt(high)
        if tried[0].tokens <= budget:
            while high - low > 1:  # the fewest dropped between low (over) and high (within)
                middle = (low + high) // 2
                halfway = attempt(middle)
                if halfway[0].tokens <= budget:
                    high, tried = middle, halfway
                else:
                    low = middle
            return (*tried, over)
        low, step, best = high, step * 2, tried
    return (*best, over)


def _runs(order: list[Document], group: Callable[[Document], Any] | None
          ) -> list[list[Document]]:
    """``order`` cut where the group changes (without ``group``, each file is its own run:
    the richest view that fits, in order)."""
    runs: list[list[Document]] = []
    last: Any = object()
    for document in order:
        name = group(document) if group else object()
        if not runs or name != last:
            runs.append([])
        runs[-1].append(document)
        last = name
    return runs


def _kept_room(order: list[Document], cost: dict[int, list[int]],
               protected: Callable[[Document], bool]) -> dict[int, int]:
    """Per file: the cheapest views of the protected files after it, added up."""
    reserve: dict[int, int] = {}
    after = 0
    for document in reversed(order):
        reserve[id(document)] = after
        if protected(document):
            after += min(cost[id(document)], default=0)
    return reserve
