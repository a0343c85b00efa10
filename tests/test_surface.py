"""The documented surface matches the code: every option has help and appears in the docs (the
generated docs/options.md and the hand-written pages), the README stays short, and CI runs
exactly the README's test command."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from gitdigest.cli import cli

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = "\n".join(page.read_text(encoding="utf-8") for page in sorted((ROOT / "docs").glob("*.md")))


def _commands() -> list[tuple[str, click.Command]]:
    return list(cli.commands.items())


@pytest.mark.parametrize(("name", "command"), _commands())
def test_every_option_has_help_and_is_documented(name: str, command: click.Command) -> None:
    assert command.help
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{name}: {param.opts} has no help"
            for opt in param.opts:
                if opt.startswith("--") and opt != "--help":
                    assert f"`{opt}" in DOCS, f"{opt} is in no docs/*.md page"


def test_readme_stays_a_short_front_door() -> None:
    assert len(README.encode()) <= 12 * 1024, "README.md over 12 KB: move reference to docs/"


def test_ci_runs_the_readme_test_command() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = [line for line in quick_start.splitlines() if line.startswith("python3 -m venv")]
    assert len(commands) == 2, "the Quick start holds exactly two set-up commands"
    install_and_run, test = commands
    assert install_and_run.endswith("gitdigest") and "pytest" in test
    assert test in (ROOT / ".ci" / "run").read_text()
