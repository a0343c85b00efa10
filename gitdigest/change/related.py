"""The code around a change: an import graph of the repository's Python, JavaScript/TypeScript,
Go, Rust, Java, Kotlin, Scala, Swift, Dart, Lua, shell, Elixir, Haskell, Julia, Zig and OCaml
files, resolved inside the repository only, and the files a few steps from the changed ones.

Plain parsing (regular expressions over the source text), no interpreter and no build tool:
nothing from the repository runs. Imports that name no file in the repository (the standard
library, third-party packages) are ignored. What a regex cannot see (an import built at run
time) is missed; what it sees in a comment or a string may add a file too many, never a file
outside the repository.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping

from ..core.paths import display

_PY_IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w. \t,]+)", re.MULTILINE)
# Every pattern here runs on text the repository's author chose, so none may backtrack more
# than linearly: no two adjacent quantifiers that can match the same characters (``\.*[\w.]*``,
# ``\s*\(?\s*``), no ``^\s*`` under MULTILINE (it crosses blank lines, so every line start
# rescans the run), and a bracketed group stops at the next opening bracket as well as the
# closing one, so an unclosed bracket costs one scan to the next, not one to the end per line
# (a comment inside Python's parentheses may hold brackets: it is read to its line's end).
# tests/test_related_hostile.py checks each family on input that took the old patterns minutes.
_PY_FROM = re.compile(r"^[ \t]*from[ \t]+(?=[\w.])(\.*)((?:\w[\w.]*)?)[ \t]+import[ \t]*"
                      r"(\([^()#]*(?:#[^\n]*\n[^()#]*)*\)|[^\n#;]+)", re.MULTILINE)
_PY_COMMENT = re.compile(r"#[^\n]*")
_JS = re.compile(r"""(?:\bfrom\s*|\bimport\s*(?:\(\s*)?|\brequire\s*\(\s*)"""
                 r"""['"]([^'"\n]+)['"]""")
_GO_BLOCK_START = re.compile(r"^import\s*\(", re.MULTILINE)
_GO_ONE = re.compile(r'^import\s+(?:[\w.]+\s+)?"([^"]+)"', re.MULTILINE)
_GO_SPEC = re.compile(r'"([^"]+)"')
_GO_MODULE = re.compile(r"^module\s+(\S+)", re.MULTILINE)
_RS_MOD = re.compile(r"^[ \t]*(?:pub(?:\([^()]*\))?\s+)?mod\s+(\w+)\s*;", re.MULTILINE)
_RS_USE = re.compile(r"\buse\s+((?:crate|super|self)(?:::\w+)+)")
_JAVA = re.compile(r"^[ \t]*import\s+(?:static\s+)?([\w.]+(?:\.\*)?)\s*;", re.MULTILINE)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")  # tsconfig is JSON with comments and commas
_JSON_SPECIAL = re.compile(r'["/]')  # where a string or a comment may start
_JSON_STRING_SPECIAL = re.compile(r'["\\]')  # where a string may end or escape

_JVM_PACKAGE = re.compile(r"^[ \t]*package\s+([\w.]+)", re.MULTILINE)
_JVM_IMPORT = re.compile(r"^[ \t]*import\s+(\w+(?:\.\w+)*)(?:\.\{([^{}]*)\})?", re.MULTILINE)
_SWIFT = re.compile(r"^[ \t]*(?:@testable\s+)?import\s+(?:\w+\s+)?(\w+)", re.MULTILINE)
_DART = re.compile(r"""^[ \t]*(?:import|export|part)\s+['"]([^'"]+)['"]""", re.MULTILINE)
_LUA = re.compile(r"""\brequire\s*(?:\(\s*)?['"]([\w./-]+)['"]""")
_SHELL = re.compile(r"""^[ \t]*(?:source|\.)\s+['"]?([\w./-]+)""", re.MULTILINE)
_ELIXIR = re.compile(r"^[ \t]*(?:alias|import|require|use)\s+([A-Z][\w.]*)", re.MULTILINE)
_HASKELL = re.compile(r"^import\s+(?:qualified\s+)?([A-Z][\w.]*)", re.MULTILINE)
_JULIA = re.compile(r"""\binclude\s*\(\s*"([^"]+)"\s*\)""")
_ZIG = re.compile(r"""@import\s*\(\s*"([^"]+\.zig)"\s*\)""")
_OCAML = re.compile(r"\b(?:open!?|include)\s+([A-Z]\w*)|\b([A-Z]\w*)\.[a-z_(]")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

_JS_EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
_JVM = (".kt", ".kts", ".scala", ".sc")
#: the extensions resolved by a path the import names, next to the importing file or by suffix
_BY_PATH = (".swift", ".dart", ".lua", ".sh", ".bash", ".ex", ".exs", ".hs", ".jl", ".zig",
            ".ml", ".mli")
LANGUAGE_EXTENSIONS = (".py", ".pyi", *_JS_EXTENSIONS, ".go", ".rs", ".java", *_JVM, *_BY_PATH)

Read = Callable[[str], str | None]

#: how much of each file the import scan reads: imports sit at a file's top, and a cap keeps a
#: hostile or generated file from costing more than this however the patterns behave
SCAN_LIMIT = 256 * 1024


class Links(Mapping[str, set[str]]):
    """File -> the files it links to, each Go package expanded to its files only when asked.

    A Go import names a package (a folder), so every file in it is imported: N importers of a
    package of M files are N x M file links (6,000 each way: 36 million, 4.6 GB). The graph
    keeps the package once instead, N + M links, and this view answers per file as if each
    link were there.
    """

    def __init__(self, direct: dict[str, set[str]], packages: dict[str, set[str]],
                 files: dict[str, set[str]]) -> None:
        self._direct = direct
        self._packages = packages  # file -> the packages it links to (as a whole)
        self._files = files  # package -> its files
        # a key links to some file other than itself (checked without expanding anything)
        self._keys = {path for path, found in direct.items() if _beyond(path, found)}
        self._keys |= {path for path, held in packages.items()
                       if any(_beyond(path, files[package]) for package in held)}

    def _expand(self, path: str) -> set[str]:
        found = set(self._direct.get(path, ()))
        for package in self._packages.get(path, ()):
            found |= self._files[package]
        found.discard(path)
        return found

    def __getitem__(self, path: str) -> set[str]:
        if path not in self._keys:
            raise KeyError(path)
        return self._expand(path)

    def __contains__(self, path: object) -> bool:
        return path in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def count(self, path: str) -> int:
        """``len(self.get(path, ()))`` without building the set: a Go package's importers
        counted for each of its files stay one count each."""
        packages = [self._files[package] for package in self._packages.get(path, ())]
        if len(packages) > 1:  # a file importing several packages: rare, and it is its own
            return len(self._expand(path))
        whole = packages[0] if packages else set()
        extra = [p for p in self._direct.get(path, ()) if p not in whole and p != path]
        return len(whole) - (path in whole) + len(extra)

    def step(self, path: str, expanded: set[str]) -> set[str]:
        """The files ``path`` links to, leaving out each package already in ``expanded``
        (whoever expanded it first reached all its files) and adding the rest to it: a
        walk reaches each package's files once, not once per file linking to it."""
        found = set(self._direct.get(path, ()))
        for package in self._packages.get(path, ()):
            if package not in expanded:
                expanded.add(package)
                found |= self._files[package]
        found.discard(path)
        return found


def _beyond(path: str, files: set[str]) -> bool:
    """Whether ``files`` holds a file other than ``path``."""
    return len(files) > 1 or (len(files) == 1 and path not in files)


class Graph:
    """Which repository file imports which, built from the files' text.

    ``imports`` and ``imported_by`` map a file to files; a Go package is held once, so they
    stay as large as the imports written, not importers x files (see :class:`Links`).
    """

    def __init__(self, paths: Iterable[str], read: Read) -> None:
        self.paths = set(paths)
        self._read = read
        self._texts: dict[str, str | None] = {}
        self._python = _python_index(self.paths)
        # by folder and by path suffix, so Go and Java imports are looked up, not searched
        self._folders: dict[str, list[str]] = {}
        self._suffixes: dict[str, list[str]] = {}
        for path in sorted(self.paths):
            if path.endswith((".go", ".java")):
                self._folders.setdefault(posixpath.dirname(path), []).append(path)
            if path.endswith(".java"):
                parts = path.split("/")
                for start in range(len(parts)):
                    self._suffixes.setdefault("/".join(parts[start:]), []).append(path)
        self._stems: dict[str, list[str]] = {}  # file name without extension -> files
        for path in sorted(self.paths):
            self._stems.setdefault(posixpath.basename(path).rsplit(".", 1)[0], []).append(path)
        self._packages = self._load_packages()
        self._swift: dict[str, list[str]] = {}  # Swift package target -> its files
        for path in sorted(self.paths):
            parts = path.split("/")
            if path.endswith(".swift") and "Sources" in parts[:-2]:
                target = parts[parts.index("Sources") + 1]
                self._swift.setdefault(target, []).append(path)
        self._tsconfigs = self._load_tsconfigs()
        self._go = self._load_go_modules()
        members: dict[str, set[str]] = {}  # Go package (folder) -> its files, tests aside
        for folder, files in self._folders.items():
            kept = {p for p in files if p.endswith(".go") and not p.endswith("_test.go")}
            if kept:
                members[folder] = kept
        direct: dict[str, set[str]] = {}
        uses: dict[str, set[str]] = {}  # file -> the Go packages it imports
        for path in sorted(self.paths):
            if path.endswith(".go"):
                packages = self._go_imports(self._text(path)) & members.keys()
                if packages:
                    uses[path] = packages
            elif path.endswith(LANGUAGE_EXTENSIONS):
                found = self._imports_of(path) - {path}
                if found:
                    direct[path] = found
        reverse: dict[str, set[str]] = {}
        for path, targets in direct.items():
            for target in targets:
                reverse.setdefault(target, set()).add(path)
        users: dict[str, set[str]] = {}  # Go package -> the files that import it
        for path, packages in uses.items():
            for package in packages:
                users.setdefault(package, set()).add(path)
        # imported by: a file of a package links back to the package's importers
        package_of = {path: {folder} for folder, files in members.items() if folder in users
                      for path in files}
        self.imports = Links(direct, uses, members)
        self.imported_by = Links(reverse, package_of, users)

    def _text(self, path: str) -> str:
        if path not in self._texts:
            text = self._read(path)
            self._texts[path] = None if text is None else text[:SCAN_LIMIT]
        return self._texts[path] or ""

    def _imports_of(self, path: str) -> set[str]:
        text = self._text(path)
        if path.endswith((".py", ".pyi")):
            return self._python_imports(path, text)
        if path.endswith(_JS_EXTENSIONS):
            return self._js_imports(path, text)
        if path.endswith(".rs"):
            return self._rust_imports(path, text)
        if path.endswith(_JVM):
            return self._jvm_imports(text)
        if path.endswith(_BY_PATH):
            return self._path_imports(path, text)
        return self._java_imports(text)

    # Python -------------------------------------------------------------------------------
    def _python_imports(self, path: str, text: str) -> set[str]:
        found: set[str] = set()
        for match in _PY_IMPORT.finditer(text):
            for part in match.group(1).split(","):
                name = part.split()[0] if part.split() else ""
                found |= self._python_module(name)
        for match in _PY_FROM.finditer(text):
            dots, module, names = match.groups()
            names = _PY_COMMENT.sub("", names)  # words in a comment name no module
            # each imported name may be a submodule; the package itself counts only when
            # some name is not (it is then an attribute the package defines)
            if dots:
                folder = posixpath.dirname(path)
                for _ in range(len(dots) - 1):
                    folder = posixpath.dirname(folder)
                base = posixpath.join(folder, *module.split(".")) if module else folder
                subs = [self._python_file(posixpath.join(base, name))
                        for name in re.findall(r"\w+", names)]
                package = self._python_file(base)
            else:
                subs = [self._python_module(f"{module}.{name}")
                        for name in re.findall(r"\w+", names)]
                package = self._python_module(module)
            found |= set().union(*subs)
            if not subs or not all(subs):
                found |= package
        return found

    def _python_file(self, base: str) -> set[str]:
        base = base.strip("/")
        for candidate in (f"{base}.py", f"{base}.pyi", f"{base}/__init__.py"):
            if candidate in self.paths:
                return {candidate}
        return set()

    def _python_module(self, name: str) -> set[str]:
        return set(self._python.get(name, ())) if name else set()

    # JavaScript / TypeScript --------------------------------------------------------------
    def _load_tsconfigs(self) -> list[tuple[str, str, dict[str, list[str]]]]:
        """(folder, baseUrl folder, paths) of every tsconfig.json / jsconfig.json."""
        found = []
        for path in sorted(self.paths):
            name = posixpath.basename(path)
            if name not in ("tsconfig.json", "jsconfig.json"):
                continue
            try:
                data = json.loads(_TRAILING_COMMA.sub(r"\1",
                                                      _without_comments(self._text(path))))
                options = data.get("compilerOptions") or {}
                folder = posixpath.dirname(path)
                base = posixpath.normpath(posixpath.join(folder, options.get("baseUrl", ".")))
                paths = {k: list(v) for k, v in (options.get("paths") or {}).items()
                         if isinstance(v, list)}
            except (ValueError, AttributeError, TypeError):
                continue
            found.append((folder, "" if base == "." else base, paths))
        return found

    def _js_imports(self, path: str, text: str) -> set[str]:
        found: set[str] = set()
        folder = posixpath.dirname(path)
        for spec in _JS.findall(text):
            if spec.startswith("."):
                found |= self._js_file(posixpath.join(folder, spec))
                continue
            for config_folder, base, paths in self._tsconfigs:
                if config_folder and not path.startswith(config_folder + "/"):
                    continue
                for pattern, targets in paths.items():
                    prefix, star, suffix = pattern.partition("*")
                    if star and spec.startswith(prefix) and spec.endswith(suffix):
                        middle = spec[len(prefix):len(spec) - len(suffix)]
                        for target in targets:
                            found |= self._js_file(posixpath.join(base, target.replace("*",
                                                                                   middle)))
                    elif not star and spec == pattern:
                        for target in targets:
                            found |= self._js_file(posixpath.join(base, target))
                if base:
                    found |= self._js_file(posixpath.join(base, spec))
        return found

    def _js_file(self, base: str) -> set[str]:
        base = posixpath.normpath(base)
        if base.startswith("../"):
            return set()
        stem = base.rsplit(".", 1)[0] if base.endswith((".js", ".jsx", ".mjs")) else None
        candidates = [base, *(base + ext for ext in _JS_EXTENSIONS),
                      *(f"{base}/index{ext}" for ext in _JS_EXTENSIONS)]
        if stem:  # TypeScript imports "./x.js" for the file x.ts
            candidates += [stem + ext for ext in (".ts", ".tsx", ".mts")]
        return next(({c} for c in candidates if c in self.paths), set())

    # Go -----------------------------------------------------------------------------------
    def _load_go_modules(self) -> list[tuple[str, str]]:
        """(module path, folder) of every go.mod, longest module first."""
        modules = []
        for path in self.paths:
            if posixpath.basename(path) == "go.mod":
                match = _GO_MODULE.search(self._text(path))
                if match:
                    modules.append((match.group(1), posixpath.dirname(path)))
        return sorted(modules, key=lambda item: -len(item[0]))

    def _go_imports(self, text: str) -> set[str]:
        """The repository's Go packages (folders) ``text`` imports: a package's files are
        reached through it (see :class:`Links`), not linked one by one."""
        specs = [*_GO_ONE.findall(text)]
        for block in _go_blocks(text):
            specs += _GO_SPEC.findall(block)
        found: set[str] = set()
        for spec in specs:
            for module, folder in self._go:
                if spec == module or spec.startswith(module + "/"):
                    found.add(posixpath.join(folder, spec[len(module):].strip("/")).strip("/"))
                    break
        return found

    # Rust ---------------------------------------------------------------------------------
    def _rust_imports(self, path: str, text: str) -> set[str]:
        found: set[str] = set()
        name = posixpath.basename(path)
        folder = posixpath.dirname(path)
        own = folder if name in ("lib.rs", "main.rs", "mod.rs") else path[:-3]
        for module in _RS_MOD.findall(text):
            found |= self._rust_file(posixpath.join(own, module))
        crate = self._crate_src(path)
        for use in _RS_USE.findall(text):
            parts = use.split("::")
            if parts[0] == "crate":
                if crate is None:
                    continue
                base = crate
            else:
                base = own
                for part in parts:
                    if part != "super":
                        break
                    base = posixpath.dirname(base)
            rest = [p for p in parts if p not in ("crate", "self", "super")]
            for end in range(len(rest), 0, -1):  # the longest prefix that is a module file
                hit = self._rust_file(posixpath.join(base, *rest[:end]))
                if hit:
                    found |= hit
                    break
        return found

    def _rust_file(self, base: str) -> set[str]:
        base = posixpath.normpath(base)
        return next(({c} for c in (f"{base}.rs", f"{base}/mod.rs") if c in self.paths), set())

    def _crate_src(self, path: str) -> str | None:
        folder = posixpath.dirname(path)
        while True:
            manifest = posixpath.join(folder, "Cargo.toml") if folder else "Cargo.toml"
            if manifest in self.paths:
                return posixpath.join(folder, "src") if folder else "src"
            if not folder:
                return None
            folder = posixpath.dirname(folder)

    # Java ---------------------------------------------------------------------------------
    def _java_imports(self, text: str) -> set[str]:
        found: set[str] = set()
        for name in _JAVA.findall(text):
            parts = name.split(".")
            if parts[-1] == "*":
                folder = "/".join(parts[:-1])
                found |= {p for d, files in self._folders.items()
                          if d == folder or d.endswith("/" + folder)
                          for p in files if p.endswith(".java")}
                continue
            for end in range(len(parts), 1, -1):  # a static import names a member: drop it
                hits = self._suffixes.get("/".join(parts[:end]) + ".java")
                if hits:
                    found |= set(hits)
                    break
        return found


    # Kotlin and Scala ------------------------------------------------------------------------
    def _load_packages(self) -> dict[str, list[str]]:
        """Declared package -> its Kotlin and Scala files (a folder need not match it)."""
        packages: dict[str, list[str]] = {}
        for path in sorted(self.paths):
            if path.endswith(_JVM):
                match = _JVM_PACKAGE.search(self._text(path))
                packages.setdefault(match.group(1) if match else "", []).append(path)
        return packages

    def _jvm_imports(self, text: str) -> set[str]:
        """``import a.b.C`` names the file C.kt (or .scala) of package a.b; ``a.b.*``, ``a.b._``
        and a package's other files are found by the package the files declare."""
        found: set[str] = set()
        for name, group in _JVM_IMPORT.findall(text):
            names = [n.split("=>")[0].strip() for n in group.split(",")] if group else [""]
            for member in names:
                parts = [*name.split("."), *([member] if member else [])]
                if parts[-1] in ("*", "_"):
                    found |= set(self._packages.get(".".join(parts[:-1]), ()))
                    continue
                for end in range(len(parts) - 1, 0, -1):  # a.b.C, or a.b.C.member
                    files = self._packages.get(".".join(parts[:end]), ())
                    hits = {f for f in files
                            if posixpath.basename(f).rsplit(".", 1)[0] == parts[end]}
                    if hits:
                        found |= hits
                        break
        return found

    # Languages whose imports name a path or a module file ---------------------------------
    def _path_imports(self, path: str, text: str) -> set[str]:
        folder = posixpath.dirname(path)
        extension = path.rsplit(".", 1)[1]
        if extension == "swift":  # a module is a target folder: Sources/<Module>/
            return set().union(*(self._swift.get(name, ()) for name in _SWIFT.findall(text)))
        if extension == "dart":
            return set().union(*(self._dart_file(folder, spec) for spec in _DART.findall(text)))
        if extension == "lua":
            return set().union(*(self._by_suffix(name.replace(".", "/"), (".lua", "/init.lua"))
                                 for name in _LUA.findall(text)))
        if extension in ("sh", "bash"):
            return set().union(*(self._relative(folder, spec, also_root=True)
                                 for spec in _SHELL.findall(text)))
        if extension in ("ex", "exs"):  # App.FooBar lives in app/foo_bar.ex
            return set().union(*(self._by_suffix("/".join(
                _CAMEL.sub("_", part).lower() for part in name.split(".")), (".ex",))
                for name in _ELIXIR.findall(text)))
        if extension == "hs":
            return set().union(*(self._by_suffix(name.replace(".", "/"), (".hs",))
                                 for name in _HASKELL.findall(text)))
        if extension in ("jl", "zig"):
            pattern = _JULIA if extension == "jl" else _ZIG
            return set().union(*(self._relative(folder, spec) for spec in pattern.findall(text)))
        # OCaml: a module is its file, Foo_bar in foo_bar.ml, wherever the file is (dune)
        names = {a or b for a, b in _OCAML.findall(text)}
        return {p for name in names for p in self._stems.get(name[:1].lower() + name[1:], ())
                if p.endswith((".ml", ".mli"))}

    def _relative(self, folder: str, spec: str, also_root: bool = False) -> set[str]:
        """The file ``spec`` names next to the importing file (or from the top, for a shell
        script run from there), never outside the repository."""
        found = set()
        for base in (folder, "") if also_root else (folder,):
            candidate = posixpath.normpath(posixpath.join(base, spec))
            if not candidate.startswith("../") and candidate in self.paths:
                found.add(candidate)
        return found

    def _dart_file(self, folder: str, spec: str) -> set[str]:
        if spec.startswith("dart:"):
            return set()
        if spec.startswith("package:"):  # package:name/x.dart is lib/x.dart of that package
            _, _, rest = spec[len("package:"):].partition("/")
            return self._by_suffix("lib/" + rest.removesuffix(".dart"), (".dart",))
        return self._relative(folder, spec)

    def _by_suffix(self, stem: str, endings: tuple[str, ...]) -> set[str]:
        """The files whose path ends in ``stem`` + one of ``endings`` (the first ending that
        matches any), at a folder boundary."""
        for ending in endings:
            wanted = stem + ending
            key = wanted.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            hits = {p for p in self._stems.get(key, ())
                    if p == wanted or p.endswith("/" + wanted)}
            if hits:
                return hits
        return set()


def _go_blocks(text: str) -> list[str]:
    """The insides of the ``import ( ... )`` blocks: each from its opening to the next ``)``.
    Scanned by hand, since a pattern would rescan to the end from every unclosed block."""
    blocks = []
    position = 0
    while (start := _GO_BLOCK_START.search(text, position)) is not None:
        close = text.find(")", start.end())
        if close < 0:
            break  # no block after this one closes either
        blocks.append(text[start.end():close])
        position = close + 1
    return blocks


def _without_comments(text: str) -> str:
    """JSON-with-comments (tsconfig.json) without its ``//`` and ``/* */`` comments, strings
    kept whole. One pass: a pattern would rescan to the end from every unclosed ``/*`` or
    string. An unclosed comment is kept, so the text stays invalid JSON, as it was."""
    kept = []
    done = 0  # text[:done] is decided
    position = 0
    while (special := _JSON_SPECIAL.search(text, position)) is not None:
        at = special.start()
        if text[at] == '"':
            position = _string_end(text, at + 1)
        elif text.startswith("//", at):
            end = text.find("\n", at)
            kept.append(text[done:at])
            done = position = len(text) if end < 0 else end
        elif text.startswith("/*", at):
            end = text.find("*/", at + 2)
            if end < 0:
                break
            kept.append(text[done:at])
            done = position = end + 2
        else:
            position = at + 1
    kept.append(text[done:])
    return "".join(kept)


def _string_end(text: str, position: int) -> int:
    """Just past the ``"`` that closes the string whose text starts at ``position`` (the
    text's end if none does), stepping over backslash escapes."""
    while (special := _JSON_STRING_SPECIAL.search(text, position)) is not None:
        if text[special.start()] == '"':
            return special.start() + 1
        position = special.start() + 2
    return len(text)


def _python_index(paths: set[str]) -> dict[str, list[str]]:
    """Dotted module name -> files, for every Python file under a package root (a folder that
    is not itself a package: the repository's top, ``src/``, ...)."""
    index: dict[str, list[str]] = {}
    for path in sorted(paths):
        if not path.endswith((".py", ".pyi")):
            continue
        parts = path[:-4 if path.endswith(".pyi") else -3].split("/")
        if parts[-1] == "__init__":
            parts.pop()
        for start in range(len(parts)):
            prefix = "/".join(path.split("/")[:start])
            if start and f"{prefix}/__init__.py" in paths:
                continue  # inside a package: not a root a top-level import starts from
            name = ".".join(parts[start:])
            if name:
                index.setdefault(name, []).append(path)
    return index


def related(graph: Graph, changed: Iterable[str], depth: int) -> dict[str, tuple[int, str]]:
    """Files within ``depth`` import steps of ``changed`` (not the changed files themselves):
    path -> (distance, why), where why is ``imports X`` or ``imported by X``."""
    start = sorted(set(changed))
    seen: dict[str, tuple[int, str]] = {path: (0, "changed") for path in start}
    queue = deque(start)
    # a Go package's importers, and its files, are all seen once one file has reached them
    # (breadth first: at the fewest steps); the next file leaves them out
    importers_of: set[str] = set()
    files_of: set[str] = set()
    while queue:
        path = queue.popleft()
        distance = seen[path][0] + 1
        if distance > depth:
            continue
        # the label is printed beside a tree line: the path escaped as the tree escapes it,
        # so a file name cannot write lines of its own (a fake FILE: header)
        name = display(path)
        steps = [(p, f"imports {name}")
                 for p in sorted(graph.imported_by.step(path, importers_of))]
        steps += [(p, f"imported by {name}") for p in sorted(graph.imports.step(path, files_of))]
        for neighbour, why in steps:
            if neighbour not in seen:
                seen[neighbour] = (distance, why)
                queue.append(neighbour)
    return {path: value for path, value in seen.items() if value[0] > 0}
