"""The form and the API's parameters come from the option declarations, and every command-line
option is deliberately either offered to visitors or kept for the server."""

from __future__ import annotations

from dataclasses import fields

import pytest

from gitdigest.core.errors import UsageError
from gitdigest.options import Options, cli_fields, spec_of
from gitdigest.web.formspec import (
    SERVER_ONLY,
    WEB_FIELDS,
    form_fields,
    options_from,
    schema_properties,
)


def test_every_option_is_offered_or_kept_for_the_server() -> None:
    """A new option must be placed on purpose: one that reads or writes server files must not
    reach the form by accident."""
    names = {item.name for item in cli_fields()} | {item.name for item in fields(Options)
                                                    if item.name != "source"}
    unplaced = names - set(WEB_FIELDS) - set(SERVER_ONLY)
    assert not unplaced, "add each to WEB_FIELDS or SERVER_ONLY in gitdigest/web/formspec.py"
    assert not set(WEB_FIELDS) & set(SERVER_ONLY)


def test_fields_carry_their_declarations() -> None:
    by_name = {field.name: field for field in form_fields()}
    assert [field.name for field in form_fields()] == list(WEB_FIELDS)
    tokenizer = by_name["tokenizer"]
    spec = spec_of(next(item for item in fields(Options) if item.name == "tokenizer"))
    assert (tokenizer.widget, tokenizer.choices, tokenizer.help) == ("select", spec.choices,
                                                                     spec.help)
    assert by_name["tokenizer"].default == "auto"  # --model's own encoding, else o200k_base
    assert (by_name["max_size"].widget, by_name["max_size"].default) == ("text", "10MB")
    assert by_name["include"].widget == "patterns"
    assert (by_name["gitignore"].widget, by_name["gitignore"].negated) == ("checkbox", True)
    assert by_name["gitignore"].label == "--no-gitignore"
    assert by_name["max_tokens"].widget == "number"
    assert "GPT-4o" in by_name["model"].suggestions


def test_options_from_a_request() -> None:
    chosen = options_from({"source": "https://example.com/a/b", "include": "*.py",
                           "exclude": ["a/", "b/"], "max_size": "500k", "ref": "",
                           "line_numbers": "on", "gitignore": False})
    assert chosen == {"source": "https://example.com/a/b", "include": ("*.py",),
                      "exclude": ("a/", "b/"), "max_size": "500k", "line_numbers": True,
                      "gitignore": False}
    Options.create(**chosen)  # the library accepts exactly what was chosen


@pytest.mark.parametrize(("values", "says"), [
    ({"source": "x", "output": "/etc/passwd"}, "the server writes results"),
    ({"source": "x", "instructions": "/etc/passwd"}, "reads a file on the server"),
    ({"source": "x", "token": "t"}, "header"),
    ({"source": "x", "nonsense": 1}, "cannot be set here"),
    ({"source": ""}, "give a source"),
    ({"ref": "main"}, "give a source"),
])
def test_what_a_visitor_may_not_ask(values: dict[str, object], says: str) -> None:
    with pytest.raises(UsageError, match=says):
        options_from(values)


def test_schema_types() -> None:
    properties = schema_properties()
    assert set(properties) == {"source", *WEB_FIELDS}
    assert properties["max_tokens"]["type"] == "integer"
    assert properties["line_numbers"] == {"type": "boolean", "default": False,
                                          "description": properties["line_numbers"]
                                          ["description"]}
    assert properties["format"]["enum"] == ["text", "json", "markdown", "xml"]
