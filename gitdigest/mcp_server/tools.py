"""What each MCP tool does, as plain Python over the library API (no MCP types here).

Every answer is a :class:`Reply`: text for the model, and structured data matching the CLI's
JSON (without file contents). No answer exceeds the response cap: a longer result is stored
and its first page returned, with a note that says the cap and how to read on.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..api import Digest, open_digest
from ..core.errors import UsageError
from ..core.paths import display, parents, readable
from ..count.encoding import counting
from ..count.tokens import TokenCounter
from ..focus import compress
from ..notes import notes_text
from ..notes.models import format_table, models
from ..options import Options
from ..render import stats
from ..render.json import VERSION, source_block
from ..sources.netguard import NetworkPolicy
from ..sources.urls import has_credentials, looks_remote
from .params import FORBIDDEN_CHOICES, WITHHELD, names
from .store import Page, Store, Stored, split_lines, text_spans

#: tokens kept free in a page for the note that says how to go on
NOTE_ALLOWANCE = 250
#: entries of each list (files, skipped, secrets) in a structured answer
LIST_LIMIT = 200


@dataclass(frozen=True)
class Limits:
    """What the server allows one call (its command line sets these)."""

    #: folders local sources may come from
    roots: tuple[Path, ...]
    allow_private_hosts: bool = False
    #: the most tokens one answer may hold
    response_tokens: int = 20_000
    #: seconds one call may run (also the limit of each git network operation)
    call_timeout: float = 300.0
    max_total_size: int = 256 * 1024 * 1024
    max_files: int = 50_000

    def policy(self) -> NetworkPolicy:
        """The sources a call may open: the shared policy of every server surface."""
        return NetworkPolicy(allow_private=self.allow_private_hosts, local_roots=self.roots)


@dataclass
class Reply:
    """One tool answer: text for the model and structured data."""

    text: str
    data: dict[str, Any] = field(default_factory=dict)


class Tools:
    """The tools, over one store of large results."""

    def __init__(self, limits: Limits, store: Store | None = None) -> None:
        self.limits = limits
        self.counter = TokenCounter("o200k_base")  # what the cap is counted in
        # an answer's text and its structured JSON together stay within the cap (clients may
        # hand the model either or both): a quarter for the JSON, the rest for the text
        self.data_cap = limits.response_tokens // 4
        self.store = store or Store(self.counter,
                                    limits.response_tokens - self.data_cap - NOTE_ALLOWANCE,
                                    grep_timeout=min(limits.call_timeout, 30.0))

    # -- building a run ---------------------------------------------------------------------

    def options(self, values: Mapping[str, Any]) -> tuple[Options, list[str]]:
        """Options from a tool's arguments, under the server's limits; with notes on what the
        limits changed. Withheld options and forbidden choices are refused by name."""
        given = {k: v for k, v in values.items() if v is not None}
        for name in given:
            if name in WITHHELD:
                raise UsageError(f"{name} is not accepted here: {WITHHELD[name]}")
            if name not in names():
                raise UsageError(f"unknown argument {name!r}")
        for name, forbidden in FORBIDDEN_CHOICES.items():
            if given.get(name) in forbidden:
                raise UsageError(f"{name}={given[name]!r} is not allowed here: secret redaction "
                                 "cannot be turned off through this server")
        given["source"] = self._source(str(given.get("source", "")))
        notes: list[str] = []
        options = Options.create(**given)
        limits = self.limits
        capped: dict[str, Any] = {
            "timeout": min(options.timeout, limits.call_timeout),
            "max_total_size": min(options.max_total_size or limits.max_total_size,
                                  limits.max_total_size),
            "max_files": min(options.max_files or limits.max_files, limits.max_files),
        }
        for name, value in capped.items():
            asked = given.get(name)
            if asked is not None and getattr(options, name) != value:
                shown = f"{value:,}" if isinstance(value, int) else f"{value:g}"
                notes.append(f"{name} lowered to this server's limit of {shown}")
        return dataclasses.replace(options, **capped), notes

    def _source(self, spec: str) -> str:
        """A relative local path is relative to the first allowed folder (the project), not to
        wherever the server was started; anything else goes to the library as it is."""
        if not spec:
            raise UsageError("source is empty: give a folder or a repository URL")
        if has_credentials(spec):
            raise UsageError("a repository URL cannot carry credentials here: this server "
                             "sends only the token its operator bound to a host "
                             "(GITDIGEST_TOKEN with GITDIGEST_TOKEN_HOSTS)")
        if looks_remote(spec) or os.path.isabs(spec):
            return spec
        for root in self.limits.roots:
            if os.path.lexists(root / spec):
                return str(root / spec)
        return spec

    # -- tools --------------------------------------------------------------------------------

    def digest(self, values: Mapping[str, Any]) -> Reply:
        """The digest, stored; its first page (or all of it) and the structured summary."""
        options, notes = self.options(values)
        with open_digest(options, policy=self.limits.policy()) as result:
            result.materialize()
        text = result.render()
        files = {document.path: content for document, content in result.contents()}
        spans = text_spans(text, list(files)) if options.format == "text" else []
        stored = self.store.put(text, f"digest of {result.source.name} ({options.format})",
                                files, spans)
        data = structured(result)
        data.update(notes=[*result.notes, *notes])
        return self._answer(stored, data, notes=[*result.notes, *notes])

    def stats(self, values: Mapping[str, Any]) -> Reply:
        """Tokens per folder and per file."""
        options, notes = self.options(values)
        with open_digest(options, policy=self.limits.policy()) as result:
            text = stats.render_text(result)
            data = structured(result)
        folders, files = stats.tables(result)
        data["folders"] = [asdict(row) for row in folders[:LIST_LIMIT]]
        data["largest"] = [asdict(row) for row in files[:LIST_LIMIT]]
        stored = self.store.put(text, f"token table of {result.source.name}")
        return self._answer(stored, data, notes)

    def tree(self, values: Mapping[str, Any]) -> Reply:
        """The directory tree the digest would show."""
        options, notes = self.options(values)
        with open_digest(options, policy=self.limits.policy()) as result:
            data = structured(result)
            data["tree"] = result.tree
        stored = self.store.put(result.tree, f"tree of {result.source.name}")
        return self._answer(stored, data, notes)

    def map(self, values: Mapping[str, Any]) -> Reply:
        """The repository map (``--map``): each file's key definitions, most important (or, with
        ``query``, most relevant) first, within ``max_tokens`` (default 4,000). Without the
        compress extra: the tree with each file's and folder's tokens, and a note saying so."""
        options, notes = self.options(values)
        ranked = compress.available()
        if ranked:
            options = dataclasses.replace(options, map=True)
        else:
            notes.append("the compress extra is not installed here: this is the tree with "
                         "tokens, not the ranked map of definitions")
        with open_digest(options, policy=self.limits.policy()) as result:
            text = result.render("text") if ranked else repository_map(result)
            data = structured(result)
        stored = self.store.put(text, f"map of {result.source.name}")
        return self._answer(stored, data, notes)

    def read_digest(self, ident: str, start_line: int | None, end_line: int | None,
                    path: str | None) -> Reply:
        """A stored result by line range, or one file of a stored digest."""
        stored = self.store.get(ident)
        data: dict[str, Any] = {"id": stored.id, "uri": stored.uri, "lines": stored.lines,
                                "tokens": stored.tokens}
        if path is not None:  # the line range is then within that file
            content = self.store.read_file(stored, path)
            lines = split_lines(content)
            if not lines:
                return Reply(f"{display(path)} is empty.", {**data, "path": path})
            page = self.store.fit(lines, start_line or 1, end_line)
            data.update(path=path, file_lines=page.total, start_line=page.start,
                        end_line=page.end, truncated=page.cut)
            return Reply(self._with_note(page, stored, path), data)
        page = self.store.page(stored, start_line or 1, end_line)
        data.update(start_line=page.start, end_line=page.end, truncated=page.cut)
        return Reply(self._with_note(page, stored), data)

    def grep_digest(self, ident: str, pattern: str, context: int, max_matches: int) -> Reply:
        """Lines of a stored result that match a regular expression, with context lines."""
        if context < 0 or max_matches < 1:
            raise UsageError("context must be 0 or more and max_matches 1 or more")
        stored = self.store.get(ident)
        blocks, total = self.store.grep(stored, pattern, context, max_matches)
        head = (f"{total} matching line{'s' if total != 1 else ''} in digest {stored.id}"
                + (f"; the first {len(blocks)} shown" if total > len(blocks) else ""))
        body = head + "\n" + "".join(f"{block}\n--\n" for block in blocks)
        page = self.store.fit(split_lines(body))
        text = page.text
        if page.cut:
            text += (f"\n[truncated at the response cap of {self.limits.response_tokens:,} "
                     "tokens: narrow the pattern, lower context or max_matches]")
        return Reply(text, {"id": stored.id, "matches": total, "shown": len(blocks),
                            "truncated": page.cut or total > len(blocks)})

    def notes(self, lang: str) -> Reply:
        """The bundled LLM reference notes."""
        text = notes_text(lang)
        return self._text(text, f"notes ({lang})", {"lang": lang})

    def models(self, tokenizer: str) -> Reply:
        """The model table."""
        rows = [{"name": m.name, "full_name": m.full_name, "developer": m.developer,
                 "context_window": m.context_window, "counting": counting(m, tokenizer)}
                for m in models()]
        return self._text(format_table(tokenizer, lambda m: counting(m, tokenizer)),
                          "model table", {"models": rows})

    # -- answers ------------------------------------------------------------------------------

    def _text(self, text: str, title: str, data: dict[str, Any]) -> Reply:
        if self.counter.count(text) <= self.store.cap:
            return Reply(text, data)
        return self._answer(self.store.put(text, title), data, [])

    def _answer(self, stored: Stored, data: dict[str, Any], notes: list[str]) -> Reply:
        """The first page of a stored result (all of it when it fits), with the note."""
        page = self.store.page(stored) if stored.lines else Page("", 1, 0, 0, 0, False)
        data.update(id=stored.id, uri=stored.uri, lines=stored.lines,
                    result_tokens=stored.tokens, truncated=page.cut)
        data = unicode_values(data)
        _fit_data(data, self.counter, self.data_cap)
        text = self._with_note(page, stored)
        if notes:
            text = "".join(f"Note: {note}\n" for note in notes) + text
        return Reply(text, data)

    def _with_note(self, page: Page, stored: Stored, path: str | None = None) -> str:
        """The page, and what it is: the stored id, or where it stopped and how to go on."""
        if not page.cut:
            if path is not None:
                return page.text
            return page.text + (f"\n[stored as id {stored.id}, {stored.tokens:,} tokens; "
                                f"resource {stored.uri}]")
        where = f"{display(path)}: " if path is not None else ""
        again = f", path={json.dumps(path)}" if path is not None else ""
        return (page.text + ("" if page.text.endswith("\n") else "\n")
                + f"[truncated: {where}lines {page.start}-{page.end} of {page.total} shown "
                f"({page.tokens:,} tokens); this server's response cap is "
                f"{self.limits.response_tokens:,} tokens per answer. The whole result "
                f"({stored.tokens:,} tokens) is stored as id {stored.id}: continue with "
                f"read_digest(id=\"{stored.id}\"{again}, start_line={page.end + 1})"
                + ("]" if path is not None else
                   f", read one file with read_digest(id=\"{stored.id}\", path=\"<file>\")"
                   f", or search with grep_digest(id=\"{stored.id}\", pattern=\"...\")]"))


def structured(result: Digest) -> dict[str, Any]:
    """The CLI's JSON contract without file contents (and without the tree)."""
    data: dict[str, Any] = {
        "version": VERSION, "source": source_block(result), "tokenizer": result.tokenizer,
        "summary": asdict(result.summary), "budget": result.budget,
        "over_budget": result.over_budget,
        "files": [{"path": d.path, "bytes": d.bytes, "tokens": d.tokens, "charset": d.charset}
                  for d in result.files],
        "skipped": [{"path": s.path, "reason": s.reason, "detail": s.detail}
                    for s in result.skipped],
        "secrets": [{"path": s.path, "line": s.line, "rule": s.rule} for s in result.secrets],
    }
    return data


def unicode_values(value: Any) -> Any:
    """``value`` with every string made valid Unicode (:func:`readable`): a name that is not
    UTF-8 (a file, a link's target) holds surrogates that no JSON encoder writes, and the SDK
    failing to send one answer ended the whole server."""
    if isinstance(value, str):
        return readable(value)
    if isinstance(value, dict):
        return {key: unicode_values(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [unicode_values(item) for item in value]
    return value


def _fit_data(data: dict[str, Any], counter: TokenCounter, cap: int) -> None:
    """Shorten the long lists of a structured answer until it fits ``cap``; ``<name>_total``
    says how long a shortened list was (the text answer and the stored result have it all)."""
    for limit in (LIST_LIMIT, 50, 10, 0):
        if counter.count(json.dumps(data)) <= cap:
            return
        for name in ("files", "skipped", "secrets", "folders", "largest"):
            value = data.get(name)
            if isinstance(value, list) and len(value) > limit:
                data.setdefault(f"{name}_total", len(value))
                data[name] = value[:limit]
    if isinstance(data.get("tree"), str) and counter.count(json.dumps(data)) > cap:
        data["tree"] = None  # in the text answer and the stored result
        data["tree_stored"] = True


def repository_map(result: Digest) -> str:
    """Each folder and file with its tokens, in digest order: the map where the compress extra
    (and so the ranked map) is missing."""
    totals: dict[str, list[int]] = {}
    for document in result.files:
        for folder in parents(document.path):
            row = totals.setdefault(folder, [0, 0])
            row[0] += document.tokens
            row[1] += 1
    out = [f"{result.source.name}/ ({result.summary.tokens:,} tokens in the whole digest; "
           f"{len(result.files)} files; {result.tokenizer})"]
    shown: set[str] = set()
    for document in result.files:
        for folder in parents(document.path):
            if folder and folder not in shown:
                shown.add(folder)
                tokens, count = totals[folder]
                depth = folder.count("/") + 1
                name = display(folder.rsplit("/", 1)[-1])
                out.append(f"{'  ' * depth}{name}/ ({tokens:,} tokens, {count} files)")
        depth = document.path.count("/") + 1
        out.append(f"{'  ' * depth}{display(document.path.rsplit('/', 1)[-1])} "
                   f"({document.tokens:,})")
    return "\n".join(out) + "\n"
