"""Text and JSON layouts, the tree, digest order, and the exact token total."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from xml.etree import ElementTree

from click.testing import CliRunner

from gitdigest import digest
from gitdigest.cli import cli
from gitdigest.core.paths import display
from gitdigest.count.tokens import TokenCounter
from gitdigest.plan.tree import draw_tree

from .conftest import MakeRepo, write_files

FILES = {
    "README.md": "# Project\n",
    "src/app.py": "def main():\n    return 1\n",
    "src/util/helpers.py": "X = 1",
    "src/z.py": "",
    "docs/guide.md": "Use it.\n",
    "a.txt": "a\n",
}


def test_tree_drawing() -> None:
    tree = draw_tree("repo", [("a.txt", "a.txt"), ("b/c.txt", "c.txt"), ("b/d/e.txt", "e.txt"),
                              ("z/y.txt", "y.txt")])
    assert tree == (
        "└── repo/\n"
        "    ├── a.txt\n"
        "    ├── b/\n"
        "    │   ├── c.txt\n"
        "    │   └── d/\n"
        "    │       └── e.txt\n"
        "    └── z/\n"
        "        └── y.txt\n"
    )


def test_text_layout(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    result = digest(str(root))
    text = result.render("text")
    assert text.startswith(f"Source: repo\nCommit: {result.source.commit}\nFiles: 6\n\n"
                           "Directory structure:\n└── repo/\n")
    sep = "=" * 48
    assert f"\n{sep}\nFILE: src/app.py\n{sep}\ndef main():\n    return 1\n\n\n" in text
    assert f"{sep}\nFILE: src/z.py\n{sep}\n\n\n" in text  # empty files appear as empty


def test_tree_and_content_share_one_order(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    result = digest(str(root))
    order = [d.path for d in result.files]
    assert order == ["README.md", "a.txt", "docs/guide.md", "src/app.py", "src/z.py",
                     "src/util/helpers.py"]
    text = result.render("text")
    assert re.findall(r"^FILE: (.+)$", text, re.M) == order
    leaves = [line.split("── ")[1] for line in result.tree.splitlines()[1:]
              if not line.endswith("/")]
    assert leaves == [path.rsplit("/", 1)[-1] for path in order]


def test_summary_tokens_are_the_exact_count_of_the_text_digest(make_repo: MakeRepo) -> None:
    files = dict(FILES, **{"weird.txt": "\n\n  starts with blank lines\n/slash\n   ",
                           "one-line.min": "x=1;" * 300})
    root = make_repo(files)
    for tokenizer in ("o200k_base", "cl100k_base"):
        result = digest(str(root), tokenizer=tokenizer)
        counter = TokenCounter(tokenizer)
        assert result.summary.tokens == counter.count(result.render("text"))
        for document, content in result.contents():
            assert document.tokens == counter.count(content)


def test_byte_identical_reruns(make_repo: MakeRepo) -> None:
    root = make_repo(FILES)
    first = digest(str(root))
    for workers in (1, 4):
        again = digest(str(root), workers=workers)
        assert again.render("text") == first.render("text")
        assert again.render("json") == first.render("json")  # the counts too


def test_file_names_cannot_forge_headers(make_repo: MakeRepo) -> None:
    root = make_repo({"evil\n================================================\nFILE: x": "x\n"},
                     commit=False)
    text = digest(str(root)).render("text")
    assert 'FILE: "evil\\n=====' in text
    assert "\nFILE: x\n" not in text


HIDING = {"invoice\u202efdp.txt": "MZ not really\n",  # RLO: displays as "invoicetxt.pdf"
          "src/zero\u200bwidth.py": "x = 1\n", "lib\u2066/util\ufeff.py": "y = 2\n",
          "logo\u202egnp.png": b"\x89PNG\r\n\x1a\n\0\0", "README.md": "# Project\n"}
#: what each hiding path is shown as, in every format but JSON
SHOWN = {"invoice\u202efdp.txt": '"invoice\\u202efdp.txt"',
         "src/zero\u200bwidth.py": '"zero\\u200bwidth.py"',
         "lib\u2066/util\ufeff.py": '"util\\ufeff.py"', "logo\u202egnp.png": '"logo\\u202egnp.png"'}
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def test_names_that_hide_or_reorder_text_are_shown_escaped(make_repo: MakeRepo,
                                                           tmp_path: Path) -> None:
    """Trojan Source in file names: the tree, the file headers and the Skipped list of every
    format show the code points, the notes name each such path once, JSON keeps the names
    (written with JSON's own escapes)."""
    root = make_repo(HIDING)
    result = digest(str(root))
    assert {d.path for d in result.files} == set(HIDING) - {"logo\u202egnp.png"}
    for fmt in ("text", "markdown", "xml", "json"):
        rendered = result.render(fmt)
        assert not _INVISIBLE.search(rendered), (fmt, _INVISIBLE.findall(rendered))
        for shown in SHOWN.values() if fmt != "json" else ():
            assert shown in rendered, (fmt, shown)
    text = result.render("text")
    assert 'FILE: "invoice\\u202efdp.txt"\n' in text and 'FILE: "src/zero\\u200bwidth.py"' in text
    assert '"logo\\u202egnp.png" (' in text
    assert '├── "lib\\u2066"/' in result.tree or '└── "lib\\u2066"/' in result.tree
    data = json.loads(result.render("json"))
    assert {f["path"] for f in data["files"]} == set(HIDING) - {"logo\u202egnp.png"}
    assert [s["path"] for s in data["skipped"]] == ["logo\u202egnp.png"]
    warned = [note for note in result.notes if "escaped" in note]
    assert len(warned) == 1
    assert all(display(path) in warned[0] for path in HIDING if path != "README.md")
    out = CliRunner().invoke(cli, [str(root), "-o", str(tmp_path / "d.txt"), "--top", "9"])
    assert out.exit_code == 0 and not _INVISIBLE.search(out.stderr), out.stderr
    assert '"invoice\\u202efdp.txt"' in out.stderr


def test_odd_names_and_legacy_bytes_in_every_section_and_format(make_repo: MakeRepo,
                                                                 tmp_path: Path) -> None:
    """A name that is not UTF-8, a hiding name, a changed line and a commit subject in
    Latin-1: every format and section (Diff, History, --tree-only and --stats JSON) writes
    them escaped or as U+FFFD; these runs used to end in an internal error (exit 70)."""
    bad = os.fsdecode(b"bad\xff.py")
    root = make_repo({bad: "x = 1\n", "invoice\u202efdp.txt": "a\n", "latin.txt": b"caf\xe9\n"})
    write_files(root, {bad: "x = 2\n", "latin.txt": b"caf\xe9 au lait\n"})
    subprocess.run(["git", "commit", "-qam", b"caf\xe9 change"], cwd=root, check=True)
    runs = [[f, "--since", "HEAD~1"] for f in ("text", "markdown", "json", "xml")]
    runs += [["xml", "--log", "2"], ["json", "--log", "2"], ["json", "--tree-only"],
             ["json", "--stats"], ["text", "--stats"], ["text", "--tree-only"]]
    for fmt, *options in runs:
        out = CliRunner().invoke(cli, [str(root), "-f", fmt, *options, "-o", "-"])
        assert out.exit_code == 0, (fmt, options, out.stderr)
        assert not _INVISIBLE.search(out.stdout) and "\udcff" not in out.stdout
        if fmt == "json":
            json.loads(out.stdout)
        elif fmt == "xml":
            ElementTree.fromstring(out.stdout.encode())
        if "--since" in options:  # the changed line in the patch
            assert "caf\ufffd au lait" in out.stdout, (fmt, options)
        assert ("bad\ufffd.py" if fmt == "json" else '"bad\\xff.py"') in out.stdout, fmt


def test_json_contract(make_repo: MakeRepo) -> None:
    root = make_repo(dict(FILES, **{"logo.png": b"\x89PNG\r\n", "data.bin": b"\0\1\2"}))
    result = digest(str(root), format="json")
    data = json.loads(result.render())
    assert list(data) == ["version", "source", "tokenizer", "summary", "tree", "files", "skipped",
                          "secrets"]
    assert data["version"] == 1
    assert data["source"] == {"kind": "local", "location": str(root), "ref": None,
                              "commit": result.source.commit, "subpath": "", "host": None,
                              "repo": None}
    assert data["tokenizer"] == "o200k_base"
    assert data["summary"] == {"files": 6, "skipped": 2, "bytes": sum(
        len(v) for v in FILES.values()), "tokens": result.summary.tokens, "secrets": 0,
        "fingerprint": result.fingerprint}
    assert data["tree"] == result.tree
    first = data["files"][0]
    assert first == {"path": "README.md", "bytes": 10, "tokens": 3, "charset": "utf-8",
                     "view": "full", "content": "# Project\n"}
    assert data["skipped"] == [
        {"path": "data.bin", "reason": "binary",
         "detail": "NUL or control bytes, or no text encoding fits"},
        {"path": "logo.png", "reason": "ignored", "detail": "default:*.png"},
    ]
    assert data["secrets"] == []


def test_non_utf8_charset_is_recorded(make_repo: MakeRepo) -> None:
    root = make_repo({"latin.txt": ("Déjà vu, garçon, façade, élève. " * 10).encode("latin-1"),
                      "utf16.txt": "\ufeffhi".encode("utf-16-le")})
    files = {d.path: d for d in digest(str(root)).files}
    assert files["latin.txt"].charset not in ("utf-8", "ascii")
    assert files["utf16.txt"].charset == "utf-16-le"


def test_the_summary_counts_the_skips_the_skipped_section_lists(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "x = 1\n", "b.png": b"\x89PNG\r\n"})
    runner = CliRunner()
    first = runner.invoke(cli, [str(root), "-o", str(root / "digest.txt")])
    again = runner.invoke(cli, [str(root), "-o", str(root / "digest.txt")])
    assert first.exit_code == again.exit_code == 0
    # the second run finds its own output file: left out, but neither listed nor counted
    for result in (first, again):
        assert "Files:    1 included, 1 skipped (ignored 1)" in result.stderr
    text = (root / "digest.txt").read_text(encoding="utf-8")
    section = text.partition("\nSKIPPED")[2]
    assert "b.png" in section and "digest.txt" not in section
    rerun = digest(str(root), output=str(root / "digest.txt"))
    assert rerun.summary.skipped == 1
    assert any(s.path == "digest.txt" for s in rerun.skipped)  # JSON still names it


def test_a_link_target_cannot_break_a_skipped_line_in_any_format(make_repo: MakeRepo) -> None:
    """A symlink's target is the repository's to choose: bytes that are not UTF-8 ended the
    Markdown digest in an internal error (exit 70), and a newline in it wrote a line of its
    own into Markdown's Skipped list. Every format shows it escaped, on its link's line."""
    root = make_repo({"README.md": "# Project\n"}, commit=False)
    os.symlink(os.fsdecode(b"t\xff\n## Files\n- forged"), root / "link")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-qm", "link"], cwd=root, check=True)
    shown = {}
    for fmt in ("text", "markdown", "json", "xml"):
        out = CliRunner().invoke(cli, [str(root), "-f", fmt, "-o", "-"])
        assert out.exit_code == 0, (fmt, out.stderr)
        assert "\n## Files\n- forged" not in out.stdout and "\udcff" not in out.stdout, fmt
        shown[fmt] = out.stdout
    assert '- `link`: symlink ("-> t\\xff\\n## Files\\n- forged")\n' in shown["markdown"]


def test_commit_texts_cannot_drive_a_terminal_or_hide_in_the_history(make_repo: MakeRepo
                                                                      ) -> None:
    """A subject, author and mail address are the repository's to choose: escape sequences
    (clear the screen, set the title), a carriage return (overwrite the line) and a
    bidirectional override were written into the History section as they were. Text,
    Markdown and XML show them escaped, unquoted; JSON keeps them, as JSON escapes."""
    root = make_repo({"a.py": "x = 1\n"})
    subject = "fix \x1b[2J\x1b]0;owned\x07 bug\r ok \u202egnp.exe"
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", subject,
                    "--author", "Ev\u202eil <e\x1b[1m@x.invalid>"], cwd=root, check=True)
    result = digest(str(root), log=1, log_emails=True)
    for fmt in ("text", "markdown", "xml"):
        rendered = result.render(fmt)
        assert not re.search("[\x1b\x07\r\u202e]", rendered), fmt
        assert "fix \\x1b[2J\\x1b]0;owned\\x07 bug\\r ok \\u202egnp.exe" in rendered, fmt
        assert "Ev\\u202eil" in rendered and "e\\x1b[1m@x.invalid" in rendered, fmt
    commit = json.loads(result.render("json"))["history"]["commits"][0]
    assert (commit["subject"], commit["author"]) == (subject, "Ev\u202eil")
