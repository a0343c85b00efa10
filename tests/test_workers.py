"""The one worker pool: it forks only when no background thread can hold a lock, its workers
ignore Ctrl-C, it forks whatever the default start method, and importing registers nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from gitdigest.core import background
from gitdigest.core.workers import PARALLEL_BYTES, forked_pool, worth_parallel

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the pool forks on Linux only")

_FLAG = threading.Event()  # module-level: a forked child sees the parent's state of it
_STARTED: list[int] = []


def _done() -> bool:
    return _FLAG.is_set()


def _sigint_handler() -> object:
    return signal.getsignal(signal.SIGINT)


def _mark_started() -> None:
    _STARTED.append(os.getpid())


def _started_in_me() -> bool:
    return [os.getpid()] == _STARTED


def test_the_pool_waits_for_background_work() -> None:
    _FLAG.clear()

    def slow() -> None:
        time.sleep(0.5)
        _FLAG.set()

    wait = background.start(slow, "test-slow")
    with forked_pool(1, lambda: None) as pool:
        # forked while the work ran: the child must see it finished
        assert pool.apply(_done) is True
    wait()


def test_workers_ignore_ctrl_c_and_run_the_initializer() -> None:
    with forked_pool(2, _mark_started) as pool:
        assert pool.apply(_sigint_handler) == signal.SIG_IGN
        assert pool.apply(_started_in_me) is True
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN  # the parent keeps its own
    assert not signal.pthread_sigmask(signal.SIG_BLOCK, set()) & {signal.SIGINT}


def test_small_work_stays_in_one_process() -> None:
    assert not worth_parallel(4, 100, PARALLEL_BYTES - 1)
    assert not worth_parallel(1, 100, PARALLEL_BYTES * 10)
    assert not worth_parallel(4, 1, PARALLEL_BYTES * 10)
    assert worth_parallel(4, 2, PARALLEL_BYTES)


_CHILD = r"""
import multiprocessing, os
calls = []
real = os.register_at_fork
def record(**hooks):  # the standard library registers its own; ours must not
    calls.extend(hook.__module__ for hook in hooks.values()
                 if (getattr(hook, "__module__", None) or "").startswith("gitdigest"))
    real(**hooks)
os.register_at_fork = record
import pkgutil, importlib, gitdigest
for module in pkgutil.walk_packages(gitdigest.__path__, "gitdigest."):
    if module.name.endswith("__main__"):
        continue
    importlib.import_module(module.name)
print("hooks:", calls)
multiprocessing.set_start_method("spawn")  # as Python 3.14's forkserver default would
from gitdigest.core import workers
state = {"set": "after import"}  # a spawned or forkserver child would not see this
with workers.forked_pool(1, lambda: None) as pool:
    print("child sees:", pool.apply(state.get, ("set",)))
"""


def test_importing_registers_no_fork_hook_and_the_pool_always_forks() -> None:
    result = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                            check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["hooks: []", "child sees: after import"]
