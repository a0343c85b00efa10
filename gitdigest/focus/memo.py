"""What a budget derives from each file, remembered in the token cache: a file's outline,
its views' texts and counts and the names it defines (one entry), the identifiers it uses
(another, read only when the ranks must be computed again), and the ranks and the two-way
reference graph (``--query``'s) of a whole set of files. Keys name the content (the sha256 of
the text shown), the tokenizer, the options that change the result and the tools that made it
(:func:`tools_version`: this package's outline and ranking code and the tree-sitter wheels,
or without them the Python version whose parser outlined), so a changed grammar or rule is a
miss, never a stale hit. A run of an unchanged repository then parses nothing and ranks
nothing."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..core.records import Document
from ..count.cache import TokenCache, cache_key
from .compress import backend
from .pyoutline import VERSION
from .rank import TwoWay, Uses

#: view -> (tokens, block tokens)
Counts = dict[str, tuple[int, int]]


@functools.cache
def tools_version() -> str:
    """A digest of what outlines and ranks depend on: the code of :mod:`.compress`,
    :mod:`.outlines`, :mod:`.pyoutline`, :mod:`.names`, :mod:`.rank`, :mod:`.views` and the
    grammar table, and what outlines and ranks files here: the installed tree-sitter and numpy
    versions (read from their ``.dist-info`` folders' names: one folder listing, no metadata
    parsing), or, without
    tree-sitter, the Python version whose parser outlines Python files (a cache shared by two
    installs never mixes their outlines)."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in ("compress.py", "outlines.py", "pyoutline.py", "names.py", "rank.py", "views.py"):
        digest.update((here / name).read_bytes())
    digest.update((here.parent / "core" / "grammars.py").read_bytes())  # the language table
    made_by = _distributions() if backend() == "tree-sitter" else [VERSION]
    digest.update("\n".join([backend(), *made_by]).encode())
    return digest.hexdigest()[:16]


def _distributions() -> list[str]:
    spec = importlib.util.find_spec("tree_sitter")
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = Path(next(iter(spec.submodule_search_locations))).parent
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted(name for name in names if name.endswith(".dist-info")
                  and name.lower().startswith(("tree_sitter", "numpy")))


def outline_key(document: Document, counter: str, compress: bool, *, brief: bool = False
                ) -> str | None:
    """The key of a file's outline entry (None when its text's sha256 is not known); a
    ``brief`` file's entry (its names, no views: see ``views.analyze``) has a key of its own."""
    if not document.sha256:
        return None
    return cache_key("outline", tools_version(), counter, str(compress), document.path,
                     document.sha256, *(("brief",) if brief else ()))


def uses_key(document: Document) -> str | None:
    """The key of the identifiers a file uses (they depend on its text only)."""
    if not document.sha256:
        return None
    return cache_key("uses", tools_version(), document.sha256)


def ranks_key(documents: Iterable[Document], boosted: Iterable[str],
              brief: Iterable[str] = ()) -> str:
    """The key of the importance of a set of files (paths and contents) with these paths
    favoured and these ``brief`` (their names found without a parse)."""
    parts = [f"{d.path}\0{d.sha256}" for d in documents]
    briefs = list(brief)
    return cache_key("ranks", tools_version(), *parts, "\0boosted", *boosted,
                     *(("\0brief", *briefs) if briefs else ()))


def graph_key(documents: Iterable[Document]) -> str:
    """The key of the two-way reference graph of a set of files (paths and contents)."""
    return cache_key("graph", tools_version(), *(f"{d.path}\0{d.sha256}" for d in documents))


def graph_entry(graph: TwoWay) -> bytes:
    """A graph entry: its paths (JSON), its number of hubs, then its arrays as raw 64-bit
    numbers (every float read back exactly, without parsing a number at a time)."""
    import numpy

    paths = pack(graph.paths)
    return b"".join([len(paths).to_bytes(8, "little"), paths, graph.hubs.to_bytes(8, "little"),
                     numpy.asarray(graph.indptr, dtype="<i8").tobytes(),
                     numpy.asarray(graph.indices, dtype="<i8").tobytes(),
                     numpy.asarray(graph.data, dtype="<f8").tobytes()])


def read_graph(data: bytes) -> TwoWay | None:
    """A graph entry; None when malformed."""
    import numpy

    size = int.from_bytes(data[:8], "little")
    paths = unpack(data[8:8 + size])
    if not isinstance(paths, list):
        return None
    hubs = int.from_bytes(data[8 + size:16 + size], "little")
    count, rest = len(paths) + hubs, data[16 + size:]
    edges = (len(rest) - 8 * (count + 1)) // 16
    if edges < 0 or len(rest) != 8 * (count + 1) + 16 * edges:
        return None
    indptr = numpy.frombuffer(rest, dtype="<i8", count=count + 1)
    indices = numpy.frombuffer(rest, dtype="<i8", count=edges, offset=8 * (count + 1))
    weights = numpy.frombuffer(rest, dtype="<f8", count=edges, offset=8 * (count + 1 + edges))
    if indptr[-1] != edges or (edges and not 0 <= indices.min() <= indices.max() < count):
        return None
    return TwoWay([str(p) for p in paths], indptr, indices, weights, hubs)


def pack(value: Any) -> bytes:
    """A JSON value, compressed (outlines are text: a quarter of their size)."""
    return zlib.compress(json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                                    ).encode("utf-8", "surrogateescape"), 1)


def unpack(data: bytes) -> Any:
    """The value :func:`pack` stored; None when it does not read back."""
    try:
        return json.loads(zlib.decompress(data).decode("utf-8", "surrogateescape"))
    except (zlib.error, ValueError):
        return None


def texts_key(outline: str) -> str:
    """The key of the views' texts of the outline entry ``outline`` (apart: a run reads only
    those of the few files it shows in a view)."""
    return cache_key("texts", outline)


def outline_entry(counts: Counts, names: frozenset[str] | None) -> bytes:
    """One file's outline entry: its views' counts and the names it defines."""
    return pack({"counts": counts, "names": sorted(names) if names is not None else None})


def read_outline(data: bytes) -> tuple[Counts, frozenset[str] | None] | None:
    """An outline entry's counts and names; None when it is malformed (a miss)."""
    value = unpack(data)
    try:
        counts = {view: (int(pair[0]), int(pair[1])) for view, pair in value["counts"].items()}
        names = value["names"]
        return counts, frozenset(map(str, names)) if names is not None else None
    except (TypeError, KeyError, IndexError, ValueError, AttributeError):
        return None


def read_texts(data: bytes) -> dict[str, str] | None:
    """A texts entry; None when malformed."""
    value = unpack(data)
    if not isinstance(value, dict):
        return None
    return {str(view): str(text) for view, text in value.items()}


class Texts(dict[str, dict[str, str]]):
    """The views' texts by path: those parsed in this run, and the others read from the
    cache when first asked for (the cache must still be open then)."""

    def __init__(self, parsed: dict[str, dict[str, str]], cache: TokenCache,
                 keys: dict[str, str]) -> None:
        super().__init__(parsed)
        self.cache, self.stored = cache, keys

    def __missing__(self, path: str) -> dict[str, str]:
        key = self.stored[path]
        data = self.cache.get_blobs([key]).get(key)
        texts = read_texts(data) if data is not None else None
        if texts is None:
            raise KeyError(path)  # a cache changed under a run: never a wrong text
        self[path] = texts
        return texts


def uses_entry(uses: Uses) -> bytes:
    """A file's uses entry."""
    return pack({"names": uses.names, "counts": uses.counts})


def read_uses(data: bytes) -> Uses | None:
    """A uses entry; None when malformed."""
    value = unpack(data)
    try:
        names, counts = value["names"], tuple(int(count) for count in value["counts"])
    except (TypeError, KeyError, ValueError):
        return None
    if not isinstance(names, str) or len(names.split("\0")) != max(len(counts), 1):
        return None
    return Uses(names, counts)


def read_ranks(data: bytes) -> dict[str, float] | None:
    """A ranks entry; None when malformed."""
    value = unpack(data)
    if not isinstance(value, dict):
        return None
    return {str(path): float(share) for path, share in value.items()}


def get(cache: TokenCache, keys: Iterable[str | None]) -> dict[str, bytes]:
    """The entries stored under ``keys`` (None keys skipped)."""
    return cache.get_blobs(key for key in keys if key is not None)
