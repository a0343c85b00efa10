"""The remote row: a repository served over https from loopback, like GitHub serves it.

A bare repository holding the corpus's HEAD commit is served by ``git http-backend`` (the test
suite's server, tests/gitserver.py) behind TLS with a throw-away self-signed certificate that
git is told to trust (``GIT_SSL_CAINFO``); the repository allows what GitHub allows
(``uploadpack.allowFilter``, ``uploadpack.allowAnySHA1InWant``). Measured, alternating:
``git clone --depth 1`` alone, gitdigest on the URL with a fresh cache (cold) and again with
that cache (warm), gitdigest on the local working tree, cold and warm, and gitingest on the URL
(when it is installed). gitingest insists on https and a host name that looks like a git host,
so the certificate also names ``git.loopback.test`` and gitingest runs through
benchmarks/gitingest_loopback.py, which resolves that name to 127.0.0.1 for it and for its git;
its output is checked after every run (a gitingest that failed fast would flatter us).

The subfolder crossover digests ``URL/tree/main/PATH`` with a fresh cache two ways, forced with
``GITDIGEST_FETCH`` (read only by gitdigest/sources/remote.py): blobless + sparse (the
default for a subfolder) and one shallow pack of the whole repository.

The server answers each request after git http-backend has finished (it does not stream), so
the clone rows include that wait for every tool alike. With ``--remote-rate`` it sends each
answer at that many MB/s, a slower link than loopback, where a fetch costs the CPU the
counting also needs.

gitdigest's first fetch of a whole repository comes in two parts (blobs up to 64 KiB, then the
larger ones, downloading while the first are counted); the "one pack" row forces a single
shallow pack (``GITDIGEST_FETCH=pack``) for comparison, and the two digests must be the same.
"""

from __future__ import annotations

import re
import shutil
import ssl
import subprocess
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.gitserver import GitHTTPServer


def serve_copy(repo: Path, scratch: Path) -> Path:
    """A bare repository under ``scratch/served/owner/<name>`` with ``repo``'s HEAD commit."""
    root = scratch / "served"
    target = root / "owner" / repo.name
    if not target.exists():
        target.mkdir(parents=True)
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(target)], check=True)
        subprocess.run(["git", "fetch", "-q", "--depth=1", f"file://{repo}",
                        "HEAD:refs/heads/main"], cwd=target, check=True)
        for key in ("uploadpack.allowFilter", "uploadpack.allowAnySHA1InWant"):
            subprocess.run(["git", "config", key, "true"], cwd=target, check=True)
    return root


#: the name gitingest is given for the loopback server: it accepts hosts that start with "git."
GIT_HOST = "git.loopback.test"


def certificate(scratch: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and :data:`GIT_HOST`, and its key."""
    # a new file name: certificates left by earlier runs lack the GIT_HOST name
    cert, key = scratch / "loopback-git-host.crt", scratch / "loopback-git-host.key"
    if not cert.exists():
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext",
                        f"subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:{GIT_HOST}",
                        "-keyout", str(key), "-out", str(cert)], check=True,
                       capture_output=True)
    return cert, key


class HTTPSGitServer(GitHTTPServer):
    """The test suite's git server behind TLS."""

    def __init__(self, root: Path, cert: Path, key: Path) -> None:
        super().__init__(root, token="unused")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.port}"
        # gitingest checks a repository exists with a HEAD request on its URL; GitHub answers
        # 200 (the repository's page) or 404, and so does this server
        served = root

        def do_head(handler: BaseHTTPRequestHandler) -> None:
            path = handler.path.partition("?")[0].strip("/")
            found = bool(path) and ".." not in path and (served / path).is_dir()
            handler.send_response(200 if found else 404)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        self._httpd.RequestHandlerClass.do_HEAD = do_head  # type: ignore[attr-defined]


def commands(url: str, repo: Path, scratch: Path) -> dict[str, list[str]]:
    """Command lines by row name (complete: no corpus appended)."""
    python = sys.executable
    clone = scratch / "shallow-clone"
    out = scratch / "remote-out"
    out.mkdir(parents=True, exist_ok=True)
    return {
        "git clone --depth 1 (alone)": ["sh", "-c", f"rm -rf {clone} && git clone -q --depth 1 "
                                        f"{url} {clone}"],
        "gitdigest remote (fresh cache)": [python, "-m", "gitdigest", "-q", url,
                                           "-o", str(out / "cold.txt")],
        # the same run fetching one shallow pack: the first part of a split fetch is counted
        # while the larger blobs download, this way all is counted after the download
        "gitdigest remote (fresh cache, one pack)": ["env", "GITDIGEST_FETCH=pack", python, "-m",
                                                     "gitdigest", "-q", url,
                                                     "-o", str(out / "cold-pack.txt")],
        "gitdigest remote (warm cache)": [python, "-m", "gitdigest", "-q", url,
                                          "-o", str(out / "warm.txt")],
        "gitdigest local (fresh cache)": [python, "-m", "gitdigest", "-q", str(repo),
                                          "-o", str(out / "local-cold.txt")],
        "gitdigest local (warm cache)": [python, "-m", "gitdigest", "-q", str(repo),
                                         "-o", str(out / "local-warm.txt")],
    }


def gitingest_command(gitingest: str, port: int, name: str, cert: Path, scratch: Path
                      ) -> list[str]:
    """gitingest on the served repository under :data:`GIT_HOST`, run by its own interpreter
    (the one its script names) through benchmarks/gitingest_loopback.py."""
    first = Path(gitingest).read_bytes()[:512].split(b"\n", 1)[0]
    if not first.startswith(b"#!"):
        raise SystemExit(f"{gitingest} is not a Python script; pass its virtualenv's script")
    interpreter = first[2:].decode().strip().split()
    out = scratch / "remote-out"
    return [*interpreter, str(Path(__file__).with_name("gitingest_loopback.py")),
            "--resolve", f"{GIT_HOST}:{port}:127.0.0.1", "--cafile", str(cert),
            "--summary", str(out / "gitingest-summary.txt"), "--",
            f"https://{GIT_HOST}:{port}/owner/{name}", "-o", str(out / "gitingest.txt")]


def check_same_remote_digest(scratch: Path) -> None:
    """Fail loudly unless the split fetch and the one pack gave the same digest."""
    out = scratch / "remote-out"
    if (out / "cold.txt").read_bytes() != (out / "cold-pack.txt").read_bytes():
        raise SystemExit("the split fetch and the one pack gave different digests")


def check_gitingest(repo: Path, scratch: Path) -> None:
    """Fail loudly unless gitingest's last run digested the repository: its output file holds
    (nearly) every file of the commit and its summary printed a token estimate."""
    out = scratch / "remote-out"
    if not (out / "gitingest.txt").exists() or not (out / "gitingest-summary.txt").exists():
        raise SystemExit(f"gitingest exited 0 on {repo.name} but wrote no digest or summary")
    digest = (out / "gitingest.txt").read_text("utf-8", "replace")
    summary = (out / "gitingest-summary.txt").read_text("utf-8", "replace")
    listed = subprocess.run(["git", "ls-tree", "-r", "--name-only", "HEAD"], cwd=repo,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    shown = set(re.findall(r"^FILE: (.+)$", digest, flags=re.MULTILINE))
    estimate = re.search(r"Estimated tokens: (\S+)", summary)
    # gitingest leaves out some files (symlinks, over 10 MB, its own default ignores), so
    # "nearly": a fast failure or an empty clone shows none
    if len(shown) < 0.8 * len(listed) or not estimate:
        raise SystemExit(f"gitingest did not digest {repo.name}: {len(shown)} of {len(listed)} "
                         f"files in its output, token estimate "
                         f"{estimate.group(1) if estimate else 'missing'}; its summary: "
                         f"{summary.strip()[:300]!r}")
    print(f"  gitingest checked: {len(shown)} of {len(listed)} files, "
          f"{estimate.group(1)} tokens estimated", file=sys.stderr)
    # moved aside, so a later run that writes nothing cannot pass on this run's files
    for name in ("gitingest.txt", "gitingest-summary.txt"):
        (out / name).replace(out / name.replace("gitingest", "gitingest-checked"))


def subfolder_commands(url: str, subfolders: list[str], scratch: Path) -> dict[str, list[str]]:
    """gitdigest on ``URL/tree/main/PATH`` with a fresh cache, each fetch forced both ways."""
    out = scratch / "remote-out"
    rows: dict[str, list[str]] = {}
    for path in subfolders:
        for way in ("blobless", "pack"):
            target = out / f"sub-{way}-{path.replace('/', '_')}.txt"
            rows[f"{path}: {way} (fresh cache)"] = [
                "env", f"GITDIGEST_FETCH={way}", sys.executable, "-m", "gitdigest", "-q",
                f"{url}/tree/main/{path}", "-o", str(target)]
    return rows


def check_fetch(name: str, scratch: Path) -> None:
    """Fail loudly unless a subfolder row fetched the way its name says: a blobless fetch
    leaves a promisor remote in the clone cache, one shallow pack does not."""
    if ": " not in name:
        return
    way = name.rsplit(": ", 1)[1].split()[0]
    configs = list((scratch / "fresh-cache").glob("gitdigest/repos/*/.git/config"))
    promisor = any("promisor = true" in c.read_text() for c in configs)
    if not configs or promisor != (way == "blobless"):
        raise SystemExit(f"{name}: GITDIGEST_FETCH={way} was not honoured "
                         f"(clone caches {len(configs)}, promisor {promisor})")


def check_same_digest(path: str, scratch: Path) -> None:
    """Fail loudly unless both fetches of ``path`` gave the same digest (the last runs')."""
    digests = {(scratch / "remote-out" / f"sub-{way}-{path.replace('/', '_')}.txt").read_bytes()
               for way in ("blobless", "pack")}
    if len(digests) != 1:
        raise SystemExit(f"{path}: the blobless and the pack fetch gave different digests")


def subfolder_size(repo: Path, path: str) -> tuple[int, int]:
    """Files and bytes under ``path`` in ``repo``'s HEAD commit."""
    listed = subprocess.run(["git", "ls-tree", "-r", "-l", "HEAD", "--", path], cwd=repo,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    sizes = [line.split()[3] for line in listed]
    return len(sizes), sum(int(size) for size in sizes if size.isdigit())


def cleanup(scratch: Path) -> None:
    """Remove what the rows left behind."""
    shutil.rmtree(scratch / "shallow-clone", ignore_errors=True)
