"""Our own ignore rules (``-e``, ``-i``, ``.gitdigestignore``) follow git's semantics exactly:
each case's expected result comes from git itself, with the same patterns put where git reads
them (an excludes file, or ``.gitignore`` files in place of ``.gitdigestignore``)."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pathspec
import pytest

from gitdigest import digest
from gitdigest.select.ignores import DefaultIgnores, Hit, IgnoreFiles, PatternSet, linear

from .conftest import MakeRepo, git, write_files

TREE = {
    "README.md": "r\n", "setup.py": "s\n", "notes.txt": "n\n", "a.log": "l\n",
    "src/app.py": "a\n", "src/app_test.py": "t\n", "src/lib/util.py": "u\n",
    "src/lib/data.json": "{}\n", "src/build/gen.py": "g\n", "build/out.txt": "o\n",
    "docs/index.md": "i\n", "docs/api/ref.md": "r\n", "docs/api/deep/x.log": "x\n",
    "tests/test_app.py": "t\n", "tests/fixtures/big.json": "{}\n", "weird name.txt": "w\n",
    "#hash.txt": "h\n", "!bang.txt": "b\n", "ü/ñ.txt": "u\n",
}

PATTERN_CASES = {
    "extension": ["*.log"],
    "anchored": ["/notes.txt", "/build"],
    "folder anywhere": ["build/"],
    "double star": ["docs/**/*.md", "**/lib"],
    "negation": ["*.py", "!src/app.py"],
    "negation inside ignored folder": ["src/", "!src/app.py"],
    "character class": ["src/app[_.]*", "*.[jt][sx][ot]*"],
    "question mark": ["?etup.py", "a.lo?"],
    "escapes": ["\\#hash.txt", "\\!bang.txt", "weird\\ name.txt"],
    "trailing spaces": ["notes.txt   "],
    "unicode": ["ü/"],
    "middle slash is anchored": ["lib/util.py", "src/lib/data.json"],
    "many stars": ["*a*p*_*e*t*", "s*r*/*i*/*a*a*", "*e*r*d*n*"],
}


def _git_kept(root: Path, patterns: list[str], tmp_path: Path) -> set[str]:
    excludes = tmp_path / "excludes"
    excludes.write_text("".join(p + "\n" for p in patterns), encoding="utf-8")
    out = git(root, "-c", f"core.excludesFile={excludes}", "ls-files", "-z", "--others",
              "--exclude-standard")
    return set(out.split("\0")) - {""}


def _ours(root: Path, **options: object) -> set[str]:
    result = digest(str(root), default_ignores=False, cache=False, secrets="off", **options)
    return {d.path for d in result.files}


@pytest.mark.parametrize("patterns", PATTERN_CASES.values(), ids=PATTERN_CASES.keys())
def test_exclude_patterns_match_git(make_repo: MakeRepo, tmp_path: Path,
                                    patterns: list[str]) -> None:
    root = make_repo(TREE, commit=False)
    assert _ours(root, exclude=patterns) == _git_kept(root, patterns, tmp_path)


@pytest.mark.parametrize("patterns", PATTERN_CASES.values(), ids=PATTERN_CASES.keys())
def test_include_patterns_keep_what_git_would_ignore(make_repo: MakeRepo, tmp_path: Path,
                                                     patterns: list[str]) -> None:
    root = make_repo(TREE, commit=False)
    everything = _git_kept(root, [], tmp_path)
    assert _ours(root, include=patterns) == everything - _git_kept(root, patterns, tmp_path)


@pytest.mark.parametrize("patterns", PATTERN_CASES.values(), ids=PATTERN_CASES.keys())
def test_gitdigestignore_files_match_gitignore_files(make_repo: MakeRepo, tmp_path: Path,
                                                     patterns: list[str]) -> None:
    nested = {"src/.gitdigestignore": "*.json\n!data.json\n", "docs/.gitdigestignore": "api/\n"}
    ours = make_repo({**TREE, **nested, ".gitdigestignore": "\n".join(patterns) + "\n"},
                     git_repo=False, name="ours")
    theirs = tmp_path / "theirs"
    shutil.copytree(ours, theirs)
    for ignore in theirs.rglob(".gitdigestignore"):
        ignore.rename(ignore.with_name(".gitignore"))
    git(theirs, "init", "-q")
    expected = {p.replace(".gitignore", ".gitdigestignore")
                for p in _git_kept(theirs, [], tmp_path)}
    assert _ours(ours) == expected


def test_the_oracle_can_disagree(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo(TREE, commit=False)
    write_files(root, {})
    assert _ours(root, exclude=["*.log"]) != _git_kept(root, ["*.md"], tmp_path)


def test_rules_reach_a_path_five_thousand_folders_deep() -> None:
    deep = "a/" * 5000 + "b/"
    assert DefaultIgnores().match(deep + "node_modules/x/f.js") == Hit(
        "default:node_modules/", "node_modules", deep + "node_modules")
    assert DefaultIgnores().match(deep + "f.py") is None
    assert PatternSet(["b/"], "-e").match(deep + "f.py") == "b/"
    # ignore files at the top and 5,000 folders down: the deeper one's negation wins
    files = IgnoreFiles({"": ["*.log"], deep.rstrip("/"): ["!keep.log"]})
    assert files.match(deep + "keep.log") is None
    assert files.match(deep + "drop.log") == Hit(".gitdigestignore:1:*.log")
    assert files.match("a/" * 4000 + "f.log") == Hit(".gitdigestignore:1:*.log")


def test_a_pattern_of_many_stars_cannot_hold_a_run(make_repo: MakeRepo, tmp_path: Path) -> None:
    """``*a*a*a*a*a*b`` became a regex that Python's engine backtracks through in O(n^6) on a
    250-character name that does not match: a repository's .gitdigestignore held the run for
    hours. Now it takes the time any pattern does, and decides as git does. In a child, so a
    hang fails instead of holding the suite."""
    stars = "*a" * 5 + "*b"
    root = make_repo({".gitdigestignore": stars + "\n", "a" * 240: "x\n", "ab.txt": "y\n",
                      "aaaaab": "z\n"}, git_repo=False)
    child = ("import sys; from gitdigest import digest\n"
             "print(sorted(d.path for d in digest(sys.argv[1], cache=False).files))")
    done = subprocess.run([sys.executable, "-c", child, str(root)], capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout == f"{['.gitdigestignore', 'a' * 240, 'ab.txt']}\n"
    git(root, "init", "-q")
    assert _git_kept(root, [stars], tmp_path) == {".gitdigestignore", "a" * 240, "ab.txt"}


def test_linear_patterns_match_what_pathspec_matches() -> None:
    """The rewritten regex of random patterns decides every random path as pathspec's own
    does, folder mark included (it tells a folder rule from a file rule)."""
    rnd = random.Random(7)
    atoms = ["a", "b", "*", "*", "?", "/", "[ab]", "[!a]", "**", "\\*", "."]
    checked = 0
    for _ in range(3000):
        line = "".join(rnd.choice(atoms) for _ in range(rnd.randint(1, 8)))
        try:
            patterns = pathspec.GitIgnoreSpec.from_lines([line]).patterns
        except ValueError:
            continue
        for pattern in patterns:
            if pattern.regex is None:
                continue
            ours = re.compile(linear(pattern.regex.pattern))
            for _ in range(10):
                path = "".join(rnd.choice("ab/.*") for _ in range(rnd.randint(1, 12)))
                theirs, mine = pattern.regex.match(path), ours.match(path)
                assert (theirs is None) == (mine is None), (line, path)
                if theirs and mine:
                    mark = theirs.groupdict().get("ps_d"), mine.groupdict().get("ps_d")
                    assert mark[0] == mark[1], (line, path)
                checked += 1
    assert checked > 10_000
