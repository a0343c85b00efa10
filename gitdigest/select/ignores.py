"""Ignore rules that are ours (git's own are asked of git): the built-in defaults,
``.gitdigestignore`` files, and the ``--include`` / ``--exclude`` pattern sets.

Every matcher is compiled once per run (once per folder for ignore files) and answers with the
rule that decided, because ``skipped[].detail`` shows it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pathspec

from ..core.errors import UsageError
from ..core.paths import inherited

IGNORE_FILE = ".gitdigestignore"

# The narrowest rule that is right: folder names that are never source, files that are always
# generated, and extensions of media, archives and compiled objects. Build output folders such as
# build/, dist/, out/, bin/, pkg/, env/ are NOT here: they are source in many repositories, and a
# repository that generates them says so in its .gitignore.
DEFAULT_DIRS = (
    ".git", ".hg", ".svn", ".bzr", "_darcs", ".jj",
    "node_modules", "bower_components", "jspm_packages", ".yarn", ".pnpm-store",
    ".venv", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", ".nox",
    ".hypothesis", ".ipynb_checkpoints", ".eggs", ".pytype", ".pyre",
    ".gradle", ".next", ".nuxt", ".svelte-kit", ".parcel-cache", ".turbo", ".angular",
    ".terraform", ".serverless", ".idea", ".DS_Store",
)
DEFAULT_FILES = (
    "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb",
    "bun.lock", "poetry.lock", "Pipfile.lock", "uv.lock", "pdm.lock", "Cargo.lock",
    "composer.lock", "Gemfile.lock", "go.sum", "mix.lock", "Podfile.lock", "packages.lock.json",
    "pubspec.lock", ".DS_Store", "Thumbs.db",
)
DEFAULT_SUFFIXES = (
    # minified and source maps
    ".min.js", ".min.mjs", ".min.css", ".js.map", ".mjs.map", ".css.map",
    # images, audio, video, fonts (SVG is text and stays)
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".icns", ".webp", ".tif", ".tiff", ".psd",
    ".heic", ".avif", ".mp3", ".mp4", ".m4a", ".wav", ".ogg", ".flac", ".avi", ".mov", ".mkv",
    ".webm", ".woff", ".woff2", ".ttf", ".otf", ".eot",
    # documents and archives
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".tar", ".gz", ".tgz",
    ".bz2", ".xz", ".7z", ".rar", ".zst", ".jar", ".war", ".ear", ".whl", ".egg", ".nupkg",
    # compiled objects and databases
    ".pyc", ".pyo", ".pyd", ".o", ".obj", ".a", ".lib", ".so", ".dylib", ".dll", ".exe", ".class",
    ".wasm", ".pdb", ".sqlite", ".sqlite3", ".db",
)
# A folder holding one of these files is a virtualenv or a cache, whatever its name (venv/, env/,
# target/ ...): that is the narrow, content-based way to skip them without hiding source folders.
DEFAULT_MARKERS = {"pyvenv.cfg": "virtualenv", "CACHEDIR.TAG": "cache directory"}


def _compile(lines: Iterable[str], label: str | None = None
             ) -> tuple[pathspec.GitIgnoreSpec, list[tuple[int, str]]]:
    """A spec plus, for each pattern index it reports, the 1-based line and text it came from.
    A malformed pattern typed by the user (``label`` names the option) is a usage error; one in
    a repository's ignore file is skipped, as git skips it."""
    patterns = []
    origin = []
    for number, line in enumerate(lines, start=1):
        try:
            with warnings.catch_warnings():
                # a glob like "[[x]" becomes a regex Python warns about ("possible nested
                # set"); it still means what git means, and a warning would break the one-line
                # promise on stderr
                warnings.simplefilter("ignore", FutureWarning)
                compiled = pathspec.GitIgnoreSpec.from_lines([line]).patterns
        except (ValueError, re.error) as error:  # pathspec's GitIgnorePatternError, or a
            # class range the regex engine refuses ("[0-.]": before 3.11 pathspec lets it through)
            if label is not None:
                raise UsageError(f"invalid {label} pattern {line!r}: {error}") from None
            continue
        for pattern in compiled:
            if pattern.regex is not None:
                pattern.regex = re.compile(linear(pattern.regex.pattern))
            patterns.append(pattern)
            origin.append((number, line))
    return pathspec.GitIgnoreSpec(patterns), origin


#: what a ``*`` of a pattern becomes in pathspec's regex: any run of a name's characters
_STAR = "[^/]*"
#: a fixed-width piece of regex: literal or escaped characters, "?" (``[^/]``) and classes
#: that cannot match "/" (pathspec lets ``[!a]`` match it: such a piece is left as it is)
_FIXED = re.compile(r"(?:\\.|[^\\()*+?{}|^$.\[]|\[\^/\]|\[(?!\^)(?:\\.|[^\]\\/])+\])+")


def linear(regex: str) -> str:
    """pathspec's ``regex`` for a pattern, matching the same paths in linear time.

    ``*a*a*a*b`` becomes ``[^/]*a[^/]*a[^/]*a[^/]*b``, which Python's engine backtracks
    through in O(n^4) on a name of n characters that does not match: 10 s for one 250
    character name, so a repository's ignore file could hold a run without end. As
    :func:`fnmatch.translate` does, every star but the pattern's last, when a fixed piece
    follows it, matches only up to the earliest place where that piece matches (an atomic
    group, written as a lookahead and a backreference for Python 3.10): a later place never
    lets more of the rest match, since neither the star nor the piece can cross a "/" the
    other could not, and the next star takes up the difference.
    """
    parts = regex.split(_STAR)
    out = [parts[0]]
    for index, piece in enumerate(parts[1:], start=1):
        if index < len(parts) - 1 and piece and _FIXED.fullmatch(piece):
            out.append(f"(?=(?P<_star{index}>[^/]*?{piece}))(?P=_star{index})")
        else:
            out.append(_STAR + piece)
    return "".join(out)


@dataclass(frozen=True)
class Hit:
    """Which rule matched: ``detail`` for the skipped list, ``token`` (the ignored name) for
    include overrides, ``folder`` when the rule hides a whole folder."""

    detail: str
    token: str = ""
    folder: str | None = None


class DefaultIgnores:
    """The built-in list, matched with set look-ups (a regex per pattern per path is too slow)."""

    def __init__(self, marker_dirs: Iterable[tuple[str, str]] = ()) -> None:
        self._dirs = frozenset(DEFAULT_DIRS)
        self._files = frozenset(DEFAULT_FILES)
        self._suffixes = frozenset(DEFAULT_SUFFIXES)
        self._marker_dirs = dict(marker_dirs)
        self._dir_cache: dict[str, Hit | None] = {}

    @staticmethod
    def find_markers(paths: Iterable[str]) -> list[tuple[str, str]]:
        """Folders that hold a marker file, with what the marker says they are."""
        found = []
        for path in paths:
            folder, _, name = path.rpartition("/")
            if name in DEFAULT_MARKERS and folder:
                found.append((folder, DEFAULT_MARKERS[name]))
        return found

    def match(self, path: str) -> Hit | None:
        """The default rule that hides ``path``, if any."""
        folder, _, name = path.rpartition("/")
        hit = self._folder(folder) if folder else None
        if hit is not None:
            return hit
        if name in self._files:
            return Hit(f"default:{name}", name)
        lowered = name.lower()
        last = lowered.rfind(".")
        if last <= 0:
            return None
        for start in (lowered.rfind(".", 0, last), last):  # ".min.js" before ".js"
            if start > 0 and lowered[start:] in self._suffixes:
                suffix = lowered[start:]
                return Hit(f"default:*{suffix}", suffix)
        return None

    def _folder(self, folder: str) -> Hit | None:
        return inherited(folder, self._dir_cache, self._own)

    def _own(self, folder: str) -> Hit | None:
        name = folder.rpartition("/")[2]
        if name in self._dirs:
            return Hit(f"default:{name}/", name, folder)
        if folder in self._marker_dirs:
            return Hit(f"default:{self._marker_dirs[folder]}", name, folder)
        return None


class PatternSet:
    """Gitignore-syntax patterns from the command line, relative to the source root."""

    def __init__(self, patterns: Iterable[str], label: str) -> None:
        self.patterns = tuple(patterns)
        self._label = label
        self._spec, self._origin = _compile(self.patterns, label)
        self._folders: dict[str, str | None] = {}

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def match(self, path: str) -> str | None:
        """The pattern that matches ``path`` as git would ignore it: the last one that decides
        wins, and a path inside a matched folder stays matched whatever a later negation says
        (git cannot re-include a file whose parent folder is excluded)."""
        folder = path.rpartition("/")[0]
        hit = self._folder(folder) if folder else None
        return hit if hit is not None else self._decide(path)

    def _folder(self, folder: str) -> str | None:
        return inherited(folder, self._folders, lambda name: self._decide(name + "/"))

    def _decide(self, path: str) -> str | None:
        result = self._spec.check_file(path)
        if not result.include or result.index is None:
            return None
        return self._origin[result.index][1]

    def detail(self, pattern: str) -> str:
        """How the skipped list names a pattern of this set."""
        return f"{self._label} {pattern}"


class IgnoreFiles:
    """``.gitdigestignore`` files at any depth, with git's anchoring and negation semantics:
    a file's rules apply below its folder, deeper files override shallower ones, and nothing
    inside an ignored folder can be re-included."""

    def __init__(self, files: dict[str, list[str]]) -> None:
        self._specs = {folder: _compile(lines) for folder, lines in files.items()}
        self._dir_cache: dict[str, Hit | None] = {}
        #: per folder, the folders at or above it that hold an ignore file, outermost first
        self._chains: dict[str, tuple[str, ...]] = {"": ("",) if "" in self._specs else ()}

    @classmethod
    def load(cls, paths: Iterable[str], read: Callable[[str], bytes]) -> IgnoreFiles:
        """Compile every ignore file among ``paths``; ``read`` returns a file's bytes."""
        files = {}
        for path in paths:
            folder, _, name = path.rpartition("/")
            if name == IGNORE_FILE:
                text = read(path).decode("utf-8", "replace")
                files[folder] = text.splitlines()
        return cls(files)

    def __bool__(self) -> bool:
        return bool(self._specs)

    def match(self, path: str) -> Hit | None:
        """The rule that ignores ``path`` (detail ``file:line:pattern``), or None."""
        if not self._specs:
            return None
        folder = path.rpartition("/")[0]
        hit = self._folder(folder) if folder else None
        if hit is not None:
            return hit
        rule = self._decide(path, is_dir=False)
        return Hit(rule) if rule is not None else None

    def _folder(self, folder: str) -> Hit | None:
        return inherited(folder, self._dir_cache, self._own)

    def _own(self, folder: str) -> Hit | None:
        rule = self._decide(folder, is_dir=True)
        return Hit(rule, folder=folder) if rule is not None else None

    def _chain(self, folder: str) -> tuple[str, ...]:
        # built down from the nearest known folder, shared while no ignore file adds to it:
        # asking every folder above each path costs depth squared (5,000 deep: minutes)
        pending = []
        while folder not in self._chains:
            pending.append(folder)
            folder = folder.rpartition("/")[0]
        chain = self._chains[folder]
        for name in reversed(pending):
            if name in self._specs:
                chain = (*chain, name)
            self._chains[name] = chain
        return chain

    def _decide(self, path: str, *, is_dir: bool) -> str | None:
        decided: str | None = None
        for folder in self._chain(path.rpartition("/")[0]):
            spec, origin = self._specs[folder]
            relative = path[len(folder) + 1 :] if folder else path
            result = spec.check_file(relative + "/" if is_dir else relative)
            if result.include is None or result.index is None:
                continue
            where = f"{folder}/{IGNORE_FILE}" if folder else IGNORE_FILE
            number, line = origin[result.index]
            decided = f"{where}:{number}:{line}" if result.include else None
        return decided
