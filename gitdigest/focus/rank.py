"""Importance: PageRank over the repository's definition/reference graph, times breadth of use.

A file that defines a name points from every file that uses it (Aider's repository map works
the same way): the more, and the more important, files use what a file defines, the higher it
ranks. Definitions come from tree-sitter (:mod:`gitdigest.focus.compress`); a use is the name
appearing as an identifier in another file's text. Entry points (README, ``__main__``, CLI
modules, files defining ``main``) and ``--priority`` files get a larger share of the random
jumps (the personalization vector), which lifts them and what they use.

numpy (the compress extra) is imported lazily, here and by :mod:`.query` and :mod:`.memo`,
only when a ranking or a question asks for it.
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
#: how many (user, definer) pairs per unit of input (files, definitions, uses) the graph may
#: spell out as edges; past it the names behind most pairs reach their definers through one
#: shared node each (:class:`Hubs`). sympy, the densest repository measured, needs 1.75.
_PAIRS_PER_INPUT = 4


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
    shared = _shared(definitions, uses)
    weights = _weights(definitions, uses, shared)
    hubs = Hubs.of(paths, definitions, uses, shared) if shared else None
    jumps = [ENTRY_BOOST if boosted(path) or is_entry_point(
        path, definitions.get(path, frozenset())) else 1.0 for path in paths]
    ranks = _pagerank(paths, weights, jumps, hubs)
    users = _in_degree(paths, weights, hubs)  # the files that use a file
    # Rank flows on down a chain, so a helper that only the central module uses would outrank
    # it; weighing by how many files use a file keeps the hub above what it delegates to.
    breadth = {path: ranks[i] * (1 + users[i]) for i, path in enumerate(paths)}
    total = sum(breadth.values()) or 1.0
    return {path: breadth[path] / total for path in paths}


@dataclass(frozen=True, eq=False)
class Hubs:
    """The names defined and used too widely to spell out every (user, definer) pair as an
    edge: each is one shared node, reached from its users (``use_file`` to ``use_hub``,
    weighted as the edge to each definer would be) and reaching every file that defines it
    (``def_hub`` to ``def_file``). ``user -> name -> definer`` stands for the edge ``user ->
    definer`` of the same weight, bar a file's own (:meth:`own`), so PageRank through it is
    PageRank over the spelled-out graph, to rounding; a name costs its users plus its
    definers, not their product (4,000 files defining and using ``util``: 16 million edges).
    Files and names are numbered; the arrays are numpy's (int64, float64)."""

    count: int
    use_file: Any
    use_hub: Any
    use_weight: Any
    def_hub: Any
    def_file: Any

    @classmethod
    def of(cls, paths: list[str], definitions: Mapping[str, frozenset[str]],
           uses: Mapping[str, Uses], shared: list[str]) -> Hubs:
        """The hubs of the names ``shared`` (:func:`_shared`) between the files ``paths``."""
        import numpy

        index = {path: i for i, path in enumerate(paths)}
        hub = {name: i for i, name in enumerate(shared)}
        files: list[int] = []
        hubs: list[int] = []
        weights: list[float] = []
        for user in paths:
            names, counts = uses[user].split(), uses[user].counts
            for i in itertools.compress(range(len(names)), map(hub.__contains__, names)):
                files.append(index[user])
                hubs.append(hub[names[i]])
                weights.append(_factor(names[i], _COMMON + 1) * math.sqrt(counts[i]))
        owners = sorted((hub[name], index[path]) for path in definitions
                        for name in definitions[path] if name in hub)
        return cls(len(shared), numpy.array(files, dtype=numpy.int64),
                   numpy.array(hubs, dtype=numpy.int64), numpy.array(weights, dtype=float),
                   numpy.array([h for h, _ in owners], dtype=numpy.int64),
                   numpy.array([f for _, f in owners], dtype=numpy.int64))

    def own(self, count: int) -> Any:
        """Each file's weight to itself through the names it both defines and uses: the
        edges the spelled-out graph leaves out."""
        import numpy

        mine = numpy.isin(self.use_hub * count + self.use_file,
                          self.def_hub * count + self.def_file)
        return numpy.bincount(self.use_file[mine], weights=self.use_weight[mine],
                              minlength=count)

    def out(self, count: int, own: Any) -> Any:
        """Each file's weight out to the definers of the names it uses."""
        import numpy

        definers = numpy.bincount(self.def_hub, minlength=self.count)
        return numpy.bincount(self.use_file, weights=self.use_weight * definers[self.use_hub],
                              minlength=count) - own

    def into(self, count: int, own: Any) -> Any:
        """Each file's weight in from the users of the names it defines."""
        import numpy

        used = numpy.bincount(self.use_hub, weights=self.use_weight, minlength=self.count)
        return numpy.bincount(self.def_file, weights=used[self.def_hub], minlength=count) - own

    def forward(self, values: Any, own: Any) -> Any:
        """What flows from users to definers: ``values`` times the edges, by definer."""
        import numpy

        held = numpy.bincount(self.use_hub, weights=values[self.use_file] * self.use_weight,
                              minlength=self.count)
        return numpy.bincount(self.def_file, weights=held[self.def_hub],
                              minlength=len(values)) - own * values

    def backward(self, values: Any, own: Any) -> Any:
        """What flows back from definers to users, each edge's full weight."""
        import numpy

        held = numpy.bincount(self.def_hub, weights=values[self.def_file], minlength=self.count)
        return numpy.bincount(self.use_file, weights=self.use_weight * held[self.use_hub],
                              minlength=len(values)) - own * values


def _factor(name: str, definers: int) -> float:
    """How much one use of ``name`` counts: less for private names and for common ones."""
    return (0.1 if name.startswith("_") else 1.0) * (0.1 if definers > _COMMON else 1.0)


def _shared(definitions: Mapping[str, frozenset[str]], uses: Mapping[str, Uses]) -> list[str]:
    """The names to route through a hub (:class:`Hubs`): none while spelling out every
    (user, definer) pair costs at most ``_PAIRS_PER_INPUT`` times the input (every real
    repository measured), else the common names (more than ``_COMMON`` definers) behind
    the most pairs until the rest fit. The names sharing a hub are sorted."""
    definers = Counter(name for names in definitions.values() for name in names)
    users: Counter[str] = Counter()
    size = len(uses) + sum(definers.values())
    for found in uses.values():
        names = found.split()
        size += len(names)
        users.update(itertools.compress(names, map(definers.__contains__, names)))
    pairs = {name: users[name] * definers[name] for name in users}
    over = sum(pairs.values()) - _PAIRS_PER_INPUT * size
    shared: list[str] = []
    for name in sorted((n for n in pairs if definers[n] > _COMMON),
                       key=lambda n: (-pairs[n], n)):
        if over <= 0:
            break
        shared.append(name)
        over -= pairs[name]
    return sorted(shared)


@dataclass(frozen=True, eq=False)
class TwoWay:
    """The reference graph with its edges made two-way (a use back to its definer counts
    half), as networkx's ``pagerank`` sees it: its nodes (sorted) and its adjacency, in
    scipy's CSR form, as numpy arrays (``indptr`` and ``indices`` int64, ``data`` float64:
    sympy's 420,000 edges as Python numbers would take 28 MB; a run that finds the graph in
    the cache builds nothing).

    With ``hubs`` (:class:`Hubs`), rows and columns past the files are the shared names: a
    file's row lists the hubs it uses (their weight), a hub's row its definers (weight 1),
    both one-way; :func:`around` makes them two-way as it goes."""

    paths: list[str]
    indptr: Any
    indices: Any
    data: Any
    hubs: int = 0


def reference_graph(definitions: Mapping[str, frozenset[str]], uses: Mapping[str, Uses]
                    ) -> TwoWay:
    """The graph from each file that uses a name to the files defining it (see
    :func:`importance` for the weights), made two-way (:func:`two_way`); its nodes are the
    files of ``uses`` (and the hubs of widely shared names, :class:`Hubs`)."""
    paths, shared = sorted(uses), _shared(definitions, uses)
    return two_way(paths, _weights(definitions, uses, shared),
                   Hubs.of(paths, definitions, uses, shared) if shared else None)


def _weights(definitions: Mapping[str, frozenset[str]], uses: Mapping[str, Uses],
             shared: list[str] | None = None) -> dict[tuple[str, str], float]:
    """The weight of each edge, from a file that uses a name to a file defining it; the
    names ``shared`` (routed through hubs) left out."""
    definers: dict[str, list[str]] = {}
    for path in sorted(definitions):
        for name in definitions[path]:
            definers.setdefault(name, []).append(path)
    # per name once, not per use: most identifiers a file uses are defined nowhere (numpy:
    # 270,000 uses), and the filter below skips those without a Python step each
    skip = frozenset(shared or ())
    factors = {name: _factor(name, len(owners)) for name, owners in definers.items()
               if name not in skip}
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


def _in_degree(paths: list[str], weights: Mapping[tuple[str, str], float],
               hubs: Hubs | None) -> list[int]:
    """How many other files use each file, by edge or through a hub."""
    direct = Counter(owner for _, owner in weights)
    if hubs is None:
        return [direct[path] for path in paths]
    count, index = len(paths), {path: i for i, path in enumerate(paths)}
    users: dict[int, set[int]] = {}
    for user, owner in weights:
        users.setdefault(index[owner], set()).add(index[user])
    hub_users: list[list[int]] = [[] for _ in range(hubs.count)]
    for file, hub in zip(hubs.use_file.tolist(), hubs.use_hub.tolist(), strict=True):
        hub_users[hub].append(file)
    # a name used by many files as one bit per file: a definer's users are then the union
    # of its names' bits (64 files a machine word), never a pair at a time
    dense = [_bits(found, count) if len(found) * 64 >= count else None for found in hub_users]
    owned: list[list[int]] = [[] for _ in paths]
    for hub, file in zip(hubs.def_hub.tolist(), hubs.def_file.tolist(), strict=True):
        owned[file].append(hub)
    found = [0] * count
    key: list[int] | None = None
    size, bits, loose = 0, b"", set[int]()
    for file in sorted(range(count), key=owned.__getitem__):  # files with the same names
        if owned[file] != key:  # together: one union each
            key, union = owned[file], 0
            loose = set()
            for hub in key:
                bitset = dense[hub]
                if bitset is None:
                    loose.update(hub_users[hub])
                else:
                    union |= bitset
            bits = union.to_bytes(count // 8 + 1, "little")
            loose = {user for user in loose if not bits[user >> 3] >> (user & 7) & 1}
            size = union.bit_count() + len(loose)
        extra = users.get(file, set()) - loose
        found[file] = size + sum(1 for user in extra if not bits[user >> 3] >> (user & 7) & 1)
        if file in loose or bits[file >> 3] >> (file & 7) & 1:
            found[file] -= 1  # its own names used in its own text
    return found


def _bits(members: list[int], count: int) -> int:
    """The set ``members`` of ``range(count)`` as an integer's bits."""
    raw = bytearray(count // 8 + 1)
    for member in members:
        raw[member >> 3] |= 1 << (member & 7)
    return int.from_bytes(raw, "little")


def _pagerank(paths: list[str], weights: Mapping[tuple[str, str], float], jumps: list[float],
              hubs: Hubs | None = None, alpha: float = 0.85, tol: float = 1e-10,
              max_iter: int = 500) -> list[float]:
    """Weighted, personalised PageRank by power iteration: networkx's ``pagerank`` (same
    damping, tolerance and dangling-node rule), without building its graph, whose objects
    cost numpy 2 s and 60 MB of a first budgeted run. The edges are numpy arrays in a sparse
    matrix's order (by source, then target) and are added up as scipy's sparse matrix adds
    them (the same sums, to the last bit), without importing scipy (0.2 s); the edges
    through ``hubs`` are added after them."""
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
    own = hubs.own(count) if hubs is not None else None
    if hubs is not None:
        out = out + hubs.out(count, own)
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
        if hubs is not None:
            flow = flow + hubs.forward(x * scale, own)
        x = alpha * (flow + x[dangling].sum() * personal) + (1 - alpha) * personal
        if numpy.absolute(x - last).sum() < count * tol:
            break
    return [float(value) for value in x]


def two_way(paths: list[str], weights: Mapping[tuple[str, str], float],
            hubs: Hubs | None = None) -> TwoWay:
    """The graph of ``paths`` (sorted) with ``weights`` on its edges, made two-way: the matrix
    networkx builds for ``pagerank`` (an edge's two directions added up as it adds them), in
    canonical CSR form (by source, then target), as scipy stores it; ``hubs`` in rows and
    columns of their own, one-way (:class:`TwoWay`)."""
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

    graph = TwoWay(paths, numpy.array(indptr, dtype=numpy.int64),
                   numpy.array([target for _, target in edges], dtype=numpy.int64),
                   numpy.array([both[e] for e in edges], dtype=float))
    if hubs is None:
        return graph
    count = len(paths)
    rows = numpy.concatenate((numpy.repeat(numpy.arange(count), numpy.diff(graph.indptr)),
                              hubs.use_file, hubs.def_hub + count))
    cols = numpy.concatenate((graph.indices, hubs.use_hub + count, hubs.def_file))
    data = numpy.concatenate((graph.data, hubs.use_weight, numpy.ones(len(hubs.def_file))))
    order = numpy.lexsort((cols, rows))
    starts = numpy.cumsum(numpy.bincount(rows, minlength=count + hubs.count))
    return TwoWay(paths, numpy.concatenate(([0], starts)).astype(numpy.int64), cols[order],
                  data[order], hubs.count)


def around(graph: TwoWay, seeds: Mapping[str, float]) -> dict[str, float]:
    """Personalised PageRank over ``graph`` (:func:`two_way`), the random jumps landing on
    ``seeds`` in proportion: the files close to the seeds in the reference graph, as shares
    adding up to 1 (empty without seeds).

    The arithmetic is networkx's ``pagerank`` (its scipy power iteration), step for step on
    numpy arrays: each row's weights added up in order (scipy's ``reduceat``), each file's
    inflow added up by source (scipy's transposed product), the dangling mass by Python's
    ``sum``, so the same floats come out (tested), without a networkx graph or scipy. Through
    hubs, the same PageRank to rounding (:func:`_around_hubs`)."""
    import numpy

    known = set(graph.paths)
    jumps = {path: weight for path, weight in seeds.items() if weight > 0 and path in known}
    if not jumps:
        return {}
    if graph.hubs:
        return dict(zip(graph.paths, map(float, _around_hubs(graph, jumps)), strict=True))
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


def _around_hubs(graph: TwoWay, jumps: Mapping[str, float]) -> Any:
    """:func:`around` over a graph with hubs: the edges between files as they are, those
    through a hub both ways (forward at full weight, back at half), never spelled out."""
    import numpy

    count = len(graph.paths)
    cols = numpy.asarray(graph.indices, dtype=numpy.int64)
    data = numpy.asarray(graph.data, dtype=float)
    indptr = numpy.asarray(graph.indptr, dtype=numpy.int64)
    rows = numpy.repeat(numpy.arange(count + graph.hubs), numpy.diff(indptr))
    used, held = (rows < count) & (cols >= count), rows >= count
    hubs = Hubs(graph.hubs, rows[used], cols[used] - count, data[used], rows[held] - count,
                cols[held])
    near = (rows < count) & (cols < count)
    rows, cols, data = rows[near], cols[near], data[near]
    own = hubs.own(count)
    out = (numpy.bincount(rows, weights=data, minlength=count) + hubs.out(count, own)
           + hubs.into(count, own) / 2)
    scale = numpy.divide(1.0, out, out=numpy.zeros_like(out), where=out != 0)
    personal = numpy.array([jumps.get(path, 0) for path in graph.paths], dtype=float)
    personal /= personal.sum()
    dangling = numpy.where(out == 0)[0]
    x = numpy.repeat(1.0 / count, count)
    for _ in range(500):
        last = x
        share = x * scale
        flow = (numpy.bincount(cols, weights=share[rows] * data, minlength=count)
                + hubs.forward(share, own) + hubs.backward(share, own) / 2)
        x = 0.85 * (flow + x[dangling].sum() * personal) + 0.15 * personal
        if numpy.absolute(x - last).sum() < count * 1e-10:
            break
    return x
