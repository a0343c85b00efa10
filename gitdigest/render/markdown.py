"""Markdown: each file in a fence longer than the longest backtick run inside it, so no content
can close its fence early; the language tag comes from the extension."""

from __future__ import annotations

import re
from typing import TextIO

from ..core.layout import (
    FIRST,
    TRAILER,
    diff_files,
    diff_head,
    history_lines,
    skipped_by_reason,
    view_note,
)
from ..core.paths import display
from ..core.records import DigestData

_BACKTICKS = re.compile(r"`+")
LANGUAGES = {
    "py": "python", "pyi": "python", "js": "javascript", "mjs": "javascript", "cjs": "javascript",
    "jsx": "jsx", "ts": "typescript", "tsx": "tsx", "rs": "rust", "go": "go", "c": "c", "h": "c",
    "cc": "cpp", "cpp": "cpp", "cxx": "cpp", "hpp": "cpp", "hh": "cpp", "cs": "csharp",
    "java": "java", "kt": "kotlin", "kts": "kotlin", "swift": "swift", "rb": "ruby", "php": "php",
    "scala": "scala", "sh": "bash", "bash": "bash", "zsh": "zsh", "fish": "fish",
    "ps1": "powershell",
    "md": "markdown", "rst": "rst", "html": "html", "htm": "html", "css": "css", "scss": "scss",
    "json": "json", "yaml": "yaml", "yml": "yaml", "toml": "toml", "xml": "xml", "svg": "xml",
    "sql": "sql", "r": "r", "lua": "lua", "pl": "perl", "hs": "haskell", "ex": "elixir",
    "exs": "elixir", "erl": "erlang", "clj": "clojure", "dart": "dart", "vue": "vue",
    "svelte": "svelte", "tf": "hcl", "proto": "protobuf", "ipynb": "python", "f90": "fortran",
    "f": "fortran", "pyx": "cython", "pxd": "cython", "m": "objectivec", "zig": "zig", "nim": "nim",
    "ini": "ini", "cfg": "ini", "dockerfile": "dockerfile", "makefile": "makefile",
    "cmake": "cmake",
}


def fence(text: str) -> str:
    """A backtick fence longer than any backtick run in ``text`` (at least three)."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    return "`" * max(3, longest + 1)


def language(path: str) -> str:
    """The fence's language tag for ``path`` ("" when unknown)."""
    name = path.rpartition("/")[2].lower()
    if name in LANGUAGES:
        return LANGUAGES[name]
    return LANGUAGES.get(name.rpartition(".")[2], "") if "." in name else ""


def _code(text: str, tag: str = "") -> str:
    marks = fence(text)
    return f"{marks}{tag}\n{text}{'' if text.endswith(chr(10)) or not text else chr(10)}{marks}\n"


def _inline(text: str) -> str:
    marks = "`" * (max((len(r) for r in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{marks}{pad}{text}{pad}{marks}"


def render(digest: DigestData, out: TextIO) -> None:
    """Write the Markdown digest, one file at a time."""
    prologue = digest.prologue
    if prologue.instructions:
        out.write(prologue.instructions + "\n\n")
    if prologue.notes is not None:
        out.write(f"# Reference: {prologue.notes_title}\n\n{_code(prologue.notes, 'markdown')}\n")
    info = digest.source
    out.write(f"# Digest: {display(info.name)}\n\n")
    for part in info.sections or (info,):  # several sources: each its own lines
        out.write(f"- Source: {display(part.name)}\n")
        for label, value in (("URL", part.location if part.kind == "remote" else None),
                             ("Ref", part.ref), ("Commit", part.commit),
                             ("Subpath", part.subpath)):
            if value:
                out.write(f"- {label}: {display(value)}\n")
    out.write(f"- Files: {digest.summary.files}\n- Tokens: {digest.summary.tokens:,} "
              f"({digest.tokenizer}, as the text format)\n"
              f"- Fingerprint: {digest.fingerprint}\n")
    out.write("".join(f"- Note: {note}\n" for note in digest.shape.notes) + "\n")
    out.write(f"## Directory structure\n\n{_code(digest.tree, 'text')}\n")
    if digest.diff is not None:
        out.write(f"## Diff: {_inline(digest.diff.range)}\n\n"
                  f"{_code(diff_head(digest.diff) + chr(10) + diff_files(digest.diff), 'text')}"
                  f"\n{_code(digest.diff.patch, 'diff')}\n")
    if digest.history is not None:
        out.write(f"## History: {_inline(digest.history.range)}\n\n"
                  f"{_code(history_lines(digest.history), 'text')}\n")
    out.write("## Files\n")
    for document, content in digest.contents():
        out.write(f"\n### {_inline(display(document.path))}{view_note(document.view)}\n\n")
        out.write(_code(content, language(document.path)))
    if digest.skipped and digest.shape.brief_skipped:
        out.write("\n## Skipped\n\n")
        for reason, paths in skipped_by_reason(digest.skipped):
            out.write(f"- {reason}: {len(paths):,} paths: "
                      + ", ".join(_inline(display(p)) for p in paths[:FIRST])
                      + (", …" if len(paths) > FIRST else "") + "\n")
    elif digest.skipped:
        out.write("\n## Skipped\n\n")
        for item in digest.skipped:
            out.write(f"- {_inline(display(item.path))}: {item.reason}"
                      + (f" ({display(item.detail)})" if item.detail else "") + "\n")
    out.write("\n" + TRAILER)
