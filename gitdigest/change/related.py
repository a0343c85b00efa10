"""The code around a change: an import graph of the repository's Python, JavaScript/TypeScript,
Go, Rust and Java files, resolved inside the repository only, and the files a few steps from
the changed ones.

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
from collections.abc import Callable, Iterable

_PY_IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w. \t,]+)", re.MULTILINE)
_PY_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]*"
                      r"(\([^)]*\)|[^\n#;]+)", re.MULTILINE)
_JS = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*|^\s*import\s+)"""
                 r"""['"]([^'"\n]+)['"]""", re.MULTILINE)
_GO_BLOCK = re.compile(r"^import\s*\(([^)]*)\)", re.MULTILINE)
_GO_ONE = re.compile(r'^import\s+(?:[\w.]+\s+)?"([^"]+)"', re.MULTILINE)
_GO_SPEC = re.compile(r'"([^"]+)"')
_GO_MODULE = re.compile(r"^module\s+(\S+)", re.MULTILINE)
_RS_MOD = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", re.MULTILINE)
_RS_USE = re.compile(r"\buse\s+((?:crate|super|self)(?:::\w+)+)")
_JAVA = re.compile(r"^\s*import\s+(?:static\s+)?([\w.]+(?:\.\*)?)\s*;", re.MULTILINE)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")  # tsconfig is JSON with comments and commas
_JSON_COMMENT = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/', re.DOTALL)

_JS_EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
LANGUAGE_EXTENSIONS = (".py", ".pyi", *_JS_EXTENSIONS, ".go", ".rs", ".java")

Read = Callable[[str], str | None]


class Graph:
    """Which repository file imports which, built from the files' text."""

    def __init__(self, paths: Iterable[str], read: Read) -> None:
        self.paths = set(paths)
        self.imports: dict[str, set[str]] = {}
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
        self._tsconfigs = self._load_tsconfigs()
        self._go = self._load_go_modules()
        for path in sorted(self.paths):
            if path.endswith(LANGUAGE_EXTENSIONS):
                found = self._imports_of(path) - {path}
                if found:
                    self.imports[path] = found
        self.imported_by: dict[str, set[str]] = {}
        for path, targets in self.imports.items():
            for target in targets:
                self.imported_by.setdefault(target, set()).add(path)

    def _text(self, path: str) -> str:
        if path not in self._texts:
            self._texts[path] = self._read(path)
        return self._texts[path] or ""

    def _imports_of(self, path: str) -> set[str]:
        text = self._text(path)
        if path.endswith((".py", ".pyi")):
            return self._python_imports(path, text)
        if path.endswith(_JS_EXTENSIONS):
            return self._js_imports(path, text)
        if path.endswith(".go"):
            return self._go_imports(text)
        if path.endswith(".rs"):
            return self._rust_imports(path, text)
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
                data = json.loads(_TRAILING_COMMA.sub(r"\1", _JSON_COMMENT.sub(
                    lambda m: m.group(0) if m.group(0).startswith('"') else "",
                    self._text(path))))
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
        specs = [*_GO_ONE.findall(text)]
        for block in _GO_BLOCK.findall(text):
            specs += _GO_SPEC.findall(block)
        found: set[str] = set()
        for spec in specs:
            for module, folder in self._go:
                if spec == module or spec.startswith(module + "/"):
                    target = posixpath.join(folder, spec[len(module):].strip("/")).strip("/")
                    found |= {p for p in self._folders.get(target, ())
                              if p.endswith(".go") and not p.endswith("_test.go")}
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
    while queue:
        path = queue.popleft()
        distance = seen[path][0] + 1
        if distance > depth:
            continue
        steps = [(p, f"imports {path}") for p in sorted(graph.imported_by.get(path, ()))]
        steps += [(p, f"imported by {path}") for p in sorted(graph.imports.get(path, ()))]
        for neighbour, why in steps:
            if neighbour not in seen:
                seen[neighbour] = (distance, why)
                queue.append(neighbour)
    return {path: value for path, value in seen.items() if value[0] > 0}
