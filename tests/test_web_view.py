"""What the result page draws from a stored result."""

from __future__ import annotations

from gitdigest.web.settings import WebSettings
from gitdigest.web.view import advice, bars, caps, human_size, tree

META = {
    "files": [["README.md", 5, 20], ["src/app.py", 160, 600], ["src/lib/util.py", 40, 90]],
    "skipped": [["docs/a.md", "excluded", ""], ["docs/b.md", "excluded", ""],
                ["src/logo.png", "ignored", "default:*.png"], ["build/", "ignored",
                                                               ".gitignore:1:build/"]],
}


def test_tree_marks_states_and_sums_tokens() -> None:
    root = tree(META)
    top = {node.name: node for node in root.sorted_children}
    assert [node.name for node in root.sorted_children] == ["README.md", "build", "docs", "src"]
    assert (top["src"].state, top["src"].tokens, top["src"].path) == ("in", 200, "src/")
    assert (top["docs"].state, top["docs"].path) == ("excluded", "docs/")
    assert (top["build"].state, top["build"].detail) == ("ignored", ".gitignore:1:build/")
    src = {node.name: node for node in top["src"].sorted_children}
    assert src["logo.png"].state == "ignored" and src["lib"].tokens == 40


def test_bars_are_shares_of_the_largest() -> None:
    assert bars(META) == [("src/app.py", 160, 1.0), ("src/lib/util.py", 40, 0.25),
                          ("README.md", 5, 5 / 160)]


def test_caps_state_the_servers_limits() -> None:
    text = " ".join(caps(WebSettings(max_files=100, allow_hosts=("git.team",))))
    assert "At most 100 files and 200.0 MB" in text
    assert "these hosts: git.team" in text and "no local folders" in text
    assert human_size(512) == "512 bytes" and human_size(3 * 1024**2) == "3.0 MB"


def test_refusals_name_what_the_operator_can_change() -> None:
    settings = WebSettings(local_roots=("/srv/repos",))
    assert advice("git.team resolves to 10.0.0.7, a private or local address; allow the host "
                  "explicitly to digest it", settings) == (
        "git.team resolves to 10.0.0.7, a private or local address, which this server does not "
        "digest; its operator can allow the host with --allow-host git.team")
    assert advice("local folders are not allowed here; give a repository URL", settings
                  ).endswith("operator can offer folders with --allow-local --root DIR")
    assert advice("/etc is outside the allowed folders", settings) == (
        "/etc is outside the allowed folders (/srv/repos); this server's operator chooses them "
        "with --root DIR")
    same = "file:// sources are not allowed here; use https"  # nothing an operator can allow
    assert advice(same, settings) == same
