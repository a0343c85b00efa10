"""--changed and --focus narrow a digest to the chosen files (change/review.py): every file the
selection included and the narrowing left out is still listed as skipped, with its own
reason, in every format and in --stats; the summary counts agree; budgets are still met."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from gitdigest import digest
from gitdigest.api import Digest
from gitdigest.cli import cli
from gitdigest.count.tokens import TokenCounter
from gitdigest.render import stats

from .conftest import MakeRepo, git, write_files

SHOP = {
    "README.md": "# shop\n",
    "pyproject.toml": "[project]\nname = 'shop'\n",
    "src/shop/__init__.py": "",
    "src/shop/cart.py": "from shop.prices import price_of\n\nITEMS = []\n",
    "src/shop/prices.py": "def price_of(item):\n    return 1\n",
    "src/shop/tax.py": "RATE = 0.2\n",
    "build/out.txt": "built\n",
    ".gitignore": "build/\n",
}


def _changed(make_repo: MakeRepo, files: dict[str, str] = SHOP,
             touched: str = "src/shop/prices.py") -> Path:
    """``files`` on branch ``base``, then a commit on main that changes ``touched``."""
    root = make_repo(files)
    git(root, "branch", "base")
    write_files(root, {touched: str(files[touched]) + "\nVAT = 1\n"})
    git(root, "commit", "-q", "-am", "change")
    return root


def _listed_everywhere(result: Digest, expected: dict[str, str]) -> None:
    """Each path of ``expected`` (path -> reason) is listed with its reason in the text,
    Markdown, XML and JSON outputs and in --stats, and every count of skips agrees."""
    skipped = {s.path: s.reason for s in result.skipped}
    assert {path: skipped.get(path) for path in expected} == expected
    assert result.summary.skipped == len(result.skipped)
    text = result.render("text")
    assert f"SKIPPED: {len(result.skipped)} paths\n" in text
    markdown = result.render("markdown")
    listing = stats.render(result)
    assert f"Skipped ({len(result.skipped)} paths)" in listing
    for path, reason in expected.items():
        assert f"\n{path} ({reason}: " in text
        assert f"- `{path}`: {reason} (" in markdown
        assert f"\n{path} ({reason}: " in listing
    data = json.loads(result.render("json"))
    assert data["summary"]["skipped"] == len(data["skipped"]) == len(result.skipped)
    assert {s["path"]: s["reason"] for s in data["skipped"]}.items() >= expected.items()
    tree = ElementTree.fromstring(result.render("xml"))
    xml = {f.text: f.get("reason") for f in tree.findall("./skipped/file")}
    assert len(xml) == len(result.skipped) and xml.items() >= expected.items()


def test_changed_lists_every_file_outside_the_change(make_repo: MakeRepo) -> None:
    root = _changed(make_repo)
    result = digest(str(root), since="base")
    assert [d.path for d in result.files] == ["src/shop/prices.py"]
    outside = {path: "outside-change" for path in
               (".gitignore", "README.md", "pyproject.toml", "src/shop/__init__.py",
                "src/shop/cart.py", "src/shop/tax.py")}
    _listed_everywhere(result, outside)
    details = {s.detail for s in result.skipped if s.reason == "outside-change"}
    assert details == {"not changed in base...HEAD"}
    # the selection's own skips stay too, and the tree still shows the rest for context
    assert {s.path: s.reason for s in result.skipped}["build/"] == "ignored"
    assert "cart.py" in result.tree and "prices.py [changed]" in result.tree


def test_changed_with_related_says_how_far_it_looked(make_repo: MakeRepo) -> None:
    root = _changed(make_repo)
    result = digest(str(root), diff="base...HEAD", changed=True, related=1)
    assert {d.path for d in result.files} == {"src/shop/prices.py", "src/shop/cart.py"}
    _listed_everywhere(result, {"src/shop/tax.py": "outside-change"})
    tax = next(s for s in result.skipped if s.path == "src/shop/tax.py")
    assert tax.detail == "not changed in base...HEAD, nor within 1 import of a changed file"


def test_focus_lists_every_file_outside_the_focus(make_repo: MakeRepo) -> None:
    root = make_repo(SHOP)
    result = digest(str(root), focus=["src/shop/cart.py"])
    assert {d.path for d in result.files} == {"src/shop/cart.py", "src/shop/prices.py"}
    outside = {path: "outside-focus" for path in
               (".gitignore", "README.md", "pyproject.toml", "src/shop/__init__.py",
                "src/shop/tax.py")}
    _listed_everywhere(result, outside)
    details = {s.detail for s in result.skipped if s.reason == "outside-focus"}
    assert details == {"not in --focus src/shop/cart.py nor within 1 import of it"}
    assert "tax.py" in result.tree and "cart.py [focus]" in result.tree


def _cli(*args: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(cli, list(args))
    return done.exit_code, done.stdout, done.stderr


def test_the_cli_summary_counts_the_files_left_out(make_repo: MakeRepo) -> None:
    root = _changed(make_repo)
    code, out, err = _cli(str(root), "--since", "base", "-o", "-")
    assert code == 0, err
    assert "SKIPPED: 7 paths\n" in out and "\nsrc/shop/tax.py (outside-change: " in out
    assert re.search(r"Files: +1 included, 7 skipped \(ignored 1, outside-change 6\)", err)
    code, out, err = _cli(str(root), "--focus", "src/shop/cart.py", "-o", "-")
    assert code == 0, err
    assert "SKIPPED: 6 paths\n" in out and "\nsrc/shop/tax.py (outside-focus: " in out
    assert re.search(r"Files: +2 included, 6 skipped \(ignored 1, outside-focus 5\)", err)


#: many files in folders: their tree and Skipped list alone are far over a small budget
MANY = {f"pkg/part{p}/sub/module_{i}.py": f"def f{i}():\n    return {i}\n"
        for p in range(6) for i in range(60)}
MANY["pkg/part0/sub/module_0.py"] = "from pkg.part0.sub import module_1\n" + "X = 1\n" * 500


@pytest.mark.parametrize("narrowing", [("--since", "base"),
                                       ("--focus", "pkg/part0/sub/module_0.py")])
def test_a_narrowed_digest_meets_a_small_budget(make_repo: MakeRepo,
                                                narrowing: tuple[str, str]) -> None:
    root = _changed(make_repo, MANY, touched="pkg/part0/sub/module_0.py")
    reason = "outside-change" if narrowing[0] == "--since" else "outside-focus"
    code, whole, err = _cli(str(root), *narrowing, "-o", "-")
    assert code == 0, err
    assert TokenCounter("o200k_base").count(whole) > 4000  # the frame alone is over
    code, out, err = _cli(str(root), *narrowing, "--max-tokens", "4000", "-o", "-")
    assert code == 0, err
    tokens = TokenCounter("o200k_base").count(out)
    assert tokens <= 4000 and re.search(rf"Tokens: +{tokens:,} \(", err)
    left = 359 if reason == "outside-change" else 358  # the focus keeps what it imports
    assert "Skipped list summarised by reason" in out
    assert f"\n{reason}: {left} paths: pkg/part0/sub/module_" in out
    # JSON still lists every path, and the counts agree
    code, out, err = _cli(str(root), *narrowing, "--max-tokens", "4000", "-f", "json", "-o", "-")
    assert code == 0, err
    data = json.loads(out)
    assert sum(s["reason"] == reason for s in data["skipped"]) == left
    assert data["summary"]["skipped"] == len(data["skipped"])


def test_a_change_with_nothing_to_read_still_meets_its_budget(make_repo: MakeRepo) -> None:
    root = make_repo({**MANY, "gone.txt": "x\n"})
    git(root, "branch", "base")
    git(root, "rm", "-q", "gone.txt")
    git(root, "commit", "-q", "-m", "remove")
    code, out, err = _cli(str(root), "--since", "base", "--max-tokens", "1000", "-o", "-")
    assert code == 0, err
    assert TokenCounter("o200k_base").count(out) <= 1000
    assert "\noutside-change: 360 paths: " in out and "\ndeleted: 1 path: gone.txt" in out


def test_an_empty_range_says_it_has_no_changes(make_repo: MakeRepo) -> None:
    root = make_repo(SHOP)
    head = git(root, "rev-parse", "HEAD").strip()
    code, out, err = _cli(str(root), "--since", "main", "--related", "--log", "-o", "-")
    assert code == 0, err  # a run that includes nothing is a warning (docs/usage.md)
    warnings = [line for line in err.splitlines() if line.startswith("gitdigest: warning:")]
    assert warnings == [f"gitdigest: warning: nothing included: main...HEAD has no changes "
                        f"(base and head are both {head[:12]})"]
    assert "DIFF: main...HEAD" in out and "HISTORY: main...HEAD (0 commits)" in out
    # the working tree against HEAD, and a narrowing that includes nothing for another reason
    assert digest(str(root), diff="HEAD", changed=True).notes == [
        f"nothing included: HEAD has no changes (the working tree and index match "
        f"{head[:12]})"]
    (root / "gone.txt").write_text("x\n")
    git(root, "add", "gone.txt")
    git(root, "commit", "-q", "-m", "add")
    git(root, "rm", "-q", "gone.txt")
    assert digest(str(root), diff="HEAD", changed=True).notes[-1].startswith(
        "nothing included: all ")
