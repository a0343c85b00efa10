"""The model table, built from the bundled notes: every model the notes name, with its context
window and how gitdigest counts tokens for it.

Names and developers are read from the notes themselves; the windows below are ours, each with
its public source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ..errors import UsageError
from . import notes_text

# Context windows in tokens, keyed by the model's key (see ``model_key``).
_WINDOWS: dict[str, tuple[int, str | None, str]] = {
    # name key: (window, exact tiktoken encoding or None, what the model itself tokenizes with)
    # https://platform.openai.com/docs/models/gpt-4o : 128,000-token context window
    "gpt4o": (128_000, "o200k_base", "o200k_base"),
    # https://docs.anthropic.com/en/docs/about-claude/models : 200K context window
    "claude35sonnet": (200_000, None, "Anthropic's own tokenizer (not public)"),
    # https://github.com/meta-llama/llama-models/blob/main/models/llama3_1/MODEL_CARD.md : 128k
    "llama31": (128_000, None, "Llama 3's 128K-vocabulary BPE (not a tiktoken encoding)"),
    # https://arxiv.org/abs/1810.04805 : max_position_embeddings = 512
    "bert": (512, None, "WordPiece"),
    # https://arxiv.org/abs/1907.11692 : sequences of at most 512 tokens
    "roberta": (512, None, "GPT-2 byte-level BPE"),
    # https://arxiv.org/abs/1910.10683 : pre-trained on 512-token inputs
    "t5": (512, None, "SentencePiece"),
    # https://arxiv.org/abs/1906.08237 : pre-training sequence length 512
    "xlnet": (512, None, "SentencePiece"),
    # https://arxiv.org/abs/1909.11942 : maximum input length 512
    "albert": (512, None, "SentencePiece"),
    # https://arxiv.org/abs/2201.11990 : sequence length 2048
    "megatronturingnlg": (2048, None, "GPT-2 BPE"),
    # https://arxiv.org/abs/2204.02311 : sequence length 2048
    "palm": (2048, None, "SentencePiece (256k vocabulary)"),
}

# "1. **GPT-4o（OpenAI）**:" followed by "- **開発者**: OpenAI" (or "- **Developer**: OpenAI")
_ENTRY = re.compile(
    r"^\s*\d+\.\s+\*\*(?P<name>[^*（(]+?)\s*(?:[（(](?P<full>[^）)]*)[）)])?\*\*:\s*\n"
    r"(?:\s*\n)*\s*-\s+\*\*(?:開発者|Developer)\*\*:\s*(?P<developer>.+)$",
    re.M,
)
#: The models whose windows the summary reports the digest's share of.
SUMMARY_MODELS = ("gpt4o", "claude35sonnet", "llama31")


@dataclass(frozen=True)
class Model:
    """One row of the table."""

    name: str
    full_name: str
    developer: str
    context_window: int
    exact_encoding: str | None
    model_tokenizer: str

    @property
    def key(self) -> str:
        """The lookup key (lower case, letters and digits only)."""
        return model_key(self.name)

    def counting(self, tokenizer: str) -> str:
        """How gitdigest's count relates to the model's own."""
        if self.exact_encoding == tokenizer:
            return f"exact ({tokenizer})"
        if self.exact_encoding is not None:
            return f"estimate ({tokenizer}; exact with --tokenizer {self.exact_encoding})"
        return f"estimate ({tokenizer}; the model uses {self.model_tokenizer})"


def model_key(name: str) -> str:
    """``Claude 3.5 Sonnet``, ``claude-3-5-sonnet`` and ``claude35sonnet`` are one key."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def entries(lang: str) -> list[tuple[str, str, str]]:
    """``(name, full name, developer)`` for each model the notes in ``lang`` describe."""
    return [(m.group("name").strip(), (m.group("full") or m.group("name")).strip(),
             m.group("developer").strip()) for m in _ENTRY.finditer(notes_text(lang))]


@cache
def models() -> tuple[Model, ...]:
    """Every model the original notes name, in their order; developers as the English rendering
    gives them (the same entries, in plain ASCII for aligned tables)."""
    table = []
    for (name, full, _), (_, _, developer) in zip(entries("ja"), entries("en"), strict=True):
        window, exact, native = _WINDOWS[model_key(name)]
        table.append(Model(name, full, developer, window, exact, native))
    return tuple(table)


def find_model(name: str) -> Model:
    """The model called ``name`` (any spelling :func:`model_key` folds together)."""
    key = model_key(name)
    for model in models():
        if model.key == key:
            return model
    known = ", ".join(m.name for m in models())
    raise UsageError(f"unknown model {name!r}; known models: {known}")


def format_table(tokenizer: str = "o200k_base") -> str:
    """The table as aligned text, for ``gitdigest models``."""
    rows = [("model", "developer", "context window", "token count")]
    rows += [(m.name, m.developer, f"{m.context_window:,}", m.counting(tokenizer))
             for m in models()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "".join(
        f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]}\n"
        for row in rows)
