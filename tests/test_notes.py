"""The bundled notes are the user's file byte for byte; the model table is built from them."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitdigest import digest
from gitdigest.cli import cli
from gitdigest.notes import read_notes
from gitdigest.notes.models import entries, find_model, models, notes_models

from .conftest import MakeRepo

SHARED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "llm-reference-notes.ja.md"
# sha256 of ../shared/seed/llm-reference-notes.ja.md as the user supplied it
ORIGINAL_SHA256 = "a58eb062305ac82353f0fe976a6456d77bdacea3811d44b4176375fe9e6e8442"


def test_bundled_notes_are_byte_identical() -> None:
    bundled = read_notes("ja")
    assert hashlib.sha256(bundled).hexdigest() == ORIGINAL_SHA256
    if SHARED.exists():  # beside the checkout on developer machines and in CI
        assert bundled == SHARED.read_bytes()


def test_notes_command_prints_them_unchanged() -> None:
    result = CliRunner().invoke(cli, ["notes"])
    assert result.exit_code == 0
    assert result.stdout_bytes == read_notes("ja")
    english = CliRunner().invoke(cli, ["notes", "--lang", "en"])
    assert english.stdout.startswith("# Large Language Models (LLM)\n")


def test_a_folder_named_notes_is_still_digestible(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.md").write_text("- buy milk\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["./notes", "-o", "-", "-q"])
    assert result.exit_code == 0
    assert "FILE: todo.md" in result.stdout


def test_english_rendering_describes_the_same_models() -> None:
    assert [name for name, _, _ in entries("en")] == [name for name, _, _ in entries("ja")]


def test_every_model_the_notes_name_is_in_the_table() -> None:
    entry = r"^\s*\d+\.\s+\*\*([^*（]+?)(?:（[^）]*）)?\*\*:\s*\n\s*(?:\n\s*)?-\s+\*\*開発者"
    named = re.findall(entry, read_notes("ja").decode(), re.M)
    assert [m.name for m in notes_models()] == [n.strip() for n in named]
    assert {m.name for m in notes_models()} == {"GPT-4o", "Claude 3.5 Sonnet", "Llama 3.1", "BERT",
                                          "RoBERTa", "T5", "XLNet", "Albert",
                                          "Megatron-Turing NLG", "PaLM"}
    table = {m.name: m for m in models()}
    assert table["GPT-4o"].context_window == 128_000
    assert table["Claude 3.5 Sonnet"].context_window == 200_000
    assert table["Llama 3.1"].context_window == 128_000
    assert table["BERT"].context_window == 512
    assert table["Megatron-Turing NLG"].developer == "NVIDIA and Microsoft"
    assert table["GPT-4o"].counting("o200k_base") == "exact (o200k_base)"
    assert table["PaLM"].counting("o200k_base").startswith("estimate (o200k_base;")


@pytest.mark.parametrize("spelling", ["claude-3.5-sonnet", "Claude 3.5 Sonnet", "claude35sonnet",
                                      "CLAUDE-3-5-SONNET"])
def test_model_spellings(spelling: str) -> None:
    assert find_model(spelling).name == "Claude 3.5 Sonnet"


def test_models_command() -> None:
    result = CliRunner().invoke(cli, ["models"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["model", "developer", "context", "window", "token", "count"]
    assert len(lines) == 1 + len(models())
    assert "GPT-4o" in lines[1] and "128,000" in lines[1] and "exact (o200k_base)" in lines[1]


def test_summary_reports_window_shares(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "x = 1\n" * 1000})
    result = CliRunner().invoke(cli, [str(root), "-o", "-"])
    tokens = digest(str(root)).summary.tokens
    share = f"{tokens / 1_047_576:.1%}"
    assert f"Windows:  GPT-4.1 {share} of 1,047,576, Claude Sonnet 4.5 " in result.stderr
    assert f"Gemini 2.5 Pro {tokens / 1_048_576:.1%} est. of 1,048,576" in result.stderr
