"""End-to-end: the command line as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitdigest import digest
from gitdigest.cli import cli

from .conftest import MakeRepo, git


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    if cwd is None:
        result = runner.invoke(cli, list(args))
    else:
        old = Path.cwd()
        os.chdir(cwd)
        try:
            result = runner.invoke(cli, list(args))
        finally:
            os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def test_plain_gitdigest_digests_the_current_folder(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "print(1)\n", "node_modules/x.js": "x\n"})
    expected = digest(str(root), output=str(root / "digest.txt")).render("text")
    code, out, err = run(cwd=root)
    assert code == 0 and out == ""
    written = (root / "digest.txt").read_text(encoding="utf-8")
    assert written == expected
    assert "FILE: a.py" in written
    assert "Files:    1 included, 1 skipped (ignored 1)" in err
    assert "Output:   digest.txt" in err
    # a re-run into the same folder does not digest its own output
    code, _, _ = run(cwd=root)
    assert code == 0 and "FILE: digest.txt" not in (root / "digest.txt").read_text()


def test_summary_on_stderr(make_repo: MakeRepo) -> None:
    root = make_repo({"big.py": "x = 1\n" * 50, "small.py": "y\n", "img.png": b"\x89PNG"})
    code, out, err = run(str(root), "-o", "-")
    assert code == 0
    result = digest(str(root))
    assert out == result.render("text")
    assert f"Tokens:   {result.summary.tokens:,} (o200k_base, exact)" in err
    assert f"(git, commit {result.source.commit[:12]})" in err  # type: ignore[index]
    assert "Largest:  big.py (" in err
    assert "skipped (ignored 1)" in err
    # the count is the text format's: a JSON digest says so, for its markup adds to it
    code, _, err = run(str(root), "-o", "-", "-f", "json")
    assert code == 0
    assert (f"Tokens:   {result.summary.tokens:,} (o200k_base, exact for the text format; "
            "the json written is larger)") in err


def test_json_to_a_named_file(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"a.py": "a\n"})
    target = tmp_path / "out.json"
    code, _, _ = run(str(root), "-f", "json", "-o", str(target), "-q")
    assert code == 0
    assert json.loads(target.read_text())["files"][0]["path"] == "a.py"


def test_options_reach_the_library(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "a\n", "b.js": "b\n", "c.py": "c" * 3000, "lock/yarn.lock": "x\n"})
    code, out, _ = run(str(root), "-o", "-", "-q", "-i", "*.py", "-i", "*.lock", "-e", "c.py",
                       "-s", "1k", "--tokenizer", "cl100k_base", "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert [f["path"] for f in data["files"]] == ["a.py", "lock/yarn.lock"]
    assert data["tokenizer"] == "cl100k_base"


def test_single_file_source(make_repo: MakeRepo) -> None:
    root = make_repo({"tool.py": "print('hi')\n"})
    code, out, _ = run(str(root / "tool.py"), "-o", "-", "-q")
    assert code == 0
    assert out.startswith("Source: tool.py\nFiles: 1\n\nDirectory structure:\n└── tool.py\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["does-not-exist"], "gitdigest: error: no such file or folder: does-not-exist\n"),
        (["-s", "ten"], "gitdigest: error: Invalid value for '-s' / '--max-size': invalid size "
                        "'ten': use a number with an optional unit (500k, 2MB)\n"),
        (["--tokenizer", "gpt2"], None),
        (["--max-files", "0"], None),
        (["--no-such-option"], None),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str | None,
                                          tmp_path: Path) -> None:
    code, out, err = run(*args, cwd=tmp_path)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("gitdigest: error: ")
    if message is not None:
        assert err == message


def test_unknown_ref_exit_2(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "a\n"})
    code, _, err = run(str(root), "--ref", "mian", "-o", "-")
    assert code == 2
    assert err == f"gitdigest: error: unknown ref 'mian' in {root}; did you mean main?\n"


def test_version_and_help() -> None:
    from gitdigest import __version__
    from gitdigest.sources import sandbox

    assert run("--version")[:2] == (0, f"gitdigest {__version__}\n"
                                       f"{sandbox.status().describe()}\n")
    code, out, _ = run("--help")
    assert code == 0 and "--max-size" in out


def test_unwritable_output_is_one_line(make_repo: MakeRepo) -> None:
    root = make_repo({"a.py": "a\n"})
    code, _, err = run(str(root), "-o", str(root / "missing-dir" / "out.txt"))
    assert code == 2
    assert err.startswith("gitdigest: error: cannot write") and err.count("\n") == 1


@pytest.mark.slow
def test_debug_adds_a_traceback_and_keeps_the_exit_code(tmp_path: Path) -> None:
    plain = subprocess.run([sys.executable, "-m", "gitdigest", "nope"], cwd=tmp_path,
                           capture_output=True, text=True)
    debug = subprocess.run([sys.executable, "-m", "gitdigest", "nope", "--debug"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert plain.returncode == debug.returncode == 2
    assert "Traceback" not in plain.stderr and "Traceback" in debug.stderr
    assert debug.stderr.endswith(plain.stderr)  # the same one line, after the traceback


@pytest.mark.slow
def test_python_m_and_broken_pipe(make_repo: MakeRepo) -> None:
    root = make_repo({f"f{i}.txt": "line\n" * 2000 for i in range(30)})
    producer = subprocess.Popen([sys.executable, "-m", "gitdigest", str(root), "-o", "-", "-q"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert producer.stdout is not None and producer.stderr is not None
    producer.stdout.readline()
    producer.stdout.close()  # like `| head -1`
    err = producer.stderr.read().decode()
    producer.stderr.close()
    assert producer.wait() == 0
    assert err == ""


@pytest.mark.slow
def test_ctrl_c_is_one_line_exit_130_and_leaves_nothing(make_repo: MakeRepo,
                                                        tmp_path: Path) -> None:
    import signal
    import time

    line = "def handler(event, context):\n    return {'status': event['id'] * 2}\n"
    root = make_repo({f"src/m{i:02}.py": line * 6000 for i in range(48)}, commit=False)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "out.txt"
    # A shell's background job (`pytest &`) starts with Ctrl-C ignored, and a child inherits
    # that: gitdigest then rightly ignores it and exits 0. Give the child Ctrl-C back.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen([sys.executable, "-m", "gitdigest", str(root), "-o",
                                    str(target), "--no-cache", "--workers", "2"],
                                   stderr=subprocess.PIPE, start_new_session=True)
    finally:
        signal.signal(signal.SIGINT, previous)
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")

    def workers() -> int:  # forked counting workers (git children are named "git")
        names = []
        for pid in children.read_text().split():
            try:
                names.append(Path(f"/proc/{pid}/comm").read_text().strip())
            except OSError:
                continue
        return sum(1 for name in names if name.startswith("python"))

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and workers() < 2:
        time.sleep(0.01)  # wait until the counting workers run, then press Ctrl-C
    os.killpg(process.pid, signal.SIGINT)  # as a terminal does: the whole process group
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err.decode() == "gitdigest: error: interrupted\n"
    assert list(out_dir.iterdir()) == []  # no digest, no temporary file


@pytest.mark.slow
@pytest.mark.extra
def test_python_m_runs_no_module_of_the_repository_it_digests(make_repo: MakeRepo) -> None:
    # a hostile repository names its files after modules gitdigest imports: `python -m` puts
    # the working folder first on sys.path, so they ran before the folder was taken off
    hostile = "import pathlib\npathlib.Path('PWNED').write_text('ran')\nraise SystemExit(99)\n"
    root = make_repo({f"{name}.py": hostile for name in
                      ("json", "typing", "subprocess", "logging", "dataclasses", "click")}
                     | {"README.md": "# app\n"})
    done = subprocess.run([sys.executable, "-m", "gitdigest", ".", "--no-cache", "-o", "-",
                           "-q"], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not (root / "PWNED").exists()
    assert "FILE: json.py" in done.stdout


def test_python_m_in_a_checkout_of_a_dependency_imports_the_installed_one(
        make_repo: MakeRepo) -> None:
    # `python -m` puts the working folder first on sys.path: in a numpy checkout a budgeted
    # run's ranking imported scipy, scipy imported the checkout's numpy/, and the run failed
    root = make_repo({"numpy/__init__.py": "raise ImportError('the checkout, not numpy')\n",
                      "src/app.py": "".join(f"def f{i}(x):\n    return x + {i}\n\n"
                                            for i in range(40)),
                      "README.md": "# app\n"})
    done = subprocess.run([sys.executable, "-m", "gitdigest", ".", "--map", "--no-cache",
                           "-o", "-", "-q"], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "FILE: src/app.py (map)" in done.stdout


DEEP = "d/" * 1000 + "f.py"  # 2 KB: git checks it out, and Python's stack is 1,000 frames


@pytest.mark.parametrize("options", [
    [], ["--ref", "HEAD"], ["--no-gitignore", "--no-default-ignores"], ["--focus", DEEP],
    ["-f", "json"], ["--tree-only", "-f", "json"], ["--max-tokens", "4000"],
], ids=["plain", "ref", "no-ignores", "focus", "json", "tree-only-json", "budget"])
def test_a_file_a_thousand_folders_deep_is_digested(make_repo: MakeRepo, tmp_path: Path,
                                                   options: list[str]) -> None:
    root = make_repo({"README.md": "# r\n"}, commit=False)
    # mkdir -p: pathlib's and os.makedirs's own recursion cannot make this path either
    subprocess.run(["mkdir", "-p", DEEP.rpartition("/")[0]], cwd=root, check=True)
    (root / DEEP).write_text("x = 1\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "deep")
    out = tmp_path / "out"
    try:
        code, _, err = run(".", "-o", str(out), "-q", *options, cwd=root)
    finally:  # pytest's clean-up recurses too (shutil.rmtree before Python 3.13)
        subprocess.run(["rm", "-rf", "d"], cwd=root, check=True)
    assert code == 0, err
    written = out.read_text(encoding="utf-8")
    if "--max-tokens" not in options:  # the tree alone is over 4,000 tokens
        assert ('"name": "f.py"' if "--tree-only" in options else DEEP) in written
