"""The scanner sees every text a digest shows, whatever its path (issue 25, finding 6).

One repository holds a secret in each place a digest shows text from: a file Kingfisher skips
by its path (an image, lockfiles and ``node_modules`` with ``--no-default-ignores``), a file
named after a token (in the tree and in ``--diff``), a commit's subject, author and file
names (``--log``), AWS access key ids alone and beside their secret; the prompt
(``--header``, ``--instructions``) holds its own. Every vector has its own secret, and each
must be absent from every output: the CLI's four formats and summary, MCP's digest tool and
the web API.

Every secret is fake, built at run time, so this file holds none literally.
"""

from __future__ import annotations

import json
import os
import random
import string
import subprocess
import sys
import urllib.request
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest
from click.testing import CliRunner
from mcp import ClientSession, StdioServerParameters, stdio_client

from gitdigest.api import digest
from gitdigest.cli import cli
from gitdigest.count.tokens import get_encoding

from ..conftest import write_files
from ..gitserver import GitHTTPServer, make_bare
from ..webserver import WebServer, isolated_env

FORMATS = ("text", "json", "markdown", "xml")
_random = random.Random(25_6)
ALNUM = string.ascii_letters + string.digits
GITDIGEST = str(Path(sys.executable).with_name("gitdigest"))


def github_token() -> str:
    """A classic personal access token: prefix, 30 random characters, CRC32 in base62."""
    body = "".join(_random.choice(ALNUM) for _ in range(30))
    number, check = zlib.crc32(body.encode()), ""
    for _ in range(6):
        number, digit = divmod(number, 62)
        check = (string.digits + string.ascii_letters)[digit] + check
    return "gh" + "p_" + body + check


def aws_key_id() -> str:
    return "AK" + "IA" + "".join(_random.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
                                 for _ in range(16))


@dataclass(frozen=True)
class Vector:
    """Where a secret sits, the options that bring that text into the digest, and the
    secret itself."""

    name: str
    args: tuple[str, ...]
    secret: str
    prompt: bool = False  # in --header/--instructions: refused under --secrets exclude


SKIPPED_NAMES = ("logo.svg", "package-lock.json", "poetry.lock", "yarn.lock", "go.sum",
                 "node_modules/x.js")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Vector]]:
    """The repository and its vectors, by name."""
    base = tmp_path_factory.mktemp("scanner-vectors")
    repo = base / "repo"
    vectors: dict[str, Vector] = {}
    files: dict[str, str] = {"README.md": "# demo\n", "src/app.py": "print('app')\n"}
    for name in SKIPPED_NAMES:
        token = github_token()
        files[name] = f'{{"token": "{token}"}}\n' if name.endswith(".json") else (
            f'<svg><!-- {token} --></svg>\n' if name.endswith(".svg") else f"token {token}\n")
        args = () if name == "logo.svg" else ("--no-default-ignores",)
        vectors[name] = Vector(name, args, token)
    named = github_token()
    vectors["path"] = Vector("path", (), named)
    key_id = aws_key_id()
    files["deploy/aws.py"] = f'AWS_ACCESS_KEY_ID = "{key_id}"\n'
    vectors["aws-id"] = Vector("aws-id", (), key_id)
    pair_id = aws_key_id()
    pair_secret = "".join(_random.choice(ALNUM + "+/") for _ in range(40))
    files["deploy/credentials"] = (f"[default]\naws_access_key_id = {pair_id}\n"
                                   f"aws_secret_access_key = {pair_secret}\n")
    vectors["aws-pair"] = Vector("aws-pair", (), pair_id)
    vectors["aws-pair-secret"] = Vector("aws-pair-secret", (), pair_secret)
    write_files(repo, files)
    subject = github_token()
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    for args in (("init", "-q"), ("add", "-A"),
                 ("commit", "-q", "-m", f"add the deploy key {subject}")):
        subprocess.run(["git", *args], cwd=repo, check=True, env=env)
    author = github_token()
    # the second commit adds the file named after a token, so the Diff shows its name too
    write_files(repo, {"src/app.py": "print('app, again')\n",
                       f"keys/{named}.txt": "nothing secret inside\n"})
    for args in (("add", "-A"), ("commit", "-qm", "tweak")):
        subprocess.run(["git", *args], cwd=repo, check=True,
                       env={**env, "GIT_AUTHOR_NAME": f"bot {author}"})
    vectors["diff-path"] = Vector("diff-path", ("--diff", "HEAD~1..HEAD"), named)
    vectors["log"] = Vector("log", ("--log", "5"), subject)
    vectors["log-author"] = Vector("log-author", ("--log", "5"), author)
    vectors["log-path"] = Vector("log-path", ("--log", "5"), named)
    header = github_token()
    vectors["header"] = Vector("header", ("--header", f"Use {header} to deploy."), header,
                               prompt=True)
    prompt = base / "prompt.env"
    instructions = github_token()
    prompt.write_text(f"# review this\nGITHUB_TOKEN={instructions}\n")
    vectors["instructions"] = Vector("instructions", ("--instructions", str(prompt)),
                                     instructions, prompt=True)
    return repo, vectors


VECTORS = (*SKIPPED_NAMES, "path", "aws-id", "aws-pair", "aws-pair-secret", "log", "log-author",
           "log-path", "diff-path", "header", "instructions")


def run(repo: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, [str(repo), "-o", "-", "--workers", "1", *args])


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", VECTORS)
def test_no_secret_reaches_the_cli_output(hostile: tuple[Path, dict[str, Vector]], name: str,
                                          fmt: str) -> None:
    repo, vectors = hostile
    vector = vectors[name]
    result = run(repo, *vector.args, "-f", fmt)
    assert result.exit_code == 0, result.stderr
    assert vector.secret not in result.stdout
    assert vector.secret not in result.stderr
    assert "[REDACTED:" in result.stdout  # the text was shown, with the secret taken out
    assert "Secrets:" in result.stderr


@pytest.mark.parametrize("name", VECTORS)
def test_no_secret_reaches_the_output_under_exclude(hostile: tuple[Path, dict[str, Vector]],
                                                    name: str) -> None:
    repo, vectors = hostile
    vector = vectors[name]
    result = run(repo, *vector.args, "--secrets", "exclude")
    assert vector.secret not in result.stdout + result.stderr
    if vector.prompt:  # a prompt cannot be withheld like a file: it is refused
        assert result.exit_code == 2
        assert result.stderr.startswith(f"gitdigest: error: --{name} holds a secret")
    else:
        assert result.exit_code == 0, result.stderr


def test_the_counts_are_of_the_text_shown(hostile: tuple[Path, dict[str, Vector]]) -> None:
    """Redaction in the prompt, the history and the tree keeps the token count exact."""
    repo, vectors = hostile
    prompt = vectors["instructions"].args[1]
    result = digest(str(repo), header=vectors["header"].args[1], instructions=prompt, log=5,
                    default_ignores=False, cache=False)
    shown = result.render("text")
    assert {s.path for s in result.secrets} >= {"--header", "--instructions"}
    assert [v.secret for v in vectors.values() if v.secret in shown] == []
    assert result.summary.tokens == len(
        get_encoding("o200k_base").encode(shown, disallowed_special=()))


def all_surface_secrets(vectors: dict[str, Vector]) -> list[str]:
    return [v.secret for v in vectors.values() if v.name != "instructions"]


def test_no_secret_reaches_mcp(hostile: tuple[Path, dict[str, Vector]],
                               scanner_rules: Path) -> None:
    repo, vectors = hostile
    home = repo.parent / "mcp-home"
    home.mkdir(exist_ok=True)
    env = isolated_env(home, scanner_rules)
    params = StdioServerParameters(command=GITDIGEST, args=["mcp"], env=env, cwd=str(repo))

    async def main() -> str:
        with open(os.devnull, "w") as errlog:
            async with stdio_client(params, errlog=errlog) as (read, write), \
                    ClientSession(read, write) as session:
                await session.initialize()
                result = await session.call_tool("digest", {
                    "source": ".", "default_ignores": False, "log": 5, "diff": "HEAD~1..HEAD",
                    "header": vectors["header"].args[1]})
                assert not result.is_error, result.content
                return json.dumps(result.model_dump(mode="json"))

    answer = anyio.run(main)
    assert "[REDACTED:" in answer
    assert [s for s in all_surface_secrets(vectors) if s in answer] == []


@pytest.fixture
def web(hostile: tuple[Path, dict[str, Vector]], scanner_rules: Path, tmp_path: Path
        ) -> Iterator[WebServer]:
    repo, _ = hostile
    (tmp_path / "home").mkdir()
    args = ["--allow-local", "--root", str(repo.parent)]
    env = isolated_env(tmp_path / "home", scanner_rules)
    with WebServer(args, env, tmp_path / "log") as server:
        yield server


def test_no_secret_reaches_the_web_api(hostile: tuple[Path, dict[str, Vector]],
                                       web: WebServer) -> None:
    repo, vectors = hostile
    body = {"source": str(repo), "default_ignores": False, "log": 5, "diff": "HEAD~1..HEAD",
            "header": vectors["header"].args[1]}
    request = urllib.request.Request(web.url + "/api/digest", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = response.read().decode()
    assert json.loads(answer)["secrets"]
    assert "[REDACTED:" in answer
    assert [s for s in all_surface_secrets(vectors) if s in answer] == []


# --- the source's own names ------------------------------------------------------------------

def test_a_remote_branch_named_after_a_token_is_shown_redacted(tmp_path: Path) -> None:
    """Before: a remote whose HEAD is a branch named like a token showed it in the header's
    ``Ref:``, the JSON ``source.ref``, the summary's ``Source:`` line and the History title.
    Now each shows it
    redacted and counts it; git still fetched the real branch (its file is there)."""
    token = github_token()
    branch = f"deploy/{token}"
    work = tmp_path / "work"
    git = ["git", "-c", "user.name=T", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q", "-b", branch, str(work)], check=True)
    write_files(work, {"app.py": "app = 1\n"})
    subprocess.run([*git, "-C", str(work), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(work), "commit", "-q", "-m", "first"], check=True)
    make_bare(tmp_path / "served", "owner/repo", work)
    with GitHTTPServer(tmp_path / "served", "unused") as server:
        url = f"{server.url}/owner/repo"
        text = CliRunner().invoke(cli, [url, "--no-cache", "-o", "-", "--log", "1"])
        data = CliRunner().invoke(cli, [url, "--no-cache", "-o", "-", "-f", "json", "-q"])
    assert text.exit_code == 0 and data.exit_code == 0, text.stderr + data.stderr
    for output in (text.stdout, text.stderr, data.stdout):
        assert token not in output and token[:20] not in output
    assert "FILE: app.py" in text.stdout and "HISTORY: deploy/" in text.stdout
    assert "\nRef: deploy/" in text.stdout and "Source:   127.0.0.1" in text.stderr
    parsed = json.loads(data.stdout)
    assert parsed["source"]["ref"].startswith("deploy/")
    assert parsed["source"]["ref"] != branch
    assert parsed["summary"]["secrets"] >= 1
