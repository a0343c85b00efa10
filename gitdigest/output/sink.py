"""Where a digest goes: stdout, a file replaced atomically, or a device, FIFO or socket
written in place. ``-o`` never replaces or damages what it points at: a link stays a link,
a device stays a device, and a failed run leaves the old file and no temporary file."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import socket
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TextIO

from ..core.errors import OutputError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

# Kinds of target, decided from the final (symlink-resolved) path.
_NEW, _FILE, _STREAM, _SOCKET = "new", "file", "stream", "socket"


@contextlib.contextmanager
def open_sink(output: str) -> Iterator[TextIO]:
    """A text stream for ``output`` (``-`` is stdout). A regular file appears only when
    complete: it is written beside its final target and renamed over it, so a failed or
    interrupted run leaves the old file and no temporary one. A character device or FIFO is
    written in place, a unix socket is connected to; a symlink is followed. Every failure
    to write is an :class:`OutputError` with one line naming ``output``."""
    if output == "-":
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="",
                                  write_through=False)
        try:
            yield stream
            stream.flush()
        finally:
            stream.detach()
        return
    descriptor = _open_descriptor(output)
    if descriptor is not None:
        with _closing(_text(os.dup(descriptor), output)) as out:
            yield out
        return
    path, kind, mode = _target(output)
    sink = _atomic(output, path, mode) if kind in (_NEW, _FILE) else _in_place(output, path, kind)
    with sink as out:
        yield out


_DESCRIPTOR = re.compile(r"/dev/(?:(stdout)|(stderr)|fd/(\d+))|/proc/(?:self|(\d+))/fd/(\d+)")


def _open_descriptor(output: str) -> int | None:
    """The descriptor ``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N`` or ``/proc/self/fd/N``
    names. It is written as it is, where it is: resolving the name would find the file behind
    it (``>> app.log``) and replace that file instead of appending to it."""
    match = _DESCRIPTOR.fullmatch(output)
    if match is None:
        return None
    stdout, stderr, dev_fd, pid, proc_fd = match.groups()
    if pid is not None and int(pid) != os.getpid():
        return None  # another process's descriptor: an ordinary path
    descriptor = 1 if stdout else 2 if stderr else int(dev_fd or proc_fd)
    if descriptor == 1:
        sys.stdout.flush()
    try:
        os.fstat(descriptor)
    except OSError as error:
        raise _os_fail(output, error) from error
    return descriptor


def _fail(output: str, reason: str) -> OutputError:
    """The one-line error for ``output``."""
    return OutputError(f"cannot write the digest to {output}: {reason}")


def _os_fail(output: str, error: OSError, doing: str = "") -> OutputError:
    """An OSError as one line: what we were doing, then the system's words."""
    reason = error.strerror or str(error)
    return _fail(output, f"{doing}: {reason}" if doing else reason)


def _target(output: str) -> tuple[str, str, int]:
    """Resolve ``output`` to the path to write, its kind and the mode a replacement gets.
    Folders, block devices and paths that cannot name a file are refused here, before
    anything is created."""
    if not output:
        raise _fail("''", "the name is empty; name a file")
    if output.endswith(os.sep) or (os.altsep and output.endswith(os.altsep)):
        raise _fail(output, "a name ending in a slash is a folder; name a file")
    path = os.path.realpath(output)  # the link itself must stay a link
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        _check_folder(output, path)
        return path, _NEW, 0o666 & ~_umask()
    except OSError as error:
        raise _os_fail(output, error) from error
    return path, _kind(output, path, info), stat.S_IMODE(info.st_mode) & 0o777


def _kind(output: str, path: str, info: os.stat_result) -> str:
    """What is at ``path``: a regular file, a stream to write in place, or a socket."""
    shown = output if path == os.path.abspath(output) else f"{output} (-> {path})"
    if stat.S_ISREG(info.st_mode):
        if not os.access(path, os.W_OK):
            # Renaming over it would work, but would defeat the owner's write protection.
            raise _fail(shown, "the file is read-only")
        return _FILE
    if stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode):
        return _STREAM
    if stat.S_ISSOCK(info.st_mode):
        return _SOCKET
    if stat.S_ISDIR(info.st_mode):
        raise _fail(shown, "it is a folder; name a file")
    if stat.S_ISBLK(info.st_mode):
        raise _fail(shown, "it is a block device (a disk); refusing to write over it")
    raise _fail(shown, "it is not a file, device, FIFO or socket")


def _check_folder(output: str, path: str) -> None:
    """A new file needs an existing folder; say which one is missing."""
    folder = os.path.dirname(path)
    via = "" if path == os.path.abspath(output) else f" (it links to {path})"
    if os.path.isdir(folder):
        return
    if os.path.lexists(folder):
        raise _fail(output, f"{folder} is not a folder{via}")
    raise _fail(output, f"folder {folder} does not exist{via}")


class _Raw(io.FileIO):
    """A file descriptor whose write failures (disk full, reader gone) become OutputError,
    so they are told apart from errors of the code producing the digest."""

    def __init__(self, fd: int, output: str) -> None:
        super().__init__(fd, "wb", closefd=True)
        self._output = output

    def write(self, data: ReadableBuffer, /) -> int:
        try:
            return super().write(data)
        except OSError as error:
            raise _os_fail(self._output, error) from error


def _text(fd: int, output: str) -> io.TextIOWrapper:
    """A UTF-8 text stream over ``fd`` that owns it (render writes to ``.buffer`` too)."""
    return io.TextIOWrapper(io.BufferedWriter(_Raw(fd, output)), encoding="utf-8",
                            newline="")


@contextlib.contextmanager
def _atomic(output: str, path: str, mode: int) -> Iterator[TextIO]:
    """Write a temporary file beside ``path`` and rename it over ``path`` once complete."""
    folder = os.path.dirname(path)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                                    dir=folder)
    except OSError as error:
        raise _os_fail(output, error, f"cannot create a file in {folder}") from error
    try:
        with _closing(_text(fd, output)) as stream:
            _step(output, _adopt, fd, path, mode)
            yield stream
            stream.flush()
            _step(output, os.fsync, fd)  # never publish a file whose data is not on disk
        _step(output, os.replace, temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _step(output: str, action: Callable[..., object], *args: object) -> None:
    """Run one of our own file operations, its OSError told as OutputError (an OSError
    from the code writing the digest is left alone: it is not about ``output``)."""
    try:
        action(*args)
    except OSError as error:
        raise _os_fail(output, error) from error


def _adopt(fd: int, path: str, mode: int) -> None:
    """Give the temporary file the mode (and, when allowed, the owner) of the file it
    replaces; mkstemp makes it 0600 and owned by us."""
    os.fchmod(fd, mode)
    with contextlib.suppress(FileNotFoundError):
        info = os.stat(path)
        if (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
            with contextlib.suppress(OSError):  # only root (or a group member) may
                os.fchown(fd, info.st_uid, info.st_gid)


@contextlib.contextmanager
def _closing(stream: io.TextIOWrapper) -> Iterator[io.TextIOWrapper]:
    """Close ``stream`` after the block; when the block failed, a second error from
    flushing the rest must not hide the first."""
    try:
        yield stream
    except BaseException:
        with contextlib.suppress(OSError):
            stream.close()
        raise
    stream.close()


@contextlib.contextmanager
def _in_place(output: str, path: str, kind: str) -> Iterator[TextIO]:
    """Write a device, FIFO or socket where it is: there is no file to replace."""
    fd = _connect(output, path) if kind == _SOCKET else _open_stream(output, path)
    with _closing(_text(fd, output)) as stream:
        yield stream


def _open_stream(output: str, path: str) -> int:
    """Open a character device or FIFO for writing (a FIFO waits for a reader, as
    ``cat > fifo`` does), checking it did not turn into something else meanwhile."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as error:
        raise _os_fail(output, error) from error
    mode = os.fstat(fd).st_mode  # cannot fail on a descriptor just opened
    if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        os.close(fd)
        raise _fail(output, "it changed while being opened; try again")
    return fd


def _connect(output: str, path: str) -> int:
    """Connect to the unix stream socket at ``path`` and return the connected descriptor:
    the listener receives the digest and sees end-of-file when it is complete."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as error:
        sock.close()
        reason = {errno.ECONNREFUSED: "nothing is listening on the socket",
                  errno.EPROTOTYPE: "it is not a stream socket"}.get(error.errno or 0, "")
        raise (_fail(output, reason) if reason else _os_fail(output, error)) from error
    return sock.detach()


def _umask() -> int:
    """The process umask (mkstemp makes files 0600; a new digest gets the usual mode)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
