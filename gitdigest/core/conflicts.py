"""Options that do nothing, or mean nothing, together: decided here once for every surface.

A combination that cannot mean anything (two different outputs asked for at once) is a
:class:`~gitdigest.core.errors.UsageError` before any work (exit 2). An option that merely has no
effect on this run (``--priority`` without a budget, ``--token`` on a local folder) is a
warning: the run is still what was asked for, and saying so beats ignoring it in silence.
The rules, one line each, are the table in the README ("Options that do nothing").
"""

from __future__ import annotations

from ..options import Options
from .errors import UsageError
from .records import SourceInfo

_DEFAULTS = Options()


def check(options: Options) -> None:
    """Raise :class:`UsageError` for a combination that cannot mean anything."""
    if options.stats and options.format not in ("text", "json"):
        raise UsageError(f"--stats writes a text or JSON table, not {options.format}; "
                         "use -f text or -f json with --stats")
    if options.stats and options.split_tokens is not None:
        raise UsageError("--stats writes one table, --split-tokens writes the digest in parts; "
                         "give one of them")


def warnings(options: Options, info: SourceInfo) -> list[str]:
    """What the options ask for that this run (with this source) does not do."""
    found: list[str] = []
    if options.priority and not options.budget_requested:
        found.append("--priority has no effect without a budget (--max-tokens or --model)")
    elif options.priority and options.check:
        found.append("--priority has no effect with --check, which cuts nothing")
    if _given(options, "reserve") and options.model is None:
        found.append("--reserve has no effect without --model (it is a share of the model's "
                     "window)")
    if _given(options, "notes_lang") and not options.with_notes:
        found.append("notes_lang has no effect without with_notes")
    if not options.gitignore and (info.kind == "remote" or info.ref is not None):
        found.append("--no-gitignore has no effect on a commit (--ref or a remote): "
                     ".gitignore never applies to files that are committed")
    if info.kind == "local":
        # (--timeout is left alone: a limit set for every run, remote or not, is reasonable)
        for name in ("token", "host", "include_submodules"):
            if _given(options, name):
                flag = "--" + name.replace("_", "-")
                found.append(f"{flag} has no effect on a local source ({info.name})")
    elif _given(options, "host") and (info.host or "").lower() != options.host.lower():
        found.append("--host has no effect: it names the host of a bare owner/repo slug, and "
                     f"{info.location} names its own")
    return found


def _given(options: Options, name: str) -> bool:
    """Whether ``name`` differs from its default (what a surface cannot tell apart from not
    giving it at all, and what cannot have an effect when it is the default anyway)."""
    return bool(getattr(options, name) != getattr(_DEFAULTS, name))

