"""Splitting a text digest into parts of at most N tokens each.

Every file lands in exactly one part, in digest order; a file too large for any part is cut on
line boundaries (inside a line only when one line alone is too large), and each later chunk
opens with ``FILE: path (continued)``. Part 1 carries the summary and tree; every part says
``Part: i of n``. Each part's exact token count is checked before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from ..core.errors import BudgetTooSmall, UsageError
from ..core.layout import (
    TAIL,
    TRAILER,
    block_head,
    change_sections,
    part_header,
    preamble,
    skipped_section,
    view_note,
)
from ..core.records import DigestData
from ..count.tokens import TokenCounter
from ..output.sink import open_sink

CONTINUED = " (continued)"
_PESSIMISTIC_TOTAL = 999_999  # parts are planned with the widest "Part: i of n" header


@dataclass(frozen=True)
class Piece:
    """A whole file (``text`` None: read it when writing) or one chunk of a large file."""

    path: str
    tokens: int
    index: int
    text: str | None = None
    note: str = ""


def part_names(output: str, count: int) -> list[str]:
    """``digest.txt`` -> ``digest.1.txt``, ``digest.2.txt``, ..."""
    path = Path(output)
    stem, suffix = (path.stem, path.suffix) if path.suffix else (path.name, "")
    return [str(path.with_name(f"{stem}.{i}{suffix}")) for i in range(1, count + 1)]


def plan_parts(digest: DigestData, limit: int) -> list[list[Piece]]:
    """Pieces grouped into parts, each part within ``limit`` tokens, exactly."""
    counter = TokenCounter(digest.tokenizer)
    margin = 0
    for _ in range(8):  # BPE is not monotonic: re-plan with a margin if a header surprised us
        parts = _pack(digest, limit - margin, counter, limit)
        over = max(_part_tokens(digest, parts, i, counter) - limit for i in range(len(parts)))
        if over <= 0:
            return parts
        margin += over
    raise UsageError(f"could not split the digest into parts of {limit:,} tokens")


def _header(digest: DigestData, index: int, total: int) -> str:
    if index == 1:  # the Skipped list follows the tree, so the part that has it has both
        return preamble(digest.source, digest.prologue, len(digest.files), digest.tree,
                        (1, total), change_sections(digest.diff, digest.history), digest.shape
                        ) + skipped_section(digest.skipped, brief=digest.shape.brief_skipped)
    return part_header(digest.source, index, total)


def _part_tokens(digest: DigestData, parts: list[list[Piece]], index: int,
                 counter: TokenCounter) -> int:
    frame = _header(digest, index + 1, len(parts)) + TRAILER  # a safe break joins them
    return counter.count(frame) + sum(piece.tokens for piece in parts[index])


def _pack(digest: DigestData, limit: int, counter: TokenCounter, asked: int
          ) -> list[list[Piece]]:
    """Pieces into parts of at most ``limit`` tokens (``asked`` is what the user typed; the
    limit may be lower by a margin). Part 1 always carries the summary and the tree, even
    when no file fits beside them."""
    first = counter.count(_header(digest, 1, _PESSIMISTIC_TOTAL) + TRAILER)
    later = counter.count(_header(digest, _PESSIMISTIC_TOTAL, _PESSIMISTIC_TOTAL) + TRAILER)
    if first >= limit or later >= limit:
        what, tokens = (("the summary and tree", first) if first >= limit
                        else ("a part's header", later))
        raise BudgetTooSmall(f"--split-tokens {asked:,} is too small: {what} alone take "
                             f"{tokens:,} tokens")
    parts: list[list[Piece]] = [[]]
    room = limit - first
    for index, document in enumerate(digest.files):
        if document.block_tokens <= limit - later:
            pieces = [Piece(document.path, document.block_tokens, index,
                            note=view_note(document.view))]
        else:
            pieces = _chunks(document.path, digest.content(document), limit - later, counter,
                             index)
        for piece in pieces:
            if piece.tokens > room:
                parts.append([])
                room = limit - later
            parts[-1].append(piece)
            room -= piece.tokens
    return [parts[0], *(part for part in parts[1:] if part)]


def _chunks(path: str, text: str, room: int, counter: TokenCounter, index: int) -> list[Piece]:
    """Cut ``text`` on line boundaries into blocks of at most ``room`` tokens each."""
    lines = text.splitlines(keepends=True)
    estimate = [0, *accumulate(counter.count(line) for line in lines)]
    pieces: list[Piece] = []
    start = 0
    while start < len(lines):
        note = CONTINUED if pieces else ""
        head = block_head(path, note)
        space = room - counter.count(head + TAIL)
        end = start + 1
        while end < len(lines) and estimate[end + 1] - estimate[start] <= space:
            end += 1
        while True:  # the estimate can be off where lines join: confirm exactly, back off
            chunk = "".join(lines[start:end])
            tokens = counter.count(head + chunk + TAIL)
            if tokens <= room or end == start + 1:
                break
            end -= 1
        if tokens <= room:
            pieces.append(Piece(path, tokens, index, chunk, note))
        else:  # one line alone is too large: cut it by characters
            pieces += _cut_line(path, lines[start], room, counter, index, bool(pieces))
        start = end
    return pieces


def _cut_line(path: str, line: str, room: int, counter: TokenCounter, index: int,
              continued: bool) -> list[Piece]:
    pieces: list[Piece] = []
    position = 0
    while position < len(line):
        note = CONTINUED if continued or pieces else ""
        head = block_head(path, note)
        low, high = position + 1, len(line)
        while low < high:  # the longest stretch that fits, by exact counts
            middle = (low + high + 1) // 2
            if counter.count(head + line[position:middle] + TAIL) <= room:
                low = middle
            else:
                high = middle - 1
        chunk = line[position:low]
        pieces.append(Piece(path, counter.count(head + chunk + TAIL), index, chunk, note))
        position = low
    return pieces


def write_parts(digest: DigestData, limit: int, output: str) -> list[str]:
    """Write the parts next to ``output`` and return their paths."""
    if output == "-":
        raise UsageError("--split-tokens writes files: give -o FILE, not -o -")
    parts = plan_parts(digest, limit)
    names = part_names(output, len(parts))
    for number, (name, part) in enumerate(zip(names, parts, strict=True), start=1):
        with open_sink(name) as out:
            out.write(_header(digest, number, len(parts)))
            for piece in part:
                text = piece.text
                if text is None:
                    text = digest.content(digest.files[piece.index])
                out.write(block_head(piece.path, piece.note) + text + TAIL)
            out.write(TRAILER)
    return names
