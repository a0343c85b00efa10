"""The command line: parse options into one :class:`Options`, make one library call, map errors
to exit codes (0 ok, 1 a check failed, 2 usage or input error, 3 remote failure, 130 interrupted,
70 an internal bug)."""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from . import __version__
from .api import Digest, default_output, write_digest
from .errors import GitDigestError
from .options import FORMATS, TOKENIZERS, Options, parse_size

EXIT_BUG = 70
EXIT_INTERRUPTED = 130


def _size(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_size(value)
    except GitDigestError as error:
        raise click.BadParameter(str(error), ctx, param) from error


def _fail(message: str, code: int) -> NoReturn:
    """Print the one error line and exit with ``code`` (click's Exit carries it out)."""
    click.echo(f"gitdigest: error: {message}", err=True)
    raise click.exceptions.Exit(code)


class _DefaultGroup(click.Group):
    """``gitdigest [SOURCE]`` runs the digest command; other words name subcommands (a folder
    with a subcommand's name is still reachable as ``./name``). Errors are mapped here, once."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["gitdigest.debug"] = "--debug" in args
        if not args or args[0] not in self.commands:
            args = ["digest", *args]
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            _fail(error.format_message(), 2)

    def invoke(self, ctx: click.Context) -> Any:
        debug = ctx.meta.get("gitdigest.debug", False)
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit:
            raise
        except click.UsageError as error:
            _fail(error.format_message(), 2)
        except (KeyboardInterrupt, click.Abort):
            _fail("interrupted", EXIT_INTERRUPTED)
        except BrokenPipeError:
            _quiet_broken_pipe()
        except Exception as error:
            if debug:
                raise
            _fail(*_describe(error))


def _describe(error: Exception) -> tuple[str, int]:
    """Message and exit code for an exception that reached the command line."""
    if isinstance(error, GitDigestError):
        return str(error), error.exit_code
    if isinstance(error, OSError):
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror or error}{where}", 2
    return (f"internal error ({type(error).__name__}: {error}); rerun with --debug for the "
            "traceback and report it", EXIT_BUG)


def _quiet_broken_pipe() -> NoReturn:
    """``gitdigest -o - | head`` closed our stdout: end quietly, as a good Unix filter does."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(0)


@click.group(cls=_DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """gitdigest: a Git repository as one prompt-ready digest with exact token counts."""


@cli.command("digest", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("source", default=".", required=False)
@click.option("-o", "--output", metavar="FILE",
              help="Where to write the digest: a file (default digest.txt, or digest.json with "
                   "-f json) or - for stdout.")
@click.option("-f", "--format", "format_", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Output format.")
@click.option("-i", "--include", multiple=True, metavar="PATTERN",
              help="Only digest paths matching this gitignore-style pattern (repeatable).")
@click.option("-e", "--exclude", multiple=True, metavar="PATTERN",
              help="Leave out paths matching this gitignore-style pattern (repeatable).")
@click.option("-s", "--max-size", callback=_size, default="10MB", show_default=True,
              help="Largest file to read (500k, 2MB, ...; units are powers of 1024).")
@click.option("--tokenizer", type=click.Choice(TOKENIZERS), default="o200k_base",
              show_default=True, help="tiktoken encoding used to count tokens.")
@click.option("--no-gitignore", is_flag=True, help="Do not honour .gitignore files.")
@click.option("--no-default-ignores", is_flag=True,
              help="Do not apply the built-in ignore list (node_modules, lockfiles, media...).")
@click.option("--ref", metavar="REF",
              help="Digest this branch, tag or commit from git objects (working tree untouched).")
@click.option("--max-files", type=click.IntRange(min=1), metavar="N",
              help="Stop after N files; the rest are listed as skipped (reason 'limit').")
@click.option("--max-total-size", callback=_size, metavar="SIZE",
              help="Stop once the included files reach SIZE bytes in total (reason 'limit').")
@click.option("--notebook-outputs", is_flag=True,
              help="Include text outputs of Jupyter notebook cells.")
@click.option("--workers", type=click.IntRange(min=1), metavar="N",
              help="Threads that read and count (default: one per core).")
@click.option("-q", "--quiet", is_flag=True, help="Print no summary on stderr.")
@click.option("--debug", is_flag=True, help="Show a traceback for errors.")
@click.version_option(__version__, "--version", prog_name="gitdigest",
                      message="%(prog)s %(version)s")
def digest_command(source: str, output: str | None, format_: str, include: tuple[str, ...],
                   exclude: tuple[str, ...], max_size: int, tokenizer: str, no_gitignore: bool,
                   no_default_ignores: bool, ref: str | None, max_files: int | None,
                   max_total_size: int | None, notebook_outputs: bool, workers: int | None,
                   quiet: bool, debug: bool) -> None:
    """Digest SOURCE (a folder or a file; default: the current folder).

    Other commands: see `gitdigest COMMAND --help`.
    """
    options = Options(
        source=source, output=output, format=format_, include=include, exclude=exclude,
        max_size=max_size, tokenizer=tokenizer, gitignore=not no_gitignore,
        default_ignores=not no_default_ignores, ref=ref, max_files=max_files,
        max_total_size=max_total_size, notebook_outputs=notebook_outputs, workers=workers,
    )
    result = write_digest(options)
    for note in result.notes:
        click.echo(f"gitdigest: warning: {note}", err=True)
    if not quiet:
        click.echo(format_summary(result, default_output(options)), err=True)


def format_summary(result: Digest, written: str) -> str:
    """The human summary printed on stderr."""
    info = result.source
    where = f"git, commit {info.commit[:12]}" if info.commit else ("git" if info.is_git else
                                                                   "not a git repository")
    reasons = Counter(s.reason for s in result.skipped)
    by_reason = ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items()))
    lines = [
        f"Source:   {info.location} ({where})",
        f"Files:    {result.summary.files} included, {result.summary.skipped} skipped"
        + (f" ({by_reason})" if by_reason else ""),
        f"Tokens:   {result.summary.tokens:,} ({result.tokenizer}, exact)",
    ]
    top = [f"{d.path} ({d.tokens:,})" for d in result.largest[:5]]
    if top:
        lines.append("Largest:  " + ", ".join(top))
    lines.append(f"Output:   {'stdout' if written == '-' else written}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(argv, prog_name="gitdigest")
