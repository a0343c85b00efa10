"""The directory tree, drawn in digest order (a folder's files, then its subfolders); under a
tight budget, folders with no file shown, or from a given depth on, are drawn as one line each."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from ..core.paths import display

#: what ``tokens(path)`` gives for a file the digest did not read (only the tree shows it)
UNREAD = -1


@dataclass
class _Folder:
    leaves: list[str] = field(default_factory=list)
    folders: dict[str, _Folder] = field(default_factory=dict)
    #: set when the folder is drawn as one line: the files under it, those read, their tokens
    files: int = 0
    read: int = 0
    tokens: int = 0
    collapsed: bool = False
    #: collapsed because no file under it is shown (said on its line)
    folded: bool = False


def draw_tree(root: str | None, leaves: Iterable[tuple[str, str]], depth: int | None = None,
              tokens: Callable[[str], int | None] = lambda path: 0,
              shown: Collection[str] | None = None) -> str:
    """Draw ``(path, label)`` leaves, given in digest order, under ``root/``.

    ``label`` is what the leaf shows (its name, ``name -> target`` for a link). With no root
    (a single-file source) the leaves stand at the top. With ``depth``, a folder that deep
    (the root is 0, its folders 1) is drawn as ``folder/ (N files, T tokens)``, N and T
    adding up the files under it (T from ``tokens(path)``; a leaf it gives None for, a link
    or a submodule, is not a file; one it gives :data:`UNREAD` for counts in N only), and
    nothing below it is drawn. With ``shown`` (the paths the digest shows), a folder with no
    shown path under it is drawn as one such line too, ``…, none shown)``, at the highest
    level where that holds: every shown file keeps its own line.
    """
    opened = None if shown is None else _ancestors(shown)
    top = _Folder()
    if root is not None and (depth == 0 or (opened is not None and "" not in opened)):
        top.collapsed, top.folded = True, opened is not None and "" not in opened
    directory, folder = "", top  # leaves of one folder come together: find it once for them
    for path, label in leaves:
        parent = path.rpartition("/")[0]
        if parent != directory:
            directory, folder = parent, _find(top, parent, depth, opened)
        if folder.collapsed:
            size = tokens(path)
            if size is not None:
                folder.files += 1
                if size != UNREAD:
                    folder.read += 1
                    folder.tokens += size
        else:
            folder.leaves.append(label)
    pieces: list[str] = []
    if root is None:
        _walk(top, "", pieces)
    elif top.collapsed:
        pieces.append(f"└── {_summary(display(root) + '/', top)}\n")
    else:
        pieces.append(f"└── {display(root)}/\n")
        _walk(top, "    ", pieces)
    # one join of pieces that already exist (a folder's prefix, the branch, the label): a
    # string per line first held the tree a second time (100,000 leaves: 14 MB at the peak)
    return "".join(pieces)


def _ancestors(shown: Collection[str]) -> set[str]:
    """Every folder with a shown path under it ("" the root), by its path."""
    opened = set()
    for path in shown:
        while path:
            path = path.rpartition("/")[0]
            if path in opened:
                break
            opened.add(path)
    return opened


def _find(top: _Folder, parent: str, depth: int | None, opened: set[str] | None) -> _Folder:
    """The folder a leaf of ``parent`` goes in: its own, or the collapsed one above it."""
    folder = top
    if folder.collapsed:
        return folder
    parts = parent.split("/") if parent else []
    for level, part in enumerate(parts, start=1):
        folder = folder.folders.setdefault(part, _Folder())
        if folder.collapsed:
            break
        if opened is not None and "/".join(parts[:level]) not in opened:
            folder.collapsed = folder.folded = True
            break
        if depth is not None and level >= depth:
            folder.collapsed = True
            break
    return folder


def _summary(label: str, folder: _Folder) -> str:
    if not folder.files:  # links and submodules only
        return f"{label} (no files)"
    facts = [f"{folder.files:,} file{'' if folder.files == 1 else 's'}"]
    unread = folder.files - folder.read
    if folder.read:
        facts.append(f"{folder.tokens:,} tokens" + (f" in {folder.read:,} read" if unread else ""))
    elif unread:
        facts.append("not read")
    if folder.folded:
        facts.append("none shown")
    return f"{label} ({', '.join(facts)})"


def _walk(folder: _Folder, prefix: str, pieces: list[str]) -> None:
    children: list[tuple[str, _Folder | None]] = [(leaf, None) for leaf in folder.leaves]
    children += [(display(name) + "/", sub) for name, sub in folder.folders.items()]
    for index, (label, sub) in enumerate(children):
        last = index == len(children) - 1
        if sub is not None and sub.collapsed:
            label, sub = _summary(label, sub), None
        pieces += (prefix, "└── " if last else "├── ", label, "\n")
        if sub is not None:
            _walk(sub, prefix + ("    " if last else "│   "), pieces)
