"""The page's form and the JSON API's parameters, derived from :class:`~gitdigest.Options`.

Each field's label and hint (the declaration's plain words: the page is for people, not
flags), choices, default, widget and the extra it needs come from the option's own declaration;
which options a remote visitor may set is said by each declaration too (``not_on["web"]``,
with the reason a visitor is told). An option that reads a server file (``--instructions``),
writes one (``--output``) or spends the server's resources (``--workers``) must be withheld
there; ``tests/test_options.py`` fails on an option that takes a FILE and is not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from ..core.errors import UsageError
from ..count import tokens
from ..focus import compress
from ..notes.models import models
from ..options import (
    TOKENIZERS,
    Options,
    allowed,
    cli_fields,
    coerce,
    is_multiple,
    kind_of,
    spec_of,
    withheld,
)
from ..sources.urls import has_credentials

#: options a visitor may set, in declaration order: every command-line option whose
#: declaration does not withhold it from the web (``not_on["web"]``)
WEB_FIELDS = tuple(item.name for item in cli_fields() if allowed(item, "web"))

#: options the server decides, and why a visitor may not (from their declarations)
SERVER_ONLY = withheld("web")

#: what a first visit shows beside the repository box: a budget, patterns, the format
FIRST = ("model", "max_tokens", "include", "exclude", "format")
#: how the rest fold away, by topic; an option in no section lands in the last one
SECTIONS = (
    ("What to read", ("ref", "max_size", "gitignore", "default_ignores", "notebook_outputs",
                      "include_submodules")),
    ("Budget and focus", ("reserve", "priority", "query", "compress", "map", "tokenizer")),
    ("Review a change", ("since", "diff", "changed", "related", "log", "log_emails")),
    ("The text", ("secrets", "header", "line_numbers", "with_notes", "top")),
)
OTHER = "Other choices"

#: whether an extra an option ``needs`` is installed on this server
EXTRAS: Mapping[str, Callable[[], bool]] = {"compress": compress.available}
#: what the page says of a choice this server cannot offer
UNAVAILABLE = "not available on this server"


@dataclass(frozen=True)
class FormField:
    """One field of the form, as the template draws it."""

    name: str
    label: str
    help: str
    widget: str  # "text", "number", "select", "checkbox", "patterns"
    choices: tuple[str, ...] = ()
    #: the value the field starts with, as text ("" for none)
    default: str = ""
    #: a checkbox that switches a True default off (``--no-gitignore``)
    negated: bool = False
    #: suggestions (model names) for a text field
    suggestions: tuple[str, ...] = ()
    #: the help in plain words (no flags), as the page shows it
    hint: str = ""
    #: False when the extra the option needs is not installed here: shown, but disabled
    available: bool = True
    #: choices this server cannot offer (a tokenizer whose data is not installed)
    unavailable: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A group of fields under one heading of the folded-away part of the form."""

    title: str
    fields: tuple[FormField, ...]


def plain_help(help: str) -> str:
    """A help text without the command line's habits: no "(repeatable)", no "(needs the ...
    extra)" (the page disables what is missing and says so)."""
    text = re.sub(r"\s*\((?:repeatable|needs the \w+ extra)\)", "", help)
    return text.strip()


def form_fields() -> list[FormField]:
    """The form's fields in :data:`WEB_FIELDS` order, each from its declaration."""
    by_name = {item.name: item for item in fields(Options)}
    result = []
    for name in WEB_FIELDS:
        item = by_name[name]
        spec = spec_of(item)
        kind = kind_of(item)
        label = spec.flags[-1] if spec.flags else name.replace("_", "-")
        default = "" if item.default in (None, ()) else str(item.default)
        if spec.shown_default:
            default = spec.shown_default
        if kind is bool:
            widget = "checkbox"
        elif spec.choices is not None:
            widget = "select"
        elif is_multiple(item):
            widget = "patterns"
        elif kind in (int, float) and spec.parse is None:
            widget = "number"
        else:
            widget = "text"
        suggestions = tuple(m.name for m in models()) if name == "model" else ()
        unavailable = tuple(choice for choice in spec.choices or ()
                            if choice in TOKENIZERS and not tokens.available(choice)
                            ) if name == "tokenizer" else ()
        result.append(FormField(
            name, spec.words or label, spec.help, widget, spec.choices or (),
            "" if kind is bool else default, spec.negated, suggestions,
            hint=spec.plain or plain_help(spec.help),
            available=not spec.needs or EXTRAS.get(spec.needs, lambda: True)(),
            unavailable=unavailable))
    return result


def form_layout() -> tuple[list[FormField], list[Section]]:
    """The fields a first visit shows, and the sections the rest fold away into."""
    by_name = {field.name: field for field in form_fields()}
    first = [by_name.pop(name) for name in FIRST if name in by_name]
    sections = []
    for title, names in SECTIONS:
        placed = tuple(by_name.pop(name) for name in names if name in by_name)
        if placed:
            sections.append(Section(title, placed))
    if by_name:
        sections.append(Section(OTHER, tuple(by_name.values())))
    return first, sections


def options_from(values: dict[str, Any]) -> dict[str, Any]:
    """The digest options a request asked for, checked: only :data:`WEB_FIELDS` plus
    ``source``; values as the command line writes them (``"500k"``) or as JSON values; empty
    strings mean "not given". Raises :class:`UsageError` for anything else."""
    by_name = {item.name: item for item in fields(Options)}
    chosen: dict[str, Any] = {}
    for name, value in values.items():
        if name == "token":
            raise UsageError("a token goes in the Authorization or X-Git-Token header, "
                             "never in the URL or the form")
        if name == "source" and isinstance(value, str) and has_credentials(value):
            raise UsageError("a repository URL cannot carry credentials here: send the token "
                             "in the X-Git-Token or Authorization header")
        if name != "source" and name not in WEB_FIELDS:
            reason = SERVER_ONLY.get(name)
            raise UsageError(f"option {name!r} cannot be set here"
                             + (f": {reason}" if reason else ""))
        if value is None or value == "" or value == []:
            continue
        item = by_name[name]
        if kind_of(item) is bool and isinstance(value, str):
            value = value.lower() in ("1", "true", "on", "yes")
        chosen[name] = coerce(item, value) if is_multiple(item) else value
    if not isinstance(chosen.get("source", ""), str) or not chosen.get("source"):
        raise UsageError("give a source: a repository URL")
    return chosen


def schema_properties() -> dict[str, Any]:
    """JSON-schema properties of the digest options, for the OpenAPI document."""
    by_name = {item.name: item for item in fields(Options)}
    properties: dict[str, Any] = {
        "source": {"type": "string", "description": by_name["source"].metadata["spec"].help}}
    for field in form_fields():
        item = by_name[field.name]
        kind = kind_of(item)
        schema: dict[str, Any]
        if field.widget == "patterns":
            schema = {"type": "array", "items": {"type": "string"}}
        elif kind is bool:
            schema = {"type": "boolean"}
        elif field.choices:
            schema = {"type": "string", "enum": list(field.choices)}
        elif kind is int and spec_of(item).parse is None:
            schema = {"type": "integer"}
        elif kind is float and spec_of(item).parse is None:
            schema = {"type": "number"}
        else:
            schema = {"type": "string"}
        schema["description"] = field.help
        if item.default not in (None, ()):
            schema["default"] = item.default
        properties[field.name] = schema
    return properties
