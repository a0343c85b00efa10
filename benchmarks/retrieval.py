"""Selection by question on real history: does ``--query`` put a commit's files in the digest?

    python benchmarks/retrieval.py REPO [REPO ...] [--commits 30] [--budgets 16000,32000,64000]
                                   [--part tune|test|all] [--jobs 2] [--cache FILE]

For each repository (a local clone), recent first-parent non-merge commits that modify 1-5
non-test source files (:func:`is_answer_file`: a source language, outside tests, examples, docs
and vendored code)
and whose message has at least 4 words once trailers (``Signed-off-by:``...) and issue references
(``#123``, ``fixes #1``, ``(gh-123)``) are gone. The query is that message, the answer those
files, and the digest is of the commit's parent (``ref=<parent>``, through the Python API: the
same pipeline as ``gitdigest REPO --ref PARENT --max-tokens N -f json``, without a process start
per run). For each budget (o200k) three selections are scored:

- ``query``: ``--query MESSAGE --max-tokens N``;
- ``none``: ``--max-tokens N``;
- ``bm25``: plain BM25 (bm25s, its own tokenizer with English stop words) over each file's text,
  whole files in rank order (a file that does not fit is passed over) within the budget less the
  frame gitdigest's ``--query`` run took on that commit (its total less its file blocks).

Reported per repository and budget: the share of answer files shown whole, the share shown in
any view (whole, compressed or map entry), and the share of commits with every answer file
shown in some view. Candidate commits alternate between a tuning half (``--part tune``: the 1st,
3rd, 5th... newest) and a held-out half (``--part test``), so a ranking tuned on one is reported
on the other. Runs offline; token counts are cached under ``$XDG_CACHE_HOME`` (set it to keep
your own cache clean).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODES = ("query", "none", "bm25")
_TRAILER = re.compile(r"^[A-Za-z][A-Za-z-]*-by:.*$|^(?:Co-authored-by|Change-Id|Refs?|See|"
                      r"Closes|Fixes|Resolves):.*$", re.I | re.M)
_ISSUE = re.compile(r"\((?:gh-|#)\d+\)|\b(?:(?:fix(?:es|ed)?|close[sd]?|resolve[sd]?|see|refs?)"
                    r"\s+)?(?:[\w.-]+/[\w.-]+)?(?:#|gh-)\d+\b", re.I)


@dataclass(frozen=True)
class Case:
    """One commit: the question, the parent to digest and the files that answer it."""

    repo: str
    commit: str
    parent: str
    query: str
    answer: tuple[str, ...]


def clean_message(message: str) -> str:
    """The message without trailers and issue references, white space folded."""
    text = _ISSUE.sub(" ", _TRAILER.sub(" ", message))
    return " ".join(text.split())


#: the languages of the answer files (fixed here, so the choice of commits does not move when
#: gitdigest's own ranking changes)
SOURCE = frozenset(("py", "pyi", "go", "js", "jsx", "mjs", "cjs", "ts", "tsx", "rs", "java", "c",
                    "h", "cc", "cpp", "hpp", "cs", "rb", "php", "kt", "swift", "scala"))
#: folders whose files are not the project's source
NOT_SOURCE = frozenset(("test", "tests", "testing", "testsuite", "spec", "specs", "__tests__",
                        "testdata", "fixtures", "examples", "example", "docs", "doc",
                        "benchmarks", "bench", "vendor", "third_party"))
_TEST_NAME = re.compile(r"^test_|_test\.[^.]+$|\.(?:test|spec)\.[^.]+$|^conftest\.py$")


def is_answer_file(path: str) -> bool:
    """A non-test source file: a source language, not in a test, example, docs or vendored
    folder and not named as a test."""
    *folders, name = path.split("/")
    return (name.rpartition(".")[2] in SOURCE and not NOT_SOURCE.intersection(folders)
            and _TEST_NAME.search(name) is None)


def _git(repo: str, *args: str) -> str:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True,
                          text=True, errors="replace").stdout


def cases(repo: str, wanted: int, part: str) -> list[Case]:
    """The newest qualifying commits of ``repo``'s first-parent history, alternately tuning
    and held-out; ``wanted`` of the chosen part (or of both with ``all``)."""
    log = _git(repo, "log", "--first-parent", "--no-merges", "-n", "3000",
               "--format=%x1e%H %P%x00%B")
    found: list[Case] = []
    index = 0
    for record in log.split("\x1e")[1:]:
        head, _, message = record.partition("\x00")
        ids = head.split()
        if len(ids) != 2:
            continue
        query = clean_message(message)
        if len(query.split()) < 4:
            continue
        changes = _git(repo, "diff-tree", "-r", "--no-renames", "--name-status", ids[1], ids[0])
        source = [line.split("\t") for line in changes.splitlines()
                  if is_answer_file(line.split("\t")[-1])]
        if not 1 <= len(source) <= 5 or any(status != "M" for status, _ in source):
            continue  # an added or deleted file is not in the parent to be found
        take = part == "all" or (part == "tune") == (index % 2 == 0)
        index += 1
        if take:
            found.append(Case(repo, ids[0], ids[1], query, tuple(p for _, p in source)))
        if len(found) == wanted:
            break
    return found


def _shown(files: Iterable[Any]) -> dict[str, str]:
    return {d.path: d.view for d in files}


def run_case(case: Case, budgets: list[int], reused: dict[str, Any] | None = None
             ) -> dict[str, Any]:
    """Every mode at every budget for one commit: the views the answer files got. ``reused``
    (an earlier result for the commit) gives the runs without a query, which a change to
    ``--query`` does not touch."""
    import bm25s

    from gitdigest import digest

    common: dict[str, Any] = {"ref": case.parent, "workers": 1, "format": "json"}
    plain = digest(case.repo, **common)
    texts = {d.path: text for d, text in plain.contents()}
    blocks = {d.path: d.block_tokens for d in plain.files}
    paths = sorted(texts)
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([texts[p] for p in paths], stopwords="en",
                                   show_progress=False), show_progress=False)
    asked = bm25s.tokenize([case.query], stopwords="en", show_progress=False, return_ids=False)
    scores = retriever.get_scores(asked[0]) if asked and asked[0] else [0.0] * len(paths)
    order = sorted(range(len(paths)), key=lambda i: (-float(scores[i]), paths[i]))
    result: dict[str, Any] = {"commit": case.commit, "answer": list(case.answer), "runs": {}}
    for budget in budgets:
        runs: dict[str, dict[str, str]] = {}
        asked_run = digest(case.repo, max_tokens=budget, query=case.query, **common)
        runs["query"] = _shown(asked_run.files)
        runs["none"] = (reused["runs"][str(budget)]["none"] if reused else
                        _shown(digest(case.repo, max_tokens=budget, **common).files))
        frame = asked_run.summary.tokens - sum(d.block_tokens for d in asked_run.files)
        room, kept = budget - frame, {}
        for i in order:
            if blocks[paths[i]] <= room:
                kept[paths[i]] = "full"
                room -= blocks[paths[i]]
        runs["bm25"] = kept
        result["runs"][str(budget)] = {"frame": frame, **runs}
    return result


def _run(job: tuple[Case, list[int], dict[str, Any] | None]) -> dict[str, Any]:
    return run_case(*job)


def score(results: list[dict[str, Any]], budget: int, mode: str) -> tuple[float, float, float]:
    """Shares: answer files whole, answer files in any view, commits with all shown."""
    whole = anyview = complete = total = 0
    for result in results:
        shown = result["runs"][str(budget)][mode]
        answer = result["answer"]
        total += len(answer)
        whole += sum(1 for p in answer if shown.get(p) == "full")
        seen = sum(1 for p in answer if p in shown)
        anyview += seen
        complete += seen == len(answer)
    return (whole / max(total, 1), anyview / max(total, 1), complete / max(len(results), 1))


def table(name: str, results: list[dict[str, Any]], budgets: list[int]) -> str:
    """One markdown table for one repository."""
    frames = {b: sorted(r["runs"][str(b)]["frame"] for r in results) for b in budgets}
    lines = [f"**{name}** ({len(results)} commits)", "",
             "| budget | whole: query / none / BM25 | any view: query / none / BM25 | "
             "all shown: query / none / BM25 | frame (median) |", "|---|---|---|---|---|"]
    for budget in budgets:
        cells = [score(results, budget, mode) for mode in MODES]
        median = frames[budget][len(frames[budget]) // 2] if frames[budget] else 0
        lines.append(f"| {budget // 1000}k | " + " | ".join(
            " / ".join(f"{cell[k]:.2f}" for cell in cells) for k in range(3))
            + f" | {median:,} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repos", nargs="+", help="local clones")
    parser.add_argument("--commits", type=int, default=30)
    parser.add_argument("--budgets", default="16000,32000,64000")
    parser.add_argument("--part", choices=("tune", "test", "all"), default="test")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--save", help="write the raw results here as JSON")
    parser.add_argument("--reuse", help="take the runs without a query from this --save file")
    args = parser.parse_args(argv)
    budgets = [int(b) for b in args.budgets.split(",")]
    found = {repo: cases(repo, args.commits, args.part) for repo in args.repos}
    old = {r["commit"]: r for rs in json.loads(Path(args.reuse).read_text()).values()
           for r in rs} if args.reuse else {}
    jobs = [(case, budgets, old.get(case.commit)) for repo in args.repos for case in found[repo]]
    done = []
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        for count, result in enumerate(pool.imap(_run, jobs, chunksize=1), 1):
            done.append(result)
            print(f"{count}/{len(jobs)} commits", file=sys.stderr, flush=True)
    by_repo: dict[str, list[dict[str, Any]]] = {repo: [] for repo in args.repos}
    for (case, _, _), result in zip(jobs, done, strict=True):
        by_repo[case.repo].append(result)
    if args.save:
        Path(args.save).write_text(json.dumps(by_repo, indent=1))
    print(f"part: {args.part}; budgets: {args.budgets}; o200k\n")
    for repo in args.repos:
        print(table(Path(repo).name, by_repo[repo], budgets) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
