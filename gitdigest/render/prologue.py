"""What a model reads before the repository: the user's own prompt and the bundled notes."""

from __future__ import annotations

from pathlib import Path

from ..core.errors import UsageError
from ..core.records import Prologue
from ..notes import notes_text


def load_prologue(header: str | None, instructions: str | None, with_notes: bool,
                  notes_lang: str = "ja") -> Prologue:
    """Read the instructions file and the notes that were asked for."""
    parts = [header] if header else []
    if instructions:
        try:
            parts.append(Path(instructions).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"cannot read --instructions {instructions}: "
                             f"{getattr(error, 'strerror', None) or error}") from error
    notes = notes_text(notes_lang) if with_notes else None
    return Prologue("\n\n".join(p.rstrip("\n") for p in parts) or None, notes)
