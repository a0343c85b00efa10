"""``--query TEXT``: rank files by relevance to a question, offline and deterministic.

BM25 (``bm25s``) over each file's path, the names it defines and its text, all split into words
the same way: identifiers break on underscores and case (``register_blueprint`` and
``registerBlueprint`` both give ``register`` and ``blueprint``), words are lower-cased and
lightly stemmed (``blueprints`` and ``registered`` meet ``blueprint`` and ``register``). Path
and definition words count three times, since they say what a file is about. The relevance is
blended with the file's importance (:mod:`gitdigest.focus.rank`). bm25s is imported only here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z][a-z]+|[A-Z]+(?![a-z])|[0-9]+")
_STOP = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "do", "does", "for", "from", "how", "i",
    "in", "is", "it", "of", "on", "or", "the", "this", "to", "was", "what", "when", "where",
    "which", "who", "why", "with", "self", "none", "true", "false", "def", "return", "import"))
#: the share of the blended score that importance decides (the rest is relevance)
IMPORTANCE_SHARE = 0.2
_NAME_WEIGHT = 3


@dataclass(frozen=True)
class Relevance:
    """A file's blended score (0 to 1) and the reason, in words."""

    score: float
    why: str


def stem(word: str) -> str:
    """A light suffix stripper: plurals, -ed, -ing (enough to match a question to code)."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix) and not word.endswith("ss"):
            return word[:-len(suffix)]
    return word


def words(text: str) -> list[str]:
    """Lower-cased, stemmed words of ``text``, identifiers split on underscores and case."""
    found = (match.lower() for match in _WORD.findall(text))
    return [stem(word) for word in found if word not in _STOP and len(word) > 1]


def document_words(path: str, names: Iterable[str], text: str) -> list[str]:
    """What BM25 sees of one file: path and definition words weighted up, then the text."""
    heading = words(path.replace("/", " ")) + words(" ".join(sorted(names)))
    return heading * _NAME_WEIGHT + words(text)


def relevance(question: str, corpus: Mapping[str, list[str]],
              importance: Mapping[str, float]) -> dict[str, Relevance]:
    """Every file's blended score for ``question``, with the words that matched."""
    import bm25s

    paths = sorted(corpus)
    asked = list(dict.fromkeys(words(question)))
    if not paths:
        return {}
    retriever = bm25s.BM25()
    retriever.index([corpus[path] or ["\x00"] for path in paths], show_progress=False)
    scores = retriever.get_scores(asked) if asked else [0.0] * len(paths)
    best = max((float(s) for s in scores), default=0.0) or 1.0
    top = max(importance.values(), default=0.0) or 1.0
    result = {}
    for path, raw in zip(paths, scores, strict=True):
        relevant = float(raw) / best
        important = importance.get(path, 0.0) / top
        score = (1 - IMPORTANCE_SHARE) * relevant + IMPORTANCE_SHARE * important
        result[path] = Relevance(round(score, 6), _why(asked, corpus[path], relevant, important))
    return result


def _why(asked: list[str], seen: list[str], relevant: float, important: float) -> str:
    counts = Counter(word for word in seen if word in asked)
    matched = ", ".join(f"{word} x{counts[word]}" for word in asked if counts[word])
    return (f"matches {matched}" if matched else "no query word") + (
        f"; relevance {relevant:.2f}, importance {important:.2f}")
