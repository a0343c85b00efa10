"""A commit read straight from git objects: no checkout, the working tree untouched.

One ``git ls-tree`` lists the tree and one long-lived ``git cat-file --batch`` process serves
every blob, instead of a process per file.
"""

from __future__ import annotations

import collections
import contextlib
import difflib
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from ..core.errors import GitError, UnknownRef, UsageError
from ..core.records import Entry, SourceInfo
from .base import Listing, Source, attributes_may_apply
from .gitcmd import attribute_query, marked, open_git, run_git, split_z


def _answer(stdout: IO[bytes]) -> bytes | None:
    """The next object ``cat-file --batch`` sends, or None when it says it is missing."""
    header = stdout.readline().split()
    if len(header) != 3:
        return None
    data = stdout.read(int(header[2]))
    stdout.read(1)  # the newline after each object
    return data


class ReadAhead:
    """A second ``git cat-file --batch`` asked for many objects at once (a thread writes the
    requests while the caller reads the answers), so git never waits for the next request:
    reading files in a known order costs no round trip per file."""

    def __init__(self, repo: Path, oids: list[str], offline: bool = False) -> None:
        self._pending = collections.deque(oids)
        self._proc = open_git(["cat-file", "--batch"], str(repo), offline=offline)
        self._feeder = threading.Thread(target=self._feed, args=(oids,), daemon=True,
                                        name="gitdigest-read-ahead")
        self._feeder.start()

    def _feed(self, oids: list[str]) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        try:
            for oid in oids:
                stdin.write(oid.encode("ascii") + b"\n")
            stdin.close()
        except (OSError, ValueError):  # closed early: the reader stopped wanting them
            pass

    def take(self, oid: str) -> bytes | None:
        """The object, when it is the next one asked for; else None (read it another way)."""
        if not self._pending or self._pending[0] != oid:
            return None
        self._pending.popleft()
        assert self._proc.stdout is not None
        data = _answer(self._proc.stdout)
        if data is None:  # missing: stop, the ordinary reader will say so
            self._pending.clear()
        return data

    def close(self) -> None:
        """Stop git, whatever it still had to send."""
        self._pending.clear()
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        for pipe in (self._proc.stdin, self._proc.stdout):
            with contextlib.suppress(OSError, ValueError):
                if pipe is not None:
                    pipe.close()
        self._feeder.join()


class CatFile:
    """A ``git cat-file --batch`` process; thread-safe, one request at a time."""

    def __init__(self, repo: Path, offline: bool = False) -> None:
        self._proc = open_git(["cat-file", "--batch"], str(repo), offline=offline)
        self._lock = threading.Lock()

    def read(self, oid: str) -> bytes:
        """The content of one object."""
        with self._lock:
            stdin, stdout = self._pipes()
            stdin.write(oid.encode("ascii") + b"\n")
            stdin.flush()
            data = _answer(stdout)
            if data is None:
                raise GitError(f"git cat-file: object {oid} is missing")
            return data

    def _pipes(self) -> tuple[IO[bytes], IO[bytes]]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        return self._proc.stdin, self._proc.stdout

    def close(self) -> None:
        """Stop the process."""
        if self._proc.poll() is None:
            stdin, stdout = self._pipes()
            stdin.close()
            self._proc.wait()
            stdout.close()


class RefSource(Source):
    """The tree of ``ref`` (branch, tag or commit) in the repository at ``repo``, limited to
    ``subpath`` when SOURCE named a folder inside it. ``offline``: git never fetches a missing
    object (a server reading a local partial clone for someone else)."""

    from_git_objects = True

    def __init__(self, repo: Path, ref: str, location: str, *, subpath: str = "",
                 kind: str = "local", name: str | None = None, offline: bool = False) -> None:
        self.repo = repo
        self.offline = offline
        self.commit = resolve_commit(repo, ref)
        self.subpath = subpath
        self.info = SourceInfo(kind="remote" if kind == "remote" else "local", location=location,
                               name=name or (Path(subpath).name if subpath else repo.name),
                               ref=ref, commit=self.commit, subpath=subpath, is_git=True)
        self._cat = CatFile(repo, offline)
        self._ahead: ReadAhead | None = None
        self._paths: dict[str, str] = {}
        self._prefix = ""  # of the listed paths inside the commit's tree

    def listing(self) -> Listing:
        """Every blob, link and submodule below the subpath at the commit."""
        args = ["ls-tree", "-r", "-z", "--long", "--full-tree", self.commit]
        if self.subpath:
            args += ["--", self.subpath]
        result = Listing()
        lines = split_z(run_git(args, str(self.repo), offline=self.offline).stdout)
        if self.subpath and not lines:
            raise UsageError(f"{self.subpath} does not exist at commit {self.commit}"
                             f" of {self.info.location}")
        if len(lines) == 1 and lines[0].partition("\t")[2] == self.subpath:
            result.explicit = True  # the subpath names one file: digest it, named by its name
            prefix = self.subpath.rpartition("/")[0] + "/" if "/" in self.subpath else ""
        else:
            prefix = self.subpath + "/" if self.subpath else ""
        self._prefix = prefix
        for line in lines:
            meta, _, full_path = line.partition("\t")
            mode, _, oid, size = meta.split()
            path = full_path[len(prefix):]
            result.entries.append(self._entry(mode, oid, 0 if mode == "160000" else int(size),
                                              path))
        return result

    def _entry(self, mode: str, oid: str, size: int, path: str) -> Entry:
        """The entry of one tree line (a link's target is read: links are listed with it)."""
        self._paths[path] = oid
        if mode == "160000":
            return Entry(path, "submodule", oid=oid)
        if mode == "120000":
            target = self._cat.read(oid).decode("utf-8", "surrogateescape")
            return Entry(path, "symlink", size, oid, target)
        return Entry(path, "file", size, oid)

    def read(self, entry: Entry) -> bytes:
        """A blob's bytes (from the read-ahead when it is the next one there)."""
        assert entry.oid is not None
        if self._ahead is not None:
            data = self._ahead.take(entry.oid)
            if data is not None:
                return data
        return self._cat.read(entry.oid)

    def read_ahead(self, entries: Sequence[Entry]) -> None:
        """Ask git for these blobs now, in this order; :meth:`read` takes them as they come."""
        self._stop_reading_ahead()
        oids = [entry.oid for entry in entries if entry.oid]
        if len(oids) > 1:
            self._ahead = ReadAhead(self.repo, oids, self.offline)

    def _stop_reading_ahead(self) -> None:
        if self._ahead is not None:
            self._ahead.close()
            self._ahead = None

    def generated(self, paths: Sequence[str]) -> set[str]:
        """The ``paths`` the commit's ``.gitattributes`` mark ``linguist-generated``: git 2.40
        and later read attributes from the commit; an older git reads them from a throw-away
        work tree holding only the commit's attribute files."""
        if not attributes_may_apply(paths, self._prefix):
            return set()
        prefix = self._prefix
        args, names = attribute_query([prefix + path for path in paths])
        try:
            found = marked(run_git([args[0], f"--source={self.commit}", *args[1:]],
                                   str(self.repo), input=names, offline=self.offline).stdout)
        except GitError:
            found = self._marked_by_files(args, names, paths)
        return {path[len(prefix):] for path in found}

    def _marked_by_files(self, args: list[str], names: bytes, paths: Sequence[str]
                         ) -> set[str]:
        """``check-attr`` against a temporary work tree of the commit's attribute files (the
        listed ones, and those of the folders above the subpath)."""
        listed = [self._prefix + p for p in paths if p.rpartition("/")[2] == ".gitattributes"]
        above = [f"{folder}/.gitattributes" if folder else ".gitattributes"
                 for folder in _folders_above(self._prefix.rstrip("/"))]
        with tempfile.TemporaryDirectory(prefix="gitdigest-attributes-") as tree:
            for path in [*above, *listed]:
                if not _plain(path):
                    continue  # a crafted tree: nothing is written outside the folder
                found = run_git(["cat-file", "blob", f"{self.commit}:{path}"], str(self.repo),
                                ok=None, offline=self.offline)
                if found.returncode == 0:
                    target = Path(tree, path)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(found.stdout)
            try:
                return marked(run_git([f"--work-tree={tree}", *args], str(self.repo),
                                      input=names, offline=self.offline).stdout)
            except GitError:
                return set()

    def read_path(self, path: str) -> bytes:
        """The blob at ``path`` in the listed tree."""
        return self._cat.read(self._paths[path])

    def reopen(self) -> None:
        """A forked worker gets its own cat-file process (a pipe cannot be shared)."""
        self._cat = CatFile(self.repo, self.offline)
        self._ahead = None  # the parent's, not ours to read or stop

    def close(self) -> None:
        """Stop the cat-file processes."""
        self._stop_reading_ahead()
        self._cat.close()


def _plain(path: str) -> bool:
    """Whether ``path`` is relative and names no ``..``, ``.`` or ``.git`` folder."""
    parts = path.split("/")
    return all(part not in ("", ".", "..", ".git") for part in parts)


def _folders_above(subpath: str) -> list[str]:
    """The folders from the top down to the one above ``subpath``'s contents (``""`` first)."""
    parts = subpath.split("/") if subpath else []
    return ["/".join(parts[:depth]) for depth in range(len(parts))]


def present_blob_sizes(repo: Path, config: Sequence[tuple[str, str]] = ()) -> dict[str, int]:
    """The size of every blob the object store holds. In a partial clone this asks nothing of
    the server: ``ls-tree --long`` or ``cat-file`` on a missing blob would fetch it alone."""
    out = run_git(["cat-file", "--batch-all-objects", "--unordered",
                   "--batch-check=%(objecttype) %(objectname) %(objectsize)"], str(repo),
                  config=config).stdout
    return {oid: int(size) for kind, oid, size in
            (line.split() for line in out.decode("ascii").splitlines()) if kind == "blob"}


def resolve_commit(repo: Path, ref: str) -> str:
    """The full commit id ``ref`` names, or :class:`UnknownRef` with close matches."""
    result = run_git(["rev-parse", "--verify", "-q", "--end-of-options", f"{ref}^{{commit}}"],
                     str(repo), ok=None)
    if result.returncode == 0:
        return result.stdout.decode().strip()
    names = split_z(run_git(["for-each-ref", "--format=%(refname:short)%00"], str(repo)).stdout)
    close = difflib.get_close_matches(ref, [n.strip() for n in names], n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UnknownRef(f"unknown ref {ref!r} in {repo}{hint}")
