"""Selection: every entry gets a verdict, and every skip keeps its reason.

Precedence, first match wins:
1. the output file itself -> ``excluded``;
2. ``--exclude`` patterns -> ``excluded``;
3. with ``--include``: a path no include matches -> ``excluded``;
4. built-in defaults -> ``ignored``. An include that matches a default-ignored file brings it
   back (``-i '*.png'``, ``-i yarn.lock``); a default-ignored folder comes back only when the
   include names it (``-i 'node_modules/x/**'``), so ``-i '*.py'`` does not pull in ``.venv``;
5. ``.gitdigestignore`` rules -> ``ignored`` (an include match brings the path back);
6. links and submodules are shown in the tree, never read;
7. ``--max-size`` -> ``too-large``;
8. unless ``--include-generated`` or SOURCE names the file: what ``.gitattributes`` marks
   ``linguist-generated`` -> ``generated``; an SVG over 32 KiB -> ``asset`` (files whose head
   says they are generated, and minified ones, are found when read: see ``count.documents``);
9. the ``--max-files`` / ``--max-total-size`` caps -> ``limit``.
.gitignore rules were applied by git before any of this (see ``sources``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from ..core.paths import link_inside, order_key
from ..core.records import OWN_OUTPUT, Entry, Selection, Skipped
from ..options import Options
from ..sources.base import Listing
from . import generated as generated_files
from .ignores import DefaultIgnores, Hit, IgnoreFiles, PatternSet


class _Verdicts:
    """The compiled rules of one run."""

    def __init__(self, options: Options, explicit: bool, read_path: Callable[[str], bytes],
                 entries: list[Entry], exclude_paths: Iterable[str]) -> None:
        self.exclude_paths = frozenset(exclude_paths)
        self.excludes = PatternSet(options.exclude, "--exclude")
        self.includes = PatternSet(options.include, "--include")
        # a file named as SOURCE is digested whatever the ignore rules say
        defaults = options.default_ignores and not explicit
        paths = [entry.path for entry in entries]
        self.defaults = DefaultIgnores(DefaultIgnores.find_markers(paths)) if defaults else None
        readable = [e.path for e in entries if e.kind == "file"]
        self.ignore_files = None if explicit else IgnoreFiles.load(readable, read_path)

    def rule_out(self, path: str) -> tuple[str, Hit] | None:
        """``(reason, rule)`` when a rule leaves ``path`` out, else None."""
        if path in self.exclude_paths:
            return "excluded", Hit(OWN_OUTPUT)
        pattern = self.excludes.match(path) if self.excludes else None
        if pattern is not None:
            return "excluded", Hit(self.excludes.detail(pattern))
        include = self.includes.match(path) if self.includes else None
        if self.includes and include is None:
            return "excluded", Hit("matched no --include pattern")
        hit = self.defaults.match(path) if self.defaults else None
        if hit is not None and not _brings_back(include, hit):
            return "ignored", hit
        hit = self.ignore_files.match(path) if self.ignore_files and include is None else None
        if hit is not None:
            return "ignored", hit
        return None


Marked = Callable[[Sequence[str]], set[str]]


def select(listing: Listing, read_path: Callable[[str], bytes], options: Options,
           exclude_paths: Iterable[str] = (), marked: Marked | None = None,
           only: Callable[[str], bool] | None = None) -> Selection:
    """Decide every entry of ``listing``; included files come back in digest order.
    ``read_path`` reads an ignore file the listing names; ``marked`` says which paths git's
    attributes mark generated. With ``only`` (``--files-from``) the paths it refuses are
    neither included nor skipped: they still bring their ignore files and markers, so the
    rules judge a listed path as they would in the whole source."""
    entries = sorted(listing.entries, key=lambda e: order_key(e.path))
    verdicts = _Verdicts(options, listing.explicit, read_path, entries, exclude_paths)
    if only is not None:
        entries = [entry for entry in entries if only(entry.path)]
        listing = Listing(entries, [gone for gone in listing.skipped if only(gone.path)],
                          listing.explicit)
    keep_generated = options.include_generated or listing.explicit
    generated = _marked(entries, marked) if not keep_generated else set()
    included: list[Entry] = []
    shown: list[Entry] = []
    skipped: list[Skipped] = []
    folded: Counter[tuple[str, str]] = Counter()
    for gone in listing.skipped:  # git's skips inside a default-ignored folder fold into it
        hit = verdicts.defaults.match(gone.path.rstrip("/")) if verdicts.defaults else None
        if hit is not None and hit.folder is not None:
            folded[(hit.folder, hit.detail)] += 1
        else:
            skipped.append(gone)
    for entry in entries:
        ruled = verdicts.rule_out(entry.path)
        if ruled is not None:
            reason, hit = ruled
            if hit.folder is None:
                skipped.append(Skipped(entry.path, reason, hit.detail))
            else:  # everything under an ignored folder folds into one entry
                folded[(hit.folder, hit.detail)] += 1
        elif entry.kind == "symlink":
            shown.append(entry)
            inside = link_inside(entry.path, entry.target or "")
            reason = "symlink" if inside else "symlink-outside"
            skipped.append(Skipped(entry.path, reason, f"-> {entry.target}"))
        elif entry.kind == "submodule":
            shown.append(entry)
            skipped.append(Skipped(entry.path, "submodule", _submodule_detail(entry)))
        elif entry.size > options.max_size:
            skipped.append(Skipped(entry.path, "too-large",
                                   f"{entry.size} bytes > --max-size {options.max_size}"))
        elif entry.path in generated:
            skipped.append(Skipped(entry.path, generated_files.GENERATED,
                                   "marked linguist-generated in .gitattributes"))
        elif not keep_generated and (asset := generated_files.by_size(entry.path, entry.size)):
            skipped.append(Skipped(entry.path, *asset))
        else:
            included.append(entry)
    skipped += [Skipped(folder + "/", "ignored", f"{detail} ({n} file{'' if n == 1 else 's'})")
                for (folder, detail), n in folded.items()]
    included, capped, notes = _apply_caps(included, options)
    skipped += capped  # sorted once by the caller, after reading adds its own skips
    return Selection(tuple(included), tuple(skipped), tuple(notes), tuple(shown))


def _marked(entries: list[Entry], marked: Marked | None) -> set[str]:
    """The files git's attributes mark generated (the source asks git only when some
    ``.gitattributes`` can apply)."""
    if marked is None:
        return set()
    return marked([e.path for e in entries if e.kind == "file"])


def _brings_back(include: str | None, hit: Hit) -> bool:
    """An include that matched a default-ignored file brings it back; a default-ignored folder
    (node_modules, .venv...) only comes back when the include names it, so that ``-i '*.py'``
    does not pull in a virtualenv."""
    if include is None:
        return False
    return hit.folder is None or hit.token in include


def _submodule_detail(entry: Entry) -> str:
    if entry.oid:
        return f"git submodule at commit {entry.oid}; not digested"
    return "nested git repository or submodule; digest it separately"


def _apply_caps(included: list[Entry], options: Options
                ) -> tuple[list[Entry], list[Skipped], list[str]]:
    kept: list[Entry] = []
    capped: list[Skipped] = []
    total = 0
    for entry in included:
        if options.max_files is not None and len(kept) >= options.max_files:
            capped.append(Skipped(entry.path, "limit", f"--max-files {options.max_files}"))
        elif options.max_total_size is not None and total + entry.size > options.max_total_size:
            capped.append(Skipped(entry.path, "limit",
                                  f"--max-total-size {options.max_total_size}"))
        else:
            kept.append(entry)
            total += entry.size
    notes = []
    if capped:
        notes.append(f"LIMIT REACHED: {len(capped)} files were left out by --max-files/"
                     "--max-total-size; they are listed as skipped with reason 'limit'")
    return kept, capped, notes
