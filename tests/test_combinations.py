"""Options with no effect warn, meaningless combinations are exit 2: one table, every surface."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gitdigest import UsageError, digest
from gitdigest.cli import cli
from gitdigest.core.records import SourceInfo
from gitdigest.options import Options, unused

from .conftest import MakeRepo

LOCAL = SourceInfo("local", ".", "repo", is_git=True)
SLUG = SourceInfo("remote", "owner/repo", "repo", host="gitlab.com", repo="owner/repo")
URL = SourceInfo("remote", "https://github.com/o/r", "r", host="github.com", repo="o/r")


@pytest.mark.parametrize(("values", "message"), [
    ({"stats": True, "format": "xml"}, "--stats writes a text or JSON table, not xml"),
    ({"stats": True, "format": "markdown"}, "--stats writes a text or JSON table, not markdown"),
    ({"stats": True, "split_tokens": 1000}, "--stats writes one table, --split-tokens"),
])
def test_meaningless_combinations_are_usage_errors(values: dict[str, object], message: str
                                                   ) -> None:
    with pytest.raises(UsageError, match=message):
        Options.create(**values)


@pytest.mark.parametrize(("values", "info", "expected"), [
    ({"priority": ["src/**"]}, LOCAL, "--priority has no effect without a budget"),
    ({"priority": ["src/**"], "max_tokens": 10, "check": True}, LOCAL,
     "--priority has no effect with --check"),
    ({"reserve": "20%"}, LOCAL, "--reserve has no effect without --model"),
    ({"query": "where are tokens counted"}, LOCAL, "--query has no effect without a budget"),
    ({"reserve": "20%", "max_tokens": 100}, LOCAL, "--reserve has no effect without --model"),
    ({"notes_lang": "en"}, LOCAL, "notes_lang has no effect without with_notes"),
    ({"token": "t0ken"}, LOCAL, "--token has no effect on a local source (repo)"),
    ({"host": "gitlab.com"}, LOCAL, "--host has no effect on a local source"),
    ({"include_submodules": True}, LOCAL, "--include-submodules has no effect on a local"),
    ({"host": "gitlab.com"}, URL, "--host has no effect: it names the host of a bare"),
    ({"gitignore": False}, URL, "--no-gitignore has no effect on a commit"),
    ({"gitignore": False, "ref": "v1"}, SourceInfo("local", ".", "r", ref="v1", is_git=True),
     "--no-gitignore has no effect on a commit"),
])
def test_options_without_effect_warn(values: dict[str, object], info: SourceInfo,
                                     expected: str) -> None:
    found = unused(Options.create(**values), info)
    assert len(found) == 1 and found[0].startswith(expected)


@pytest.mark.parametrize("values", [
    {}, {"priority": ["a"], "max_tokens": 10}, {"reserve": 0.2, "model": "gpt-4o"},
    {"stats": True, "format": "json"}, {"with_notes": True, "notes_lang": "en"},
    {"gitignore": False}, {"timeout": 5}, {"query": "q", "max_tokens": 500},
    {"query": "q", "map": True},
])
def test_options_that_work_do_not_warn(values: dict[str, object]) -> None:
    assert unused(Options.create(**values), LOCAL) == []
    Options.create(**values)  # no error
    # a slug's host is the one --host gave; remote options on a remote are fine
    assert unused(Options.create(host="GitLab.com", token="t", include_submodules=True,
                                   timeout=5), SLUG) == []


def test_every_surface_gets_the_rules(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "a\n"})
    result = digest(str(root), priority=["*.py"], token="t0ken")
    assert result.notes == ["--priority has no effect without a budget (--max-tokens or "
                            "--model)", "--token has no effect on a local source (repo)"]
    with pytest.raises(UsageError, match="--stats writes"):
        digest(str(root), stats=True, format="xml")
    cli_run = CliRunner().invoke(cli, [str(root), "--stats", "--split-tokens", "500"])
    assert cli_run.exit_code == 2
    assert cli_run.stderr.startswith("gitdigest: error: --stats writes one table")
    cli_run = CliRunner().invoke(cli, [str(root), "-o", "-", "--include-submodules"])
    assert cli_run.exit_code == 0
    assert ("gitdigest: warning: --include-submodules has no effect on a local source (repo)"
            in cli_run.stderr)
    assert "--include-submodules" not in cli_run.stdout  # warnings never reach the digest
