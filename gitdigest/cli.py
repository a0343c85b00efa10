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
from .api import Digest, write_digest
from .errors import GitDigestError
from .notes import LANGUAGES, read_notes
from .notes.models import SUMMARY_MODELS, find_model, format_table
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


def _fraction(ctx: click.Context, param: click.Parameter, value: str) -> float:
    try:
        number = float(value.rstrip("%")) / (100 if value.endswith("%") else 1)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a fraction (0.1) or a percentage (10%)",
                                 ctx, param) from None
    return number


_HELP = {"help_option_names": ["-h", "--help"]}


@cli.command("digest", context_settings=_HELP)
@click.argument("source", default=".", required=False)
@click.option("-o", "--output", metavar="FILE",
              help="Where to write the digest: a file (default digest.txt, .json, .md or .xml "
                   "by format) or - for stdout.")
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
              help="Worker processes that read and count (default: one per core).")
@click.option("--max-tokens", type=click.IntRange(min=1), metavar="N",
              help="Token budget: keep files by priority until the digest would exceed N.")
@click.option("--model", metavar="NAME",
              help="Token budget from a model's context window (see `gitdigest models`).")
@click.option("--reserve", callback=_fraction, default="0.1", show_default=True,
              metavar="FRACTION", help="Share of --model's window kept free for the answer.")
@click.option("--priority", multiple=True, metavar="PATTERN",
              help="Files matching this pattern are kept first under a budget (repeatable).")
@click.option("--check", is_flag=True,
              help="Do not cut: write the whole digest and exit 1 if it is over the budget.")
@click.option("--split-tokens", type=click.IntRange(min=1), metavar="N",
              help="Write digest.1.txt, digest.2.txt... each at most N tokens.")
@click.option("--stats", is_flag=True,
              help="Write a token table per folder and per file instead of the contents.")
@click.option("--top", type=click.IntRange(min=0), default=5, show_default=True,
              metavar="N", help="How many of the largest files the summary lists.")
@click.option("--line-numbers", is_flag=True, help="Prefix every line of every file with its "
              "number.")
@click.option("--header", metavar="TEXT", help="Put this text (your prompt) first.")
@click.option("--instructions", metavar="FILE", help="Put this file's text (your prompt) first.")
@click.option("--with-notes", is_flag=True,
              help="Put the bundled LLM reference notes at the top as a reference section.")
@click.option("--copy", is_flag=True,
              help="Also put the digest on the clipboard (only there when -o is not given).")
@click.option("--token", metavar="TOKEN", envvar=None,
              help="Token for a private remote (else GITDIGEST_TOKEN, else the host's usual "
                   "variable such as GITHUB_TOKEN or GITLAB_TOKEN).")
@click.option("--host", default="github.com", show_default=True, metavar="HOST",
              help="Host that a bare owner/repo slug refers to.")
@click.option("--no-cache", is_flag=True,
              help="Clone remotes into a temporary folder instead of the clone cache.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=900,
              show_default=True, metavar="SECONDS", help="Limit for each git network operation.")
@click.option("--include-submodules", is_flag=True,
              help="Digest the submodules of a remote repository too.")
@click.option("-q", "--quiet", is_flag=True, help="Print no summary on stderr.")
@click.option("--debug", is_flag=True, help="Show a traceback for errors.")
@click.version_option(__version__, "--version", prog_name="gitdigest",
                      message="%(prog)s %(version)s")
def digest_command(source: str, format_: str, quiet: bool, debug: bool, **values: Any) -> None:
    """Digest SOURCE (a folder or a file; default: the current folder).

    Other commands: `gitdigest notes` prints the bundled LLM reference notes, `gitdigest models`
    the model table. A folder named like a command is reachable as ./name.
    """
    values["gitignore"] = not values.pop("no_gitignore")
    values["default_ignores"] = not values.pop("no_default_ignores")
    values["cache"] = not values.pop("no_cache")
    for name in ("include", "exclude", "priority"):
        values[name] = tuple(values[name])
    options = Options(source=source, format=format_, **values)
    result, written = write_digest(options)
    for note in result.notes:
        click.echo(f"gitdigest: warning: {note}", err=True)
    if not quiet:
        click.echo(format_summary(result, written, copied=options.copy, top=options.top),
                   err=True)


@cli.command("notes", context_settings=_HELP)
@click.option("--lang", type=click.Choice(LANGUAGES), default="ja", show_default=True,
              help="ja: the notes exactly as bundled; en: our English rendering.")
def notes_command(lang: str) -> None:
    """Print the bundled LLM reference notes, byte for byte."""
    sys.stdout.flush()
    sys.stdout.buffer.write(read_notes(lang))
    sys.stdout.buffer.flush()


@cli.command("models", context_settings=_HELP)
@click.option("--tokenizer", type=click.Choice(TOKENIZERS), default="o200k_base",
              show_default=True, help="The encoding gitdigest would count with.")
def models_command(tokenizer: str) -> None:
    """Print the model table built from the notes: developer, context window, token counting."""
    click.echo(format_table(tokenizer), nl=False)


def format_summary(result: Digest, written: list[str], *, copied: bool = False,
                   top: int = 5) -> str:
    """The human summary printed on stderr."""
    info = result.source
    where = f"git, commit {info.commit[:12]}" if info.commit else ("git" if info.is_git else
                                                                   "not a git repository")
    if info.kind == "remote":
        where = (f"{info.host} {info.repo}, ref {info.ref}, commit {info.commit}"
                 + (f", subpath {info.subpath}" if info.subpath else ""))
    reasons = Counter(s.reason for s in result.skipped)
    by_reason = ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items()))
    lines = [
        f"Source:   {info.location} ({where})",
        f"Files:    {result.summary.files} included, {result.summary.skipped} skipped"
        + (f" ({by_reason})" if by_reason else ""),
        f"Tokens:   {result.summary.tokens:,} ({result.tokenizer}, exact)"
        + (f", budget {result.budget:,}" if result.budget is not None else ""),
        "Windows:  " + ", ".join(_share(result, key) for key in SUMMARY_MODELS),
    ]
    largest = [f"{d.path} ({d.tokens:,})" for d in result.largest[:top]]
    if largest:
        lines.append("Largest:  " + ", ".join(largest))
    targets = ["stdout" if path == "-" else path for path in written]
    if copied:
        targets.append("clipboard")
    lines.append(f"Output:   {', '.join(targets) or 'nothing'}")
    return "\n".join(lines)


def _share(result: Digest, key: str) -> str:
    model = find_model(key)
    share = result.summary.tokens / model.context_window
    exact = "" if model.exact_encoding == result.tokenizer else " est."
    return f"{model.name} {share:.1%}{exact} of {model.context_window:,}"


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(argv, prog_name="gitdigest")
