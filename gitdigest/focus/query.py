"""The text signal of ``--query`` (:mod:`.retrieve` blends it with the others): BM25 over each
file's path, the names it defines and its text, all split into words the same way: identifiers
break on underscores and case (``register_blueprint`` and ``registerBlueprint`` both give
``register`` and ``blueprint``), words are lower-cased and lightly stemmed (``blueprints`` and
``registered`` meet ``blueprint`` and ``register``). Path and definition words count three
times, since they say what a file is about. bm25s (the compress extra) is imported only here;
without it the same formula runs in plain Python.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping

_WORD = re.compile(r"[A-Za-z][a-z]+|[A-Z]+(?![a-z])|[0-9]+")
STOP = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "do", "does", "for", "from", "how", "i",
    "in", "is", "it", "of", "on", "or", "the", "this", "to", "was", "what", "when", "where",
    "which", "who", "why", "with", "self", "none", "true", "false", "def", "return", "import"))
_NAME_WEIGHT = 3


def stem(word: str) -> str:
    """A light suffix stripper: plurals, -ed, -ing (enough to match a question to code)."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix) and not word.endswith("ss"):
            return word[:-len(suffix)]
    return word


def words(text: str) -> list[str]:
    """Lower-cased, stemmed words of ``text``, identifiers split on underscores and case."""
    found = (match.lower() for match in _WORD.findall(text))
    return [stem(word) for word in found if word not in STOP and len(word) > 1]


def document_words(path: str, names: Iterable[str], text: str) -> list[str]:
    """What BM25 sees of one file: path and definition words weighted up, then the text."""
    heading = words(path.replace("/", " ")) + words(" ".join(sorted(names)))
    return heading * _NAME_WEIGHT + words(text)


def bm25(question: list[str], corpus: Mapping[str, list[str]]) -> dict[str, float]:
    """Every file's BM25 score (Lucene's variant, k1 1.5, b 0.75) for the words ``question``:
    bm25s when installed, else the same formula in plain Python."""
    paths = sorted(corpus)
    if not paths or not question:
        return dict.fromkeys(paths, 0.0)
    try:
        import bm25s
    except ImportError:
        return _plain_bm25(question, [corpus[p] or ["\x00"] for p in paths], paths)
    retriever = bm25s.BM25()
    retriever.index([corpus[path] or ["\x00"] for path in paths], show_progress=False)
    scores = retriever.get_scores(question)
    return {path: float(raw) for path, raw in zip(paths, scores, strict=True)}


def _plain_bm25(question: list[str], documents: list[list[str]], paths: list[str]
                ) -> dict[str, float]:
    k1, b = 1.5, 0.75
    count = len(documents)
    average = sum(len(d) for d in documents) / count or 1.0
    frequency: Counter[str] = Counter()
    for document in documents:
        frequency.update(set(document))
    idf = {w: math.log(1 + (count - frequency[w] + 0.5) / (frequency[w] + 0.5))
           for w in set(question)}
    result = {}
    for path, document in zip(paths, documents, strict=True):
        seen = Counter(document)
        norm = k1 * (1 - b + b * len(document) / average)
        result[path] = sum(idf[w] * seen[w] / (seen[w] + norm)
                           for w in question if seen[w]) + 0.0
    return result


def matched(asked: list[str], seen: list[str]) -> str:
    """The question's words found in a file, with their counts (for ``why``)."""
    counts = Counter(word for word in seen if word in asked)
    return ", ".join(f"{word} x{counts[word]}" for word in asked if counts[word])
