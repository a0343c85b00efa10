"""The model table beyond the notes: today's families, their windows, sources and spellings."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gitdigest import digest
from gitdigest.cli import cli
from gitdigest.core.errors import UsageError
from gitdigest.notes.models import find_model, model_key, models, notes_models
from gitdigest.options import TOKENIZERS

from .conftest import MakeRepo

ADDED = models()[len(notes_models()):]


def test_every_added_model_has_a_window_a_source_and_a_counting() -> None:
    assert len(ADDED) >= 20
    for model in ADDED:
        assert model.context_window >= 32_000, model.name
        assert model.source.startswith("https://"), model.name
        assert model.exact_encoding is None or model.exact_encoding in TOKENIZERS, model.name
        assert model.model_tokenizer, model.name
    for model in notes_models():  # the notes' rows carry their sources too
        assert model.source.startswith("https://"), model.name


def test_names_and_aliases_are_unambiguous() -> None:
    seen: dict[str, str] = {}
    for model in models():
        for key in [model.key, *(model_key(alias) for alias in model.aliases)]:
            assert seen.setdefault(key, model.name) == model.name, key


@pytest.mark.parametrize(("spelling", "name", "window"), [
    ("gpt-4.1", "GPT-4.1", 1_047_576),
    ("gpt-4o", "GPT-4o", 128_000),
    ("gpt-4o-mini", "GPT-4o mini", 128_000),
    ("o3", "o3", 200_000),
    ("o4-mini", "o4-mini", 200_000),
    ("claude-sonnet-4", "Claude Sonnet 4", 200_000),
    ("claude-4-sonnet", "Claude Sonnet 4", 200_000),
    ("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", 200_000),
    ("claude-opus-4-1", "Claude Opus 4.1", 200_000),
    ("gemini-2.5-pro", "Gemini 2.5 Pro", 1_048_576),
    ("gemini-2.5-flash", "Gemini 2.5 Flash", 1_048_576),
    ("llama-4-scout", "Llama 4 Scout", 10_000_000),
    ("llama-4-maverick", "Llama 4 Maverick", 1_000_000),
    ("llama-3.1", "Llama 3.1", 128_000),
    ("mistral-large", "Mistral Large 2", 128_000),
    ("codestral", "Codestral", 256_000),
    ("qwen3", "Qwen3", 32_768),
    ("deepseek-v3", "DeepSeek-V3", 128_000),
    ("deepseek-reasoner", "DeepSeek-R1", 128_000),
])
def test_common_names(spelling: str, name: str, window: int) -> None:
    model = find_model(spelling)
    assert (model.name, model.context_window) == (name, window)


def test_exact_or_estimate_with_the_encoding() -> None:
    assert find_model("gpt-4.1").counting("o200k_base") == "exact (o200k_base)"
    assert find_model("o3").counting("cl100k_base") == (
        "estimate (cl100k_base; exact with --tokenizer o200k_base)")
    assert find_model("llama-3.1").counting("llama3") == "exact (llama3)"
    assert find_model("llama-3.1").counting("o200k_base") == (
        "estimate (o200k_base; exact with --tokenizer llama3)")
    assert find_model("llama-4-scout").counting("llama4") == "exact (llama4)"
    assert find_model("gemini-2.5-pro").counting("o200k_base").startswith(
        "estimate (o200k_base; the model uses Gemini")


def test_unknown_model_lists_the_known_ones() -> None:
    with pytest.raises(UsageError, match=r"known models: GPT-4o, .*GPT-4\.1"):
        find_model("gpt-5-ultra")


def test_model_budget_from_an_added_model(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "x = 1\n"})
    result = digest(str(root), model="qwen3")
    assert result.budget == int(32_768 * 0.9)


def test_models_command_lists_added_models_as_exact_or_estimate() -> None:
    result = CliRunner().invoke(cli, ["models", "--tokenizer", "llama3"])
    assert result.exit_code == 0, result.output
    rows = {line.split("  ")[0]: line for line in result.stdout.splitlines()}
    assert rows["Llama 3.1"].endswith("exact (llama3)")
    assert rows["Llama 3.3"].endswith("exact (llama3)")
    assert "estimate (llama3; exact with --tokenizer o200k_base)" in rows["GPT-4.1"]


def test_notes_lang_chooses_the_notes_language(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "x = 1\n"})
    english = CliRunner().invoke(cli, [str(root), "-o", "-", "-q", "--with-notes",
                                       "--notes-lang", "en"])
    japanese = CliRunner().invoke(cli, [str(root), "-o", "-", "-q", "--with-notes"])
    assert english.exit_code == japanese.exit_code == 0
    assert "**Developer**" in english.stdout and "**開発者**" not in english.stdout
    assert "**開発者**" in japanese.stdout
    bad = CliRunner().invoke(cli, [str(root), "-o", "-", "--notes-lang", "fr"])
    assert bad.exit_code == 2


def test_the_windows_line_reports_the_chosen_model(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "x = 1\n" * 1000})
    tokens = digest(str(root)).summary.tokens
    chosen = CliRunner().invoke(cli, [str(root), "-o", "-", "--model", "gpt-4.1"])
    line = next(x for x in chosen.stderr.splitlines() if x.startswith("Windows:"))
    assert line == f"Windows:  GPT-4.1 {tokens / 1_047_576:.1%} of 1,047,576"
    plain = CliRunner().invoke(cli, [str(root), "-o", "-"])
    line = next(x for x in plain.stderr.splitlines() if x.startswith("Windows:"))
    assert "GPT-4o" not in line and "Claude 3.5" not in line and "Llama 3.1" not in line
