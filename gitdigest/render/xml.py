"""XML in the shape Claude's documentation suggests (``<documents><document index="1">
<source>path</source><document_content>...``), always well-formed: text is escaped (``]]>``
included, as ``]]&gt;``), carriage returns survive as ``&#13;`` and characters XML 1.0 cannot
hold become U+FFFD. Paths are shown as the text format shows them (:func:`display`: an odd name
quoted, with what could hide or reorder it escaped); the JSON format keeps the names."""

from __future__ import annotations

import re
from typing import TextIO

from ..core.layout import FIRST, skipped_by_reason
from ..core.paths import display, inline
from ..core.records import DigestData, SourceInfo

_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                            "\r": "&#13;", "\n": "&#10;", "\t": "&#9;"})


def escape(text: str) -> str:
    """Element text that any XML 1.0 parser reads back as ``text``."""
    return _INVALID.sub("\ufffd", text).translate(_TEXT)


def attribute(text: str) -> str:
    """An attribute value (for double quotes)."""
    return _INVALID.sub("\ufffd", text).translate(_ATTRIBUTE)


def _element(name: str, value: object) -> str:
    return f"<{name}>{escape(str(value))}</{name}>" if value not in (None, "") else f"<{name}/>"


def render(digest: DigestData, out: TextIO) -> None:
    """Write the XML digest, one document at a time."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<digest>\n')
    prologue = digest.prologue
    if prologue.instructions:
        out.write(f"{_element('instructions', prologue.instructions)}\n")
    if prologue.notes is not None:
        out.write(f'<reference title="{attribute(prologue.notes_title)}">'
                  f"{escape(prologue.notes)}</reference>\n")
    info = digest.source
    out.write(f'<summary><source kind="{info.kind}">{escape(info.name)}</source>'
              + "".join(_element(k, v) for k, v in (
                  ("location", info.location), ("ref", info.ref), ("commit", info.commit),
                  ("subpath", info.subpath), ("files", digest.summary.files)))
              + "".join(_section(part) for part in info.sections)
              + f'<tokens tokenizer="{digest.tokenizer}">{digest.summary.tokens}</tokens>'
              + f"<fingerprint>{digest.fingerprint}</fingerprint>"
              + "".join(_element("note", note) for note in digest.shape.notes)
              + "</summary>\n")
    out.write(f"{_element('tree', digest.tree)}\n")
    if digest.diff is not None:
        diff = digest.diff
        out.write(f'<diff range="{attribute(diff.range)}" base="{diff.base}" '
                  f'head="{diff.head or ""}" tokens="{diff.tokens}">\n')
        for c in diff.files:
            counts = ' binary="true"' if c.binary else f' added="{c.added}" removed="{c.removed}"'
            old = f' old_path="{attribute(display(c.old_path))}"' if c.old_path is not None else ""
            omitted = f' omitted="{attribute(c.omitted)}"' if c.omitted else ""
            out.write(f'<file status="{c.status}"{old}{counts}{omitted}>{escape(display(c.path))}'
                      "</file>\n")
        out.write(f"{_element('patch', diff.patch)}\n</diff>\n")
    if digest.history is not None:
        out.write(f'<history range="{attribute(digest.history.range)}">\n')
        for commit in digest.history.commits:
            email = f' email="{attribute(inline(commit.email))}"' if commit.email else ""
            out.write(f'<commit id="{commit.id}" date="{attribute(commit.date)}" '
                      f'author="{attribute(inline(commit.author))}"{email}>'
                      f"{_element('subject', inline(commit.subject))}"
                      + "".join(_element("file", display(p)) for p in commit.files) + "</commit>\n")
        out.write("</history>\n")
    out.write("<documents>\n")
    for index, (document, content) in enumerate(digest.contents(), start=1):
        why = digest.why.get(document.path)
        reason = f'<why>{escape(why)}</why>' if why else ""
        view = "" if document.view == "full" else f' view="{document.view}"'
        source = escape(display(document.path))
        out.write(f'<document index="{index}"{view}><source>{source}</source>{reason}'
                  f"<document_content>{escape(content)}</document_content></document>\n")
    out.write("</documents>\n")
    if digest.shape.brief_skipped:
        _brief_skipped(digest, out)
        return
    out.write("<skipped>\n")
    for item in digest.skipped:
        detail = attribute(display(item.detail))  # a link's target, a rule: the repository's
        out.write(f'<file reason="{attribute(item.reason)}" detail="{detail}">'
                  f"{escape(display(item.path))}</file>\n")
    out.write("</skipped>\n</digest>\n")


def _section(info: SourceInfo) -> str:
    """One source of several: the section its paths start with, and what names it."""
    return (f'<section name="{attribute(info.name)}" kind="{info.kind}">'
            + "".join(_element(k, v) for k, v in (
                ("location", info.location), ("ref", info.ref), ("commit", info.commit),
                ("subpath", info.subpath)))
            + "</section>")


def _brief_skipped(digest: DigestData, out: TextIO) -> None:
    """The skipped paths as counts by reason, each with its first paths (a tight budget)."""
    out.write(f'<skipped total="{len(digest.skipped)}">\n')
    for reason, paths in skipped_by_reason(digest.skipped):
        out.write(f'<reason name="{attribute(reason)}" paths="{len(paths)}">'
                  + "".join(f"<file>{escape(display(p))}</file>" for p in paths[:FIRST])
                  + "</reason>\n")
    out.write("</skipped>\n</digest>\n")
