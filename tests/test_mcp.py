"""``gitdigest mcp`` end to end: the server runs as a subprocess and the official SDK's own
clients drive it (stdio, and streamable HTTP on a loopback port), on a local repository and on
repositories served by a real git server on loopback."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp import ClientSession, MCPError, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from gitdigest.api import digest
from gitdigest.mcp_server.params import WITHHELD

from .conftest import write_files
from .gitserver import GitHTTPServer, make_bare

pytestmark = [pytest.mark.server, pytest.mark.extra]

TOKEN = "tok-3c2b1a-private"
GITDIGEST = str(Path(sys.executable).with_name("gitdigest"))
TOOLS = {"digest", "stats", "tree", "map", "read_digest", "grep_digest", "notes", "models"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, scanner_rules: Path
          ) -> Iterator[dict[str, Any]]:
    """A local project, a folder beside it, and a loopback git server (public and private)."""
    base = tmp_path_factory.mktemp("mcp")
    home = base / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = T\n\temail = t@example.invalid\n"
                                     "[init]\n\tdefaultBranch = main\n")
    env = {"HOME": str(home), "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
           "GIT_CONFIG_NOSYSTEM": "1", "XDG_CACHE_HOME": str(home / ".cache"),
           "KF_RULE_CACHE_DIR": str(scanner_rules)}
    project = base / "project"
    files = {"README.md": "# Project\n", "src/app.py": "def main():\n    return 'needle'\n",
             "src/big.py": "".join(f"value_{i} = {i} * {i}  # line {i}\n"
                                   for i in range(3000)),
             "config.py": "AWS = 'AKIAIOSFODNN7EXAMPLE'\n"
                          "SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'\n"}
    project.mkdir()
    write_files(project, files)
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "first")):
        subprocess.run(["git", *args], cwd=project, check=True, env={**os.environ, **env})
    outside = base / "outside"
    write_files(outside, {"private.txt": "not for the model\n"})
    served = base / "served"
    make_bare(served, "owner/repo", project)
    make_bare(served, "private/repo", project)
    with GitHTTPServer(served, TOKEN) as http:
        yield {"env": env, "project": project, "outside": outside, "http": http, "base": base}


@contextlib.asynccontextmanager
async def connect(world: dict[str, Any], *args: str, env: dict[str, str] | None = None,
                  roots: list[Path] | None = None, cwd: Path | None = None
                  ) -> AsyncIterator[ClientSession]:
    """A client session with ``gitdigest mcp ARGS`` started over stdio."""
    # the code under test, also when it is a checkout on PYTHONPATH (the SDK starts the
    # server with a minimal environment)
    inherited = {"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}
    params = StdioServerParameters(command=GITDIGEST, args=["mcp", *args],
                                   env={**inherited, **world["env"], **(env or {})},
                                   cwd=str(cwd or world["project"]))

    async def list_roots(context: Any) -> types.ListRootsResult:
        return types.ListRootsResult(roots=[types.Root(uri=path.as_uri())
                                            for path in roots or []])

    with open(os.devnull, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(
                read, write, list_roots_callback=list_roots if roots is not None else None
        ) as session:
            await session.initialize()
            yield session


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(b.text for b in result.content if isinstance(b, types.TextContent))


async def ok(session: ClientSession, tool: str, **arguments: Any) -> types.CallToolResult:
    result = await session.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)
    return result


async def refused(session: ClientSession, tool: str, **arguments: Any) -> str:
    result = await session.call_tool(tool, arguments)
    assert result.is_error, text_of(result)
    message = text_of(result)
    assert "Traceback" not in message and "\n" not in message.strip(), message
    return message


@pytest.mark.slow
def test_every_tool_on_a_local_repository(world: dict[str, Any]) -> None:
    project = world["project"]
    expected = digest(str(project), cache=False)

    async def main() -> None:
        async with connect(world) as session:
            listed = {tool.name: tool for tool in (await session.list_tools()).tools}
            assert set(listed) == TOOLS
            schema = listed["digest"].input_schema["properties"]
            assert [arm.get("enum") for arm in schema["secrets"]["anyOf"]] == [
                ["redact", "exclude"], None]
            assert schema["max_size"]["description"].startswith("Largest file to read")
            assert not set(schema) & set(WITHHELD)
            assert listed["digest"].input_schema["required"] == ["source"]

            result = await ok(session, "digest", source=".", exclude=["src/big.py"])
            data = result.structured_content
            assert data is not None
            assert data["summary"]["files"] == 3
            assert {f["path"] for f in data["files"]} == {"README.md", "config.py",
                                                          "src/app.py"}
            assert data["secrets"] and "wJalrXUtnFEMI" not in text_of(result)
            assert "[REDACTED:" in text_of(result)
            assert "def main():" in text_of(result) and not data["truncated"]

            whole = await ok(session, "digest", source=str(project))
            assert whole.structured_content is not None
            assert whole.structured_content["summary"] == {
                "files": expected.summary.files, "skipped": expected.summary.skipped,
                "bytes": expected.summary.bytes, "tokens": expected.summary.tokens,
                "secrets": expected.summary.secrets}
            ident = whole.structured_content["id"]

            stats = await ok(session, "stats", source=".")
            assert "Tokens by file" in text_of(stats)
            assert stats.structured_content is not None
            assert stats.structured_content["largest"][0]["path"] == "src/big.py"
            tree = await ok(session, "tree", source=".", include="src/")
            assert "app.py" in text_of(tree) and "README" not in text_of(tree)
            mapped = await ok(session, "map", source=".")
            assert "FILE: src/app.py (map)" in text_of(mapped)  # the ranked map, not the tree
            assert "def main" in text_of(mapped)

            one = await ok(session, "read_digest", id=ident, path="src/app.py")
            assert text_of(one).startswith("def main():\n    return 'needle'\n")
            lines = await ok(session, "read_digest", id=ident, start_line=1, end_line=3)
            assert text_of(lines).splitlines()[:3] == expected.render().splitlines()[:3]
            found = await ok(session, "grep_digest", id=ident, pattern="return 'needle'",
                             context=1)
            assert "(src/app.py:2)" in text_of(found)
            assert found.structured_content == {"id": ident, "matches": 1, "shown": 1,
                                                "truncated": False}

            notes = await ok(session, "notes", lang="en")
            assert text_of(notes).startswith("# ")
            models = await ok(session, "models")
            assert "GPT-4o" in text_of(models)
            assert models.structured_content is not None
            assert models.structured_content["models"][0]["context_window"] == 128_000

            resources = await session.list_resources()
            uris = {str(r.uri) for r in resources.resources}
            assert f"gitdigest://digest/{ident}" in uris
            read = await session.read_resource(f"gitdigest://digest/{ident}")
            content = read.contents[0]
            assert isinstance(content, types.TextResourceContents)
            assert content.text == expected.render()

            prompts = await session.list_prompts()
            assert [p.name for p in prompts.prompts] == ["review"]
            prompt = await session.get_prompt("review", {"source": ".", "focus": "errors",
                                                         "max_tokens": "2000"})
            message = prompt.messages[0].content
            assert isinstance(message, types.TextContent)
            assert message.text.startswith("Review this repository, focusing on errors")
            assert "FILE: src/app.py" in message.text
            assert "FILE: src/big.py" not in message.text  # over the budget

    anyio.run(main)


@pytest.mark.slow
def test_odd_names_leave_the_server_answering(world: dict[str, Any]) -> None:
    """A repository chooses its file names and link targets: one that is not UTF-8 made every
    tool's structured answer unserializable, which ended the whole server (and left the client
    waiting). Its names arrive with U+FFFD, as in the CLI's JSON, and the server
    answers the next call."""
    hostile = world["base"] / "hostile"
    write_files(hostile, {os.fsdecode(b"bad\xff.py"): "x = 1\n", "ok.py": "y = 2\n"})
    os.symlink(os.fsdecode(b"t\xfe"), hostile / "link")
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "odd")):
        subprocess.run(["git", *args], cwd=hostile, check=True, env={**os.environ, **world["env"]})

    async def main() -> None:
        # a dead server leaves the client waiting: fail instead
        with anyio.fail_after(120):
            async with connect(world, "--root", str(hostile)) as session:
                for tool in ("digest", "stats", "tree", "map"):
                    data = (await ok(session, tool, source=".")).structured_content
                    assert data is not None, tool
                    named = {f["path"] for f in [*data["files"], *data["skipped"]]}
                    assert "bad\ufffd.py" in named, tool
                    assert {"path": "link", "reason": "symlink",
                            "detail": "-> t\ufffd"} in data["skipped"], tool
                assert text_of(await ok(session, "notes", lang="en")).startswith("# ")

    anyio.run(main)


@pytest.mark.slow
def test_paging_through_a_large_digest(world: dict[str, Any]) -> None:
    """Under a small response cap, the first answer says the cap and how to page, and the pages
    put together are exactly the digest."""
    expected = digest(str(world["project"]), cache=False).render()

    async def main() -> None:
        async with connect(world, "--response-tokens", "1000") as session:
            first = await ok(session, "digest", source=".")
            data = first.structured_content
            assert data is not None and data["truncated"]
            text = text_of(first)
            assert "response cap is 1,000 tokens" in text
            ident = data["id"]
            assert f'read_digest(id="{ident}", start_line=' in text
            # the warning about a file that is most of the digest comes first, as a note
            note = "Note: src/big.py is 99% of the digest"
            assert text.startswith(note)
            text = text.partition("\n")[2]
            pages = [text.rsplit("[truncated:", 1)[0]]
            start = int(re.findall(r"start_line=(\d+)", text)[0])
            calls = 0
            while True:
                page = await ok(session, "read_digest", id=ident, start_line=start)
                assert page.structured_content is not None
                body = text_of(page)
                if page.structured_content["truncated"]:
                    assert "response cap is 1,000 tokens" in body
                    pages.append(body.rsplit("[truncated:", 1)[0])
                    start = page.structured_content["end_line"] + 1
                else:
                    pages.append(body.rsplit("\n[stored as id", 1)[0])
                    break
                calls += 1
                assert calls < 200
            assert "".join(pages) == expected
            assert calls > 5
            big = await ok(session, "read_digest", id=ident, path="src/big.py")
            assert "response cap is 1,000 tokens" in text_of(big)
            assert text_of(big).startswith("value_0 = 0 * 0  # line 0\n")

    anyio.run(main)


@pytest.mark.slow
def test_every_refusal_is_a_tool_error_with_a_clear_message(world: dict[str, Any]) -> None:
    http = world["http"]

    async def main() -> None:
        async with connect(world, "--root", str(world["project"]), "--call-timeout", "60",
                           "--max-files", "2") as session:
            capped = await ok(session, "digest", source=".", max_files=10)
            assert "\nNote: max_files lowered to this server's limit of 2\n" in text_of(capped)
            assert capped.structured_content is not None
            assert capped.structured_content["summary"]["files"] == 2
            assert "limit" in {s["reason"] for s in capped.structured_content["skipped"]}
            assert "outside the allowed folders" in await refused(
                session, "digest", source=str(world["outside"]))
            assert "outside the allowed folders" in await refused(
                session, "digest", source="../outside")
            assert "file:// sources are not allowed" in await refused(
                session, "digest", source=world["project"].as_uri())
            assert "private or local address" in await refused(
                session, "digest", source=f"{http.url}/owner/repo")
            assert "ssh:// sources are not allowed" in await refused(
                session, "tree", source="ssh://git@127.0.0.1/owner/repo")
            off = await refused(session, "digest", source=".", secrets="off")
            assert "secret redaction cannot be turned off" in off
            token = await refused(session, "digest", source=".", token="hunter2")
            assert "only from the server's environment" in token
            assert "is not accepted here" in await refused(
                session, "stats", source=".", output="/tmp/x.txt")
            assert "unknown argument 'bogus'" in await refused(
                session, "map", source=".", bogus=1)
            assert "no stored digest" in await refused(session, "read_digest",
                                                       id="../../etc/passwd")
            with pytest.raises(MCPError, match="no stored digest '000000000000'"):
                await session.read_resource("gitdigest://digest/000000000000")
            result = await ok(session, "digest", source=".", include="README.md")
            assert result.structured_content is not None
            assert "invalid regular expression" in await refused(
                session, "grep_digest", id=result.structured_content["id"], pattern="(")
            assert "unknown model 'no-such-model'" in await refused(
                session, "digest", source=".", model="no-such-model")
        async with connect(world, "--call-timeout", "0.001") as session:
            message = await refused(session, "digest", source=".")
            assert "over this server's limit of 0.001 seconds" in message

    anyio.run(main)


@pytest.mark.slow
def test_remote_repositories_on_a_loopback_server(world: dict[str, Any]) -> None:
    """With --allow-private-hosts the loopback server is reachable; the private repository's
    token comes from the server's environment and never appears in an answer."""
    http = world["http"]

    async def main() -> None:
        async with connect(world, "--allow-private-hosts",
                           env={"GITDIGEST_TOKEN": TOKEN,
                                "GITDIGEST_TOKEN_HOSTS": "127.0.0.1"}) as session:
            public = await ok(session, "digest", source=f"{http.url}/owner/repo",
                              include="src/app.py")
            assert public.structured_content is not None
            assert public.structured_content["source"]["kind"] == "remote"
            assert "return 'needle'" in text_of(public)
            private = await ok(session, "stats", source=f"{http.url}/private/repo")
            assert private.structured_content is not None
            assert private.structured_content["summary"]["files"] == 4
            mapped = await ok(session, "map", source=f"{http.url}/private/repo")
            tree = await ok(session, "tree", source=f"{http.url}/owner/repo/tree/main/src")
            assert "big.py" in text_of(tree) and "README" not in text_of(tree)
            ident = public.structured_content["id"]
            found = await ok(session, "grep_digest", id=ident, pattern="needle")
            assert "(src/app.py:2)" in text_of(found)
            one = await ok(session, "read_digest", id=ident, path="src/app.py", start_line=2)
            assert text_of(one) == "    return 'needle'\n"
            for answer in (public, private, mapped):
                assert TOKEN not in text_of(answer)
                assert TOKEN not in json.dumps(answer.structured_content)
            missing = await refused(session, "digest", source=f"{http.url}/owner/none.git")
            assert TOKEN not in missing

    anyio.run(main)
    assert any(auth for _, path, auth in http.requests if path.startswith("/private/"))


@pytest.mark.slow
def test_client_roots_decide_without_root(world: dict[str, Any]) -> None:
    """Without --root the client's MCP roots are the allowed folders (here: only the project,
    though the server runs in the folder above it)."""

    async def main() -> None:
        async with connect(world, roots=[world["project"]], cwd=world["base"]) as session:
            result = await ok(session, "tree", source=".")
            assert "app.py" in text_of(result)
            assert "outside the allowed folders" in await refused(
                session, "tree", source=str(world["outside"]))

    anyio.run(main)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.slow
def test_streamable_http_transport(world: dict[str, Any]) -> None:
    port = _free_port()
    server = subprocess.Popen([GITDIGEST, "mcp", "--transport", "http", "--port", str(port)],
                              cwd=world["project"], env={**os.environ, **world["env"]},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port),
                                                                         timeout=1):
                break
            assert server.poll() is None, "the server exited"
            time.sleep(0.2)

        async def main() -> None:
            async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (
                    read, write), ClientSession(read, write) as session:
                await session.initialize()
                listed = {tool.name for tool in (await session.list_tools()).tools}
                assert listed == TOOLS
                result = await ok(session, "digest", source=".", include="src/app.py")
                assert "return 'needle'" in text_of(result)
                assert "outside the allowed folders" in await refused(
                    session, "digest", source=str(world["outside"]))

        anyio.run(main)
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_without_the_extra_the_command_says_what_to_install(tmp_path: Path) -> None:
    """`gitdigest mcp` without the SDK: one line naming the extra, exit 2."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "mcp.py").write_text("raise ImportError('blocked', name='mcp')\n")
    result = subprocess.run([sys.executable, "-c", "from gitdigest.cli import main; main()",
                             "mcp"], env={**os.environ, "PYTHONPATH": str(blocker)},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr == ("gitdigest: error: the MCP server needs the mcp extra: "
                             "pip install '.[mcp]'\n")


def test_every_answer_leaves_as_valid_unicode() -> None:
    # a lone surrogate (a name that is not UTF-8) reaching the SDK's encoder ended the whole
    # server; whatever a tool returns is made valid where it leaves
    from gitdigest.mcp_server.server import _result
    from gitdigest.mcp_server.tools import Reply

    result = _result(Reply("FILE: bad\udcff.py\n", {"files": [{"path": "bad\udcff.py"}],
                                                     "note": ("x\udce9",)}))
    sent = result.model_dump_json()
    sent.encode("utf-8")  # what failed before
    assert "bad\ufffd.py" in json.loads(sent)["content"][0]["text"]
    assert json.loads(sent)["structured_content"]["files"][0]["path"] == "bad\ufffd.py"
