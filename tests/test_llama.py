"""Llama 3 / Llama 4 counts: the tokenizer files Meta's llama-models ships, pinned by sha256,
counted by tiktoken's engine, equal to that package's own Tokenizer classes."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitdigest import digest
from gitdigest.cli import cli
from gitdigest.core.errors import TokenizerError
from gitdigest.count import tokens
from gitdigest.count.tokens import SPECS, TokenCounter, load_ranks

from .conftest import MakeRepo

pytestmark = pytest.mark.extra

ROOT = Path(__file__).resolve().parents[1]


def _corpus() -> list[str]:
    # this project's own sources, tests and README, the bundled notes (Japanese), and random
    # Unicode from every plane that decodes
    texts = [path.read_text(encoding="utf-8")
             for pattern in ("gitdigest/**/*.py", "gitdigest/**/*.md", "tests/*.py", "*.md")
             for path in sorted(ROOT.glob(pattern))]
    rng = random.Random(16)
    for _ in range(200):
        texts.append("".join(chr(rng.choice([rng.randint(0x20, 0x7E), rng.randint(0xA0, 0x2FFF),
                                             rng.randint(0x3000, 0x9FFF),
                                             rng.randint(0x1F300, 0x1FAFF), 10, 32]))
                             for _ in range(rng.randint(0, 400))))
    texts += ["", "<|begin_of_text|> and <|eot_id|> are text here", "\n\n\n   \t\r\n", "x" * 9000]
    return texts


@pytest.mark.slow
@pytest.mark.parametrize(("name", "module"), [("llama3", "llama_models.llama3.tokenizer"),
                                              ("llama4", "llama_models.llama4.tokenizer")])
def test_counts_equal_metas_tokenizer(name: str, module: str) -> None:
    import importlib

    meta = importlib.import_module(module).Tokenizer.get_instance()
    counter = TokenCounter(name)
    corpus = _corpus()
    assert sum(len(text) for text in corpus) > 300_000
    for text in corpus:
        # Meta's encode treats special-token text as plain text with these arguments, as we do
        assert counter.count(text) == len(meta.encode(text, bos=False, eos=False)), text[:80]
    assert meta.model._pat_str == SPECS[name]["pat_str"]


@pytest.mark.parametrize("name", ["llama3", "llama4"])
def test_the_shipped_file_is_the_pinned_one(name: str) -> None:
    assert len(load_ranks(name)) == {"llama3": 128_000, "llama4": 200_000}[name]


def test_missing_extra_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SPECS["llama3"], "package", "llama_models_not_installed")
    with pytest.raises(TokenizerError, match=r"pip install '\.\[llama\]'"):
        tokens.data_path("llama3")


def test_digest_counts_llama_exactly_and_says_so(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "def f(x):\n    return x ** 2\n" * 50, "b.md": "# Über\n日本語\n"})
    result = digest(str(root), tokenizer="llama3")
    meta = __import__("llama_models.llama3.tokenizer", fromlist=["Tokenizer"]).Tokenizer
    for document in result.files:
        text = (root / document.path).read_text(encoding="utf-8")
        assert document.tokens == len(meta.get_instance().encode(text, bos=False, eos=False))
    run = CliRunner().invoke(cli, [str(root), "-o", "-", "--tokenizer", "llama3",
                                   "--model", "llama-3.1"])
    assert run.exit_code == 0, run.stderr
    assert f"({'llama3'}, exact)" in run.stderr
    share = f"{result.summary.tokens / 128_000:.1%}"
    assert f"Llama 3.1 {share} of 128,000" in run.stderr  # no "est.": counted exactly
    windows = next(line for line in run.stderr.splitlines() if line.startswith("Windows:"))
    assert "GPT" not in windows  # --model names the one window the summary shows
