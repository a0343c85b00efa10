"""One source of a batch, run where an engine puts it (this process, a pool worker, a Dask
worker): resolve the commit cheaply, skip it when nothing changed, else digest it through the
library API, retrying transient network failures with back-off. Never raises: every outcome
is a :class:`~gitdigest.batch.manifest.Record`."""

from __future__ import annotations

import dataclasses
import multiprocessing
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..api import source_settings, write_digest
from ..core.errors import GitDigestError, RemoteError
from ..options import Options
from ..render import EXTENSIONS
from ..sources.gitcmd import check_sandbox, no_filters, run_git
from ..sources.remote import RemoteGit, credentials_of, list_refs, resolve
from ..sources.urls import parse_source
from .manifest import Record, digest_fingerprint

# RemoteError messages (see sources/remote.py ``classify``) that a later try may not repeat:
# an unreachable host, a timeout, a failure git did not explain. Not found, authentication
# and disk full are final.
_TRANSIENT = ("cannot reach ", "timed out after ", "git failed for ")
_DONE = ("ok", "unchanged")


@dataclass(frozen=True)
class Task:
    """Everything a worker needs for one source (picklable)."""

    name: str
    line: int
    options: Options
    options_fingerprint: str
    folder: str
    previous: Record | None = None
    collect: bool = False
    retries: int = 2
    retry_delay: float = 1.0


def is_transient(error: BaseException) -> bool:
    """Whether a later try could succeed: network trouble, not a wrong name or token."""
    return isinstance(error, RemoteError) and str(error).startswith(_TRANSIENT)


def resolve_commit(options: Options) -> str | None:
    """The commit a source names now, asked cheaply (``git ls-remote`` for a remote, ``git
    rev-parse`` for a local repository); ``None`` when it cannot be known without digesting
    (a folder that is not a clean git working tree)."""
    if options.require_sandbox:
        check_sandbox()
    remote = parse_source(options.source, options.host)
    if remote is None:
        return _local_commit(Path(options.source), options)
    git = RemoteGit(remote, credentials_of(remote, source_settings(options)), options.timeout)
    heads, tags, default = list_refs(git)
    return resolve(remote, options.ref, heads, tags, default).commit


def _local_commit(path: Path, options: Options) -> str | None:
    if not path.is_dir():
        return None
    found = run_git(["rev-parse", "--verify", "-q", f"{options.ref or 'HEAD'}^{{commit}}"],
                    str(path), ok=None)
    if found.returncode != 0:
        return None
    if options.ref is None:  # the working tree is digested: only a clean one is its commit
        if not options.gitignore:
            return None
        # status compares stale files' content: through the same no-filter settings as a
        # diff against the working tree, so no clean filter of the repository runs, and
        # not into submodules (their own config names their own filters)
        status = run_git(["status", "--porcelain", "-z", "--untracked-files=all",
                          "--ignore-submodules=all"], str(path), ok=None,
                         config=no_filters(str(path)))
        if status.returncode != 0 or status.stdout:
            return None
    return found.stdout.decode().strip() or None


def output_name(task: Task) -> str:
    """The output file's name inside the batch folder."""
    return f"{task.name}.{EXTENSIONS[task.options.format]}"


def run_task(task: Task) -> Record:
    """Run one source to a record."""
    started = time.monotonic()
    options = task.options
    record = Record(task.name, options.source, task.line, "failed", ref=options.ref,
                    options_fingerprint=task.options_fingerprint)
    if options.workers != 1 and multiprocessing.current_process().daemon:
        # a daemonic worker (Dask's) cannot start the counting pool: count in this process
        options = dataclasses.replace(options, workers=1)
    while True:
        record.attempts += 1
        try:
            _attempt(task, options, record)
            break
        except GitDigestError as error:
            if is_transient(error) and record.attempts <= task.retries:
                time.sleep(task.retry_delay * 2 ** (record.attempts - 1))
                continue
            record.error_class, record.error = type(error).__name__, str(error)
            break
        except Exception as error:  # a bug: recorded, and the other sources go on
            record.error_class = type(error).__name__
            record.error = f"internal error ({type(error).__name__}: {error})"
            break
    record.seconds["total"] = round(time.monotonic() - started, 3)
    return record


def _attempt(task: Task, options: Options, record: Record) -> None:
    clock = time.monotonic()
    record.commit = resolve_commit(options)
    record.seconds["resolve"] = round(time.monotonic() - clock, 3)
    previous = task.previous
    if (previous is not None and record.commit is not None and previous.status in _DONE
            and previous.commit == record.commit
            and previous.options_fingerprint == task.options_fingerprint):
        record.status = "unchanged"
        record.outputs, record.files = previous.outputs, previous.files
        record.tokens, record.fingerprint = previous.tokens, previous.fingerprint
        return
    clock = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="gitdigest-batch-")) if task.collect else Path(
        task.folder)
    try:
        target = folder / output_name(task)
        digest, written = write_digest(dataclasses.replace(options, output=str(target)))
        record.seconds["digest"] = round(time.monotonic() - clock, 3)
        record.commit = digest.source.commit or record.commit
        record.ref = digest.source.ref or options.ref
        record.files, record.tokens = digest.summary.files, digest.summary.tokens
        record.fingerprint = digest_fingerprint(digest)
        record.outputs = [Path(path).name for path in written]
        if task.collect:
            record.payload = {Path(path).name: Path(path).read_bytes() for path in written}
        record.status = "ok"
    finally:
        if task.collect:
            shutil.rmtree(folder, ignore_errors=True)
