"""Generate docs/options.md, the options reference, from the option declarations.

Run from the repository root: ``python docs/gen_options.py > docs/options.md``
(``tests/test_options_doc.py`` fails when the page is stale).

Which surface accepts an option comes from :func:`decisions`, which asks the declarations the
same way every surface does (:func:`gitdigest.options.allowed`, the reasons in ``not_on``), so
the page says what the code does. The other commands' options come from the click commands.
"""

from __future__ import annotations

import dataclasses
from dataclasses import fields
from typing import Any

import click

from gitdigest import config
from gitdigest.cli import DEFAULT_COMMAND, cli
from gitdigest.mcp_server.params import FORBIDDEN_CHOICES
from gitdigest.options import _LOCAL, SURFACES, Options, allowed, spec_of

Field = dataclasses.Field[Any]

#: the columns of the overview, in order: the command line, then every declared surface
COLUMNS = {"cli": "CLI", "config": "file/env", "remote_config": "remote", "mcp": "MCP",
           "web": "web", "batch": "batch"}


def decisions(item: Field) -> dict[str, str | None]:
    """Every surface's decision on ``item``: None when it accepts the option, else the reason
    its declaration gives (the command line takes every option)."""
    verdicts: dict[str, str | None] = {"cli": None}
    for surface in SURFACES:
        verdicts[surface] = None if allowed(item, surface) else spec_of(item).not_on[surface]
    if verdicts["remote_config"] is None:  # a remote's file is a configuration file first
        verdicts["remote_config"] = verdicts["config"]
    return verdicts


#: defaults that a value alone would misstate ("none" for where the digest goes)
DEFAULTS = {"output": "`digest.<ext>` in the current folder (`.txt`, `.json`, `.md` or `.xml`, "
                      "by format); stdout for `--stats` and `--tree-only`"}

#: what a ``--no-...`` flag turns off is "on" by default; these say it in their own words
ON_WORDS = {"gitignore": "honoured", "default_ignores": "applied"}


def _default(item: Field) -> str:
    spec = spec_of(item)
    if item.name in DEFAULTS:
        return DEFAULTS[item.name]
    if spec.shown_default:
        return f"`{spec.shown_default}`"
    if item.default is None or item.default == ():
        return "none"
    if isinstance(item.default, bool):
        if item.default and spec.flags and spec.flags[-1].startswith("--no-"):
            return f"{ON_WORDS.get(item.name, 'on')} by default; the flag turns it off"
        return "on" if item.default else "off"
    return f"`{item.default}`"


def _flag(item: Field) -> str:
    spec = spec_of(item)
    if not spec.flags:
        return item.name.upper()
    return f"{spec.flags[-1]} {spec.metavar}" if spec.metavar else spec.flags[-1]


def _anchor(item: Field) -> str:
    """The section's link target: an ``<a id>`` before its heading, which GitHub and MkDocs both
    honour (a ``{#id}`` heading attribute shows literally on GitHub)."""
    return item.name.replace("_", "-")


def _with_metavar(flag: str, metavar: str | None) -> str:
    """One flag in backticks with its placeholder inside them: `--profile NAME`."""
    return f"`{flag} {metavar}`" if metavar else f"`{flag}`"


def _cell(text: str) -> str:
    """One table cell: whitespace collapsed (Python 3.13 dedents docstrings, 3.10 does not)."""
    return " ".join(text.split()).replace("|", "\\|")


def _overview() -> list[str]:
    lines = ["| option | " + " | ".join(COLUMNS.values()) + " |",
             "|---|" + "---|" * len(COLUMNS)]
    for item in fields(Options):
        verdicts = decisions(item)
        marks = ["yes" if verdicts[surface] is None else "—" for surface in COLUMNS]
        lines.append(f"| [`{_flag(item)}`](#{_anchor(item)}) | " + " | ".join(marks) + " |")
    return lines


def _details(item: Field) -> list[str]:
    spec = spec_of(item)
    verdicts = decisions(item)
    rows = [("flags", ", ".join(_with_metavar(flag, spec.metavar) for flag in spec.flags)
             or "the `SOURCE` argument"),
            ("default", _default(item)), ("Python keyword", f"`{item.name}=`")]
    if verdicts["config"] is None:
        rows += [("config key", f"`{config.key_of(item)}`"),
                 ("environment variable", f"`{config.env_name(item)}`")]
    if spec.choices:
        rows.append(("choices", ", ".join(f"`{choice}`" for choice in spec.choices)))
    if item.name in FORBIDDEN_CHOICES:
        rows.append(("MCP", "never " + ", ".join(f"`{c}`" for c in FORBIDDEN_CHOICES[item.name])))
    rows.append(("accepted by", ", ".join(
        COLUMNS[surface] for surface, reason in verdicts.items() if reason is None)))
    # the usual reason a remote's file may not set an option is said once, in the legend
    rows += [(f"not by {COLUMNS[surface]}", reason) for surface, reason in verdicts.items()
             if reason is not None and not (surface == "remote_config" and reason == _LOCAL)]
    lines = [f'<a id="{_anchor(item)}"></a>', "", f"### `{_flag(item)}`", "", _cell(spec.help),
             "", "| | |", "|---|---|"]
    return [*lines, *(f"| {key} | {_cell(value)} |" for key, value in rows), ""]


def _click_default(param: click.Option) -> str:
    if param.is_flag:
        return "off"
    if not isinstance(param.default, (str, int, float)):  # None, (), click's UNSET
        return "none"
    return f"`{param.default}`"


def _command_table(command: click.Command, skip: set[str]) -> list[str]:
    lines = ["| option | default | meaning |", "|---|---|---|"]
    for param in command.params:
        if not isinstance(param, click.Option) or param.name in skip or param.hidden:
            continue
        flags = ", ".join(_with_metavar(opt, param.metavar) for opt in param.opts)
        lines.append(f"| {flags} | {_click_default(param)} | "
                     f"{_cell(param.help or '')} |")
    return [*lines, ""]


def options_markdown() -> str:
    """The whole page."""
    names = {item.name for item in fields(Options)}
    out = [
        "# Options",
        "",
        "<!-- Generated by `python docs/gen_options.py > docs/options.md`; do not edit. -->",
        "",
        "Every digest option is declared once (`gitdigest/options.py`): its flags, default,",
        "parsing, limits, and the surfaces that may not set it, with the reason. The command",
        "line, the configuration file, the environment, the Python API, the MCP tools, the web",
        "page and batch lists all read that declaration, and so does this page. Precedence,",
        "highest first: the command line (or the Python keyword), the environment, the",
        "configuration file (a `--profile` table over its top table), the default. See",
        "[Configuration](configuration.md) for files and profiles.",
        "",
        "## Which surface accepts which option",
        "",
        "CLI: the command line (and the Python API); file/env: a local `.gitdigest.toml`,",
        "`[tool.gitdigest]` in `pyproject.toml`, or a `GITDIGEST_<OPTION>` variable; remote: a",
        "remote repository's own configuration, when trusted with `--trust-remote-config`;",
        "MCP: the `digest` tool's parameters ([MCP server](mcp.md)); web: the form and JSON API",
        "([Web page](web.md)); batch: options on one line of a batch list ([Batch](batch.md)).",
        "",
        "A remote repository's configuration never sets an option that decides where this",
        "machine reads, writes or fetches, or what it spends: that is the reason behind most",
        "dashes in the remote column, and an option's section says \"not by remote\" only",
        "when the reason is another.",
        "",
        *_overview(),
        "",
        "## Digest options",
        "",
    ]
    for item in fields(Options):
        out += _details(item)
    out += ["## Command-line only", "",
            "These options of the digest command belong to the run, not to the digest:", ""]
    out += _command_table(cli.commands[DEFAULT_COMMAND], names)
    for name, command in cli.commands.items():
        if name == DEFAULT_COMMAND:
            continue
        summary = (command.help or "").strip().split("\n\n", 1)[0]
        out += [f"## `gitdigest {name}`", "", _cell(summary), ""]
        out += _command_table(command, names if name == "batch" else set())
        if name == "batch":
            out += ["`gitdigest batch` also takes every digest option above that the batch",
                    "column marks yes; given to the command, it applies to every source.", ""]
    return "\n".join(out).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(options_markdown(), end="")
