"""Plan: which files a token budget keeps, chosen by a documented priority, said out loud.

Priority (first match decides; smaller files first within a rank; ``--priority`` beats all):

0. paths matching ``--priority`` patterns
1. README files and docs entry points (``README*``, ``docs/index.*``, ``docs/README*``)
2. manifests (``pyproject.toml``, ``package.json``, ``go.mod``, ``Cargo.toml``...)
3. source and other documentation
4. tests
5. examples, samples, demos
6. fixtures, generated files and data files
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .errors import BudgetTooSmall
from .ignores import PatternSet
from .records import Document

MANIFESTS = frozenset({
    "pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "Pipfile", "package.json",
    "tsconfig.json", "deno.json", "go.mod", "Cargo.toml", "pom.xml", "build.gradle",
    "build.gradle.kts", "settings.gradle", "Gemfile", "composer.json", "mix.exs", "Makefile",
    "CMakeLists.txt", "meson.build", "Dockerfile", "docker-compose.yml", "pubspec.yaml",
    "Package.swift", "build.sbt", "project.clj", "stack.yaml", "flake.nix",
})
_ENTRY_POINT = re.compile(r"(?:^|.*/)readme(?:\.[^/]*)?$|^docs?/index\.[^/]+$", re.I)
_TESTS = re.compile(r"(?:^|/)(?:tests?|spec|specs|__tests__)/|(?:^|/)test_[^/]*$|"
                    r"_test\.[^/.]+$|\.(?:test|spec)\.[^/]+$")
_EXAMPLES = re.compile(r"(?:^|/)(?:examples?|samples?|demos?)/")
_DATA = re.compile(r"(?:^|/)(?:fixtures?|testdata|test_data|__snapshots__|snapshots|generated|"
                   r"data)/|_pb2\.py$|\.generated\.|\.(?:csv|tsv|jsonl|ndjson|json|xml|svg|"
                   r"dat|txt)$", re.I)


def rank(path: str, priority: PatternSet | None = None) -> int:
    """The priority rank of ``path`` (lower comes first)."""
    if priority and priority.match(path) is not None:
        return 0
    if _ENTRY_POINT.match(path):
        return 1
    if path.rpartition("/")[2] in MANIFESTS:
        return 2
    if _DATA.search(path):
        return 6
    if _EXAMPLES.search(path):
        return 5
    if _TESTS.search(path):
        return 4
    return 3


@dataclass(frozen=True)
class Fit:
    """What the budget keeps (in digest order) and what it cuts."""

    kept: list[Document]
    cut: list[Document]
    tokens: int


Measure = Callable[[list[Document], list[Document]], int]


def fit(documents: list[Document], budget: int, measure: Measure,
        priority: PatternSet | None = None, tier: Callable[[str], int] | None = None) -> Fit:
    """Keep files in priority order while the exact digest stays within ``budget``.

    ``measure(kept, cut)`` is the exact token count of everything that is not a file block
    (prompt, notes, summary, the tree with cut files marked, and the Skipped section). Blocks
    add up exactly (see ``tokens.TokenCounter.count_block``), so only that part is measured
    again.

    ``tier(path)``, when given, comes before the priority rank: a reviewed change keeps its
    changed files first, then related files by distance (see ``review.Change.tier``).
    """
    order = sorted(documents, key=lambda d: (tier(d.path) if tier else 0,
                                             rank(d.path, priority), d.block_tokens, d.path))
    worst = measure([], documents)  # every file cut, marked and listed: the largest frame
    kept_ids = _fill(order, set(), budget - worst)
    best: Fit | None = None
    for _ in range(_ROUNDS):
        fitted = _shrink(documents, order, kept_ids, budget, measure)
        best = fitted
        # The frame shrinks as files move from cut to kept (no mark, no Skipped line), so
        # the first fill, made against the largest frame, may have left room: use it.
        grown = _fill(order, {id(d) for d in fitted.kept}, budget - fitted.tokens)
        if len(grown) == len(fitted.kept):
            break
        kept_ids = grown
    assert best is not None
    return best


_ROUNDS = 4  # refills after the first fit; each one only adds files that fit the slack


def _fill(order: list[Document], kept_ids: set[int], room: int) -> set[int]:
    """``kept_ids`` plus files, in priority order, while their blocks fit in ``room``."""
    kept_ids = set(kept_ids)
    for document in order:
        if id(document) not in kept_ids and document.block_tokens <= room:
            kept_ids.add(id(document))
            room -= document.block_tokens
    return kept_ids


def _shrink(documents: list[Document], order: list[Document], kept_ids: set[int], budget: int,
            measure: Measure) -> Fit:
    """Drop the last files in priority order until the exact total is within ``budget``."""
    kept_ids = set(kept_ids)
    while True:
        kept = [d for d in documents if id(d) in kept_ids]
        cut = [d for d in documents if id(d) not in kept_ids]
        total = measure(kept, cut) + sum(d.block_tokens for d in kept)
        if total <= budget:
            return Fit(kept, cut, total)
        if not kept_ids:
            raise BudgetTooSmall(f"a budget of {budget:,} tokens is smaller than the digest's "
                              f"frame alone (summary, tree and Skipped list: {total:,} tokens)")
        last = next(d for d in reversed(order) if id(d) in kept_ids)
        kept_ids.discard(id(last))
