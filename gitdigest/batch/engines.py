"""Where batch tasks run: a local pool of processes on this machine's cores, or a Dask cluster
(``distributed``, imported only when asked for) — a running one at ``--scheduler ADDRESS`` or
a ``LocalCluster`` started for the batch. Every engine hands each finished record to one
callback in the client as it arrives."""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol

from ..core.errors import UsageError, install_hint
from .manifest import Record
from .task import Task, run_task

ENGINES = ("local", "dask")
Done = Callable[[Record], None]


class Engine(Protocol):
    """Runs tasks and reports each record as it finishes."""

    def run(self, tasks: Sequence[Task], done: Done) -> None:
        """Run every task; call ``done`` in this process for each record, in finishing order."""


class LocalEngine:
    """Tasks in worker processes on this machine (in this process when ``jobs`` is 1). Workers
    are spawned, not forked: a fork of a process with threads alive is unsafe, and each task
    forks its own counting pool when it may."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs

    def run(self, tasks: Sequence[Task], done: Done) -> None:
        """Run ``tasks`` on at most ``jobs`` processes."""
        if self.jobs == 1 or len(tasks) <= 1:
            for task in tasks:
                done(run_task(task))
            return
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=min(self.jobs, len(tasks)), mp_context=context)
        try:
            pending: dict[Future[Record], Task] = {pool.submit(run_task, t): t for t in tasks}
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    task = pending.pop(future)
                    done(_result(future, task))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _result(future: Future[Record], task: Task) -> Record:
    """The record, or a failed one when the worker itself died (killed, out of memory)."""
    try:
        return future.result()
    except Exception as error:
        return Record(task.name, task.options.source, task.line, "failed",
                      options_fingerprint=task.options_fingerprint,
                      error_class=type(error).__name__, error=f"the worker failed: {error}")


class DaskEngine:
    """One Dask task per source: on the cluster at ``address``, or on a ``LocalCluster`` of
    ``jobs`` single-threaded worker processes (dashboard off) that lives for this batch."""

    def __init__(self, address: str | None, jobs: int) -> None:
        self.address = address
        self.jobs = jobs

    def run(self, tasks: Sequence[Task], done: Done) -> None:
        """Submit every task, then collect records as they complete."""
        distributed = _import_distributed()
        cluster: Any = None
        if self.address is None:
            cluster = distributed.LocalCluster(
                n_workers=self.jobs, threads_per_worker=1, processes=True,
                # the scheduler's HTTP endpoints on a free loopback port: None still binds
                # :8787 on every interface, and warns when another cluster holds it
                dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL)
        try:
            with distributed.Client(cluster if cluster is not None else self.address
                                    ) as client:
                keys = [f"gitdigest-{task.name}" for task in tasks]
                futures = client.map(run_task, tasks, key=keys, pure=False)
                by_future = dict(zip(futures, tasks, strict=True))
                for future in distributed.as_completed(futures):
                    done(_dask_result(future, by_future[future]))
        finally:
            if cluster is not None:
                cluster.close()


def _dask_result(future: Any, task: Task) -> Record:
    try:
        record: Record = future.result()
        return record
    except Exception as error:  # a worker lost, a task that could not be unpickled there
        return Record(task.name, task.options.source, task.line, "failed",
                      options_fingerprint=task.options_fingerprint,
                      error_class=type(error).__name__, error=f"the Dask task failed: {error}")


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise UsageError(f"--engine dask needs Dask: {install_hint('dask')}") from None
    return distributed


def make_engine(name: str, jobs: int, scheduler: str | None) -> Engine:
    """The engine ``--engine`` names."""
    if name not in ENGINES:
        raise UsageError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")
    if scheduler is not None and name != "dask":
        raise UsageError("--scheduler needs --engine dask")
    if name == "dask":
        return DaskEngine(scheduler, jobs)
    return LocalEngine(jobs)
