"""Importance: PageRank over definitions and uses puts the central module first."""

from __future__ import annotations

import pytest

from gitdigest import digest
from gitdigest.focus.compress import outline
from gitdigest.focus.rank import importance, is_entry_point, references

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
