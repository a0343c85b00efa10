"""Git can run only git: every git process starts inside a Linux Landlock domain whose only
executable files are the git binary, the programs under ``git --exec-path`` and the dynamic
loader they name. A repository, an included or a user's config that names any other program
(``gpg.program``, a filter, a pager, an alias with ``!``) makes git's ``execve`` fail with
EACCES instead of running it. The ``-c`` settings in :mod:`gitcmd` stay as a second wall, and
are the only one where Landlock is missing.

The limit: the loader must stay executable for git itself to start (without it, git's own
execve fails), and the loader runs whatever binary it is given as an argument
(``ld-linux-x86-64.so.2 /usr/bin/id``), mapped rather than executed, which Landlock does not
see. A config key naming the loader as its program is therefore stopped by the settings list,
not by this domain (shown by an attacker review; gitdigest's own git calls reach no such key).

**How git gets confined without confining gitdigest.** Landlock domains and ``no_new_privs``
belong to a thread's credentials and are inherited by the processes that thread starts. Each
git process is started by a short-lived thread that first confines itself (``prctl
(PR_SET_NO_NEW_PRIVS)`` + ``landlock_restrict_self``) and then calls ``subprocess.Popen``; the
caller gets the ``Popen`` back and the thread ends. The rest of the process (the main thread,
the forked counting pools, Dask, the web job child) is never restricted. Why not the
alternatives:

- ``preexec_fn``: runs Python between fork and exec, which is unsafe in a process with threads
  (gitdigest lists files with threads) and disables vfork.
- one long-lived launcher thread: a thread that is alive when the pipeline forks its worker
  pools is what ``core.background`` exists to prevent (a lock held at fork time stays held in
  the child; Python 3.12+ warns), and it would need restarting in every forked child.
- a wrapper program (``python -m ... exec git``): ~20 ms of interpreter start per git call.

Cost, measured on 2 shared cores at load ~8 (10 alternating rounds of 200 ``run_git
(["rev-parse", "HEAD"])``): 2.3-2.5 ms a call unconfined, 2.8-3.9 ms confined (min-median);
the thread and its two syscalls alone take 0.06 ms, the rest is scheduling the extra thread
on a busy machine.

**Why our own ctypes wrapper rather than a binding from PyPI.** The maintained ones
(``landlock`` 1.0.0.dev5, an alpha last released 2025-05; ``landlockpy`` 0.2.0 and
``py-landlock`` 0.1.1, both months old) are themselves ~300-line ctypes wrappers around the same
three syscalls; none adds what we need here (confining one thread and starting a process from
it), one sets ``argtypes`` on the process-wide ``libc.syscall`` object that other code shares.
We need one handled right (EXECUTE) and path rules: ~80 lines that can be read in one sitting,
with no new dependency on the one boundary a hostile repository is aimed at.

Only execution is handled: git may still read and write files as before (a clone writes its
folder), so the sandbox takes nothing from git that gitdigest relies on.

Profiles (:data:`PROFILES`) widen the list per call, never globally:

- ``git``: git, ``git --exec-path`` and the loader. Local reads, ``--ref``, diffs, history,
  and http(s):// and git:// transports (``git-remote-https`` is in the exec path).
- ``shell``: plus ``/bin/sh``. For ``file://`` remotes: git starts ``git-upload-pack '<path>'``
  through the shell (the quoted path makes it a shell command). The shell can then run shell
  built-ins a config names, but it can execute no other program either.
- ``ssh``: plus ``/bin/sh`` and ``ssh``. ``core.sshCommand``/``GIT_SSH_COMMAND`` (ours:
  ``ssh -o BatchMode=yes``) is run through the shell.

``GITDIGEST_GIT_SANDBOX=off`` in the environment switches the sandbox off (to test or use the
fallback on purpose); the servers then refuse to start unless told to allow it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass
from functools import cache
from typing import Any

# Landlock's syscalls have the same numbers on every architecture that has them.
_SYS_CREATE_RULESET = 444
_SYS_ADD_RULE = 445
_SYS_RESTRICT_SELF = 446
_CREATE_RULESET_VERSION = 1 << 0
_ACCESS_FS_EXECUTE = 1 << 0
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

#: the environment variable that switches the sandbox off
ENV_SWITCH = "GITDIGEST_GIT_SANDBOX"

#: extra programs each profile may execute beyond git, its exec path and the loader
PROFILES: dict[str, tuple[str, ...]] = {"git": (), "shell": ("sh",), "ssh": ("sh", "ssh")}


class SandboxError(OSError):
    """git could not be started in the sandbox."""


class _RulesetAttr(ctypes.Structure):
    # ABI 1's layout: one field. Later fields (network, scopes) are left unhandled.
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # the kernel's struct is packed: 12 bytes
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


@dataclass(frozen=True)
class Status:
    """Whether git runs sandboxed here: the Landlock ABI, or why not."""

    abi: int  # 0: unavailable
    reason: str = ""

    @property
    def available(self) -> bool:
        """Whether git processes are confined."""
        return self.abi > 0

    def describe(self) -> str:
        """One line for ``--version`` and summaries."""
        if self.available:
            return f"git sandbox: landlock (ABI {self.abi})"
        return f"git sandbox: unavailable ({self.reason}), hardened settings only"


@cache
def _libc() -> Any:
    # a private CDLL: argtypes set here would not leak into other users of libc.syscall
    return ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def _syscall(number: int, *args: Any) -> int:
    result = int(_libc().syscall(ctypes.c_long(number), *args))
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return result


_REASONS = {errno.ENOSYS: "the kernel has no Landlock (Linux 5.13+ needed)",
            errno.EOPNOTSUPP: "Landlock is disabled in this kernel (boot option lsm=)",
            errno.EPERM: "the Landlock syscalls are blocked (seccomp)"}


def _probe() -> Status:
    if os.environ.get(ENV_SWITCH, "").lower() in ("off", "0", "no", "false"):
        return Status(0, f"switched off by {ENV_SWITCH}")
    if not sys.platform.startswith("linux"):
        return Status(0, f"Landlock is Linux-only; this is {sys.platform}")
    try:
        abi = _syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0),
                       ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except OSError as error:
        return Status(0, _REASONS.get(error.errno or 0, f"landlock: {error.strerror}"))
    return Status(abi)


_status: Status | None = None


def status() -> Status:
    """Whether this process can confine git (probed once)."""
    global _status
    if _status is None:
        _status = _probe()
    return _status


def available() -> bool:
    """Whether git processes are confined by Landlock."""
    return status().available


def reset() -> None:
    """Probe again (tests that switch the sandbox off and on)."""
    global _status
    _status = None
    _ruleset.cache_clear()


@cache
def _ruleset(profile: str) -> int:
    """A Landlock ruleset (close-on-exec fd, kept for the process and inherited by forked
    workers) allowing execution of exactly the profile's programs."""
    attr = _RulesetAttr(_ACCESS_FS_EXECUTE)
    fd = _syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)),
                  ctypes.c_uint32(0))
    try:
        for path in allowed_paths(profile):
            _allow(fd, path)
    except OSError:
        os.close(fd)
        raise
    return fd


def _allow(ruleset: int, path: str) -> None:
    # O_PATH follows links: the rule is on the file (or folder) itself
    target = os.open(path, os.O_PATH | os.O_CLOEXEC)
    try:
        rule = _PathBeneathAttr(_ACCESS_FS_EXECUTE, target)
        _syscall(_SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH),
                 ctypes.byref(rule), ctypes.c_uint32(0))
    finally:
        os.close(target)


def allowed_paths(profile: str) -> list[str]:
    """What the profile lets git execute: git, its exec path (a folder), the profile's extra
    programs and the ELF interpreter each of them names (every path resolved)."""
    git = shutil.which("git")
    if git is None:
        raise SandboxError(errno.ENOENT, "git is not installed or not on PATH")
    programs = [os.path.realpath(git)]
    for name in PROFILES[profile]:
        found = shutil.which(name, path="/usr/bin:/bin") or shutil.which(name)
        if found is not None:
            programs.append(os.path.realpath(found))
    exec_path = _exec_path(programs[0])
    helpers = [os.path.join(exec_path, name) for name in ("git", "git-remote-http")]
    loaders = {loader for program in [*programs, *helpers]
               if (loader := elf_interpreter(program)) is not None}
    return sorted({*programs, exec_path, *map(os.path.realpath, loaders)})


@cache
def _exec_path(git: str) -> str:
    # read without the sandbox, before any rule exists: `git --exec-path` runs no program
    found = subprocess.run([git, "--exec-path"], capture_output=True, check=True,
                           env={"PATH": os.defpath, "LC_ALL": "C"}, timeout=30)
    return os.path.realpath(found.stdout.decode("utf-8", "surrogateescape").strip())


def elf_interpreter(path: str) -> str | None:
    """The dynamic loader an ELF program names (PT_INTERP), or None (static, a script,
    unreadable)."""
    try:
        with open(path, "rb") as program:
            ident = program.read(64)
            if len(ident) < 52 or ident[:4] != b"\x7fELF":
                return None
            bits64, order = ident[4] == 2, "<" if ident[5] == 1 else ">"
            if bits64:
                phoff, = struct.unpack_from(order + "Q", ident, 32)
                phentsize, phnum = struct.unpack_from(order + "HH", ident, 54)
            else:
                phoff, = struct.unpack_from(order + "I", ident, 28)
                phentsize, phnum = struct.unpack_from(order + "HH", ident, 42)
            program.seek(phoff)
            headers = program.read(phentsize * phnum)
            for index in range(phnum):
                entry = headers[index * phentsize:(index + 1) * phentsize]
                if struct.unpack_from(order + "I", entry, 0)[0] != 3:  # PT_INTERP
                    continue
                if bits64:
                    offset, = struct.unpack_from(order + "Q", entry, 8)
                    size, = struct.unpack_from(order + "Q", entry, 32)
                else:
                    offset, = struct.unpack_from(order + "I", entry, 4)
                    size, = struct.unpack_from(order + "I", entry, 16)
                program.seek(offset)
                return program.read(size).rstrip(b"\0").decode("utf-8", "surrogateescape")
    except (OSError, struct.error):
        return None
    return None


def _confine_this_thread(ruleset: int) -> None:
    """Restrict the calling thread (and what it starts) to the ruleset; for good.
    :class:`SandboxError` when the kernel refuses."""
    try:
        _restrict(ruleset)
    except OSError as error:
        raise SandboxError(error.errno or 0, f"cannot confine git: {error.strerror or error}"
                           ) from error


def _restrict(ruleset: int) -> None:
    libc = _libc()
    if libc.prctl(ctypes.c_int(_PR_SET_NO_NEW_PRIVS), ctypes.c_ulong(1), ctypes.c_ulong(0),
                  ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"prctl(PR_SET_NO_NEW_PRIVS): {os.strerror(code)}")
    _syscall(_SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))


def popen(argv: list[str], profile: str = "git", **kwargs: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen(argv, **kwargs)`` with the process confined to ``profile`` when
    the sandbox is available (else started as it is: the caller decides whether that is
    allowed). :class:`SandboxError` when a sandbox that is available cannot be applied."""
    if not available():
        return subprocess.Popen(argv, **kwargs)
    try:
        ruleset = _ruleset(profile)
    except OSError as error:
        raise SandboxError(error.errno or 0, f"cannot build the git sandbox: "
                           f"{error.strerror or error}") from error
    outcome: list[Any] = []
    # Waited for with a lock released once Popen returns, not with join(): waiting for the
    # thread to end as well cost ~4 ms per call when git starts a new session (measured,
    # 2 cores under load), more than the rest of the launch.
    launched = threading.Lock()
    launched.acquire()

    def launch() -> None:
        try:
            _confine_this_thread(ruleset)
            outcome.append(subprocess.Popen(argv, **kwargs))
        except BaseException as error:  # handed to the caller, not lost in the thread
            outcome.append(error)
        finally:
            launched.release()

    threading.Thread(target=launch, name="gitdigest-git-sandbox", daemon=True).start()
    try:
        launched.acquire()
    except BaseException:  # Ctrl-C while waiting: the thread is a Popen away from done
        launched.acquire()
        if outcome and isinstance(outcome[0], subprocess.Popen):
            outcome[0].kill()
            outcome[0].wait()
        raise
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    assert isinstance(result, subprocess.Popen)
    return result
