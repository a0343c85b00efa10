"""The form and the API's parameters come from the option declarations, and every command-line
option is deliberately either offered to visitors or kept for the server."""

from __future__ import annotations

from dataclasses import fields

import pytest

from gitdigest.core.errors import UsageError
from gitdigest.options import Options, cli_fields, spec_of
from gitdigest.web import formspec
from gitdigest.web.formspec import (
    FIRST,
    SERVER_ONLY,
    WEB_FIELDS,
    form_fields,
    form_layout,
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
    assert by_name["gitignore"].label == "Include what .gitignore leaves out"
    assert by_name["max_size"].label == "Largest file to include"
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


def test_the_page_speaks_in_words_not_flags() -> None:
    """Every label and hint comes from a declaration's plain words: no flag, no command-line
    habit, whatever option is added next."""
    for field in form_fields():
        for text in (field.label, field.hint):
            assert text and "--" not in text, (field.name, text)
            assert "repeatable" not in text and "(needs the" not in text, (field.name, text)
        assert field.label != field.name.replace("_", "-")


def test_a_first_visit_shows_a_few_choices_and_folds_the_rest() -> None:
    first, sections = form_layout()
    assert [field.name for field in first] == list(FIRST)
    folded = [field.name for section in sections for field in section.fields]
    assert sorted(folded + list(FIRST)) == sorted(WEB_FIELDS)  # each field exactly once
    assert all(section.title and "-" not in section.title for section in sections)


def test_an_option_in_no_section_still_reaches_the_form(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    monkeypatch.setattr(formspec, "SECTIONS", formspec.SECTIONS[:1])
    _, sections = form_layout()
    assert sections[-1].title == formspec.OTHER
    assert "log" in [field.name for field in sections[-1].fields]


def test_what_this_server_lacks_is_disabled_not_offered(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    monkeypatch.setattr(formspec, "EXTRAS", {"compress": lambda: False})
    by_name = {field.name: field for field in form_fields()}
    assert [name for name, field in by_name.items() if not field.available] == [
        "compress", "map", "query", "strip_comments"]  # from each declaration's `needs`
    monkeypatch.setattr(formspec.tokens, "available", lambda name: name != "llama4")
    assert {field.name: field for field in form_fields()}["tokenizer"].unavailable == (
        "llama4",)
