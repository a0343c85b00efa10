"""--diff, --changed, --since and --log on real repositories, checked against git's own output
(``git diff --numstat``/``--name-status``/``-p`` and ``git log``)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from gitdigest import UsageError, digest
from gitdigest.change import review
from gitdigest.change.diff import Range, parse_range
from gitdigest.cli import cli
from gitdigest.count.tokens import TokenCounter

from .conftest import MakeRepo, git, write_files

# a GitHub token shape the scanner knows (not a real token)
TOKEN = "ghp_" + "R8sTq2ZbX4vW7yP1nK5mJ3hG6fD9cA0eL2uQ"
BINARY = bytes(range(256))


def _commit(root: Path, message: str, files: dict[str, str | bytes] | None = None) -> str:
    if files:
        write_files(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture
def branched(make_repo: MakeRepo) -> Path:
    """main, then feature (modify, add, delete, rename, binary change, a secret), then main
    moves on, so A..B and A...B differ."""
    root = make_repo({"app.py": "import util\n\nprint(util.VALUE)\n",
                      "util.py": "VALUE = 1\n", "gone.txt": "bye\n",
                      "docs/old name.md": "# Title\n\n" + "line\n" * 20,
                      "logo.bin": BINARY, "README.md": "# demo\n",
                      "zz_unchanged.py": "".join(f"X{i} = {i}\n" for i in range(40))})
    git(root, "checkout", "-q", "-b", "feature")
    (root / "gone.txt").unlink()
    git(root, "mv", "docs/old name.md", "docs/new name.md")
    _commit(root, "feature: rename, delete, binary",
            {"util.py": "VALUE = 2\n", "logo.bin": BINARY[::-1],
             "docs/new name.md": "# Title\n\n" + "line\n" * 20 + "more\n"})
    _commit(root, "feature: settings", {"settings.py": f'TOKEN = "{TOKEN}"\nDEBUG = False\n'})
    git(root, "checkout", "-q", "main")
    _commit(root, "main moves on", {"README.md": "# demo\n\nmain only\n"})
    git(root, "checkout", "-q", "feature")
    return root


@pytest.mark.parametrize(("text", "expected"), [
    ("main...feature", Range("main...feature", "main", "feature", True)),
    ("main..feature", Range("main..feature", "main", "feature", False)),
    ("v1.0", Range("v1.0", "v1.0", None)),
    ("main...", Range("main...", "main", "HEAD", True)),
    ("..feature", Range("..feature", "HEAD", "feature", False)),
])
def test_ranges_parse_like_git(text: str, expected: Range) -> None:
    assert parse_range(text) == expected


@pytest.mark.parametrize("text", ["", "a....b", "-x", "a b", "a..b..c"])
def test_bad_ranges_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_range(text)


def _numstat(root: Path, *revs: str) -> list[tuple[str, str, str]]:
    """(added, removed, new path) per file, from git itself."""
    rows = []
    for line in git(root, "diff", "--numstat", "-M", *revs).splitlines():
        added, removed, path = line.split("\t")
        if " => " in path:  # "docs/{old name.md => new name.md}"
            head, _, rest = path.partition("{")
            path = head + rest.split(" => ")[1].replace("}", "") if rest else \
                path.split(" => ")[1]
        rows.append((added, removed, path))
    return rows


def test_three_dot_range_matches_git(branched: Path) -> None:
    result = digest(str(branched), diff="main...feature", secrets="off")
    assert result.diff is not None
    base = git(branched, "merge-base", "main", "feature").strip()
    assert result.diff.base == base
    assert result.diff.head == git(branched, "rev-parse", "feature").strip()
    ours = [("-" if c.binary else str(c.added), "-" if c.binary else str(c.removed), c.path)
            for c in result.diff.files]
    assert ours == _numstat(branched, "main...feature")
    statuses = {c.path: (c.status, c.old_path) for c in result.diff.files}
    assert statuses == {"docs/new name.md": ("renamed", "docs/old name.md"),
                        "gone.txt": ("deleted", None), "logo.bin": ("modified", None),
                        "settings.py": ("added", None), "util.py": ("modified", None)}
    # with redaction off the patch is git's own, byte for byte; the binary is only named
    assert result.diff.patch == git(branched, "diff", "-M", "main...feature")
    assert "Binary files a/logo.bin and b/logo.bin differ" in result.diff.patch
    assert "README.md" not in result.diff.patch  # main's own change is not the branch's


def test_two_dot_range_includes_the_other_side(branched: Path) -> None:
    result = digest(str(branched), diff="main..feature", secrets="off")
    assert result.diff is not None
    assert [c.path for c in result.diff.files] == [r[2] for r in _numstat(branched,
                                                                         "main..feature")]
    assert "README.md" in {c.path for c in result.diff.files}


def test_stat_lines_match_git_diff_stat(branched: Path) -> None:
    result = digest(str(branched), diff="main...feature")
    assert result.diff is not None
    stat = git(branched, "diff", "--stat=200", "-M", "main...feature").splitlines()
    assert stat[-1].strip().startswith(f"{len(result.diff.files)} files changed")
    added = sum(c.added or 0 for c in result.diff.files)
    removed = sum(c.removed or 0 for c in result.diff.files)
    assert f"{added} insertions(+)" in stat[-1] and f"{removed} deletions(-)" in stat[-1]


def test_a_secret_added_in_a_change_is_redacted_in_every_format(branched: Path) -> None:
    result = digest(str(branched), diff="main...feature", changed=True)
    assert result.diff is not None
    assert TOKEN not in result.diff.patch
    assert "[REDACTED:" in result.diff.patch
    assert [s.path for s in result.diff.secrets] == ["settings.py"]
    assert "diff:settings.py" in {s.path for s in result.secrets}
    for fmt in ("text", "json", "markdown", "xml"):
        assert TOKEN not in result.render(fmt)
    assert "## Diff: `main...feature`" in result.render("markdown")
    tree = ElementTree.fromstring(result.render("xml"))
    files = tree.findall("./diff/file")
    assert [(f.text, f.get("status")) for f in files] == [
        (c.path, c.status) for c in result.diff.files]
    binary = {f.text: f.get("binary") for f in files}
    assert binary["logo.bin"] == "true" and binary["util.py"] is None
    assert "[REDACTED:" in (tree.findtext("./diff/patch") or "")


def test_the_api_takes_the_bare_flags_as_true(make_repo: MakeRepo) -> None:
    root = make_repo({"a.txt": "a\n"})
    write_files(root, {"a.txt": "b\n"})
    result = digest(str(root), diff=True, log=True)
    assert result.diff is not None and result.diff.range == "HEAD"
    assert result.history is not None and len(result.history.commits) == 1


def test_changed_digests_the_head_side_and_lists_deletions(branched: Path) -> None:
    result = digest(str(branched), since="main")
    assert [d.path for d in result.files] == ["settings.py", "util.py", "docs/new name.md"]
    assert {s.path: s.reason for s in result.skipped} == {
        "gone.txt": "deleted", "logo.bin": "binary", "README.md": "outside-change",
        "app.py": "outside-change", "zz_unchanged.py": "outside-change"}
    assert "app.py" in result.tree and "util.py [changed]" in result.tree
    data = json.loads(result.render("json"))
    assert data["diff"]["range"] == "main...HEAD"
    assert {f["path"]: f["why"] for f in data["files"]}["util.py"] == "changed"
    rename = next(f for f in data["diff"]["files"] if f["status"] == "renamed")
    assert rename == {"path": "docs/new name.md", "old_path": "docs/old name.md",
                      "status": "renamed", "added": 1, "removed": 0, "binary": False,
                      "omitted": ""}


def test_the_diff_is_counted_exactly_and_kept_first_under_a_budget(branched: Path) -> None:
    counter = TokenCounter("o200k_base")
    review = digest(str(branched), diff="main...feature")
    assert review.summary.tokens == counter.count(review.render("text"))
    changed = {"settings.py", "util.py", "docs/new name.md"}
    others = sum(d.block_tokens for d in review.files if d.path not in changed)
    # room for the changed files and the SKIPPED lines of the files cut, not for the rest
    cut_lines = sum(counter.count(f"{d.path} (budget: {d.tokens:,} tokens did not fit in "
                                  f"the budget of 99,999)\n") for d in review.files
                    if d.path not in changed)
    budget = review.summary.tokens - others + 40 + cut_lines + 20
    small = digest(str(branched), diff="main...feature", max_tokens=budget)
    assert changed <= {d.path for d in small.files}
    assert "zz_unchanged.py" in {d.path for d in small.cut}
    assert small.summary.tokens <= budget
    assert small.summary.tokens == counter.count(small.render("text"))
    assert small.diff is not None and small.diff.patch in small.render("text")


def test_working_tree_diff_matches_git_diff_head(make_repo: MakeRepo) -> None:
    root = make_repo({"a.txt": "one\n", "b.txt": "two\n"})
    write_files(root, {"a.txt": "one\nmore\n", "b.txt": "changed\n"})
    git(root, "add", "b.txt")
    result = digest(str(root), diff="HEAD", secrets="off")
    assert result.diff is not None and result.diff.head is None
    assert result.diff.patch == git(root, "diff", "-M", "HEAD")
    assert [c.path for c in result.diff.files] == ["a.txt", "b.txt"]


def test_a_filter_driver_in_the_repository_never_runs(make_repo: MakeRepo, tmp_path: Path
                                                       ) -> None:
    marker = tmp_path / "ran"
    root = make_repo({".gitattributes": "*.txt filter=evil\n", "a.txt": "one\n"})
    git(root, "config", "filter.evil.clean", f"touch {marker}; cat")
    git(root, "config", "filter.evil.process", f"touch {marker}")
    git(root, "config", "filter.evil.required", "true")
    marker.unlink(missing_ok=True)  # committing ran it once, on our own git
    write_files(root, {"a.txt": "two\n"})
    result = digest(str(root), diff="HEAD")
    assert result.diff is not None and "+two" in result.diff.patch
    assert not marker.exists()


def test_merges_and_history_match_git_log(branched: Path) -> None:
    git(branched, "checkout", "-q", "-b", "topic", "main")
    _commit(branched, "topic work", {"topic.py": "X = 1\n"})
    git(branched, "checkout", "-q", "feature")
    git(branched, "merge", "-q", "--no-ff", "-m", "Merge topic", "topic")
    result = digest(str(branched), diff="main...feature", log=50)
    assert result.history is not None
    expected = git(branched, "log", "--format=%H", "main..feature").split()
    assert [c.id for c in result.history.commits] == expected
    assert result.history.commits[0].subject == "Merge topic"
    assert all(c.email is None for c in result.history.commits)
    last = digest(str(branched), log=2, log_emails=True)
    assert last.history is not None
    assert [c.id for c in last.history.commits] == git(branched, "log", "-n", "2",
                                                       "--format=%H").split()
    assert last.history.commits[1].email == "test@example.invalid"
    assert "test@example.invalid" not in result.render("text")
    entry = next(c for c in result.history.commits if c.subject == "feature: settings")
    assert entry.files == ("settings.py",)
    assert "HISTORY: main...feature (4 commits)" in result.render("text")


def test_a_range_head_is_the_digested_ref(branched: Path) -> None:
    git(branched, "checkout", "-q", "main")
    result = digest(str(branched), since="main", ref="feature")
    assert result.source.ref == "feature" and "settings.py" in {d.path for d in result.files}
    named = digest(str(branched), diff="main...feature", changed=True)
    assert named.source.ref == "feature" and "settings.py" in {d.path for d in named.files}


def test_cli_review_and_its_errors(branched: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(cli, [str(branched), "--since", "main", "--log", "-o", "-",
                              "-f", "json"])
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert "Change:   main...HEAD: 5 files changed (+4 -2), diff " in out.stderr
    assert "History:  2 commits, " in out.stderr
    assert [c["subject"] for c in data["history"]["commits"]] == ["feature: settings",
                                                                 "feature: rename, delete, binary"]
    bad = runner.invoke(cli, [str(branched), "--diff", "main...nope", "-o", "-"])
    assert bad.exit_code == 2  # the head is the digested ref
    assert bad.stderr.startswith("gitdigest: error: unknown ref 'nope'")
    assert bad.stderr.count("\n") == 1
    base = runner.invoke(cli, [str(branched), "--diff", "nope...", "-o", "-"])
    assert base.exit_code == 2
    assert base.stderr == "gitdigest: error: unknown revision 'nope' in the --diff range\n"
    both = runner.invoke(cli, [str(branched), "--diff", "main", "--since", "main"])
    assert both.exit_code == 2 and "not both" in both.stderr
    lonely = runner.invoke(cli, [str(branched), "--changed"])
    assert lonely.exit_code == 2 and "need a change" in lonely.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.txt").write_text("a\n")
    nogit = runner.invoke(cli, [str(plain), "--log", "-o", "-"])
    assert nogit.exit_code == 2 and "need a git repository" in nogit.stderr


def test_hunks_of_files_the_digest_skips_stay_out_of_the_patch(make_repo: MakeRepo) -> None:
    root = make_repo({"package-lock.json": '{"a": 1}\n', "src/a.js": "1\n", "gen/x.js": "1\n"})
    write_files(root, {"package-lock.json": '{"a": 2}\n', "src/a.js": "2\n", "gen/x.js": "2\n"})
    result = digest(str(root), diff="HEAD", exclude="gen/")
    assert result.diff is not None
    omitted = {c.path: c.omitted for c in result.diff.files}
    assert omitted["src/a.js"] == ""
    assert omitted["package-lock.json"].startswith("ignored")
    assert omitted["gen/x.js"].startswith("excluded")
    assert '"a": 2' not in result.diff.patch and "+2" in result.diff.patch
    assert "diff --git a/package-lock.json b/package-lock.json\n# hunks left out: ignored" \
        in result.diff.patch
    assert result.diff.files[0].added == 1  # counted all the same


def test_a_subfolder_reviews_only_its_own_paths(branched: Path) -> None:
    write_files(branched, {"pkg/mod.py": "A = 1\n"})
    _commit(branched, "pkg: add")
    _commit(branched, "pkg: change", {"pkg/mod.py": "A = 2\n"})
    result = digest(str(branched / "pkg"), since="HEAD~1", log=5)
    assert result.diff is not None and result.history is not None
    assert [c.path for c in result.diff.files] == ["mod.py"]
    assert "a/mod.py" in result.diff.patch
    assert [c.subject for c in result.history.commits] == ["pkg: change"]
    assert result.history.commits[0].files == ("mod.py",)


def test_split_parts_carry_the_sections_in_part_one(branched: Path, tmp_path: Path) -> None:
    out = tmp_path / "review.txt"
    runner = CliRunner()
    done = runner.invoke(cli, [str(branched), "--diff", "main...feature", "--log",
                               "--split-tokens", "900", "-o", str(out), "-q"])
    assert done.exit_code == 0, done.stderr
    first = (tmp_path / "review.1.txt").read_text()
    assert "DIFF: main...feature" in first and "HISTORY: main...feature" in first
    counter = TokenCounter("o200k_base")
    for part in sorted(tmp_path.glob("review.*.txt")):
        assert counter.count(part.read_text()) <= 900


def test_a_secret_in_a_commit_subject_is_redacted(make_repo: MakeRepo) -> None:
    root = make_repo({"a.txt": "a\n"})
    _commit(root, f"rotate {TOKEN} later", {"a.txt": "b\n"})
    result = digest(str(root), log=5)
    assert result.history is not None
    assert result.history.commits[0].subject.startswith("rotate [REDACTED:")
    assert TOKEN not in result.render("json")


def test_a_diff_larger_than_the_budget_leaves_out_its_largest_hunks(make_repo: MakeRepo
                                                                    ) -> None:
    root = make_repo({"big.py": "", "small.py": "A = 1\n"})
    write_files(root, {"big.py": "".join(f"VALUE_{i} = {i} * {i}\n" for i in range(400)),
                       "small.py": "A = 2\n"})
    _commit(root, "big change")
    whole = digest(str(root), since="HEAD~1")
    assert whole.diff is not None and whole.diff.tokens > 3000
    result = digest(str(root), since="HEAD~1", max_tokens=1000)
    assert result.diff is not None
    assert {c.path: c.omitted for c in result.diff.files} == {"big.py": "budget",
                                                              "small.py": ""}
    assert "+A = 2" in result.diff.patch and "VALUE_1 " not in result.diff.patch
    assert result.summary.tokens <= 1000
    assert result.summary.tokens == TokenCounter("o200k_base").count(result.render("text"))
    assert [d.path for d in result.files] == ["small.py"]


def test_history_holds_any_character_a_name_or_subject_may_hold(make_repo: MakeRepo) -> None:
    # the log was split on \x1e and \x1f: a file, subject or author holding them crashed
    # --log and --query (exit 70), or faked another commit in the History section
    odd = "odd\x1ename\x1f.py"
    root = make_repo({"a.py": "x = 1\n", odd: "y = 2\n"})
    (root / "a.py").write_text("x = 3\n")
    git(root, "add", "-A")
    subject = "evil\x1esubject\x1f2026-01-01\x1fMallory\x1fm@x\x1ffake commit"
    git(root, "-c", "user.name=Eve\x1e\x1fEve", "commit", "-qm", subject)
    result = digest(str(root), log=5)
    assert result.history is not None
    commits = result.history.commits
    assert [c.id for c in commits] == git(root, "log", "--format=%H").split()
    assert commits[0].subject == subject and commits[0].author == "Eve\x1e\x1fEve"
    assert commits[0].files == ("a.py",)
    assert odd in commits[1].files


#: many modules in folders: their tree and Skipped list drawn whole are far over 4,000 tokens,
#: so a budget must shape them before it can tell how much room the diff has
FOLDERS = {f"pkg/part{p}/sub/module_{i}.py": f"def f{i}():\n    return {i}\n"
           for p in range(6) for i in range(60)}


def _mapped_change(make_repo: MakeRepo, lines: int) -> Path:
    """FOLDERS and a lockfile on ``base``, then a commit that changes the lockfile, a small
    module and a module of ``lines`` new lines."""
    root = make_repo({**FOLDERS, "uv.lock": "version = 1\n", "small.py": "A = 1\n",
                      "big.py": "def big():\n    return 0\n"})
    git(root, "branch", "base")
    _commit(root, "change", {
        "uv.lock": "version = 2\n", "small.py": "A = 2\n",
        "big.py": "def big():\n    return 0\n" + "".join(
            f"def value_{i}(x):\n    return x * {i} + {i * i}\n" for i in range(lines))})
    return root


@pytest.mark.parametrize("budget", [4000, 8000, None])
def test_a_map_keeps_a_diff_that_fits_whole(make_repo: MakeRepo, budget: int | None) -> None:
    # the diff was measured with the tree and Skipped list drawn whole (over any such
    # budget), so every hunk was left out however much room there was
    root = _mapped_change(make_repo, 3)
    result = digest(str(root), since="base", map=True, max_tokens=budget)
    assert result.diff is not None
    assert {c.path: c.omitted for c in result.diff.files} == {
        "big.py": "", "small.py": "", "uv.lock": "ignored (default:uv.lock)"}
    assert "+A = 2" in result.diff.patch and "value_2" in result.diff.patch
    assert "budget" not in result.diff.patch
    text = result.render("text")
    assert result.summary.tokens == TokenCounter("o200k_base").count(text) <= (budget or 4000)
    assert "big.py" in {d.path for d in result.files}  # small.py defines nothing to map


@pytest.mark.parametrize("budget", [1500, None])
def test_a_map_leaves_out_the_largest_hunks_of_a_diff_too_big(make_repo: MakeRepo,
                                                              budget: int | None) -> None:
    # None: the map's own budget of 4,000, which the diff did not give way to (exit 2)
    root = _mapped_change(make_repo, 300)
    assert TokenCounter("o200k_base").count(
        git(root, "diff", "base...HEAD", "--", "big.py")) > 5000
    result = digest(str(root), since="base", map=True, max_tokens=budget)
    assert result.diff is not None
    assert {c.path: c.omitted for c in result.diff.files} == {
        "big.py": "budget", "small.py": "", "uv.lock": "ignored (default:uv.lock)"}
    assert "+A = 2" in result.diff.patch and "value_2" not in result.diff.patch
    text = result.render("text")
    assert result.summary.tokens == TokenCounter("o200k_base").count(text) <= (budget or 4000)


def test_hunks_left_out_by_the_digest_keep_their_reason_when_all_else_is_cut(
        make_repo: MakeRepo) -> None:
    root = _mapped_change(make_repo, 3)
    whole = digest(str(root), since="base")
    counter = TokenCounter("o200k_base")
    trimmed = review.trim_diff(review.Change(diff=whole.diff), 10, counter, counter.count)
    assert trimmed.diff is not None
    assert {c.path: c.omitted for c in trimmed.diff.files} == {
        "big.py": "budget", "small.py": "budget", "uv.lock": "ignored (default:uv.lock)"}
    assert "b/uv.lock\n# hunks left out: ignored (default:uv.lock)\n" in trimmed.diff.patch


def _valid_unicode(value: object) -> bool:
    """Whether every string in a JSON value is valid Unicode (no lone surrogate)."""
    if isinstance(value, str):
        return not any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return all(_valid_unicode(item) for item in value.values())
    if isinstance(value, list):
        return all(_valid_unicode(item) for item in value)
    return True


def test_changed_names_and_ignore_rules_cannot_hide_or_break_the_diff(make_repo: MakeRepo
                                                                       ) -> None:
    """git writes names in the patch's headers as they are (core.quotePath is off), and a
    file's hunks left out name the rule that skips it, from the repository's own ignore files:
    a bidirectional override or zero-width character there showed raw in the Diff section,
    and an ignore file in a folder whose name is not UTF-8 ended text and Markdown digests in
    an internal error (exit 70). Every format shows them escaped; JSON's texts stay valid."""
    odd = os.fsdecode(b"d\xff")
    root = make_repo({"a.txt": "a\n"})
    _commit(root, "change", {f"{odd}/.gitdigestignore": "*.py\n", f"{odd}/m.py": "x = 1\n",
                             ".gitdigestignore": "hid\u202e*\n", "hid\u202ex.md": "y\n",
                             "inv\u202efdp.txt": "z\n", "zero\u200bw.py": "w = 1\n"})
    for fmt in ("text", "markdown", "xml", "json"):
        out = CliRunner().invoke(cli, [str(root), "--since", "HEAD~1", "-f", fmt, "-o", "-"])
        assert out.exit_code == 0, (fmt, out.stderr)
        # the ignore file's own text holds its pattern: contents are shown as they are
        assert not re.search("[\u202e\u200b\udcff]", out.stdout.replace("hid\u202e*\n", "")), fmt
        if fmt == "json":
            patch = json.loads(out.stdout)["diff"]["patch"]
            assert _valid_unicode(json.loads(out.stdout)), fmt
        elif fmt == "xml":
            patch = ElementTree.fromstring(out.stdout.encode()).findtext("diff/patch") or ""
        else:
            patch = out.stdout
        assert "diff --git a/inv\\u202efdp.txt b/inv\\u202efdp.txt\n" in patch, fmt
        assert "+++ b/zero\\u200bw.py\n" in patch, fmt
        assert '# hunks left out: ignored ("d\\xff/.gitdigestignore:1:*.py")' in patch, fmt
        assert '# hunks left out: ignored (".gitdigestignore:1:hid\\u202e*")' in patch, fmt
