"""Documents: read each selected file, decode it, and count its tokens, on all cores.

1. Every file's key (its git blob id, hashed here for working-tree files) is looked up in the
   token cache; when everything hits, the tokenizer is never loaded.
2. The misses are read, decoded and counted by a pool of forked processes that share the
   tokenizer loaded once in the parent (copy-on-write): largest files first, each result
   taken as it is done, and put back in digest order.

Texts are not kept: the render pass reads and decodes again with the charset found here, so
memory follows the largest file, not the repository. The exception is small files that are
shown exactly as their bytes: the workers send those bytes back, up to a fixed total, so a
repository of many small files is not opened a second time by the (serial) render pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from ..core.layout import TAIL, block_head, is_digest
from ..core.records import EARLIER_OUTPUT, Document, Entry, Secret, Skipped, text_sha256
from ..core.textview import Transform
from ..core.workers import can_fork, forked_pool, worker_count, worth_parallel
from ..read import secrets
from ..read.decode import decode, decode_as
from ..read.notebook import notebook_to_text
from ..select import generated
from ..sources.base import Progress, Source, Step, no_progress
from .cache import Counts, Row, TokenCache, blob_id, cache_key
from .tokens import TokenCounter, get_core, load_in_background

BINARY_DETAIL = "NUL or control bytes, or no text encoding fits"
_PROBE = 32  # files looked up before deciding whether the cache is warm
_reader_in_worker: Reader | None = None
#: the entries being counted and the tasks cut from them, for forked workers
_work_in_worker: tuple[Sequence[Entry], list[list[int]]] = ([], [])
_PLACEHOLDER = Entry("", "file")
_STAGE = "reading, scanning and counting"
_REPORT_EVERY = 0.1  # seconds between progress reports
_KEEP_FILE = 16 * 1024  # a file this small is kept as bytes for the render pass...
_KEEP_TOTAL = 16 * 1024 * 1024  # ...while all kept files stay under this
_TASK_BYTES = 4 * 1024 * 1024  # the most bytes of files in one task (but one file may be more)


#: one file's result: the document or why it is skipped, its token-cache key (from its blob
#: id; None without a cache), and its bytes when it is small and shown as they are (for the
#: render pass)
Analyzed = tuple["Document | Skipped", "str | None", "bytes | None"]


class Also(Protocol):
    """A later stage's work on each counted file's exact text while it is in memory (in the
    worker that counted it: the outline pass reads nothing again), and the keeper of its
    results in the parent."""

    def __call__(self, document: Document, text: str) -> Any:
        """The work on one file, in the worker; None when there is nothing to keep."""

    def keep(self, path: str, made: Any) -> None:
        """Take one file's result, in the parent, as results arrive."""


@dataclass(frozen=True, slots=True)
class _Staged:
    """A file read and decoded, waiting for its scan and count."""

    entry: Entry
    size: int
    text: str
    kind: Literal["text", "notebook"]
    charset: str
    key: str | None
    small: bytes | None


@dataclass(frozen=True)
class TextSettings:
    """What the options do to a file's text, derived from their declarations: ``key`` names
    every option that changes a shown text or its count (for the token cache), ``transforms``
    are applied in order after decoding."""

    key: str = ""
    notebook_outputs: bool = False
    transforms: tuple[Transform, ...] = ()
    #: what to do with secrets: ``redact``, ``exclude`` or ``off`` (see :mod:`.secrets`)
    secrets: str = "redact"
    #: read files whose head says they are generated, and minified ones (else skipped)
    keep_generated: bool = False


class Reader:
    """Turns entries into documents (or skips) for one source and one tokenizer."""

    def __init__(self, source: Source, counter: TokenCounter, text: TextSettings,
                 *, cache: TokenCache | None = None, progress: Progress = no_progress,
                 also: Also | None = None) -> None:
        self.source = source
        #: a later stage's work on each text counted, done while the text is in memory
        self.also = also
        #: what ``also`` made and the parent has not been handed yet, by path
        self._made: dict[str, Any] = {}
        #: called in the parent only, never from a worker
        self.progress = progress
        self.counter = counter
        self.cache = cache or TokenCache(None)
        self.text = text
        # Files from git objects and from disk can differ for one blob id (end-of-line
        # conversion at checkout), so where the bytes came from is part of the key, as is size.
        origin = "objects" if source.from_git_objects else "disk"
        self._variant = f"{text.key}|{origin}"
        #: bytes of small files shown as they are, by path (see the module's docstring)
        self._kept: dict[str, bytes] = {}
        self._kept_bytes = 0

    def analyze(self, entries: Sequence[Entry], workers: int | None = None, *,
                enough: Callable[[], bool] | None = None) -> list[Document | Skipped]:
        """One result per entry, in the order given. ``enough`` is asked as results come in:
        once it holds, the files not done yet are left out (the workers stop at once, and
        what is done is cached all the same)."""
        results: list[Document | Skipped | None] = [None] * len(entries)
        keys = self._known_keys(entries, results)
        pending = [i for i, result in enumerate(results) if result is None]
        learned: list[Row] = []
        fresh = self._count([entries[i] for i in pending], workers)
        total = sum(entries[i].size for i in pending)
        done, shown = 0, 0.0
        for position, (result, key, raw) in fresh:  # in the order they finish
            index = pending[position]
            results[index] = result
            if raw is not None and self._kept_bytes + len(raw) <= _KEEP_TOTAL:
                self._kept[entries[index].path] = raw
                self._kept_bytes += len(raw)
            done += entries[index].size
            if time.monotonic() - shown >= _REPORT_EVERY or done == total:
                shown = time.monotonic()  # a callback per file would flood 100,000-file runs
                self.progress(Step(_STAGE, done, total, "bytes"))
            key = keys.get(index) or key
            row = _row(key, result) if key else None
            if row is not None:
                learned.append(row)
            if enough is not None and enough():
                fresh.close()  # stops the workers at once
                break
        self.cache.put_rows(learned, later=True)  # written while the digest is rendered
        return [r for r in results if r is not None]

    def _known_keys(self, entries: Sequence[Entry], results: list[Document | Skipped | None]
                    ) -> dict[int, str]:
        """Fill ``results`` from the cache; return the keys computed on the way. Entries whose
        blob id git already knows are looked up for free; the others must be read to be keyed,
        so a probe of them decides first whether the cache is warm: a cold run skips that extra
        read and lets the workers key what they count."""
        if self.cache.empty:  # nothing can hit: no probe (it would read a 50 MB file here)
            return {}
        keys: dict[int, str] = {}
        known = [i for i, entry in enumerate(entries) if entry.oid]
        unknown = [i for i, entry in enumerate(entries) if not entry.oid]
        probe = unknown[:_PROBE]
        self._look_up(entries, known + probe, keys, results)
        hits = sum(1 for i in probe if results[i] is not None)
        if len(unknown) > len(probe) and hits * 2 >= len(probe):
            self._look_up(entries, unknown[len(probe):], keys, results)
        self._look_up_as_read(entries, [i for i in known if results[i] is None], keys, results)
        return keys

    def _look_up_as_read(self, entries: Sequence[Entry], misses: list[int],
                         keys: dict[int, str], results: list[Document | Skipped | None]
                         ) -> None:
        """Look the misses among files git's index has an id for up again, by the id of
        their bytes on disk. A first run asks the index for no ids (see ``index_oids`` in
        the API) and keys each file by what it reads; where the bytes on disk are not the
        blob (``eol=crlf``, a clean filter: numpy's ``doc/make.bat``), the second run's key
        differed, and that one file loaded the tokenizer and the scanner (0.85 s and 149 MB
        instead of 0.47 s and 44 MB on numpy). A probe of the smallest misses decides first:
        when the cache simply lacks them (another tokenizer, new commits), reading them all
        would be wasted."""
        misses.sort(key=lambda i: entries[i].size)
        probe = misses[:_PROBE]
        found = self._look_up_by_content(entries, probe, keys, results)
        if len(misses) > len(probe) and found * 2 >= len(probe):
            self._look_up_by_content(entries, misses[len(probe):], keys, results)

    def _look_up_by_content(self, entries: Sequence[Entry], indices: list[int],
                            keys: dict[int, str], results: list[Document | Skipped | None]
                            ) -> int:
        """Fill ``results`` by the keys of the bytes read; remember each hit under the
        index's key too, so the next run finds it without reading. Returns the hits."""
        as_read: dict[int, str] = {}
        for index in indices:
            try:
                oid = blob_id(self.source.read(entries[index]))
            except OSError:
                continue  # counting reads it again and says why it is skipped
            if oid != entries[index].oid:
                as_read[index] = self._entry_key(entries[index], oid)
        known = self.cache.get_many(as_read.values())
        moved: list[tuple[str, Counts]] = []
        for index, key in as_read.items():
            counts = known.get(key)
            if counts is not None:
                results[index] = _from_counts(entries[index], counts, self.text.secrets)
                moved.append((keys[index], counts))
        self.cache.put_many(moved)
        return len(moved)

    def _look_up(self, entries: Sequence[Entry], indices: list[int], keys: dict[int, str],
                 results: list[Document | Skipped | None]) -> None:
        for index in indices:
            key_or_skip = self._key(entries[index])
            if isinstance(key_or_skip, Skipped):
                results[index] = key_or_skip
            else:
                keys[index] = key_or_skip
        known = self.cache.get_many(keys[i] for i in indices if i in keys)
        for index in indices:
            counts = known.get(keys.get(index, ""))
            if counts is not None:
                results[index] = _from_counts(entries[index], counts, self.text.secrets)

    def _key(self, entry: Entry) -> str | Skipped:
        oid = entry.oid
        if oid is None:
            try:
                oid = blob_id(self.source.read(entry))
            except OSError as error:
                return Skipped(entry.path, "unreadable", error.strerror or str(error))
        return self._entry_key(entry, oid)

    def _entry_key(self, entry: Entry, oid: str) -> str:
        return cache_key(self._variant, oid, str(entry.size), entry.path)

    def _count(self, entries: list[Entry], workers: int | None
               ) -> Generator[tuple[int, Analyzed], None, None]:
        """Each entry's position and result, in the order they are done."""
        workers = worker_count(workers)
        size = sum(entry.size for entry in entries)
        if entries:
            self.progress("loading the tokenizer" + (
                " and the secret scanner" if self.text.secrets != "off" else "") + "...")
            self._load_engines()
            self.progress(Step(_STAGE, 0, size, "bytes"))
        if not worth_parallel(workers, len(entries), size):
            for task in _tasks(entries, 1, in_order=True):
                yield from zip(task, self.analyze_batch([entries[i] for i in task]),
                               strict=True)
                self._hand_over(self._made)
        elif can_fork():
            yield from self._in_processes(entries, workers)
        else:  # no safe fork: threads (tiktoken releases the GIL while it encodes)
            with ThreadPoolExecutor(max_workers=workers) as pool:
                yield from enumerate(pool.map(self.analyze_keyed, entries))
            self._hand_over(self._made)

    def _hand_over(self, made: dict[str, Any]) -> None:
        """Give ``also``'s results to its keeper, in the parent (and forget them here)."""
        if self.also is not None:
            for path, value in made.items():
                self.also.keep(path, value)
        made.clear()

    def _load_engines(self) -> None:
        """Load the tokenizer and the secret scanner side by side (both mostly outside the
        GIL), here in the parent: forked workers share their pages, and no thread may still be
        loading when we fork."""
        wait = secrets.load_in_background() if self.text.secrets != "off" else None
        get_core(self.counter.name)
        if wait is not None:
            wait()

    def _in_processes(self, entries: list[Entry], workers: int
                      ) -> Generator[tuple[int, Analyzed], None, None]:
        global _reader_in_worker, _work_in_worker
        tasks = _tasks(entries, workers)
        # forked workers find the entries in memory: a task is only its number (pickling
        # 100,000 entries to send them cost the parent ~9 µs each)
        _reader_in_worker, _work_in_worker = self, (entries, tasks)
        try:
            with forked_pool(workers, _start_worker) as pool:
                done = pool.imap_unordered(_analyze_in_worker, range(len(tasks)))
                for task, answers, made in done:
                    self._hand_over(made)
                    for position, (result, key, raw) in zip(tasks[task], answers, strict=True):
                        entry = entries[position]
                        yield position, (Document(entry, *result) if isinstance(result, tuple)
                                         else result, key, raw)
        finally:
            _reader_in_worker, _work_in_worker = None, ([], [])

    def analyze_keyed(self, entry: Entry) -> Analyzed:
        """Read, decode and count one file; with the blob id for the cache (hashed from the same
        read when git did not know it), and the bytes of a small file shown as they are."""
        return self.analyze_batch([entry])[0]

    def analyze_batch(self, entries: Sequence[Entry]) -> list[Analyzed]:
        """:meth:`analyze_keyed` for each entry, in phases: every file read and decoded, then
        every one scanned, then every one counted. The scanner's and the tokenizer's tables
        then each stay in the CPU's caches; file by file they evicted each other, and a small
        file cost 85 µs instead of 55 µs. A batch's texts are held together: callers bound
        its bytes (see :func:`_tasks`)."""
        staged = [self._stage(entry) for entry in entries]
        mode = self.text.secrets
        scans = {i: secrets.apply(item.text, item.entry.path, mode)
                 for i, item in enumerate(staged) if isinstance(item, _Staged)}
        counted: list[tuple[Document, str]] | None = [] if self.also is not None else None
        done = [self._finish(item, scans[i], counted) if isinstance(item, _Staged) else item
                for i, item in enumerate(staged)]
        if self.also is not None and counted:  # a phase of its own, like the scan and count
            for document, text in counted:
                made = self.also(document, text)
                if made is not None:
                    self._made[document.path] = made
        return done

    def _stage(self, entry: Entry) -> _Staged | Analyzed:
        """A file read, decoded and ready to scan; or its result when it needs no scan."""
        try:
            data = self.source.read(entry)
        except OSError as error:
            return Skipped(entry.path, "unreadable", error.strerror or str(error)), None, None
        key = None
        if self.cache.enabled:
            key = self._entry_key(entry, entry.oid or blob_id(data))
        size = len(data)
        decoded = decode(data)
        small = data if size <= _KEEP_FILE else None
        del data  # a huge file should not be held twice, as bytes and as text
        if decoded is None:
            return Skipped(entry.path, "binary", BINARY_DETAIL), key, None
        if is_digest(decoded.text):
            return Skipped(entry.path, "excluded", EARLIER_OUTPUT), key, None
        made = None if self.text.keep_generated else generated.by_text(entry.path, decoded.text)
        if made is not None:
            return Skipped(entry.path, *made), key, None
        notebook = self._notebook(entry.path, decoded.text)
        if notebook is not None:
            return _Staged(entry, size, notebook, "notebook", decoded.charset, key, small)
        return _Staged(entry, size, decoded.text, "text", decoded.charset, key, small)

    def _finish(self, item: _Staged, scan: tuple[str | None, list[secrets.Finding]],
                counted: list[tuple[Document, str]] | None = None) -> Analyzed:
        """The staged file's result once scanned: withheld, or transformed and counted (and
        then added to ``counted`` with its text)."""
        entry = item.entry
        shown, findings = scan
        found = tuple(Secret(entry.path, f.line, f.rule) for f in findings)
        if shown is None:
            return (Skipped(entry.path, secrets.REASON, _withheld(self.text.secrets, found),
                            found), item.key, None)
        text = self._transformed(shown, entry.path)
        tokens, framed = self.counter.count_block(block_head(entry.path), text, TAIL)
        document = Document(entry, item.size, tokens, framed, item.charset, item.kind, found,
                            text_sha256(text))
        if counted is not None:
            counted.append((document, text))
        return document, item.key, item.small if self._shown_as_bytes(document) else None

    def _shown_as_bytes(self, document: Document) -> bool:
        """Whether the digest shows exactly the file's bytes (UTF-8 text, nothing changed)."""
        return (document.charset == "utf-8" and document.kind == "text"
                and not self.text.transforms and not document.secrets)

    def _notebook(self, path: str, text: str) -> str | None:
        if not path.lower().endswith(".ipynb"):
            return None
        return notebook_to_text(text, outputs=self.text.notebook_outputs)

    def _transformed(self, text: str, path: str) -> str:
        for transform in self.text.transforms:
            text = transform(text, path)
        return text

    def load_raw(self, document: Document) -> bytes | None:
        """The file's bytes when they are exactly the digest text in UTF-8 (the common case),
        so a renderer can copy them without decoding and encoding again; else None."""
        if not self._shown_as_bytes(document):
            return None
        kept = self._kept.get(document.path)
        return kept if kept is not None else self.source.read(document.entry)

    def read_ahead(self, documents: Sequence[Document]) -> None:
        """Tell the source which files the render pass reads next (the kept ones it does
        not read at all)."""
        self.source.read_ahead([d.entry for d in documents if d.path not in self._kept])

    def load(self, document: Document) -> str:
        """The exact text that was counted, read and decoded again."""
        text = decode_as(self.source.read(document.entry), document.charset)
        if document.kind == "notebook":
            text = notebook_to_text(text, outputs=self.text.notebook_outputs) or ""
        if document.secrets:  # found when counting: find them again (offsets are not kept)
            text = secrets.redact(text, secrets.scan(text, document.path))
        return self._transformed(text, document.path)


def preload(tokenizer: str | None, secrets_mode: str) -> None:
    """Start loading the tokenizer (unless None) and the secret scanner in the background
    while the main thread waits on something else (a remote fetch). A failure is not reported
    here: counting loads them again, for real, and says what went wrong then."""
    if tokenizer is not None:
        load_in_background(tokenizer)
    if secrets_mode != "off":
        secrets.load_in_background()


def _start_worker() -> None:
    assert _reader_in_worker is not None
    _reader_in_worker.source.reopen()


def _tasks(entries: Sequence[Entry], workers: int, *, in_order: bool = False
           ) -> list[list[int]]:
    """Positions of ``entries`` cut into tasks of bounded bytes (a task's texts are held
    together, see :meth:`Reader.analyze_batch`), largest files first unless ``in_order``: the
    big files start at once, and the last tasks to finish are small, so no core waits at the
    end for one that drew a 1 MB file late (in listing order, numpy's four LAPACK files came
    in one task). Small files go many to a task: fewer round trips."""
    order = (range(len(entries)) if in_order
             else sorted(range(len(entries)), key=lambda i: -entries[i].size))
    most_files = max(4, len(entries) // (workers * 64))
    most_bytes = min(max(sum(entry.size for entry in entries) // (workers * 64), 1),
                     _TASK_BYTES)
    tasks: list[list[int]] = [[]]
    held = 0
    for position in order:
        if tasks[-1] and (len(tasks[-1]) >= most_files
                          or held + entries[position].size > most_bytes):
            tasks.append([])
            held = 0
        tasks[-1].append(position)
        held += entries[position].size
    return tasks


#: one file's result as a worker sends it: a document's fields other than its entry
Answer = tuple["tuple[Any, ...] | Skipped", "str | None", "bytes | None"]


def _analyze_in_worker(number: int) -> tuple[int, list[Answer], dict[str, Any]]:
    assert _reader_in_worker is not None
    entries, tasks = _work_in_worker
    answers: list[Answer] = []
    for result, key, raw in _reader_in_worker.analyze_batch([entries[i] for i in tasks[number]]):
        if isinstance(result, Document):
            # the parent has the entry: send back only the other fields, as a plain tuple (a
            # tuple pickles and rebuilds several times faster than a dataclass, per file)
            answers.append(((result.bytes, result.tokens, result.block_tokens, result.charset,
                             result.kind, result.secrets, result.sha256), key, raw))
        else:
            answers.append((result, key, raw))
    made, _reader_in_worker._made = _reader_in_worker._made, {}  # sent once, with its task
    return number, answers, made


def _withheld(mode: str, found: tuple[Secret, ...]) -> str:
    rules = ", ".join(f"{s.rule} at line {s.line}" for s in found)
    if mode == "exclude":
        return f"holds {len(found)} secret{'' if len(found) == 1 else 's'} ({rules})"
    return f"nothing but a secret ({rules})"


def _row(key: str, result: Document | Skipped) -> Row | None:
    """What the cache stores for ``result`` (see :class:`~.cache.Counts`), or None."""
    found = " ".join(f"{s.line}:{s.rule}" for s in result.secrets) if result.secrets else ""
    if isinstance(result, Document):
        return (key, result.kind, result.charset, result.tokens, result.block_tokens, found,
                result.sha256)
    if result.reason == "binary":
        return (key, "binary", "", 0, 0, "", "")
    if result.reason == secrets.REASON:
        return (key, secrets.REASON, "", 0, 0, found, "")
    return None  # unreadable or an earlier output: decided afresh every time


def _from_counts(entry: Entry, counts: Counts, mode: str) -> Document | Skipped:
    found = tuple(Secret(entry.path, int(line), rule) for line, _, rule in
                  (item.partition(":") for item in counts.secrets.split()))
    if counts.kind == "binary":
        return Skipped(entry.path, "binary", BINARY_DETAIL)
    if counts.kind == secrets.REASON:
        return Skipped(entry.path, secrets.REASON, _withheld(mode, found), found)
    kind: Any = counts.kind
    return Document(entry, entry.size, counts.tokens, counts.block_tokens, counts.charset, kind,
                    found, counts.sha256)

