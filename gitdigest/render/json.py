"""The JSON digest: the stable contract for tools and CI (documented in the README)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from typing import Any, TextIO

from ..core.paths import readable
from ..core.records import Diff, DigestData, History, SourceInfo

VERSION = 1


def visible(value: Any, indent: int | None = None) -> str:
    """``value`` as JSON, UTF-8 as it is, except a character a screen does not show as itself
    (a bidirectional override, a zero-width or other format character, a separator: what
    :meth:`str.isprintable` refuses), written as its ``\\u`` escape: every JSON reader gets
    the same strings (the real paths), and a person reading the file sees no name disguised
    as another (Trojan Source)."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    # json.dumps escapes control characters in strings: a raw newline is indentation
    hidden = "".join(sorted(char for char in set(text) if not char.isprintable() and char != "\n"))
    if not hidden:
        return text
    return re.sub(f"[{re.escape(hidden)}]", lambda found: json.dumps(found[0])[1:-1], text)


def source_block(digest: DigestData) -> dict[str, Any]:
    """The ``source`` object."""
    block = _info_block(digest.source)
    if digest.source.sections:  # several sources: each with the section its paths start with
        block["sections"] = [{"section": readable(part.name), **_info_block(part)}
                             for part in digest.source.sections]
    return block


def _info_block(info: SourceInfo) -> dict[str, Any]:
    return {"kind": info.kind, "location": info.location, "ref": info.ref,
            "commit": info.commit, "subpath": readable(info.subpath), "host": info.host,
            "repo": info.repo}


def summary_block(digest: DigestData) -> dict[str, Any]:
    """The ``summary`` object: the totals and the content's fingerprint."""
    return {**asdict(digest.summary), "fingerprint": digest.fingerprint}


def diff_block(diff: Diff) -> dict[str, Any]:
    """The ``diff`` object: the range, both commits, every file and the redacted patch."""
    files = [{"path": readable(c.path), "old_path": c.old_path and readable(c.old_path),
              "status": c.status, "added": c.added, "removed": c.removed, "binary": c.binary,
              "omitted": c.omitted}
             for c in diff.files]
    return {"range": diff.range, "base": diff.base, "head": diff.head, "files": files,
            "patch": diff.patch, "tokens": diff.tokens}


def history_block(history: History) -> dict[str, Any]:
    """The ``history`` object: the commits, newest first."""
    commits = [{"id": c.id, "date": c.date, "author": c.author, "email": c.email,
                "subject": c.subject, "files": [readable(p) for p in c.files]}
               for c in history.commits]
    return {"range": history.range, "commits": commits, "tokens": history.tokens}


def render(digest: DigestData, out: TextIO) -> None:
    """Write the JSON digest, streaming the files array."""
    out.write(f'{{"version": {VERSION},\n "source": {visible(source_block(digest))},\n'
              f' "tokenizer": {visible(digest.tokenizer)},\n'
              f' "summary": {visible(summary_block(digest))},\n')
    if digest.shape.notes:  # how a budget made the tree and the summary give way
        out.write(f' "budget_notes": {visible(digest.shape.notes)},\n')
    if digest.prologue.instructions:  # optional keys: present only when asked for
        out.write(f' "instructions": {visible(digest.prologue.instructions)},\n')
    if digest.prologue.notes is not None:
        out.write(f' "notes": {visible(digest.prologue.notes)},\n')
    if digest.diff is not None:
        out.write(f' "diff": {visible(diff_block(digest.diff))},\n')
    if digest.history is not None:
        out.write(f' "history": {visible(history_block(digest.history))},\n')
    out.write(f' "tree": {visible(digest.tree)},\n')
    out.write(' "files": [')
    for index, (document, content) in enumerate(digest.contents()):
        item = {"path": readable(document.path), "bytes": document.bytes,
                "tokens": document.tokens, "charset": document.charset, "view": document.view}
        ranked = digest.views.get(document.path)
        if ranked is not None and ranked.score is not None:  # --query: the score and why
            item |= {"score": ranked.score, "why": ranked.why}
        if document.path in digest.why:  # why a reviewed change chose the file
            item["why"] = digest.why[document.path]
        item["content"] = content
        out.write(("\n  " if index == 0 else ",\n  ") + visible(item))
    skipped = [{"path": readable(s.path), "reason": s.reason, "detail": readable(s.detail)}
               for s in digest.skipped]
    out.write('],\n "skipped": [')
    out.write(",".join("\n  " + visible(item) for item in skipped))
    found = [{"path": readable(s.path), "line": s.line, "rule": s.rule} for s in digest.secrets]
    out.write('],\n "secrets": [')
    out.write(",".join("\n  " + visible(item) for item in found))
    out.write("]}\n")
