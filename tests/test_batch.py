"""Batch building blocks: list lines read with the digest's own option declarations, stable
names, the manifest (fingerprints, a line cut by a kill), which failures are retried."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitdigest import Options, RemoteError, UnknownRef, UsageError, digest
from gitdigest.batch import Record, parse_list, stable_name
from gitdigest.batch.lists import merge, parse_line_options, split_line
from gitdigest.batch.manifest import (
    MANIFEST,
    compact,
    digest_fingerprint,
    options_fingerprint,
    read_manifest,
)
from gitdigest.batch.report import format_table, progress_line
from gitdigest.batch.task import is_transient, resolve_commit

from .conftest import MakeRepo, git


def test_a_line_takes_the_digest_options() -> None:
    source, values = parse_line_options(
        ["owner/repo", "--ref", "v2", "-i", "src/**", "--include=docs/*", "--no-gitignore",
         "-s", "500k"])
    assert source == "owner/repo"
    assert values == {"ref": "v2", "include": ["src/**", "docs/*"], "gitignore": False,
                      "max_size": 500 * 1024}


@pytest.mark.parametrize(("tokens", "message"), [
    # the command line's own words: a line is parsed by the same options
    (["a/b", "--bogus"], "No such option '--bogus'"),
    (["a/b", "--ref"], "Option '--ref' requires an argument"),
    (["a/b", "c/d"], r"unexpected extra argument \(c/d\)"),
    (["a/b", "-o", "x.txt"], "cannot be given per source"),
    (["a/b", "--line-numbers=yes"], "does not take a value"),
])
def test_bad_lines_are_usage_errors(tokens: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_line_options(tokens)


def test_comments_and_quotes() -> None:
    assert split_line("https://h/o/r#frag -i 'a b/**' # note") == [
        "https://h/o/r#frag", "-i", "a b/**"]
    assert merge({"exclude": ("t/",), "ref": "main"}, {"exclude": ["d/"], "ref": "v2"}) == {
        "exclude": ["t/", "d/"], "ref": "v2"}


def test_parse_list_merges_and_checks_every_line() -> None:
    text = "# nightly\n\nowner/one\nowner/two --ref v2 -e 'docs/'  # pinned\n"
    items = parse_list(text, {"exclude": ("tests/",), "secrets": "off"})
    assert [(i.line, i.options.source, i.options.ref) for i in items] == [
        (3, "owner/one", None), (4, "owner/two", "v2")]
    assert items[1].options.exclude == ("tests/", "docs/")
    assert items[0].options.secrets == "off"
    assert [i.name for i in items] == ["github.com-owner-one", "github.com-owner-two@v2"]
    with pytest.raises(UsageError, match=r"LIST:2: .*max-files.*x>=1"):
        parse_list("owner/one\nowner/two --max-files 0\n", {})
    with pytest.raises(UsageError, match="names no source"):
        parse_list("# only a comment\n", {})


def test_stable_names() -> None:
    assert stable_name(Options(source="https://gitlab.com/g/sub/p.git")) == "gitlab.com-g-sub-p"
    assert stable_name(Options(source="http://127.0.0.1:8080/o/r/tree/main/src")) == (
        "127.0.0.1_8080-o-r@main_src")
    assert stable_name(Options(source="pallets/flask", ref="3.0.0")) == (
        "github.com-pallets-flask@3.0.0")
    items = parse_list("o/r\no/r -i '*.py'\n", {})  # the same repository twice
    assert items[0].name != items[1].name and all(i.name.startswith("github.com-o-r-")
                                                  for i in items)
    assert [i.name for i in parse_list("o/r\no/r -i '*.py'\n", {})] == [i.name for i in items]


def test_local_names_are_stable_and_distinct(tmp_path: Path) -> None:
    (tmp_path / "a" / "x").mkdir(parents=True)
    (tmp_path / "b" / "x").mkdir(parents=True)
    one = stable_name(Options(source=str(tmp_path / "a" / "x")))
    two = stable_name(Options(source=str(tmp_path / "b" / "x")))
    assert one.startswith("local-x-") and two.startswith("local-x-") and one != two
    assert one == stable_name(Options(source=str(tmp_path / "a" / "x")))


def test_options_fingerprint_ignores_how_a_run_goes() -> None:
    base = options_fingerprint(Options(source="o/r"), "1")
    assert base == options_fingerprint(Options(source="o/r", workers=3, timeout=5,
                                               token="t", cache=False), "1")
    assert base != options_fingerprint(Options(source="o/r", include=("*.py",)), "1")
    assert base != options_fingerprint(Options(source="o/r"), "2")


def test_digest_fingerprint_is_the_digests_own(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.py": "print(1)\n"})
    result = digest(str(repo), secrets="off")
    assert digest_fingerprint(result) == result.fingerprint
    assert digest_fingerprint(result) != digest_fingerprint(
        digest(str(make_repo({"a.py": "print(2)\n"}, name="other")), secrets="off"))


def test_manifest_survives_a_cut_line(tmp_path: Path) -> None:
    first = Record("a", "o/a", 1, "ok", commit="c1", tokens=5, outputs=["a.txt"])
    later = Record("a", "o/a", 1, "unchanged", commit="c1", tokens=5, outputs=["a.txt"])
    other = Record("b", "o/b", 2, "failed", error_class="RemoteError", error="nope")
    text = "\n".join(r.to_json() for r in (first, other, later)) + '\n{"name": "c", "sta'
    (tmp_path / MANIFEST).write_text(text)
    records = read_manifest(tmp_path)
    assert records["a"].status == "unchanged" and records["b"].error == "nope"
    assert set(records) == {"a", "b"}
    compact(tmp_path, [records["a"], records["b"]])
    lines = (tmp_path / MANIFEST).read_text().splitlines()
    assert [json.loads(line)["name"] for line in lines] == ["a", "b"]
    assert "payload" not in json.loads(lines[0])


def test_only_network_trouble_is_retried() -> None:
    assert is_transient(RemoteError("cannot reach h: the host is unreachable"))
    assert is_transient(RemoteError("timed out after 5 s talking to h"))
    assert not is_transient(RemoteError("repository not found or no access: h"))
    assert not is_transient(RemoteError("authentication required for h; pass a token"))
    assert not is_transient(UnknownRef("unknown ref 'x'"))


def test_local_commit_only_for_a_clean_tree(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.py": "1\n"})
    head = git(repo, "rev-parse", "HEAD").strip()
    assert resolve_commit(Options(source=str(repo))) == head
    assert resolve_commit(Options(source=str(repo), ref="HEAD")) == head
    (repo / "b.py").write_text("2\n")  # untracked: the digest would differ from HEAD's
    assert resolve_commit(Options(source=str(repo))) is None
    assert resolve_commit(Options(source=str(repo), ref="HEAD")) == head
    assert resolve_commit(Options(source=str(repo / "a.py"))) is None


def test_report() -> None:
    from gitdigest.batch import BatchResult

    result = BatchResult(3, [Record("a", "o/a", 1, "ok", tokens=1200, files=3),
                             Record("b", "o/b", 2, "unchanged", tokens=50, files=1),
                             Record("c", "o/c", 3, "failed", error_class="UnknownRef",
                                    error="unknown ref 'x'")])
    assert progress_line(result) == ("gitdigest: 3/3 done: 1 ok, 1 unchanged, 1 failed, "
                                     "1,250 tokens")
    table = format_table(result, top=1)
    assert "       1,200       3 files  a" in table and "  b" not in table
    assert "o/c (line 3): UnknownRef: unknown ref 'x'" in table
    assert format_table(result, failed_only=True).startswith("Failed:")


def test_collected_outputs_keep_links(tmp_path: Path) -> None:
    """Outputs sent back by Dask workers are written like the CLI's own: a symlink in the
    output folder stays a link and its target gets the digest (a rename would replace it)."""
    from gitdigest.batch import _write_payload

    elsewhere = tmp_path / "kept" / "target.txt"
    elsewhere.parent.mkdir()
    elsewhere.write_text("old")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").symlink_to(elsewhere)
    _write_payload(out, {"a.txt": b"new digest\n"})
    assert (out / "a.txt").is_symlink()
    assert elsewhere.read_text() == "new digest\n"
    assert sorted(p.name for p in out.iterdir()) == ["a.txt"]  # no temporary left behind


# The same words mean the same options on the command line and on a list line.
PARITY = [
    ["o/r", "--diff", "--changed"],
    ["o/r", "--log"],
    ["o/r", "--log", "5", "--log-emails"],
    ["o/r", "--since", "v1", "--related"],
    ["o/r", "--diff", "main...HEAD", "--changed", "--related", "2"],
    ["o/r", "-i", "src/**", "--include=docs/*", "-e", "tests/", "--max-size", "2MB"],
    ["o/r", "--max-tokens", "5000", "--priority", "*.md", "--reserve", "15%"],
    ["o/r", "--no-gitignore", "--no-default-ignores", "--secrets", "exclude", "-f", "json"],
    ["o/r", "--ref", "v2", "--compress", "--query", "where are tokens counted"],
    ["https://example.com/a/b.git", "--model", "gpt-4.1", "--line-numbers", "--top", "3"],
]


@pytest.mark.parametrize("words", PARITY, ids=" ".join)
def test_a_list_line_and_the_command_line_agree(words: list[str]) -> None:
    import shlex

    from gitdigest.cli import cli
    from gitdigest.options import cli_fields

    context = cli.commands["digest"].make_context("digest", list(words))
    names = {item.name for item in cli_fields()}
    given = {name: value for name, value in context.params.items()
             if name in names and value not in (None, ())}
    source, *more = context.params["source"]  # the command line takes several sources
    on_the_command_line = Options.create(**given, source=source, more_sources=tuple(more))
    [item] = parse_list(" ".join(shlex.quote(word) for word in words), {})
    assert item.options == on_the_command_line


def test_a_list_line_with_a_bare_diff_and_changed_is_a_diff_of_head() -> None:
    """The bug the shared parser fixed: ``--changed`` was taken as --diff's value."""
    [item] = parse_list("o/r --diff --changed\n", {})
    assert item.options.diff == "HEAD" and item.options.changed
