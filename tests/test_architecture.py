"""The house stays one-way: no import cycle inside the package, and the layers that everything
depends on (records, layout) depend on no stage."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "gitdigest"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every gitdigest module ``path`` imports, anywhere in the file (inside functions and
    ``TYPE_CHECKING`` blocks too: an import hidden there is still a dependency)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("gitdigest")}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if not target.startswith("gitdigest"):
                continue
            for alias in node.names:  # `from . import json` names a module
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in MODULES else target)
    return {module for module in found if module in MODULES and module != name}


MODULES = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _cycle() -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(GRAPH[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target):], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(GRAPH):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle() -> None:
    assert _cycle() is None, " -> ".join(_cycle() or [])


def test_the_cycle_finder_finds_cycles() -> None:
    GRAPH["gitdigest.core.records"].add("gitdigest.api")  # api imports records: a cycle
    try:
        assert _cycle() is not None
    finally:
        GRAPH["gitdigest.core.records"].discard("gitdigest.api")


def _reaches(start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in GRAPH[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


@pytest.mark.parametrize(("module", "allowed"), [
    ("gitdigest.core.records", set()),
    ("gitdigest.core.layout", {"gitdigest.core.paths", "gitdigest.core.records"}),
    ("gitdigest.render", {"gitdigest.core.paths", "gitdigest.core.records", "gitdigest.core.layout",
                          "gitdigest.render.text", "gitdigest.render.json",
                          "gitdigest.render.markdown", "gitdigest.render.xml"}),
    ("gitdigest.core.errors", set()),
    ("gitdigest.core.paths", set()),
    ("gitdigest.plan.tree", {"gitdigest.core.paths"}),
    ("gitdigest.sources.gitcmd", {"gitdigest.core.errors", "gitdigest.sources.sandbox"}),
    ("gitdigest.sources.sandbox", set()),
    ("gitdigest.core.textview", set()),
    ("gitdigest.options", {"gitdigest.core.errors", "gitdigest.core.textview",
                           "gitdigest.core.records", "gitdigest.core.strip",
                           "gitdigest.core.grammars"}),
    ("gitdigest.core.strip", {"gitdigest.core.grammars", "gitdigest.core.errors"}),
    ("gitdigest.sources.netguard", {"gitdigest.core.errors"}),
])
def test_foundations_import_no_stage(module: str, allowed: set[str]) -> None:
    assert _reaches(module) <= allowed


# The pipeline's order, as packages: a module may import its own stage, the shared bottom (rank 0)
# and earlier stages, never a later one. The entry points and the surfaces sit on top.
STAGES = {
    "core": 0, "options": 0, "keywords": 0, "notes": 0,
    "sources": 1, "select": 2, "read": 3, "count": 4, "focus": 5, "change": 6, "plan": 7,
    "output": 8, "render": 9,
    "config": 10, "api": 10, "flags": 10, "": 10,  # the package itself: the public API, re-exported
    "batch": 11, "mcp_server": 11, "web": 11, "cli": 12, "__main__": 13,
}


def _stage(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def _order_violations(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{module} -> {target}" for module, targets in graph.items()
                  for target in targets
                  if STAGES[_stage(target)] > STAGES[_stage(module)])


def test_every_module_sits_in_a_stage_package() -> None:
    """Only the entry points, the option declarations (and the flags and keyword types built
    from them) and the config-file surface stay at the top; the rest lives in its stage."""
    assert {_stage(module) for module in MODULES} <= set(STAGES)
    top = {module for module in MODULES if module.count(".") == 1
           and (PACKAGE / f"{_stage(module)}.py").exists()}
    assert top == {"gitdigest.api", "gitdigest.cli", "gitdigest.config", "gitdigest.options",
                   "gitdigest.flags", "gitdigest.keywords", "gitdigest.__main__"}


def test_no_stage_imports_a_later_stage() -> None:
    assert _order_violations(GRAPH) == []


def test_the_order_check_catches_a_backward_import() -> None:
    graph = {"gitdigest.sources.base": {"gitdigest.render.text"}}
    assert _order_violations(graph) == ["gitdigest.sources.base -> gitdigest.render.text"]


# Modules that may start a process, and what they start. git is started by the runner alone
# (gitcmd, through the sandbox); everything else here starts a program that is not git.
PROCESS_STARTERS = {
    "gitdigest.sources.gitcmd": "git, always through sandbox.popen",
    "gitdigest.sources.sandbox": "git, confined (and `git --exec-path` once, to build the rules)",
    "gitdigest.output.clipboard": "the clipboard tools (pbcopy, wl-copy, xclip, xsel, clip.exe)",
    "gitdigest.web.runner": "the web job child: python -m gitdigest.web.job",
    "gitdigest.mcp_server.store": "python -I -c (a grep over a stored digest)",
}
_STARTERS = {
    "subprocess": {"run", "Popen", "call", "check_call", "check_output", "getoutput",
                   "getstatusoutput"},
    "os": {"system", "popen", "fork", "forkpty", "posix_spawn", "posix_spawnp", "execv",
           "execve", "execl", "execle", "execlp", "execlpe", "execvp", "execvpe", "spawnl",
           "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe"},
    "asyncio": {"create_subprocess_exec", "create_subprocess_shell"},
    "pty": {"spawn", "fork"},
    "sandbox": {"popen"},
}


def _process_starts(source: str) -> list[str]:
    """Every call in ``source`` that starts a process (``subprocess.run``, ``os.execv``,
    ``sandbox.popen``...), and every import of such a function by name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else (
                owner.attr if isinstance(owner, ast.Attribute) else "")
            if node.func.attr in _STARTERS.get(name, ()):
                found.append(f"{name}.{node.func.attr} (line {node.lineno})")
        elif isinstance(node, ast.ImportFrom) and node.module:
            module = node.module.rpartition(".")[2]
            found += [f"from {node.module} import {alias.name} (line {node.lineno})"
                      for alias in node.names if alias.name in _STARTERS.get(module, ())]
    return found


def test_only_the_runner_starts_git_and_only_listed_modules_start_anything() -> None:
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        starts = _process_starts(path.read_text(encoding="utf-8"))
        if starts and name not in PROCESS_STARTERS:
            offenders[name] = starts
    assert offenders == {}, ("start git through gitdigest.sources.gitcmd (run_git, open_git, "
                             "GitRun); another program only from a module listed in "
                             f"PROCESS_STARTERS, saying why: {offenders}")
    assert all((PACKAGE.parent / (m.replace(".", "/") + ".py")).exists()
               for m in PROCESS_STARTERS)


def test_the_process_finder_finds_every_form() -> None:
    source = ("import subprocess, os, asyncio\nfrom subprocess import check_output\n"
              "subprocess.run(['git'])\nos.execvp('git', ['git'])\n"
              "asyncio.create_subprocess_exec('git')\nsandbox.popen(['git'])\n"
              "subprocess.CompletedProcess([], 0)\n")
    assert [start.split(" (")[0] for start in _process_starts(source)] == [
        "from subprocess import check_output", "subprocess.run", "os.execvp",
        "asyncio.create_subprocess_exec", "sandbox.popen"]


def test_git_calls_go_through_the_sandbox() -> None:
    runner = (PACKAGE / "sources" / "gitcmd.py").read_text(encoding="utf-8")
    assert [start.split(" (")[0] for start in _process_starts(runner)] == ["sandbox.popen"]
