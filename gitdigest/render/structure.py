"""``--tree-only``: the repository's shape without its contents, for a first look at one too
large to read: the source, the totals and the tree, every folder with its files and tokens and
every file with its tokens (repomix ``--no-files``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.layout import TRAILER, source_lines
from ..core.paths import display, readable
from ..core.records import DigestData
from ..output.sink import open_sink
from .json import visible


@dataclass
class Folder:
    """A folder's files (name to tokens) and subfolders, and the totals under it."""

    files: dict[str, int] = field(default_factory=dict)
    folders: dict[str, Folder] = field(default_factory=dict)
    count: int = 0
    tokens: int = 0
    bytes: int = 0


def shape(digest: DigestData) -> Folder:
    """The included files as a tree of folders, totals added up at every level."""
    top = Folder()
    for document in digest.files:
        *parts, name = document.path.split("/")
        folder = top
        for level in (top, *_descend(top, parts)):
            level.count += 1
            level.tokens += document.tokens
            level.bytes += document.bytes
            folder = level
        folder.files[name] = document.tokens
    return top


def _descend(top: Folder, parts: list[str]) -> list[Folder]:
    chain, folder = [], top
    for part in parts:
        folder = folder.folders.setdefault(part, Folder())
        chain.append(folder)
    return chain


def _label(name: str, folder: Folder) -> str:
    files = f"{folder.count:,} file{'' if folder.count == 1 else 's'}"
    return f"{display(name)}/ ({files}, {folder.tokens:,} tokens)"


def _draw(top: Folder, prefix: str, lines: list[str]) -> None:
    # a stack of the folders being drawn, not a recursion: a path 1,000 folders deep is valid
    stack = [(_children(top), 0, prefix)]
    while stack:
        children, index, prefix = stack.pop()
        if index == len(children):
            continue
        stack.append((children, index + 1, prefix))
        name, sub, tokens = children[index]
        last = index == len(children) - 1
        branch = "└── " if last else "├── "
        if sub is None:
            lines.append(f"{prefix}{branch}{display(name)} ({tokens:,} tokens)")
        else:
            lines.append(f"{prefix}{branch}{_label(name, sub)}")
            stack.append((_children(sub), 0, prefix + ("    " if last else "│   ")))


def _children(folder: Folder) -> list[tuple[str, Folder | None, int]]:
    children: list[tuple[str, Folder | None, int]] = [
        (name, None, tokens) for name, tokens in folder.files.items()]
    return children + [(name, sub, 0) for name, sub in folder.folders.items()]


def render_text(digest: DigestData) -> str:
    """The source lines, the totals, the sized tree and the skipped paths counted by reason."""
    top = shape(digest)
    lines = [*source_lines(digest.source),
             f"Files: {top.count:,} ({top.tokens:,} tokens of file contents, "
             f"{digest.tokenizer}; {top.bytes:,} bytes)", "", "Directory structure:",
             "└── " + _label(digest.source.name, top)]
    _draw(top, "    ", lines)
    reasons: dict[str, int] = {}
    for skip in digest.skipped:
        reasons[skip.reason] = reasons.get(skip.reason, 0) + 1
    if reasons:
        lines += ["", f"Skipped: {len(digest.skipped):,} paths ("
                  + ", ".join(f"{reason} {n:,}" for reason, n in sorted(reasons.items())) + ")"]
    return "\n".join(lines) + "\n\n" + TRAILER


def _as_json(name: str, top: Folder) -> dict[str, object]:
    tree: dict[str, object] = {}
    todo = [(name, top, tree)]  # a stack, not a recursion: the tree is as deep as the paths
    while todo:
        name, folder, node = todo.pop()
        children: list[dict[str, object]] = [
            {"name": readable(n), "tokens": t} for n, t in folder.files.items()]
        node.update(name=readable(name), files=folder.count, tokens=folder.tokens,
                    bytes=folder.bytes, children=children)
        for n, sub in folder.folders.items():
            children.append({})
            todo.append((n, sub, children[-1]))
    return tree


def render_json(digest: DigestData) -> str:
    """The sized tree as nested JSON (a folder has ``children``; a file has only tokens)."""
    return dumps({
        "version": 1, "tokenizer": digest.tokenizer, "source": digest.source.name,
        "commit": digest.source.commit, "tree": _as_json(digest.source.name, shape(digest)),
        "skipped": [{"path": readable(s.path), "reason": s.reason} for s in digest.skipped],
    }) + "\n"


def dumps(value: object) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=1)``, hidden characters escaped as the
    JSON digest escapes them (:func:`visible`), with a stack of what is left to write instead
    of json's recursion, which a tree 500 folders deep exhausts."""
    out: list[str] = []
    todo: list[str | tuple[object, int]] = [(value, 0)]
    while todo:
        task = todo.pop()
        if isinstance(task, str):
            out.append(task)
            continue
        item, depth = task
        if isinstance(item, dict) and item:
            pairs = [(visible(key) + ": ", sub)
                     for key, sub in item.items()]
            opener, closer = "{", "}"
        elif isinstance(item, list) and item:
            pairs = [("", sub) for sub in item]
            opener, closer = "[", "]"
        else:
            out.append(visible(item))
            continue
        inner = "\n" + " " * (depth + 1)
        steps: list[str | tuple[object, int]] = []
        for index, (key, sub) in enumerate(pairs):
            steps += [("," if index else opener) + inner + key, (sub, depth + 1)]
        steps.append("\n" + " " * depth + closer)
        todo += reversed(steps)
    return "".join(out)


def render(digest: DigestData) -> str:
    """The structure: JSON with ``-f json``, else text."""
    return render_json(digest) if digest.format == "json" else render_text(digest)


def write(digest: DigestData, output: str) -> None:
    """Write the structure to ``output``."""
    with open_sink(output) as out:
        out.write(render(digest))
