"""The text signal of ``--query`` (:mod:`.retrieve` fuses it with the others): BM25 over each
file's path, the names it defines and its text, all split into words the same way: identifiers
break on underscores and case (``register_blueprint`` and ``registerBlueprint`` both give
``register`` and ``blueprint``), words are lower-cased and lightly stemmed (``blueprints`` and
``registered`` meet ``blueprint`` and ``register``). Path and definition words count three
times, since they say what a file is about.

A run keeps, per file, only what BM25 reads (:class:`Counted`): its length in words and how
often each asked word occurs, counted in C (``Counter``) over the lower-cased words, so no
list of every word of the repository is built (sympy: 3 million strings). The scores are
bm25s's, computed from those counts with its float32 arithmetic: equal to it bit for bit
(tested against bm25s, a test dependency), without indexing every word.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z][a-z]+|[A-Z]+(?![a-z])|[0-9]+")
STOP = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "do", "does", "for", "from", "how", "i",
    "in", "is", "it", "of", "on", "or", "the", "this", "to", "was", "what", "when", "where",
    "which", "who", "why", "with", "self", "none", "true", "false", "def", "return", "import"))
_NAME_WEIGHT = 3
_SUFFIXES = ("ing", "ed", "es", "s")
#: lower-cased words :func:`words` drops: stop words and single letters or digits
_DROPPED = STOP | frozenset(string.ascii_lowercase + string.digits)
K1, B = 1.5, 0.75


def stem(word: str) -> str:
    """A light suffix stripper: plurals, -ed, -ing (enough to match a question to code)."""
    for suffix in _SUFFIXES:
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


@dataclass(frozen=True)
class Counted:
    """What BM25 reads of one file: its length in words and the asked words it has, counted."""

    length: int
    counts: dict[str, int]


def forms(asked: Iterable[str]) -> dict[str, str]:
    """The lower-cased words of a text that :func:`words` turns into an asked word: each asked
    word with and without the suffixes :func:`stem` strips, mapped to that asked word."""
    found: dict[str, str] = {}
    for word in asked:
        for form in (word, *(word + suffix for suffix in _SUFFIXES)):
            if form not in _DROPPED and len(form) > 1 and stem(form) == word:
                found[form] = word
    return found


def tally(text: str, wanted: Mapping[str, str]) -> Counted:
    """``text``'s length in :func:`words` and the count of each asked word (``wanted``: the
    :func:`forms` of the asked words), as ``Counted(len(words(text)), ...)`` would say, counted
    without building the list of stemmed words."""
    raw = Counter(map(str.lower, _WORD.findall(text)))
    length = raw.total() - sum(raw[word] for word in _DROPPED if word in raw)
    counts: dict[str, int] = {}
    for form, word in wanted.items():
        seen = raw.get(form)
        if seen:
            counts[word] = counts.get(word, 0) + seen
    return Counted(length, counts)


def document_counted(path: str, names: Iterable[str], text: Counted,
                     wanted: Mapping[str, str]) -> Counted:
    """What BM25 reads of one file (:func:`document_words`, counted): path and definition
    words weighted up, plus the text's ``text`` (its :func:`tally`)."""
    heading = [tally(path.replace("/", " "), wanted), tally(" ".join(names), wanted)]
    counts = dict(text.counts)
    for part in heading:
        for word, seen in part.counts.items():
            counts[word] = counts.get(word, 0) + _NAME_WEIGHT * seen
    length = text.length + _NAME_WEIGHT * sum(part.length for part in heading)
    return Counted(length, {word: counts[word] for word in wanted.values() if word in counts})


def counted(seen: list[str], asked: Iterable[str]) -> Counted:
    """A list of words (:func:`words`), counted for the words ``asked``."""
    wanted = set(asked)
    return Counted(len(seen), dict(Counter(word for word in seen if word in wanted)))


def bm25(question: list[str], corpus: Mapping[str, list[str]]) -> dict[str, float]:
    """Every file's BM25 score for the words ``question``, from each file's words (see
    :func:`bm25_counted`)."""
    return bm25_counted(question, {path: counted(seen, question)
                                   for path, seen in corpus.items()})


def bm25_counted(question: list[str], corpus: Mapping[str, Counted]) -> dict[str, float]:
    """Every file's BM25 score (Lucene's variant, k1 1.5, b 0.75) for the words ``question``,
    exactly as bm25s scores it (its float32 arithmetic, term by term in the question's order;
    an empty file is one word long), from the counts alone."""
    import numpy

    paths = sorted(corpus)
    if not paths or not question:
        return dict.fromkeys(paths, 0.0)
    lengths = numpy.array([corpus[path].length or 1 for path in paths])
    average = lengths.mean()
    scores = numpy.zeros(len(paths), dtype=numpy.float32)
    for word in question:
        rows = [i for i, path in enumerate(paths) if corpus[path].counts.get(word)]
        if not rows:  # not in the vocabulary: bm25s leaves it out
            continue
        idf = numpy.float32(math.log(1 + (len(paths) - len(rows) + 0.5) / (len(rows) + 0.5)))
        seen = numpy.array([corpus[paths[i]].counts[word] for i in rows], dtype=numpy.float32)
        tfc = seen / (K1 * ((1 - B) + B * lengths[rows] / average) + seen)
        scores[rows] += (idf * tfc).astype(numpy.float32)
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


def matched(asked: list[str], seen: Counted) -> str:
    """The question's words found in a file, with their counts (for ``why``)."""
    counts = seen.counts
    return ", ".join(f"{word} x{counts[word]}" for word in asked if counts.get(word))
