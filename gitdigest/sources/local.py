"""A folder on disk, read from the working tree; git decides what is ignored, even outside git."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import GitError, SourceNotFound
from ..core.paths import inherited, link_inside
from ..core.records import Entry, Skipped, SourceInfo
from .base import Listing, Source, attributes_may_apply
from .gitcmd import attribute_query, empty_config, marked, run_git, split_z, user_excludes_file

_READ = 1 << 20
_FORMAT = 0o170000  # the file-type bits of st_mode (stat.S_IFMT)


class WorktreeSource(Source):
    """Files as they are on disk. In a git work tree the candidates are exactly
    ``git ls-files --cached --others --exclude-standard``; in a plain folder the same command runs
    against a throw-away git directory, so .gitignore files keep git's exact semantics."""

    def __init__(self, root: Path, location: str, *, gitignore: bool = True,
                 prune: tuple[str, ...] = (), index_oids: bool = True) -> None:
        self.root = root
        self._root_text = str(root)
        # a path git lists is relative: joining is this prefix plus it (os.path.join costs
        # more than the lstat's Python side, per file)
        self._prefix = os.path.join(self._root_text, "")
        self._gitignore = gitignore
        # untracked folders with these names are never descended into (git is told to skip
        # them); tracked files inside them are still listed, and judged by our rules
        self._prune = frozenset(prune)
        self._index_oids_wanted = index_oids  # blob ids only serve the token cache
        self._temp_git_dir: str | None = None
        self._index_time = 0  # when the index was written (ns), for the racily-clean check
        # folder -> the symlinked folder (and its target) at or above it, None when none is:
        # one lstat per distinct folder, not per file
        self._links: dict[str, tuple[str, str] | None] = {}
        top = _toplevel(root)
        if top is None:
            self._temp_git_dir = _throwaway_git_dir(root)
            # a plain folder has no repository: the user's global excludes do not apply
            self._excludes_file: str | None = empty_config()
            self.info = SourceInfo(kind="local", location=location, name=root.name)
        else:
            self._excludes_file = user_excludes_file()
            subpath = root.relative_to(top).as_posix() if root != top else ""
            self.info = SourceInfo(kind="local", location=location, name=root.name,
                                   commit=_head(root), subpath=subpath, is_git=True)

    def _git(self, args: list[str], stdin: bytes | None = None, ok: tuple[int, ...] = (0,)
             ) -> bytes:
        if self._temp_git_dir is not None:
            args = ["--work-tree=.", *args]
        config = [("core.excludesFile", self._excludes_file)] if self._excludes_file else []
        return run_git(args, str(self.root), git_dir=self._temp_git_dir, input=stdin, ok=ok,
                       config=config).stdout

    def generated(self, paths: Sequence[str]) -> set[str]:
        """The ``paths`` the work tree's ``.gitattributes`` mark ``linguist-generated``."""
        if not self.info.is_git or not attributes_may_apply(paths, self.info.subpath):
            return set()
        args, names = attribute_query(paths)
        return marked(self._git(args, stdin=names))

    def listing(self) -> Listing:
        """Stat every path git lists; gitignored paths come back as skipped with their rule."""
        # The untracked and the ignored paths are listed by git at the same time as the
        # tracked ones are read and stat'ed here (threads that wait on git; ~0.25 s of
        # 100,000 files' listing).
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="gitdigest-list") as pool:
            listing_untracked = pool.submit(
                lambda: split_z(self._git(["ls-files", "-z", "--others", *self._excludes()])))
            listing_ignored = pool.submit(
                lambda: self._ignored() if self._gitignore or self._prune else [])
            index: dict[str, _Indexed | None] = {}
            if self.info.is_git and self._index_oids_wanted:
                index = self._index()
            elif self.info.is_git:
                index = dict.fromkeys(split_z(self._git(["ls-files", "-z", "--cached"])))
            result = Listing()
            self._index_time = self._index_mtime_ns() if index else 0
            for path in dict.fromkeys([*index, *listing_untracked.result()]):
                self._add(path, result, index.get(path))
            ignored = listing_ignored.result()
        result.skipped.extend(ignored)
        skip = {s.path.rstrip("/") for s in ignored} | {
            e.path for e in result.entries if e.kind == "submodule"}
        listed = {s.path for s in result.skipped}  # a tracked path that became a FIFO
        result.skipped.extend(s for s in self._specials(skip) if s.path not in listed)
        return result

    def _specials(self, skip: set[str]) -> list[Skipped]:
        """FIFOs, sockets and devices: git lists none of them (and reading one could block or
        never end), so we look for them ourselves, outside ignored and nested repositories,
        and list each as skipped."""
        found: list[str] = []
        folders = [""]
        while folders:
            folder = folders.pop()
            try:
                listing = os.scandir(os.path.join(self._root_text, folder))
            except OSError:
                continue
            # a folder that cannot be read to its end (/proc/1/map_files when digesting /)
            # keeps what was read: git could not list it either
            with listing, contextlib.suppress(OSError):
                for item in listing:
                    self._special_or_folder(item, folder, skip, folders, found)
        return self._judge_specials(sorted(found))

    def _special_or_folder(self, item: os.DirEntry[str], folder: str, skip: set[str],
                           folders: list[str], found: list[str]) -> None:
        path = f"{folder}/{item.name}" if folder else item.name
        if item.is_dir(follow_symlinks=False):
            if item.name != ".git" and item.name not in self._prune and path not in skip:
                folders.append(path)
        elif not item.is_file(follow_symlinks=False) and not item.is_symlink():
            found.append(path)

    def _judge_specials(self, paths: list[str]) -> list[Skipped]:
        rules = self._ignore_rules(paths) if self._gitignore and paths else {}
        return [Skipped(path, "ignored", rules[path]) if path in rules
                else Skipped(path, "special", _special_kind(self._root_text, path))
                for path in paths]

    def _index(self) -> dict[str, _Indexed | None]:
        """Tracked paths with their blob id and the stat data the index recorded, so that an
        unchanged file can be asked of the token cache without being read.

        "Unchanged" is decided from that stat data against ``lstat`` (see :meth:`_add`), as git
        itself does, and not by ``git diff-files``: that command runs a repository's clean
        filters (programs its config names) on stat-dirty files. A file we cannot vouch for
        gets no id and is read and hashed instead, which is always right, only slower.
        """
        records = self._git(["ls-files", "-z", "--stage", "--cached", "--debug"]).split(b"\0")
        index: dict[str, _Indexed | None] = {}
        head = records[0]
        for record in records[1:]:
            debug, following = _split_debug(record)
            meta, _, raw_path = head.partition(b"\t")
            mode, oid, stage = meta.split()
            path = raw_path.decode("utf-8", "surrogateescape")
            regular = stage == b"0" and mode in (b"100644", b"100755")
            # unmerged paths repeat: the last one wins, and it has no id we can trust
            index[path] = _Indexed(oid.decode(), mode == b"100755", _stat_fields(debug)
                                   ) if regular else None
            head = following
        return index

    def _index_mtime_ns(self) -> int:
        index = self._git(["rev-parse", "--git-path", "index"]).decode(
            "utf-8", "surrogateescape").strip()
        try:
            return os.stat(os.path.join(self._root_text, index)).st_mtime_ns
        except OSError:
            return 0  # no index file: nothing is tracked

    def _excludes(self) -> list[str]:
        standard = ["--exclude-standard"] if self._gitignore else []
        return standard + [f"--exclude={name}/" for name in sorted(self._prune)]

    def _add(self, path: str, result: Listing, indexed: _Indexed | None = None) -> None:
        if path.endswith("/"):  # git shows a nested repository as one folder
            result.entries.append(Entry(path.rstrip("/"), "submodule"))
            return
        folder = path.rpartition("/")[0]
        link = self._link_above(folder) if folder else None
        if link is not None:  # never read through a folder that became a link
            inside = link_inside(link[0], link[1])
            result.skipped.append(Skipped(path, "symlink" if inside else "symlink-outside",
                                          f"under {link[0]} -> {link[1]}"))
            return
        full = self._prefix + path  # plain strings: pathlib costs 10x here
        try:
            st = os.lstat(full)
        except OSError as error:  # a path git holds but the system cannot open is not gone
            detail = (f"too long for this system to open ({len(os.fsencode(full)):,}"
                      " bytes)" if error.errno == errno.ENAMETOOLONG
                      else "deleted from the working tree")
            result.skipped.append(Skipped(path, "unreadable", detail))
            return
        kind = st.st_mode & _FORMAT
        if kind == stat.S_IFREG:  # most paths: tested first
            oid = indexed.oid if indexed and indexed.matches(st, self._index_time) else None
            result.entries.append(Entry(path, "file", st.st_size, oid))
        elif kind == stat.S_IFLNK:
            try:
                target = os.readlink(full)
            except OSError as error:  # /proc/1/cwd when digesting /: listed, not fatal
                result.skipped.append(Skipped(path, "unreadable", "a link that cannot be "
                                              f"read: {error.strerror or error}"))
                return
            result.entries.append(Entry(path, "symlink", st.st_size, target=target))
        elif kind == stat.S_IFDIR:
            result.entries.append(Entry(path, "submodule"))
        else:  # a tracked path that is now a FIFO, socket or device
            result.skipped.append(Skipped(path, "special", _special_kind(self._root_text, path)))

    def _link_above(self, folder: str) -> tuple[str, str] | None:
        """The symlink (path, target) that ``folder`` or a folder above it is, if any: git
        lists a tracked ``sub/a.txt`` even when ``sub`` is now a link, and opening it would
        read wherever the link points."""
        return inherited(folder, self._links, self._link_at)

    def _link_at(self, folder: str) -> tuple[str, str] | None:
        full = self._prefix + folder
        try:
            if stat.S_ISLNK(os.lstat(full).st_mode):
                return (folder, os.readlink(full))
        except OSError:
            pass  # gone: each file under it says so itself
        return None

    def _ignored(self) -> list[Skipped]:
        args = ["ls-files", "-z", "--others", "--ignored", "--directory", *self._excludes()]
        paths = split_z(self._git(args))
        if not paths:
            return []
        rules = self._ignore_rules(paths)
        # --directory also names folders whose content is all ignored, and then that content
        # again; only folders that a rule matches stand for their content.
        skipped = []
        for path in paths:
            name = path.rstrip("/").rpartition("/")[2]
            if path in rules or not path.endswith("/"):
                skipped.append(Skipped(path, "ignored", rules.get(path, ".gitignore")))
            elif name in self._prune:
                skipped.append(Skipped(path, "ignored", f"default:{name}/ (not descended)"))
        return skipped

    def _ignore_rules(self, paths: list[str]) -> dict[str, str]:
        """The .gitignore rule (``file:line:pattern``) that ignores each of ``paths``."""
        stdin = b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in paths)
        # check-ignore exits 1 when no path matched a rule: that is an answer, not a failure
        out = split_z(self._git(["check-ignore", "-v", "-z", "--stdin"], stdin, ok=(0, 1)))
        rules = {}
        for i in range(0, len(out) - 3, 4):
            source, line, pattern, path = out[i : i + 4]
            rules[path] = f"{_short_source(source)}:{line}:{pattern}"
        return rules

    def read(self, entry: Entry) -> bytes:
        """Read a regular file without following a symlink swapped in since the listing."""
        return self.read_path(entry.path, entry.size)

    def read_path(self, path: str, size: int | None = None) -> bytes:
        """Bytes of a regular file below the root (O_NOFOLLOW: a link is never followed).
        With the ``size`` the listing saw, a small file takes one read call, not two."""
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(self._prefix + path, flags)
        try:  # plain reads: a buffered file object per file costs more than the read itself
            first = os.read(fd, _READ)
            if size is not None and len(first) == size < _READ:
                return first  # as long as listed and short of a full read: at its end
            chunks = [first]
            while chunk := os.read(fd, _READ):
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)

    def close(self) -> None:
        """Remove the throw-away git directory of a plain folder."""
        if self._temp_git_dir is not None:
            shutil.rmtree(self._temp_git_dir, ignore_errors=True)
            self._temp_git_dir = None


class FileSource(Source):
    """SOURCE named a single file: the digest is that file, named by its file name."""

    def __init__(self, path: Path, location: str) -> None:
        self.path = path
        self.info = SourceInfo(kind="local", location=location, name=path.name)

    def listing(self) -> Listing:
        """The one file."""
        try:
            size = self.path.stat().st_size
        except OSError as error:
            raise SourceNotFound(f"cannot read {self.info.location}: "
                                 f"{error.strerror or error}") from error
        return Listing([Entry(self.path.name, "file", size)], explicit=True)

    def read(self, entry: Entry) -> bytes:
        """The file's bytes."""
        return self.path.read_bytes()

    def read_path(self, path: str) -> bytes:
        """The file's bytes (there is no other path)."""
        return self.path.read_bytes()


def _special_kind(root: str, path: str) -> str:
    """What a file that is not a regular file, a folder or a link is, for the skipped list."""
    try:
        mode = os.lstat(os.path.join(root, path)).st_mode
    except OSError:
        return "not a regular file"
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return f"{name}; never read"
    return "not a regular file"


def _throwaway_git_dir(root: Path) -> str:
    """An empty bare repository in the temporary folder, removed again if it cannot be made."""
    try:
        folder = tempfile.mkdtemp(prefix="gitdigest-")
    except OSError as error:
        raise GitError(f"cannot make a temporary folder: {error.strerror or error}") from error
    try:
        run_git(["init", "-q", "--bare", folder], str(root))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


@dataclass(frozen=True, slots=True)
class _Indexed:
    """What the index says of a tracked regular file: its blob id and the stat data it saw."""

    oid: str
    executable: bool
    #: ctime and mtime in nanoseconds, inode, size
    fields: tuple[int, int, int, int]

    def matches(self, st: os.stat_result, index_time: int) -> bool:
        """Whether the file on disk is the one the index describes (so ``oid`` is its id)."""
        return (self.fields == (st.st_ctime_ns, st.st_mtime_ns, st.st_ino, st.st_size)
                and self.executable == bool(st.st_mode & 0o100)
                # "racily clean": changed in the same instant the index was written
                and st.st_mtime_ns < index_time)


def _split_debug(record: bytes) -> tuple[bytes, bytes]:
    """``ls-files --debug -z`` puts five indented stat lines after each path's NUL; what
    follows them is the next entry."""
    lines = record.split(b"\n", 5)
    return b"\n".join(lines[:5]), lines[5] if len(lines) > 5 else b""


def _stat_fields(debug: bytes) -> tuple[int, int, int, int]:
    """ctime and mtime (ns), inode and size from the index's five stat lines::

      ctime: 1700000000:123
      mtime: 1700000000:123
      dev: 2049	ino: 1234
      uid: 0	gid: 0
      size: 10	flags: 0
    """
    ctime, mtime, dev_ino, _, size_flags = debug.split(b"\n")
    return (_nanoseconds(ctime), _nanoseconds(mtime), int(dev_ino.rsplit(b" ", 1)[1]),
            int(size_flags.split(b"\t")[0].rsplit(b" ", 1)[1]))


def _nanoseconds(line: bytes) -> int:
    seconds, _, nanos = line.rsplit(b" ", 1)[1].partition(b":")
    return int(seconds) * 1_000_000_000 + int(nanos or 0)


def _toplevel(root: Path) -> Path | None:
    result = run_git(["rev-parse", "--is-inside-work-tree", "--show-toplevel"], str(root),
                     ok=None)
    lines = result.stdout.decode("utf-8", "surrogateescape").splitlines()
    if result.returncode != 0 or not lines or lines[0] != "true":
        return None
    return Path(lines[1]).resolve()


def _head(root: Path) -> str | None:
    result = run_git(["rev-parse", "--verify", "-q", "HEAD"], str(root), ok=None)
    return result.stdout.decode().strip() or None if result.returncode == 0 else None


def _short_source(source: str) -> str:
    """check-ignore names a global excludes file by its absolute path: show the home folder as ~
    so the digest does not carry the user's name and stays the same across machines."""
    home = str(Path.home())
    return "~" + source[len(home):] if os.path.isabs(source) and source.startswith(home) else source


def is_bare_repository(path: Path) -> bool:
    """True for a bare repository (which has no working tree to read)."""
    result = run_git(["rev-parse", "--is-bare-repository"], str(path), ok=None)
    return result.returncode == 0 and result.stdout.strip() == b"true"

