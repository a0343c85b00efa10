"""The page's form and the JSON API's parameters, derived from :class:`~gitdigest.Options`.

Each field's label, help, choices, default and widget come from the option's own declaration;
which options a remote visitor may set is said by each declaration too (``not_on["web"]``,
with the reason a visitor is told). An option that reads a server file (``--instructions``),
writes one (``--output``) or spends the server's resources (``--workers``) must be withheld
there; ``tests/test_options.py`` fails on an option that takes a FILE and is not.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from ..core.errors import UsageError
from ..notes.models import models
from ..options import (
    Options,
    allowed,
    cli_fields,
    coerce,
    is_multiple,
    kind_of,
    spec_of,
    withheld,
)

#: options a visitor may set, in declaration order: every command-line option whose
#: declaration does not withhold it from the web (``not_on["web"]``)
WEB_FIELDS = tuple(item.name for item in cli_fields() if allowed(item, "web"))

#: options the server decides, and why a visitor may not (from their declarations)
SERVER_ONLY = withheld("web")


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
        result.append(FormField(name, label, spec.help, widget, spec.choices or (),
                                "" if kind is bool else default, spec.negated, suggestions))
    return result


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
