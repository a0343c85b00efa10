"""The directory tree: every leaf under its folders, whatever order the leaves come in."""

from __future__ import annotations

import random

from gitdigest.plan.tree import ALL, FILES, FOLDERS, UNREAD, draw_tree


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


# Under a budget: what the digest does not show gives way, a step at a time, before a shown
# file's line does.
FOLD_LEAVES = [("README.md", "README.md"), ("setup.cfg", "setup.cfg"), ("a/one.py", "one.py"),
               ("a/two.py", "two.py"), ("a/b/three.py", "three.py"), ("d/four.py", "four.py"),
               ("e/link", "link -> x")]
FOLD_SIZES = {"README.md": 7, "setup.cfg": 3, "a/one.py": 10, "a/two.py": 20,
              "a/b/three.py": 100, "d/four.py": UNREAD}


def test_each_fold_step_keeps_every_shown_files_line() -> None:
    def at(fold: int) -> str:
        return draw_tree("r", FOLD_LEAVES, None, FOLD_SIZES.get, {"a/one.py"}, fold=fold)

    assert at(FOLDERS) == (
        "└── r/\n    ├── README.md\n    ├── setup.cfg\n    ├── a/\n    │   ├── one.py\n"
        "    │   ├── two.py\n    │   └── b/ (1 file, 100 tokens, none shown)\n"
        "    ├── d/ (1 file, not read, none shown)\n    └── e/ (no files)\n")
    # the files not shown of each open folder, the top one's too, are one line
    assert at(FILES) == (
        "└── r/\n    ├── a/\n    │   ├── one.py\n"
        "    │   ├── b/ (1 file, 100 tokens, none shown)\n"
        "    │   └── 1 more file (20 tokens, none shown)\n"
        "    ├── d/ (1 file, not read, none shown)\n    ├── e/ (no files)\n"
        "    └── 2 more files (10 tokens, none shown)\n")
    # and then with the folded folders: one line per open folder
    assert at(ALL) == (
        "└── r/\n    ├── a/\n    │   ├── one.py\n"
        "    │   └── 1 more file and 1 folder (2 files, 120 tokens, none shown)\n"
        "    └── 2 more files and 2 folders (3 files, 10 tokens in the 2 read, 1 not read, "
        "none shown)\n")


def test_shown_files_without_a_line_are_counted_where_they_fold() -> None:
    shown = {"README.md", "a/one.py", "a/b/three.py"}
    tree = draw_tree("r", FOLD_LEAVES, None, FOLD_SIZES.get, shown, keep={"a/b/three.py"},
                     fold=ALL)
    assert tree == ("└── r/\n    ├── a/\n    │   ├── b/\n    │   │   └── three.py\n"
                    "    │   └── 2 more files (30 tokens, 1 shown)\n"
                    "    └── 2 more files and 2 folders (3 files, 10 tokens in the 2 read, "
                    "1 not read, 1 shown)\n")
    assert draw_tree("r", FOLD_LEAVES, None, FOLD_SIZES.get, shown, keep=(), fold=ALL) == (
        "└── r/ (6 files, 140 tokens in the 5 read, 1 not read, 3 shown)\n")


def test_a_path_five_thousand_folders_deep_is_drawn() -> None:
    leaves = [("a/" * 5000 + "f.py", "f.py"), ("top.md", "top.md")]
    lines = draw_tree("r", leaves).splitlines()
    assert lines[:3] == ["└── r/", "    ├── top.md", "    └── a/"]
    assert len(lines) == 5003 and lines[-1] == " " * 4 * 5001 + "└── f.py"
    # under a budget too, what is not shown folded at every level
    deep = [("a/" * 2500 + "g.py", "g.py"), ("a/" * 5000 + "f.py", "f.py")]
    lines = draw_tree("r", deep, shown={deep[1][0]}, fold=ALL).splitlines()
    assert len(lines) == 5003
    assert lines[-2] == " " * 4 * 2501 + "│   " + " " * 4 * 2499 + "└── f.py"
    assert lines[-1] == " " * 4 * 2501 + "└── 1 more file (0 tokens, none shown)"
