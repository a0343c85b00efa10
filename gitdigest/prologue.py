"""What a model reads before the repository: the user's own prompt and the bundled notes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .notes import TITLE, notes_text
from .options import Options


@dataclass(frozen=True)
class Prologue:
    """The user's prompt (``--header`` / ``--instructions``) and the notes (``--with-notes``)."""

    instructions: str | None = None
    notes: str | None = None
    notes_title: str = TITLE


def load_prologue(options: Options) -> Prologue:
    """Read the instructions file and the notes the options ask for."""
    parts = [options.header] if options.header else []
    if options.instructions:
        try:
            parts.append(Path(options.instructions).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"cannot read --instructions {options.instructions}: "
                             f"{getattr(error, 'strerror', None) or error}") from error
    notes = notes_text(options.notes_lang) if options.with_notes else None
    return Prologue("\n\n".join(p.rstrip("\n") for p in parts) or None, notes)
