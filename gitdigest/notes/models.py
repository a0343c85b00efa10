"""The model table, built from the bundled notes: every model the notes name, with its context
window and how gitdigest counts tokens for it.

Names and developers are read from the notes themselves; the windows below are ours, each with
its public source.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from ..core.errors import UsageError
from . import notes_text

# Context windows in tokens, keyed by the model's key (see ``model_key``).
_WINDOWS: dict[str, tuple[int, str | None, str, str]] = {
    # name key: (window, exact encoding or None, what the model itself tokenizes with, source)
    "gpt4o": (128_000, "o200k_base", "o200k_base",
              "https://platform.openai.com/docs/models/gpt-4o"),  # 128,000-token context window
    "claude35sonnet": (200_000, None, "Anthropic's own tokenizer (not public)",
                       "https://docs.anthropic.com/en/docs/about-claude/models"),  # 200K
    # Llama 3's tokenizer is tiktoken-format BPE: --model llama-3.1 counts with it (llama extra)
    "llama31": (128_000, "llama3", "Llama 3's 128K-vocabulary BPE",
                "https://github.com/meta-llama/llama-models/blob/main/models/llama3_1/MODEL_CARD.md"),
    "bert": (512, None, "WordPiece",  # max_position_embeddings = 512
             "https://arxiv.org/abs/1810.04805"),
    "roberta": (512, None, "GPT-2 byte-level BPE",  # sequences of at most 512 tokens
                "https://arxiv.org/abs/1907.11692"),
    "t5": (512, None, "SentencePiece",  # pre-trained on 512-token inputs
           "https://arxiv.org/abs/1910.10683"),
    "xlnet": (512, None, "SentencePiece",  # pre-training sequence length 512
              "https://arxiv.org/abs/1906.08237"),
    "albert": (512, None, "SentencePiece",  # maximum input length 512
               "https://arxiv.org/abs/1909.11942"),
    "megatronturingnlg": (2048, None, "GPT-2 BPE",  # sequence length 2048
                          "https://arxiv.org/abs/2201.11990"),
    "palm": (2048, None, "SentencePiece (256k vocabulary)",  # sequence length 2048
             "https://arxiv.org/abs/2204.02311"),
}

_OPENAI = "https://platform.openai.com/docs/models/"
_ANTHROPIC = "https://docs.anthropic.com/en/docs/about-claude/models/overview"
_GEMINI = "https://ai.google.dev/gemini-api/docs/models"
_LLAMA4 = "https://github.com/meta-llama/llama-models/blob/main/models/llama4/MODEL_CARD.md"
_MISTRAL = "https://docs.mistral.ai/getting-started/models/models_overview/"
_CLAUDE_BPE = "Anthropic's own tokenizer (not public)"
_GEMINI_SP = "Gemini's SentencePiece tokenizer (not public)"
_MISTRAL_BPE = "Mistral's Tekken tokenizer (not a tiktoken encoding here)"
_QWEN_BPE = "Qwen's byte-level BPE (151K vocabulary)"
_DEEPSEEK_BPE = "DeepSeek's byte-level BPE (128K vocabulary)"

# The families people choose today, beyond the notes: (name, developer, window, exact
# encoding or None, the model's own tokenizer, source of the window, other names). Windows
# are the input limits the vendors document at the source given.
_CURRENT: tuple[tuple[str, str, int, str | None, str, str, tuple[str, ...]], ...] = (
    # "1,047,576 context window" for the GPT-4.1 family; tiktoken maps gpt-4.1 to o200k_base
    ("GPT-4.1", "OpenAI", 1_047_576, "o200k_base", "o200k_base", _OPENAI + "gpt-4.1", ()),
    ("GPT-4.1 mini", "OpenAI", 1_047_576, "o200k_base", "o200k_base",
     _OPENAI + "gpt-4.1-mini", ()),
    ("GPT-4.1 nano", "OpenAI", 1_047_576, "o200k_base", "o200k_base",
     _OPENAI + "gpt-4.1-nano", ()),
    # "128,000 context window"
    ("GPT-4o mini", "OpenAI", 128_000, "o200k_base", "o200k_base", _OPENAI + "gpt-4o-mini", ()),
    # the o-series: "200,000 context window" each; o200k_base in tiktoken's model map
    ("o1", "OpenAI", 200_000, "o200k_base", "o200k_base", _OPENAI + "o1", ()),
    ("o3", "OpenAI", 200_000, "o200k_base", "o200k_base", _OPENAI + "o3", ()),
    ("o3-mini", "OpenAI", 200_000, "o200k_base", "o200k_base", _OPENAI + "o3-mini", ()),
    ("o4-mini", "OpenAI", 200_000, "o200k_base", "o200k_base", _OPENAI + "o4-mini", ()),
    # Anthropic's model table: "Context window 200K" for every Claude 4.x model (1M for
    # Sonnet 4/4.5 only in beta, behind a header, so not the budget here)
    ("Claude Opus 4.5", "Anthropic", 200_000, None, _CLAUDE_BPE, _ANTHROPIC,
     ("claude-4-5-opus", "claude-opus-4-5-20251101")),
    ("Claude Opus 4.1", "Anthropic", 200_000, None, _CLAUDE_BPE, _ANTHROPIC,
     ("claude-4-1-opus", "claude-opus-4-1-20250805")),
    ("Claude Opus 4", "Anthropic", 200_000, None, _CLAUDE_BPE, _ANTHROPIC,
     ("claude-4-opus", "claude-opus-4-20250514")),
    ("Claude Sonnet 4.5", "Anthropic", 200_000, None, _CLAUDE_BPE, _ANTHROPIC,
     ("claude-4-5-sonnet", "claude-sonnet-4-5-20250929")),
    ("Claude Sonnet 4", "Anthropic", 200_000, None, _CLAUDE_BPE, _ANTHROPIC,
     ("claude-4-sonnet", "claude-sonnet-4-20250514")),
    ("Claude Haiku 4.5", "Anthropic", 200_000, None, _CLAUDE_BPE, _ANTHROPIC,
     ("claude-4-5-haiku", "claude-haiku-4-5-20251001")),
    # "Input token limit 1,048,576"
    ("Gemini 2.5 Pro", "Google", 1_048_576, None, _GEMINI_SP, _GEMINI + "#gemini-2.5-pro", ()),
    ("Gemini 2.5 Flash", "Google", 1_048_576, None, _GEMINI_SP, _GEMINI + "#gemini-2.5-flash",
     ()),
    ("Gemini 2.5 Flash-Lite", "Google", 1_048_576, None, _GEMINI_SP,
     _GEMINI + "#gemini-2.5-flash-lite", ()),
    # the model card: Scout "10M" context length, Maverick "1M"; its tokenizer ships in
    # llama-models (exact with --tokenizer llama4)
    ("Llama 4 Scout", "Meta", 10_000_000, "llama4", "Llama 4's 200K-vocabulary BPE", _LLAMA4,
     ("llama-4-scout-17b-16e",)),
    ("Llama 4 Maverick", "Meta", 1_000_000, "llama4", "Llama 4's 200K-vocabulary BPE", _LLAMA4,
     ("llama-4-maverick-17b-128e",)),
    # "Context length 128k"; Llama 3.3 uses Llama 3's tokenizer
    ("Llama 3.3", "Meta", 128_000, "llama3", "Llama 3's 128K-vocabulary BPE",
     "https://github.com/meta-llama/llama-models/blob/main/models/llama3_3/MODEL_CARD.md",
     ("llama-3.3-70b",)),
    # Mistral's models overview: "Max tokens" 128k (Large, Medium) and 256k (Codestral)
    ("Mistral Large 2", "Mistral AI", 128_000, None, _MISTRAL_BPE, _MISTRAL,
     ("mistral-large", "mistral-large-latest")),
    ("Mistral Medium 3", "Mistral AI", 128_000, None, _MISTRAL_BPE, _MISTRAL,
     ("mistral-medium", "mistral-medium-latest")),
    ("Codestral", "Mistral AI", 256_000, None, _MISTRAL_BPE, _MISTRAL, ("codestral-latest",)),
    # model cards: Qwen3 "32,768 natively" (131,072 only with YaRN scaling switched on),
    # Qwen3-Coder "262,144 natively"
    ("Qwen3", "Alibaba (Qwen)", 32_768, None, _QWEN_BPE,
     "https://huggingface.co/Qwen/Qwen3-32B", ("qwen-3",)),
    ("Qwen3-Coder", "Alibaba (Qwen)", 262_144, None, _QWEN_BPE,
     "https://huggingface.co/Qwen/Qwen3-Coder-480B-A35B-Instruct", ()),
    # the repositories' READMEs: "Context Length 128K"
    ("DeepSeek-V3", "DeepSeek", 128_000, None, _DEEPSEEK_BPE,
     "https://github.com/deepseek-ai/DeepSeek-V3", ("deepseek-chat",)),
    ("DeepSeek-R1", "DeepSeek", 128_000, None, _DEEPSEEK_BPE,
     "https://github.com/deepseek-ai/DeepSeek-R1", ("deepseek-reasoner",)),
)

# "1. **GPT-4o（OpenAI）**:" followed by "- **開発者**: OpenAI" (or "- **Developer**: OpenAI")
_ENTRY = re.compile(
    r"^\s*\d+\.\s+\*\*(?P<name>[^*（(]+?)\s*(?:[（(](?P<full>[^）)]*)[）)])?\*\*:\s*\n"
    r"(?:\s*\n)*\s*-\s+\*\*(?:開発者|Developer)\*\*:\s*(?P<developer>.+)$",
    re.M,
)
#: The models whose windows the summary reports the digest's share of, without ``--model``:
#: one current family from each of the three largest developers.
SUMMARY_MODELS = ("gpt41", "claudesonnet45", "gemini25pro")


@dataclass(frozen=True)
class Model:
    """One row of the table."""

    name: str
    full_name: str
    developer: str
    context_window: int
    exact_encoding: str | None
    model_tokenizer: str
    #: where the context window is documented
    source: str = ""
    #: other spellings ``--model`` accepts (API ids, older name orders)
    aliases: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The lookup key (lower case, letters and digits only)."""
        return model_key(self.name)

    def answers_to(self, key: str) -> bool:
        """Whether ``key`` (already folded by :func:`model_key`) names this model."""
        return key == self.key or any(model_key(alias) == key for alias in self.aliases)

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
def notes_models() -> tuple[Model, ...]:
    """Every model the original notes name, in their order; developers as the English rendering
    gives them (the same entries, in plain ASCII for aligned tables)."""
    table = []
    for (name, full, _), (_, _, developer) in zip(entries("ja"), entries("en"), strict=True):
        window, exact, native, source = _WINDOWS[model_key(name)]
        table.append(Model(name, full, developer, window, exact, native, source))
    return tuple(table)


@cache
def models() -> tuple[Model, ...]:
    """The notes' models, then the families people choose today."""
    return notes_models() + tuple(
        Model(name, name, developer, window, exact, native, source, aliases)
        for name, developer, window, exact, native, source, aliases in _CURRENT)


def find_model(name: str) -> Model:
    """The model called ``name`` (any spelling :func:`model_key` folds together)."""
    key = model_key(name)
    for model in models():
        if model.answers_to(key):
            return model
    known = ", ".join(m.name for m in models())
    raise UsageError(f"unknown model {name!r}; known models: {known}")


def summary_models(chosen: str | None = None) -> tuple[Model, ...]:
    """The models the summary's Windows line reports: the one ``--model`` chose, else
    :data:`SUMMARY_MODELS`."""
    if chosen is not None:
        return (find_model(chosen),)
    return tuple(find_model(key) for key in SUMMARY_MODELS)


def format_table(tokenizer: str = "o200k_base",
                 counting: Callable[[Model], str] | None = None) -> str:
    """The table as aligned text, for ``gitdigest models``; ``counting`` words the last column
    (default: :meth:`Model.counting` with ``tokenizer``)."""
    rows = [("model", "developer", "context window", "token count")]
    rows += [(m.name, m.developer, f"{m.context_window:,}",
              counting(m) if counting is not None else m.counting(tokenizer))
             for m in models()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "".join(
        f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]}\n"
        for row in rows)
