"""Path helpers: the digest order, safe display, links."""

from __future__ import annotations

import random

import pytest

from gitdigest.core.paths import display, link_inside, order_key


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
