"""Path helpers: the digest order, safe display, links."""

from __future__ import annotations

import random

import pytest

from gitdigest.core.paths import display, inherited, inline, link_inside, order_key


def _tuple_key(path: str) -> tuple[tuple[int, str], ...]:
    parts = path.split("/")
    return (*((1, part) for part in parts[:-1]), (0, parts[-1]))


def test_order_key_orders_like_comparing_parts() -> None:
    rng = random.Random(3)
    names = ["a", "b", "ab", "a.b", "A", "_", "a\x01", "z", "é", "a-b"]
    paths = {"/".join(rng.choice(names) for _ in range(rng.randint(1, 4))) for _ in range(3000)}
    assert sorted(paths, key=order_key) == sorted(paths, key=_tuple_key)


def test_files_come_before_folders() -> None:
    paths = ["src/z.py", "b.txt", "src/a/x.py", "a/y.md", "README.md"]
    assert sorted(paths, key=order_key) == ["README.md", "b.txt", "a/y.md", "src/z.py",
                                            "src/a/x.py"]


@pytest.mark.parametrize("char", [
    *map(chr, range(0x202A, 0x202F)),  # embeddings and overrides (LRE, RLE, PDF, LRO, RLO)
    *map(chr, range(0x2066, 0x206A)),  # isolates (LRI, RLI, FSI, PDI)
    *map(chr, range(0x200B, 0x2010)),  # zero-width space, joiners, LRM, RLM
    "\ufeff", "\u00ad", "\u061c", "\u2060", "\u2028", "\u2029", "\u0085", "\u00a0",
    "\U000e0001",  # a language tag: invisible, outside the basic plane
])
def test_display_escapes_what_hides_or_reorders_a_name(char: str) -> None:
    """Trojan Source: a name must not display as another one. Every invisible, format,
    separator or control character is escaped by its code point, and the name quoted."""
    code = f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"
    assert display(f"src/a{char}b.py") == f'"src/a{code}b.py"'


def test_display_leaves_printable_names_and_tells_bytes_from_characters() -> None:
    assert display("d\u00e9j\u00e0/\u65e5\u672c/caf\u00e9 menu.py") == \
        "d\u00e9j\u00e0/\u65e5\u672c/caf\u00e9 menu.py"
    # an undecodable byte 0x85 and the character U+0085 are different names
    assert display("a\udc85") == '"a\\x85"' and display("a\u0085") == '"a\\u0085"'


def test_display_quotes_what_could_forge_structure() -> None:
    assert display("src/main.py") == "src/main.py"
    assert display("a\nFILE: b") == '"a\\nFILE: b"'
    assert display("bad\udcffname") == '"bad\\xffname"'


@pytest.mark.parametrize(
    ("path", "target", "inside"),
    [("a", "b", True), ("d/a", "../b", True), ("d/a", "../../b", False), ("a", "/etc", False),
     ("a", "..", False), ("d/e/a", "../x/../../y", True)],
)
def test_link_inside(path: str, target: str, inside: bool) -> None:
    assert link_inside(path, target) is inside


def test_inherited_takes_the_outermost_value_and_caches_every_folder() -> None:
    asked: list[str] = []

    def own(folder: str) -> str | None:
        asked.append(folder)
        return folder if folder.endswith("/x") else None

    cache: dict[str, str | None] = {}
    deep = "a/" * 5000 + "x/" + "b/" * 5000  # 5,000 levels over x: no recursion limit
    assert inherited(deep.rstrip("/"), cache, own) == ("a/" * 5000 + "x")
    assert len(asked) == 5001 and len(cache) == 10001  # nothing under x is asked
    assert inherited("a/a", cache, own) is None and len(asked) == 5001  # cached
    assert inherited("c/x", cache, own) == "c/x" and asked[-2:] == ["c", "c/x"]


def test_inline_escapes_what_hides_and_leaves_the_rest() -> None:
    assert inline('Revert "a\\b" café') == 'Revert "a\\b" café'
    assert inline("a\x1b[2J\rb\u202ec\u200b\t") == "a\\x1b[2J\\rb\\u202ec\\u200b\\t"
