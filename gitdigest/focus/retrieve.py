"""``--query``: which files answer a question, from several offline, deterministic signals.

- **names**: identifiers in the question (``url_for``, ``Request.hooks``, `` `send_file` ``)
  matched against the definitions tree-sitter found, a name defined in fewer files counting
  more, an identifier-looking word (underscore, camelCase, dotted, quoted) more than a plain one;
- **paths**: a path or file name in the question, or a file whose name's words are all asked
  (``fish completions`` finds ``fish_completions.go``);
- **text**: BM25 over path, definitions and text (:mod:`.query`);
- **graph**: personalised PageRank over the definition/reference graph, the random jumps landing
  on the files the signals above found (how Aider ranks its map around the files in chat), so a
  file that defines what the hits use, or uses what they define, comes next;
- **history**: files that changed in the same recent commits as the files found above
  (``git log``, at most :data:`HISTORY_COMMITS` commits, large commits left out);
- **tests**: a test's relevance lifts the file it tests (``test_views.py`` → ``views.py``),
  and tests and prose count less than code, so they do not crowd out the source;
- the file's importance (:mod:`.rank`) breaks near ties.

The signals are fused by rank (:func:`fused`), not by value.
"""

from __future__ import annotations

import math
import posixpath
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from . import query, rank

_TOKEN = re.compile(r"`[^`\n]+`|[A-Za-z_][A-Za-z0-9_]*(?:[./-][A-Za-z0-9_]+)*(?:\(\))?")
_CODE_LIKE = re.compile(r"_|[a-z][A-Z]|\.|\(\)|^`")
_EXTENSIONS = frozenset(("py", "pyi", "go", "js", "jsx", "mjs", "cjs", "ts", "tsx", "rs", "java",
                         "c", "h", "cc", "cpp", "hpp", "cs", "rb", "php", "md", "rst", "toml",
                         "yaml", "yml", "json", "cfg", "ini", "txt"))
_TEST = re.compile(r"(?:^|/)(?:tests?|spec|specs|__tests__)/|(?:^|/)test_[^/]*$|"
                   r"_test\.[^/.]+$|\.(?:test|spec)\.[^/]+$")
_TEST_AFFIX = re.compile(r"^test_|_test$")
_SPEC = re.compile(r"\.(?:test|spec)\.[^.]+$")
#: words of commit messages and questions that name no code
_VERBS = frozenset((
    "add", "added", "adds", "fix", "fixes", "fixed", "remove", "removed", "update", "updated",
    "use", "make", "allow", "support", "change", "move", "rename", "refactor", "improve",
    "handle", "new", "not", "should", "can", "also", "instead", "when", "now", "only", "more",
    "all", "any", "into", "than", "that", "then", "there", "these", "they", "set", "get",
    "doc", "docs", "test", "tests", "type", "types", "typing", "bump", "version", "release"))
#: the weights of the signals (they add up to 1; tuned on the benchmark's tuning half)
WEIGHTS = {"names": 0.20, "paths": 0.20, "text": 0.48, "graph": 0.02, "history": 0.10}
#: reciprocal rank fusion's constant (Cormack et al. use 60; 20 did best on the tuning half):
#: how fast a signal's say falls with rank
FUSION_K = 20
#: how many recent commits the history signal reads, and the most files one may touch
HISTORY_COMMITS = 300
_LARGE_COMMIT = 20
#: the share of the final score the file's importance decides: a tie-break (more favoured the
#: large hubs over the file asked about on the benchmark's tuning half)
IMPORTANCE_SHARE = 0.02
TEST_FACTOR = 0.5
PROSE_FACTOR = 0.6
PAIR_SHARE = 0.7
_COMPOUND = 2.0


@dataclass(frozen=True)
class Relevance:
    """A file's fused score (0 to 1) and the reason, in words."""

    score: float
    why: str


@dataclass(frozen=True)
class Question:
    """A question taken apart: its BM25 words, the names it mentions (lower-cased, with
    weights) and the paths or file names it mentions."""

    words: list[str]
    names: dict[str, float]
    paths: list[str]


#: the characters of a question that are read (twice the longest commit message of the
#: benchmark's 360): its cost grows with its words times the files, so a 100 KB question took
#: 18 s on 3,000 files
QUESTION_LIMIT = 4000


def parse(text: str) -> Question:
    """The words, names and paths of a question (its first :data:`QUESTION_LIMIT`
    characters)."""
    text = text[:QUESTION_LIMIT]
    names: dict[str, float] = {}
    paths: list[str] = []
    for token in _TOKEN.findall(text):
        bare = token.strip("`").removesuffix("()")
        if "/" in bare or ("." in bare and bare.rpartition(".")[2].lower() in _EXTENSIONS):
            paths.append(bare.lower())
        weight = 3.0 if _CODE_LIKE.search(token) else 1.0
        for part in re.split(r"[./-]", bare):
            key = part.lower()
            if len(key) > 2 and key not in _VERBS and key not in query.STOP:
                names[key] = max(names.get(key, 0.0), weight)
    return Question(list(dict.fromkeys(query.words(text))), names, paths)


def is_test(path: str) -> bool:
    """A test file, by the usual folder and file names."""
    return _TEST.search(path) is not None


def subject_of(path: str) -> str | None:
    """The name (stem) of the file a test tests (``tests/test_views.py`` → ``views``)."""
    if not is_test(path):
        return None
    name = posixpath.basename(path)
    stem = name.split(".")[0]
    if _SPEC.search(name):
        return stem
    found = _TEST_AFFIX.sub("", stem)
    return found if found and found != stem else None


def _normal(values: Mapping[str, float]) -> dict[str, float]:
    top = max(values.values(), default=0.0) or 1.0
    return {path: value / top for path, value in values.items()}


def name_hits(asked: Question, definitions: Mapping[str, frozenset[str]]) -> dict[str, float]:
    """Per file: the asked names it defines, each weighted by how code-like it was asked and
    by how few files define it; a definition of several words that are all asked
    (``register_blueprint`` for "register a blueprint") counts as a code-like name."""
    wanted = set(asked.words)
    definers: dict[str, list[str]] = {}
    weight: dict[str, float] = {}
    for path in sorted(definitions):
        for name in sorted({n.lower() for n in definitions[path]}):
            found = asked.names.get(name, 0.0) or _compound(name, wanted)
            if found:
                definers.setdefault(name, []).append(path)
                weight[name] = found
    hits: dict[str, float] = {}
    for name, owners in definers.items():
        for path in owners:
            hits[path] = hits.get(path, 0.0) + weight[name] / math.sqrt(len(owners))
    return hits


def _compound(name: str, wanted: set[str]) -> float:
    lower = name.lower()
    if not any(word in lower for word in wanted):  # each part is part of the name: fast
        return 0.0
    parts = query.words(name)
    return _COMPOUND if len(parts) > 1 and all(p in wanted for p in parts) else 0.0


def path_hits(asked: Question, paths: list[str]) -> dict[str, float]:
    """Per file: a path or file name the question gives, or a file name made of asked words."""
    wanted = set(asked.words)
    named_paths = set(asked.paths)
    stems: dict[str, list[str]] = {}
    for path in paths:
        stems.setdefault(posixpath.basename(path).split(".")[0].lower(), []).append(path)
    hits: dict[str, float] = {}
    for stem, owners in stems.items():
        parts = query.words(stem)
        share = sum(1 for p in parts if p in wanted) / len(parts) if parts else 0.0
        named = stem in asked.names
        for path in owners:
            # the path itself or a tail of it after a "/": one set look-up per tail, so a long
            # question naming many paths costs no more per file than a short one
            parts = path.lower().split("/")
            given = any("/".join(parts[i:]) in named_paths for i in range(len(parts)))
            score = 4.0 if given else (2.0 if named or share == 1 else share) / math.sqrt(
                len(owners))
            if score > 0:
                hits[path] = score
    return hits


def cochanged(seeds: Mapping[str, float], commits: Sequence[Sequence[str]]
              ) -> dict[str, float]:
    """Per file: how often it changed together with the seeds, each seed's share of the
    commits touching it weighted by the seed's score (commits of more than 20 files, a
    reformat or a rename, say nothing)."""
    together: dict[str, Counter[str]] = {}
    for files in commits:
        if not 2 <= len(files) <= _LARGE_COMMIT:
            continue
        for path in files:
            if seeds.get(path, 0.0) > 0:
                together.setdefault(path, Counter()).update(f for f in files if f != path)
    found: dict[str, float] = {}
    for seed, partners in together.items():
        total = sum(partners.values())
        for path, count in partners.items():
            found[path] = found.get(path, 0.0) + seeds[seed] * count / total
    return found


def relevance(question: str, corpus: Mapping[str, query.Counted],
              definitions: Mapping[str, frozenset[str]], graph: rank.TwoWay,
              importance: Mapping[str, float], commits: Sequence[Sequence[str]] = ()
              ) -> dict[str, Relevance]:
    """Every file of ``corpus`` (what BM25 reads of it: :func:`query.document_counted` for
    the question's words) scored for ``question`` (0 to 1), with the reason; ``commits`` are
    the files of each recent commit, newest first."""
    asked = parse(question)
    paths = sorted(corpus)
    signals = {
        "names": _normal(name_hits(asked, definitions)),
        "paths": _normal(path_hits(asked, paths)),
        "text": _normal(query.bm25_counted(asked.words, corpus)),
    }
    seeds = {p: sum(signals[s].get(p, 0.0) for s in ("names", "paths")) + signals["text"].get(
        p, 0.0) ** 2 for p in paths}
    signals["graph"] = _normal(rank.around(graph, seeds))
    signals["history"] = _normal({p: v for p, v in cochanged(seeds, commits).items()
                                  if p in corpus})
    raw = _pair_tests(fused(signals, paths), paths)
    top = _normal(dict(importance))
    places = ranks(signals)
    result = {}
    for path in paths:
        factor = TEST_FACTOR if is_test(path) else 1.0 if path in definitions else PROSE_FACTOR
        score = factor * ((1 - IMPORTANCE_SHARE) * raw[path]
                          + IMPORTANCE_SHARE * top.get(path, 0.0))
        result[path] = Relevance(round(score, 6), _why(asked, corpus[path], places, path,
                                                       top.get(path, 0.0)))
    return result


def ranks(signals: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, int]]:
    """Per signal, each file it found (a value above 0) and its rank in it, from 1; files
    with equal values share a rank."""
    found: dict[str, dict[str, int]] = {}
    for name in WEIGHTS:
        values = signals[name]
        ranked = sorted((v for v in values.values() if v > 0), reverse=True)
        first: dict[float, int] = {}
        for index, value in enumerate(ranked, 1):
            first.setdefault(value, index)
        found[name] = {path: first[value] for path, value in values.items() if value > 0}
    return found


def fused(signals: Mapping[str, Mapping[str, float]], paths: Sequence[str]
          ) -> dict[str, float]:
    """Reciprocal rank fusion of the signals: each signal adds its weight over
    :data:`FUSION_K` plus the file's rank in it (:func:`ranks`), scaled so a file first in
    every signal scores 1. Ranks, not values: a signal whose values are bunched (BM25 over
    hubs sharing the question's words) or spread (one name hit) counts by its weight alone."""
    total = dict.fromkeys(paths, 0.0)
    for name, places in ranks(signals).items():
        for path, place in places.items():
            if path in total:
                total[path] += WEIGHTS[name] / (FUSION_K + place)
    top = sum(WEIGHTS.values()) / (FUSION_K + 1)
    return {path: value / top for path, value in total.items()}


def _pair_tests(raw: dict[str, float], paths: list[str]) -> dict[str, float]:
    """A test's relevance lifts the files it tests (same name without the test affix): each
    file by the best of its tests, found once per name (10,000 ``util.py`` and as many
    ``test_util.py`` are not 10,000 × 10,000 pairs)."""
    best: dict[str, float] = {}
    for path in paths:
        name = subject_of(path)
        if name:  # not a test, or a test of no one file (a dotfile's stem is empty too)
            best[name] = max(best.get(name, 0.0), raw[path])
    lifted = dict(raw)
    for path in paths:
        name = posixpath.basename(path).split(".")[0]
        if name in best and not is_test(path):
            lifted[path] = max(lifted[path], PAIR_SHARE * best[name])
    return lifted


def _why(asked: Question, seen: query.Counted, places: Mapping[str, Mapping[str, int]],
         path: str, important: float) -> str:
    """The words matched (stemmed, with counts), the file's rank in each signal that found
    it (what :func:`fused` adds up) and its importance."""
    matched = query.matched(asked.words, seen)
    parts = [f"matches {matched}" if matched else "no query word"]
    found = [f"{name} #{places[name][path]}" for name in WEIGHTS if path in places[name]]
    if found:
        parts.append("ranks: " + ", ".join(found))
    return "; ".join([*parts, f"importance {important:.2f}"])
