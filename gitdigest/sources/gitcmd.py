"""The one way gitdigest runs git: in a sandbox that lets git execute nothing but git
(:mod:`.sandbox`, Landlock), with a hardened configuration that a hostile repository cannot
turn into code execution as a second wall (the only one where Landlock is missing), a clean
environment, and a timeout that stops git's whole process group.

Why our own runner rather than GitPython: every call needs the same argv prefix, environment
and NUL-separated parsing, one call streams objects through a long-lived ``cat-file --batch``
pipe, and timeouts must stop git's helpers too (``git fetch`` starts ``git-remote-https`` and
``index-pack``). A small runner does exactly that, costs no import time, and leaves one place
to audit.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

from ..core.errors import GitError, SandboxUnavailable
from . import sandbox


class GitTimeout(GitError):
    """git did not finish within its time limit (its process group was stopped)."""


class GitFailed(GitError):
    """git exited with an error; ``stderr`` is what it said."""

    def __init__(self, message: str, stderr: str) -> None:
        super().__init__(message)
        self.stderr = stderr


@cache
def empty_config() -> str:
    """An empty file that gitdigest owns (package data), used wherever git must read "no
    configuration": it does not depend on ``/dev/null`` being the device it should be."""
    return str(resources.files(__package__ or "gitdigest").joinpath("empty.gitconfig"))


@cache
def hardening() -> tuple[str, ...]:
    """``-c`` settings that outrank repository config and switch off everything that could
    start a program. System and global config are not read at all (see :func:`git_env`)."""
    empty = empty_config()
    settings = {
        "core.fsmonitor": "false", "core.hooksPath": empty, "core.untrackedCache": "false",
        "core.attributesFile": empty, "core.pager": "cat", "core.askPass": "",
        "core.sshCommand": "ssh -o BatchMode=yes", "core.gitProxy": "",
        "core.alternateRefsCommand": "", "credential.helper": "", "diff.external": "",
        "uploadpack.packObjectsHook": "", "protocol.ext.allow": "never",
        "submodule.recurse": "false",
        "fetch.recurseSubmodules": "false", "gc.auto": "0", "maintenance.auto": "false",
        "filter.lfs.smudge": "", "filter.lfs.process": "", "filter.lfs.required": "false",
        "safe.directory": "*", "core.quotePath": "false",
        # signatures: `log` verifies them when a config asks, and verifying runs a program
        "log.showSignature": "false", "gpg.program": empty, "gpg.openpgp.program": empty,
        "gpg.ssh.program": empty, "gpg.x509.program": empty,
        "gpg.ssh.defaultKeyCommand": empty,
        # programs no command of ours should start, named anyway (defence in depth)
        "core.editor": empty, "sequence.editor": empty, "diff.tool": "", "merge.tool": "",
        "interactive.diffFilter": "", "web.browser": "",
    }
    return tuple(arg for key, value in settings.items() for arg in ("-c", f"{key}={value}"))


_required = False
#: set by the servers (and inherited by their job processes and workers); also the
#: environment form of ``--require-sandbox``
REQUIRE_ENV = "GITDIGEST_REQUIRE_SANDBOX"


def require_sandbox(required: bool = True) -> None:
    """From now on in this process, refuse to run git unless it runs sandboxed (the servers,
    ``--require-sandbox``)."""
    global _required
    _required = required


def sandbox_required() -> bool:
    """Whether this process refuses to run git without the sandbox."""
    return _required or os.environ.get(REQUIRE_ENV, "").strip().lower() in (
        "1", "true", "yes", "on")


def check_sandbox() -> None:
    """:class:`SandboxUnavailable` when git cannot run sandboxed here."""
    status = sandbox.status()
    if not status.available:
        raise SandboxUnavailable(f"git cannot run sandboxed here ({status.reason}); "
                                 "refusing to run it with hardened settings only")


def _spawn(argv: list[str], profile: str, **kwargs: Any) -> subprocess.Popen[bytes]:
    """Start git (the one place that does): sandboxed to ``profile``, see :mod:`.sandbox`."""
    if sandbox_required():
        check_sandbox()
    try:
        return sandbox.popen(argv, profile, **kwargs)
    except sandbox.SandboxError as error:
        raise GitError(str(error.strerror or error)) from error


def no_filters(cwd: str) -> list[tuple[str, str]]:
    """Settings (for ``config=``) that switch off every filter driver the repository at
    ``cwd`` configures: for commands that read a working tree (``diff`` against it,
    ``status``), which would run a driver's ``clean`` on files whose stat data is stale.
    Passed as environment configuration, so a driver named ``a=b`` is reached too."""
    result = run_git(["config", "-z", "--name-only", "--get-regexp", r"^filter\."], cwd, ok=None)
    drivers = {name.rpartition(".")[0] for name in split_z(result.stdout)}
    # "required" too: a required filter that does not run would make git stop
    return [(f"{driver}.{key}", value) for driver in sorted(drivers)
            for key, value in (("clean", ""), ("smudge", ""), ("process", ""),
                               ("required", "false"))]


@cache
def git_executable() -> str:
    """The git binary, or an error that says it is missing."""
    found = shutil.which("git")
    if found is None:
        raise GitError("git is not installed or not on PATH; gitdigest needs git")
    return found


# The user's own variables that only say how to reach a server; every other GIT_* variable
# (GIT_DIR, GIT_CONFIG_PARAMETERS, GIT_EXTERNAL_DIFF, GIT_SSH_COMMAND...) is dropped.
_KEPT_GIT_VARIABLES = frozenset({"GIT_SSL_CAINFO", "GIT_SSL_CAPATH", "GIT_TRACE",
                                 "GIT_CURL_VERBOSE"})


def git_env(config: Sequence[tuple[str, str]] = (), offline: bool = False) -> dict[str, str]:
    """Environment for git: no system or global config, never prompt, never take locks.
    ``config`` is passed as environment configuration, so values (a token's header) never
    appear in an argument list. ``offline``: a partial clone must not fetch a missing object
    from its promisor remote (``GIT_NO_LAZY_FETCH``, git 2.45 and later)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GIT_") or k in _KEPT_GIT_VARIABLES}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=empty_config(), GIT_ATTR_NOSYSTEM="1",
               GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", GIT_NO_REPLACE_OBJECTS="1",
               GIT_SSH_COMMAND="ssh -o BatchMode=yes",
               GIT_ASKPASS="", SSH_ASKPASS="", GIT_PAGER="cat", GIT_PROXY_COMMAND="",
               LC_ALL="C")
    if offline:
        env["GIT_NO_LAZY_FETCH"] = "1"
    env["GIT_CONFIG_COUNT"] = str(len(config))
    for index, (key, value) in enumerate(config):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


def git_command(args: Sequence[str], git_dir: str | None = None) -> list[str]:
    """The full argv for a hardened git call."""
    prefix = [git_executable(), *hardening()]
    if git_dir is not None:
        prefix.append(f"--git-dir={git_dir}")
    return [*prefix, *args]


def open_git(args: Sequence[str], cwd: str, *, offline: bool = False
             ) -> subprocess.Popen[bytes]:
    """A long-running hardened git process with pipes (``cat-file --batch``); ``offline`` as
    for :func:`git_env`."""
    try:
        return _spawn(git_command(args), "git", cwd=cwd, env=git_env(offline=offline),
                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                      start_new_session=True)
    except OSError as error:
        raise GitError(f"cannot run git in {cwd}: {error.strerror or error}") from error


def run_git(
    args: Sequence[str],
    cwd: str,
    *,
    git_dir: str | None = None,
    input: bytes | None = None,
    ok: tuple[int, ...] | None = (0,),
    timeout: float | None = None,
    config: Sequence[tuple[str, str]] = (),
    profile: str = "git",
    offline: bool = False,
) -> subprocess.CompletedProcess[bytes]:
    """Run one git command and return its result. An exit code outside ``ok`` becomes
    :class:`GitFailed` (``ok=None``: the caller looks at the exit code itself); running past
    ``timeout`` seconds stops git and its helpers and raises :class:`GitTimeout`.
    ``profile`` names what else git may execute (:data:`.sandbox.PROFILES`: a ``file://`` or
    ``ssh://`` transport needs the shell); ``offline`` as for :func:`git_env`."""
    try:
        process = _spawn(
            git_command(args, git_dir), profile, cwd=cwd, env=git_env(config, offline),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    except OSError as error:
        raise GitError(f"cannot run git in {cwd}: {error.strerror or error}") from error
    with process:
        try:
            stdout, stderr = process.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(process)
            raise GitTimeout(f"git {args[0]} did not finish within {timeout:g} s") from None
        except BaseException:
            _stop(process)  # Ctrl-C: git runs in its own session and would not hear it
            raise
    result = subprocess.CompletedProcess(list(args), process.returncode, stdout, stderr)
    if ok is not None and result.returncode not in ok:
        raise _failed(args, result.returncode, stderr)
    return result


def _failed(args: Sequence[str], code: int, stderr: bytes) -> GitFailed:
    """The error of a git that exited ``code``: its last line of stderr says why."""
    text = stderr.decode("utf-8", "replace").strip()
    lines = text.splitlines()
    detail = lines[-1] if lines else f"exit code {code}"
    return GitFailed(f"git {args[0]} failed: {detail}", text)


class GitRun:
    """One git command left running while the caller works (a download), with no thread:
    the pipeline may fork while it runs. ``input`` is written at once (``fetch --stdin``
    reads all of it before it connects); ``wait`` is :func:`run_git` for the rest."""

    def __init__(self, args: Sequence[str], cwd: str, *, input: bytes = b"",
                 timeout: float | None = None, config: Sequence[tuple[str, str]] = (),
                 profile: str = "git") -> None:
        self.args = list(args)
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._timeout = timeout
        # a file, closed by wait or stop: a full pipe would stall git
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            self._process = _spawn(
                git_command(args), profile, cwd=cwd, env=git_env(config), stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=self._stderr, start_new_session=True)
        except OSError as error:
            self._stderr.close()
            raise GitError(f"cannot run git in {cwd}: {error.strerror or error}") from error
        assert self._process.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # git failed at once: wait() says why
            self._process.stdin.write(input)
        with contextlib.suppress(OSError):
            self._process.stdin.close()

    def wait(self) -> None:
        """Wait for git to finish: :class:`GitFailed` when it failed, :class:`GitTimeout`
        (git stopped) past the time limit counted from the start."""
        left = None if self._deadline is None else max(self._deadline - time.monotonic(), 0)
        try:
            code = self._process.wait(left)
        except subprocess.TimeoutExpired:
            self.stop()
            raise GitTimeout(f"git {self.args[0]} did not finish within {self._timeout:g} s"
                             ) from None
        except BaseException:
            self.stop()
            raise
        self._stderr.seek(0)
        stderr = self._stderr.read()
        self._stderr.close()
        if code != 0:
            raise _failed(self.args, code, stderr)

    def running(self) -> bool:
        """Whether git has not finished yet."""
        return self._process.poll() is None

    def stop(self) -> None:
        """Stop git and its helpers, if still running."""
        if self._process.poll() is None:
            _stop(self._process)
        self._stderr.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop git and every helper it started (they share its new session's process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def split_z(data: bytes) -> list[str]:
    """Split NUL-terminated git output into paths (surrogateescape keeps odd bytes intact)."""
    return [item.decode("utf-8", "surrogateescape") for item in data.split(b"\0") if item]


#: the attribute that marks a file generated (GitHub's linguist reads the same one)
GENERATED_ATTRIBUTE = "linguist-generated"


def attribute_query(paths: Sequence[str]) -> tuple[list[str], bytes]:
    """The ``check-attr`` arguments and input that ask git which ``paths`` are marked
    :data:`GENERATED_ATTRIBUTE` (read the answer with :func:`marked`)."""
    names = b"".join(path.encode("utf-8", "surrogateescape") + b"\0" for path in paths)
    return ["check-attr", "-z", "--stdin", GENERATED_ATTRIBUTE], names


def marked(output: bytes) -> set[str]:
    """The paths ``check-attr -z`` says have the attribute set (``set`` or ``true``)."""
    items = split_z(output + b"\0")
    return {items[i] for i in range(0, len(items) - 2, 3) if items[i + 2] in ("set", "true")}


def user_excludes_file() -> str | None:
    """The user's ``core.excludesFile`` from their global or system config, the one setting of
    theirs that decides what git ignores (every other global setting is ignored). Reading
    config runs nothing."""
    env = dict(os.environ, LC_ALL="C", GIT_TERMINAL_PROMPT="0")
    for scope in ("--global", "--system"):
        try:
            process = _spawn([git_executable(), "config", scope, "--includes", "--path",
                              "--get", "core.excludesFile"], "git", stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env,
                             cwd="/", start_new_session=True)
        except (OSError, GitError):
            continue
        with process:
            try:
                stdout, _ = process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                _stop(process)
                continue
        value = stdout.decode("utf-8", "surrogateescape").strip()
        if process.returncode == 0 and value:
            return value
    return None
