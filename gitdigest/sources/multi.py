"""Several sources read as one: each is a top-level section whose name starts its paths
(``a/src/x.py``, ``owner/repo@main/README.md``), so paths stay unique and the rest of the
pipeline sees one listing, one ranking and one budget."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal

from ..core.records import Entry, Skipped, SourceInfo
from .base import Listing, Source, SourceSettings


class MultiSource(Source):
    """Sources side by side, each under its section's name."""

    def __init__(self, parts: list[tuple[str, Source]], notes: Sequence[str] = ()) -> None:
        self._parts = parts
        # longest name first: a remote's "owner/repo@ref" is matched before anything shorter
        self._lookup = sorted(parts, key=lambda part: -len(part[0]))
        self._notes = list(notes)
        self._explicit: dict[str, str] = {}  # a file section's name -> the file's own path
        # The token cache keys a blob id by where its bytes come from (objects or disk); a
        # mix claims objects only when every part reads them. A blob whose checkout differs
        # (end-of-line conversion) also differs in size, which the key holds too.
        self.from_git_objects = all(source.from_git_objects for _, source in parts)
        infos = tuple(replace(source.info, name=name) for name, source in parts)
        kind: Literal["local", "remote"] = (
            "local" if all(info.kind == "local" for info in infos) else "remote")
        self.info = SourceInfo(kind=kind, location=" ".join(i.location for i in infos),
                               name=" + ".join(i.name for i in infos), sections=infos)

    def sections(self) -> list[tuple[str, Source]]:
        """Each source with its section's name."""
        return list(self._parts)

    def listing(self) -> Listing:
        """Every source's listing, paths prefixed with the section's name."""
        entries: list[Entry] = []
        skipped: list[Skipped] = []
        for name, source in self._parts:
            listing = source.listing()
            for entry in listing.entries:
                if listing.explicit:  # a file given as a source is its own section
                    self._explicit[name] = entry.path
                    path = name
                else:
                    path = f"{name}/{entry.path}"
                entries.append(replace(entry, path=path))
            skipped += [replace(s, path=f"{name}/{s.path}") for s in listing.skipped]
            self._notes += listing.notes
        return Listing(entries, skipped, notes=self._notes)

    def _locate(self, path: str) -> tuple[Source, str]:
        for name, source in self._lookup:
            if path == name and name in self._explicit:
                return source, self._explicit[name]
            if path.startswith(name + "/"):
                return source, path[len(name) + 1:]
        raise KeyError(path)

    def read(self, entry: Entry) -> bytes:
        """The bytes of an entry, from the source its section names."""
        source, path = self._locate(entry.path)
        return source.read(replace(entry, path=path))

    def read_path(self, path: str) -> bytes:
        """The bytes at ``path``, from the source its section names."""
        source, inner = self._locate(path)
        return source.read_path(inner)

    def generated(self, paths: Sequence[str]) -> set[str]:
        """The ``paths`` each source's git attributes mark generated."""
        marked: set[str] = set()
        for name, source in self._parts:
            inner = {self._locate(p)[1]: p for p in paths
                     if p == name or p.startswith(name + "/")}
            if inner:
                marked.update(inner[path] for path in source.generated(list(inner)))
        return marked

    def read_ahead(self, entries: Sequence[Entry]) -> None:
        """Pass the hint on to each source, for its own entries."""
        for name, source in self._parts:
            mine = [replace(e, path=self._locate(e.path)[1]) for e in entries
                    if e.path == name or e.path.startswith(name + "/")]
            if mine:
                source.read_ahead(mine)

    def reopen(self) -> None:
        """Reopen every source (in a forked worker)."""
        for _, source in self._parts:
            source.reopen()

    def close(self) -> None:
        """Close every source."""
        for _, source in self._parts:
            source.close()


def open_sources(settings: SourceSettings, specs: Sequence[str],
                 open_one: Callable[[SourceSettings], Source]) -> MultiSource:
    """Open each of ``specs`` (a local path inside another one given is read once, with a
    note) and name their sections."""
    kept, notes = _dedupe(specs)
    parts: list[tuple[str, Source]] = []
    taken: set[str] = set()
    with contextlib.ExitStack() as stack:
        for spec in kept:
            source = stack.enter_context(open_one(replace(settings, spec=spec,
                                                          count_early=False)))
            parts.append((_unique(_section_name(source.info), taken), source))
        stack.pop_all()  # every source opened: the MultiSource closes them
    return MultiSource(parts, notes)


def _dedupe(specs: Sequence[str]) -> tuple[list[str], list[str]]:
    """The specs to open, and a note for each one left out: the same remote twice, a folder
    twice, or a path inside a folder also given."""
    # a local path that exists wins over a slug, as in open_source; a path that does not
    # exist is no duplicate of anything: opening it says it is missing
    resolved = {spec: _resolve(spec) if os.path.lexists(spec) else None for spec in specs}
    kept: list[str] = []
    notes: list[str] = []
    for index, spec in enumerate(specs):
        mine = resolved[spec]
        holder = next((other for other in specs[:index] if other == spec
                       or (mine is not None and resolved[other] == mine)), None)
        if holder is None and mine is not None:
            holder = next((other for other in specs if (theirs := resolved[other]) is not None
                           and theirs != mine and theirs.is_dir() and mine.is_relative_to(theirs)),
                          None)
        if holder is None:
            kept.append(spec)
        else:
            notes.append(f"{spec} is already in {holder}: it is digested once, under "
                         f"{holder}'s section")
    return kept, notes


def _resolve(spec: str) -> Path | None:
    try:
        return Path(spec).resolve()
    except OSError:
        return None  # open_source says what is wrong with it


def _section_name(info: SourceInfo) -> str:
    if info.kind == "remote" and info.repo:
        return f"{info.repo}@{info.ref}" if info.ref else info.repo
    return info.name or "source"


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or a variant when another section has it, or when one section would be a
    folder of another (a folder ``owner`` beside the remote ``owner/repo``)."""
    def clash(candidate: str) -> bool:
        first = candidate.split("/")[0]
        return candidate in taken or any(
            other == first or other.split("/")[0] == candidate for other in taken)

    candidate, number = name, 1
    while clash(candidate):
        number += 1
        candidate = f"{name.replace('/', '-')}-{number}"
    taken.add(candidate)
    return candidate
