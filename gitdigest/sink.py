"""Where a digest goes: a file written atomically, or stdout."""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from .errors import OutputError


@contextlib.contextmanager
def open_sink(output: str) -> Iterator[TextIO]:
    """A text stream for ``output`` (``-`` is stdout). A file appears only when complete:
    it is written to a temporary file beside it and renamed, so a failed run leaves no
    half-written digest and a reader never sees one."""
    if output == "-":
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="",
                                  write_through=False)
        try:
            yield stream
            stream.flush()
        finally:
            stream.detach()
        return
    target = Path(output)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                    dir=target.parent if str(target.parent) else ".")
    except OSError as error:
        raise OutputError(f"cannot write {output}: {error.strerror}") from error
    try:
        with open(fd, "w", encoding="utf-8", newline="") as stream:
            yield stream
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _umask() -> int:
    """The process umask (mkstemp makes files 0600; the digest should get the usual mode)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
