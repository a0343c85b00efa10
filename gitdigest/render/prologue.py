"""What a model reads before the repository: the user's own prompt and the bundled notes.

The prompt is scanned for secrets like every file (``--instructions .env`` must not put keys
in the prompt): under ``--secrets redact`` they are redacted, under ``exclude`` a prompt with a
secret is refused, since a prompt cannot be withheld the way a file is and still mean what its
author asked.
"""

from __future__ import annotations

import os
import stat

from ..core.errors import UsageError
from ..core.records import Prologue, Secret
from ..notes import notes_text
from ..read import secrets as secret_scan

#: the largest --instructions file read (a prompt, not a corpus; a device or a FIFO is
#: refused before this matters)
MAX_INSTRUCTIONS = 1024 * 1024


def load_prologue(header: str | None, instructions: str | None, with_notes: bool,
                  notes_lang: str = "ja", secrets: str = "redact") -> Prologue:
    """Read the instructions file and the notes that were asked for; ``secrets`` is the
    ``--secrets`` mode the prompt is scanned under."""
    if header:
        _check_utf8(header)
    parts: list[tuple[str, str]] = [("--header", header)] if header else []
    if instructions:
        parts.append(("--instructions", read_instructions(instructions)))
    shown = []
    found: list[Secret] = []
    for option, text in parts:
        kept, hits = _screened(option, text, secrets)
        shown.append(kept)
        found += hits
    notes = notes_text(notes_lang) if with_notes else None
    return Prologue("\n\n".join(p.rstrip("\n") for p in shown) or None, notes,
                    secrets=tuple(found))


def read_instructions(path: str) -> str:
    """The text of the regular file ``path`` (UTF-8, at most :data:`MAX_INSTRUCTIONS`
    bytes). A device, a FIFO or a folder is refused without waiting on it."""
    where = f"cannot read --instructions {path}"
    try:
        # O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise UsageError(f"{where}: {error.strerror or error}") from error
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UsageError(f"{where}: not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = stream.read(MAX_INSTRUCTIONS + 1)
    except OSError as error:
        raise UsageError(f"{where}: {error.strerror or error}") from error
    finally:
        os.close(fd)
    if len(data) > MAX_INSTRUCTIONS:
        raise UsageError(f"{where}: larger than {MAX_INSTRUCTIONS // 1024 // 1024} MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(f"{where}: not UTF-8 ({error.reason} at byte {error.start})") from None


def _check_utf8(header: str) -> None:
    """Refuse a ``--header`` that is not UTF-8: a command line in another locale gives its bytes
    as surrogates, which no digest can write (refused as ``--instructions`` refuses them)."""
    try:
        header.encode("utf-8")
    except UnicodeEncodeError as error:
        raise UsageError(f"--header is not UTF-8 (at character {error.start + 1})") from None


def _screened(option: str, text: str, mode: str) -> tuple[str, list[Secret]]:
    """``text`` as the prompt shows it under ``mode``, and the secrets redacted from it."""
    if mode == "off":
        return text, []
    findings = secret_scan.scan(text, option)
    if not findings:
        return text, []
    if mode == "exclude":
        where = ", ".join(f"{f.rule} at line {f.line}" for f in findings)
        raise UsageError(f"{option} holds a secret ({where}); --secrets exclude leaves out "
                         "every text with one: remove it, or use --secrets redact")
    return (secret_scan.redact(text, findings),
            [Secret(option, f.line, f.rule) for f in findings])
