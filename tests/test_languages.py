"""The languages added to the grammar table: per language, the outline keeps signatures and
drops bodies, definitions are found, ``--related`` follows an import, ``--strip-comments``
removes comments and nothing in strings, and the grammars load offline from site-packages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gitdigest import digest
from gitdigest.change.related import Graph
from gitdigest.core.grammars import GRAMMARS, language_of, load
from gitdigest.core.strip import strip_blank_lines, strip_comments
from gitdigest.count.tokens import get_encoding
from gitdigest.focus.compress import MARKER, outline

from .conftest import MakeRepo, git

# path, source, kept in the outline, gone from it, names defined
OUTLINES = [
    ("a.kt", "package app\n\nimport app.util.Helper\n\n// note\nclass Greeter(val name: String) {\n"
     "    fun greet(times: Int): String {\n        return name.repeat(times)\n    }\n}\n"
     "object Registry {\n    fun size(): Int = 1\n}\n",
     ["import app.util.Helper", "class Greeter(val name: String)",
      "fun greet(times: Int): String", "object Registry"],
     ["repeat(times)", "// note"], {"Greeter", "greet", "Registry", "size"}),
    ("a.swift", "import Foundation\n\nstruct Point {\n    var x: Int\n}\nclass Greeter {\n"
     "    func greet(name: String) -> String {\n        return \"hi \\(name)\"\n    }\n}\n"
     "protocol Shape {\n    func area() -> Double\n}\n",
     ["import Foundation", "func greet(name: String) -> String", "func area() -> Double"],
     ["return \"hi"], {"Point", "Greeter", "greet", "Shape", "area"}),
    ("a.scala", "package app\n\nimport app.util.Helper\n\nclass Greeter(name: String) {\n"
     "  def greet(times: Int): String = {\n    name * times\n  }\n}\n"
     "trait Shape {\n  def area: Double\n}\n",
     ["import app.util.Helper", "def greet(times: Int): String", "def area: Double"],
     ["name * times"], {"Greeter", "greet", "Shape", "area"}),
    ("a.dart", "import 'package:app/util.dart';\n\nclass Greeter {\n  final String name;\n"
     "  Greeter(this.name);\n  String greet(int times) {\n    return name * times;\n  }\n}\n"
     "int add(int a, int b) {\n  return a + b;\n}\n",
     ["import 'package:app/util.dart';", "String greet(int times)", "int add(int a, int b)"],
     ["return a + b", "return name"], {"Greeter", "greet", "add"}),
    ("a.lua", "local util = require(\"app.util\")\n\nlocal function helper(x)\n  return x + 1\n"
     "end\n\nfunction M.greet(name)\n  return \"hi \" .. name\nend\n",
     ["require(\"app.util\")", "local function helper(x)", "function M.greet(name)"],
     ["return x + 1"], {"helper", "greet"}),
    ("a.sh", "#!/bin/sh\nsource ./lib.sh\n\ngreet() {\n  echo \"hi $1\"\n}\n",
     ["source ./lib.sh", "greet()"], ["echo \"hi"], {"greet"}),
    ("a.ex", "defmodule App.Greeter do\n  alias App.Util\n\n  def greet(name) do\n"
     "    \"hi \" <> name\n  end\n\n  defp secret(x), do: x\nend\n",
     ["defmodule App.Greeter do", "alias App.Util", "def greet(name) do"],
     ["\"hi \" <> name"], {"App.Greeter", "greet", "secret"}),
    ("a.hs", "module App.Greeter where\n\nimport App.Util\n\ndata Color = Red | Green\n\n"
     "greet :: String -> String\ngreet name = \"hi \" ++ name\n",
     ["import App.Util", "data Color = Red | Green", "greet :: String -> String"],
     ["\"hi \" ++ name"], {"Color", "greet"}),
    ("a.jl", "module App\ninclude(\"util.jl\")\n\nstruct Point\n    x::Int\nend\n\n"
     "function greet(name::String)::String\n    return \"hi $name\"\nend\nend\n",
     ["include(\"util.jl\")", "struct Point", "function greet(name::String)::String"],
     ["return \"hi"], {"App", "Point", "greet"}),
    ("a.zig", "const std = @import(\"std\");\n\npub fn greet(name: []const u8) void {\n"
     "    std.debug.print(\"hi {s}\", .{name});\n}\n\nconst Point = struct {\n    x: i32,\n};\n",
     ["@import(\"std\")", "pub fn greet(name: []const u8) void", "const Point = struct"],
     ["std.debug.print"], {"greet", "Point"}),
    ("a.ml", "open Util\n\ntype color = Red | Green\n\nlet greet name =\n  \"hi \" ^ name\n\n"
     "module M = struct\n  let f x = x + 1\nend\n",
     ["open Util", "type color = Red | Green", "let greet name ="],
     ["\"hi \" ^ name", "x + 1"], {"color", "greet", "M", "f"}),
]


@pytest.mark.parametrize(("path", "source", "kept", "gone", "names"), OUTLINES,
                         ids=[case[0] for case in OUTLINES])
def test_outline_keeps_signatures_drops_bodies_and_finds_definitions(
        path: str, source: str, kept: list[str], gone: list[str], names: set[str]) -> None:
    found = outline(path, source)
    assert found is not None
    for text in kept:
        assert text in found.compressed, (text, found.compressed)
    for text in gone:
        assert text not in found.compressed, (text, found.compressed)
    assert MARKER in found.compressed
    assert {d.name for d in found.definitions} == names
    assert found.map_entry()


# language, importer, its text, the imported file, its text
IMPORTS = [
    ("kotlin", "src/main/kotlin/app/Main.kt", "package app\nimport app.util.Helper\n",
     "src/main/kotlin/app/util/Helper.kt", "package app.util\nclass Helper\n"),
    ("scala", "src/main/scala/Main.scala", "package app\nimport app.util.{Helper, Other}\n",
     "src/main/scala/Helper.scala", "package app.util\nclass Helper\n"),
    ("swift", "Sources/App/main.swift", "import Util\n", "Sources/Util/Helper.swift",
     "public struct Helper {}\n"),
    ("dart", "lib/main.dart", "import 'package:app/src/util.dart';\n", "lib/src/util.dart",
     "int x = 1;\n"),
    ("dart-relative", "lib/main.dart", "import 'src/util.dart';\n", "lib/src/util.dart",
     "int x = 1;\n"),
    ("lua", "main.lua", "local u = require(\"app.util\")\n", "app/util.lua", "return {}\n"),
    ("lua-init", "main.lua", "local u = require 'app'\n", "app/init.lua", "return {}\n"),
    ("bash", "bin/run.sh", "#!/bin/sh\n. ./lib.sh\n", "bin/lib.sh", "x=1\n"),
    ("elixir", "lib/app/greeter.ex", "defmodule App.Greeter do\n  alias App.TextUtil\nend\n",
     "lib/app/text_util.ex", "defmodule App.TextUtil do\nend\n"),
    ("haskell", "src/Main.hs", "import qualified App.Util as U\n", "src/App/Util.hs",
     "module App.Util where\n"),
    ("julia", "src/App.jl", "module App\ninclude(\"util.jl\")\nend\n", "src/util.jl",
     "f() = 1\n"),
    ("zig", "src/main.zig", "const util = @import(\"util.zig\");\n", "src/util.zig",
     "pub fn f() void {}\n"),
    ("ocaml", "bin/main.ml", "let () = print_int (Text_util.count 3)\n", "lib/text_util.ml",
     "let count x = x\n"),
]


@pytest.mark.parametrize(("importer", "text", "imported", "its_text"),
                         [case[1:] for case in IMPORTS], ids=[case[0] for case in IMPORTS])
def test_related_follows_the_import(importer: str, text: str, imported: str,
                                    its_text: str) -> None:
    files = {importer: text, imported: its_text, "other/unrelated.txt": "x\n"}
    graph = Graph(files, files.get)
    assert graph.imports.get(importer) == {imported}


def test_related_end_to_end_in_a_repository(make_repo: MakeRepo) -> None:
    repo = make_repo({"lib/app/greeter.ex": "defmodule App.Greeter do\n  alias App.Util\nend\n",
                      "lib/app/util.ex": "defmodule App.Util do\nend\n",
                      "lib/app/other.ex": "defmodule App.Other do\nend\n"})
    git(repo, "tag", "base")
    (repo / "lib/app/greeter.ex").write_text(
        "defmodule App.Greeter do\n  alias App.Util\n  def hi, do: 1\nend\n")
    git(repo, "commit", "-qam", "change")
    result = digest(str(repo), since="base", related=1)
    paths = {d.path for d in result.files}
    assert paths == {"lib/app/greeter.ex", "lib/app/util.ex"}


# one file per language with a grammar: a comment to remove, a comment marker inside a string
STRIPS = {
    "py": ('"""Doc # kept."""\nx = "# in a string"  # gone\n# gone\ny = 1\n', '"# in a string"'),
    "js": ('const s = "// in a string"; // gone\n/* gone */\nlet y = 1;\n', '"// in a string"'),
    "ts": ('const s: string = "// in a string"; // gone\nlet y = 1;\n', '"// in a string"'),
    "go": ('package a\n\n// gone\nvar s = "// in a string" // gone\n', '"// in a string"'),
    "rs": ('/// gone\n//! gone\nconst S: &str = "// in a string"; /* gone */\n',
           '"// in a string"'),
    "java": ('class A { String s = "// in a string"; // gone\n}\n', '"// in a string"'),
    "c": ('/* gone */\nchar *s = "/* in a string */"; // gone\n', '"/* in a string */"'),
    "cpp": ('// gone\nauto s = "// in a string"; // gone\n', '"// in a string"'),
    "cs": ('class A { string s = "// in a string"; // gone\n}\n', '"// in a string"'),
    "rb": ('# gone\ns = "# in a string" # gone\n', '"# in a string"'),
    "php": ('<?php\n// gone\n$s = "# in a string"; # gone\n', '"# in a string"'),
    "kt": ('// gone\nval s = "// in a string" /* gone */\n', '"// in a string"'),
    "swift": ('// gone\nlet s = "// in a string" /* gone */\n', '"// in a string"'),
    "scala": ('// gone\nval s = "// in a string" /* gone */\n', '"// in a string"'),
    "dart": ('// gone\nvar s = "// in a string"; /* gone */\n', '"// in a string"'),
    "lua": ('-- gone\nlocal s = "-- in a string" --[[ gone ]]\n', '"-- in a string"'),
    "sh": ('#!/bin/sh\n# gone\ns="# in a string" # gone\n', '"# in a string"'),
    "ex": ('# gone\ns = "# in a string" # gone\n', '"# in a string"'),
    "hs": ('-- gone\ns = "-- in a string" {- gone -}\n', '"-- in a string"'),
    "jl": ('# gone\ns = "# in a string" #= gone =#\n', '"# in a string"'),
    "zig": ('// gone\nconst s = "// in a string"; // gone\n', '"// in a string"'),
    "ml": ('(* gone *)\nlet s = "(* in a string *)" (* gone *)\n', '"(* in a string *)"'),
}


def test_every_language_has_a_strip_case() -> None:
    assert {GRAMMARS[ext].language for ext in STRIPS} == {g.language for g in GRAMMARS.values()}


@pytest.mark.parametrize(("extension", "case"), STRIPS.items(), ids=list(STRIPS))
def test_strip_comments_removes_comments_and_nothing_in_strings(extension: str,
                                                                case: tuple[str, str]) -> None:
    source, literal = case
    stripped = strip_comments(source, f"src/a.{extension}")
    assert "gone" not in stripped, stripped
    assert literal in stripped
    assert not any(line != line.rstrip() for line in stripped.splitlines())
    # the code itself is untouched: the same tokens, comments aside, in the same order
    assert _code_tokens(stripped, extension) == _code_tokens(source, extension)
    both = strip_blank_lines(stripped + "\n\n", f"src/a.{extension}")
    assert "\n\n" not in both and _code_tokens(both, extension) == _code_tokens(source, extension)
    if extension == "sh":
        assert stripped.startswith("#!/bin/sh\n")
    if extension == "py":
        assert '"""Doc # kept."""' in stripped


def _code_tokens(text: str, extension: str) -> list[str]:
    """The leaves of the file's syntax tree that are not comments, as text."""
    import tree_sitter

    data = text.encode()
    tree = tree_sitter.Parser(load(extension)).parse(data)
    leaves, todo = [], [tree.root_node]
    while todo:
        node = todo.pop()
        if node.type.endswith("comment") or node.type == "haddock":
            continue
        if node.child_count == 0:
            leaves.append(data[node.start_byte:node.end_byte].decode())
        todo.extend(reversed(node.children))
    return leaves


def test_strip_blank_lines_keeps_those_inside_strings() -> None:
    source = ('def f():\n    """Doc.\n\n    More.\n    """\n\n\n    x = """a\n\nb"""\n'
              '    \n    return x\n')
    assert strip_blank_lines(source, "a.py") == (
        'def f():\n    """Doc.\n\n    More.\n    """\n    x = """a\n\nb"""\n    return x\n')
    assert strip_blank_lines("One.\n\n\n\nTwo.\n\nThree.\n", "README.md") == (
        "One.\n\nTwo.\n\nThree.\n")
    assert strip_comments("# Title\n", "README.md") == "# Title\n"


#: a chain of 100,000 string literals joined by "+", between a head and a multi-line string
DEEP = {"cat.js": ("var s = ", "'aa'", "var t = `a\n\nb`\n"),
        "cat.go": ("package p\nvar s = ", '"aa"', "var t = `a\n\nb`\n")}


@pytest.mark.parametrize("path", sorted(DEEP))
def test_a_very_deep_expression_cannot_hold_the_strippers(path: str) -> None:
    """The chain parses 100,000 levels deep: tree-sitter's query cursor, which keeps a match's
    depth in 16 bits, never finished on it (--strip-blank-lines held a run of a hostile
    repository without end). Run in a child, so that a hang fails instead of holding the
    suite; the multi-line string keeps its blank line."""
    head, literal, tail = DEEP[path]
    chain = head + "+".join([literal] * 100_000)
    child = ("import sys\nfrom gitdigest.core.strip import strip_blank_lines, strip_comments\n"
             "text = sys.stdin.read()\n"
             "sys.stdout.write(strip_blank_lines(strip_comments(text, sys.argv[1]), sys.argv[1]))")
    done = subprocess.run([sys.executable, "-c", child, path], input=f"{chain}\n\n\n{tail}",
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout == f"{chain}\n{tail}"


def test_stripped_digest_counts_exactly_the_text_shown(make_repo: MakeRepo) -> None:
    files = {f"src/a.{ext}": case[0] for ext, case in STRIPS.items()}
    files["notes.txt"] = "plain\n\n\n\ntext # not code\n"
    repo = make_repo(files)
    plain = digest(str(repo), tokenizer="cl100k_base")
    stripped = digest(str(repo), tokenizer="cl100k_base", strip_comments=True,
                      strip_blank_lines=True)
    text = stripped.render()
    assert "gone" not in text and "in a string" in text
    assert stripped.summary.tokens == len(get_encoding("cl100k_base").encode(text))
    assert stripped.summary.tokens < plain.summary.tokens
    assert any("--strip-comments: 1 file" in note and "txt" in note for note in stripped.notes)


def test_grammars_ship_compiled_and_load_offline(tmp_path: Path) -> None:
    """Every grammar loads from site-packages in a process that can reach no network."""
    code = ("from gitdigest.core.grammars import GRAMMARS, load\n"
            "import importlib, sys\n"
            "for ext in sorted(GRAMMARS):\n"
            "    load(ext)\n"
            "    assert 'site-packages' in importlib.import_module("
            "GRAMMARS[ext].module).__file__\n"
            "print(len({g.key for g in GRAMMARS.values()}))\n")
    env = {**os.environ, "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
           "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
           "PIP_NO_INDEX": "1", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    assert int(done.stdout) == 24  # TypeScript/TSX and OCaml's two share modules


def test_new_extensions_by_language() -> None:
    assert language_of("x.kts") == "kotlin" and language_of("x.mli") == "ocaml"
    assert language_of("build.sh") == "bash" and language_of("mix.exs") == "elixir"


def test_strip_options_key_the_token_cache_with_the_grammar_versions() -> None:
    """Counts cached for a stripped text name the grammars that stripped it: installing the
    extra (or another grammar version) cannot serve the counts of the text before."""
    from gitdigest.api import text_settings
    from gitdigest.options import Options

    plain = text_settings(Options(source="."))
    stripped = text_settings(Options(source=".", strip_comments=True))
    blank = text_settings(Options(source=".", strip_blank_lines=True))
    assert "tree_sitter_python-" not in plain.key
    assert "strip_comments=True" in stripped.key and "tree_sitter_kotlin-" in stripped.key
    assert "tree_sitter_ocaml-" in blank.key and blank.key != stripped.key
    assert [t.__name__ for t in stripped.transforms] == ["strip_comments"]


def test_strip_flags_on_the_command_line_with_line_numbers_last(make_repo: MakeRepo) -> None:
    from click.testing import CliRunner

    from gitdigest.cli import cli

    repo = make_repo({"a.py": "x = 1  # gone\n\n\ny = '# kept'\n"})
    result = CliRunner().invoke(cli, [str(repo), "--strip-comments", "--strip-blank-lines",
                                       "--line-numbers", "-o", "-"])
    assert result.exit_code == 0, result.stderr
    assert "1 | x = 1\n2 | y = '# kept'\n" in result.stdout


def test_outlines_still_apply_to_stripped_code(make_repo: MakeRepo) -> None:
    body = "".join(f"    total += {n}  // step {n}\n" for n in range(40))
    repo = make_repo({"calc.kt": f"// Sums.\nfun total(): Int {{\n    var total = 0\n{body}"
                                 "    return total\n}\n"})
    result = digest(str(repo), tokenizer="cl100k_base", compress=True, strip_comments=True)
    text = result.render()
    assert "(compressed)" in text and "fun total(): Int { … }" in text
    assert "step" not in text and "Sums" not in text
    assert result.summary.tokens == len(get_encoding("cl100k_base").encode(text))
