"""Time to a digest through the web page vs the command line, for one repository served by a
loopback git server (no internet).

    .venv/bin/python benchmarks/web.py /work/corpora/flask --rounds 3

Each round, cold: a fresh cache folder for the CLI (``gitdigest URL -o FILE -q``) and a fresh
server (``gitdigest serve``) for the page, whose time runs from the click on Digest until the
result page has loaded, in Debian's headless chromium. Warm: the same again with the caches
left from the cold run (the page then serves the stored result after git confirms the commit).
The two alternate which goes first each round; prints
medians in seconds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.gitserver import GitHTTPServer, make_bare  # noqa: E402
from tests.webserver import WebServer, isolated_env  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def cli(url: str, env: dict[str, str], out: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "gitdigest", url, "-o", str(out), "-q"], env=env,
                   check=True)
    return time.perf_counter() - started


def page_run(page: object, web: WebServer, url: str) -> float:
    page.goto(web.url + "/")  # type: ignore[attr-defined]
    page.fill("#source", url)  # type: ignore[attr-defined]
    started = time.perf_counter()
    page.click("#submit")  # type: ignore[attr-defined]
    page.wait_for_url("**/d/**", timeout=600_000)  # type: ignore[attr-defined]
    page.wait_for_load_state("load")  # type: ignore[attr-defined]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"cli cold": [], "cli warm": [], "page cold": [],
                                     "page warm": []}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        make_bare(tmp / "served", args.repo.name + ".git", args.repo)
        rules = tmp / "rules"
        rules.mkdir()
        with GitHTTPServer(tmp / "served", "unused") as git, sync_playwright() as driver:
            url = f"{git.url}/{args.repo.name}.git"
            browser = driver.chromium.launch_persistent_context(
                str(tmp / "profile"), executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page()
            for round_ in range(args.rounds + 1):  # round 0 warms the scanner's rule cache
                home = tmp / f"home-{round_}"
                home.mkdir()
                env = isolated_env(home, rules)
                times_now: dict[str, float] = {}
                server_home = tmp / f"server-{round_}"
                server_home.mkdir()
                with WebServer(["--allow-host", "127.0.0.1"], isolated_env(server_home, rules),
                               tmp / f"server-{round_}.log") as web:
                    for tool in ("cli", "page") if round_ % 2 else ("page", "cli"):  # alternate
                        for state in ("cold", "warm"):
                            times_now[f"{tool} {state}"] = (
                                cli(url, env, tmp / "out.txt") if tool == "cli"
                                else page_run(page, web, url))
                print(f"round {round_}: " + ", ".join(f"{k} {v:.2f} s"
                                                      for k, v in times_now.items()),
                      file=sys.stderr)
                if round_:
                    for key, value in times_now.items():
                        times[key].append(value)
            browser.close()
    for key, values in times.items():
        print(f"{key}: median {statistics.median(values):.2f} s of {len(values)}")


if __name__ == "__main__":
    main()
