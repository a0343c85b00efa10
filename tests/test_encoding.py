"""``--tokenizer auto`` (the default): ``--model M`` counts with M's own encoding when it is
installed, an explicitly chosen tokenizer always wins, and a missing ``llama`` extra means
o200k_base with a note, never a failure. Counts are checked against Meta's own Tokenizer."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitdigest import digest
from gitdigest.batch.manifest import options_fingerprint
from gitdigest.cli import cli
from gitdigest.count.encoding import counting, encoding_for, resolve
from gitdigest.count.tokens import SPECS, TokenCounter
from gitdigest.mcp_server.tools import Limits, Tools
from gitdigest.notes.models import find_model
from gitdigest.options import Options

from .conftest import MakeRepo

ROOT = Path(__file__).resolve().parents[1]

FILES = {"a.py": "def f(x):\n    return x ** 2  # Über\n" * 40,
         "b.md": "# 日本語のノート\n\nLlama counts differ from GPT-4o's.\n",
         "c.txt": "<|begin_of_text|> is plain text here\n\tindented\r\n"}


def _counts(output: str) -> tuple[str, dict[str, int]]:
    data = json.loads(output)
    return data["tokenizer"], {f["path"]: f["tokens"] for f in data["files"]}


def _run(*args: str) -> tuple[str, dict[str, int], str]:
    result = CliRunner().invoke(cli, [*args, "-o", "-", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    return (*_counts(result.stdout), result.stderr)


@pytest.fixture
def no_llama(monkeypatch: pytest.MonkeyPatch) -> None:
    """The llama extra as absent as an uninstalled package: its name is not findable."""
    for name in ("llama3", "llama4"):
        monkeypatch.setitem(SPECS[name], "package", "llama_models_not_installed")


def test_model_alone_counts_with_its_own_encoding(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    used, by_model, stderr = _run(str(root), "--model", "llama-3.1")
    chosen, by_tokenizer, _ = _run(str(root), "--tokenizer", "llama3")
    assert used == chosen == "llama3"
    assert by_model == by_tokenizer and set(by_model) == set(FILES)
    meta = __import__("llama_models.llama3.tokenizer", fromlist=["Tokenizer"]).Tokenizer
    for path, text in FILES.items():
        raw = (root / path).read_bytes().decode("utf-8")
        assert by_model[path] == len(meta.get_instance().encode(raw, bos=False, eos=False)), text
    o200k = TokenCounter("o200k_base")
    assert by_model != {path: o200k.count((root / path).read_text()) for path in FILES}
    assert "(llama3, exact for the text format; the json written is larger)" in stderr
    assert re.search(r"Llama 3\.1 [0-9.]+% of 128,000", stderr)  # no "est.": exact
    assert "warning" not in stderr


@pytest.mark.parametrize(("model", "encoding"), [("llama-4-scout", "llama4"),
                                                 ("gpt-4o", "o200k_base"),
                                                 ("claude-sonnet-4", "o200k_base")])
def test_other_models_resolve_to_their_encoding(model: str, encoding: str) -> None:
    options, notes = resolve(Options.create(model=model))
    assert (options.tokenizer, notes) == (encoding, [])


def test_a_chosen_tokenizer_always_wins(make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    root = make_repo({**FILES, ".gitdigest.toml": 'tokenizer = "cl100k_base"\n'})
    assert _run(str(root), "--tokenizer", "o200k_base", "--model", "llama-3.1")[0] == "o200k_base"
    assert _run(str(root), "--model", "llama-3.1")[0] == "cl100k_base"  # the config file's
    printed = CliRunner().invoke(cli, [str(root), "--model", "llama-3.1", "--print-config"])
    assert 'tokenizer = "cl100k_base"' in printed.stdout
    monkeypatch.setenv("GITDIGEST_TOKENIZER", "llama4")
    assert _run(str(root), "--model", "llama-3.1")[0] == "llama4"  # the environment's
    assert digest(str(root), model="llama-3.1", tokenizer="o200k_base").tokenizer == "o200k_base"


def test_not_chosen_reads_as_auto_in_print_config(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    printed = CliRunner().invoke(cli, [str(root), "--model", "llama-3.1", "--print-config"])
    assert printed.exit_code == 0
    assert [line.split("#")[1].strip() for line in printed.stdout.splitlines()
            if line.startswith("tokenizer = ")] == ["default: counts with llama3"]
    assert 'tokenizer = "auto"' in printed.stdout


def test_the_api_and_its_cache_see_the_concrete_name(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    llama = digest(str(root), model="llama-3.1")
    o200k = digest(str(root), model="gpt-4o")  # same files, warm cache: must not reuse counts
    assert (llama.tokenizer, llama.options.tokenizer) == ("llama3", "llama3")
    assert o200k.tokenizer == "o200k_base"
    counter = TokenCounter("o200k_base")
    assert {d.path: d.tokens for d in o200k.files} == {
        path: counter.count((root / path).read_text()) for path in FILES}
    assert {d.path: d.tokens for d in llama.files} != {d.path: d.tokens for d in o200k.files}
    assert json.loads(llama.render("json"))["tokenizer"] == "llama3"


def test_without_the_extra_it_estimates_and_says_how_to_be_exact(
        make_repo: MakeRepo, no_llama: None) -> None:
    root = make_repo(FILES)
    assert encoding_for(find_model("llama-3.1")) == "o200k_base"
    used, counts, stderr = _run(str(root), "--model", "llama-3.1")
    counter = TokenCounter("o200k_base")
    assert used == "o200k_base"
    assert counts == {path: counter.count((root / path).read_text()) for path in FILES}
    warnings = [line for line in stderr.splitlines() if line.startswith("gitdigest: warning")]
    assert warnings == ["gitdigest: warning: Llama 3.1's tokens are an estimate (o200k_base): "
                        "its own tokenizer (llama3) is not installed; for exact counts: "
                        "pip install '.[llama]'"]
    assert re.search(r"Llama 3\.1 [0-9.]+% est\. of 128,000", stderr)
    assert digest(str(root), model="llama-3.1").notes[0].startswith("Llama 3.1's tokens")
    table = CliRunner().invoke(cli, ["models"]).stdout
    row = next(line for line in table.splitlines() if line.startswith("Llama 3.1 "))
    assert row.endswith("estimate (o200k_base; exact with pip install '.[llama]')")


def test_the_models_table_says_how_model_alone_counts() -> None:
    result = CliRunner().invoke(cli, ["models"])
    assert result.exit_code == 0, result.output
    rows = {line.split("  ")[0]: line for line in result.stdout.splitlines()}
    assert rows["Llama 3.1"].endswith("exact (llama3)")
    assert rows["Llama 4 Scout"].endswith("exact (llama4)")
    assert rows["GPT-4.1"].endswith("exact (o200k_base)")
    assert "estimate (o200k_base; the model uses Anthropic" in rows["Claude Sonnet 4"]
    chosen = CliRunner().invoke(cli, ["models", "--tokenizer", "o200k_base"]).stdout
    assert "estimate (o200k_base; exact with --tokenizer llama3)" in chosen
    assert counting(find_model("llama-3.1"), "auto") == "exact (llama3)"


def test_mcp_tools_count_a_model_with_its_own_encoding(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    tools = Tools(Limits(roots=(Path(root),)))
    reply = tools.digest({"source": str(root), "model": "llama-3.1"})
    assert reply.data["tokenizer"] == "llama3"
    assert tools.digest({"source": str(root), "model": "llama-3.1",
                         "tokenizer": "o200k_base"}).data["tokenizer"] == "o200k_base"
    rows = {row["name"]: row["counting"] for row in tools.models("auto").data["models"]}
    assert rows["Llama 3.1"] == "exact (llama3)"


def test_batch_reruns_when_what_auto_counts_with_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    auto = Options(source="o/r", model="llama-3.1")
    with_extra = options_fingerprint(auto, "1")
    assert with_extra == options_fingerprint(
        Options(source="o/r", model="llama-3.1", tokenizer="llama3"), "1")
    for name in ("llama3", "llama4"):  # the extra uninstalled: a different digest, so a re-run
        monkeypatch.setitem(SPECS[name], "package", "llama_models_not_installed")
    assert options_fingerprint(auto, "1") != with_extra
    assert options_fingerprint(Options(source="o/r", model="no-such-model"), "1")  # no raise


@pytest.mark.slow
def test_a_machine_without_the_extra_estimates_in_a_fresh_process(
        make_repo: MakeRepo, tmp_path: Path) -> None:
    # A site-packages without llama_models (every other entry linked in) and no site hooks:
    # the package is as absent as on a machine that never installed the extra.
    bare = tmp_path / "site"
    bare.mkdir()
    sites = [Path(sysconfig.get_paths()["purelib"]),
             *(Path(p) for p in sys.path if p.endswith(("site-packages", "dist-packages")))]
    for site in filter(Path.is_dir, sites):
        for entry in site.iterdir():
            if not entry.name.lower().startswith("llama_models") and not (
                    bare / entry.name).exists():
                (bare / entry.name).symlink_to(entry)
    root = make_repo(FILES)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(bare), str(ROOT)])}
    run = subprocess.run([sys.executable, "-S", "-m", "gitdigest", str(root), "--model",
                          "llama-3.1", "-o", "-", "-f", "json"],
                         capture_output=True, text=True, env=env, check=False, timeout=120)
    assert run.returncode == 0, run.stderr
    used, counts = _counts(run.stdout)
    counter = TokenCounter("o200k_base")
    assert used == "o200k_base"
    assert counts == {path: counter.count((root / path).read_text()) for path in FILES}
    assert run.stderr.startswith("gitdigest: warning: Llama 3.1's tokens are an estimate "
                                 "(o200k_base): its own tokenizer (llama3) is not installed; "
                                 "for exact counts: pip install '.[llama]'\n")
    assert "Traceback" not in run.stderr
