"""What a change adds to a digest (``--diff``, ``--changed``, ``--since``, ``--related``,
``--log``; ``--focus`` chooses files as a change does): the Diff and History sections, which
files the change chooses and why, and the tiers a budget keeps them by (the diff first, then
changed or focused files, then related ones by distance, then the rest)."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from ..core.errors import UsageError
from ..core.layout import change_sections
from ..core.paths import display
from ..core.records import Diff, Entry, History, Selection, Skipped
from ..count.tokens import TokenCounter
from ..options import Options
from ..sources import Source
from ..sources.gitobjects import RefSource
from ..sources.local import WorktreeSource
from . import diff as diffs
from . import history, related

#: the tier of files a change did not choose (kept after every chosen one)
REST = 1 << 30


@dataclass
class Change:
    """The sections and the files a change chooses: path -> why, and path -> tier."""

    diff: Diff | None = None
    history: History | None = None
    why: dict[str, str] = field(default_factory=dict)
    tiers: dict[str, int] = field(default_factory=dict)
    deleted: list[Skipped] = field(default_factory=list)

    def tier(self, path: str) -> int:
        """0 for a changed file, the import distance for a related one, else :data:`REST`."""
        return self.tiers.get(path, REST)

    @property
    def sections(self) -> str:
        """The Diff and History sections as the text layout shows them."""
        return change_sections(self.diff, self.history)


def head_ref(options: Options) -> str | None:
    """The ref to digest when a range names its head (``A...feature`` digests ``feature``)."""
    if options.ref is not None or options.change_range is None:
        return options.ref
    head = diffs.parse_range(options.change_range).head
    return head if head not in (None, "HEAD") else None


def place_of(source: Source) -> diffs.Place:
    """Where git runs to diff and log the digested source."""
    if isinstance(source, RefSource):
        return diffs.Place(source.repo, source.subpath, source.commit,
                           tuple(getattr(source, "git_config", ())),
                           getattr(source, "git_timeout", None),
                           getattr(source, "git_profile", "git"))
    if isinstance(source, WorktreeSource) and source.info.is_git and source.root is not None:
        return diffs.Place(source.root, source.info.subpath, None)
    raise UsageError("--diff, --since and --log need a git repository as SOURCE")


def plan(source: Source, options: Options, selection: Selection,
         counter: TokenCounter) -> Change:
    """The change's sections and chosen files, for the files the selection includes."""
    change = Change()
    included = selection.included
    if options.focus:
        _add_focus(change, source, included, options)
    if options.change_range is None and options.log is None:
        return change
    place = place_of(source)
    revisions = [place.commit or "HEAD"]
    label = source.info.ref or "HEAD"
    if options.change_range is not None:
        wanted = diffs.parse_range(options.change_range)
        found = diffs.compute(place, wanted, options.secrets, _omitted(selection))
        change.diff = replace(found, tokens=counter.count(change_sections(found, None)))
        if wanted.head is not None or found.base != diffs.resolve(place, "HEAD"):
            # the range's own commits; `--diff` alone (HEAD) has none: the last ones then
            revisions = [f"{found.base}..{found.head or 'HEAD'}"]
            label = wanted.text
        for path in diffs.head_paths(found):
            change.why[path] = "changed"
            change.tiers[path] = 0
        if options.changed_only:
            change.deleted = [Skipped(c.path, "deleted", f"deleted in {wanted.text}")
                              for c in found.files if c.status == "deleted"]
    if options.related is not None:
        _add_related(change, source, included, options)
    if options.log is not None:
        found_log = history.log(place, revisions, label, limit=options.log,
                                emails=options.log_emails, secrets=options.secrets)
        change.history = replace(found_log, tokens=counter.count(
            change_sections(None, found_log)))
    return change


#: skip reasons whose files' hunks stay out of the patch too (binary ones git never dumps)
_OMITTED = frozenset({"ignored", "excluded", "too-large", "limit"})


def _omitted(selection: Selection) -> Callable[[str], str]:
    """Why a changed file's hunks stay out of the patch: the digest's rules skip it. The
    detail names the rule (its ignore file and pattern, the repository's to choose): shown
    as the Skipped section shows it."""
    reasons = {s.path: f"{s.reason} ({display(s.detail)})" if s.detail else s.reason
               for s in selection.skipped if s.reason in _OMITTED}
    folders = [path for path in reasons if path.endswith("/")]

    def why(path: str) -> str:
        if path in reasons:
            return reasons[path]
        return next((reasons[f] for f in folders if path.startswith(f)), "")
    return why


def _graph(source: Source, included: Sequence[Entry]) -> related.Graph:
    """The import graph of the included files."""
    def read(path: str) -> str | None:
        try:
            return source.read_path(path).decode("utf-8", "replace")
        except (OSError, KeyError):
            return None

    return related.Graph([e.path for e in included if e.kind == "file"], read)


def _add_related(change: Change, source: Source, included: Sequence[Entry],
                 options: Options) -> None:
    graph = _graph(source, included)
    for path, (distance, why) in related.related(graph, change.why, options.related or 1
                                                 ).items():
        change.why[path] = why
        change.tiers[path] = distance


def _add_focus(change: Change, source: Source, included: Sequence[Entry],
               options: Options) -> None:
    """``--focus``: the named files (tier 0), then what they import and what imports them,
    by distance."""
    paths = [e.path for e in included if e.kind == "file"]
    chosen = focused(paths, options.focus)
    if not chosen:
        raise UsageError(f"--focus {' '.join(options.focus)}: no file the digest includes is "
                         "there (see the Skipped section of a plain run)")
    for path in chosen:
        change.why[path] = "focus"
        change.tiers[path] = 0
    graph = _graph(source, included)
    for path, (distance, why) in related.related(graph, chosen, options.related or 1).items():
        change.why.setdefault(path, why)
        change.tiers.setdefault(path, distance)


def focused(paths: Sequence[str], wanted: Sequence[str]) -> list[str]:
    """The ``paths`` that ``wanted`` names: a file itself, or every file below a folder
    (``./`` and a trailing ``/`` are allowed; ``.`` is everything)."""
    names = {posixpath.normpath(name.strip()).strip("/") for name in wanted}
    if "." in names:
        return list(paths)
    return [path for path in paths
            if path in names or any(path.startswith(name + "/") for name in names)]


def narrow(selection: Selection, change: Change, options: Options
           ) -> tuple[Selection, list[str]]:
    """With ``--changed`` or ``--focus``: the selection cut to the chosen files, and the paths
    left out, which the tree still shows for context. Nothing is dropped in silence: each
    path left out is skipped with the reason :func:`left_out` gives, beside the selection's
    own skips and the deletions."""
    chosen = change.why
    included = tuple(e for e in selection.included if e.path in chosen)
    context = [e.path for e in selection.included if e.path not in chosen]
    reason, detail = left_out(options)
    skipped = (*selection.skipped, *change.deleted,
               *(Skipped(path, reason, detail) for path in context))
    return replace(selection, included=included, skipped=skipped), context


def left_out(options: Options) -> tuple[str, str]:
    """The reason and detail of a file a narrowing leaves out: ``outside-change`` (not
    changed in the range, nor related) or ``outside-focus`` (not under ``--focus``, nor
    related); the two options never come together."""
    depth = options.related or (0 if options.changed_only else 1)
    near = f"nor within {depth} import{'' if depth == 1 else 's'} of"
    if options.changed_only:
        return "outside-change", f"not changed in {options.change_range}" + (
            f", {near} a changed file" if depth else "")
    it = "it" if len(options.focus) == 1 else "them"
    return "outside-focus", f"not in --focus {' '.join(options.focus)} {near} {it}"


def nothing_changed(change: Change, options: Options) -> str | None:
    """The warning for a ``--changed``/``--since`` digest with no file in it because its range
    has no changes (``--since main`` on main); None when the range changed something."""
    diff = change.diff
    if not options.changed_only or diff is None or diff.files:
        return None
    base = diff.base[:12]
    sides = (f"the working tree and index match {base}" if diff.head is None
             else f"base and head are both {base}" if diff.head == diff.base
             else f"base {base} and head {diff.head[:12]} hold the same files")
    return f"nothing included: {display(diff.range)} has no changes ({sides})"


def also_fetch(options: Options) -> tuple[str, ...]:
    """Revisions a remote source must fetch besides the digested one: the range's base."""
    if options.change_range is None:
        return ()
    return (diffs.parse_range(options.change_range).base,)


def trim_diff(change: Change, budget: int, counter: TokenCounter,
              frame_tokens: Callable[[str], int]) -> Change:
    """``change`` with the hunks of its largest files left out (``# hunks left out: budget``)
    until the frame with every file cut, ``frame_tokens(sections)``, fits in ``budget``; a
    diff that fits is kept whole. Files whose hunks are out already (``ignored``...) keep
    their reason: cutting them saves nothing."""
    diff = change.diff
    if diff is None or frame_tokens(change.sections) <= budget:
        return change
    chunks = diffs.split_patch(diff.patch)
    if len(chunks) != len(diff.files) + 1:
        return change
    sizes = [counter.count(chunk) for chunk in chunks[1:]]
    over = frame_tokens(change.sections) - budget
    files = list(diff.files)
    shown = [i for i, file in enumerate(files) if not file.omitted]
    for index in sorted(shown, key=lambda i: (-sizes[i], i)):
        if over <= 0:  # the estimate says it fits: the exact count decides
            trimmed = _with_diff(change, replace(diff, files=tuple(files),
                                                 patch="".join(chunks)), counter)
            over = frame_tokens(trimmed.sections) - budget
            if over <= 0:
                return trimmed
        head = chunks[index + 1].partition("\n")[0]
        chunks[index + 1] = f"{head}\n# hunks left out: budget\n"
        files[index] = replace(files[index], omitted="budget")
        over -= sizes[index] - counter.count(chunks[index + 1])
    return _with_diff(change, replace(diff, files=tuple(files), patch="".join(chunks)), counter)


def _with_diff(change: Change, diff: Diff, counter: TokenCounter) -> Change:
    return replace(change, diff=replace(diff, tokens=counter.count(change_sections(diff, None))))
