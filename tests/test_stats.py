"""--stats: token tables per folder and per file, no contents."""

from __future__ import annotations

import json

from click.testing import CliRunner

from gitdigest import digest
from gitdigest.cli import cli
from gitdigest.render.stats import tables

from .conftest import MakeRepo

FILES = {"a.py": "x = 1\n" * 100, "pkg/b.py": "y = 2\n" * 10, "pkg/sub/c.py": "z\n"}


def test_tables_add_up(make_repo: MakeRepo) -> None:
    result = digest(str(make_repo(FILES)))
    folders, files = tables(result)
    tokens = {d.path: d.tokens for d in result.files}
    assert [(r.path, r.tokens) for r in files] == sorted(tokens.items(), key=lambda i: -i[1])
    by_folder = {r.path: (r.tokens, r.files) for r in folders}
    assert by_folder["./"] == (sum(tokens.values()), 3)
    assert by_folder["pkg/"] == (tokens["pkg/b.py"] + tokens["pkg/sub/c.py"], 2)
    assert abs(sum(r.share for r in files) - 1) < 1e-9
    assert [r.tokens for r in folders] == sorted((r.tokens for r in folders), reverse=True)


def test_stats_command_writes_no_contents(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    text = CliRunner().invoke(cli, [str(root), "--stats", "-q"])
    assert text.exit_code == 0
    assert text.stdout.startswith("Tokens by folder (o200k_base;")
    assert "x = 1" not in text.stdout and "pkg/sub/c.py" in text.stdout
    as_json = CliRunner().invoke(cli, [str(root), "--stats", "-f", "json", "-q"])
    data = json.loads(as_json.stdout)
    assert [f["path"] for f in data["files"]] == ["a.py", "pkg/b.py", "pkg/sub/c.py"]
    assert data["folders"][0] == {"path": "./", "tokens": data["tokens"], "share": 1.0,
                                  "files": 3, "bytes": sum(len(v) for v in FILES.values())}


def test_top_sets_the_largest_list(make_repo: MakeRepo) -> None:
    result = CliRunner().invoke(cli, [str(make_repo(FILES)), "-o", "-", "--top", "1"])
    largest = next(line for line in result.stderr.splitlines() if line.startswith("Largest:"))
    assert largest.startswith("Largest:  a.py (") and "," not in largest.split("(", 1)[1][:-1]


def test_a_budget_s_table_names_the_view_each_file_is_counted_in(make_repo: MakeRepo) -> None:
    # under a budget the tokens are the shown view's: app.py's compressed 2,650, not its
    # whole 13,810, under a header that said "full text"
    files = {"big.py": "".join(f"def step_{i}(value):\n    total = value * {i}\n"
                               f"    return total + {i}\n\n\n" for i in range(60)),
             "small.py": "X = 1\n"}
    root = make_repo(files)
    compressed = {d.path: d.block_tokens for d in digest(str(root), compress=True).files}
    probe = digest(str(root), max_tokens=10**6)
    frame = probe.summary.tokens - sum(d.block_tokens for d in probe.files)
    budget = frame + compressed["big.py"] + compressed["small.py"] + 200
    text = CliRunner().invoke(cli, [str(root), "--stats", "-q", "--max-tokens", str(budget)])
    assert "as the digest shows it" in text.stdout and "big.py (compressed)" in text.stdout
    data = json.loads(CliRunner().invoke(cli, [str(root), "--stats", "-f", "json", "-q",
                                               "--max-tokens", str(budget)]).stdout)
    assert {f["path"]: f["view"] for f in data["files"]} == {"big.py": "compressed",
                                                            "small.py": "full"}
