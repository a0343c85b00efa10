"""Importance: PageRank over the repository's definition/reference graph, times breadth of use.

A file that defines a name points from every file that uses it (Aider's repository map works
the same way): the more, and the more important, files use what a file defines, the higher it
ranks. Definitions come from tree-sitter (:mod:`gitdigest.focus.compress`); a use is the name
appearing as an identifier in another file's text. Entry points (README, ``__main__``, CLI
modules, files defining ``main``) and ``--priority`` files get a larger share of the random
jumps (the personalization vector), which lifts them and what they use.

numpy is imported only here, only when a ranking is asked for.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
_ENTRY = re.compile(r"(?:^|/)(?:__main__\.py|cli\.[a-z]+|main\.[a-z]+|index\.[jt]sx?|"
                    r"app\.py|manage\.py|cmd/[^/]+/main\.go)$|(?:^|/)readme(?:\.[^/]*)?$", re.I)
#: how much more often a random jump lands on an entry point or a --priority file
ENTRY_BOOST = 10.0
#: names defined in more files than this are too generic to say who uses whom
_COMMON = 5


def is_entry_point(path: str, names: frozenset[str] = frozenset()) -> bool:
    """README, ``__main__``, CLI and app modules, and files that define ``main``."""
    return _ENTRY.search(path) is not None or "main" in names


@dataclass(frozen=True, slots=True)
class Uses:
    """The identifiers a file uses, each once in the order it first appears, and how often:
    the names joined by NUL into one string, and their counts. A worker sends it and the
    parent keeps it as two objects, where a dict of the names cost numpy's 270,000 uses a
    string, an interning and a slot each, in the parent, while the workers still parsed."""

    names: str
    counts: tuple[int, ...]

    @classmethod
    def of(cls, found: Mapping[str, int]) -> Uses:
        """The uses counted in ``found``, in its order."""
        return cls("\0".join(found), tuple(found.values()))

    def split(self) -> list[str]:
        """The names, in order (one per count)."""
        return self.names.split("\0") if self.counts else []

    def items(self) -> Iterator[tuple[str, int]]:
        """Each name with its count, in order."""
        return zip(self.split(), self.counts, strict=True)


def references(text: str) -> Uses:
    """How often each identifier-like word appears in ``text``."""
    return Uses.of(Counter(_IDENTIFIER.findall(text)))


def importance(definitions: Mapping[str, frozenset[str]], uses: Mapping[str, Uses],
               boosted: Callable[[str], bool] = lambda path: False) -> dict[str, float]:
    """Every file's PageRank times (1 + the number of files that use it), as shares adding up
    to 1; deterministic.

    ``definitions`` maps a file to the names it defines; ``uses`` maps a file to the identifiers
    in its text. An edge runs from a user to the definer, weighted by the square root of the
    uses (a name repeated a hundred times is not a hundred reasons), less for private names
    (``_x``) and for names many files define.
    """
    paths = sorted(uses)
    if not paths:
        return {}
    weights = _weights(definitions, uses)
    jumps = [ENTRY_BOOST if boosted(path) or is_entry_point(
        path, definitions.get(path, frozenset())) else 1.0 for path in paths]
    ranks = _pagerank(paths, weights, jumps)
    users = Counter(owner for _, owner in weights)  # in-degree: the files that use a file
    # Rank flows on down a chain, so a helper that only the central module uses would outrank
    # it; weighing by how many files use a file keeps the hub above what it delegates to.
    breadth = {path: ranks[i] * (1 + users[path]) for i, path in enumerate(paths)}
    total = sum(breadth.values()) or 1.0
    return {path: breadth[path] / total for path in paths}


@dataclass(frozen=True, eq=False)
class TwoWay:
    """The reference graph with its edges made two-way (a use back to its definer counts
    half), as networkx's ``pagerank`` sees it: its nodes (sorted) and its adjacency, in
    scipy's CSR form, as numpy arrays (``indptr`` and ``indices`` int64, ``data`` float64:
    sympy's 420,000 edges as Python numbers would take 28 MB; a run that finds the graph in
    the cache builds nothing)."""

    paths: list[str]
    indptr: Any
    indices: Any
    data: Any


def reference_graph(definitions: Mapping[str, frozenset[str]], uses: Mapping[str, Uses]
                    ) -> TwoWay:
    """The graph from each file that uses a name to the files defining it (see
    :func:`importance` for the weights), made two-way (:func:`two_way`); its nodes are the
    files of ``uses``."""
    return two_way(sorted(uses), _weights(definitions, uses))


def _weights(definitions: Mapping[str, frozenset[str]], uses: Mapping[str, Uses]
             ) -> dict[tuple[str, str], float]:
    """The weight of each edge, from a file that uses a name to a file defining it."""
    definers: dict[str, list[str]] = {}
    for path in sorted(definitions):
        for name in definitions[path]:
            definers.setdefault(name, []).append(path)
    # per name once, not per use: most identifiers a file uses are defined nowhere (numpy:
    # 270,000 uses), and the filter below skips those without a Python step each
    factors = {name: (0.1 if name.startswith("_") else 1.0) * (
        0.1 if len(owners) > _COMMON else 1.0) for name, owners in definers.items()}
    paths = sorted(uses)
    weights: dict[tuple[str, str], float] = {}
    for user in paths:
        names, counts = uses[user].split(), uses[user].counts
        for index in itertools.compress(range(len(names)), map(factors.__contains__, names)):
            name = names[index]  # in the file's order, as before
            weight = factors[name] * math.sqrt(counts[index])
            for owner in definers[name]:
                if owner != user:
                    weights[(user, owner)] = weights.get((user, owner), 0.0) + weight
    return weights


def _pagerank(paths: list[str], weights: Mapping[tuple[str, str], float], jumps: list[float],
              alpha: float = 0.85, tol: float = 1e-10, max_iter: int = 500) -> list[float]:
    """Weighted, personalised PageRank by power iteration: networkx's ``pagerank`` (same
    damping, tolerance and dangling-node rule), without building its graph, whose objects
    cost numpy 2 s and 60 MB of a first budgeted run. The edges are numpy arrays in a sparse
    matrix's order (by source, then target) and are added up as scipy's sparse matrix adds
    them (the same sums, to the last bit), without importing scipy (0.2 s)."""
    import numpy

    count = len(paths)
    index = {path: i for i, path in enumerate(paths)}
    rows = numpy.fromiter((index[user] for user, _ in weights), dtype=numpy.int64,
                          count=len(weights))
    cols = numpy.fromiter((index[owner] for _, owner in weights), dtype=numpy.int64,
                          count=len(weights))
    data = numpy.fromiter(weights.values(), dtype=float, count=len(weights))
    order = numpy.lexsort((cols, rows))
    rows, cols, data = rows[order], cols[order], data[order]
    out = numpy.zeros(count)  # each file's weight out: its edges' in one reduction
    starts = numpy.concatenate(([0], numpy.cumsum(numpy.bincount(rows, minlength=count))))
    sources = numpy.flatnonzero(numpy.diff(starts))
    if len(sources):
        out[sources] = numpy.add.reduceat(data, starts[sources])
    scale = numpy.divide(1.0, out, out=numpy.zeros_like(out), where=out != 0)
    data = scale[rows] * data  # each edge's share of its source's weight
    personal = numpy.asarray(jumps, dtype=float)
    personal /= personal.sum()
    dangling = numpy.where(out == 0)[0]
    x = numpy.repeat(1.0 / count, count)
    for _ in range(max_iter):
        last = x
        # what flows into each file: its edges' shares, added in the order of their sources
        flow = numpy.bincount(cols, weights=x[rows] * data, minlength=count)
        x = alpha * (flow + x[dangling].sum() * personal) + (1 - alpha) * personal
        if numpy.absolute(x - last).sum() < count * tol:
            break
    return [float(value) for value in x]


def two_way(paths: list[str], weights: Mapping[tuple[str, str], float]) -> TwoWay:
    """The graph of ``paths`` (sorted) with ``weights`` on its edges, made two-way: the matrix
    networkx builds for ``pagerank`` (an edge's two directions added up as it adds them), in
    canonical CSR form (by source, then target), as scipy stores it."""
    index = {path: i for i, path in enumerate(paths)}
    both: dict[tuple[int, int], float] = {}
    for (user, owner), weight in sorted(weights.items()):
        there, back = (index[user], index[owner]), (index[owner], index[user])
        both[there] = weight + both.get(there, 0.0)
        both[back] = weight / 2 + both.get(back, 0.0)
    edges = sorted(both)
    indptr = [0] * (len(paths) + 1)
    for source, _ in edges:
        indptr[source + 1] += 1
    for i in range(len(paths)):
        indptr[i + 1] += indptr[i]
    import numpy

    return TwoWay(paths, numpy.array(indptr, dtype=numpy.int64),
                  numpy.array([target for _, target in edges], dtype=numpy.int64),
                  numpy.array([both[e] for e in edges], dtype=float))


def around(graph: TwoWay, seeds: Mapping[str, float]) -> dict[str, float]:
    """Personalised PageRank over ``graph`` (:func:`two_way`), the random jumps landing on
    ``seeds`` in proportion: the files close to the seeds in the reference graph, as shares
    adding up to 1 (empty without seeds).

    The arithmetic is networkx's ``pagerank`` (its scipy power iteration), step for step on
    numpy arrays: each row's weights added up in order (scipy's ``reduceat``), each file's
    inflow added up by source (scipy's transposed product), the dangling mass by Python's
    ``sum``, so the same floats come out (tested), without a networkx graph or scipy."""
    import numpy

    known = set(graph.paths)
    jumps = {path: weight for path, weight in seeds.items() if weight > 0 and path in known}
    if not jumps:
        return {}
    count = len(graph.paths)
    indptr = numpy.asarray(graph.indptr, dtype=numpy.int64)
    cols = numpy.asarray(graph.indices, dtype=numpy.int64)
    data = numpy.asarray(graph.data, dtype=float)
    sizes = numpy.diff(indptr)
    rows = numpy.repeat(numpy.arange(count), sizes)
    out = numpy.zeros(count)
    sources = numpy.flatnonzero(sizes)
    if len(sources):
        out[sources] = numpy.add.reduceat(data, indptr[sources])
    out[out != 0] = 1.0 / out[out != 0]
    data = data * out[rows]  # each edge's share of its source's weight
    x = numpy.repeat(1.0 / count, count)
    personal = numpy.array([jumps.get(path, 0) for path in graph.paths], dtype=float)
    personal /= personal.sum()
    dangling = numpy.where(out == 0)[0]
    alpha = 0.85
    for _ in range(500):
        last = x
        flow = numpy.bincount(cols, weights=x[rows] * data, minlength=count)
        x = alpha * (flow + sum(x[dangling]) * personal) + (1 - alpha) * personal
        if numpy.absolute(x - last).sum() < count * 1e-10:
            break
    return dict(zip(graph.paths, map(float, x), strict=True))
