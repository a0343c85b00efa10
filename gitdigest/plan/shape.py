"""How the frame gives way under a budget, as the files do.

The frame is everything around the file blocks: the prompt and notes, the summary, the tree,
the Diff and History sections and the Skipped section. Unbudgeted, the tree lists every file
and the Skipped section every path left out, so on a large repository they alone can exceed a
budget (numpy: 111,880 tokens with every file cut). When files compete for a budget (they do
not all fit whole), the tree and the Skipped section together take at most
:data:`FRAME_SHARE` of it; to get there, in turn:

1. the Skipped section becomes one line per reason, its count and first paths, when the whole
   list takes more than a third of that share (JSON and ``--stats`` still list every path);
2. the tree folds what the digest does not show, so every file it shows keeps its line and its
   label, while that tree takes at most what the Skipped section left of the share (the
   room): each folder with no file shown becomes one line at the highest level where that
   holds, ``docs/ (83 files, 61,234 tokens, none shown)`` (T: those files' tokens whole);
   then, over the room still, the files not shown of each open folder are one line
   (``8 more files (…)``); then that line takes the folded folders too; and only then do
   shown files lose their lines, the least important first (see :meth:`.Frame.tree`). The
   kept files are chosen after the shape, so the fold is drawn for each split the planner
   measures. With no file kept the tree is collapsed by depth instead (at depth d every
   folder is one line, ``folder/ (N files, T tokens)``, for the largest d at which the tree
   with every file cut fits the room): the planner's first guess, made with every file cut,
   is not far below the frame any split draws (the exact check corrects the rest);
3. when the frame still takes more than :data:`FILES_FIRST` of the budget (a long prompt, a
   tiny budget), the summary drops its optional lines and the tree and the Skipped section
   go to their smallest (depth 1, then the root alone, folding within what those take).

Each step is said in the summary (a ``Note:`` line). Then the files are fitted in what is left
(:func:`gitdigest.plan.fit.fit`), which checks the exact total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..core.records import Document, FrameShape
from .frame import Frame

#: the most of a budget the tree and the Skipped section take while files compete for it
FRAME_SHARE = 0.15
#: a tree and Skipped section this small stay whole whatever the budget (too little to save)
FRAME_FLOOR = 300
#: the frame may take at most this much of the budget before the summary shortens too
FILES_FIRST = 0.75


def shape_frame(frame: Frame, documents: Sequence[Document], budget: int) -> FrameShape:
    """The fullest frame shape that leaves the files their room in ``budget``; ``frame``
    is left drawing in that shape."""
    frame.reshape(FrameShape(), documents)
    if not _files_compete(frame, documents, budget):  # no file read: the frame may not fit
        return frame.shape
    share = max(int(budget * FRAME_SHARE), FRAME_FLOOR)
    tree = frame.count(frame.tree([], documents))
    skipped = frame.count(frame.skipped_text(documents))
    if tree + skipped <= share:
        return frame.shape
    brief = skipped > share // 3
    if brief:
        frame.reshape(FrameShape(brief_skipped=True))
        skipped = frame.count(frame.skipped_text(documents))
    if tree <= share - skipped:
        return _leaner(frame, documents, budget, FrameShape(None, brief))
    room = share - skipped
    depth = _deepest_fitting(frame, documents, room, brief) if frame.root is not None else None
    return _leaner(frame, documents, budget, FrameShape(depth, brief, fold=True, room=room))


def _files_compete(frame: Frame, documents: Sequence[Document], budget: int) -> bool:
    """Whether not every file fits whole (the frame as it is drawn with all of them kept)."""
    files = sum(d.block_tokens for d in documents)
    return files > budget or files + frame.measure(list(documents), []) > budget


def _deepest_fitting(frame: Frame, documents: Sequence[Document], room: int,
                     brief: bool) -> int:
    """The largest depth at which the tree (every file cut) takes at most ``room`` tokens;
    0 (the root alone) when none does. Trees grow with depth: stop at the first too large."""
    # the files only the tree shows (outside --changed or --focus) may lie deeper
    deepest = max((path.count("/") for path in [*(d.path for d in documents), *frame.context]),
                  default=0)
    found = 0
    for depth in range(1, deepest + 1):
        frame.reshape(FrameShape(depth, brief))
        if frame.count(frame.tree([], documents)) > room:
            break
        found = depth
    return found


def _leaner(frame: Frame, documents: Sequence[Document], budget: int,
            shape: FrameShape) -> FrameShape:
    """``shape``, or leaner ones in turn while the frame (every file cut) takes more than
    :data:`FILES_FIRST` of the budget; the last is the smallest frame there is. A folding
    shape is measured by the tree it falls back to, the largest it draws."""
    root = 0 if frame.root is not None else None
    lean = replace(shape, lean=True)
    ladder = [shape, lean,
              FrameShape(min(shape.depth, 1) if shape.depth is not None else 1, True, True),
              FrameShape(root, True, True)]
    for step in ladder:
        frame.reshape(replace(step, fold=False))
        if frame.measure([], list(documents)) <= budget * FILES_FIRST:
            break
    if any(step is smallest for smallest in ladder[2:]):
        # the smallest trees fold too, within what the depth tree takes: a file kept keeps
        # its line before what is not shown does
        step = replace(step, fold=True, room=frame.count(frame.tree([], documents)))
    frame.reshape(step)
    return frame.shape
