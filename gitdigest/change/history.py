"""The History section: commits from ``git log`` (short id, date, author, subject, files
touched), with every text shown (subject, author, mail address, file names) passed through the
same secret redaction as file contents, and mail addresses only when asked for."""

from __future__ import annotations

import os
from dataclasses import replace

from ..core.errors import UsageError
from ..core.paths import readable
from ..core.records import Commit, History, Secret
from ..read import secrets as secret_scan
from ..sources.gitcmd import GitFailed
from .diff import Place, run

#: each commit's fields end in NUL, which no name or subject can hold; a record starts with a
#: marker made anew for each run, so no subject can fake the start of another commit
_FIELDS = "%x00%H%x00%as%x00%an%x00%ae%x00%s%x00"


def log(place: Place, revisions: list[str], label: str, *, limit: int | None = None,
        emails: bool = False, secrets: str = "redact") -> History:
    """The commits ``git log`` lists for ``revisions`` (newest first, at most ``limit``),
    limited to the digested subpath. ``label`` names them in the section's title."""
    marker = f"gitdigest-{os.urandom(8).hex()}"
    args = ["log", "-z", f"--format={marker}{_FIELDS}", "--name-only", "--no-renames",
            "--no-ext-diff", "--no-textconv"]
    if limit is not None:
        args.append(f"--max-count={limit}")
    if place.subpath:
        args.append(f"--relative={place.subpath}")
    # ":(top)": the subpath is from the top, wherever git runs (a working tree's subfolder)
    args += [*revisions, "--", *([f":(top){place.subpath}"] if place.subpath else [])]
    try:
        output = run(place, args).stdout
    except GitFailed as error:
        raise UsageError(f"cannot read the history of {label}: {error}") from None
    commits = []
    for record in output.decode("utf-8", "surrogateescape").split(marker)[1:]:
        _, commit_id, date, author, email, subject, _, *names = record.split("\0")
        if names:  # the file list starts on a new line
            names[0] = names[0].removeprefix("\n")
        # a commit written in a legacy encoding without saying so has bytes that are not
        # UTF-8: its texts show U+FFFD (file names keep theirs, escaped where shown)
        commits.append(Commit(commit_id, date, readable(author), readable(subject),
                              tuple(name for name in names if name),
                              readable(email) if emails else None))
    if secrets == "off":
        return History(label, tuple(commits))
    return _redacted(History(label, tuple(commits)))


def _redacted(history: History) -> History:
    """``history`` with secrets redacted from every text it shows, all scanned at once (a
    commit's texts are short: one scan each would cost more than the log)."""
    # the title names the ref: a remote's branch may be named after a token
    texts = [history.range, *(text for commit in history.commits for text in _texts(commit))]
    findings = iter(secret_scan.scan_each(texts, "the History section"))
    hits = next(findings)
    shown_range = secret_scan.redact(history.range, hits) if hits else history.range
    found = [Secret("ref", 0, hit.rule) for hit in hits]
    commits = []
    for commit in history.commits:
        shown = []
        for text in _texts(commit):
            hits = next(findings)
            shown.append(secret_scan.redact(text, hits) if hits else text)
            found += [Secret(commit.id[:12], 1, hit.rule) for hit in hits]
        subject, author, email, *files = shown
        commits.append(replace(commit, subject=subject, author=author, files=tuple(files),
                               email=email if commit.email is not None else None))
    return replace(history, range=shown_range, commits=tuple(commits), secrets=tuple(found))


def _texts(commit: Commit) -> list[str]:
    return [commit.subject, commit.author, commit.email or "", *commit.files]
