"""The MCP server: the tools of :mod:`.tools` on the official SDK, over stdio or streamable
HTTP on loopback.

A model chooses every argument here, so each call runs under the server's limits: sources
through the shared :class:`~gitdigest.sources.netguard.NetworkPolicy` (local folders only inside the
allowed roots, no ``file://``, no private hosts unless allowed), redaction always on, a time
limit per call, size caps, and tokens only from the server's environment. A refusal is a tool
error with a one-line message, never a traceback.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
import warnings
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlparse

import anyio
import mcp_types as types
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError
from mcp.server.mcpserver.prompts.base import UserMessage
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import Field

from .. import __version__
from ..core.errors import GitDigestError
from ..core.hostcheck import HostCheck, host_name, served_names
from ..core.paths import readable
from ..notes import LANGUAGES
from ..options import AUTO, TOKENIZER_CHOICES
from .params import FORBIDDEN_CHOICES, WITHHELD, parameters
from .tools import Limits, Reply, Tools, unicode_values

INSTRUCTIONS = """\
gitdigest turns a Git repository (a local folder inside the allowed roots, or an http(s)
repository URL) into one prompt-ready digest with exact token counts. Start with `map` or
`stats` to see where the tokens are, then `digest` with include/exclude patterns or a token
budget (max_tokens, or model). Answers are capped in tokens: a longer result is stored and its
id returned; page it with `read_digest` and search it with `grep_digest`."""

_SOURCE_HELP = ("A local folder or file inside the allowed roots (relative paths are relative "
                "to the first root), or an http(s) repository URL such as "
                "https://github.com/owner/repo/tree/main/src.")

_DESCRIPTIONS = {
    "digest": "Digest a repository: summary, directory tree and every selected file's text, "
              "with exact token counts. Returns the whole digest when it fits the response "
              "cap, else its first page and an id to read on with read_digest. Structured "
              "result: the CLI's JSON without file contents.",
    "stats": "Tokens per folder and per file (largest first) for the files a digest would "
             "hold: decide what to include before digesting.",
    "tree": "The directory tree a digest would show (included files, links and submodules).",
    "map": "A map of the repository: each file's key definitions (classes, functions, "
           "signatures), most important files first (or most relevant to `query`), within "
           "max_tokens (default 4,000). Use it to decide what to read or digest next.",
}


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)],
                                is_error=True)


def _result(reply: Reply) -> types.CallToolResult:
    # every answer made valid Unicode where it leaves, whatever tool made it: a lone
    # surrogate (a name that is not UTF-8) that reached the SDK's encoder ended the server
    return types.CallToolResult(content=[types.TextContent(type="text",
                                                           text=readable(reply.text))],
                                structured_content=unicode_values(reply.data))


class _Server(MCPServer[Any]):
    """The SDK's server, strict about arguments and listing the stored digests as resources."""

    def __init__(self, gitdigest_tools: Tools, **settings: Any) -> None:
        super().__init__(**settings)
        self.gitdigest_tools = gitdigest_tools

    async def call_tool(self, name: str, arguments: dict[str, Any],
                        context: Context[Any, Any] | None = None) -> Any:
        # an argument the schema does not name is a mistake (or a try at `token`): say so
        # instead of silently dropping it
        tool = self._tool_manager.get_tool(name)
        for key, forbidden in FORBIDDEN_CHOICES.items():
            if tool is not None and arguments.get(key) in forbidden:
                return _error(f"error: {key}={arguments[key]!r} is not allowed here: secret "
                              "redaction cannot be turned off through this server")
        if tool is not None:
            known = set(tool.parameters.get("properties", {}))
            for key in arguments:
                if key not in known:
                    why = WITHHELD.get(key)
                    return _error(f"error: {key} is not accepted here: {why}" if why else
                                  f"error: unknown argument {key!r}; {name} takes "
                                  f"{', '.join(sorted(known))}")
        return await super().call_tool(name, arguments, context)

    async def list_resources(self) -> list[types.Resource]:
        listed = await super().list_resources()
        for stored in self.gitdigest_tools.store.recent():
            listed.append(types.Resource(uri=stored.uri, name=stored.id, title=stored.title,
                                         description=f"{stored.title}: {stored.lines:,} lines, "
                                                     f"{stored.tokens:,} tokens",
                                         mime_type="text/plain"))
        return listed


def _paths_of(roots: Iterable[types.Root]) -> tuple[Path, ...]:
    """The local folders of the client's ``file://`` roots."""
    out = []
    for root in roots:
        parsed = urlparse(str(root.uri))
        if parsed.scheme == "file" and parsed.netloc in ("", "localhost"):
            out.append(Path(unquote(parsed.path)))
    return tuple(out)


class Runner:
    """Runs each tool call in a thread under the call's limits and maps errors to tool errors."""

    def __init__(self, limits: Limits, explicit_roots: bool) -> None:
        self.limits = limits
        self.explicit_roots = explicit_roots
        self.tools = Tools(limits)

    async def roots(self, context: Context[Any, Any] | None) -> tuple[Path, ...]:
        """``--root`` when given; else the client's roots when it declares any; else the folder
        the server started in."""
        if self.explicit_roots or context is None:
            return self.limits.roots
        try:
            capabilities = context.session.client_capabilities
            if capabilities is None or capabilities.roots is None:
                return self.limits.roots
            with warnings.catch_warnings():  # roots are deprecated in the newest protocol only
                warnings.simplefilter("ignore")
                listed = await context.session.list_roots()
        except Exception:  # a client that cannot answer: the default, never wider
            logging.getLogger(__name__).info("the client did not list its roots")
            return self.limits.roots
        return _paths_of(listed.roots) or self.limits.roots

    async def run(self, context: Context[Any, Any] | None,
                  work: Callable[[Tools], Reply]) -> types.CallToolResult:
        """``work`` on a thread, within the call time limit; refusals become tool errors."""
        roots = await self.roots(context)
        tools = self.tools
        if roots != self.limits.roots:
            tools = Tools(Limits(**{**self.limits.__dict__, "roots": roots}), self.tools.store)
        limit = self.limits.call_timeout
        try:
            with anyio.fail_after(limit):
                reply = await anyio.to_thread.run_sync(work, tools, abandon_on_cancel=True)
        except TimeoutError:
            return _error(f"error: the call ran over this server's limit of {limit:g} seconds; "
                          "narrow it (include/exclude, a subfolder URL, max_files)")
        except GitDigestError as error:
            return _error(f"error: {error}")
        return _result(reply)


#: one digest at a time: the pipeline's forked workers find their reader in a module global,
#: so two runs in threads side by side could hand a worker the other run's reader
_PIPELINE = threading.Lock()


def _digest_tool(runner: Runner, name: str) -> Callable[..., Awaitable[types.CallToolResult]]:
    """A tool taking the derived option parameters (``source`` and the safe options)."""

    def work(values: dict[str, Any], tools: Tools) -> Reply:
        with _PIPELINE:
            reply: Reply = getattr(tools, name)(values)
            return reply

    async def tool(ctx: Context[Any, Any], **values: Any) -> types.CallToolResult:
        return await runner.run(ctx, functools.partial(work, values))

    context = inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context)
    tool.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [context, *parameters(source_help=_SOURCE_HELP)],
        return_annotation=types.CallToolResult)
    tool.__name__ = name
    return tool


def build(limits: Limits, *, explicit_roots: bool = False) -> MCPServer[Any]:
    """The server with every tool, the stored digests as resources and the review prompt."""
    runner = Runner(limits, explicit_roots)
    page = runner.tools.store.cap
    sizes = (f" This server's answers hold at most {limits.response_tokens:,} tokens; a digest "
             f"of at most {page:,} tokens (max_tokens={page}) arrives whole, on a repository "
             "of any size (the tree and the skipped list shrink to fit).")
    server = _Server(runner.tools, name="gitdigest", version=__version__,
                     instructions=INSTRUCTIONS + sizes, log_level="WARNING")
    for name, description in _DESCRIPTIONS.items():
        server.add_tool(_digest_tool(runner, name), name=name,
                        description=description + (sizes if name == "digest" else ""))

    @server.tool(name="read_digest")
    async def read_digest(
        ctx: Context[Any, Any],
        id: Annotated[str, Field(description="The id a digest, stats, tree or map answer "
                                             "gave.")],
        start_line: Annotated[int | None, Field(
            description="First line to read (1-based; default 1).")] = None,
        end_line: Annotated[int | None, Field(
            description="Last line to read (default: as many as the response cap "
                        "allows).")] = None,
        path: Annotated[str | None, Field(
            description="Read this one file of the digest (start_line and end_line then "
                        "count within the file).")] = None,
    ) -> types.CallToolResult:
        """Read a stored result by line range, or one file of a stored digest by its path.
        Each answer stays within the response cap and says where to continue. A single line
        longer than a page is cut at the cap."""
        return await runner.run(None, lambda t: t.read_digest(id, start_line, end_line, path))

    @server.tool(name="grep_digest")
    async def grep_digest(
        ctx: Context[Any, Any],
        id: Annotated[str, Field(description="The id of a stored result.")],
        pattern: Annotated[str, Field(description="A Python regular expression, matched "
                                                  "against each line.")],
        context: Annotated[int, Field(description="Lines shown before and after each "
                                                  "match.")] = 2,
        max_matches: Annotated[int, Field(description="Most matches shown.")] = 50,
    ) -> types.CallToolResult:
        """Search a stored digest with a regular expression: each match with its digest line
        (to read on with read_digest), its file and line in that file, and context lines."""
        return await runner.run(
            None, lambda t: t.grep_digest(id, pattern, context, max_matches))

    @server.tool(name="notes")
    async def notes(ctx: Context[Any, Any], lang: Annotated[
            Literal[LANGUAGES], Field(description="ja: the original; en: our English "  # type: ignore[valid-type]
                                                  "rendering.")] = "ja",
    ) -> types.CallToolResult:
        """The LLM reference notes bundled with gitdigest."""
        return await runner.run(None, lambda t: t.notes(lang))

    @server.tool(name="models")
    async def models(ctx: Context[Any, Any], tokenizer: Annotated[
            Literal[TOKENIZER_CHOICES], Field(description="The encoding gitdigest counts "  # type: ignore[valid-type]
                                                   "with (auto: as the digest tool's model "
                                                   "alone counts).")] = AUTO,
    ) -> types.CallToolResult:
        """The model table: each model's developer, context window and how its tokens are
        counted (names usable as the digest tool's model)."""
        return await runner.run(None, lambda t: t.models(tokenizer))

    @server.resource("gitdigest://digest/{id}", name="digest", mime_type="text/plain",
                     description="A stored digest (or stats, tree, map) by id, whole.")
    def stored_digest(id: str) -> str:
        try:
            return runner.tools.store.get(id).text()
        except GitDigestError as error:
            raise ResourceNotFoundError(str(error)) from None

    @server.prompt(name="review", description="Review this repository or change: fills in a "
                   "digest under a token budget.")
    async def review(source: str, ref: str | None = None, focus: str | None = None,
                     max_tokens: str = "50000") -> list[UserMessage]:
        """A review request with the digest of ``source`` (at ``ref``) within ``max_tokens``."""
        values = {"source": source, "ref": ref, "max_tokens": max_tokens, "format": "text"}
        result = await runner.run(None, functools.partial(_whole_digest, values))
        text = "\n".join(block.text for block in result.content
                         if isinstance(block, types.TextContent))
        if result.is_error:
            raise ValueError(text)
        ask = ("Review this repository" + (f" at {ref}" if ref else "")
               + (f", focusing on {focus}" if focus else "")
               + ": point out bugs, risky code and unclear design, citing file and line. "
               "The digest follows.\n\n")
        return [UserMessage(ask + text)]

    return server


def _whole_digest(values: dict[str, Any], tools: Tools) -> Reply:
    """The digest's whole text (its budget bounds it), for the review prompt."""
    with _PIPELINE:
        reply = tools.digest(values)
    stored = tools.store.get(reply.data["id"])
    return Reply(stored.text(), reply.data)


def transport_security(bind: str, port: int, public_hosts: tuple[str, ...] = ()
                       ) -> TransportSecuritySettings:
    """The SDK's Host and Origin checks (DNS rebinding, other sites' pages), always on: the
    SDK switches them on by itself only for a loopback bind. The names and origins are
    :mod:`gitdigest.core.hostcheck`'s, as for ``gitdigest serve``."""
    check = HostCheck(served_names(bind, public_hosts),
                      tuple(host_name(name) for name in public_hosts))
    hosts = [name + suffix for name in check.names for suffix in ("", f":{port}")]
    hosts += [f"{name}:*" for name in check.public]
    return TransportSecuritySettings(enable_dns_rebinding_protection=True,
                                     allowed_hosts=hosts, allowed_origins=check.origins(port))


def serve(limits: Limits, *, transport: str = "stdio", host: str = "127.0.0.1",
          port: int = 8000, public_hosts: tuple[str, ...] = (),
          explicit_roots: bool = False) -> None:
    """Run the server until the client leaves (stdio) or it is stopped (HTTP)."""
    server = build(limits, explicit_roots=explicit_roots)
    if transport == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host=host, port=port,
                   transport_security=transport_security(host, port, public_hosts))
