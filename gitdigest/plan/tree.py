"""The directory tree, drawn in digest order (a folder's files, then its subfolders); under a
tight budget, what the digest does not show is drawn as few lines as it takes (see
:func:`draw_tree`)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from ..core.paths import display

#: what ``tokens(path)`` gives for a file the digest did not read (only the tree shows it)
UNREAD = -1

#: how far :func:`draw_tree` folds what is not shown: each folder with no file shown is one
#: line; so are the files not shown of an open folder too; and then those files together with
#: its folded folders (one line per open folder for all it holds that is not shown)
FOLDERS, FILES, ALL = 1, 2, 3


@dataclass
class _Count:
    """The files one line stands for: how many, those read and their tokens, those shown."""

    files: int = 0
    read: int = 0
    tokens: int = 0
    shown: int = 0

    def add(self, size: int | None, shown: bool) -> None:
        if size is None:  # a link or a submodule: not a file
            return
        self.files += 1
        self.shown += shown
        if size != UNREAD:
            self.read += 1
            self.tokens += size

    def merge(self, other: _Count) -> None:
        self.files += other.files
        self.read += other.read
        self.tokens += other.tokens
        self.shown += other.shown


@dataclass
class _Folder:
    leaves: list[str] = field(default_factory=list)
    folders: dict[str, _Folder] = field(default_factory=dict)
    #: set when the folder is drawn as one line: the files under it
    count: _Count = field(default_factory=_Count)
    collapsed: bool = False
    #: collapsed because no file under it keeps a line
    folded: bool = False
    #: the files of this open folder gathered on one line (``FILES`` and ``ALL``)
    rest: _Count = field(default_factory=_Count)


def draw_tree(root: str | None, leaves: Iterable[tuple[str, str]], depth: int | None = None,
              tokens: Callable[[str], int | None] = lambda path: 0,
              shown: Collection[str] | None = None, *, keep: Collection[str] | None = None,
              fold: int = FOLDERS) -> str:
    """Draw ``(path, label)`` leaves, given in digest order, under ``root/``.

    ``label`` is what the leaf shows (its name, ``name -> target`` for a link). With no root
    (a single-file source) the leaves stand at the top. With ``depth``, a folder that deep
    (the root is 0, its folders 1) is drawn as ``folder/ (N files, T tokens)``, N and T
    adding up the files under it (T from ``tokens(path)``; a leaf it gives None for, a link
    or a submodule, is not a file; one it gives :data:`UNREAD` for counts in N only, and the
    line says how many were read), and nothing below it is drawn.

    With ``shown`` (the paths the digest shows), the files in ``keep`` (default: all of
    ``shown``) keep their own line and what is not shown gives way as ``fold`` says: at
    :data:`FOLDERS` a folder with no kept file under it is one line, ``…, none shown)``, at
    the highest level where that holds; at :data:`FILES` the other files of an open folder
    are one line too, ``8 more files (T tokens, none shown)``, after its kept files and
    folders; at :data:`ALL` that line takes its folded folders too, ``8 more files and 3
    folders (N files, T tokens, none shown)``. A line standing for shown files that are not
    kept says how many, ``2 shown``.
    """
    lines = frozenset(shown if keep is None else keep) if shown is not None else None
    opened = None if lines is None else _ancestors(lines)
    visible = frozenset(shown or ())
    gather = lines is not None and fold >= FILES
    lined = lines or frozenset()
    top = _Folder()
    if root is not None and (depth == 0 or (opened is not None and "" not in opened)):
        top.collapsed, top.folded = True, opened is not None and "" not in opened
    directory, folder = "", top  # leaves of one folder come together: find it once for them
    for path, label in leaves:
        parent = path.rpartition("/")[0]
        if parent != directory:
            directory, folder = parent, _find(top, parent, depth, opened)
        if folder.collapsed:
            folder.count.add(tokens(path), path in visible)
        elif gather and path not in lined:
            size = tokens(path)
            if size is None:  # a link or a submodule keeps its line: it is no file
                folder.leaves.append(label)
            else:
                folder.rest.add(size, path in visible)
        else:
            folder.leaves.append(label)
    told = shown is not None  # each line standing for files says how many are shown
    pieces: list[str] = []
    if root is None:
        _walk(top, "", pieces, fold, told)
    elif top.collapsed:
        pieces.append(f"└── {_summary(display(root) + '/', top.count, told)}\n")
    else:
        pieces.append(f"└── {display(root)}/\n")
        _walk(top, "    ", pieces, fold, told)
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


def _summary(label: str, count: _Count, told: bool, *, files: bool = True) -> str:
    """``label (facts)``: N files (unless ``files`` is False: the label says it), their
    tokens whole, how many were read when not all were, and (``told``) how many of them the
    digest shows."""
    if not count.files:  # links and submodules only
        return f"{label} (no files)"
    facts = [f"{count.files:,} file{'' if count.files == 1 else 's'}"] if files else []
    unread = count.files - count.read
    if count.read and unread:
        facts.append(f"{count.tokens:,} tokens in the {count.read:,} read, {unread:,} not read")
    elif count.read:
        facts.append(f"{count.tokens:,} tokens")
    else:
        facts.append("not read")
    if told:
        facts.append(f"{count.shown:,} shown" if count.shown else "none shown")
    return f"{label} ({', '.join(facts)})"


def _walk(top: _Folder, prefix: str, pieces: list[str], fold: int, told: bool) -> None:
    # a stack of the folders being drawn, not a recursion: a path 1,000 folders deep is valid
    stack = [(_children(top, fold, told), 0, prefix)]
    while stack:
        children, index, prefix = stack.pop()
        if index == len(children):
            continue
        stack.append((children, index + 1, prefix))
        label, sub = children[index]
        last = index == len(children) - 1
        if sub is not None and sub.collapsed:
            label, sub = _summary(label, sub.count, told), None
        pieces += (prefix, "└── " if last else "├── ", label, "\n")
        if sub is not None:
            stack.append((_children(sub, fold, told), 0, prefix + ("    " if last else "│   ")))


def _children(folder: _Folder, fold: int, told: bool) -> list[tuple[str, _Folder | None]]:
    """A folder's lines in order: its leaves, its folders, then the line (``FILES``, ``ALL``)
    that stands for what it holds and does not show."""
    children: list[tuple[str, _Folder | None]] = [(leaf, None) for leaf in folder.leaves]
    rest, others = _Count(), 0
    rest.merge(folder.rest)
    for name, child in folder.folders.items():
        if fold >= ALL and child.folded:
            rest.merge(child.count)
            others += 1
        else:
            children.append((display(name) + "/", child))
    own = folder.rest.files
    if own or others:
        files = f"{own:,} more file{'' if own == 1 else 's'}"
        folders = f"{others:,} folder{'' if others == 1 else 's'}"
        label = (files if not others else f"{files} and {folders}" if own
                 else f"{others:,} more {folders}")
        children.append((_summary(label, rest, True, files=bool(others)), None))
    return children
