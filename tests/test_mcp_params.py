"""The MCP tools' parameters come from the option declarations: one owner for names, help and
choices, and every option either offered or withheld for a stated reason."""

from __future__ import annotations

import dataclasses
import inspect
import typing

import pytest

from gitdigest.mcp_server.params import WITHHELD, choices_of, names, parameters, tool_fields
from gitdigest.options import Options, spec_of

pytestmark = pytest.mark.extra


def test_every_option_is_offered_or_withheld_with_a_reason() -> None:
    every = {item.name for item in dataclasses.fields(Options)}
    assert names() | set(WITHHELD) == every
    assert not names() & set(WITHHELD)
    assert all(reason for reason in WITHHELD.values())
    # what a model must never choose
    assert {"output", "copy", "token", "instructions", "check_against",
            "summary_json"} <= set(WITHHELD)


# Offered to a model, each one reviewed: it reads and writes nothing on the server beyond the
# source. A new option fails here until someone decides whether a model may choose it.
REVIEWED = {
    "source", "format", "include", "exclude", "max_size", "tokenizer", "gitignore",
    "default_ignores", "ref", "max_files", "max_total_size", "notebook_outputs", "max_tokens",
    "model", "reserve", "priority", "check", "top", "secrets", "line_numbers", "header",
    # text transforms of the source's own files, parsed in process (no file, no program)
    "strip_comments", "strip_blank_lines",
    "with_notes", "notes_lang", "host", "timeout", "include_submodules",
    # which of the source's own files are read: generated ones too
    "include_generated",
    # a change in the source and its history: git diff / git log of the source, nothing else
    "diff", "changed", "since", "related", "log", "log_emails",
    # outlines, the repository map and query ranking: computed from the source's files only
    "compress", "map", "query",
    # paths inside the source, matched against its listing (never opened as given)
    "focus",
}


def test_every_offered_option_was_reviewed() -> None:
    assert names() <= REVIEWED, f"decide whether a model may set: {names() - REVIEWED}"


def test_names_help_and_choices_are_the_declarations() -> None:
    by_name = {p.name: p for p in parameters()}
    assert list(by_name) == [item.name for item in tool_fields()]
    assert by_name["source"].default is inspect.Parameter.empty
    for item in tool_fields():
        if item.name == "source":
            continue
        annotation = by_name[item.name].annotation
        metadata = typing.get_args(annotation)[1]
        assert metadata.description.startswith(spec_of(item).help)
        assert by_name[item.name].default is None  # absent: the library's own default


def test_redaction_cannot_be_switched_off() -> None:
    secrets = next(item for item in tool_fields() if item.name == "secrets")
    assert choices_of(secrets) == ("redact", "exclude")
    annotation = next(p for p in parameters() if p.name == "secrets").annotation
    offered = typing.get_args(typing.get_args(annotation)[0])[0]  # Literal[...] | None
    assert typing.get_args(offered) == ("redact", "exclude")
