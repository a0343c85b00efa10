"""The command line: options derived from :class:`Options`'s declarations, one library call,
and errors mapped to exit codes in one place (see :mod:`gitdigest.errors`)."""

from __future__ import annotations

import dataclasses
import os
import sys
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import click

from . import __version__
from .api import Digest, write_digest
from .config import Configuration, describe
from .errors import EXIT_BUG, EXIT_CODES, EXIT_INTERRUPTED, GitDigestError, Interrupted
from .notes import LANGUAGES, read_notes
from .notes.models import SUMMARY_MODELS, find_model, format_table
from .options import TOKENIZERS, Options, cli_fields, is_multiple, kind_of, spec_of
from .paths import display
from .progress import TerminalProgress, wants_color
from .records import SourceInfo
from .sources import no_progress

_HELP = {"help_option_names": ["-h", "--help"]}
#: The command a bare ``gitdigest [SOURCE]`` runs. It is registered (hidden) under this name,
#: but the word itself is never read as a command: ``gitdigest digest`` digests ./digest.
DEFAULT_COMMAND = "digest"
# What the group puts before the arguments of the default command: an argument list cannot
# hold a NUL byte, so no folder name can collide with it.
_DEFAULT_MARK = "\0default"
_EXIT_EPILOG = "\b\nExit codes:\n" + "\n".join(f"  {code:<4} {meaning}"
                                               for code, meaning in EXIT_CODES)


@dataclasses.dataclass
class _State:
    """What the one error handler needs to know about the run (``--debug``)."""

    debug: bool = False


class _DefaultGroup(click.Group):
    """``gitdigest [SOURCE]`` runs the digest command; other words name subcommands (a folder
    with a subcommand's name is still reachable as ``./name``). Every error is mapped here."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands or args[0] == DEFAULT_COMMAND:
            args = [_DEFAULT_MARK, *args]
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] == _DEFAULT_MARK:
            return DEFAULT_COMMAND, self.commands[DEFAULT_COMMAND], args[1:]
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:  # before click's own handler, which prints a blank line
            raise Interrupted from None
        except BrokenPipeError:  # before click's, which exits 1: `gitdigest -o - | head` is fine
            _quiet_stdout()
            raise click.exceptions.Exit(0) from None

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        state = _State()
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, obj=state,
                                **extra)
        except BaseException as error:
            code = _report(error, state.debug)
        sys.exit(code or 0)


class _DefaultContext(click.Context):
    """The default command's context: its usage line and hints read ``gitdigest [OPTIONS]
    [SOURCE]``, as it is typed, not ``gitdigest digest ...``."""

    @property
    def command_path(self) -> str:
        if self.parent is not None:
            return self.parent.command_path
        return super().command_path


class _DefaultCommand(click.Command):
    """The digest command; its help ends with the other commands and the exit codes."""

    context_class = _DefaultContext

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        group = ctx.parent.command if ctx.parent is not None else None
        if isinstance(group, click.Group):
            rows = [(name, command.get_short_help_str(60))
                    for name, command in group.commands.items() if not command.hidden]
            with formatter.section("Commands (a folder named like one: ./name)"):
                formatter.write_dl(rows)
        formatter.write_paragraph()
        formatter.write_text(_EXIT_EPILOG)


def _complete_source(ctx: click.Context, param: click.Parameter, incomplete: str
                     ) -> list[click.shell_completion.CompletionItem]:
    """SOURCE completes as a path, and as the other commands' names."""
    group = ctx.parent.command if ctx.parent is not None else None
    names = [name for name, command in getattr(group, "commands", {}).items()
             if not command.hidden and name.startswith(incomplete)]
    return [*(click.shell_completion.CompletionItem(name) for name in names),
            click.shell_completion.CompletionItem(incomplete, type="file")]


def _report(error: BaseException, debug: bool) -> int:
    """Print the one line for ``error`` (a traceback first under ``--debug``); its exit code."""
    if isinstance(error, SystemExit):
        if error.code is None:
            return 0
        return error.code if isinstance(error.code, int) else 1
    if debug and not isinstance(error, (click.UsageError, KeyboardInterrupt, click.Abort)):
        traceback.print_exception(type(error), error, error.__traceback__)
    message, code = _describe(error, debug)
    label = click.style("error", fg="red", bold=True) if wants_color() else "error"
    click.echo(f"gitdigest: {label}: {message}", err=True)
    return code


def _describe(error: BaseException, debug: bool) -> tuple[str, int]:
    if isinstance(error, click.UsageError):
        return error.format_message(), 2
    if isinstance(error, (KeyboardInterrupt, click.Abort)):
        return "interrupted", EXIT_INTERRUPTED
    if isinstance(error, GitDigestError):
        return str(error), error.exit_code
    advice = "report it with the traceback above" if debug else (
        "rerun with --debug for the traceback and report it")
    return f"internal error ({type(error).__name__}: {error}); {advice}", EXIT_BUG


def _quiet_stdout() -> None:
    """Our reader closed stdout: point it at /dev/null so the final flush cannot fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


@click.group("gitdigest", cls=_DefaultGroup, context_settings=_HELP)
def cli() -> None:
    """gitdigest: a Git repository as one prompt-ready digest with exact token counts."""


def _parser(parse: Callable[[str], Any]) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None:
            return None
        try:
            return parse(value)
        except GitDigestError as error:
            raise click.BadParameter(str(error), ctx, param) from error
    return callback


def _click_option(item: dataclasses.Field[Any]) -> Callable[[Any], Any]:
    """One click option from one declaration. Defaults stay in :class:`Options`: an option not
    given reaches the library as absent, so the library's default is the only one."""
    spec = spec_of(item)
    kind = kind_of(item)
    settings: dict[str, Any] = {"help": spec.help, "default": None, "metavar": spec.metavar}
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


def _with_options(command: Callable[..., None]) -> Callable[..., None]:
    for item in reversed(cli_fields()):
        command = _click_option(item)(command)
    return command


@cli.command(DEFAULT_COMMAND, cls=_DefaultCommand, context_settings=_HELP, hidden=True)
@click.argument("source", required=False, shell_complete=_complete_source)
@_with_options
@click.option("--profile", metavar="NAME",
              help="Apply the configuration file's [profiles.NAME] table over its top table.")
@click.option("--trust-remote-config", is_flag=True,
              help="Apply a remote repository's own configuration file (ignored otherwise).")
@click.option("--print-config", is_flag=True,
              help="Print the merged options and where each came from, and digest nothing.")
@click.option("-q", "--quiet", is_flag=True,
              help="Print no summary and no progress on stderr (warnings and errors still).")
@click.option("--debug", is_flag=True, help="Show a traceback for errors.")
@click.version_option(__version__, "--version", prog_name="gitdigest",
                      message="%(prog)s %(version)s")
@click.pass_obj
def digest_command(state: _State, /, quiet: bool, debug: bool, profile: str | None,
                   trust_remote_config: bool, print_config: bool, **values: Any) -> None:
    """Digest SOURCE (a folder, a file or a repository URL; default: the current folder).

    The digest goes to -o (default digest.txt; its extension picks the format unless -f is
    given); a summary and any warnings go to stderr, progress too when it is a terminal.
    """
    state.debug = debug
    given = {name: value for name, value in values.items() if value not in (None, ())}
    configuration = Configuration(given, os.environ, profile, trust_remote_config,
                                  warn=_warn)
    resolved = configuration.resolve()
    if print_config:
        click.echo(describe(resolved), nl=False)
        return
    options = resolved.options
    progress = None if quiet else TerminalProgress.for_stderr()
    try:
        result, written = write_digest(options, progress or no_progress,
                                       configuration.reconfigure)
    except GitDigestError as error:
        if progress is not None:
            progress.close()
        if error.written and error.digest is not None:  # say what is there, and where
            _tell(error.digest, list(error.written), error.digest.options, quiet)
            places = ", ".join("stdout" if path == "-" else path for path in error.written)
            error.args = (f"{error} (the digest was written all the same: {places})",)
        raise
    finally:  # whatever ends the run, the bar is gone before anything else is printed
        if progress is not None:
            progress.close()
    _tell(result, written, result.options, quiet)


def _warn(line: str) -> None:
    """One warning line on stderr (its label in colour on a terminal, unless NO_COLOR)."""
    label = click.style("warning", fg="yellow", bold=True) if wants_color() else "warning"
    click.echo(f"gitdigest: {label}: {line}", err=True)


def _tell(result: Digest, written: list[str], options: Options, quiet: bool) -> None:
    """Warnings (always) and the summary (unless -q) on stderr."""
    for note in result.notes:
        _warn(note)
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
    reasons = Counter(s.reason for s in result.skipped)
    by_reason = ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items()))
    lines = [
        f"Source:   {source_label(result.source)}",
        f"Files:    {result.summary.files} included, {result.summary.skipped} skipped"
        + (f" ({by_reason})" if by_reason else ""),
        f"Tokens:   {result.summary.tokens:,} ({result.tokenizer}, exact)"
        + (f", budget {result.budget:,}" if result.budget is not None else ""),
        "Windows:  " + ", ".join(_share(result, key) for key in SUMMARY_MODELS),
        f"Content:  sha256 {result.fingerprint} (fingerprint)",
    ]
    largest = [f"{d.path} ({d.tokens:,})" for d in result.largest[:top]]
    if largest:
        lines.append("Largest:  " + ", ".join(largest))
    lines += _skipped_lines(result, written, copied, top)
    lines += _secret_lines(result)
    targets = ["stdout" if path == "-" else path for path in written]
    if copied:
        targets.append("clipboard")
    lines.append(f"Output:   {', '.join(targets) or 'nothing'}")
    return "\n".join(lines)


#: how long a commit id reads in the summary (the digest itself holds the whole id)
SHORT_COMMIT = 12


def source_label(info: SourceInfo) -> str:
    """The source as the digest names it: the folder's name (not ``.``) or host/owner/repo,
    then ref, short commit and subpath."""
    if info.kind == "remote":
        name = f"{info.host}/{info.repo}" if info.host and info.repo else info.location
        facts = []
    else:
        name = info.name
        facts = ["git" if info.is_git else "not a git repository"]
    if info.ref:
        facts.append(f"ref {info.ref}")
    if info.commit:
        facts.append(f"commit {info.commit[:SHORT_COMMIT]}")
    if info.subpath:
        facts.append(f"subpath {display(info.subpath)}")
    return display(name) + (f" ({', '.join(facts)})" if facts else "")


_LIST_NAMES = {"text": "its SKIPPED section", "markdown": "its ## Skipped list",
               "json": 'its "skipped" array', "xml": "its <skipped> element"}


def _skipped_lines(result: Digest, written: list[str], copied: bool, top: int) -> list[str]:
    """Up to ``top`` skipped paths per reason, and where the full list is."""
    if not result.skipped or top == 0:
        return []
    by_reason: dict[str, list[str]] = {}
    for item in result.skipped:
        by_reason.setdefault(item.reason, []).append(display(item.path))
    lines = []
    for reason, paths in sorted(by_reason.items()):
        more = f", ... and {len(paths) - top:,} more" if len(paths) > top else ""
        lines.append(f"{reason} {len(paths):,}: {', '.join(paths[:top])}{more}")
    options = result.options
    if options.stats:
        where = "not in the --stats table; a run without --stats lists every path"
    else:
        target = next((path for path in written), None)
        place = ("stdout" if target == "-" else target) if target else (
            "the clipboard" if copied else None)
        where = (f"{place}, {_LIST_NAMES[options.format]}" if place
                 else "in the digest, which was not written")
    lines.append(f"full list: {where}")
    return ["Skipped:  " + lines[0], *("          " + line for line in lines[1:])]


def _secret_lines(result: Digest) -> list[str]:
    """Each secret by file, line and rule (never its value)."""
    if not result.secrets:
        return []
    withheld = {s.path for s in result.skipped if s.reason == "secret"}
    action = "redacted" if result.options.secrets == "redact" else "found"
    lines = [f"Secrets:  {len(result.secrets)} {action}"
             + (f", {len(withheld)} file{'s' if len(withheld) != 1 else ''} withheld"
                if withheld else "")]
    lines += [f"          {display(s.path)}:{s.line} {s.rule}"
              + (" (file withheld)" if s.path in withheld else "") for s in result.secrets]
    return lines


def _share(result: Digest, key: str) -> str:
    model = find_model(key)
    share = result.summary.tokens / model.context_window
    exact = "" if model.exact_encoding == result.tokenizer else " est."
    return f"{model.name} {share:.1%}{exact} of {model.context_window:,}"


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(argv, prog_name="gitdigest")
