"""The change a digest reviews: a range parsed, resolved and diffed by git, per file and as one
unified patch with its secrets redacted.

Git runs through the hardened runner with ``--no-ext-diff --no-textconv``, so no diff driver
or text conversion from the repository runs. Comparing against the working tree makes git read
files through their clean filters, so every filter driver the repository's configuration names
is switched off first (an empty command is no filter): the diff shows the bytes on disk.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ..core.errors import RemoteError, UsageError
from ..core.paths import inline
from ..core.records import Diff, FileChange, Secret
from ..read import secrets as secret_scan
from ..sources.gitcmd import GitFailed, GitTimeout, no_filters, run_git, split_z

_STATUS = {"A": "added", "M": "modified", "D": "deleted", "R": "renamed", "C": "copied",
           "T": "type-changed", "U": "unmerged"}
_FILE_START = re.compile(r"^diff --git ", re.MULTILINE)


@dataclass(frozen=True)
class Range:
    """A range as typed: ``A..B``, ``A...B`` (from their merge base) or one revision ``A``
    against the digested tree (``head`` None)."""

    text: str
    base: str
    head: str | None
    merge_base: bool = False


def parse_range(text: str) -> Range:
    """Split ``A..B``, ``A...B`` or ``A``; an empty side means HEAD, as in git."""
    if not text or text.startswith("-") or any(c.isspace() for c in text):
        raise UsageError(f"invalid range {text!r}: use A..B, A...B or one revision")
    for mark, merge_base in (("...", True), ("..", False)):
        if mark in text:
            base, _, head = text.partition(mark)
            if mark in head or head.startswith("."):
                break
            return Range(text, base or "HEAD", head or "HEAD", merge_base)
    if ".." in text:
        raise UsageError(f"invalid range {text!r}: use A..B, A...B or one revision")
    return Range(text, text, None)


@dataclass(frozen=True)
class Place:
    """Where git runs for a source: the folder, the subpath the digest covers, the commit the
    digest shows (None: the working tree), and extra configuration (a remote's header)."""

    cwd: Path
    subpath: str
    commit: str | None
    config: tuple[tuple[str, str], ...] = ()
    #: a remote's limit for each git call (a diff fetches missing blobs on demand)
    timeout: float | None = None
    #: what git may execute besides git there (a remote's transport, see sources.sandbox)
    profile: str = "git"


def run(place: Place, args: list[str], ok: tuple[int, ...] | None = (0,),
        config: list[tuple[str, str]] | None = None) -> subprocess.CompletedProcess[bytes]:
    """git in ``place``; a remote's missing objects are fetched within its time limit."""
    try:
        return run_git(args, str(place.cwd), ok=ok, timeout=place.timeout,
                       config=place.config if config is None else config,
                       profile=place.profile)
    except GitTimeout:
        raise RemoteError(f"git {args[0]} did not finish within {place.timeout:g} s while "
                          "fetching objects; raise --timeout") from None


def resolve(place: Place, revision: str) -> str:
    """The commit ``revision`` names in ``place``'s repository (``HEAD`` is the digested
    commit when the digest reads one)."""
    if revision == "HEAD" and place.commit is not None:
        return place.commit
    result = run(place, ["rev-parse", "--verify", "-q", "--end-of-options",
                         f"{revision}^{{commit}}"], ok=None)
    if result.returncode != 0:
        raise UsageError(f"unknown revision {revision!r} in the --diff range")
    return result.stdout.decode().strip()


def endpoints(place: Place, wanted: Range) -> tuple[str, str | None]:
    """The base commit (the merge base for ``A...B``) and the head commit (None: the working
    tree) that the diff compares."""
    if wanted.head is None:
        return resolve(place, wanted.base), place.commit
    base, head = resolve(place, wanted.base), resolve(place, wanted.head)
    if wanted.merge_base:
        result = run(place, ["merge-base", base, head], ok=None)
        if result.returncode != 0:
            raise UsageError(f"{wanted.base} and {wanted.head} have no common ancestor, so "
                             f"{wanted.text} has no merge base; use {wanted.base}..{wanted.head}")
        base = result.stdout.decode().split()[0]
    return base, head


def compute(place: Place, wanted: Range, secrets: str = "redact",
            omit: Callable[[str], str] = lambda path: "") -> Diff:
    """The diff of ``wanted`` as the Diff section shows it: files, counts and the patch with
    secrets redacted (``secrets`` is the ``--secrets`` mode; ``off`` leaves it as it is).
    ``omit(path)`` says why a file's hunks stay out of the patch (the digest's own rules skip
    the file: a lockfile, an excluded path), or "" to show them."""
    base, head = endpoints(place, wanted)
    config = list(place.config)
    if head is None:
        config += no_filters(str(place.cwd))
    args = ["diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M",
            "--ignore-submodules=dirty", "--src-prefix=a/", "--dst-prefix=b/"]
    if place.subpath:
        args.append(f"--relative={place.subpath}")
    revisions = [base] if head is None else [base, head]

    def git(*extra: str) -> bytes:
        try:
            return run(place, [*args, *extra, *revisions, "--"], config=config).stdout
        except GitFailed as error:
            raise UsageError(f"cannot diff {wanted.text}: {error}") from None

    files = [replace(change, omitted=omit(change.path))
             for change in _changes(git("--name-status", "-z"), git("--numstat", "-z"))]
    # git quotes odd names in the patch's headers; a changed line in another encoding is
    # shown with U+FFFD for its bad bytes, as text digests show mixed-encoding files
    patch = git("-p").decode("utf-8", "replace")
    chunks = split_patch(patch)
    if len(chunks) == len(files) + 1:  # one chunk per file, as git prints them
        for index, change in enumerate(files, start=1):
            if change.omitted:
                head_line = chunks[index].partition("\n")[0]
                chunks[index] = f"{head_line}\n# hunks left out: {change.omitted}\n"
    chunks = [chunks[0], *map(_shown_head, chunks[1:])]
    found: list[Secret] = []
    if secrets != "off" and patch:
        files, found = _redact_names(files)
        chunks, in_patch = _redact(chunks, files)
        found += in_patch
    return Diff(wanted.text, base, head, tuple(files), "".join(chunks), secrets=tuple(found))


def _shown_head(chunk: str) -> str:
    """A file's part of the patch with its header lines (``diff --git``, ``---``/``+++``,
    ``rename from``...: up to the first hunk) escaped where a screen would not show a
    character as itself. git quotes a name with control characters, but with core.quotePath
    off it writes a bidirectional override or a zero-width space as it is (Trojan Source);
    the hunks are the file's text, shown as its contents are. The tab git ends a ``---`` or
    ``+++`` line with after a name holding a space stays (git quotes a name's own tabs)."""
    hunks = chunk.find("\n@@")
    head, rest = (chunk, "") if hunks < 0 else (chunk[:hunks + 1], chunk[hunks + 1:])
    return "\n".join("\t".join(map(inline, line.split("\t"))) for line in head.split("\n")) + rest


def _changes(status: bytes, numstat: bytes) -> list[FileChange]:
    """Zip ``--name-status -z`` and ``--numstat -z`` (git prints both in the same order)."""
    names = split_z(status)
    counts = numstat.decode("utf-8", "surrogateescape").split("\0")
    changes = []
    i = j = 0
    while i < len(names):
        letter = names[i][0]
        if letter in "RC":
            old, path = names[i + 1], names[i + 2]
            i += 3
        else:
            old, path = None, names[i + 1]
            i += 2
        added, removed, rest = counts[j].split("\t", 2)
        j += 3 if rest == "" else 1  # a rename's numstat names both paths after a NUL
        binary = added == "-"
        changes.append(FileChange(path, _STATUS.get(letter, letter),
                                  None if binary else int(added),
                                  None if binary else int(removed), old))
    return changes


def _redact_names(files: list[FileChange]) -> tuple[list[FileChange], list[Secret]]:
    """The changed files with secrets redacted from their names (a file named after a token),
    all names scanned at once; a finding is at line 0 of the (redacted) name."""
    names = [name for change in files for name in (change.path, change.old_path or "")]
    findings = secret_scan.scan_each(names, "the changed files' names")
    shown = [secret_scan.redact(name, hits) if hits else name
             for name, hits in zip(names, findings, strict=True)]
    out = []
    found: list[Secret] = []
    for index, change in enumerate(files):
        path, old = shown[2 * index], shown[2 * index + 1]
        found += [Secret(path, 0, hit.rule)
                  for hits in findings[2 * index:2 * index + 2] for hit in hits]
        out.append(replace(change, path=path, old_path=old or None))
    return out, found


def _redact(chunks: list[str], files: list[FileChange]) -> tuple[list[str], list[Secret]]:
    """Scan each file's part of the patch (under its path, which some rules look at) and
    redact what is found; a finding's line is its line in the whole patch."""
    out = []
    found: list[Secret] = []
    line = 0
    for index, chunk in enumerate(chunks):
        path = files[index - 1].path if 0 < index <= len(files) else "diff"
        findings = secret_scan.scan(chunk, path)
        found += [Secret(path, line + f.line, f.rule) for f in findings]
        line += chunk.count("\n")
        out.append(secret_scan.redact(chunk, findings) if findings else chunk)
    return out, found


def split_patch(patch: str) -> list[str]:
    """The text before the first file (usually empty), then one chunk per file."""
    starts = [0, *(match.start() for match in _FILE_START.finditer(patch))]
    return [patch[start:end] for start, end in zip(starts, [*starts[1:], len(patch)],
                                                   strict=True)]


def head_paths(diff: Diff) -> list[str]:
    """The changed paths that exist at the head side."""
    return [change.path for change in diff.files if change.status != "deleted"]
