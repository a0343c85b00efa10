"""Several sources in one digest, and --files-from (sources/multi.py, select/listed.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitdigest import digest
from gitdigest.cli import cli

from .conftest import MakeRepo, write_files


def run(*args: str, cwd: Path, input: str | bytes | None = None) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args), input=input)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def _paths(result: object) -> list[str]:
    return [doc.path for doc in result.files]  # type: ignore[attr-defined]


def _skips(result: object) -> dict[str, str]:
    return {s.path: s.reason for s in result.skipped}  # type: ignore[attr-defined]


def test_two_folders_are_two_sections_with_prefixed_paths(make_repo: MakeRepo,
                                                           tmp_path: Path) -> None:
    make_repo({"src/app.py": "APP = 1\n", "node_modules/x.js": "x\n"}, name="a")
    write_files(tmp_path / "b", {"lib.py": "LIB = 2\n"})
    code, out, err = run("a", "b", "-o", "-", cwd=tmp_path)
    assert code == 0, err
    head, _, rest = out.partition("\nDirectory structure:\n")
    assert head.splitlines()[0] == "Source: a" and "\nSource: b\nFiles: 2" in head
    assert "\nCommit: " in head  # a is a repository: its commit, under its own name
    assert rest.startswith("├── a/\n│   └── src/\n│       └── app.py\n└── b/\n    └── lib.py\n")
    assert "FILE: a/src/app.py\n" in out and "FILE: b/lib.py\n" in out
    assert "a/node_modules/ (ignored: default:node_modules/" in out  # skips prefixed too


def test_one_budget_over_both_sources_keeps_the_most_important_of_each(
        tmp_path: Path) -> None:
    filler = "".join(f"value_{i} = {i} * {i}\n" for i in range(400))
    for name in ("a", "b"):
        write_files(tmp_path / name, {"README.md": f"# {name}\n", "filler.py": filler})
    result = digest([str(tmp_path / "a"), str(tmp_path / "b")], max_tokens=1200, cache=False)
    assert _paths(result) == ["a/README.md", "b/README.md"]
    assert _skips(result) == {"a/filler.py": "budget", "b/filler.py": "budget"}
    assert result.summary.tokens <= 1200
    # a budget large enough for everything keeps everything: one list, ranked once
    whole = digest([str(tmp_path / "a"), str(tmp_path / "b")], max_tokens=100_000, cache=False)
    assert sorted(_paths(whole)) == ["a/README.md", "a/filler.py", "b/README.md", "b/filler.py"]


def test_a_file_and_a_folder(tmp_path: Path) -> None:
    write_files(tmp_path, {"notes.md": "remember\n", "pkg/mod.py": "M = 1\n"})
    code, out, err = run("notes.md", "pkg", "-o", "-", cwd=tmp_path)
    assert code == 0, err
    assert "Directory structure:\n├── notes.md\n└── pkg/\n    └── mod.py\n" in out
    assert "FILE: notes.md\n" in out and "FILE: pkg/mod.py\n" in out


def test_duplicates_are_digested_once_with_a_note(tmp_path: Path) -> None:
    write_files(tmp_path, {"a/x.py": "X = 1\n", "a/sub/y.py": "Y = 2\n"})
    code, out, err = run("a", "./a", "a/sub", "a/x.py", "-o", "-", cwd=tmp_path)
    assert code == 0, err
    assert out.count("FILE: a/sub/y.py\n") == 1 and out.count("FILE: a/x.py\n") == 1
    assert out.count("Source: ") == 1
    for spec in ("./a", "a/sub", "a/x.py"):
        assert f"gitdigest: warning: {spec} is already in a: it is digested once" in err


def test_same_folder_name_twice_gets_two_sections(tmp_path: Path) -> None:
    write_files(tmp_path, {"one/lib/a.py": "A = 1\n", "two/lib/b.py": "B = 2\n"})
    result = digest([str(tmp_path / "one/lib"), str(tmp_path / "two/lib")], cache=False)
    assert _paths(result) == ["lib/a.py", "lib-2/b.py"]


def test_a_single_source_has_no_section(make_repo: MakeRepo) -> None:
    root = make_repo({"src/app.py": "APP = 1\n"})
    result = digest(str(root), cache=False)
    assert _paths(result) == ["src/app.py"] and result.source.sections == ()
    text = result.render("text")
    assert text.startswith(f"Source: repo\nCommit: {result.source.commit}\nFiles: 1\n\n"
                           "Directory structure:\n└── repo/\n    └── src/\n")
    assert "sections" not in json.loads(result.render("json"))["source"]


def test_several_sources_refuse_a_review(tmp_path: Path) -> None:
    write_files(tmp_path, {"a/x.py": "X\n", "b/y.py": "Y\n"})
    code, _, err = run("a", "b", "--diff", "HEAD~1", "-o", "-", cwd=tmp_path)
    assert code == 2
    assert err.startswith("gitdigest: error: --diff, --since and --log review one repository")


@pytest.fixture
def listed_repo(make_repo: MakeRepo) -> Path:
    return make_repo({".gitignore": "build/\n*.log\n", "src/a.py": "A = 1\n",
                      "src/b.py": "B = 2\n", "README.md": "# r\n", "build/out.js": "o\n",
                      "debug.log": "log\n"})


def test_files_from_a_file_digests_exactly_those_paths(listed_repo: Path) -> None:
    (listed_repo.parent / "list.txt").write_text("src/a.py\nREADME.md\n\n")
    code, out, err = run("--files-from", "../list.txt", "-o", "-", cwd=listed_repo)
    assert code == 0, err
    files = [line[6:] for line in out.splitlines() if line.startswith("FILE: ")]
    assert files == ["README.md", "src/a.py"]
    assert "SKIPPED" not in out  # paths not listed are neither digested nor skipped


def test_files_from_stdin_nul_separated(listed_repo: Path) -> None:
    code, out, err = run("--files-from", "-", "-0", "-o", "-", cwd=listed_repo,
                         input=b"src/b.py\0src/a.py\0")
    assert code == 0, err
    files = [line[6:] for line in out.splitlines() if line.startswith("FILE: ")]
    assert files == ["src/a.py", "src/b.py"]


def test_files_from_newlines_on_stdin_with_absolute_and_folder_paths(listed_repo: Path) -> None:
    code, out, err = run("--files-from", "-", "-o", "-", cwd=listed_repo,
                         input=f"{listed_repo / 'README.md'}\nsrc\n")
    assert code == 0, err
    files = [line[6:] for line in out.splitlines() if line.startswith("FILE: ")]
    assert files == ["README.md", "src/a.py", "src/b.py"]  # a folder stands for its files


def test_missing_and_outside_paths_are_skipped_with_their_reason(listed_repo: Path,
                                                                 tmp_path: Path) -> None:
    (tmp_path / "elsewhere.py").write_text("E\n")
    code, out, err = run("--files-from", "-", "-o", "-", cwd=listed_repo,
                         input="src/a.py\nsrc/gone.py\n../elsewhere.py\n")
    assert code == 0, err
    assert "src/gone.py (missing: listed in --files-from; no such file)\n" in out
    assert "../elsewhere.py (outside: listed in --files-from; not inside any source)\n" in out
    assert "FILE: src/a.py\n" in out and "elsewhere" not in out.split("SKIPPED")[0]


def test_files_from_still_applies_ignore_rules_unless_no_gitignore(listed_repo: Path) -> None:
    # relative paths are relative to the current folder, as on the command line
    listing = "".join(f"{listed_repo / name}\n" for name in ("src/a.py", "debug.log",
                                                             "build/out.js"))
    result = digest(str(listed_repo), files_from=str(_write(listed_repo, listing)),
                    cache=False)
    assert _paths(result) == ["src/a.py"]
    assert _skips(result) == {"debug.log": "ignored", "build/out.js": "ignored"}
    result = digest(str(listed_repo), files_from=str(_write(listed_repo, listing)),
                    gitignore=False, cache=False)
    assert sorted(_paths(result)) == ["build/out.js", "debug.log", "src/a.py"]


def test_files_from_over_several_sources(tmp_path: Path) -> None:
    write_files(tmp_path, {"a/x.py": "X\n", "a/y.py": "Y\n", "b/z.py": "Z\n"})
    code, out, err = run("a", "b", "--files-from", "-", "-o", "-", cwd=tmp_path,
                         input="a/y.py\nb/z.py\nb/none.py\n")
    assert code == 0, err
    files = [line[6:] for line in out.splitlines() if line.startswith("FILE: ")]
    assert files == ["a/y.py", "b/z.py"]
    assert "b/none.py (missing: " in out


def test_null_needs_files_from(tmp_path: Path) -> None:
    code, _, err = run("-0", "-o", "-", cwd=tmp_path)
    assert code == 2 and err.startswith("gitdigest: error: -0/--null describes the list")


def test_an_unreadable_list_is_an_input_error(tmp_path: Path) -> None:
    code, _, err = run("--files-from", "nope.txt", "-o", "-", cwd=tmp_path)
    assert code == 2 and err.startswith("gitdigest: error: cannot read --files-from nope.txt")


def _write(root: Path, text: str) -> Path:
    path = root.parent / "list.txt"
    path.write_text(text)
    return path


def test_every_format_names_each_source(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"app.py": "APP = 1\n"}, name="a")
    write_files(tmp_path / "b", {"lib.py": "LIB = 2\n"})
    result = digest([str(root), str(tmp_path / "b")], cache=False)
    commit = result.source.sections[0].commit
    assert commit and result.source.sections[1].commit is None
    data = json.loads(result.render("json"))
    assert [(s["section"], s["commit"]) for s in data["source"]["sections"]] == [
        ("a", commit), ("b", None)]
    assert [f["path"] for f in data["files"]] == ["a/app.py", "b/lib.py"]
    markdown = result.render("markdown")
    assert f"- Source: a\n- Commit: {commit}\n- Source: b\n- Files: 2\n" in markdown
    xml = result.render("xml")
    assert f'<section name="a" kind="local"><location>{root.as_posix()}</location>' in xml
    assert '<section name="b" kind="local">' in xml


def test_a_list_that_never_ends_is_refused_at_its_cap(make_repo: MakeRepo,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """``--files-from /dev/zero`` filled memory until the process died (exit 70)."""
    from gitdigest.select import listed

    root = make_repo({"a.py": "A = 1\n"})
    monkeypatch.setattr(listed, "MAX_LIST", 1024)  # /dev/zero reads forever: the cap ends it
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, [str(root), "--files-from", "/dev/zero", "-o", "-"])
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "cannot read --files-from /dev/zero: longer than 1,024 bytes")
