"""Is every budget met? Digests each repository at each ``--max-tokens``, through the CLI (text
and JSON) and through the MCP server's ``digest`` tool, and recounts what came back.

    python benchmarks/budgets.py path/to/flask path/to/numpy \
        [--budgets 4000 8000 16000 50000 100000] [--query "how are X done" --query-budgets 8000]
        [--mcp-budgets 4000 8000 14750] [--warm-only]

Each text digest is made twice, first in an empty cache folder (``XDG_CACHE_HOME``: cold), then
again in it (warm), each timed under ``/usr/bin/time -v`` (wall seconds, peak RSS), and
recounted with tiktoken's own ``encode(text, disallowed_special=())`` (the rule gitdigest counts
by); a warm JSON run's ``summary.tokens`` (what a budget covers in JSON, docs/budgets.md) is
compared with the budget too. Each digest is checked: exit 0, no traceback, a summary and a
tree, a ``Note:`` line for a collapsed tree or a summarised Skipped list. The MCP server is
started fresh for each call (over stdio, with the SDK's client, in the repository's folder), so
its peak RSS is that call's, once in an empty cache and once warm; its answer is recounted
without the server's own ``[stored as id …]`` line. Budgets are o200k_base. Prints one Markdown
table; exits 1 when any check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gitdigest.count.tokens import get_encoding  # noqa: E402  (the checkout, not an install)

ENCODING = get_encoding("o200k_base")  # a full tiktoken.Encoding, from local rank files
# the console script, as a user runs it: ``python -m`` would put the working folder first on
# sys.path, and the MCP server works in the repository (numpy's own numpy/ shadowed the
# installed one that scipy imports)
GITDIGEST = str(Path(sys.executable).with_name("gitdigest"))


def recount(text: str) -> int:
    """Tokens of ``text`` by tiktoken's public API, independent of gitdigest's counting."""
    return len(ENCODING.encode(text, disallowed_special=()))


@dataclass
class Run:
    seconds: float
    peak_mb: float | None


@dataclass
class Row:
    repo: str
    surface: str
    budget: int
    tokens: int | None = None
    frame: str = ""
    cold: Run | None = None
    warm: Run | None = None
    problems: list[str] = field(default_factory=list)


def environment(cache: str) -> dict[str, str]:
    """This checkout first on the path, for the CLI and the MCP server alike, and ``cache``
    as the cache folder."""
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{path}" if path else str(ROOT),
            "XDG_CACHE_HOME": cache}


def timed(command: list[str], cache: str) -> tuple[int, str, Run]:
    """Exit code, stderr (without time's report), wall seconds and peak RSS (MB) of a run."""
    began = time.monotonic()
    done = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True,
                          env=environment(cache))
    seconds = time.monotonic() - began
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    stderr = done.stderr.split("\tCommand being timed:")[0]
    return done.returncode, stderr, Run(seconds, int(peak.group(1)) / 1024 if peak else None)


def frame_of(text: str) -> str:
    """How the frame gave way, from the summary's notes, and how many files are shown."""
    head = text[:20_000]
    said = []
    if "Note: tree shortened" in head:
        said.append("tree folded")
    if "Note: Skipped list summarised" in head:
        said.append("Skipped by reason")
    if "Note: summary shortened" in head:
        said.append("summary shortened")
    said.append(f"{len(re.findall(r'^FILE: ', text, re.M))} files")
    return ", ".join(said)


def frame_problems(text: str) -> list[str]:
    """What is wrong with a text digest's frame: a missing summary or an unsaid degradation."""
    problems = []
    head = text[:20_000]
    if not head.startswith("Source:") or "\nDirectory structure:\n" not in head:
        problems.append("no summary or tree")
    if re.search(r"\(\d[\d,]* files?, [\d,]+ tokens[^)\n]*\)$", head, re.M) and \
            "Note: tree shortened" not in head:
        problems.append("tree folded without a note")
    if re.search(r"^\S+: [\d,]+ paths?: ", text, re.M) and "Note: Skipped list" not in head:
        problems.append("Skipped list summarised without a note")
    return problems


def cli(repo: Path, budget: int, extra: list[str], warm_only: bool) -> list[Row]:
    """The text digest at ``budget`` in an empty cache (cold) and again (warm), recounted, and
    the JSON one (warm; its own ``summary.tokens``)."""
    label = "CLI" + (" --query" if extra else "")
    text_row = Row(repo.name, f"{label} text", budget)
    json_row = Row(repo.name, f"{label} json", budget)
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as folder:
        runs = [("cold", "text"), ("warm", "text"), ("warm", "json")]
        if warm_only:  # warm from the caller's own cache
            cache = os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache"))
            runs = runs[1:]
        for temperature, fmt in runs:
            row = text_row if fmt == "text" else json_row
            out = Path(folder) / f"digest.{fmt}"
            command = [GITDIGEST, str(repo), "--max-tokens",
                       str(budget), "-f", fmt, "-o", str(out), *extra]
            code, stderr, run = timed(command, cache)
            setattr(row, temperature, run)
            if code:
                row.problems.append(f"exit {code}: {stderr.strip().splitlines()[-1:]}")
            if "Traceback" in stderr:
                row.problems.append("traceback")
            if not out.exists():
                continue
            text = out.read_text(encoding="utf-8")
            tokens = recount(text) if fmt == "text" else json.loads(text)["summary"]["tokens"]
            if row.tokens is not None and row.tokens != tokens:
                row.problems.append(f"cold {row.tokens:,} != warm {tokens:,}")
            row.tokens = tokens
            if fmt == "text":
                row.frame = frame_of(text)
                row.problems += frame_problems(text)
            else:
                row.frame = f"{len(json.loads(text).get('budget_notes', []))} budget_notes"
    for row in (text_row, json_row):
        if row.tokens is not None and row.tokens > budget:
            row.problems.append(f"over budget by {row.tokens - budget:,}")
    return [text_row, json_row]


def mcp(repo: Path, budget: int, warm_only: bool) -> Row:
    """``digest`` with ``max_tokens=budget``, asked of a fresh ``gitdigest mcp`` in an empty
    cache (cold), then of another in that cache (warm); the answer recounted."""
    row = Row(repo.name, "MCP digest", budget)
    with tempfile.TemporaryDirectory() as cache:
        temperatures = ["cold", "warm"]
        if warm_only:
            cache = os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache"))
            temperatures = ["warm"]
        for temperature in temperatures:
            run, text, data, error = mcp_call(repo, budget, cache)
            setattr(row, temperature, run)
            if error:
                row.problems.append(f"error: {text[:200]}")
                continue
            if data.get("truncated"):
                row.problems.append("answer truncated (larger than the response cap)")
            # the digest is the answer without the server's notes before it and its id after
            digest = text[text.find("Source:"):] if "Source:" in text else text
            digest = re.sub(r"\n\[stored as id [^\]]*\]$", "", digest)
            row.tokens = recount(digest)
            row.frame = frame_of(digest)
            row.problems += frame_problems(digest)
            if row.tokens != data.get("result_tokens"):
                row.problems.append(f"recount {row.tokens} != stored {data.get('result_tokens')}")
    if row.tokens is not None and row.tokens > budget:
        row.problems.append(f"over budget by {row.tokens - budget:,}")
    return row


def mcp_call(repo: Path, budget: int, cache: str) -> tuple[Run, str, dict[str, Any], bool]:
    """One ``digest`` call to a fresh ``gitdigest mcp`` over stdio, in the repository."""
    import anyio
    import mcp_types as types
    from mcp import ClientSession, StdioServerParameters, stdio_client

    env = {name: value for name, value in environment(cache).items()
           if name in ("PYTHONPATH", "XDG_CACHE_HOME")}
    params = StdioServerParameters(command=GITDIGEST, args=["mcp"], env=env, cwd=str(repo))
    outcome: dict[str, Any] = {}

    async def main() -> None:
        with open(os.devnull, "w") as errlog:
            async with stdio_client(params, errlog=errlog) as (read, write), \
                    ClientSession(read, write) as session:
                await session.initialize()
                began = time.monotonic()
                result = await session.call_tool("digest", {"source": ".",
                                                            "max_tokens": budget})
                outcome["run"] = Run(time.monotonic() - began, server_peak_mb())
                outcome["error"] = result.is_error
                outcome["text"] = "\n".join(block.text for block in result.content
                                            if isinstance(block, types.TextContent))
                outcome["data"] = result.structured_content or {}

    anyio.run(main)
    return outcome["run"], outcome["text"], outcome["data"], outcome["error"]


def server_peak_mb() -> float | None:
    """Peak RSS of this process's child ``gitdigest mcp`` (the server), from /proc."""
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                status = Path(f"/proc/{child}/status").read_text()
                command = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"mcp" in command:
                peak = re.search(r"VmHWM:\s+(\d+) kB", status)
                return int(peak.group(1)) / 1024 if peak else None
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="+", type=Path)
    parser.add_argument("--budgets", nargs="*", type=int,
                        default=[4000, 8000, 16000, 50000, 100000])
    parser.add_argument("--query", help="also run the CLI with --query TEXT")
    parser.add_argument("--query-budgets", nargs="+", type=int, default=[8000, 16000])
    parser.add_argument("--mcp-budgets", nargs="*", type=int, default=[4000, 8000, 14750])
    parser.add_argument("--warm-only", action="store_true",
                        help="only warm runs, in the usual cache folder")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})",
          file=sys.stderr)
    rows: list[Row] = []
    for repo in args.repos:
        repo = repo.resolve()
        runs: list[tuple[int, list[str]]] = [(b, []) for b in args.budgets]
        if args.query:
            runs += [(b, ["--query", args.query]) for b in args.query_budgets]
        for budget, extra in runs:
            rows += cli(repo, budget, extra, args.warm_only)
            print(*rows[-2:], sep="\n", file=sys.stderr)
        for budget in args.mcp_budgets:
            rows.append(mcp(repo, budget, args.warm_only))
            print(rows[-1], file=sys.stderr)
    print(f"load average after: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    print_tables(rows)
    return 1 if any(row.problems for row in rows) else 0


def run_text(run: Run | None) -> str:
    """``seconds s, peak MB`` of a run, or ``-``."""
    return f"{run.seconds:.1f} s, {run.peak_mb:.0f} MB" if run and run.peak_mb else "-"


def print_tables(rows: list[Row]) -> None:
    """The CLI's runs, one line per budget (text and JSON together), then the MCP calls."""
    print("| repo | budget | text digest (recount) | JSON `summary.tokens` | frame | cold | "
          "warm | checks |")
    print("|---|---|---|---|---|---|---|---|")
    cli_rows = [row for row in rows if row.surface.startswith("CLI")]
    for text, data in zip(cli_rows[::2], cli_rows[1::2], strict=True):
        budget = f"{text.budget:,}" + (" `--query`" if "--query" in text.surface else "")
        problems = "; ".join(text.problems + data.problems) or "ok"
        print(f"| {text.repo} | {budget} | {tokens_text(text)} | {tokens_text(data)} | "
              f"{text.frame} | {run_text(text.cold)} | {run_text(text.warm)} | {problems} |")
    print()
    print("| repo | `max_tokens` | digest in the answer (recount) | frame | cold | warm | checks |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        if row.surface.startswith("MCP"):
            print(f"| {row.repo} | {row.budget:,} | {tokens_text(row)} | {row.frame} | "
                  f"{run_text(row.cold)} | {run_text(row.warm)} | "
                  f"{'; '.join(row.problems) or 'ok'} |")


def tokens_text(row: Row) -> str:
    return f"{row.tokens:,}" if row.tokens is not None else "-"


if __name__ == "__main__":
    sys.exit(main())
