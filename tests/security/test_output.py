"""``-o`` never destroys what it points at: files are replaced atomically, devices, FIFOs and
sockets are written in place, links are followed, folders and bad names are one-line errors."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gitdigest.core.errors import OutputError
from gitdigest.output.sink import open_sink

from ..conftest import MakeRepo

TEXT = "héllo digest\n" * 20_000  # bigger than a pipe buffer, so a FIFO writer must block


def write(target: Path | str, text: str = TEXT) -> None:
    """What the CLI does: write the digest through the sink."""
    with open_sink(str(target)) as out:
        out.write(text)


def leftovers(folder: Path) -> list[str]:
    """Temporary files left in ``folder``."""
    return [name for name in os.listdir(folder) if name.endswith(".tmp")]


def reading(read: Callable[[], bytes]) -> tuple[threading.Thread, list[bytes]]:
    """Start ``read`` in a thread; its result lands in the returned list."""
    got: list[bytes] = []
    thread = threading.Thread(target=lambda: got.append(read()), daemon=True)
    thread.start()
    return thread, got


def read_fifo(path: Path) -> Callable[[], bytes]:
    """A reader that opens the FIFO (unblocking the writer) and reads it to the end."""
    def read() -> bytes:
        with open(path, "rb") as fifo:
            return fifo.read()
    return read


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A folder with a short path: unix socket paths are limited to about 100 bytes."""
    folder = Path(tempfile.mkdtemp(prefix="gd", dir="/tmp"))
    yield folder
    shutil.rmtree(folder)


@pytest.fixture
def listener(short_dir: Path) -> Iterator[tuple[Path, Callable[[], bytes]]]:
    """A listening unix stream socket and a function that accepts once and reads to EOF."""
    path = short_dir / "sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    server.settimeout(10)

    def accept() -> bytes:
        connection, _ = server.accept()
        with connection:
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
            return b"".join(chunks)

    with server:
        yield path, accept


# -- regular files -------------------------------------------------------------------------


def test_regular_file_is_replaced_atomically(tmp_path: Path) -> None:
    target = tmp_path / "digest.txt"
    target.write_text("old\n")
    before = target.stat().st_ino
    with open(target, encoding="utf-8") as holder:
        write(target)
        assert holder.read() == "old\n"  # a reader of the old file is not disturbed
    assert target.stat().st_ino != before
    assert target.read_text(encoding="utf-8") == TEXT
    assert leftovers(tmp_path) == []


def test_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "digest.txt"
    target.write_text("old\n")
    target.chmod(0o640)
    write(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write(tmp_path / "digest.txt")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "digest.txt").stat().st_mode) == 0o640


def test_read_only_file_is_treated_as_the_shell_treats_it(tmp_path: Path) -> None:
    target = tmp_path / "digest.txt"
    target.write_text("old\n")
    target.chmod(0o444)
    if os.geteuid() == 0:  # root may write it, as `>` may; the file stays read-only
        write(target)
        assert target.read_text() != "old\n"
        assert stat.S_IMODE(target.stat().st_mode) == 0o444
        return
    with pytest.raises(OutputError, match="read-only"):
        write(target)
    assert target.read_text() == "old\n"


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_failure_mid_write_keeps_the_original(tmp_path: Path,
                                              error: type[BaseException]) -> None:
    target = tmp_path / "digest.txt"
    target.write_text("old\n")
    with pytest.raises(error), open_sink(str(target)) as out:
        out.write(TEXT)
        raise error()
    assert target.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_interrupt_before_a_new_file_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), open_sink(str(tmp_path / "new.txt")) as out:
        out.write(TEXT)
        raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []


# -- devices, FIFOs, sockets ---------------------------------------------------------------


def test_dev_null_is_written_in_place() -> None:
    before = os.stat(os.devnull)
    write(os.devnull)
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_write_failure_is_one_line_output_error() -> None:
    with pytest.raises(OutputError, match=r"^cannot write the digest to /dev/full: No space"):
        write("/dev/full")


def test_fifo_reader_receives_the_whole_digest(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    thread, got = reading(read_fifo(fifo))
    write(fifo)
    thread.join(10)
    assert got == [TEXT.encode()]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_unix_socket_listener_receives_the_whole_digest(
        listener: tuple[Path, Callable[[], bytes]]) -> None:
    path, accept = listener
    thread, got = reading(accept)
    write(path)
    thread.join(10)
    assert got == [TEXT.encode()]
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_socket_without_listener_is_an_error(short_dir: Path) -> None:
    path = short_dir / "sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as bound:
        bound.bind(str(path))
        with pytest.raises(OutputError, match="nothing is listening"):
            write(path)
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_block_device_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pretend a scratch file is a disk: the test must never risk writing to a real one.
    target = tmp_path / "disk"
    target.write_text("old\n")
    real = os.stat
    fake = os.stat_result((stat.S_IFBLK | 0o660, *real(target)[1:]))
    monkeypatch.setattr(os, "stat", lambda path, **kw: fake if path == str(target)
                        else real(path, **kw))
    with pytest.raises(OutputError, match="block device"):
        write(target)
    assert target.read_text() == "old\n"


# -- symbolic links ------------------------------------------------------------------------


def test_symlink_to_file_updates_the_target(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "digest.txt"
    target.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to("real/digest.txt")
    write(link)
    assert link.is_symlink()
    assert os.readlink(link) == "real/digest.txt"
    assert target.read_text(encoding="utf-8") == TEXT
    assert leftovers(tmp_path) == leftovers(tmp_path / "real") == []


def test_symlink_to_fifo_writes_the_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(fifo)
    thread, got = reading(read_fifo(fifo))
    write(link)
    thread.join(10)
    assert got == [TEXT.encode()]
    assert link.is_symlink()


def test_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.txt"
    link.symlink_to("made.txt")
    write(link)
    assert link.is_symlink()
    assert (tmp_path / "made.txt").read_text(encoding="utf-8") == TEXT


def test_dangling_symlink_into_missing_folder_is_an_error(tmp_path: Path) -> None:
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "gone" / "made.txt")
    with pytest.raises(OutputError, match=r"folder .*gone does not exist"):
        write(link)
    assert not (tmp_path / "gone").exists()


def test_symlink_loop_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(OutputError, match="symbolic links"):
        write(tmp_path / "a")


def test_symlink_to_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to(tmp_path)
    with pytest.raises(OutputError, match="it is a folder"):
        write(tmp_path / "link")


# -- names that cannot be a file -----------------------------------------------------------


def test_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as caught:
        write(tmp_path)
    assert str(caught.value) == (f"cannot write the digest to {tmp_path}: "
                                 "it is a folder; name a file")
    assert os.listdir(tmp_path) == []


def test_dot_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match=r"to \.: it is a folder"):
        write(".")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("exists", [True, False])
def test_trailing_slash_is_an_error(tmp_path: Path, exists: bool) -> None:
    target = tmp_path / "digest.txt"
    if exists:
        target.write_text("old\n")
    with pytest.raises(OutputError, match="ending in a slash"):
        write(f"{target}{os.sep}")
    assert os.listdir(tmp_path) == (["digest.txt"] if exists else [])
    if exists:
        assert target.read_text() == "old\n"


def test_missing_parent_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=f"folder {tmp_path / 'nope'} does not exist"):
        write(tmp_path / "nope" / "digest.txt")


def test_parent_that_is_a_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is not a folder"):
        write(tmp_path / "file" / "digest.txt")


def test_empty_name_is_an_error() -> None:
    with pytest.raises(OutputError, match="empty"):
        write("")


# -- through the command line --------------------------------------------------------------


def run(repo: Path, target: str) -> subprocess.CompletedProcess[str]:
    """``gitdigest REPO -o TARGET -q`` as a user runs it."""
    return subprocess.run([sys.executable, "-m", "gitdigest", str(repo), "-o", target, "-q"],
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def repo(make_repo: MakeRepo) -> Path:
    """A one-file repository."""
    return make_repo({"hello.py": "print('hi')\n"})


def assert_one_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2 and exactly one ``gitdigest: error:`` line mentioning ``words``."""
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("gitdigest: error: cannot write the digest to ")
    for word in words:
        assert word in lines[0]


def test_cli_folder_is_one_error_line(repo: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    assert_one_error(run(repo, str(folder)), str(folder), "folder")
    assert os.listdir(folder) == []


def test_cli_trailing_slash_is_one_error_line(repo: Path, tmp_path: Path) -> None:
    target = f"{tmp_path / 'digest.txt'}/"
    assert_one_error(run(repo, target), target, "slash")
    assert not (tmp_path / "digest.txt").exists()


def test_cli_missing_parent_is_one_error_line(repo: Path, tmp_path: Path) -> None:
    assert_one_error(run(repo, str(tmp_path / "nope" / "d.txt")), str(tmp_path / "nope"))


def test_cli_dev_null(repo: Path) -> None:
    result = run(repo, os.devnull)
    assert (result.returncode, result.stderr) == (0, "")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_cli_fifo(repo: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    thread, got = reading(read_fifo(fifo))
    result = run(repo, str(fifo))
    thread.join(10)
    assert (result.returncode, result.stderr) == (0, "")
    assert b"print('hi')" in got[0]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_cli_symlink(repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "digest.txt"
    target.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    result = run(repo, str(link))
    assert (result.returncode, result.stderr) == (0, "")
    assert link.is_symlink()
    assert "print('hi')" in target.read_text(encoding="utf-8")


def test_dev_stdout_appends_to_the_file_behind_it(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("old line\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.txt").write_text("a\n")
    with log.open("a") as append:  # as `gitdigest -o /dev/stdout >> app.log`
        result = subprocess.run([sys.executable, "-m", "gitdigest", str(repo), "-q", "-o",
                                 "/dev/stdout"], stdout=append, stderr=subprocess.PIPE,
                                text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    text = log.read_text()
    assert text.startswith("old line\nSource: repo\n") and "FILE: a.txt" in text


def test_an_empty_output_name_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a\n")
    result = subprocess.run([sys.executable, "-m", "gitdigest", ".", "-o", ""], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stderr.startswith("gitdigest: error: ")
    assert not (tmp_path / "digest.txt").exists()
