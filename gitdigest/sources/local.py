"""A folder on disk, read from the working tree; git decides what is ignored, even outside git."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from ..gitcmd import run_git, split_z
from ..model import Entry, Skipped, SourceInfo
from .base import Listing, Source


class WorktreeSource(Source):
    """Files as they are on disk. In a git work tree the candidates are exactly
    ``git ls-files --cached --others --exclude-standard``; in a plain folder the same command runs
    against a throw-away git directory, so .gitignore files keep git's exact semantics."""

    def __init__(self, root: Path, location: str, *, gitignore: bool = True,
                 prune: tuple[str, ...] = (), index_oids: bool = True) -> None:
        self.root = root
        self._root_text = str(root)
        self._gitignore = gitignore
        # untracked folders with these names are never descended into (git is told to skip
        # them); tracked files inside them are still listed, and judged by our rules
        self._prune = frozenset(prune)
        self._index_oids_wanted = index_oids  # blob ids only serve the token cache
        self._temp_git_dir: str | None = None
        top = _toplevel(root)
        if top is None:
            self._temp_git_dir = tempfile.mkdtemp(prefix="gitdigest-")
            run_git(["init", "-q", "--bare", self._temp_git_dir], str(root), isolated=True)
            self.info = SourceInfo(kind="local", location=location, name=root.name)
        else:
            subpath = root.relative_to(top).as_posix() if root != top else ""
            self.info = SourceInfo(kind="local", location=location, name=root.name,
                                   commit=_head(root), subpath=subpath, is_git=True)

    def _git(self, args: list[str], stdin: bytes | None = None, ok: tuple[int, ...] = (0,)
             ) -> bytes:
        if self._temp_git_dir is not None:
            args = ["--work-tree=.", *args]
        return run_git(args, str(self.root), git_dir=self._temp_git_dir,
                       isolated=self._temp_git_dir is not None, input=stdin, ok=ok).stdout

    def listing(self) -> Listing:
        """Stat every path git lists; gitignored paths come back as skipped with their rule."""
        oids: dict[str, str | None] = {}
        if self.info.is_git and self._index_oids_wanted:
            oids = self._index_oids()
        elif self.info.is_git:
            oids = dict.fromkeys(split_z(self._git(["ls-files", "-z", "--cached"])))
        untracked = split_z(self._git(["ls-files", "-z", "--others", *self._excludes()]))
        result = Listing()
        for path in dict.fromkeys([*oids, *untracked]):
            self._add(path, result, oids.get(path))
        if self._gitignore or self._prune:
            result.skipped.extend(self._ignored())
        return result

    def _index_oids(self) -> dict[str, str | None]:
        """Tracked paths with their blob id when the working-tree file is unchanged (git knows
        from the index), so the token cache can be asked without reading the file."""
        modified = set(split_z(self._git(["diff-files", "-z", "--name-only"])))
        oids: dict[str, str | None] = {}
        for record in split_z(self._git(["ls-files", "-z", "--stage", "--cached"])):
            meta, _, path = record.partition("\t")
            mode, oid, stage = meta.split()
            clean = stage == "0" and mode in ("100644", "100755") and path not in modified
            oids[path] = oid if clean else None  # unmerged paths repeat: the last one wins
        return oids

    def _excludes(self) -> list[str]:
        standard = ["--exclude-standard"] if self._gitignore else []
        return standard + [f"--exclude={name}/" for name in sorted(self._prune)]

    def _add(self, path: str, result: Listing, oid: str | None = None) -> None:
        if path.endswith("/"):  # git shows a nested repository as one folder
            result.entries.append(Entry(path.rstrip("/"), "submodule"))
            return
        full = os.path.join(self._root_text, path)  # plain strings: pathlib costs 10x here
        try:
            st = os.lstat(full)
        except OSError:
            result.skipped.append(Skipped(path, "unreadable", "deleted from the working tree"))
            return
        if stat.S_ISLNK(st.st_mode):
            result.entries.append(Entry(path, "symlink", st.st_size, target=os.readlink(full)))
        elif stat.S_ISDIR(st.st_mode):
            result.entries.append(Entry(path, "submodule"))
        elif stat.S_ISREG(st.st_mode):
            result.entries.append(Entry(path, "file", st.st_size, oid))
        else:
            result.skipped.append(Skipped(path, "unreadable", "not a regular file"))

    def _ignored(self) -> list[Skipped]:
        args = ["ls-files", "-z", "--others", "--ignored", "--directory", *self._excludes()]
        paths = split_z(self._git(args))
        if not paths:
            return []
        stdin = b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in paths)
        # check-ignore exits 1 when no path matched a rule: that is an answer, not a failure
        out = split_z(self._git(["check-ignore", "-v", "-z", "--stdin"], stdin, ok=(0, 1)))
        rules = {}
        for i in range(0, len(out) - 3, 4):
            source, line, pattern, path = out[i : i + 4]
            rules[path] = f"{_short_source(source)}:{line}:{pattern}"
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

    def read(self, entry: Entry) -> bytes:
        """Read a regular file without following a symlink swapped in since the listing."""
        return self.read_path(entry.path)

    def read_path(self, path: str) -> bytes:
        """Bytes of a regular file below the root (O_NOFOLLOW: a link is never followed)."""
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(os.path.join(self._root_text, path), flags)
        try:  # plain reads: a buffered file object per file costs more than the read itself
            chunks = []
            while chunk := os.read(fd, 1 << 20):
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

    explicit = True

    def __init__(self, path: Path, location: str) -> None:
        self.path = path
        self.info = SourceInfo(kind="local", location=location, name=path.name)

    def listing(self) -> Listing:
        """The one file."""
        return Listing([Entry(self.path.name, "file", self.path.stat().st_size)])

    def read(self, entry: Entry) -> bytes:
        """The file's bytes."""
        return self.path.read_bytes()

    def read_path(self, path: str) -> bytes:
        """The file's bytes (there is no other path)."""
        return self.path.read_bytes()


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

