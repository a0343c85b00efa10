"""Importance: PageRank over definitions and uses puts the central module first."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from gitdigest import digest
from gitdigest.focus import memo
from gitdigest.focus.compress import outline
from gitdigest.focus.rank import (
    Uses,
    _weights,
    around,
    importance,
    is_entry_point,
    reference_graph,
    references,
)

from .conftest import MakeRepo

pytestmark = pytest.mark.extra

# A known call graph: every module uses core; core uses util; nothing uses the leaves.
GRAPH = {
    "pkg/core.py": "from .util import normalize\n\nclass Engine:\n    def run(self, item):\n"
                   "        return normalize(item)\n\ndef parse_config(text):\n"
                   "    return normalize(text)\n",
    "pkg/util.py": "def normalize(value):\n    return str(value).strip()\n",
    "pkg/api.py": "from .core import Engine, parse_config\n\ndef serve(text):\n"
                  "    return Engine().run(parse_config(text))\n",
    "pkg/jobs.py": "from .core import Engine\n\ndef nightly(items):\n"
                   "    return [Engine().run(item) for item in items]\n",
    "pkg/report.py": "from .core import parse_config, Engine\n\ndef summarize(path):\n"
                     "    engine = Engine()\n    return parse_config(path), engine\n",
    "pkg/extra.py": "def unused_helper():\n    return 42\n",
}


def _ranks(files: dict[str, str]) -> dict[str, float]:
    definitions, uses = {}, {}
    for path, text in files.items():
        found = outline(path, text)
        assert found is not None
        definitions[path] = frozenset(d.name for d in found.definitions)
        uses[path] = references(text)
    return importance(definitions, uses)


def test_the_central_module_ranks_first() -> None:
    ranks = _ranks(GRAPH)
    order = sorted(ranks, key=lambda path: -ranks[path])
    assert order[0] == "pkg/core.py"
    assert order[1] == "pkg/util.py"  # used only by core, and core matters
    assert ranks["pkg/extra.py"] < ranks["pkg/util.py"]
    assert sum(ranks.values()) == pytest.approx(1.0)
    assert _ranks(GRAPH) == ranks  # deterministic


def test_entry_points_and_priority_are_boosted() -> None:
    assert is_entry_point("pkg/__main__.py") and is_entry_point("src/flask/cli.py")
    assert is_entry_point("tool.py", frozenset({"main"})) and not is_entry_point("pkg/core.py")
    files = {**GRAPH, "pkg/cli.py": "def run_cli():\n    return 1\n"}
    definitions = {p: frozenset() for p in files}
    uses = {p: references(t) for p, t in files.items()}
    plain = importance(definitions, uses)
    boosted = importance(definitions, uses, lambda path: path == "pkg/extra.py")
    assert plain["pkg/cli.py"] > plain["pkg/extra.py"]  # an entry point by name
    assert boosted["pkg/extra.py"] > plain["pkg/extra.py"]


def test_map_lists_the_central_module_first(make_repo: MakeRepo) -> None:
    result = digest(str(make_repo(GRAPH)), map=True)
    assert result.files[0].path == "pkg/core.py"
    assert all(d.view == "map" for d in result.files)
    text = result.render("text")
    assert "FILE: pkg/core.py (map)\n" in text
    assert "class Engine\n  def run(self, item)\ndef parse_config(text)\n" in text
    assert "return normalize" not in text


def test_pagerank_is_networkx_pagerank() -> None:
    """The ranking's own power iteration gives networkx's weighted, personalised PageRank
    (dangling files included), without building networkx's graph."""
    networkx = pytest.importorskip("networkx")
    from gitdigest.focus.rank import _pagerank, _weights

    definitions, uses = {}, {}
    for path, text in GRAPH.items():
        found = outline(path, text)
        assert found is not None
        definitions[path] = frozenset(d.name for d in found.definitions)
        uses[path] = references(text)
    paths = sorted(uses)
    weights = _weights(definitions, uses)
    jumps = [10.0 if path == "pkg/api.py" else 1.0 for path in paths]
    graph = networkx.DiGraph()
    graph.add_nodes_from(paths)
    graph.add_weighted_edges_from((user, owner, w) for (user, owner), w in weights.items())
    expected = networkx.pagerank(graph, personalization=dict(zip(paths, jumps, strict=True)),
                                 weight="weight", tol=1e-10, max_iter=500)
    found = dict(zip(paths, _pagerank(paths, weights, jumps), strict=True))
    assert found == pytest.approx(expected, rel=1e-9)
    assert found["pkg/util.py"] > found["pkg/extra.py"]


def _networkx_around(definitions: dict[str, frozenset[str]], uses: dict[str, Uses],
                     seeds: dict[str, float]) -> dict[str, float]:
    """``around`` as it was written with networkx: a graph built per run, made two-way."""
    import networkx

    both = networkx.DiGraph()
    both.add_nodes_from(sorted(uses))
    for (user, owner), weight in sorted(_weights(definitions, uses).items()):
        both.add_edge(user, owner, weight=weight + (both.get_edge_data(user, owner) or {}
                                                    ).get("weight", 0.0))
        both.add_edge(owner, user, weight=weight / 2 + (both.get_edge_data(owner, user) or {}
                                                        ).get("weight", 0.0))
    jumps = {path: weight for path, weight in seeds.items() if weight > 0 and path in both}
    found: dict[str, float] = networkx.pagerank(both, personalization=jumps, weight="weight",
                                                tol=1e-10, max_iter=500)
    return found


def _random_files(chance: random.Random, count: int, files: tuple[int, int], defined: int,
                  used: int) -> tuple[list[str], dict[str, frozenset[str]], dict[str, Uses]]:
    """Files defining up to ``defined`` and using up to ``used`` of ``count`` names (and a
    private one and ``main``), drawn from ``chance``."""
    names = [f"name{i}" for i in range(count)] + ["_private", "main"]
    paths = [f"pkg/m{i}.py" for i in range(chance.randint(*files))]
    definitions = {p: frozenset(chance.sample(names, chance.randint(0, defined))) for p in paths}
    uses = {p: Uses.of(Counter({n: chance.randint(1, 9) for n in chance.sample(
        names, chance.randint(0, used))})) for p in paths}
    return paths, definitions, uses


@pytest.mark.parametrize("seed", range(6))
def test_pagerank_around_the_hits_equals_networkx(seed: int) -> None:
    pytest.importorskip("networkx")
    chance = random.Random(seed)
    paths, definitions, uses = _random_files(chance, 40, (2, 60), 4, 12)
    seeds = {p: chance.choice([0.0, 0.3, 1.0, 2.5]) for p in chance.sample(paths, 3)}
    seeds["not/in/graph.md"] = 1.0
    expected = _networkx_around(definitions, uses, seeds) if any(
        w > 0 for p, w in seeds.items() if p in uses) else {}
    graph = reference_graph(definitions, uses)
    kept = memo.read_graph(memo.graph_entry(graph))
    assert kept is not None and kept.paths == graph.paths
    for name in ("indptr", "indices", "data"):  # the cache keeps every float
        assert (getattr(kept, name) == getattr(graph, name)).all(), name
    found = around(graph, seeds)
    assert found.keys() == expected.keys()
    for path, share in expected.items():
        assert found[path] == pytest.approx(share, abs=1e-9)
    if expected:  # the same floats: the same matrix, built in the same order
        assert found == expected
        assert sum(found.values()) == pytest.approx(1.0)


def _same_names(count: int) -> tuple[dict[str, frozenset[str]], dict[str, Uses]]:
    """``count`` files that each define ``util`` and ``run`` and call them (the attack)."""
    text = "def util():\n    return run()\n\ndef run():\n    return util()\n"
    paths = [f"p{i // 100}/m{i}/util.py" for i in range(count)]
    return ({p: frozenset({"util", "run"}) for p in paths}, {p: references(text) for p in paths})


def test_files_sharing_names_make_a_graph_linear_in_their_number() -> None:
    """Every file defining and using the same names once gave every pair of files an edge
    (4,000 such files of 5 lines: 16 million edges, 3 GB); a name now reaches its definers
    through one node, so twice the files make twice the graph, and the ranks still see
    every file used by all the others."""
    sizes = []
    for count in (300, 600):
        definitions, uses = _same_names(count)
        graph = reference_graph(definitions, uses)
        sizes.append(len(graph.data))
        assert len(graph.data) <= 4 * count  # was count * (count - 1) * 2
        assert graph.hubs == 2
        ranks = importance(definitions, uses)
        assert max(ranks.values()) == pytest.approx(min(ranks.values()))  # all alike
        seeds = {next(iter(uses)): 1.0}
        near = around(graph, seeds)
        assert near[next(iter(uses))] == max(near.values())
        assert sum(near.values()) == pytest.approx(1.0)
    assert sizes[1] <= 2 * sizes[0] + 8


def _old_importance(definitions: dict[str, frozenset[str]], uses: dict[str, Uses],
                    boosted: set[str]) -> dict[str, float]:
    """:func:`importance` as it was: every (user, definer) pair an edge."""
    from gitdigest.focus.rank import _pagerank

    paths = sorted(uses)
    weights = _weights(definitions, uses)  # no names shared through hubs: all spelled out
    jumps = [10.0 if p in boosted or is_entry_point(p, definitions[p]) else 1.0 for p in paths]
    ranks = _pagerank(paths, weights, jumps)
    users = Counter(owner for _, owner in weights)
    breadth = {p: ranks[i] * (1 + users[p]) for i, p in enumerate(paths)}
    return {p: breadth[p] / sum(breadth.values()) for p in paths}


@pytest.mark.parametrize("seed", range(8))
def test_names_through_hubs_rank_as_every_edge_spelled_out(
        seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """With every common name sent through a hub (no pairs allowed), importance (PageRank
    and the count of users) and ``around`` give what the spelled-out graph gives."""
    pytest.importorskip("networkx")
    from gitdigest.focus import rank

    chance = random.Random(seed)
    paths, definitions, uses = _random_files(chance, 10, (20, 50), 6, 10)
    seeds = {p: chance.choice([0.3, 1.0, 2.5]) for p in chance.sample(paths, 2)}
    boosted = set(chance.sample(paths, 2))
    expected = _old_importance(definitions, uses, boosted)
    expected_around = _networkx_around(definitions, uses, seeds)
    monkeypatch.setattr(rank, "_PAIRS_PER_INPUT", 0)
    graph = reference_graph(definitions, uses)
    assert graph.hubs > 0
    found = importance(definitions, uses, boosted.__contains__)
    assert found == pytest.approx(expected, abs=1e-9, rel=1e-9)
    kept = memo.read_graph(memo.graph_entry(graph))
    assert kept is not None and kept.hubs == graph.hubs
    assert (kept.data == graph.data).all() and (kept.indices == graph.indices).all()
    assert around(kept, seeds) == pytest.approx(expected_around, abs=1e-9)
