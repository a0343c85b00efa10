"""Wall time of a batch of remote repositories served from a loopback git server: a serial
shell loop of `gitdigest URL`, `gitdigest batch` on the local pool, and on a Dask LocalCluster.

    python benchmarks/batch.py [--source /work/corpora/flask] [--count 20] [--jobs 2] [--runs 1]

The repositories are shallow clones of SOURCE at its newest tags (one commit each), served by
`git http-backend` (tests/gitserver.py) on 127.0.0.1. Every mode starts with empty clone and
token caches, so none profits from another's work. The secret scanner's compiled rules (a
one-time ~5 s compile per machine, not per batch) are warmed once and shared by every mode.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.gitserver import GitHTTPServer  # noqa: E402

GITDIGEST = str(Path(sys.executable).with_name("gitdigest"))


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def make_repos(source: Path, count: int, served: Path) -> list[str]:
    """``count`` bare repositories, each one commit of ``source`` (its newest tags)."""
    tags = _git("-C", str(source), "tag", "--sort=-creatordate").splitlines()[:count]
    names = []
    for index, tag in enumerate(tags):
        name = f"bench/repo{index:02d}"
        target = served / name
        _git("clone", "-q", "--bare", "--depth", "1", "--branch", tag,
             f"file://{source}", str(target))
        _git("-C", str(target), "update-ref", "refs/heads/main", "HEAD")
        _git("-C", str(target), "symbolic-ref", "HEAD", "refs/heads/main")
        for key, value in (("uploadpack.allowFilter", "true"),
                           ("uploadpack.allowAnySHA1InWant", "true")):
            _git("-C", str(target), "config", key, value)
        names.append(name)
    return names


def timed(command: list[str] | str, env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=False, shell=isinstance(command, str),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", type=Path, default=Path("/work/corpora/flask"))
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gitdigest-batch-bench-"))
    try:
        served = work / "served"
        names = make_repos(args.source.resolve(), args.count, served)
        with GitHTTPServer(served, "unused") as http:
            urls = [f"{http.url}/{name}" for name in names]
            (work / "list.txt").write_text("\n".join(urls) + "\n")
            loop = " ; ".join(f"{GITDIGEST} {url} -q -o serial/{i:02d}.txt"
                              for i, url in enumerate(urls))
            modes = {
                "serial shell loop": loop,
                "batch, local pool": [GITDIGEST, "batch", "list.txt", "-O", "local", "-q",
                                      "-j", str(args.jobs)],
                "batch, Dask LocalCluster": [GITDIGEST, "batch", "list.txt", "-O", "dask",
                                             "-q", "--engine", "dask", "-j", str(args.jobs)],
                "batch re-run (all unchanged)": [GITDIGEST, "batch", "list.txt", "-O",
                                                 "dask", "-q", "-j", str(args.jobs)],
            }
            rules = str(work / "kingfisher-rules")
            warm = dict(os.environ, XDG_CACHE_HOME=str(work / "warm"), KF_RULE_CACHE_DIR=rules)
            timed([GITDIGEST, urls[0], "-q", "-o", "warm.txt"], warm, work)
            times: dict[str, list[float]] = {mode: [] for mode in modes}
            for _ in range(args.runs):
                for mode, command in modes.items():
                    if "re-run" not in mode:
                        for folder in ("serial", "local", "dask", "cache"):
                            shutil.rmtree(work / folder, ignore_errors=True)
                        (work / "serial").mkdir()
                    env = dict(os.environ, XDG_CACHE_HOME=str(work / "cache"),
                               KF_RULE_CACHE_DIR=rules)
                    times[mode].append(timed(command, env, work))
                    print(f"{mode}: {times[mode][-1]:.1f} s", file=sys.stderr)
        print(f"{args.count} repositories ({args.source.name} tags), {args.jobs} jobs, "
              f"{os.cpu_count()} cores")
        print("| mode | wall time (median of runs) |\n|---|---|")
        for mode, values in times.items():
            print(f"| {mode} | {statistics.median(values):.1f} s |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
