"""``--tree-only``: the tree with every folder's files and tokens and every file's tokens, the
totals adding up, no contents; text or JSON, on stdout unless -o says otherwise."""

from __future__ import annotations

import json
import subprocess

import pytest
from click.testing import CliRunner

from gitdigest import UsageError, digest
from gitdigest.cli import cli
from gitdigest.render.structure import dumps, render_text, shape

from .conftest import MakeRepo, git

FILES = {"README.md": "# Demo\n\nA small project.\n", "src/app.py": "def main():\n    return 1\n",
         "src/lib/util.py": "X = 'a secret-free constant'\n", "docs/guide.md": "Guide text.\n",
         "build.log": "noise\n", ".gitignore": "*.log\n"}


def test_every_folder_adds_up_its_files(make_repo: MakeRepo) -> None:
    result = digest(str(make_repo(FILES)), tree_only=True)
    tokens = {d.path: d.tokens for d in result.files}
    top = shape(result)
    assert top.count == len(tokens) and top.tokens == sum(tokens.values())
    src = top.folders["src"]
    assert src.count == 2 and src.tokens == tokens["src/app.py"] + tokens["src/lib/util.py"]
    assert src.folders["lib"].files == {"util.py": tokens["src/lib/util.py"]}


def test_the_text_shows_sizes_and_no_contents(make_repo: MakeRepo) -> None:
    result = digest(str(make_repo(FILES)), tree_only=True)
    text = render_text(result)
    app = next(d for d in result.files if d.path == "src/app.py")
    assert f"├── app.py ({app.tokens:,} tokens)" in text
    assert "src/ (2 files, " in text and "lib/ (1 file, " in text
    assert "def main" not in text and "A small project" not in text
    assert "\nSkipped: 1 paths (ignored 1)\n" in text


def test_json_nests_the_same_totals(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    result = CliRunner().invoke(cli, [str(root), "--tree-only", "-f", "json", "-q"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)  # stdout: no -o given
    tree = data["tree"]
    assert tree["files"] == 5
    src = next(c for c in tree["children"] if c["name"] == "src")
    lib = next(c for c in src["children"] if c["name"] == "lib")
    assert src["tokens"] == sum(c["tokens"] for c in src["children"])
    assert lib["children"] == [{"name": "util.py", "tokens": lib["tokens"]}]
    assert {"path": "build.log", "reason": "ignored"} in [
        {"path": s["path"], "reason": s["reason"].split(":")[0]} for s in data["skipped"]]


@pytest.mark.parametrize(("values", "message"), [
    ({"tree_only": True, "stats": True}, "--tree-only is an output of its own"),
    ({"tree_only": True, "map": True}, "--tree-only is an output of its own"),
    ({"tree_only": True, "format": "xml"}, "--tree-only writes text or JSON, not xml"),
])
def test_meaningless_combinations_fail(make_repo: MakeRepo, values: dict[str, object],
                                       message: str) -> None:
    with pytest.raises(UsageError, match=message):
        digest(str(make_repo(FILES)), **values)  # type: ignore[arg-type]


def test_json_writer_matches_json_dumps() -> None:
    value = {"a": [1, {"b": []}, {}, 'é"\n'], "c": None, "d": {"e": [[1.5, True], []]}}
    for case in (value, [], {}, 3, "x", [value, [value]]):
        assert dumps(case) == json.dumps(case, ensure_ascii=False, indent=1)


def test_a_tree_deeper_than_the_stack_is_written(make_repo: MakeRepo) -> None:
    root = make_repo({"top.md": "t\n"})
    deep = "a/" * 1100 + "f.py"  # put in git's objects directly: no deep folders to make
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=root, input=b"x = 1\n",
                          capture_output=True, check=True).stdout.decode().strip()
    git(root, "update-index", "--add", "--cacheinfo", f"100644,{blob},{deep}")
    git(root, "commit", "-qm", "deep")
    for fmt in ("text", "json"):
        result = CliRunner().invoke(cli, [str(root), "--ref", "HEAD", "--tree-only", "-q",
                                          "-f", fmt])
        assert result.exit_code == 0, result.stderr
        assert ('"name": "f.py"' if fmt == "json" else "└── f.py (") in result.stdout
