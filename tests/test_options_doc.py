"""docs/options.md is generated from the option declarations (docs/gen_options.py): it is never
stale, and what it says about a surface is what that surface does."""

from __future__ import annotations

import importlib.util
from dataclasses import fields
from pathlib import Path
from types import ModuleType

import pytest

from gitdigest.batch.lists import parse_line_options
from gitdigest.config import env_name, environment_layer
from gitdigest.core.errors import UsageError
from gitdigest.mcp_server.params import tool_fields
from gitdigest.options import Options, spec_of
from gitdigest.web.formspec import form_fields

ROOT = Path(__file__).parent.parent
PAGE = ROOT / "docs" / "options.md"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_options", ROOT / "docs" / "gen_options.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()


def test_options_page_is_current() -> None:
    assert PAGE.read_text(encoding="utf-8") == GEN.options_markdown(), (
        "docs/options.md is stale: run `python docs/gen_options.py > docs/options.md`")


def test_every_option_has_a_section_with_its_keyword() -> None:
    page = GEN.options_markdown()
    for item in fields(Options):
        # an <a id> anchor, which GitHub and MkDocs both honour, not a {#id} attribute
        assert f'<a id="{item.name.replace("_", "-")}"></a>' in page
        assert f"`{item.name}=`" in page


def test_what_the_page_says_each_surface_accepts_is_what_it_accepts() -> None:
    by_mcp = {item.name for item in tool_fields()}
    by_web = {field.name for field in form_fields()} | {"source"}  # the form's repository box
    for item in fields(Options):
        verdict = GEN.decisions(item)
        assert (verdict["mcp"] is None) == (item.name in by_mcp), item.name
        assert (verdict["web"] is None) == (item.name in by_web), item.name
        if item.name != "source":
            choices = spec_of(item).choices
            raw = choices[0] if choices else "1" if isinstance(item.default, bool) else "5"
            taken = item.name in environment_layer({env_name(item): raw}).values
            assert taken == (verdict["config"] is None), item.name
        flags = spec_of(item).flags
        if flags:
            choices = spec_of(item).choices
            value = [] if isinstance(item.default, bool) else [choices[0] if choices else "1"]
            try:
                parse_line_options(["o/r", flags[-1], *value])
                batch_takes = True
            except UsageError:
                batch_takes = False
            assert batch_takes == (verdict["batch"] is None), item.name


@pytest.mark.parametrize("name", ["token", "source"])
def test_a_refusal_says_why(name: str) -> None:
    item = next(item for item in fields(Options) if item.name == name)
    assert GEN.decisions(item)["config"]
    assert GEN.decisions(item)["remote_config"]
