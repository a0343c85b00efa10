"""Run git with a configuration that a hostile repository cannot turn into code execution."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from functools import lru_cache

from .errors import GitError

# Repository config can name programs (fsmonitor, hooks, textconv...). None of the commands we run
# would start them except fsmonitor, but we switch off every such hook so a new git release cannot
# surprise us. safe.directory=* lets us read repositories owned by other users: we only read.
HARDENING = (
    "-c", "core.fsmonitor=false",
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.untrackedCache=false",
    "-c", "safe.directory=*",
    "-c", "protocol.ext.allow=never",
    "-c", "core.quotePath=false",
)


@lru_cache(maxsize=1)
def git_executable() -> str:
    """The git binary, or an error that says it is missing."""
    found = shutil.which("git")
    if found is None:
        raise GitError("git is not installed or not on PATH; gitdigest needs git")
    return found


def git_env(isolated: bool = False) -> dict[str, str]:
    """Environment for git: never prompt, never take locks; ``isolated`` ignores user config."""
    env = dict(os.environ)
    env.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", GIT_NO_REPLACE_OBJECTS="1",
               GIT_ASKPASS="", SSH_ASKPASS="", LC_ALL="C")
    if isolated:
        env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    return env


def git_command(args: Sequence[str], git_dir: str | None = None) -> list[str]:
    """The full argv for a hardened git call."""
    prefix = [git_executable(), *HARDENING]
    if git_dir is not None:
        prefix.append(f"--git-dir={git_dir}")
    return [*prefix, *args]


def run_git(
    args: Sequence[str],
    cwd: str,
    *,
    git_dir: str | None = None,
    isolated: bool = False,
    input: bytes | None = None,
    ok: tuple[int, ...] | None = (0,),
) -> subprocess.CompletedProcess[bytes]:
    """Run one git command and return its result. An exit code outside ``ok`` becomes a
    :class:`GitError` (``ok=None``: the caller looks at the exit code itself)."""
    result = subprocess.run(
        git_command(args, git_dir), cwd=cwd, input=input, capture_output=True,
        env=git_env(isolated), check=False,
    )
    if ok is not None and result.returncode not in ok:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1] if message else f"exit code {result.returncode}"
        raise GitError(f"git {args[0]} failed: {detail}")
    return result


def split_z(data: bytes) -> list[str]:
    """Split NUL-terminated git output into paths (surrogateescape keeps odd bytes intact)."""
    return [item.decode("utf-8", "surrogateescape") for item in data.split(b"\0") if item]
