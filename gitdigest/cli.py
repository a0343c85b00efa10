"""The command line: options derived from :class:`Options`'s declarations, one library call,
and errors mapped to exit codes in one place (see :mod:`gitdigest.core.errors`)."""

from __future__ import annotations

import dataclasses
import os
import re
import sys
import traceback
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from . import __version__
from .api import Digest, default_output, write_digest
from .config import Configuration, describe
from .core.errors import (
    EXIT_BUG,
    EXIT_CODES,
    EXIT_INTERRUPTED,
    GitDigestError,
    Interrupted,
    UsageError,
)
from .core.layout import brief_path, source_label
from .core.paths import display
from .core.records import OWN_OUTPUT
from .flags import with_batch_options, with_options
from .notes import LANGUAGES, read_notes
from .notes.models import Model, format_table, summary_models
from .options import (
    AUTO,
    TOKENIZER_CHOICES,
    Options,
)
from .output.progress import TerminalProgress, wants_color
from .sources import no_progress
from .sources.urls import looks_remote

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


@cli.command(DEFAULT_COMMAND, cls=_DefaultCommand, context_settings=_HELP, hidden=True)
@click.argument("source", nargs=-1, shell_complete=_complete_source)
@with_options
@click.option("--profile", metavar="NAME",
              help="Apply the configuration file's [profiles.NAME] table over its top table.")
@click.option("--trust-remote-config", is_flag=True,
              help="Apply a remote repository's own configuration file (ignored otherwise).")
@click.option("--print-config", is_flag=True,
              help="Print the merged options and where each came from, and digest nothing.")
@click.option("--watch", is_flag=True,
              help="After the digest, digest again whenever a file it holds or a rule that "
                   "chooses files changes, one line per run, until Ctrl-C (the watch extra).")
@click.option("-q", "--quiet", is_flag=True,
              help="Print no summary and no progress on stderr (warnings and errors still).")
@click.option("--debug", is_flag=True, help="Show a traceback for errors.")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=lambda ctx, _, on: _print_version(ctx) if on else None,
              help="Show the version and whether git runs sandboxed, and exit.")
@click.pass_obj
def digest_command(state: _State, /, quiet: bool, debug: bool, profile: str | None,
                   trust_remote_config: bool, print_config: bool, watch: bool,
                   **values: Any) -> None:
    """Digest SOURCE (a folder, a file or a repository URL; default: the current folder).
    Several SOURCEs make one digest, each source a top-level section.

    The digest goes to -o (default digest.txt; its extension picks the format unless -f is
    given); a summary and any warnings go to stderr, progress too when it is a terminal.
    """
    state.debug = debug
    sources = values.pop("source") or (None,)
    values.update(source=sources[0], more_sources=tuple(sources[1:]))
    given = {name: value for name, value in values.items() if value not in (None, ())}
    configuration = Configuration(given, os.environ, profile, trust_remote_config,
                                  warn=_warn)
    resolved = configuration.resolve()
    if print_config:
        click.echo(describe(resolved), nl=False)
        return
    options = resolved.options
    if watch:
        _watch(configuration, quiet)
        return
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


def _watch(configuration: Configuration, quiet: bool) -> None:
    """``--watch``: the first digest with its summary, then one line per run until Ctrl-C."""
    from .output.watch import Run, describe, watch

    options = configuration.resolve().options
    if options.more_sources:
        raise UsageError("--watch digests one folder again as it changes; give one SOURCE")
    if looks_remote(options.source):
        raise UsageError("--watch digests a local folder again as it changes, not a remote")
    if default_output(options) in ("-", None):
        raise UsageError("--watch rewrites a file each time; give -o FILE, not stdout")
    root = Path(options.source)
    root = root if root.is_dir() else root.parent
    previous: list[Run] = []

    def run() -> tuple[Digest, list[str]]:
        current = configuration.resolve().options  # a changed configuration file counts too
        return write_digest(current, no_progress, configuration.reconfigure)

    def report(current: Run) -> None:
        digest = current.digest
        assert isinstance(digest, Digest)
        if current.number == 1:
            _tell(digest, list(current.written), digest.options, quiet)
            _warn_line("watching for changes (Ctrl-C to stop)")
        else:
            for note in digest.notes:
                _warn(note)
        click.echo(describe(current, previous[-1] if previous else None), err=True)
        previous[:] = [current]

    try:
        runs = watch(root, run, report)
    except KeyboardInterrupt:
        runs = len(previous) and previous[-1].number
    click.echo(f"gitdigest: stopped watching after {runs} run(s)", err=True)


def _warn_line(line: str) -> None:
    click.echo(f"gitdigest: {line}", err=True)


def _print_version(ctx: click.Context) -> None:
    """``gitdigest --version``: the version, then how git is confined on this machine."""
    from .sources import sandbox

    click.echo(f"gitdigest {__version__}\n{sandbox.status().describe()}")
    ctx.exit()


def _require_git_sandbox(allow_unsandboxed: bool) -> None:
    """A server runs git for others: without the sandbox it refuses to start unless the
    operator allowed that; with it, every git call of the server (its job processes and
    workers inherit the variable) refuses to run unconfined."""
    from .sources.gitcmd import REQUIRE_ENV, check_sandbox, require_sandbox

    if allow_unsandboxed:
        return
    check_sandbox()
    require_sandbox()
    os.environ[REQUIRE_ENV] = "1"


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
@click.option("--tokenizer", type=click.Choice(TOKENIZER_CHOICES), default=AUTO,
              show_default=True, help="The encoding gitdigest would count with (auto: as "
                                      "--model NAME alone counts).")
def models_command(tokenizer: str) -> None:
    """Print the model table built from the notes: developer, context window, token counting."""
    from .count.encoding import counting

    click.echo(format_table(tokenizer, lambda model: counting(model, tokenizer)), nl=False)


def _host_names(values: tuple[str, ...]) -> tuple[str, ...]:
    """``--public-host`` values: host names (or IP addresses), lower-case, no scheme or port."""
    for value in values:
        if not re.fullmatch(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]", value):
            raise click.BadParameter(f"{value!r} is not a host name (no scheme, no port, "
                                     "IPv6 in brackets)", param_hint="'--public-host'")
    return tuple(value.lower() for value in values)


_ALLOW_UNSANDBOXED = click.option(
    "--allow-unsandboxed-git", is_flag=True,
    help="Serve even where git cannot run in its sandbox (no Landlock: hardened settings "
         "only). Without it the server refuses to start there.")


@cli.command("serve", context_settings=_HELP)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST",
              help="Digest this host even if it resolves to a private or loopback address "
                   "(repeatable).")
@click.option("--allow-local", is_flag=True,
              help="Let visitors digest folders of this machine under --root.")
@click.option("--root", "roots", multiple=True, metavar="DIR",
              type=click.Path(exists=True, file_okay=False),
              help="A folder whose subfolders --allow-local offers (repeatable).")
@click.option("--http-host", "http_hosts", multiple=True, metavar="HOST",
              help="The URL trick reaches this host over plain http (repeatable).")
@click.option("--public-host", "public_hosts", multiple=True, metavar="NAME",
              callback=lambda ctx, param, value: _host_names(value),
              help="A name visitors reach this server by besides 127.0.0.1, localhost and "
                   "[::1] (a reverse proxy's host name; repeatable). Requests naming any "
                   "other host are refused.")
@click.option("--server-workers", default=1, show_default=True, type=click.IntRange(1),
              help="uvicorn worker processes; they share only the cache folder.")
@click.option("--cap-files", default=50_000, show_default=True, type=click.IntRange(1),
              help="At most this many files per digest (the rest are skipped, reason limit).")
@click.option("--cap-size", default="200MB", show_default=True, metavar="SIZE",
              help="At most this much text per digest.")
@click.option("--git-timeout", default=120.0, show_default=True,
              type=click.FloatRange(0, min_open=True), help="Limit for each git operation.")
@click.option("--time-limit", default=300.0, show_default=True,
              type=click.FloatRange(0, min_open=True), help="Limit for one whole digest.")
@click.option("--rate", default=10, show_default=True, type=click.IntRange(1),
              help="Digests one client may start per minute.")
@click.option("--per-client", default=2, show_default=True, type=click.IntRange(1),
              help="Digests one client may run at once.")
@click.option("--max-jobs", default=4, show_default=True, type=click.IntRange(1),
              help="Digests running at once in all.")
@click.option("--fresh-for", default=60.0, show_default=True, type=click.FloatRange(0),
              metavar="SECONDS", help="A request repeated within SECONDS is served its stored "
                                      "result without asking git again (0: always ask).")
@click.option("--show-limit", default="2MB", show_default=True, metavar="SIZE",
              help="Digests up to SIZE are shown in the page; bigger ones only downloaded.")
@click.option("--cache-dir", metavar="DIR", type=click.Path(file_okay=False),
              help="Where results and limits live (default: gitdigest's cache folder).")
@_ALLOW_UNSANDBOXED
def serve_command(host: str, port: int, allow_hosts: tuple[str, ...], allow_local: bool,
                  roots: tuple[str, ...], http_hosts: tuple[str, ...],
                  public_hosts: tuple[str, ...], server_workers: int,
                  cap_files: int, cap_size: str, git_timeout: float, time_limit: float,
                  rate: int, per_client: int, max_jobs: int, fresh_for: float, show_limit: str,
                  cache_dir: str | None, allow_unsandboxed_git: bool) -> None:
    """Serve the web page and JSON API (needs the web extra)."""
    from .options import parse_size
    from .web import WebSettings, serve

    if allow_local != bool(roots):
        raise click.UsageError("--allow-local and --root go together: name the folders "
                               "visitors may digest")
    _require_git_sandbox(allow_unsandboxed_git)
    settings = WebSettings(
        allow_hosts=tuple(h.lower() for h in allow_hosts),
        local_roots=tuple(os.path.abspath(root) for root in roots),
        http_hosts=tuple(h.lower() for h in http_hosts), public_hosts=public_hosts,
        max_files=cap_files,
        max_total_size=parse_size(cap_size), git_timeout=git_timeout, time_limit=time_limit,
        rate_per_minute=rate, per_client=per_client, total_jobs=max_jobs,
        show_limit=parse_size(show_limit), fresh_for=fresh_for,
        cache_dir=os.path.abspath(cache_dir) if cache_dir else None)
    serve(settings, host, port, server_workers)


@cli.command("mcp", context_settings=_HELP)
@click.option("--transport", type=click.Choice(("stdio", "http")), default="stdio",
              show_default=True, help="stdio for a client that starts the server; http for "
                                      "streamable HTTP on --bind:--port.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port of the HTTP transport.")
@click.option("--bind", default="127.0.0.1", show_default=True, metavar="ADDRESS",
              help="Address the HTTP transport listens on (loopback unless you change it).")
@click.option("--public-host", "public_hosts", multiple=True, metavar="NAME",
              callback=lambda ctx, param, value: _host_names(value),
              help="A name clients reach the HTTP transport by besides 127.0.0.1, localhost "
                   "and [::1] (repeatable). Requests naming any other host are refused.")
@click.option("--root", "roots", multiple=True, metavar="DIR",
              type=click.Path(exists=True, file_okay=False),
              help="A folder local sources may come from (repeatable). Default: the client's "
                   "MCP roots, else the current folder.")
@click.option("--allow-private-hosts", is_flag=True,
              help="Let tools digest remotes on loopback and private addresses.")
@click.option("--response-tokens", type=click.IntRange(min=1000), default=20_000,
              show_default=True, metavar="N",
              help="Most tokens one answer holds; longer results are stored and paged.")
@click.option("--call-timeout", type=click.FloatRange(min=0, min_open=True), default=300.0,
              show_default=True, metavar="SECONDS", help="Time limit of one tool call.")
@click.option("--max-total-size", "max_total", default="256MB", show_default=True,
              metavar="SIZE", help="Most bytes of files one call reads.")
@click.option("--max-files", type=click.IntRange(min=1), default=50_000, show_default=True,
              metavar="N", help="Most files one call reads.")
@_ALLOW_UNSANDBOXED
def mcp_command(transport: str, port: int, bind: str, public_hosts: tuple[str, ...],
                roots: tuple[str, ...],
                allow_private_hosts: bool, response_tokens: int, call_timeout: float,
                max_total: str, max_files: int, allow_unsandboxed_git: bool) -> None:
    """Serve gitdigest's tools to coding agents over the Model Context Protocol (needs the mcp
    extra)."""
    _require_git_sandbox(allow_unsandboxed_git)
    from .mcp_server import launch

    launch(transport=transport, port=port, bind=bind, public_hosts=public_hosts, roots=roots,
           allow_private_hosts=allow_private_hosts, response_tokens=response_tokens,
           call_timeout=call_timeout, max_total_size=max_total, max_files=max_files)


@cli.command("batch", context_settings=_HELP)
@click.argument("list_file", metavar="LIST", type=click.File("r", encoding="utf-8"))
@click.option("-O", "--output-dir", required=True, metavar="DIR",
              help="Folder for the digests and manifest.jsonl (created if missing).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="local: a process pool on this machine; dask: a Dask "
              "cluster (--scheduler) or a LocalCluster.")
@click.option("--scheduler", metavar="ADDRESS",
              help="A running Dask scheduler (tcp://host:8786) for --engine dask.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), metavar="N",
              help="Sources digested at once (local pool or LocalCluster workers; default: "
                   "one per core).")
@click.option("--collect", is_flag=True,
              help="Workers send outputs back to this machine instead of writing DIR "
                   "themselves (no shared filesystem).")
@click.option("--retries", type=click.IntRange(min=0), default=2, show_default=True,
              metavar="N", help="Tries again after a transient network failure.")
@click.option("--retry-delay", type=click.FloatRange(min=0), default=1.0, show_default=True,
              metavar="SECONDS", help="First back-off; it doubles with each retry.")
@with_batch_options
@click.option("-q", "--quiet", is_flag=True, help="No progress and no final table.")
@click.option("--debug", is_flag=True, help="Show a traceback for errors.")
@click.pass_obj
def batch_command(state: _State, /, list_file: Any, output_dir: str, engine: str,
                  scheduler: str | None, jobs: int | None, collect: bool, retries: int,
                  retry_delay: float, quiet: bool, debug: bool, **values: Any) -> None:
    """Digest every source in LIST (a file, or - for stdin) into DIR, one digest each.

    A line is a source (URL, slug or local path) with optional options of its own
    (`owner/repo --ref v2 -i 'src/**'`); `#` starts a comment. Every digest option given
    here applies to every source. DIR/manifest.jsonl records each result as it arrives; a
    re-run skips sources whose commit and options did not change. Exit 0: all ok or
    unchanged; 1: some failed (listed); 2: usage error.
    """
    from .batch import BatchFailed, make_engine, parse_list, run_batch
    from .batch.report import format_table, progress_line

    state.debug = debug
    given = {name: value for name, value in values.items() if value not in (None, ())}
    items = parse_list(list_file.read(), given, where=list_file.name)
    jobs = jobs or os.cpu_count() or 1
    runner = make_engine(engine, jobs, scheduler)
    live = sys.stderr.isatty() and not quiet

    def progress(record: Any, result: Any) -> None:
        if live:
            click.echo("\r" + progress_line(result), err=True, nl=False)

    result = run_batch(items, Path(output_dir), runner, collect=collect, retries=retries,
                       retry_delay=retry_delay, task_workers=1 if jobs > 1 else None,
                       progress=progress)
    if live:
        click.echo("", err=True)
    if not quiet or result.failed:
        click.echo(format_table(result, top=given.get("top", 5), failed_only=quiet), err=True)
    if result.failed:
        raise BatchFailed(f"{len(result.failed)} of {result.total} sources failed "
                          f"(see {Path(output_dir) / 'manifest.jsonl'})")


def _counted_as(result: Digest) -> str:
    """What the token count is of, when the digest is written in another format: counts and
    budgets are the text format's, and markup adds to them (JSON the most)."""
    shown = result.options.format
    return "" if shown == "text" else f" for the text format; the {shown} written is larger"


def format_summary(result: Digest, written: list[str], *, copied: bool = False,
                   top: int = 5) -> str:
    """The human summary printed on stderr."""
    # the digest's own output file is not listed in its Skipped section: nor counted here
    listed = [s for s in result.skipped if s.detail != OWN_OUTPUT]
    reasons = Counter(s.reason for s in listed)
    by_reason = ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items()))
    lines = [
        f"Source:   {source_label(result.source)}",
        f"Files:    {result.summary.files} included, {result.summary.skipped} skipped"
        + (f" ({by_reason})" if by_reason else ""),
        f"Tokens:   {result.summary.tokens:,} ({result.tokenizer}, exact{_counted_as(result)})"
        + (f", budget {result.budget:,}" if result.budget is not None else ""),
        "Windows:  " + ", ".join(_share(result, model)
                                 for model in summary_models(result.options.model)),
        f"Content:  sha256 {result.fingerprint} (fingerprint)",
    ]
    lines += _change_lines(result)
    largest = [f"{display(d.path)} ({d.tokens:,})" for d in result.largest[:top]]
    if largest:
        lines.append("Largest:  " + ", ".join(largest))
    lines += _skipped_lines(result, written, copied, top)
    lines += _secret_lines(result)
    lines += _sandbox_lines(result)
    targets = ["stdout" if path == "-" else path for path in written]
    if copied:
        targets.append("clipboard")
    lines.append(f"Output:   {', '.join(targets) or 'nothing'}")
    return "\n".join(lines)


def _sandbox_lines(result: Digest) -> list[str]:
    """Where git reached a remote or read history without its sandbox, say so."""
    from .sources import sandbox

    options = result.options
    status = sandbox.status()
    if status.available or not (result.source.kind == "remote" or options.change_range
                                or options.log is not None):
        return []
    return [f"Sandbox:  {status.describe().removeprefix('git sandbox: ')}"]


_LIST_NAMES = {"text": "its SKIPPED section", "markdown": "its ## Skipped list",
               "json": 'its "skipped" array', "xml": "its <skipped> element"}


def _skipped_lines(result: Digest, written: list[str], copied: bool, top: int) -> list[str]:
    """Up to ``top`` skipped paths per reason, and where the full list is."""
    listed = [s for s in result.skipped if s.detail != OWN_OUTPUT]
    if not listed or top == 0:
        return []
    by_reason: dict[str, list[str]] = {}
    for item in listed:
        by_reason.setdefault(item.reason, []).append(brief_path(item.path))
    lines = []
    for reason, paths in sorted(by_reason.items()):
        more = f", ... and {len(paths) - top:,} more" if len(paths) > top else ""
        lines.append(f"{reason} {len(paths):,}: {', '.join(paths[:top])}{more}")
    options = result.options
    if options.stats:
        where = "the --stats output, its skipped list"
    elif result.shape.brief_skipped and options.format != "json":
        where = ("counted by reason in this digest (the budget); -f json or --stats lists "
                 "every path")
    else:
        target = next((path for path in written), None)
        place = ("stdout" if target == "-" else target) if target else (
            "the clipboard" if copied else None)
        where = (f"{place}, {_LIST_NAMES[options.format]}" if place
                 else "in the digest, which was not written")
    lines.append(f"full list: {where}")
    return ["Skipped:  " + lines[0], *("          " + line for line in lines[1:])]


def _change_lines(result: Digest) -> list[str]:
    """The reviewed change and the history, in one line each."""
    lines = []
    if result.diff is not None:
        files = result.diff.files
        lines.append(f"Change:   {display(result.diff.range)}: {len(files)} files changed "
                     f"(+{sum(c.added or 0 for c in files)} -{sum(c.removed or 0 for c in files)})"
                     f", diff {result.diff.tokens:,} tokens")
    if result.history is not None:
        lines.append(f"History:  {len(result.history.commits)} commits, "
                     f"{result.history.tokens:,} tokens")
    return lines


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


def _share(result: Digest, model: Model) -> str:
    share = result.summary.tokens / model.context_window
    exact = "" if model.exact_encoding == result.tokenizer else " est."
    return f"{model.name} {share:.1%}{exact} of {model.context_window:,}"


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(argv, prog_name="gitdigest")
