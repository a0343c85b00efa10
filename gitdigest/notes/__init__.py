"""The user's LLM reference notes, bundled byte for byte, and an English rendering of them."""

from __future__ import annotations

from importlib import resources

from ..core.errors import UsageError

LANGUAGES = ("ja", "en")


def read_notes(lang: str = "ja") -> bytes:
    """The notes as shipped: ``ja`` is the original, ``en`` our English rendering."""
    if lang not in LANGUAGES:
        raise UsageError(f"no notes in {lang!r}; available: {', '.join(LANGUAGES)}")
    return resources.files(__name__).joinpath(f"llm-reference-notes.{lang}.md").read_bytes()


def notes_text(lang: str = "ja") -> str:
    """The notes as text (they are UTF-8)."""
    return read_notes(lang).decode("utf-8")
