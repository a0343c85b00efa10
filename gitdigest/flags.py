"""The command-line flags, built from the option declarations.

The command line and a batch list's lines both parse with the commands built here, so a line
``o/r --diff --changed`` means what the same words mean on the command line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import cache
from typing import Any

import click
from click.core import ParameterSource

from .core.errors import GitDigestError, UsageError
from .options import cli_fields, is_multiple, kind_of, spec_of, withheld


def _parser(parse: Callable[[str], Any]) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None:
            return None
        try:
            return parse(value)
        except GitDigestError as error:
            raise click.BadParameter(str(error), ctx, param) from error
    return callback


def click_option(item: dataclasses.Field[Any]) -> Callable[[Any], Any]:
    """One click option from one declaration. Defaults stay in :class:`Options`: an option not
    given reaches the library as absent, so the library's default is the only one."""
    spec = spec_of(item)
    kind = kind_of(item)
    settings: dict[str, Any] = {"help": spec.help, "default": None, "metavar": spec.metavar}
    if spec.bare is not None:  # the value may be left out: `--log` means `--log 20`
        settings.update(is_flag=False, flag_value=spec.bare)
    if kind is bool:
        settings.update(is_flag=True, flag_value=not spec.negated)
    elif spec.choices is not None:
        settings["type"] = click.Choice(spec.choices)
    elif spec.parse is not None:
        settings["callback"] = _parser(spec.parse)
    elif kind is int:
        settings["type"] = click.IntRange(min=None if spec.minimum is None else int(spec.minimum))
    elif kind is float:
        settings["type"] = click.FloatRange(min=spec.minimum, min_open=spec.open_minimum)
    if is_multiple(item):
        settings.update(multiple=True, default=())
    default = spec.shown_default if spec.shown_default is not None else item.default
    if kind is not bool and default not in (None, ()):
        # said in the help text: click would put a string default in parentheses
        settings["help"] = f"{spec.help}  [default: {default}]"
    return click.option(*spec.flags, item.name, **settings)


def with_options(command: Callable[..., None], skip: frozenset[str] = frozenset()
                 ) -> Callable[..., None]:
    """``command`` with a click option for every declared option not in ``skip``."""
    for item in reversed(cli_fields()):
        if item.name not in skip:
            command = click_option(item)(command)
    return command


def with_batch_options(command: Callable[..., None]) -> Callable[..., None]:
    """Every digest option except those a batch owns (it names and writes every output)."""
    return with_options(command, frozenset(withheld("batch")))


@cache
def _line_command() -> click.Command:
    """What one batch list line may say: a source and the options a batch does not own."""
    def accept(**_: Any) -> None:
        return None

    command = with_batch_options(accept)
    return click.Command("line", callback=command,
                         params=[click.Argument(["source"], required=False),
                                 *getattr(command, "__click_params__", [])[::-1]],
                         add_help_option=False)


def parse_line(words: list[str]) -> tuple[str | None, dict[str, Any]]:
    """The source and the options one batch list line gives, parsed as the command line
    parses the same words; values as click gives them (repeatable options as lists)."""
    owned = {flag: reason for item in cli_fields()
             if (reason := spec_of(item).not_on.get("batch")) for flag in spec_of(item).flags}
    for word in words:
        flag = word.partition("=")[0]
        if flag in owned:
            raise UsageError(f"{flag} cannot be given per source: {owned[flag]}")
    command = _line_command()
    try:
        context = command.make_context("line", list(words))
    except click.UsageError as error:
        raise UsageError(error.format_message()) from None
    values: dict[str, Any] = {}
    for name, value in context.params.items():
        if name == "source" or context.get_parameter_source(name) != ParameterSource.COMMANDLINE:
            continue
        values[name] = list(value) if isinstance(value, tuple) else value
    return context.params.get("source"), values
