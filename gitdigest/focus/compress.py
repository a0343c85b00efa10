"""``--compress``: a source file cut down to its outline with tree-sitter.

Kept: imports, type/class/function/method signatures with their decorators, the summary of
docstrings (the first paragraph on one line; of a long one, its first sentence), top-level
constants and declarations. Replaced: every function body, by a marker
(:data:`MARKER`); comments outside bodies are dropped. Files in a language without a grammar
here stay whole (:func:`language_of` returns None).

The same parse gives each file's definitions (:class:`Outline`), which the repository map and
the importance ranking (:mod:`gitdigest.focus.rank`) use. tree-sitter and its grammar wheels are an
optional extra (``compress``), imported only when an outline is asked for: they ship
compiled parsers, so nothing is downloaded at run time. Without tree-sitter, Python files are
outlined by the standard library's parser (:mod:`.pyoutline`, same text for ordinary code) and
files in other languages have no outline (:func:`outlinable`).
"""

from __future__ import annotations

import functools
import importlib.util
import threading
from typing import Any

from ..core.errors import UsageError, install_hint
from ..core.grammars import GRAMMARS, extension_of, language_of, load, query_cursor
from . import pyoutline
from .outlines import (
    MARKER,
    Definition,
    Outline,
    apply_edits,
    comment_span,
    docstring_summary,
    nest,
    signature_of,
    text_of,
)

__all__ = ["MARKER", "Definition", "MissingExtra", "Outline", "available", "backend",
           "language_of", "outlinable", "outline", "require"]

# Each pattern captures a definition (@def), its name (@name) and, for functions, the body
# that is elided (@body); @comment and @doc mark comments to drop and docstrings to shorten.
_JS_FUNCTIONS = """
(function_declaration name: (_) @name body: (_) @body) @def
(generator_function_declaration name: (_) @name body: (_) @body) @def
(method_definition name: (_) @name body: (_) @body) @def
(variable_declarator name: (identifier) @name value: [(arrow_function body: (statement_block) @body)
  (function_expression body: (_) @body)]) @def
(class_declaration name: (_) @name) @def
(comment) @comment
"""
_QUERIES: dict[str, str] = {
    "python": """
(function_definition name: (identifier) @name body: (block) @body) @def
(class_definition name: (identifier) @name) @def
(module . (expression_statement (string) @doc))
(class_definition body: (block . (expression_statement (string) @doc)))
(function_definition body: (block . (expression_statement (string) @doc)))
(comment) @comment
""",
    "javascript": _JS_FUNCTIONS,
    "typescript": _JS_FUNCTIONS + """
(abstract_class_declaration name: (_) @name) @def
(interface_declaration name: (_) @name) @def
(type_alias_declaration name: (_) @name) @def
(enum_declaration name: (_) @name) @def
(function_signature name: (_) @name) @def
""",
    "go": """
(function_declaration name: (identifier) @name body: (block) @body) @def
(method_declaration name: (field_identifier) @name body: (block) @body) @def
(type_spec name: (type_identifier) @name) @def
(comment) @comment
""",
    "rust": """
(function_item name: (identifier) @name body: (block) @body) @def
(function_signature_item name: (identifier) @name) @def
(struct_item name: (type_identifier) @name) @def
(enum_item name: (type_identifier) @name) @def
(trait_item name: (type_identifier) @name) @def
(type_item name: (type_identifier) @name) @def
(macro_definition name: (identifier) @name) @def
(line_comment) @comment
(block_comment) @comment
""",
    "java": """
(method_declaration name: (identifier) @name body: (block) @body) @def
(constructor_declaration name: (identifier) @name body: (constructor_body) @body) @def
(class_declaration name: (identifier) @name) @def
(interface_declaration name: (identifier) @name) @def
(enum_declaration name: (identifier) @name) @def
(record_declaration name: (identifier) @name) @def
(line_comment) @comment
(block_comment) @comment
""",
    "c": """
(function_definition declarator: (function_declarator declarator: (identifier) @name)
  body: (compound_statement) @body) @def
(function_definition declarator: (pointer_declarator declarator: (function_declarator
  declarator: (identifier) @name)) body: (compound_statement) @body) @def
(function_definition declarator: (pointer_declarator declarator: (pointer_declarator
  declarator: (function_declarator declarator: (identifier) @name)))
  body: (compound_statement) @body) @def
(struct_specifier name: (type_identifier) @name body: (_)) @def
(enum_specifier name: (type_identifier) @name body: (_)) @def
(type_definition declarator: (type_identifier) @name) @def
(preproc_function_def name: (identifier) @name) @def
(comment) @comment
""",
    "cpp": """
(function_definition declarator: (function_declarator declarator: (_) @name)
  body: (compound_statement) @body) @def
(function_definition declarator: (pointer_declarator declarator: (function_declarator
  declarator: (_) @name)) body: (compound_statement) @body) @def
(function_definition declarator: (reference_declarator (function_declarator
  declarator: (_) @name)) body: (compound_statement) @body) @def
(class_specifier name: (_) @name body: (_)) @def
(struct_specifier name: (_) @name body: (_)) @def
(enum_specifier name: (_) @name body: (_)) @def
(type_definition declarator: (type_identifier) @name) @def
(comment) @comment
""",
    "csharp": """
(method_declaration name: (identifier) @name body: (block) @body) @def
(constructor_declaration name: (identifier) @name body: (block) @body) @def
(local_function_statement name: (identifier) @name body: (block) @body) @def
(class_declaration name: (identifier) @name) @def
(interface_declaration name: (identifier) @name) @def
(struct_declaration name: (identifier) @name) @def
(enum_declaration name: (identifier) @name) @def
(record_declaration name: (identifier) @name) @def
(comment) @comment
""",
    "ruby": """
(method name: (_) @name body: (_) @body) @def
(singleton_method name: (_) @name body: (_) @body) @def
(class name: (_) @name) @def
(module name: (_) @name) @def
(comment) @comment
""",
    "php": """
(function_definition name: (name) @name body: (compound_statement) @body) @def
(method_declaration name: (name) @name body: (compound_statement) @body) @def
(class_declaration name: (name) @name) @def
(interface_declaration name: (name) @name) @def
(trait_declaration name: (name) @name) @def
(comment) @comment
""",
    "kotlin": """
(function_declaration name: (identifier) @name (function_body)? @body) @def
(class_declaration name: (identifier) @name) @def
(object_declaration name: (identifier) @name) @def
(type_alias type: (identifier) @name) @def
(line_comment) @comment
(block_comment) @comment
""",
    "swift": """
(function_declaration name: (simple_identifier) @name body: (function_body) @body) @def
(init_declaration "init" @name body: (function_body) @body) @def
(protocol_function_declaration name: (simple_identifier) @name) @def
(class_declaration name: (type_identifier) @name) @def
(protocol_declaration name: (type_identifier) @name) @def
(typealias_declaration name: (type_identifier) @name) @def
(comment) @comment
(multiline_comment) @comment
""",
    "scala": """
(function_definition name: (identifier) @name body: (_) @body) @def
(function_declaration name: (identifier) @name) @def
(class_definition name: (identifier) @name) @def
(trait_definition name: (identifier) @name) @def
(object_definition name: (identifier) @name) @def
(enum_definition name: (identifier) @name) @def
(type_definition name: (type_identifier) @name) @def
(comment) @comment
(block_comment) @comment
""",
    "dart": """
((function_signature name: (identifier) @name) @def . (function_body) @body)
((method_signature (function_signature name: (identifier) @name)) @def . (function_body) @body)
((method_signature (getter_signature name: (identifier) @name)) @def . (function_body) @body)
((method_signature (constructor_signature name: (identifier) @name)) @def
  . (function_body) @body)
(declaration (constructor_signature name: (identifier) @name)) @def
(class_definition name: (identifier) @name) @def
(enum_declaration name: (identifier) @name) @def
(mixin_declaration (identifier) @name) @def
(comment) @comment
(documentation_comment) @comment
""",
    "lua": """
(function_declaration name: [(identifier) @name (dot_index_expression field: (identifier) @name)
  (method_index_expression method: (identifier) @name)] body: (block) @body) @def
(comment) @comment
""",
    "bash": """
(function_definition name: (word) @name body: (_) @body) @def
(comment) @comment
""",
    "elixir": """
(call target: (identifier) @keyword (arguments . [(call target: (identifier) @name)
  (binary_operator left: (call target: (identifier) @name))]) (do_block) @body
  (#match? @keyword "^(def|defp|defmacro|defmacrop|defguard|defdelegate)$")) @def
(call target: (identifier) @keyword (arguments . [(call target: (identifier) @name)
  (binary_operator left: (call target: (identifier) @name))] (keywords))
  (#match? @keyword "^(def|defp|defmacro|defmacrop|defguard|defdelegate)$")) @def
(call target: (identifier) @keyword (arguments . (alias) @name)
  (#match? @keyword "^(defmodule|defprotocol|defimpl)$")) @def
(comment) @comment
""",
    "haskell": """
(function name: (variable) @name match: (match) @body) @def
(bind name: (variable) @name match: (match) @body) @def
(signature name: (variable) @name) @def
(data_type name: (name) @name) @def
(newtype name: (name) @name) @def
(type_synonym name: (name) @name) @def
(class name: (name) @name) @def
(comment) @comment
(haddock) @comment
""",
    "julia": """
(function_definition (signature [(call_expression . (identifier) @name)
  (typed_expression . (call_expression . (identifier) @name))]) @head) @def
(macro_definition (signature (call_expression . (identifier) @name)) @head) @def
(assignment . (call_expression . (identifier) @name)) @def
(struct_definition (type_head [(identifier) @name (binary_expression . (identifier) @name)])) @def
(abstract_definition (type_head [(identifier) @name (binary_expression . (identifier) @name)])) @def
(module_definition name: (identifier) @name) @def
(line_comment) @comment
(block_comment) @comment
""",
    "zig": """
(function_declaration name: (identifier) @name body: (block) @body) @def
(variable_declaration (identifier) @name [(struct_declaration) (enum_declaration)
  (union_declaration)]) @def
(comment) @comment
""",
    "ocaml": """
(value_definition (let_binding pattern: (value_name) @name (parameter) body: (_) @body)) @def
(value_specification (value_name) @name) @def
(type_definition (type_binding name: (type_constructor) @name)) @def
(module_definition (module_binding (module_name) @name)) @def
(module_type_definition (module_type_name) @name) @def
(exception_definition (constructor_declaration (constructor_name) @name)) @def
(comment) @comment
""",
}
_BRACED = {"javascript", "typescript", "go", "rust", "java", "c", "cpp", "csharp", "php",
           "kotlin", "swift", "scala", "dart", "bash", "zig"}
#: what a body that is not a braced block becomes, by language (default: the marker alone)
_ELISIONS = {"elixir": "do … end", "haskell": "= …"}


class MissingExtra(UsageError, ImportError):
    """tree-sitter, a grammar wheel or numpy is not installed (exit 2)."""


#: what the compress extra installs besides the grammars and runs need (found without
#: importing): tree-sitter parses; numpy ranks (PageRank) and scores (BM25)
_EXTRA = ("tree_sitter", "numpy")


def available() -> bool:
    """Whether the compress extra is installed (checked without importing it)."""
    return all(importlib.util.find_spec(name) is not None for name in _EXTRA)


@functools.cache
def backend() -> str:
    """What outlines files in this process: ``"tree-sitter"`` when it is installed (every
    language with a grammar), else ``"ast"`` (Python only, the standard library's parser)."""
    return "tree-sitter" if importlib.util.find_spec("tree_sitter") is not None else "ast"


def outlinable(path: str) -> bool:
    """Whether :func:`outline` can outline ``path`` here: a language with a grammar, with
    tree-sitter installed; Python, with or without it."""
    language = language_of(path)
    return language is not None and (language == "python" or backend() == "tree-sitter")


def require(what: str) -> None:
    """Raise :class:`MissingExtra` naming the option ``what`` when the extra is missing."""
    if not available():
        raise MissingExtra(f"{what} needs the compress extra: {install_hint('compress')}")


_lock = threading.Lock()
_parsers: dict[str, tuple[Any, Any]] = {}
#: files parsed by tree-sitter in this process (a warm cache parses none: see focus.memo)
parses = 0


def _parser(extension: str) -> tuple[Any, Any]:
    """A parser and its compiled query for one grammar, built once per process."""
    grammar = GRAMMARS[extension]
    with _lock:
        if grammar.key not in _parsers:
            try:
                language = load(extension)
            except ImportError as error:
                raise MissingExtra(f"{error.name} is not installed: "
                                   f"{install_hint('compress')}") from None
            import tree_sitter

            _parsers[grammar.key] = (tree_sitter.Parser(language),
                                     tree_sitter.Query(language, _QUERIES[grammar.language]))
        return _parsers[grammar.key]


def outline(path: str, text: str) -> Outline | None:
    """Parse ``text`` as the language ``path`` names; None when no grammar handles it, or when
    (without tree-sitter) Python's own parser cannot read the file."""
    extension = extension_of(path)
    if extension not in GRAMMARS:
        return None
    if GRAMMARS[extension].language == "python" and backend() == "ast":
        return pyoutline.outline(text)
    global parses
    parses += 1
    parser, query = _parser(extension)
    language = GRAMMARS[extension].language
    # surrogateescape keeps undecodable bytes one-to-one, so byte offsets map back exactly
    data = text.encode("utf-8", "surrogateescape")
    tree = parser.parse(data)
    edits: list[tuple[int, int, bytes]] = []
    found: list[tuple[Any, Any, Any]] = []
    bodies: list[tuple[int, int]] = []
    comments: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    for _, match in query_cursor(query).matches(tree.root_node):
        if "comment" in match:
            node = match["comment"][0]
            comments.append((node.start_byte, node.end_byte))
            edits.append((*comment_span(data, node.start_byte, node.end_byte), b""))
        elif "doc" in match:
            node = match["doc"][0]
            edits.append((node.start_byte, node.end_byte, _first_line(data, node)))
        elif "def" in match:
            node, name_node = match["def"][0], match["name"][0]
            if (node.start_byte, node.end_byte) in seen:
                continue  # matched by a second pattern (its first match has the body)
            seen.add((node.start_byte, node.end_byte))
            body = match["body"][0] if "body" in match else None
            if body is not None:
                bodies.append((body.start_byte, body.end_byte))
                edits.append((body.start_byte, body.end_byte,
                              _elided(data, body, language)))
            elif "head" in match and node.children and node.children[-1].type == "end":
                # a body of statements between a head and `end` (Julia) is no single node
                span = (match["head"][0].end_byte, node.children[-1].start_byte)
                bodies.append(span)
                edits.append((*span, f" {MARKER} ".encode()))
            found.append((node, name_node, body))
    # signatures once every comment is known: a comment between a head and its body
    # (`def f(): # why`) is no part of the signature
    comments.sort()
    definitions = [(node.start_byte, node.end_byte, Definition(
        text_of(data, name_node.start_byte, name_node.end_byte),
        _signature(data, node, body, comments), 0, node.start_point[0] + 1))
        for node, name_node, body in found]
    compressed = apply_edits(data, edits)
    return Outline(language, compressed, nest(definitions, bodies))


def _elided(data: bytes, body: Any, language: str) -> bytes:
    if language in _BRACED:
        text = data[body.start_byte:body.end_byte]
        if text.startswith(b"{") and text.endswith(b"}"):
            return "{ … }".encode()
        if text.startswith((b"=>", b"=")):  # an expression body: `= x` (Kotlin), `=> x;` (Dart)
            arrow = text[:2] if text.startswith(b"=>") else b"="
            return arrow + f" {MARKER}".encode() + (b";" if text.endswith(b";") else b"")
        return MARKER.encode()
    if language == "python":
        indent: bytes = b" " * body.start_point[1]
        first = body.children[0] if body.children else None
        if (first is not None and first.type == "expression_statement"
                and first.children and first.children[0].type == "string"):
            return _first_line(data, first.children[0]) + b"\n" + indent + MARKER.encode()
        return MARKER.encode()
    # ruby and lua: the body goes, its `end` stays
    return _ELISIONS.get(language, MARKER).encode()


def _first_line(data: bytes, node: Any) -> bytes:
    return docstring_summary(data[node.start_byte:node.end_byte])


def _signature(data: bytes, node: Any, body: Any | None,
               comments: list[tuple[int, int]]) -> str:
    """The definition's head on one line, without comments: up to its body, or its first
    line."""
    body = body or node.child_by_field_name("body")
    if body is not None:
        return signature_of(data, node.start_byte, body.start_byte, comments)
    return signature_of(data, node.start_byte, node.end_byte, comments, first_line=True)
