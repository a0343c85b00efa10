"""Views under budgets: mixed whole/compressed/map files never overflow, to the token; the
views show in headers, JSON, XML and the stats; --map works in every format; nothing is fetched."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitdigest import digest
from gitdigest.cli import cli
from gitdigest.core import workers as worker_pool
from gitdigest.core.records import Document
from gitdigest.count.documents import Reader, TextSettings
from gitdigest.count.tokens import TokenCounter
from gitdigest.focus import views
from gitdigest.sources.local import WorktreeSource

from .conftest import MakeRepo

pytestmark = pytest.mark.extra


def _module(name: str, functions: int) -> str:
    body = "".join(
        f"def {name}_step_{i}(value, factor={i}):\n    \"\"\"Step {i} of {name}.\n\n    Long.\n"
        f"    \"\"\"\n    total = value * factor\n    for item in range({i}):\n"
        f"        total += item * {i}\n    return total\n\n\n" for i in range(functions))
    return f'"""The {name} module."""\nimport math\n\nLIMIT = {functions}\n\n\n{body}'


REPO = {
    "README.md": "# Project\n" + "Intro. " * 30 + "\n",
    "pyproject.toml": "[project]\nname = 'p'\n",
    "pkg/core.py": _module("core", 30),
    "pkg/engine.py": "from .core import core_step_1\n" + _module("engine", 20),
    "pkg/jobs.py": "from .core import core_step_2\nfrom .engine import engine_step_1\n"
                   + _module("jobs", 12),
    "pkg/small.py": "from .core import core_step_3\nVALUE = core_step_3(1)\n",
    "docs/guide.md": "# Guide\n" + "Words about the project. " * 80 + "\n",
    "tests/test_core.py": "from pkg.core import core_step_1\n" + _module("test", 10),
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .conftest import write_files

    root = tmp_path_factory.mktemp("views") / "repo"
    root.mkdir()
    write_files(root, REPO)
    return root


@pytest.mark.parametrize("budget", [450, 900, 1600, 2600, 4000, 6500])
def test_mixed_views_never_overflow(repo: Path, budget: int) -> None:
    result = digest(str(repo), max_tokens=budget)
    text = result.render("text")
    assert TokenCounter("o200k_base").count(text) == result.summary.tokens <= budget
    for document in result.files:  # each header says how its file is shown
        note = "" if document.view == "full" else f" ({document.view})"
        assert f"FILE: {document.path}{note}\n" in text
    kept = {d.path for d in result.files}
    cut = {s.path for s in result.skipped if s.reason == "budget"}
    assert kept | cut == set(REPO) and not kept & cut


def test_a_budget_degrades_large_modules_instead_of_dropping_them(repo: Path) -> None:
    result = digest(str(repo), max_tokens=2600)
    views = {d.path: d.view for d in result.files}
    assert {"pkg/core.py", "pkg/engine.py", "pkg/jobs.py", "pkg/small.py"} <= set(views)
    assert "full" in views.values() and len(set(views.values())) > 1  # a mix of views
    assert views["README.md"] == "full"
    assert result.summary.tokens <= 2600


def test_compress_shows_outlines_in_every_format(repo: Path) -> None:
    result = digest(str(repo), compress=True)
    plain = digest(str(repo))
    core = next(d for d in result.files if d.path == "pkg/core.py")
    assert core.view == "compressed" and core.tokens < next(
        d for d in plain.files if d.path == "pkg/core.py").tokens
    text = result.render("text")
    assert "FILE: pkg/core.py (compressed)\n" in text and "total = value" not in text
    assert "def core_step_0(value, factor=0):\n    \"\"\"Step 0 of core.\"\"\"\n    …" in text
    assert TokenCounter("o200k_base").count(text) == result.summary.tokens
    data = json.loads(result.render("json"))
    views = {item["path"]: item["view"] for item in data["files"]}
    assert views["pkg/core.py"] == "compressed" and views["README.md"] == "full"
    assert '<document index="4" view="compressed"><source>pkg/core.py</source>' in result.render(
        "xml")
    assert "### `pkg/core.py` (compressed)" in result.render("markdown")


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "xml"])
def test_map_in_every_format(repo: Path, fmt: str) -> None:
    out = CliRunner().invoke(cli, [str(repo), "--map", "-f", fmt, "-o", "-", "-q"])
    assert out.exit_code == 0, out.stderr
    assert "def core_step_1(value, factor=1)" in out.stdout
    assert "total = value" not in out.stdout and "Intro." not in out.stdout


def test_map_fits_its_default_budget_and_a_given_one(repo: Path) -> None:
    result = digest(str(repo), map=True)
    assert result.budget == 4000 and result.summary.tokens <= 4000
    assert result.files[0].path == "pkg/core.py"  # the most used module first
    small = digest(str(repo), map=True, max_tokens=300)
    text = small.render("text")
    assert TokenCounter("o200k_base").count(text) == small.summary.tokens <= 300
    order = [d.path for d in result.files]
    picked = [d.path for d in small.files]
    assert picked and picked == sorted(picked, key=order.index)  # rank order, what fits
    assert all(d.path.rpartition("/")[2] in small.tree for d in small.files)
    assert "guide.md" not in small.tree  # the map's tree shows only what it maps


def test_map_lists_the_files_it_leaves_out(repo: Path) -> None:
    result = digest(str(repo), map=True, max_tokens=500)
    reasons = {s.path: s.reason for s in result.skipped}
    assert {path for path, reason in reasons.items() if reason == "no-definitions"} == {
        "README.md", "pyproject.toml", "docs/guide.md", "pkg/small.py"}
    cut = {path for path, reason in reasons.items() if reason == "budget"}
    mapped = {d.path for d in result.files}
    assert mapped and cut and mapped | cut == {"pkg/core.py", "pkg/engine.py", "pkg/jobs.py",
                                               "tests/test_core.py"}
    text = result.render("text")
    assert TokenCounter("o200k_base").count(text) == result.summary.tokens <= 500
    assert result.summary.skipped == len(result.skipped)
    assert f"SKIPPED: {len(result.skipped)} paths\n" in text
    assert "\nREADME.md (no-definitions: --map shows only files with definitions)\n" in text
    assert all(f"\n{path} (budget: " in text for path in cut)
    assert not any(path.rpartition("/")[2] in result.tree for path in cut)  # the map's tree
    data = json.loads(result.render("json"))
    assert {s["path"]: s["reason"] for s in data["skipped"]} == reasons


def test_a_map_of_many_files_meets_a_small_budget(make_repo: MakeRepo) -> None:
    files = {f"pkg/m{i:03}.py": f"def f{i}(x):\n    return x + {i}\n" for i in range(300)}
    files.update({f"docs/d{i:03}.md": "# Notes\n" for i in range(200)})
    result = digest(str(make_repo(files)), map=True, max_tokens=1500)
    text = result.render("text")
    assert TokenCounter("o200k_base").count(text) == result.summary.tokens <= 1500
    assert "Skipped list summarised by reason" in text
    assert "\nno-definitions: 200 paths: docs/d000.md, docs/d001.md, docs/d002.md, …\n" in text
    cut = [s for s in result.skipped if s.reason == "budget"]
    assert result.files and len(result.files) + len(cut) == 300
    assert result.summary.skipped == len(result.skipped) == 500 - len(result.files)


def test_stats_show_each_view(repo: Path) -> None:
    out = CliRunner().invoke(cli, [str(repo), "--stats", "-f", "json"])
    assert out.exit_code == 0, out.stderr
    rows = {row["path"]: row for row in json.loads(out.stdout)["files"]}
    assert rows["pkg/core.py"]["compressed"] < rows["pkg/core.py"]["tokens"]
    assert rows["pkg/core.py"]["map"] < rows["pkg/core.py"]["compressed"]
    assert rows["README.md"]["compressed"] is None and rows["README.md"]["map"] is None
    text = CliRunner().invoke(cli, [str(repo), "--stats"]).stdout
    assert "compressed       map  path" in text


def test_map_and_stats_do_not_mix(make_repo: MakeRepo) -> None:
    out = CliRunner().invoke(cli, [str(make_repo({"a.py": "x = 1\n"})), "--map", "--stats"])
    assert out.exit_code == 2
    assert out.stderr == "gitdigest: error: --map is an output of its own: not with --stats " \
                         "or --check\n"


@pytest.mark.skipif(shutil.which("strace") is None or not sys.platform.startswith("linux"),
                    reason="needs strace")
def test_compress_map_and_query_open_no_network_socket(repo: Path, tmp_path: Path) -> None:
    """Grammars and the ranking load and run with no network: strace sees every socket."""
    log = tmp_path / "strace.log"
    result = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=socket,connect", "-o", str(log), sys.executable,
         "-m", "gitdigest", str(repo), "--map", "--query", "core steps", "--workers", "1",
         "--secrets", "off", "-o", str(tmp_path / "map.txt"), "-q"],
        capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0 and "ptrace" in result.stderr.lower():
        pytest.skip("ptrace is not permitted here")
    assert result.returncode == 0, result.stderr
    assert "core_step_1" in (tmp_path / "map.txt").read_text()
    calls = log.read_text()
    assert "AF_INET" not in calls and "AF_INET6" not in calls, calls


def test_tree_sitter_without_numpy(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tree-sitter without numpy, which ranks (``available()`` False): ``--query`` says
    what to install; budgets still get outlines, unranked (tests/test_pyoutline.py runs
    without tree-sitter at all)."""
    from gitdigest.focus import compress

    monkeypatch.setattr(compress, "available", lambda: False)
    out = CliRunner().invoke(cli, [str(repo), "--query", "steps", "-o", "-"])
    assert out.exit_code == 2
    assert out.stderr == ("gitdigest: error: --query needs the compress extra: pip install "
                          "'.[compress]'\n")
    result = digest(str(repo), max_tokens=2600)
    assert "full" in {d.view for d in result.files} and result.summary.tokens <= 2600
    assert {d.view for d in result.files} & {"compressed", "map"}
    assert {view.importance for view in result.views.values()} == {0.0}
    # no importance without the extra, but source still comes before prose: room for
    # pkg/jobs.py (653 tokens) or docs/guide.md (415), not both, keeps the source
    kept = {d.path for d in digest(str(repo), max_tokens=1100).files}
    assert "pkg/jobs.py" in kept and "docs/guide.md" not in kept


def test_compress_under_a_budget(repo: Path) -> None:
    result = digest(str(repo), compress=True, max_tokens=3000)
    views = {d.path: d.view for d in result.files}
    assert views["README.md"] == "full" and views["pyproject.toml"] == "full"
    assert "full" not in {views[p] for p in views if p.startswith("pkg/") and p != "pkg/small.py"}
    assert TokenCounter("o200k_base").count(result.render("text")) == result.summary.tokens <= 3000


class _Unread:
    """Contents that must not be read: every file was parsed as it was counted."""

    def __init__(self, inner: Reader) -> None:
        self.inner = inner

    def load(self, document: Document) -> str:
        raise AssertionError(f"{document.path} read again")

    def load_raw(self, document: Document) -> bytes | None:
        return None

    def read_ahead(self, documents: object) -> None:
        return None


@pytest.mark.parametrize("workers", [1, 2])
def test_files_parsed_as_they_are_counted_give_what_a_second_pass_gives(
        repo: Path, workers: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The outline pass that rides on the count (each file parsed in the worker that counted
    it) gives the analysis a pass of its own gives, and reads no file again."""
    monkeypatch.setattr(worker_pool, "PARALLEL_BYTES", 0)  # fork even for this small tree
    counter = TokenCounter("o200k_base")
    source = WorktreeSource(repo, str(repo))
    entries = sorted((e for e in source.listing().entries if e.kind == "file"),
                     key=lambda e: e.path)
    alone = Reader(source, counter, TextSettings())
    documents = [d for d in alone.analyze(entries, workers) if isinstance(d, Document)]
    second = views.analyze(documents, alone, counter, workers=workers)
    early = views.Outliner(counter)
    riding = Reader(source, counter, TextSettings(), also=early)
    counted = [d for d in riding.analyze(entries, workers) if isinstance(d, Document)]
    assert counted == documents
    assert set(early.found.outlined) == {d.path for d in documents if d.path.endswith(".py")}
    first = views.analyze(counted, _Unread(riding), counter, workers=workers, early=early)
    assert first.views == second.views and first.counts == second.counts
    assert first.texts == second.texts
    assert any(v.importance > 0 for v in first.views.values())


def test_an_outliner_made_for_other_settings_is_not_used(repo: Path) -> None:
    counter = TokenCounter("o200k_base")
    source = WorktreeSource(repo, str(repo))
    entries = [e for e in source.listing().entries if e.kind == "file"]
    early = views.Outliner(counter, compress=False)
    reader = Reader(source, counter, TextSettings(), also=early)
    documents = [d for d in reader.analyze(entries, 1) if isinstance(d, Document)]
    analysis = views.analyze(documents, reader, counter, workers=1, early=early)
    assert analysis.counts["pkg/core.py"]["compressed"]  # parsed again, with views


def test_a_question_aims_the_map_entries_of_the_most_relevant_files(
        make_repo: MakeRepo) -> None:
    # cobra's command.go listed 16 of its 132 definitions, none of them the one asked about
    steps = "".join(f"def step_{i:02}(value):\n    return value + {i}\n\n\n" for i in range(40))
    root = make_repo({"README.md": "# Steps\n", "src/steps.py": steps,
                      "src/other.py": "def other():\n    return 1\n"})
    question = "step_37 returns a wrong value"

    def entry(**options: object) -> str:
        found = digest(str(root), map=True, **options)  # type: ignore[arg-type]
        return {d.path: text for d, text in found.contents()}["src/steps.py"]

    assert "def step_37(value)" not in entry() and "… 24 more" in entry()
    assert "def step_37(value)" in entry(query=question) and "… 24 more" in entry(query=question)
    # counted as shown: the budget stays exact
    result = digest(str(root), query=question, max_tokens=200)
    text = result.render("text")
    assert TokenCounter("o200k_base").count(text) == result.summary.tokens <= 200
