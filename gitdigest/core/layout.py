"""The text layout of a digest: separators, file headers, the preamble, and the signature that
marks gitdigest's own outputs. It imports nothing from the pipeline, so every stage that needs
the layout (counting, planning, splitting, rendering) can share it without a cycle.

The text format is laid out like gitingest's, so people can switch without surprises::

    <summary lines>

    Directory structure:
    └── repo/
        └── file.py

    ================================================
    FILE: file.py
    ================================================
    <content>

    ================================================
    SKIPPED: 1 path
    ================================================
    logo.png (ignored: default:*.png)

With ``--header``/``--instructions`` the user's prompt comes first, and with ``--with-notes`` the
notes follow it as a ``REFERENCE:`` block, both before the summary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .paths import display, inline
from .records import OWN_OUTPUT, Diff, FrameShape, History, Prologue, Skipped, SourceInfo

SEPARATOR = "=" * 48
#: the frame as drawn without a budget (nothing collapsed or summarised)
WHOLE = FrameShape()
TAIL = "\n\n"


def block_head(path: str, note: str = "") -> str:
    """The lines that open a file's block (``note`` marks a continued chunk)."""
    return f"{SEPARATOR}\nFILE: {display(path)}{note}\n{SEPARATOR}\n"


def view_note(view: str) -> str:
    """What a file's header adds when the file is not shown whole: `` (compressed)``, `` (map)``."""
    return "" if view == "full" else f" ({view})"


#: how long a commit id reads in a one-line label (the digest itself holds the whole id)
SHORT_COMMIT = 12


def _facts(info: SourceInfo, *, short: bool) -> list[tuple[str, str]]:
    """What names a source beyond its name, in the order every surface shows it."""
    facts = [("ref", info.ref)] if info.ref else []
    if info.commit:
        facts.append(("commit", info.commit[:SHORT_COMMIT] if short else info.commit))
    if info.subpath:
        facts.append(("subpath", display(info.subpath)))
    return facts


def source_lines(info: SourceInfo, *, lean: bool = False) -> list[str]:
    """The lines that name the source at the top of a text digest (and of each part), one
    group per source when the digest has several; ``lean`` keeps only the name and the
    commit (a budget too small for the rest)."""
    if info.sections:
        return [line for part in info.sections for line in source_lines(part, lean=lean)]
    lines = [f"Source: {display(info.name)}"]
    if info.kind == "remote" and not lean:
        lines.append(f"URL: {info.location}")
    return lines + [f"{label.capitalize()}: {value}" for label, value in
                    _facts(info, short=lean) if not lean or label == "commit"]


def note_lines(shape: FrameShape) -> list[str]:
    """The summary's ``Note:`` lines, one per step a budget made the frame take (one line in
    all when the summary itself had to shorten)."""
    notes = shape.notes
    if shape.lean and notes:
        return ["Note: " + "; ".join(note.partition(" (")[0] for note in notes)]
    return [f"Note: {note}" for note in notes]


def source_label(info: SourceInfo) -> str:
    """The source in one line, as the digest names it: the folder's name (not ``.``) or
    host/owner/repo, then ref, short commit and subpath (the CLI's summary)."""
    if info.sections:
        return "; ".join(source_label(part) for part in info.sections)
    if info.kind == "remote":
        name = f"{info.host}/{info.repo}" if info.host and info.repo else info.location
        facts = []
    else:
        name = info.name
        facts = ["git" if info.is_git else "not a git repository"]
    facts += [f"{label} {value}" for label, value in _facts(info, short=True)]
    return display(name) + (f" ({', '.join(facts)})" if facts else "")


def preamble(info: SourceInfo, prologue: Prologue, files: int, tree: str,
             part: tuple[int, int] | None = None, sections: str = "",
             shape: FrameShape = WHOLE) -> str:
    """Everything before the first file block. It holds no token total (a count inside the
    counted text could not be exact) and no timestamp. ``sections`` (the Diff and History
    sections, see :func:`change_sections`) follow the tree."""
    return "".join(preamble_parts(info, prologue, files, tree, part, sections, shape))


def preamble_parts(info: SourceInfo, prologue: Prologue, files: int, tree: str,
                   part: tuple[int, int] | None = None, sections: str = "",
                   shape: FrameShape = WHOLE) -> tuple[str, str, str]:
    """:func:`preamble` as what comes before the tree, the tree, and what follows it: the
    tree of 100,000 files is 6 MB in memory, and a copy of it joined to the rest was the
    largest item at a run's peak."""
    out = ""
    if prologue.instructions:
        out += prologue.instructions + "\n\n"
    if prologue.notes is not None:
        out += f"{SEPARATOR}\nREFERENCE: {prologue.notes_title}\n{SEPARATOR}\n"
        out += prologue.notes.rstrip("\n") + "\n\n"
    # notes before "Files:", so the opening still reads as a digest's (see _OPENING)
    lines = [*source_lines(info, lean=shape.lean), *note_lines(shape), f"Files: {files}"]
    if part is not None:
        lines.append(f"Part: {part[0]} of {part[1]}")
    return out + "\n".join(lines) + "\n\nDirectory structure:\n", tree, "\n" + sections


def diff_head(diff: Diff) -> str:
    """The title line of the Diff section."""
    head = diff.head[:12] if diff.head else "working tree"
    return f"DIFF: {display(diff.range)} (base {diff.base[:12]}, head {head})"


def diff_files(diff: Diff) -> str:
    """The Diff section's list of changed files, one line each (like ``git diff --stat``
    with the status in front)."""
    lines = []
    for change in diff.files:
        name = display(change.path)
        if change.old_path is not None:
            name = f"{display(change.old_path)} -> {name}"
        counts = "binary" if change.binary else f"+{change.added} -{change.removed}"
        if change.omitted:
            counts += f"; hunks left out: {change.omitted}"
        lines.append(f"{change.status} {name} ({counts})")
    return "".join(line + "\n" for line in lines)


def history_lines(history: History) -> str:
    """The History section's body: one line per commit, then the files it touched."""
    out = []
    for commit in history.commits:
        who = inline(commit.author) + (f" <{inline(commit.email)}>" if commit.email else "")
        out.append(f"{commit.id[:12]} {commit.date} {who}: {inline(commit.subject)}\n")
        if commit.files:
            out.append("    " + ", ".join(display(p) for p in commit.files) + "\n")
    return "".join(out)


def change_sections(diff: Diff | None, history: History | None) -> str:
    """The Diff and History sections of the text layout, each framed like a file block, so
    the blocks after them add up exactly as they do after the tree."""
    out = ""
    if diff is not None:
        body = diff_files(diff) + ("\n" + diff.patch if diff.patch else "")
        out += f"{SEPARATOR}\n{diff_head(diff)}\n{SEPARATOR}\n{body}{TAIL}"
    if history is not None:
        count = len(history.commits)
        title = f"HISTORY: {display(history.range)} ({count} commit{'' if count == 1 else 's'})"
        out += f"{SEPARATOR}\n{title}\n{SEPARATOR}\n{history_lines(history)}{TAIL}"
    return out


def skipped_section(skipped: Sequence[Skipped], *, brief: bool = False) -> str:
    """The block that ends a text digest (before the trailer): every path left out, one line
    each with its reason and the rule that decided it; "" when nothing was left out (the
    digest's own output file aside). It opens
    with a separator and ends in a blank line, like a file block, so its count adds up with the
    blocks around it (see :mod:`gitdigest.count.tokens`). ``brief``: one line per reason, with
    its count and first paths (:func:`skipped_by_reason`), for a budget too small for them all."""
    # The file this run writes is not the source's: listing it would make a first run and a
    # re-run into the same file differ (JSON's "skipped" still names it).
    skipped = [item for item in skipped if item.detail != OWN_OUTPUT]
    if not skipped:
        return ""
    count = _paths(len(skipped))
    if brief:
        lines = [f"{reason}: {_paths(len(paths))}: " + ", ".join(map(brief_path, paths[:FIRST]))
                 + (", …" if len(paths) > FIRST else "")
                 for reason, paths in skipped_by_reason(skipped)]
        count += ", by reason (first paths shown)"
    else:
        lines = [f"{display(item.path)} ({item.reason}"
                 + (f": {display(item.detail)})" if item.detail else ")") for item in skipped]
    return f"{SEPARATOR}\nSKIPPED: {count}\n{SEPARATOR}\n" + "\n".join(lines) + TAIL


#: how many paths a brief Skipped section names per reason
FIRST = 3


#: the most characters of a path a brief Skipped section shows (a repository's path may be
#: thousands of characters long: three of them must not outgrow any budget)
BRIEF_PATH = 80


def brief_path(path: str) -> str:
    """``path`` as shown, its middle cut to :data:`BRIEF_PATH` characters when longer."""
    shown = display(path)
    if len(shown) <= BRIEF_PATH:
        return shown
    half = (BRIEF_PATH - 1) // 2
    return f"{shown[:half]}…{shown[-half:]}"


def skipped_by_reason(skipped: Sequence[Skipped]) -> list[tuple[str, list[str]]]:
    """Each reason with its paths (in the order given), most paths first, then by name; the
    digest's own output file left out (see :func:`skipped_section`)."""
    groups: dict[str, list[str]] = {}
    for item in skipped:
        if item.detail != OWN_OUTPUT:
            groups.setdefault(item.reason, []).append(item.path)
    return sorted(groups.items(), key=lambda group: (-len(group[1]), group[0]))


def _paths(count: int) -> str:
    return f"{count:,} path{'' if count == 1 else 's'}"


def part_header(info: SourceInfo, index: int, total: int) -> str:
    """The opening of parts after the first when a digest is split."""
    return "\n".join([*source_lines(info), f"Part: {index} of {total}"]) + "\n\n"


#: The last line of every text, Markdown and statistics output and of every split part: what
#: tells an earlier output from a file, whatever options made it (a prompt or the notes first,
#: part 2 of 5). JSON and XML outputs are known by their fixed opening.
TRAILER = "<!-- end of a gitdigest digest -->\n"

# How outputs began before the trailer existed (and how JSON and XML always begin).
_OPENING = re.compile(
    r'(?:Source: [^\n]*\n(?:[A-Z][a-z]*: [^\n]*\n)*Files: \d+\n\nDirectory structure:\n'
    r'|\{"version": \d+,\n "source": \{'
    r'|\{\n "version": \d+,\n "tokenizer": '
    r'|<\?xml version="1\.0" encoding="UTF-8"\?>\n<digest>\n'
    r'|# Digest: [^\n]*\n\n- Source: )'
)


def is_digest(text: str) -> bool:
    """True when ``text`` is an output gitdigest wrote (so re-runs never digest old outputs)."""
    return (text[-4096:].rstrip().endswith(TRAILER.rstrip())
            or _OPENING.match(text[:4096]) is not None)
