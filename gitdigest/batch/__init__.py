"""Many sources, one digest each: ``gitdigest batch LIST -O DIR``.

The client parses the list (:mod:`.lists`), turns each source into a :class:`~.task.Task`
with the record of its previous run, hands the tasks to an engine (:mod:`.engines`: a local
process pool or Dask) and appends each record to ``DIR/manifest.jsonl`` as it arrives
(:mod:`.manifest`). Each task calls only the library API (``write_digest``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..core.errors import GitDigestError, OutputError
from ..output.sink import open_sink
from .engines import ENGINES, DaskEngine, Engine, LocalEngine, make_engine
from .lists import Item, parse_list, stable_name
from .manifest import MANIFEST, ManifestWriter, Record, compact, options_fingerprint, read_manifest
from .task import Task, run_task

__all__ = ["ENGINES", "MANIFEST", "BatchFailed", "BatchResult", "DaskEngine", "Engine", "Item",
           "LocalEngine", "Record", "Task", "make_engine", "parse_list", "run_batch",
           "run_task", "stable_name"]

Progress = Callable[[Record, "BatchResult"], None]


class BatchFailed(GitDigestError):
    """Some sources of a batch failed (the others were digested and recorded)."""

    exit_code = 1


@dataclass
class BatchResult:
    """The records of a batch, in list order once it is complete."""

    total: int
    records: list[Record] = dataclasses.field(default_factory=list)

    def count(self, status: str) -> int:
        """How many records have ``status``."""
        return sum(1 for record in self.records if record.status == status)

    @property
    def failed(self) -> list[Record]:
        """The records that failed."""
        return [record for record in self.records if record.status == "failed"]

    @property
    def tokens(self) -> int:
        """Tokens of every digest that exists now (ok and unchanged)."""
        return sum(record.tokens or 0 for record in self.records if record.status != "failed")


def run_batch(items: Sequence[Item], folder: Path, engine: Engine, *, collect: bool = False,
              retries: int = 2, retry_delay: float = 1.0, task_workers: int | None = None,
              progress: Progress | None = None) -> BatchResult:
    """Digest every item into ``folder``, skipping those whose commit and options have not
    changed since the manifest's record. ``task_workers`` is the counting processes each task
    uses when its options do not say (1 when the engine already runs tasks side by side)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create {folder}: {error.strerror or error}") from error
    previous = read_manifest(folder)
    tasks = [_task(item, folder, previous.get(item.name), collect, retries, retry_delay,
                   task_workers) for item in items]
    result = BatchResult(len(tasks))
    by_name: dict[str, Record] = {}
    writer = ManifestWriter(folder)

    def done(record: Record) -> None:
        if record.payload:
            _write_payload(folder, record.payload)
            record.payload = {}
        writer.write(record)  # flushed: a killed batch keeps every line written so far
        by_name[record.name] = record
        result.records.append(record)
        if progress is not None:
            progress(record, result)

    try:
        engine.run(tasks, done)
    finally:
        writer.close()
    result.records = [by_name[item.name] for item in items if item.name in by_name]
    if len(result.records) == len(items):
        compact(folder, result.records)
    return result


def _task(item: Item, folder: Path, previous: Record | None, collect: bool, retries: int,
          retry_delay: float, task_workers: int | None) -> Task:
    options = item.options
    if options.workers is None and task_workers is not None:
        options = dataclasses.replace(options, workers=task_workers)
    if previous is not None and not all((folder / name).is_file() for name in previous.outputs):
        previous = None  # an output was deleted: digest again
    return Task(item.name, item.line, options, options_fingerprint(options, __version__),
                str(folder.resolve()), previous, collect, retries, retry_delay)


def _write_payload(folder: Path, payload: dict[str, bytes]) -> None:
    """Outputs a Dask worker sent back (``--collect``), written as the CLI writes a digest:
    a symlink, FIFO or read-only file in the folder gets the same care (see :mod:`..sink`)."""
    for name, data in payload.items():
        with open_sink(str(folder / Path(name).name)) as stream:
            stream.flush()
            stream.buffer.write(data)
