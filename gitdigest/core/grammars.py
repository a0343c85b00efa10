"""The tree-sitter grammars gitdigest knows: which file extension each handles, and loading one.

The grammars ship compiled in their wheels (the ``compress`` extra), so loading one
reads a shared library from site-packages and downloads nothing. Nothing is imported until a
grammar is asked for. Outlines (:mod:`gitdigest.focus.compress`) and the comment and blank-line
transforms (:mod:`gitdigest.core.strip`) share this table, so they agree on every language.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Grammar:
    """Where one language's grammar lives: its module, the function returning the language,
    and the name gitdigest calls the language by."""

    module: str
    function: str
    language: str

    @property
    def key(self) -> str:
        """One name per loaded grammar (TypeScript and TSX share a module, not a grammar)."""
        return f"{self.module}.{self.function}"


#: extension (lower case, no dot) -> its grammar
GRAMMARS: dict[str, Grammar] = {
    "py": Grammar("tree_sitter_python", "language", "python"),
    "pyi": Grammar("tree_sitter_python", "language", "python"),
    "js": Grammar("tree_sitter_javascript", "language", "javascript"),
    "mjs": Grammar("tree_sitter_javascript", "language", "javascript"),
    "cjs": Grammar("tree_sitter_javascript", "language", "javascript"),
    "jsx": Grammar("tree_sitter_javascript", "language", "javascript"),
    "ts": Grammar("tree_sitter_typescript", "language_typescript", "typescript"),
    "mts": Grammar("tree_sitter_typescript", "language_typescript", "typescript"),
    "cts": Grammar("tree_sitter_typescript", "language_typescript", "typescript"),
    "tsx": Grammar("tree_sitter_typescript", "language_tsx", "typescript"),
    "go": Grammar("tree_sitter_go", "language", "go"),
    "rs": Grammar("tree_sitter_rust", "language", "rust"),
    "java": Grammar("tree_sitter_java", "language", "java"),
    "c": Grammar("tree_sitter_c", "language", "c"),
    "h": Grammar("tree_sitter_c", "language", "c"),
    "cc": Grammar("tree_sitter_cpp", "language", "cpp"),
    "cpp": Grammar("tree_sitter_cpp", "language", "cpp"),
    "cxx": Grammar("tree_sitter_cpp", "language", "cpp"),
    "hpp": Grammar("tree_sitter_cpp", "language", "cpp"),
    "hh": Grammar("tree_sitter_cpp", "language", "cpp"),
    "hxx": Grammar("tree_sitter_cpp", "language", "cpp"),
    "cs": Grammar("tree_sitter_c_sharp", "language", "csharp"),
    "rb": Grammar("tree_sitter_ruby", "language", "ruby"),
    "php": Grammar("tree_sitter_php", "language_php", "php"),
    "kt": Grammar("tree_sitter_kotlin", "language", "kotlin"),
    "kts": Grammar("tree_sitter_kotlin", "language", "kotlin"),
    "swift": Grammar("tree_sitter_swift", "language", "swift"),
    "scala": Grammar("tree_sitter_scala", "language", "scala"),
    "sc": Grammar("tree_sitter_scala", "language", "scala"),
    "dart": Grammar("tree_sitter_dart", "language", "dart"),
    "lua": Grammar("tree_sitter_lua", "language", "lua"),
    "sh": Grammar("tree_sitter_bash", "language", "bash"),
    "bash": Grammar("tree_sitter_bash", "language", "bash"),
    "ex": Grammar("tree_sitter_elixir", "language", "elixir"),
    "exs": Grammar("tree_sitter_elixir", "language", "elixir"),
    "hs": Grammar("tree_sitter_haskell", "language", "haskell"),
    "jl": Grammar("tree_sitter_julia", "language", "julia"),
    "zig": Grammar("tree_sitter_zig", "language", "zig"),
    "ml": Grammar("tree_sitter_ocaml", "language_ocaml", "ocaml"),
    "mli": Grammar("tree_sitter_ocaml", "language_ocaml_interface", "ocaml"),
}


def extension_of(path: str) -> str:
    """The file name's extension, lower case, without the dot ("" when it has none)."""
    name = path.rpartition("/")[2].lower()
    return name.rpartition(".")[2] if "." in name else ""


def language_of(path: str) -> str | None:
    """The language that handles ``path`` by its extension, or None (no grammar knows it)."""
    found = GRAMMARS.get(extension_of(path))
    return found.language if found else None


#: how a language is written in a sentence, where its name is not just capitalized
_NAMES = {"javascript": "JavaScript", "typescript": "TypeScript", "cpp": "C++", "csharp": "C#",
          "php": "PHP", "ocaml": "OCaml"}


def language_names(languages: Iterable[str]) -> str:
    """``languages`` (as :data:`GRAMMARS` names them) for a sentence, sorted: "Go",
    "Go and Rust", "C++, Go and Rust"."""
    return and_list(sorted({_NAMES.get(language, language.capitalize())
                            for language in languages}, key=str.lower))


def and_list(words: list[str]) -> str:
    """``words`` for a sentence: "a", "a and b", "a, b and c"."""
    return " and ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)


_lock = threading.Lock()
_loaded: dict[str, Any] = {}


def load(extension: str) -> Any:
    """The ``tree_sitter.Language`` for ``extension`` (a key of :data:`GRAMMARS`), loaded once
    per process; ImportError when tree-sitter or the grammar's wheel is not installed."""
    grammar = GRAMMARS[extension]
    with _lock:
        if grammar.key not in _loaded:
            import tree_sitter

            module = importlib.import_module(grammar.module)
            _loaded[grammar.key] = tree_sitter.Language(getattr(module, grammar.function)())
        return _loaded[grammar.key]


#: the deepest level at which a query's match may start: tree-sitter keeps a match's start
#: depth in 16 bits, and a tree deeper than that (100,000 strings joined by "+", which a
#: hostile file can hold in 700 KB) sends its query cursor into a run without end
QUERY_DEPTH = 60_000


def query_cursor(query: Any) -> Any:
    """A ``tree_sitter.QueryCursor`` for ``query`` that starts no match below
    :data:`QUERY_DEPTH`: what lies deeper is not found (a comment stays, a string's blank lines
    go), and every query finishes."""
    import tree_sitter

    cursor = tree_sitter.QueryCursor(query)
    cursor.set_max_start_depth(QUERY_DEPTH)
    return cursor


@cache
def fingerprint() -> str:
    """The installed tree-sitter wheels, grammars included, by their ``.dist-info`` folders'
    names (name and version: one folder listing), for the token cache key of a text the
    grammars change: installing the extra, or a grammar that parses differently, must not be
    served the counts of the text before. Empty without tree-sitter."""
    spec = importlib.util.find_spec("tree_sitter")
    if spec is None or not spec.submodule_search_locations:
        return ""
    folder = Path(next(iter(spec.submodule_search_locations))).parent
    try:
        names = os.listdir(folder)
    except OSError:
        return ""
    return ",".join(sorted(name.removesuffix(".dist-info") for name in names
                           if name.endswith(".dist-info")
                           and name.lower().startswith("tree_sitter")))
