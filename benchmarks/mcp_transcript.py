"""An MCP client's session with ``gitdigest mcp`` on one repository: each call, its time and
the size of its answer (text and structured JSON, in o200k_base tokens).

    python benchmarks/mcp_transcript.py /path/to/repo [--response-tokens N]

The server runs over stdio in the repository's folder, driven by the official SDK's client, as
an agent would: map and stats first, the digest, pages, one file, a search, budgeted digests,
then the refusals a model might provoke.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp import ClientSession, StdioServerParameters, stdio_client

from gitdigest.count.tokens import TokenCounter

COUNTER = TokenCounter("o200k_base")


async def session(repo: Path, extra: list[str]) -> None:
    started = time.monotonic()
    params = StdioServerParameters(command=str(Path(sys.executable).with_name("gitdigest")),
                                   args=["mcp", *extra], cwd=str(repo))
    async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
        await client.initialize()
        print(f"initialize: {time.monotonic() - started:.1f}s")
        tools = (await client.list_tools()).tools
        print("tools/list:", ", ".join(tool.name for tool in tools))

        async def call(name: str, **arguments: Any) -> tuple[dict[str, Any], str]:
            began = time.monotonic()
            result = await client.call_tool(name, arguments)
            text = "\n".join(b.text for b in result.content if isinstance(b, types.TextContent))
            data = result.structured_content or {}
            shown = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
            line = (f"{name}({shown}): {time.monotonic() - began:.2f}s, "
                    f"{'ERROR ' if result.is_error else ''}text {COUNTER.count(text):,} tokens, "
                    f"structured {COUNTER.count(json.dumps(data)) if data else 0:,} tokens")
            if "summary" in data:
                line += (f" | digest of {data['summary']['files']} files, "
                         f"{data['summary']['tokens']:,} tokens")
            if data.get("truncated"):
                line += " | truncated"
            print(line)
            if result.is_error:
                print("   ", text)
            return data, text

        await call("map", source=".")
        await call("stats", source=".")
        whole, text = await call("digest", source=".")
        ident = whole["id"]
        print("   ", text.splitlines()[-1])
        if whole.get("truncated"):
            await call("read_digest", id=ident, start_line=int(
                text.rsplit("start_line=", 1)[1].split(")")[0]))
        largest = max(whole.get("files") or [{"path": "README.md", "tokens": 0}],
                      key=lambda f: f["tokens"])["path"]
        await call("read_digest", id=ident, path=largest)
        await call("grep_digest", id=ident, pattern=r"^\s*def \w+\(", max_matches=5)
        await call("digest", source=".", model="gpt-4o", format="markdown")
        await call("tree", source=".", exclude=["tests/", "docs/"])
        await call("notes", lang="en")
        await call("models")
        await call("digest", source="/etc")
        await call("digest", source="http://169.254.169.254/latest/meta-data")
        await call("digest", source=".", secrets="off")
        await call("digest", source=".", token="ghp_example")
        listed = await client.list_resources()
        print(f"resources/list: {len(listed.resources)} resources")
        prompt = await client.get_prompt("review", {"source": ".", "max_tokens": "30000"})
        message = prompt.messages[0].content
        assert isinstance(message, types.TextContent)
        print(f"prompts/get review(max_tokens=30000): {COUNTER.count(message.text):,} tokens")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--response-tokens", default=None)
    args = parser.parse_args()
    extra = ["--response-tokens", args.response_tokens] if args.response_tokens else []
    anyio.run(session, args.repo.resolve(), extra)


if __name__ == "__main__":
    main()
