"""The directory tree: every leaf under its folders, whatever order the leaves come in."""

from __future__ import annotations

import random

from gitdigest.plan.tree import draw_tree


def _reference(root: str, leaves: list[tuple[str, str]]) -> str:
    """The tree drawn the plain way: each leaf's folders looked up from the top."""
    top: dict[str, object] = {}
    for path, label in leaves:
        folder = top
        for part in path.split("/")[:-1]:
            folder = folder.setdefault("/" + part, {})  # type: ignore[assignment]
        folder.setdefault("", []).append(label)  # type: ignore[attr-defined]
    lines = [f"└── {root}/"]

    def walk(folder: dict[str, object], prefix: str) -> None:
        children = [(leaf, None) for leaf in folder.get("", [])]  # type: ignore[attr-defined]
        children += [(name[1:] + "/", sub) for name, sub in folder.items() if name]
        for index, (label, sub) in enumerate(children):
            last = index == len(children) - 1
            lines.append(prefix + ("└── " if last else "├── ") + label)
            if sub is not None:
                walk(sub, prefix + ("    " if last else "│   "))  # type: ignore[arg-type]

    walk(top, "    ")
    return "".join(line + "\n" for line in lines)


def test_leaves_in_any_order_land_in_their_folders() -> None:
    rng = random.Random(5)
    names = ["a", "b", "c"]
    for _ in range(50):
        leaves = []
        for i in range(rng.randrange(1, 30)):
            depth = rng.randrange(0, 4)
            path = "/".join(rng.choice(names) for _ in range(depth)) + ("/" if depth else "")
            leaves.append((f"{path}f{i}", f"f{i}"))
        assert draw_tree("r", leaves) == _reference("r", leaves)


def test_a_top_level_file_after_nested_ones_stays_at_the_top() -> None:
    assert draw_tree("r", [("a/x", "x"), ("b", "b"), ("a/c/y", "y")]) == (
        "└── r/\n    ├── b\n    └── a/\n        ├── x\n        └── c/\n            └── y\n")
