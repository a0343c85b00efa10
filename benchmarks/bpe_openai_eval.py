"""Differential check and speed of ``bpe-openai`` (GitHub's bpe crate) against tiktoken.

    python benchmarks/bpe_openai_eval.py CORPUS [CORPUS ...]

Every tracked UTF-8 file of each corpus, this project's own files and random Unicode are
counted by both (``len(tiktoken encode, disallowed_special=())`` vs ``bpe_openai``'s
``count``) in o200k_base and cl100k_base; any difference is printed. Timing is CPU time of one
process counting everything, alternated over 3 rounds, median. Not a dependency of gitdigest:
``pip install bpe-openai`` to run it.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from gitdigest.count.tokens import TokenCounter


def texts(corpus: Path) -> list[str]:
    """Every tracked file of ``corpus`` that is UTF-8 text."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=corpus, capture_output=True,
                            check=True).stdout.split(b"\0")
    found = []
    for name in filter(None, listed):
        path = corpus / name.decode("utf-8", "surrogateescape")
        try:
            data = path.read_bytes()
            found.append(data.decode("utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
    return found


def random_unicode(count: int) -> list[str]:
    """Random text from the BMP and beyond (no surrogates), with code-like punctuation."""
    rng = random.Random(16)
    pools = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x3040, 0x30FF),
             (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0x1F300, 0x1FAFF), (0x0600, 0x06FF)]
    out = []
    for _ in range(count):
        chars = []
        for _ in range(rng.randint(0, 2000)):
            low, high = rng.choice(pools)
            chars.append(chr(rng.randint(low, high)) if rng.random() < 0.9
                         else rng.choice(["\n", " ", "  ", "\t", "'s", "\r\n", "//", "{}"]))
        out.append("".join(chars))
    return out


def main() -> None:
    """Compare counts and speed on the corpora given."""
    from bpe_openai import _bindings

    corpora: dict[str, list[str]] = {Path(a).name: texts(Path(a)) for a in sys.argv[1:]}
    corpora["gitdigest"] = texts(Path(__file__).resolve().parents[1])
    corpora["random unicode"] = random_unicode(500)
    for encoding in ("o200k_base", "cl100k_base"):
        ours = TokenCounter(encoding)
        count = _bindings.tokenizer_for_encoding(encoding).count  # the crate's count, no ids
        for name, items in corpora.items():
            differences = [i for i, text in enumerate(items) if ours.count(text) != count(text)]
            timings: dict[str, list[float]] = {"tiktoken": [], "bpe-openai": []}
            for _ in range(3):
                for label, counter in (("tiktoken", ours.count), ("bpe-openai", count)):
                    start = time.process_time()
                    for text in items:
                        counter(text)
                    timings[label].append(time.process_time() - start)
            tik, bpe = (statistics.median(timings[k]) for k in ("tiktoken", "bpe-openai"))
            print(f"{encoding} {name}: {len(items)} texts, {sum(map(len, items)):,} chars, "
                  f"{len(differences)} count differences; tiktoken {tik:.2f} s, "
                  f"bpe-openai {bpe:.2f} s CPU ({tik / bpe:.2f}x)")


if __name__ == "__main__":
    main()
