"""Finished digests on disk, keyed by commit and options, shared by every worker.

A result is a folder ``<web_dir>/results/<key>/`` holding ``meta.json`` (what the page shows:
summary, tree, per-file tokens, skips, the request that made it) and the digest itself in the
format asked for. Folders are written under a temporary name and renamed into place, so a
reader in another worker sees a whole result or none.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from ..core.records import DigestData
from ..notes.models import models
from ..options import Options
from ..render import EXTENSIONS

_KEY = re.compile(r"[0-9a-f]{40}")
#: options that do not change what a digest says (the ref stays: the digest names it),
#: or must never be stored
_UNKEYED = {"token", "output", "workers", "copy", "cache", "timeout"}
#: bumped when what a stored result holds changes
_VERSION = 1


def result_key(data: DigestData, options: Options) -> str | None:
    """The key of a digest: the commit it read and every option that shapes it. None when the
    digest is not of a commit (a working tree can change under the same HEAD): not cached."""
    info = data.source
    if info.commit is None or (info.kind == "local" and options.ref is None):
        return None
    values = {item.name: getattr(options, item.name) for item in fields(options)
              if item.name not in _UNKEYED and item.name != "source"}
    identity = [_VERSION, info.kind, info.host, info.repo, info.location if info.kind == "local"
                else None, info.subpath, info.commit, values]
    return hashlib.sha1(json.dumps(identity, sort_keys=True, default=list).encode(),
                        usedforsecurity=False).hexdigest()


def fresh_key() -> str:
    """A key for a result that is not cached (a working tree): unique, never looked up."""
    return hashlib.sha1(os.urandom(20), usedforsecurity=False).hexdigest()


class ResultStore:
    """The results folder."""

    def __init__(self, root: Path, keep: int = 500) -> None:
        self.root = root / "results"
        self.keep = keep

    def folder(self, key: str) -> Path | None:
        """The folder of a finished result, or None (also for anything not shaped like a key)."""
        if not _KEY.fullmatch(key):
            return None
        folder = self.root / key
        return folder if (folder / "meta.json").is_file() else None

    def meta(self, key: str) -> dict[str, Any] | None:
        """What the page shows about a result."""
        folder = self.folder(key)
        if folder is None:
            return None
        meta: dict[str, Any] = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        with contextlib.suppress(OSError):
            os.utime(folder)  # recently viewed results are kept longest
        return meta

    def digest_path(self, key: str) -> Path | None:
        """The digest file of a result."""
        meta = self.meta(key)
        folder = self.folder(key)
        if meta is None or folder is None:
            return None
        return folder / str(meta["file"])

    def save(self, key: str, digest: Any, request: dict[str, Any]) -> None:
        """Render ``digest`` (an open :class:`~gitdigest.Digest`) and store it under ``key``."""
        self.root.mkdir(parents=True, exist_ok=True)
        if self.folder(key) is not None:
            return
        staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.root))
        try:
            name = f"digest.{EXTENSIONS[digest.format]}"
            digest.write(str(staging / name))
            meta = describe(digest, request, name, (staging / name).stat().st_size)
            (staging / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
            with contextlib.suppress(OSError):  # another worker stored the same result first
                staging.rename(self.root / key)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self._prune()

    def remember(self, request: dict[str, Any], key: str) -> None:
        """Note that ``request`` (a public source, as the visitor typed it) just gave ``key``."""
        memo = self.root.parent / "recent"
        memo.mkdir(parents=True, exist_ok=True)
        path = memo / request_id(request)
        staging = path.with_name(f".tmp-{os.getpid()}-{path.name}")
        staging.write_text(key, encoding="utf-8")
        staging.replace(path)

    def recent(self, request: dict[str, Any], fresh_for: float) -> str | None:
        """The result ``request`` gave less than ``fresh_for`` seconds ago, if still stored:
        served without asking git again (a push within that window is seen after it)."""
        if fresh_for <= 0:
            return None
        path = self.root.parent / "recent" / request_id(request)
        try:
            if time.time() - path.stat().st_mtime > fresh_for:
                return None
            key = path.read_text(encoding="utf-8")
        except OSError:
            return None
        return key if self.folder(key) is not None else None

    def _prune(self) -> None:
        """Keep the ``keep`` most recently used results."""
        try:
            entries = [entry for entry in os.scandir(self.root)
                       if entry.is_dir() and _KEY.fullmatch(entry.name)]
        except OSError:
            return
        if len(entries) <= self.keep:
            return
        entries.sort(key=lambda entry: entry.stat().st_mtime, reverse=True)
        for entry in entries[self.keep:]:
            shutil.rmtree(entry.path, ignore_errors=True)


def request_id(request: dict[str, Any]) -> str:
    """A file name for a request's options, as given."""
    text = json.dumps(request, sort_keys=True, default=list)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def describe(digest: DigestData, request: dict[str, Any], file: str, size: int
             ) -> dict[str, Any]:
    """Everything the result page draws, as JSON (no file contents, no token)."""
    tokens = digest.summary.tokens
    return {
        "file": file, "size": size, "format": digest.format, "tokenizer": digest.tokenizer,
        "request": request, "source": asdict(digest.source), "summary": asdict(digest.summary),
        "tree": digest.tree, "budget": digest.budget, "notes": list(digest.notes),
        "files": [[d.path, d.tokens, d.bytes] for d in digest.files],
        "skipped": [[s.path, s.reason, s.detail] for s in digest.skipped],
        "secrets": [[s.path, s.line, s.rule] for s in digest.secrets],
        "models": [{"name": m.name, "window": m.context_window, "share": tokens / m.context_window,
                    "counting": m.counting(digest.tokenizer)} for m in models()],
    }
