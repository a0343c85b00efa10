"""The one value that describes a run, declared once.

Every field of :class:`Options` carries its own declaration (:class:`Spec`): flags and help for
the command line, how text becomes a value (``500k``, ``15%``), limits, and whether it changes
a file's shown text. The click options, the defaults, the Python API's keyword arguments,
validation and the token cache key are all derived from these declarations, so adding an option
is a change in one place (see :func:`cli_fields`, :meth:`Options.create`, :func:`text_key`).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from fractions import Fraction
from functools import cache
from typing import Any

from .core.errors import UsageError
from .core.records import SourceInfo
from .core.strip import strip_blank_lines, strip_comments
from .core.textview import Transform, number_lines

TOKENIZERS = ("o200k_base", "cl100k_base", "llama3", "llama4")
#: the tokenizer when none was chosen: --model's own encoding if installed, else o200k_base
#: (resolved once, before any stage: see gitdigest.count.encoding)
AUTO = "auto"
#: what --tokenizer accepts
TOKENIZER_CHOICES = (AUTO, *TOKENIZERS)
SECRET_MODES = ("redact", "exclude", "off")
FORMATS = ("text", "json", "markdown", "xml")

_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2,
          "mib": 1024**2, "g": 1024**3, "gb": 1024**3, "gib": 1024**3}
# ASCII digits only, and few enough that the value is an exact, finite number
_SIZE = re.compile(r"\s*([0-9]{1,30}(?:\.[0-9]{1,30})?)\s*([a-zA-Z]*)\s*")


def parse_size(text: str | int) -> int:
    """Parse ``500k``, ``2MB``, ``1.5GiB`` or a plain byte count; units are powers of 1024."""
    if isinstance(text, int):
        if text < 0:
            raise UsageError(f"size must not be negative: {text}")
        return text
    match = _SIZE.fullmatch(text)
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _UNITS:
        raise UsageError(f"invalid size {text!r}: use a number with an optional unit (500k, 2MB)")
    return int(Fraction(match.group(1)) * _UNITS[unit])  # exact: no float rounding


def parse_fraction(text: str | float) -> float:
    """Parse ``0.1`` or ``10%``."""
    try:
        if isinstance(text, (int, float)):
            number = float(text)
        else:
            number = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise UsageError(f"{text!r} is not a fraction (0.1) or a percentage (10%)")
    return number


@dataclass(frozen=True)
class Spec:
    """How one option appears on every surface and what it does to a file's text."""

    #: command-line names (``()``: the option exists for the Python API and config only)
    flags: tuple[str, ...]
    help: str
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    #: text to value (sizes, fractions); plain ints and floats are converted by type
    parse: Callable[[str], Any] | None = None
    #: smallest allowed value (``open_minimum``: the value must be above it)
    minimum: float | None = None
    open_minimum: bool = False
    #: a True default that the command line switches off with its ``--no-...`` flag
    negated: bool = False
    #: how the default reads in ``--help`` ("" hides it)
    shown_default: str | None = None
    #: part of the token cache key: the option changes a file's shown text or its count
    keyed: bool = False
    #: applied, in declaration order, to every file's text (with its path, for transforms
    #: that read the file as its language) when the option is on
    transform: Transform | None = None
    #: the value the command line uses when the flag is given without one (``--log`` alone
    #: means ``--log 20``); None: the option always takes a value
    bare: str | None = None
    #: the surfaces (keys of :data:`SURFACES`) that may not set the option, each with the
    #: reason said to whoever tries; the command line and the Python API take every option
    not_on: Mapping[str, str] = field(default_factory=dict)
    #: whether the option decides what a digest holds (a batch manifest records only these);
    #: False for how a run happens: where it writes, its processes, caches and credentials
    decides_output: bool = True
    #: the option in plain words, for people rather than the command line (the web page's
    #: label: "Largest file to include" for ``--max-size``); empty: the flag
    words: str = ""
    #: the help in plain words, when the help names other flags or command-line habits
    plain: str = ""
    #: the optional extra the option needs (see ``core.errors.install_hint``)
    needs: str = ""


#: the surfaces an option can be withheld from, and what each is
SURFACES = {
    "config": "a configuration file or a GITDIGEST_* variable",
    "remote_config": "a remote repository's own configuration file, even a trusted one",
    "mcp": "the MCP server's tools, which a model drives",
    "web": "the web page and its JSON API, which a visitor drives",
    "batch": "one line of a batch list",
}

# Reasons shared by several declarations below.
_SERVER_FILE = "it reads a file on the server's disk"
_SERVER_WRITES = "the server writes no files for a caller; results are stored and paged"
_SERVER_DECIDES = "the server decides how it runs"
_LOCAL = "it decides where this machine reads, writes or fetches, or what it spends"
_SANDBOX_SERVER = ("the server decides: it requires git's sandbox unless started with "
                   "--allow-unsandboxed-git")


def option(default: Any, *flags: str, help: str, **spec: Any) -> Any:
    """A field of :class:`Options` with its declaration.

    An option that reads or writes files, starts processes or spends the machine's resources
    must say so in ``not_on`` for the surfaces that someone else drives (``mcp``, ``web``):
    they take every option their declaration does not withhold."""
    secret = spec.pop("secret", False)
    unknown = set(spec.get("not_on", {})) - set(SURFACES)
    if unknown:
        raise ValueError(f"unknown surfaces {sorted(unknown)} in the declaration of {flags}")
    return field(default=default, repr=not secret,
                 metadata={"spec": Spec(tuple(flags), help, **spec)})


@dataclass(frozen=True)
class Options:
    """Everything that decides a digest. Same options + same input = byte-identical output."""

    source: str = option(
        ".", help="A folder, a file or a repository URL (default: the current folder).",
        not_on={"config": "the source is how a configuration file is found"})
    more_sources: tuple[str, ...] = option(
        (), help="More folders, files or repository URLs digested with SOURCE into the same "
                 "digest, each a top-level section (the command line's further SOURCE "
                 "arguments).",
        not_on={
            "config": "the sources are how a configuration file is found",
            "remote_config": _LOCAL,
            "mcp": "the digest tool takes one source",
            "web": "the page digests one repository",
            "batch": "a batch line is one source",
        })
    files_from: str | None = option(
        None, "--files-from", metavar="FILE",
        help="Digest exactly the paths listed in FILE (- for stdin), one per line, relative to "
             "the current folder or absolute; a missing path is listed as skipped (reason "
             "'missing'), one outside the source as 'outside'. Ignore rules still apply.",
        not_on={
            "config": "a list of paths is for one run",
            "remote_config": _LOCAL,
            "mcp": _SERVER_FILE,
            "web": _SERVER_FILE,
            "batch": "a batch line digests its whole source",
        })
    null: bool = option(
        False, "-0", "--null",
        help="--files-from's paths end with NUL, not newline (git ls-files -z, fd -0).",
        not_on={
            "config": "it describes one run's --files-from",
            "remote_config": _LOCAL,
            "mcp": _SERVER_FILE,
            "web": _SERVER_FILE,
            "batch": "a batch line digests its whole source",
        })
    output: str | None = option(
        None, "-o", "--output", metavar="FILE",
        help="Where to write the digest: a file (default digest.txt, .json, .md or .xml by "
             "format) or - for stdout.",
        not_on={
            "remote_config": _LOCAL,
            "mcp": _SERVER_WRITES,
            "web": "the server writes results into its cache",
            "batch": "the batch names and writes every output (see -O)",
        },
        decides_output=False)
    format: str = option("text", "-f", "--format", choices=FORMATS, help="Output format.",
        words="Format", plain="How the digest is written: plain text, JSON, Markdown or XML.")
    include: tuple[str, ...] = option(
        (), "-i", "--include", metavar="PATTERN",
        help="Only digest paths matching this gitignore-style pattern (repeatable).",
        words="Only these paths",
        plain="Patterns such as src/ or *.py: only matching paths are digested.")
    exclude: tuple[str, ...] = option(
        (), "-e", "--exclude", metavar="PATTERN",
        help="Leave out paths matching this gitignore-style pattern (repeatable).",
        words="Leave out these paths",
        plain="Patterns such as tests/ or *.lock: matching paths are left out.")
    max_size: int = option(
        10 * 1024 * 1024, "-s", "--max-size", parse=parse_size, minimum=0, shown_default="10MB",
        metavar="SIZE", help="Largest file to read (500k, 2MB, ...; units are powers of 1024).",
        words="Largest file to include",
        plain="Bigger files are listed as skipped (500k, 2MB, ...).")
    tokenizer: str = option(AUTO, "--tokenizer", choices=TOKENIZER_CHOICES, keyed=True,
                            help="Encoding used to count tokens (llama3/llama4: Meta's tokenizers, "
                                 "from the llama extra; auto: --model's own encoding when "
                                 "installed, else o200k_base).",
        words="Count tokens with",
        plain=("The encoding that counts tokens (auto: the chosen model's own when it is "
               "available, else o200k_base)."))
    gitignore: bool = option(True, "--no-gitignore", negated=True,
                             help="Do not honour .gitignore files.",
        words="Include what .gitignore leaves out")
    default_ignores: bool = option(
        True, "--no-default-ignores", negated=True,
        help="Do not apply the built-in ignore list (node_modules, lockfiles, media...).",
        words="Include what is usually left out",
        plain="node_modules, lockfiles, images and other media.")
    include_generated: bool = option(
        False, "--include-generated", keyed=True,
        help="Digest generated and asset files too (marked linguist-generated in "
             ".gitattributes, headed 'Code generated ... DO NOT EDIT' or '@generated', "
             "minified scripts and styles, SVGs over 32 KiB).",
        words="Include generated files",
        plain="Files a tool wrote (marked generated, minified) and large SVG drawings.")
    ref: str | None = option(
        None, "--ref", metavar="REF",
        help="Digest this branch, tag or commit from git objects (working tree untouched).",
        not_on={
            "remote_config": _LOCAL,
        },
        words="Branch, tag or commit",
        plain="Digest this version instead of the default branch.")
    max_files: int | None = option(
        None, "--max-files", minimum=1, metavar="N",
        help="Stop after N files; the rest are listed as skipped (reason 'limit').",
        not_on={
            "web": "capped by the server (--max-files)",
        })
    max_total_size: int | None = option(
        None, "--max-total-size", parse=parse_size, minimum=1, metavar="SIZE",
        help="Stop once the included files reach SIZE bytes in total (reason 'limit').",
        not_on={
            "web": "capped by the server (--max-total-size)",
        })
    notebook_outputs: bool = option(False, "--notebook-outputs", keyed=True,
                                    help="Include text outputs of Jupyter notebook cells.",
        words="Include notebook outputs")
    workers: int | None = option(None, "--workers", minimum=1, metavar="N",
                                 help="Worker processes that read and count (default: one per "
                                      "core).",
        not_on={
            "remote_config": _LOCAL,
            "mcp": "the server decides how many processes it runs",
            "web": "the server decides how many processes a digest uses",
        },
        decides_output=False)
    max_tokens: int | None = option(
        None, "--max-tokens", minimum=1, metavar="N",
        help="Token budget: keep files by priority until the digest would exceed N.",
        words="At most this many tokens",
        plain="Keep the most important files until the digest would be bigger.")
    model: str | None = option(
        None, "--model", metavar="NAME",
        help="Token budget from a model's context window (see `gitdigest models`).",
        words="Fit into a model",
        plain="The model's context window is the budget (start typing to see the names).")
    reserve: float = option(0.10, "--reserve", parse=parse_fraction, minimum=0,
                            shown_default="0.1", metavar="FRACTION",
                            help="Share of --model's window kept free for the answer.",
        words="Room left for the answer",
        plain="Share of the model's window kept free (0.1 or 10%).")
    priority: tuple[str, ...] = option(
        (), "--priority", metavar="PATTERN",
        help="Files matching this pattern are kept first under a budget (repeatable).",
        words="Keep these first",
        plain="Patterns of files kept first when a budget cuts.")
    compress: bool = option(
        False, "--compress",
        help="Show source files as outlines: imports, signatures, decorators, docstrings' first "
             "lines and constants; bodies become \u2026 (Python always; other languages need "
             "the compress extra).",
        words="Outlines instead of whole files",
        plain=("Source files become their imports, signatures, docstrings and constants; bodies "
               "become \u2026"), needs="compress")
    map: bool = option(
        False, "--map",
        help="Write a repository map instead of contents: each file's key definitions, most "
             "important files first, within --max-tokens (default 4000).",
        words="A map instead of the contents",
        plain=("Each file's key definitions, most important files first, within the token budget "
               "(default 4,000)."), needs="compress")
    query: str | None = option(
        None, "--query", metavar="TEXT",
        help="Rank files by relevance to this question (offline: BM25, names, paths, history "
             "and the reference graph, fused by rank); under a budget the most relevant files "
             "come first (needs the compress extra).",
        words="Most relevant to",
        plain="A question: under a budget, the files most relevant to it come first.",
        needs="compress")
    check: bool = option(
        False, "--check",
        help="Do not cut: write the whole digest and exit 1 if it is over the budget.",
        not_on={
            "web": "a CI gate: the page shows whether the digest fits instead",
        })
    split_tokens: int | None = option(
        None, "--split-tokens", minimum=1, metavar="N",
        help="Write digest.1.txt, digest.2.txt... each at most N tokens.",
        not_on={
            "mcp": "page a stored digest with read_digest instead",
            "web": "writes several files; the page offers one download",
        })
    stats: bool = option(
        False, "--stats",
        help="Write a token table per folder and per file instead of the contents.",
        not_on={
            "mcp": "use the stats tool",
            "web": "the page always shows the token tables",
        })
    tree_only: bool = option(
        False, "--tree-only",
        help="Write only the source, its totals and the tree, each folder with its files and "
             "tokens and each file with its tokens: a first look at a large repository.",
        not_on={"web": "the result page always shows the tree",
                "mcp": "use the stats tool: the tokens per folder and per file"},
        words="Only the tree, with sizes",
        plain="The folder structure with each folder's and file's tokens, no contents.")
    top: int = option(5, "--top", minimum=0, metavar="N",
                      help="How many of the largest files the summary lists.",
        words="Largest files named in the summary")
    secrets: str = option(
        "redact", "--secrets", choices=SECRET_MODES, keyed=True,
        help="Secrets found by the offline scanner: redact them in place (a file that is only "
             "a secret is withheld), exclude every file holding one, or off.",
        words="Secrets found",
        plain="Redact them in place, leave out every file holding one, or keep them (off).")
    strip_comments: bool = option(
        False, "--strip-comments", keyed=True, transform=strip_comments,
        help="Remove comments from source files, as each language's grammar finds them "
             "(never inside strings; docstrings stay). Python always; other languages need "
             "the compress extra's grammars; other files stay as they are.",
        words="Remove comments",
        plain="Remove comments from source code (never text inside strings).",
        needs="compress")
    strip_blank_lines: bool = option(
        False, "--strip-blank-lines", keyed=True, transform=strip_blank_lines,
        help="Remove blank lines from source files (not inside strings); in other text, "
             "collapse runs of blank lines to one.",
        words="Remove blank lines",
        plain="Remove blank lines from source code; keep one between paragraphs elsewhere.")
    line_numbers: bool = option(False, "--line-numbers", keyed=True, transform=number_lines,
                                help="Prefix every line of every file with its number.",
        words="Number every line")
    header: str | None = option(None, "--header", metavar="TEXT",
                                help="Put this text (your prompt) first.",
        words="Text to put first",
        plain="Your prompt, placed before the digest.")
    instructions: str | None = option(None, "--instructions", metavar="FILE",
                                      help="Put this file's text (your prompt) first.",
        not_on={
            "remote_config": _LOCAL,
            "mcp": "it reads a file from the server's disk; pass the text as header",
            "web": _SERVER_FILE,
        })
    with_notes: bool = option(
        False, "--with-notes",
        help="Put the bundled LLM reference notes at the top as a reference section.",
        words="Add the LLM reference notes")
    notes_lang: str = option("ja", "--notes-lang", choices=("ja", "en"),
                             help="Language of the notes --with-notes adds (ja: the original).",
        not_on={
            "web": "the notes are added in their original language",
        })
    copy: bool = option(False, "--copy",
                        help="Also put the digest on the clipboard (only there when -o is not "
                             "given).",
        not_on={
            "remote_config": _LOCAL,
            "mcp": "the server's clipboard is not the caller's",
            "web": "the page has its own Copy button",
            "batch": "the batch names and writes every output (see -O)",
        },
        decides_output=False)
    token: str | None = option(
        None, "--token", metavar="TOKEN", secret=True,
        help="Token for a private remote, sent only to the source named here (not to a "
             "submodule on another host). Else GITDIGEST_TOKEN, sent only to the hosts listed "
             "in GITDIGEST_TOKEN_HOSTS (comma-separated host names, no port, exact match), "
             "else GITHUB_TOKEN/GH_TOKEN for https://github.com and GITLAB_TOKEN for "
             "https://gitlab.com (and CI_SERVER_HOST in GitLab CI).",
        not_on={
            "config": "a token does not belong in a file (remote sources read GITDIGEST_TOKEN "
                "themselves)",
            "mcp": "tokens for private repositories come only from the server's environment, "
                "bound to hosts by its operator (GITDIGEST_TOKEN with GITDIGEST_TOKEN_HOSTS)",
            "web": "only from the Authorization or X-Git-Token header, never the form or URL",
        },
        decides_output=False)
    host: str = option("github.com", "--host", metavar="HOST",
                       help="Host that a bare owner/repo slug refers to.",
        not_on={
            "remote_config": _LOCAL,
            "web": "the URL trick and full URLs name the host",
        })
    cache: bool = option(True, "--no-cache", negated=True,
                         help="Clone remotes into a temporary folder instead of the clone cache.",
        not_on={
            "remote_config": _LOCAL,
            "mcp": "the server decides how it caches clones",
            "web": "the server always uses its caches",
        },
        decides_output=False)
    timeout: float = option(900.0, "--timeout", minimum=0, open_minimum=True,
                            shown_default="900", metavar="SECONDS",
                            help="Limit for each git network operation.",
        not_on={
            "remote_config": _LOCAL,
            "web": "capped by the server (--git-timeout)",
        },
        decides_output=False)
    require_sandbox: bool = option(
        False, "--require-sandbox",
        help="Refuse to run git unless it runs in its sandbox (Landlock: git may execute only "
             "git); without the sandbox only hardened settings guard it (exit 2).",
        not_on={
            "mcp": _SANDBOX_SERVER,
            "web": _SANDBOX_SERVER,
        },
        decides_output=False)
    include_submodules: bool = option(False, "--include-submodules",
                                      help="Digest the submodules of a remote repository too.",
        not_on={
            "remote_config": _LOCAL,
        },
        words="Include submodules")
    check_against: str | None = option(
        None, "--check-against", metavar="FILE",
        help="Exit 1 when the digest's content differs from the digest in FILE (JSON or text), "
             "listing the files added, removed and changed.",
        not_on={
            "remote_config": _LOCAL,
            "mcp": "it reads a file from the server's disk; compare fingerprints instead",
            "web": "reads an earlier digest file on the server",
        })
    summary_json: str | None = option(
        None, "--summary-json", metavar="FILE",
        help="Also write the source, totals and fingerprint as JSON to FILE (for CI).",
        not_on={
            "remote_config": _LOCAL,
            "mcp": _SERVER_WRITES,
            "web": "writes a file on the server",
        })
    diff: str | None = option(
        None, "--diff", metavar="RANGE", bare="HEAD",
        help="Add a Diff section: A..B, A...B (from the merge base, as a pull request shows "
             "it), or one REV against the working tree (alone: HEAD, like `git diff HEAD`).",
        words="Changes to show",
        plain=("A range such as main...HEAD (as a pull request shows it) or A..B: adds a Diff "
               "section."))
    changed: bool = option(False, "--changed",
                           help="Digest only the files the --diff range changes (head side).",
        words="Only the changed files",
        plain="Digest only the files those changes touch.")
    since: str | None = option(None, "--since", metavar="REF",
                               help="Shorthand for --diff REF...HEAD --changed.",
        words="Changes since",
        plain="A branch, tag or commit: show what changed since, and digest only those files.")
    related: int | None = option(
        None, "--related", metavar="DEPTH", minimum=1, bare="1",
        help="With --changed or --focus: add files that import or are imported by the chosen "
             "files, DEPTH steps away (alone: 1).",
        words="Also files around the changes",
        plain="Files that import or are imported by the changed or focused ones, this many "
              "steps away.")
    focus: tuple[str, ...] = option(
        (), "--focus", metavar="PATH",
        help="Digest these files or folders, what they import and what imports them (one "
             "step, or --related DEPTH), nearest first, each labelled why (repeatable).",
        words="Focus on these paths",
        plain="Files or folders: digest them, what they import and what imports them.")
    log: int | None = option(
        None, "--log", metavar="N", minimum=1, bare="20",
        help="Add a History section: the last N commits (alone: 20), or the range's commits.",
        words="Recent commits",
        plain="Add a History section with this many commits.")
    log_emails: bool = option(False, "--log-emails",
                              help="Show authors' mail addresses in the History section.",
        words="Show authors' emails",
        plain="In the History section.")

    def __post_init__(self) -> None:
        for item in fields(self):
            _check(item, getattr(self, item.name))
        if self.ref is not None and not self.ref.strip():
            raise UsageError("--ref needs a branch, tag or commit, not an empty name")
        if self.reserve >= 1:
            raise UsageError(f"reserve must be a fraction from 0 to below 1, got {self.reserve}")
        for rule in COMBINATIONS:
            if rule.error and rule.applies(self, None):
                raise UsageError(rule.message(self, None))

    @classmethod
    def create(cls, **values: Any) -> Options:
        """Options from what is natural to type or write in Python: one string or a list for
        patterns, ``"500k"`` for sizes, ``"15%"`` for fractions. Unknown names are errors."""
        known = {item.name: item for item in fields(cls)}
        for name in values:
            if name not in known:
                raise UsageError(f"unknown option {name!r}")
        if values.get("format") is None and isinstance(values.get("output"), str):
            inferred = format_of_output(values["output"])  # -o x.json writes JSON
            if inferred is not None and not (values.get("stats") and inferred not in (
                    "text", "json")) and not (values.get("split_tokens") and inferred != "text"):
                values = {**values, "format": inferred}
        return cls(**{name: coerce(known[name], value) for name, value in values.items()})

    @property
    def sources(self) -> tuple[str, ...]:
        """Every source this digest reads, SOURCE first."""
        return (self.source, *self.more_sources)

    @property
    def budget_requested(self) -> bool:
        """Whether a token budget was asked for."""
        return self.max_tokens is not None or self.model is not None

    @property
    def change_range(self) -> str | None:
        """The range the digest reviews: ``--diff``, or ``REF...HEAD`` for ``--since``."""
        return f"{self.since}...HEAD" if self.since is not None else self.diff

    @property
    def changed_only(self) -> bool:
        """Whether only the changed files (and related ones) are digested."""
        return self.changed or self.since is not None

    @property
    def narrowed(self) -> bool:
        """Whether only chosen files (changed or focused, and related ones) are digested."""
        return self.changed_only or bool(self.focus)


@dataclass(frozen=True)
class Combination:
    """A rule about options given together. An ``error`` means nothing (a :class:`UsageError`
    before any work, however the options were made); the others have no effect on this run,
    which is said as a warning rather than ignored in silence. A rule that needs the source
    gets its :class:`SourceInfo` (None while the options are being made: it does not apply)."""

    applies: Callable[[Options, SourceInfo | None], bool]
    message: Callable[[Options, SourceInfo | None], str]
    error: bool = False


def _says(text: str) -> Callable[[Options, SourceInfo | None], str]:
    return lambda options, info: text


def _local(name: str) -> Combination:
    flag = "--" + name.replace("_", "-")
    return Combination(
        lambda o, info: info is not None and info.kind == "local" and _given(o, name),
        lambda o, info: f"{flag} has no effect on a local source ({info.name if info else ''})")


#: every rule about options together, errors first (the first that applies is raised)
COMBINATIONS: tuple[Combination, ...] = (
    Combination(lambda o, _: o.max_tokens is not None and o.model is not None,
                _says("give a budget as --max-tokens or as --model, not both"), error=True),
    Combination(lambda o, _: o.check and not o.budget_requested,
                _says("--check needs a budget: --max-tokens N or --model NAME"), error=True),
    Combination(lambda o, _: o.split_tokens is not None and o.format != "text",
                _says("--split-tokens writes text parts; use it with -f text"), error=True),
    Combination(lambda o, _: o.map and (o.stats or o.check),
                _says("--map is an output of its own: not with --stats or --check"), error=True),
    Combination(lambda o, _: bool(o.more_sources) and (o.change_range is not None or bool(o.log)),
                _says("--diff, --since and --log review one repository: give one SOURCE"),
                error=True),
    Combination(lambda o, _: o.null and o.files_from is None,
                _says("-0/--null describes the list --files-from reads: give --files-from"),
                error=True),
    Combination(lambda o, _: o.since is not None and o.diff is not None,
                _says("give --since REF or --diff RANGE, not both"), error=True),
    Combination(lambda o, _: o.changed and not o.change_range,
                _says("--changed and --related need a change: --diff RANGE or --since REF "
                      "(--related also works with --focus)"), error=True),
    Combination(lambda o, _: o.related is not None and not (o.changed_only or o.focus),
                _says("--related adds files around the changed or focused ones; use it with "
                      "--changed, --since or --focus"), error=True),
    Combination(lambda o, _: bool(o.focus) and o.changed_only,
                _says("give --focus PATH or --changed/--since, not both"), error=True),
    Combination(lambda o, _: o.stats and o.format not in ("text", "json"),
                lambda o, _: f"--stats writes a text or JSON table, not {o.format}; use -f text "
                             "or -f json with --stats", error=True),
    Combination(lambda o, _: o.tree_only and (o.stats or o.map or o.split_tokens is not None),
                _says("--tree-only is an output of its own: not with --stats, --map or "
                      "--split-tokens"), error=True),
    Combination(lambda o, _: o.tree_only and o.format not in ("text", "json"),
                lambda o, _: f"--tree-only writes text or JSON, not {o.format}; use -f text "
                             "or -f json", error=True),
    Combination(lambda o, _: o.stats and o.split_tokens is not None,
                _says("--stats writes one table, --split-tokens writes the digest in parts; "
                      "give one of them"), error=True),
    Combination(lambda o, _: bool(o.priority) and not o.budget_requested,
                _says("--priority has no effect without a budget (--max-tokens or --model)")),
    Combination(lambda o, _: bool(o.priority) and o.budget_requested and o.check,
                _says("--priority has no effect with --check, which cuts nothing")),
    Combination(lambda o, _: o.query is not None and not (o.budget_requested or o.map
                                                          or o.stats),
                _says("--query has no effect without a budget (--max-tokens or --model) or "
                      "--map: it chooses what a budget keeps, and every file fits")),
    Combination(lambda o, _: _given(o, "reserve") and o.model is None,
                _says("--reserve has no effect without --model (it is a share of the model's "
                      "window)")),
    Combination(lambda o, _: _given(o, "notes_lang") and not o.with_notes,
                _says("notes_lang has no effect without with_notes")),
    Combination(lambda o, info: info is not None and not o.gitignore
                and (info.kind == "remote" or info.ref is not None),
                _says("--no-gitignore has no effect on a commit (--ref or a remote): "
                      ".gitignore never applies to files that are committed")),
    # (--timeout is left alone: a limit set for every run, remote or not, is reasonable)
    *(_local(name) for name in ("token", "host", "include_submodules")),
    Combination(lambda o, info: info is not None and info.kind != "local"
                and _given(o, "host") and (info.host or "").lower() != o.host.lower(),
                lambda o, info: "--host has no effect: it names the host of a bare owner/repo "
                                f"slug, and {info.location if info else ''} names its own"),
)


def unused(options: Options, info: SourceInfo) -> list[str]:
    """What the options ask for that this run, with this source, does not do."""
    return [rule.message(options, info) for rule in COMBINATIONS
            if not rule.error and rule.applies(options, info)]


@cache
def _defaults() -> Options:
    return Options()


def _given(options: Options, name: str) -> bool:
    """Whether ``name`` differs from its default (what a surface cannot tell apart from not
    giving it at all, and what cannot have an effect when it is the default anyway)."""
    return bool(getattr(options, name) != getattr(_defaults(), name))


#: the format an output file's extension names (``-o digest.json`` without ``-f``)
SUFFIX_FORMATS = {".txt": "text", ".json": "json", ".md": "markdown", ".markdown": "markdown",
                  ".xml": "xml"}


def format_of_output(output: str) -> str | None:
    """The format ``output``'s extension names, if any (case does not matter)."""
    name = output.rpartition("/")[2].lower()
    dot = name.rfind(".")
    return SUFFIX_FORMATS.get(name[dot:]) if dot > 0 else None


def spec_of(item: dataclasses.Field[Any]) -> Spec:
    """The declaration of one field."""
    spec: Spec = item.metadata["spec"]
    return spec


def kind_of(item: dataclasses.Field[Any]) -> type:
    """The value type a field holds (``int`` for ``int | None``, ``str`` for patterns)."""
    annotation = str(item.type)
    for name, kind in (("bool", bool), ("int", int), ("float", float)):
        if annotation.startswith(name):
            return kind
    return str


def is_multiple(item: dataclasses.Field[Any]) -> bool:
    """Whether the option is repeatable (a tuple of patterns)."""
    return str(item.type).startswith("tuple")


def coerce(item: dataclasses.Field[Any], value: Any) -> Any:
    """A value as the field holds it: parsed by the declaration (``"2MB"``, ``"15%"``),
    numbers from text as the command line writes them, lists (or one string) as tuples."""
    spec = spec_of(item)
    if is_multiple(item):
        if value is None:
            return ()
        return (value,) if isinstance(value, str) else tuple(value)
    if value is True and spec.bare is not None:  # diff=True, log=True: as the bare flag
        value = spec.bare
    if value is None or isinstance(value, bool):
        return value
    if spec.parse is not None:
        return spec.parse(value)
    kind = kind_of(item)
    if kind in (int, float) and isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            raise UsageError(f"{item.name.replace('_', '-')} takes a number, not {value!r}"
                             ) from None
    return value


def check_value(item: dataclasses.Field[Any], value: Any) -> None:
    """Raise :class:`UsageError` when ``value`` breaks the field's declared choices or limits."""
    _check(item, value)


def _check(item: dataclasses.Field[Any], value: Any) -> None:
    spec = spec_of(item)
    label = (spec.flags[-1] if spec.flags else item.name).removeprefix("--no-").lstrip("-")
    if spec.choices is not None and value not in spec.choices:
        raise UsageError(f"unknown {label} {value!r}; choose from {', '.join(spec.choices)}")
    if spec.minimum is None or value is None:
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise UsageError(f"{label} must be a finite number, got {value}")
    if value < spec.minimum or (spec.open_minimum and value == spec.minimum):
        bound = "above" if spec.open_minimum else "at least"
        raise UsageError(f"{label} must be {bound} {spec.minimum:g}, got {value}")


def withheld(surface: str) -> dict[str, str]:
    """The options ``surface`` may not set, by field name, each with the reason its
    declaration gives (see :data:`SURFACES`)."""
    if surface not in SURFACES:
        raise ValueError(f"unknown surface {surface!r}")
    return {item.name: reason for item in fields(Options)
            if (reason := spec_of(item).not_on.get(surface)) is not None}


def allowed(item: dataclasses.Field[Any], surface: str) -> bool:
    """Whether ``surface`` may set the option ``item`` declares."""
    return surface not in spec_of(item).not_on


def cli_fields() -> list[dataclasses.Field[Any]]:
    """The fields the command line offers, in declaration order."""
    return [item for item in fields(Options) if spec_of(item).flags]


def text_key(options: Options) -> str:
    """The options that change a file's shown text or its count, as one string for the token
    cache key: an option declared ``keyed`` can never be served a stale count."""
    return "|".join(f"{item.name}={getattr(options, item.name)!r}" for item in fields(options)
                    if spec_of(item).keyed)


def transforms(options: Options) -> list[Transform]:
    """The text changes the options switch on, in declaration order."""
    return [spec.transform for item in fields(options)
            if (spec := spec_of(item)).transform is not None and getattr(options, item.name)]



def render_keywords() -> str:
    """The source of :mod:`gitdigest.keywords`: a TypedDict of every option the Python API takes
    as a keyword, typed as :meth:`Options.create` accepts it (``tests/test_keywords.py`` fails
    when the file and the declarations disagree; this function writes the new file)."""
    lines = [
        '"""The keyword arguments of :func:`gitdigest.digest`, one per option declaration.',
        "",
        "Generated from the declarations in :mod:`gitdigest.options` (``render_keywords``; a test",
        "fails when this file is stale): editors complete the keywords, and mypy rejects a",
        "misspelt one or a value of the wrong type.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from collections.abc import Sequence",
        "from typing import Literal, TypedDict",
        "",
        "",
        "class DigestOptions(TypedDict, total=False):",
        '    """What :func:`gitdigest.digest` takes besides the source."""',
        "",
    ]
    for item in fields(Options):
        if item.name != "source":
            lines.append(f"    {item.name}: {_keyword_type(item)}")
    return "\n".join(lines) + "\n"


def _keyword_type(item: dataclasses.Field[Any]) -> str:
    spec = spec_of(item)
    kind = kind_of(item)
    if is_multiple(item):
        return "str | Sequence[str]"
    if kind is bool:
        return "bool"
    if spec.choices is not None:
        base = "Literal[" + ", ".join(f'"{choice}"' for choice in spec.choices) + "]"
    elif spec.parse is parse_size:
        base = "int | str"
    elif spec.parse is parse_fraction:
        base = "float | str"
    else:
        base = kind.__name__
    if spec.bare is not None:
        base += " | bool"  # diff=True: as the bare flag
    return base + (" | None" if item.default is None else "")
