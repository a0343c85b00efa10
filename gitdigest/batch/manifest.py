"""The batch manifest: ``DIR/manifest.jsonl``, one JSON record per source, appended and flushed
as each result arrives so a killed batch loses nothing already done. The last record for a
name wins; a batch that finishes rewrites the file with one line per source of its list."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..core.errors import GitDigestError, OutputError
from ..core.records import DigestData
from ..count.encoding import resolve as resolve_tokenizer
from ..options import AUTO, Options, spec_of
from ..sources.urls import strip_credentials

MANIFEST = "manifest.jsonl"


@dataclass
class Record:
    """What happened to one source (``status``: ``ok``, ``unchanged`` or ``failed``)."""

    name: str
    source: str
    line: int
    status: str
    ref: str | None = None
    commit: str | None = None
    options_fingerprint: str = ""
    outputs: list[str] = field(default_factory=list)
    files: int | None = None
    tokens: int | None = None
    fingerprint: str | None = None
    error_class: str | None = None
    error: str | None = None
    attempts: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    #: with --collect: the outputs' bytes on their way back to the client (never written to
    #: the manifest)
    payload: dict[str, bytes] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # the source as the list wrote it, less a URL's credentials: the record is shown in
        # the report and written to the manifest, and the fetch has its own copy
        self.source = strip_credentials(self.source)

    def to_json(self) -> str:
        """One manifest line (no payload; a URL's credentials never: they are replaced by
        ``***`` in the source and the error, whichever worker or engine made the record)."""
        data = dataclasses.asdict(self)
        del data["payload"]
        for key in ("source", "error"):
            if data[key]:
                data[key] = strip_credentials(data[key])
        return json.dumps(data, ensure_ascii=False, sort_keys=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        """A record from a manifest line (unknown keys from a newer gitdigest are ignored)."""
        known = {item.name for item in dataclasses.fields(cls)} - {"payload"}
        return cls(**{key: value for key, value in data.items() if key in known})


def options_fingerprint(options: Options, version: str) -> str:
    """sha256 of everything that decides a source's output (and gitdigest's version): a
    re-run with the same fingerprint and commit would write the same digest."""
    values = {item.name: getattr(options, item.name) for item in dataclasses.fields(options)
              if spec_of(item).decides_output}
    if options.tokenizer == AUTO:  # what auto counts with depends on the installed extras
        with contextlib.suppress(GitDigestError):  # an unknown model fails in its own task
            values["tokenizer"] = resolve_tokenizer(options)[0].tokenizer
    if options.instructions:  # the prompt file's text decides the output, not just its name
        with contextlib.suppress(OSError):
            values["instructions_sha256"] = hashlib.sha256(
                Path(options.instructions).read_bytes()).hexdigest()
    text = json.dumps({"version": version, "options": values}, sort_keys=True, default=list)
    return hashlib.sha256(text.encode()).hexdigest()


def digest_fingerprint(digest: DigestData) -> str:
    """The digest's fingerprint (``DigestData.fingerprint``): the same value the digest's own
    summary carries, independent of paths, time and cache state."""
    return digest.fingerprint


def read_manifest(folder: Path) -> dict[str, Record]:
    """The last record per name; a line cut short by a kill is ignored."""
    records: dict[str, Record] = {}
    try:
        with _open_manifest(folder / MANIFEST, os.O_RDONLY) as stream:
            text = stream.read()
    except FileNotFoundError:
        return records
    for line in text.splitlines():
        try:
            data = json.loads(line)
            record = Record.from_json(data)
        except (ValueError, TypeError):
            continue
        records[record.name] = record
    return records


class ManifestWriter:
    """Appends records, one flushed line each."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / MANIFEST
        self._stream: IO[str] = _open_manifest(
            self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def write(self, record: Record) -> None:
        """Append ``record`` and flush it to the file."""
        self._stream.write(record.to_json() + "\n")
        self._stream.flush()

    def close(self) -> None:
        """Close the file."""
        self._stream.close()


def _open_manifest(path: Path, flags: int) -> IO[str]:
    """The manifest opened without following a symlink: one placed there (by a list's author,
    or anyone who can write DIR) would have the batch append to, or read, whatever it points
    at. Refused with :class:`OutputError`; a missing file raises FileNotFoundError."""
    try:
        handle = os.open(path, flags | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except FileNotFoundError:
        if not flags & os.O_CREAT:
            raise
        raise OutputError(f"cannot write {path}: its folder does not exist") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OutputError(f"{path} is a symbolic link; the manifest is never written "
                              "through one (remove it)") from None
        raise OutputError(f"cannot open {path}: {error.strerror or error}") from error
    mode = "r" if flags & os.O_ACCMODE == os.O_RDONLY else "a"
    return os.fdopen(handle, mode, encoding="utf-8")


def compact(folder: Path, records: Iterable[Record]) -> None:
    """Rewrite the manifest atomically with exactly ``records`` (one line per source)."""
    target = folder / MANIFEST
    handle, temporary = tempfile.mkstemp(prefix=".manifest-", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            for record in records:
                stream.write(record.to_json() + "\n")
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
