"""Options are declared once: the command line, the Python API, validation and the token cache
key all come from the same declarations, so they cannot disagree."""

from __future__ import annotations

import dataclasses

import click
import pytest

from gitdigest import Options, UsageError
from gitdigest.cli import cli
from gitdigest.options import cli_fields, kind_of, parse_fraction, parse_size, spec_of, text_key


def _click_params() -> dict[str, click.Option]:
    command = cli.commands["digest"]
    return {p.name: p for p in command.params if isinstance(p, click.Option) and p.name}


@pytest.mark.parametrize("item", cli_fields(), ids=lambda item: item.name)
def test_click_option_agrees_with_the_api_keyword(item: dataclasses.Field[object]) -> None:
    param = _click_params()[item.name]  # the same name
    spec = spec_of(item)
    assert tuple(param.opts) == spec.flags
    assert param.help is not None and param.help.startswith(spec.help)
    if kind_of(item) is not bool and item.default not in (None, ()):
        shown = spec.shown_default if spec.shown_default is not None else item.default
        assert param.help.endswith(f"[default: {shown}]")
    assert param.default in (None, ())  # the only default is the library's
    kind = kind_of(item)
    if kind is bool:
        assert param.is_flag and param.flag_value is (not spec.negated)
    elif spec.choices is not None:
        assert isinstance(param.type, click.Choice) and tuple(param.type.choices) == spec.choices
    elif kind is int and spec.parse is None:
        assert isinstance(param.type, click.IntRange) and param.type.min == spec.minimum
    elif kind is float and spec.parse is None:
        assert isinstance(param.type, click.FloatRange) and param.type.min == spec.minimum


def test_every_click_option_is_an_option_or_a_cli_switch() -> None:
    names = {item.name for item in dataclasses.fields(Options)}
    # the configuration switches decide how the command line assembles Options, not a digest;
    # --watch decides how often the command line digests
    assert set(_click_params()) - names == {"quiet", "debug", "version", "profile",
                                            "trust_remote_config", "print_config", "watch"}


def test_command_line_defaults_are_the_library_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Options] = []

    def fake_write(options: Options, progress: object, reconfigure: object = None) -> object:
        seen.append(options)
        raise click.exceptions.Exit(0)

    monkeypatch.setattr("gitdigest.cli.write_digest", fake_write)
    from click.testing import CliRunner

    assert CliRunner().invoke(cli, []).exit_code == 0
    assert seen == [Options()]


def test_text_values_are_parsed_by_the_declaration() -> None:
    options = Options.create(max_size="2MB", reserve="15%", include="*.py",
                             exclude=["a", "b"], max_total_size="1k")
    assert options.max_size == 2 * 1024 * 1024 and options.reserve == 0.15
    assert options.include == ("*.py",) and options.exclude == ("a", "b")
    assert options.max_total_size == 1024
    assert parse_fraction("10%") == pytest.approx(0.1) and parse_size(12) == 12


@pytest.mark.parametrize(("values", "message"), [
    ({"nope": 1}, "unknown option 'nope'"),
    ({"format": "pdf"}, "unknown format 'pdf'"),
    ({"max_files": 0}, "max-files must be at least 1, got 0"),
    ({"timeout": 0}, "timeout must be above 0"),
    ({"reserve": "150%"}, "reserve must be a fraction"),
    ({"max_tokens": 5, "model": "gpt-4o"}, "not both"),
    ({"check": True}, "--check needs a budget"),
])
def test_bad_values_are_usage_errors(values: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        Options.create(**values)


def test_every_keyed_option_changes_the_cache_key() -> None:
    base = Options()
    keyed = [item for item in dataclasses.fields(Options) if spec_of(item).keyed]
    assert {item.name for item in keyed} >= {"tokenizer", "line_numbers", "notebook_outputs"}
    for item in keyed:
        other = spec_of(item).choices[-1] if spec_of(item).choices else not item.default
        assert text_key(Options.create(**{item.name: other})) != text_key(base), item.name
    assert text_key(Options.create(format="json", top=9)) == text_key(base)  # not keyed


def test_a_token_never_shows_in_a_repr() -> None:
    assert "s3cret" not in repr(Options.create(token="s3cret"))


@pytest.mark.parametrize("values", [{"reserve": "nan"}, {"reserve": float("inf")},
                                    {"timeout": float("nan")}, {"max_size": -1},
                                    {"workers": "two"}])
def test_values_that_are_not_numbers_are_usage_errors(values: dict[str, object]) -> None:
    with pytest.raises(UsageError):
        Options.create(**values)


def test_numbers_as_the_command_line_writes_them() -> None:
    options = Options.create(workers="2", max_tokens="5000", timeout="30", include=None)
    assert (options.workers, options.max_tokens, options.timeout) == (2, 5000, 30.0)
    assert options.include == ()


def test_the_secret_scanner_is_part_of_the_cache_key() -> None:
    from gitdigest.api import text_settings
    from gitdigest.read.secrets import engine

    assert engine() in text_settings(Options()).key
    assert "kingfisher" not in text_settings(Options.create(secrets="off")).key


# Every surface's decision about an option comes from the option's declaration: a fake option
# added to Options (in a child process, so this one keeps the real class) reaches each surface
# exactly as its declaration says.
_FAKE_OPTIONS = r'''
import dataclasses, json
from gitdigest import options
from gitdigest.options import option

base = options.Options
options.Options = dataclasses.make_dataclass("Options", [
    ("fake_open", "str | None", option(None, "--fake-open", help="Open everywhere.")),
    ("fake_held", "str | None", option(
        None, "--fake-held", metavar="FILE", help="Held back.", decides_output=False,
        not_on={"config": "c", "remote_config": "rc", "mcp": "m", "web": "w", "batch": "b"})),
    ("fake_local", "str | None", option(None, "--fake-local", help="Local.",
                                        not_on={"remote_config": "rc"})),
], bases=(base,), frozen=True)

from gitdigest import config
from gitdigest.core.errors import UsageError
config.Options = options.Options  # imported with the package, before the fake was made


def remote_refuses(key):
    try:
        config.file_layer({key: "x"}, "remote.toml", remote=True)
    except UsageError:
        return True
    return False

from gitdigest.batch import lists, manifest
from gitdigest.mcp_server import params
from gitdigest.web import formspec
from gitdigest.cli import cli

batch_flags = {p.name for p in cli.commands["batch"].params}
plain = options.Options()


def fingerprint(values):
    return manifest.options_fingerprint(values, "v")


print(json.dumps({
    "config": sorted(k for k in config._configurable() if k.startswith("fake")),
    "remote_refused": [k for k in ("fake-open", "fake-local") if remote_refuses(k)],
    "mcp": {k: v for k, v in params.WITHHELD.items() if k.startswith("fake")},
    "mcp_tool": sorted(n for n in params.names() if n.startswith("fake")),
    "web_fields": [n for n in formspec.WEB_FIELDS if n.startswith("fake")],
    "web_refused": {k: v for k, v in formspec.SERVER_ONLY.items() if k.startswith("fake")},
    "batch": {k: v for k, v in lists.BATCH_OWNED.items() if k.startswith("fake")},
    "batch_cli": sorted(n for n in batch_flags if n and n.startswith("fake")),
    "manifest_ignores_held": fingerprint(plain) == fingerprint(
        dataclasses.replace(plain, fake_held="x")),
    "manifest_sees_open": fingerprint(plain) != fingerprint(
        dataclasses.replace(plain, fake_open="x")),
}))
'''


def test_each_surface_takes_a_new_option_as_its_declaration_says() -> None:
    import json
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", _FAKE_OPTIONS], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "config": ["fake-local", "fake-open"],
        "remote_refused": ["fake-local"],
        "mcp": {"fake_held": "m"},
        "mcp_tool": ["fake_local", "fake_open"],
        "web_fields": ["fake_open", "fake_local"],
        "web_refused": {"fake_held": "w"},
        "batch": {"fake_held": "b"},
        "batch_cli": ["fake_local", "fake_open"],
        "manifest_ignores_held": True,
        "manifest_sees_open": True,
    }


@pytest.mark.parametrize("item", cli_fields(), ids=lambda item: item.name)
def test_an_option_that_names_a_file_is_withheld_from_the_servers(
        item: dataclasses.Field[object]) -> None:
    """A model or a visitor must never make the server read or write one of its files."""
    if spec_of(item).metavar == "FILE":
        assert {"mcp", "web"} <= set(spec_of(item).not_on)


def test_a_declaration_naming_an_unknown_surface_fails() -> None:
    from gitdigest.options import option

    with pytest.raises(ValueError, match="unknown surfaces"):
        option(None, "--x", help="x", not_on={"webpage": "typo"})
