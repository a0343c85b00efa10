"""The History section: commits from ``git log`` (short id, date, author, subject, files
touched), with subjects passed through the same secret redaction as file contents and mail
addresses only when asked for."""

from __future__ import annotations

from ..core.errors import UsageError
from ..core.records import Commit, History
from ..read import secrets as secret_scan
from ..sources.gitcmd import GitFailed
from .diff import Place, run

_FORMAT = "--format=%x1e%H%x1f%as%x1f%an%x1f%ae%x1f%s"


def log(place: Place, revisions: list[str], label: str, *, limit: int | None = None,
        emails: bool = False, secrets: str = "redact") -> History:
    """The commits ``git log`` lists for ``revisions`` (newest first, at most ``limit``),
    limited to the digested subpath. ``label`` names them in the section's title."""
    args = ["log", "-z", _FORMAT, "--name-only", "--no-renames", "--no-ext-diff",
            "--no-textconv"]
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
    for record in output.decode("utf-8", "surrogateescape").split("\x1e")[1:]:
        head, _, rest = record.partition("\0")
        commit_id, date, author, email, subject = head.split("\x1f", 4)
        if secrets != "off":
            found = secret_scan.scan(subject, "COMMIT_EDITMSG")
            subject = secret_scan.redact(subject, found) if found else subject
        files = tuple(name for name in rest.lstrip("\n").split("\0") if name)
        commits.append(Commit(commit_id, date, author, subject, files,
                              email if emails else None))
    return History(label, tuple(commits))
