"""Speed and memory of gitdigest against gitingest, repomix and a read + count floor.

    python benchmarks/run.py REPO [REPO ...] [--runs 3] [--generated] [--gitingest PATH]
                             [--remote REPO [--remote-subfolder PATH[,PATH...]]]

Each corpus is digested by every tool in turn, round after round (alternating, so drift on a
shared machine hits all tools alike), and the table shows medians with ratios from the same run.
Memory is sampled from /proc every 20 ms over the whole process tree: the peak RSS of the
largest process, and the peak of the summed PSS (proportional set size, which counts pages that
forked workers share once). Nothing here touches the network, except `npx` fetching repomix
from the npm registry on its first use.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

FLOOR = r"""
import multiprocessing, os, subprocess, sys
from gitdigest.count.tokens import get_core
core = get_core("o200k_base")
def count(path):
    if not os.path.isfile(path) or os.path.islink(path):
        return 0
    with open(path, "rb") as handle:
        text = handle.read().decode("utf-8", "replace")
    return len(memoryview(core.encode_to_tiktoken_buffer(text, set()))) // 4
root = sys.argv[1]
listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                        cwd=root, capture_output=True).stdout
paths = [root + "/" + p.decode() for p in listed.split(b"\0") if p] or [
    os.path.join(folder, name) for folder, _, names in os.walk(root) for name in names]
with multiprocessing.get_context("fork").Pool(2) as pool:
    print(sum(pool.imap(count, paths, chunksize=8)))
"""


@dataclass
class Sample:
    """One measured run."""

    wall: float
    cpu: float
    rss: int
    pss: int


@dataclass
class Result:
    """Every run of one tool on one corpus."""

    samples: list[Sample] = field(default_factory=list)

    def median(self, name: str) -> float:
        return statistics.median(getattr(s, name) for s in self.samples)


def _tree(pid: int) -> list[int]:
    found = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in children:
        found += _tree(int(child))
    return found


def _memory(pid: int) -> tuple[int, int]:
    rss_max = pss_sum = 0
    for member in _tree(pid):
        try:
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss_max = max(rss_max, int(line.split()[1]))
                elif line.startswith("Pss:"):
                    pss_sum += int(line.split()[1])
        except OSError:
            continue
    return rss_max, pss_sum


def measure(command: list[str], env: dict[str, str], cwd: Path) -> Sample:
    """Run ``command`` once; wall and CPU time, peak memory of its process tree."""
    before = os.times()
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss, pss = _memory(process.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    after = os.times()
    if code != 0:
        raise RuntimeError(f"{command[0]} exited {code}")
    cpu = (after.children_user - before.children_user) + (after.children_system
                                                          - before.children_system)
    return Sample(wall, cpu, peak[0] * 1024, peak[1] * 1024)


def generate(scratch: Path) -> list[Path]:
    """The generated corpora: 100,000 small files, and a tree with one 50 MB text file."""
    many = scratch / "many-small-files"
    if not many.exists():
        for index in range(100_000):
            folder = many / f"pkg{index // 1000:03d}" / f"mod{index // 100 % 10}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"file{index:06d}.py").write_text(
                f"def function_{index}(value):\n    return value * {index} + 1\n")
        subprocess.run(["git", "init", "-q"], cwd=many, check=True)
        subprocess.run(["git", "add", "-A"], cwd=many, check=True)
        subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid",
                        "commit", "-q", "-m", "generated"], cwd=many, check=True)
    big = scratch / "one-50mb-file"
    if not big.exists():
        big.mkdir()
        line = "The quick brown fox jumps over the lazy dog while counting tokens; 0123456789.\n"
        with (big / "huge.txt").open("w") as handle:  # not .log: other tools skip logs
            for number in range(50 * 1024 * 1024 // len(line)):
                handle.write(f"{number:08d} {line}")
        (big / "README.md").write_text("# a tree with one very large text file\n")
    return [many, big]


def tiktoken_cache(scratch: Path) -> Path:
    """A TIKTOKEN_CACHE_DIR holding the verified o200k_base file under the name tiktoken looks
    for, so gitingest counts tokens as it would online (offline it silently skips counting,
    which would flatter it)."""
    import gzip
    import hashlib

    from gitdigest.count.tokens import data_path

    folder = scratch / "tiktoken-cache"
    folder.mkdir(parents=True, exist_ok=True)
    url = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
    target = folder / hashlib.sha1(url.encode()).hexdigest()
    if not target.exists():
        target.write_bytes(gzip.decompress(data_path("o200k_base").read_bytes()))
    return folder


def tools(args: argparse.Namespace, out: Path) -> dict[str, list[str]]:
    """Command lines by tool name; the corpus path is appended per run."""
    python = sys.executable
    found: dict[str, list[str]] = {
        "gitdigest (cold)": [python, "-m", "gitdigest", "-q", "--no-cache", "--max-size", "64MB",
                             "-o", str(out / "gitdigest.txt")],
        # cold as a first run is cold: an empty token cache that the run fills
        "gitdigest (fresh cache)": [python, "-m", "gitdigest", "-q", "--max-size", "64MB",
                                    "-o", str(out / "gitdigest-fresh.txt")],
        # a new machine (a fresh CI runner): no token cache and no compiled secret rules
        "gitdigest (first run)": [python, "-m", "gitdigest", "-q", "--max-size", "64MB",
                                  "-o", str(out / "gitdigest-first.txt")],
        "gitdigest (warm cache)": [python, "-m", "gitdigest", "-q", "--max-size", "64MB",
                                   "-o", str(out / "gitdigest-warm.txt")],
        # a budget: outlines, views and ranks on top (cold: none cached; warm: all cached)
        "gitdigest (cold, --max-tokens 50000)": [python, "-m", "gitdigest", "-q", "--no-cache",
                                                 "--max-size", "64MB", "--max-tokens", "50000",
                                                 "-o", str(out / "gitdigest-budget-cold.txt")],
        "gitdigest (warm cache, --max-tokens 50000)": [
            python, "-m", "gitdigest", "-q", "--max-size", "64MB", "--max-tokens", "50000",
            "-o", str(out / "gitdigest-budget-warm.txt")],
        # the cost of the secret scan (on by default, so in both rows above)
        "gitdigest (cold, --secrets off)": [python, "-m", "gitdigest", "-q", "--no-cache",
                                            "--secrets", "off", "--max-size", "64MB",
                                            "-o", str(out / "gitdigest-noscan.txt")],
        # what outlines cost: every source file parsed, its views counted, the graph ranked
        "gitdigest (cold, --compress)": [python, "-m", "gitdigest", "-q", "--no-cache",
                                         "--compress", "--max-size", "64MB",
                                         "-o", str(out / "gitdigest-compress.txt")],
        "gitdigest (cold, --map)": [python, "-m", "gitdigest", "-q", "--no-cache", "--map",
                                    "--max-size", "64MB", "-o", str(out / "gitdigest-map.txt")],
        "floor: read + o200k count, 2 processes": [python, "-c", FLOOR],
    }
    gitingest = args.gitingest or shutil.which("gitingest")
    if gitingest:
        found["gitingest"] = [gitingest, "-s", str(64 * 2**20), "-o", str(out / "gitingest.txt")]
    if shutil.which("npx") and not args.no_repomix:
        found["repomix (xml)"] = ["npx", "--yes", "repomix@1.14.0", "--style", "xml", "--quiet",
                                  "-o", str(out / "repomix.xml")]
    return found


def run(corpus: Path, commands: dict[str, list[str]], runs: int, env: dict[str, str],
        out: Path, *, append: bool = True,
        check: Callable[[str], None] | None = None) -> dict[str, Result]:
    """Alternate the tools over ``runs`` rounds (after one warm-up round). A tool whose name
    says "fresh cache" gets an empty ``XDG_CACHE_HOME`` on every run; one that says "first
    run" also an empty ``KF_RULE_CACHE_DIR`` (the secret scanner compiles its rules).
    ``check`` is called with the tool's name after each of its runs, to fail loudly on a run
    that made nothing."""
    results = {name: Result() for name in commands}
    for round_number in range(runs + 1):
        for name, command in commands.items():
            argv = [*command, str(corpus)] if append else command
            if append and name.startswith("gitingest"):
                argv = [command[0], str(corpus), *command[1:]]
            fresh, rules = out / "fresh-cache", out / "fresh-rules"
            shutil.rmtree(fresh, ignore_errors=True)
            shutil.rmtree(rules, ignore_errors=True)
            run_env = env
            if "fresh cache" in name or "first run" in name:
                run_env = dict(env, XDG_CACHE_HOME=str(fresh))
            if "first run" in name:
                run_env["KF_RULE_CACHE_DIR"] = str(rules)
            sample = measure(argv, run_env, out)
            if check is not None:
                check(name)
            if round_number > 0:  # round 0 warms caches (disk, npx, the token cache)
                results[name].samples.append(sample)
            print(f"  {corpus.name}: {name}: {sample.wall:.2f} s", file=sys.stderr)
    return results


def table(corpus: Path, results: dict[str, Result], files: int) -> str:
    """A Markdown table with medians and ratios against gitdigest (cold)."""
    base = results["gitdigest (cold)"].median("wall")
    floor = results["floor: read + o200k count, 2 processes"].median("wall")
    lines = [f"### {corpus.name} ({files:,} files)", "",
             "| tool | wall (median) | CPU | peak RSS, largest process | peak PSS, all processes"
             " | wall ÷ gitdigest cold | wall ÷ floor |", "|---|---|---|---|---|---|---|"]
    for name, result in results.items():
        wall = result.median("wall")
        rss, pss = result.median("rss") / 2**20, result.median("pss") / 2**20
        lines.append(f"| {name} | {wall:.2f} s | {result.median('cpu'):.2f} s | {rss:.0f} MB | "
                     f"{pss:.0f} MB | {wall / base:.2f}× | {wall / floor:.2f}× |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse arguments, run every corpus, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repos", nargs="*", type=Path, help="local repositories to digest")
    parser.add_argument("--runs", type=int, default=3, help="measured rounds (default 3)")
    parser.add_argument("--generated", action="store_true",
                        help="also the generated corpora (100,000 files; one 50 MB file)")
    parser.add_argument("--scratch", type=Path, default=Path(tempfile.gettempdir()) /
                        "gitdigest-bench", help="where generated corpora and outputs go")
    parser.add_argument("--gitingest", help="path of the gitingest command (else from PATH)")
    parser.add_argument("--no-repomix", action="store_true", help="skip repomix")
    parser.add_argument("--only", help="run only tools whose name contains this text (or one "
                                       "of these, comma-separated)")
    parser.add_argument("--remote", type=Path, action="append", default=[],
                        help="also serve this repository over https from loopback and digest "
                             "it remotely (repeatable)")
    parser.add_argument("--remote-rate", type=float,
                        help="with --remote: the server sends at this many MB/s (a slower link)")
    parser.add_argument("--remote-subfolder", action="append", default=[],
                        help="with --remote: also digest URL/tree/main/PATH with a fresh cache, "
                             "blobless + sparse and as one shallow pack (repeatable or a comma "
                             "list)")
    args = parser.parse_args()
    args.scratch.mkdir(parents=True, exist_ok=True)
    corpora = [path.resolve() for path in args.repos]
    if args.generated:
        corpora += generate(args.scratch)
    env = dict(os.environ, XDG_CACHE_HOME=str(args.scratch / "cache"),
               TIKTOKEN_CACHE_DIR=str(tiktoken_cache(args.scratch)),
               # compiled secret rules are the machine's, not the run's: kept warm for all rows
               KF_RULE_CACHE_DIR=str(args.scratch / "kingfisher-rules"))
    commands = tools(args, args.scratch)
    if args.only:
        keep = {"gitdigest (cold)", "floor: read + o200k count, 2 processes"}
        wanted = args.only.split(",")
        commands = {n: c for n, c in commands.items()
                    if any(text in n for text in wanted) or n in keep}
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.runs} runs\n")
    for corpus in corpora:
        listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                                cwd=corpus, capture_output=True, text=True).stdout
        files = len(listed.splitlines()) or sum(1 for p in corpus.rglob("*") if p.is_file())
        print(table(corpus, run(corpus, commands, args.runs, env, args.scratch), files))
    for repo in args.remote:
        print(remote_table(repo.resolve(), args, env))


def remote_table(repo: Path, args: argparse.Namespace, env: dict[str, str]) -> str:
    """The remote row for ``repo``: see benchmarks/remote.py."""
    sys.path.insert(0, str(Path(__file__).parent))
    import remote

    root = remote.serve_copy(repo, args.scratch)
    cert, key = remote.certificate(args.scratch)
    gitingest = args.gitingest or shutil.which("gitingest")
    subfolders = [p.strip("/") for item in args.remote_subfolder for p in item.split(",")
                  if p.strip("/")]
    env = dict(env, GIT_SSL_CAINFO=str(cert))
    with remote.HTTPSGitServer(root, cert, key) as server:
        server.rate = args.remote_rate * 2**20 if args.remote_rate else None
        url = f"{server.url}/owner/{repo.name}"
        rows = remote.commands(url, repo, args.scratch)
        if gitingest:
            rows["gitingest (remote)"] = remote.gitingest_command(gitingest, server.port, repo.name,
                                                                  cert, args.scratch)

        def check(name: str) -> None:
            if name == "gitingest (remote)":
                remote.check_gitingest(repo, args.scratch)
            elif name == "gitdigest remote (fresh cache, one pack)":
                remote.check_same_remote_digest(args.scratch)

        results = run(repo, rows, args.runs, env, args.scratch, append=False, check=check)
        crossover = run(repo, remote.subfolder_commands(url, subfolders, args.scratch),
                        args.runs, env, args.scratch, append=False,
                        check=lambda name: remote.check_fetch(name, args.scratch)
                        ) if subfolders else {}
    remote.cleanup(args.scratch)
    wall = {name: result.median("wall") for name, result in results.items()}
    floor = max(wall["git clone --depth 1 (alone)"], wall["gitdigest local (fresh cache)"])
    link = f", sent at {args.remote_rate:g} MB/s" if args.remote_rate else ""
    lines = [f"### {repo.name} over https from loopback{link}", "",
             "| run | wall (median) | CPU | peak RSS, largest process | ratio |",
             "|---|---|---|---|---|"]
    for name, result in results.items():
        ratio = ""
        if name.startswith("gitdigest remote (fresh cache"):
            ratio = f"{wall[name] / floor:.2f}× the larger of clone alone and local cold"
        elif name == "gitdigest remote (warm cache)":
            ratio = f"{wall[name] / wall['gitdigest local (warm cache)']:.2f}× local warm"
        elif name == "gitingest (remote)":
            ratio = (f"{wall[name] / wall['gitdigest remote (fresh cache)']:.2f}× "
                     "gitdigest remote cold (gitingest ÷ gitdigest)")
        lines.append(f"| {name} | {wall[name]:.2f} s | {result.median('cpu'):.2f} s | "
                     f"{result.median('rss') / 2**20:.0f} MB | {ratio} |")
    if subfolders:
        lines += ["", f"### {repo.name}: a subfolder over https, fresh cache, by fetch", "",
                  "| subfolder | files | bytes | blobless + sparse | one shallow pack | "
                  "pack ÷ blobless |", "|---|---|---|---|---|---|"]
        for path in subfolders:
            remote.check_same_digest(path, args.scratch)
            files, size = remote.subfolder_size(repo, path)
            sparse = crossover[f"{path}: blobless (fresh cache)"].median("wall")
            pack = crossover[f"{path}: pack (fresh cache)"].median("wall")
            lines.append(f"| {path} | {files:,} | {size:,} | {sparse:.2f} s | {pack:.2f} s | "
                         f"{pack / sparse:.2f}× |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
