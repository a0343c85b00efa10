"""Large results kept on disk and read back a page at a time.

A model's window is finite: a tool never answers with more than the response cap (in tokens),
so a digest is stored under an id (a hash of its text) in the cache folder and read back by
line range, by file, or through a regular expression. Every cut answer says where it stopped
and how to go on.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import UsageError
from ..core.layout import SEPARATOR
from ..core.paths import cache_dir, display, readable
from ..count.tokens import TokenCounter

_ID = re.compile(r"[0-9a-f]{12}")


def _read(path: Path) -> str:
    # written with surrogatepass: a digest's text can hold lone surrogates from JSON escapes
    return path.read_text(encoding="utf-8", errors="surrogatepass")


@dataclass(frozen=True)
class Stored:
    """One stored result: its text file and what it is."""

    id: str
    title: str
    lines: int
    tokens: int
    folder: Path

    @property
    def uri(self) -> str:
        """The MCP resource that serves the whole text."""
        return f"gitdigest://digest/{self.id}"

    def text(self) -> str:
        """The whole stored text."""
        return _read(self.folder / f"{self.id}.txt")

    def meta(self) -> dict[str, Any]:
        """What was stored beside the text: the title, spans and file contents."""
        data: dict[str, Any] = json.loads(_read(self.folder / f"{self.id}.json"))
        return data


@dataclass(frozen=True)
class Page:
    """Lines ``start`` to ``end`` (1-based, inclusive) of a stored text, at most the cap."""

    text: str
    start: int
    end: int
    total: int
    tokens: int
    cut: bool


class Store:
    """Stored results under ``folder`` (default ``<cache>/mcp``), the newest ``keep`` kept."""

    def __init__(self, counter: TokenCounter, cap: int, folder: Path | None = None,
                 keep: int = 64, grep_timeout: float = 30.0) -> None:
        self.counter = counter
        self.grep_timeout = grep_timeout
        self.cap = cap
        self.folder = folder or cache_dir() / "mcp"
        self.keep = keep

    def put(self, text: str, title: str, files: dict[str, str] | None = None,
            spans: list[tuple[str, int]] | None = None) -> Stored:
        """Store ``text`` (with the files it shows, for reading by path, and where each file's
        text starts, for naming the file of a grep match)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        ident = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        lines = len(split_lines(text))
        tokens = self.counter.count(text)
        meta = {"title": title, "lines": lines, "tokens": tokens, "files": files or {},
                "spans": spans or []}
        for suffix, body in ((".json", json.dumps(meta, ensure_ascii=False)), (".txt", text)):
            temporary = self.folder / f".{ident}{suffix}.{os.getpid()}"
            temporary.write_text(body, encoding="utf-8", errors="surrogatepass", newline="")
            temporary.replace(self.folder / f"{ident}{suffix}")
        self._prune()
        return Stored(ident, title, lines, tokens, self.folder)

    def get(self, ident: str) -> Stored:
        """The stored result ``ident``; a clear error for an unknown or malformed id."""
        if not _ID.fullmatch(ident) or not (self.folder / f"{ident}.txt").is_file():
            raise UsageError(f"no stored digest {ident!r}; digest again to get a new id "
                             "(the newest results are kept)")
        meta = json.loads(_read(self.folder / f"{ident}.json"))
        return Stored(ident, meta["title"], meta["lines"], meta["tokens"], self.folder)

    def recent(self) -> list[Stored]:
        """Stored results, newest first."""
        if not self.folder.is_dir():
            return []
        found = sorted(self.folder.glob("*.txt"), key=lambda p: p.stat().st_mtime, reverse=True)
        out = []
        for path in found:
            try:
                out.append(self.get(path.stem))
            except (UsageError, OSError, ValueError, KeyError):
                continue  # pruned or half-written by another server meanwhile
        return out

    def _prune(self) -> None:
        found = sorted(self.folder.glob("*.txt"), key=lambda p: p.stat().st_mtime, reverse=True)
        for path in found[self.keep:]:
            path.unlink(missing_ok=True)
            path.with_suffix(".json").unlink(missing_ok=True)

    def page(self, stored: Stored, start: int = 1, end: int | None = None) -> Page:
        """Lines ``start`` to ``end`` of ``stored``, cut at the response cap."""
        return self.fit(split_lines(stored.text()), start, end)

    def fit(self, lines: list[str], start: int = 1, end: int | None = None) -> Page:
        """Lines ``start``..``end`` (1-based) of ``lines``, as many as fit in the cap. Counts
        line by line, then exactly: a page never exceeds the cap."""
        total = len(lines)
        if start < 1 or (total and start > total):
            raise UsageError(f"start_line must be from 1 to {total}, got {start}")
        last = total if end is None else min(end, total)
        if last < start and total:
            raise UsageError(f"end_line {end} is before start_line {start}")
        wanted = lines[start - 1:last]
        whole = "".join(wanted)
        if self.counter.count(whole) <= self.cap:  # the usual case: no line-by-line count
            return Page(whole, start, start + len(wanted) - 1, total, self.counter.count(whole),
                        cut=False)
        taken: list[str] = []
        used = 0
        for line in wanted:
            cost = self.counter.count(line)
            if used + cost > self.cap and taken:
                break
            taken.append(line)
            used += cost
        while len(taken) > 1 and self.counter.count("".join(taken)) > self.cap:
            taken.pop()
        text = "".join(taken)
        if taken and self.counter.count(text) > self.cap:  # one line longer than the cap
            text = _cut_to(self.counter, text, self.cap)
        stop = start + len(taken) - 1
        return Page(text, start, stop, total, self.counter.count(text),
                    cut=stop < last or text != "".join(taken))

    def read_file(self, stored: Stored, path: str) -> str:
        """One file's text as the digest shows it."""
        files: dict[str, str] = stored.meta()["files"]
        if path not in files:  # a name not UTF-8: as JSON gives it (U+FFFD) or text shows it
            path = next((name for name in files if path in (readable(name), display(name))),
                        path)
        if path not in files:
            near = [name for name in files if name.endswith(path.lstrip("./"))][:5]
            hint = f"; did you mean {', '.join(near)}" if near else ""
            raise UsageError(f"{path!r} is not a file in digest {stored.id}{hint}")
        return files[path]

    def grep(self, stored: Stored, pattern: str, context: int, limit: int
             ) -> tuple[list[str], int]:
        """Matches of ``pattern`` with ``context`` lines around each, as text blocks (at most
        ``limit``), and how many lines matched in all."""
        try:
            re.compile(pattern)
        except (re.error, RecursionError, OverflowError) as error:
            raise UsageError(f"invalid regular expression {pattern!r}: {error}") from None
        lines = [line.rstrip("\n") for line in split_lines(stored.text())]
        hits = [index for index in _matching(stored.folder / f"{stored.id}.txt", pattern,
                                             self.grep_timeout) if index < len(lines)]
        spans = [(str(path), int(first)) for path, first in stored.meta()["spans"]]
        blocks = []
        for index in hits[:limit]:
            where = _file_at(spans, index + 1)
            label = f"line {index + 1}" + (f" ({display(where[0])}:{where[1]})" if where else "")
            around = range(max(0, index - context), min(len(lines), index + context + 1))
            body = "\n".join(f"{n + 1}{':' if n == index else '-'} {lines[n]}" for n in around)
            blocks.append(f"{label}\n{body}")
        return blocks, len(hits)


# Matching runs in a child process: Python's regex engine backtracks, and a pattern a model
# wrote ("(a|a)*b") could otherwise keep a server thread busy forever.
_GREP = """
import json, re, sys
regex = re.compile(sys.argv[1])
with open(sys.argv[2], encoding="utf-8", errors="surrogatepass", newline="") as text:
    lines = text.read().split("\\n")
print(json.dumps([i for i, line in enumerate(lines) if regex.search(line)]))
"""


def _matching(path: Path, pattern: str, timeout: float) -> list[int]:
    """Indexes of the lines of ``path`` that ``pattern`` matches, within ``timeout`` seconds."""
    try:
        done = subprocess.run([sys.executable, "-I", "-c", _GREP, pattern, str(path)],
                              capture_output=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        raise UsageError(f"the pattern {pattern!r} took longer than {timeout:g} seconds; "
                         "simplify it") from None
    except subprocess.CalledProcessError as error:
        last = (error.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        raise UsageError(f"the pattern {pattern!r} failed: {last}") from None
    hits: list[int] = json.loads(done.stdout)
    return hits


def _file_at(spans: list[tuple[str, int]], line: int) -> tuple[str, int] | None:
    """The file (and its own line number) that digest line ``line`` belongs to."""
    found = None
    for path, first in spans:
        if first > line:
            break
        found = (path, line - first + 1)
    return found


def _cut_to(counter: TokenCounter, text: str, cap: int) -> str:
    """The longest prefix of ``text`` within ``cap`` tokens (binary search on characters)."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if counter.count(text[:middle]) <= cap:
            low = middle
        else:
            high = middle - 1
    return text[:low]


def split_lines(text: str) -> list[str]:
    """Lines as git and editors number them: split after each newline only (a form feed or a
    U+2028 inside a line does not start a new one), each keeping its newline."""
    return [line for line in re.split(r"(?<=\n)", text) if line]


def text_spans(text: str, paths: list[str]) -> list[tuple[str, int]]:
    """Where each file's text starts (1-based line) in a text-format digest: the header of the
    next expected file, in digest order, so text inside a file cannot shift the others."""
    spans: list[tuple[str, int]] = []
    lines = text.split("\n")
    expected = iter(paths)
    want = next(expected, None)
    for index in range(len(lines) - 2):
        if want is None:
            break
        if (lines[index] == SEPARATOR and lines[index + 2] == SEPARATOR
                and lines[index + 1] == f"FILE: {display(want)}"):
            spans.append((want, index + 4))
            want = next(expected, None)
    return spans
