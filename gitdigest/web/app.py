"""The ASGI app: the form, the result page, the URL trick and the JSON API.

Every digest runs through :mod:`gitdigest.web.runner` (a child process per digest, under the
server's limits) and is stored by :mod:`gitdigest.web.store`; the app itself keeps no state
between requests, so any number of workers can serve one cache folder.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import __version__
from ..core.errors import GitDigestError
from ..core.paths import display, readable
from .formspec import UNAVAILABLE, form_layout, options_from, schema_properties
from .guard import Guard
from .limits import Limiter, LimitReached, Limits
from .runner import run_job
from .settings import WebSettings
from .store import ResultStore
from .view import OPEN_TREE, PREVIEW, advice, bars, caps, human_size, tree, tree_rows

_HOST = re.compile(r"(?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]+(?::[0-9]{1,5})?|localhost(?::[0-9]{1,5})?"
                   r"|[0-9.]+:[0-9]{1,5}")
_STATUS = {2: 400, 3: 502, 70: 500}


def token_of(request: Request) -> str | None:
    """A private repository's token: ``X-Git-Token``, or ``Authorization: Bearer``/``token``.
    Never read from the URL or the form."""
    token = request.headers.get("x-git-token", "").strip()
    if token:
        return token
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() in ("bearer", "token") and value.strip():
        return value.strip()
    return None


def source_of_path(settings: WebSettings, host: str, rest: str) -> str:
    """The repository URL that ``/<host>/<owner>/<repo>[/tree/<ref>/<path>]`` stands for."""
    scheme = "http" if host in settings.http_hosts else "https"
    return f"{scheme}://{host}/{rest}"


def script_json(value: Any) -> Markup:
    """JSON safe inside ``<script type="application/json">``: no ``</script>`` can end it."""
    text = json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text.replace("&", "\\u0026"))


def _error(message: str, status: int, retry_after: int | None = None) -> JSONResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _status(event: dict[str, Any]) -> int:
    if event.get("kind") == "SourceRefused":
        return 403
    if event.get("kind") == "TimeLimit":
        return 504
    return _STATUS.get(int(event.get("code", 70)), 500)


class WebApp:
    """Routes over one deployment's settings."""

    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self.store = ResultStore(settings.web_dir, settings.keep_results)
        self.limiter = Limiter(settings.web_dir / "limits.sqlite", Limits(
            settings.rate_per_minute, settings.per_client, settings.total_jobs,
            stale_after=settings.time_limit + 60))
        self.templates = Environment(loader=PackageLoader("gitdigest.web", "templates"),
                                     autoescape=select_autoescape(default=True))
        self.templates.filters["size"] = human_size
        # a name as the digest shows it: what could hide or reorder it escaped (Trojan Source)
        self.templates.filters["shown"] = display
        # the real name where a click sends it back, valid Unicode: a page cannot hold the
        # surrogates of a name that is not UTF-8 (they made the page an error 500)
        self.templates.filters["readable"] = readable

    def page(self, name: str, status: int = 200, **values: Any) -> HTMLResponse:
        """A rendered template with what every page shows (caps, version)."""
        template = self.templates.get_template(name)
        html = template.render(caps=caps(self.settings), version=__version__,
                               local=bool(self.settings.local_roots), **values)
        return HTMLResponse(html, status_code=status)

    # --- pages -----------------------------------------------------------------------------

    def form(self, source: str, values: dict[str, str], **flags: bool) -> HTMLResponse:
        """The form: the repository box and a few choices, the rest folded away (open when
        the request already sets one of them)."""
        first, sections = form_layout()
        folded = any(f.name in values for section in sections for f in section.fields)
        return self.page("index.html", first=first, sections=sections, source=source,
                         values=values, more_open=folded, unavailable=UNAVAILABLE, **flags)

    async def index(self, request: Request) -> Response:
        """The form (the URL trick prefills it and starts the digest at once)."""
        return self.form("", {}, autostart=False)

    async def favicon(self, request: Request) -> Response:
        """The icon browsers ask for at ``/favicon.ico`` (an SVG: every current browser
        draws one)."""
        return FileResponse(Path(__file__).with_name("static") / "favicon.svg",
                            media_type="image/svg+xml",
                            headers={"Cache-Control": "public, max-age=86400"})

    async def url_trick(self, request: Request) -> Response:
        """``/<host>/<owner>/<repo>...``: the form, filled in, digesting at once."""
        host, rest = request.path_params["host"], request.path_params["rest"]
        if not _HOST.fullmatch(host) or not rest.strip("/"):
            return self.page("error.html", 404, message="No such page.")
        values = dict(request.query_params)
        try:
            options_from({**values, "source": "x"})
        except GitDigestError as error:
            return self.page("error.html", 400, message=str(error))
        # opened from another site's page (a link, a script): filled in, but the visitor
        # presses Digest; typed, bookmarked or from this page: digesting at once
        own = self.settings.host_check.fetch_refusal(request.headers.get("sec-fetch-site"))
        return self.form(source_of_path(self.settings, host, rest), values,
                         autostart=own is None, confirm=own is not None)

    async def result(self, request: Request) -> Response:
        """A finished digest: summary, tree, bars, model fit and the digest itself."""
        key = request.path_params["key"]
        meta = self.store.meta(key)
        path = self.store.digest_path(key)
        if meta is None or path is None:
            return self.page("error.html", 404, message="No such digest (results are kept "
                             "for a while, then removed; digest the repository again).")
        text = preview = None
        if meta["size"] <= self.settings.show_limit:
            text = await run_in_threadpool(path.read_text, encoding="utf-8")
        else:
            preview = await run_in_threadpool(_head, path, min(PREVIEW, self.settings.show_limit))
        return self.page("result.html", key=key, meta=meta, root=tree(meta), bars=bars(meta),
                         text=text, preview=preview, open_tree=tree_rows(meta) <= OPEN_TREE,
                         rows=tree_rows(meta), request_json=script_json(meta["request"]))

    async def download(self, request: Request) -> Response:
        """The whole digest as a file (streamed from disk: never cropped)."""
        key = request.path_params["key"]
        meta = self.store.meta(key)
        path = self.store.digest_path(key)
        if meta is None or path is None:
            return PlainTextResponse("no such digest\n", 404)
        name = (meta["source"]["name"] or "digest") + "-" + (meta["source"]["commit"] or "")[:12]
        suffix = Path(meta["file"]).suffix
        return FileResponse(path, filename=re.sub(r"[^A-Za-z0-9._-]", "_", name) + suffix)

    async def raw(self, request: Request) -> Response:
        """The digest as text, for the Copy button when it is too big to sit in the page."""
        path = self.store.digest_path(request.path_params["key"])
        if path is None:
            return PlainTextResponse("no such digest\n", 404)
        return FileResponse(path, media_type="text/plain; charset=utf-8")

    # --- running digests -------------------------------------------------------------------

    def _admit(self, request: Request, body: dict[str, Any]
               ) -> tuple[dict[str, Any], str | None, str | None]:
        """Checked options, and either the key of a result this request gave moments ago
        (public sources only; no git, no limiter slot) or a limiter slot; errors are raised."""
        chosen = _jsonable(options_from(body))
        if token_of(request) is None:
            recent = self.store.recent(chosen, self.settings.fresh_for)
            if recent is not None:
                return chosen, recent, None
        client = request.client.host if request.client else "unknown"
        return chosen, None, self.limiter.admit(client)

    async def _events(self, chosen: dict[str, Any], token: str | None, slot: str
                      ) -> AsyncIterator[dict[str, Any]]:
        try:
            async for event in run_job(chosen, token, self.settings):
                if event.get("kind") == "SourceRefused":
                    event["error"] = advice(str(event["error"]), self.settings)
                yield event
        finally:
            self.limiter.release(slot)

    async def run(self, request: Request) -> Response:
        """``POST /api/run``: the page's digest, as a stream of JSON lines (progress, then
        ``{"done": key, "url": ...}`` or ``{"error": ...}``)."""
        try:
            chosen, recent, slot = self._admit(request, await _body(request))
        except LimitReached as error:
            return _error(str(error), 429, error.retry_after)
        except GitDigestError as error:
            return _error(str(error), 400)

        async def lines() -> AsyncIterator[bytes]:
            if slot is None:
                yield (json.dumps({"done": recent, "cached": True, "url": f"/d/{recent}"})
                       + "\n").encode()
                return
            async for event in self._events(chosen, token_of(request), slot):
                if "done" in event:
                    event["url"] = f"/d/{event['done']}"
                if "error" in event:
                    event["status"] = _status(event)
                yield (json.dumps(event) + "\n").encode()

        return StreamingResponse(lines(), media_type="application/x-ndjson",
                                 headers={"Cache-Control": "no-store"})

    async def api_digest(self, request: Request) -> Response:
        """``POST /api/digest`` (JSON body) or ``GET /api/digest/<host>/<owner>/<repo>``
        (options in the query): the CLI's JSON digest."""
        try:
            if request.method == "POST":
                body = await _body(request)
            else:
                body = dict(request.query_params)
                for name in ("include", "exclude", "priority"):
                    if name in request.query_params:
                        body[name] = request.query_params.getlist(name)
                body["source"] = source_of_path(self.settings, request.path_params["host"],
                                                request.path_params["rest"])
            body["format"] = "json"
            chosen, recent, slot = self._admit(request, body)
        except LimitReached as error:
            return _error(str(error), 429, error.retry_after)
        except GitDigestError as error:
            return _error(str(error), 400)
        final: dict[str, Any] = {"done": recent}
        if slot is not None:
            final = {"error": "no result", "code": 70}
            async for event in self._events(chosen, token_of(request), slot):
                final = event
        if "done" not in final:
            return _error(str(final["error"]), _status(final))
        path = self.store.digest_path(final["done"])
        if path is None:
            return _error("the result was removed before it could be sent", 500)
        return FileResponse(path, media_type="application/json",
                            headers={"X-Gitdigest-Result": f"/d/{final['done']}"})

    async def openapi(self, request: Request) -> Response:
        """The JSON API, described as OpenAPI 3."""
        return JSONResponse(openapi_document())


def _head(path: Path, size: int) -> str:
    """The first ``size`` bytes of a text file, cut at a line end (a preview, never the
    whole)."""
    with path.open("rb") as file:
        head = file.read(size)
    return head[: head.rfind(b"\n") + 1 or len(head)].decode("utf-8", errors="replace")


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {name: list(value) if isinstance(value, tuple) else value
            for name, value in values.items()}


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise _BadBody("the request body must be a JSON object of options") from None
    if not isinstance(body, dict):
        raise _BadBody("the request body must be a JSON object of options")
    return body


class _BadBody(GitDigestError):
    """A request body that is not a JSON object."""


def openapi_document() -> dict[str, Any]:
    """The OpenAPI description of the JSON API; its parameters come from the options."""
    properties = schema_properties()
    errors = {str(code): {"description": text, "content": {"application/json": {"schema": {
        "type": "object", "properties": {"error": {"type": "string"}}}}}}
        for code, text in ((400, "bad options or source"), (403, "source refused by the "
                           "server's network rules"), (429, "rate or concurrency limit "
                           "(Retry-After says when)"), (502, "the repository could not be "
                           "fetched"), (504, "over the server's time limit"))}
    digest = {"200": {"description": "the digest in gitdigest's JSON format (version 1)",
                      "content": {"application/json": {"schema": {"type": "object"}}}},
              **errors}
    security: list[dict[str, list[str]]] = [{"bearer": []}, {"gitToken": []}, {}]
    query = [{"name": name, "in": "query", "required": False, "schema": schema,
              "description": schema.get("description", "")}
             for name, schema in properties.items() if name != "source"]
    path_params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                   for name in ("host", "path")]
    return {
        "openapi": "3.0.3",
        "info": {"title": "gitdigest", "version": __version__,
                 "description": "A Git repository as one prompt-ready digest with exact token "
                                "counts. Tokens for private repositories go in a header only."},
        "components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "gitToken": {"type": "apiKey", "in": "header", "name": "X-Git-Token"}}},
        "paths": {
            "/api/digest": {"post": {
                "summary": "Digest a repository", "security": security,
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["source"], "properties": properties,
                    "additionalProperties": False}}}},
                "responses": digest}},
            "/api/digest/{host}/{path}": {"get": {
                "summary": "Digest https://{host}/{path} (owner/repo[/tree/ref/subpath])",
                "security": security, "parameters": path_params + query,
                "responses": digest}},
        },
    }


class _NoQuery(logging.Filter):
    """Access-log lines without query strings: whatever a visitor puts in a URL (even a token
    pasted against the page's advice, which is refused) never reaches a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].partition("?")[0], *args[3:])
        return True


def create_app(settings: WebSettings | None = None) -> Starlette:
    """The app for ``settings`` (default: what ``gitdigest serve`` put in the environment)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _NoQuery) for f in access.filters):
        access.addFilter(_NoQuery())
    app = WebApp(settings or WebSettings.from_env())
    static = StaticFiles(packages=[("gitdigest.web", "static")])
    guard = Middleware(Guard, check=app.settings.host_check, work_paths=("/api/digest/",))
    return Starlette(middleware=[guard], routes=[
        Route("/", app.index),
        Route("/favicon.ico", app.favicon),
        Mount("/static", static, name="static"),
        Route("/api/run", app.run, methods=["POST"]),
        Route("/api/digest", app.api_digest, methods=["POST"]),
        Route("/api/digest/{host}/{rest:path}", app.api_digest, methods=["GET"]),
        Route("/api/openapi.json", app.openapi),
        Route("/d/{key}", app.result),
        Route("/d/{key}/download", app.download),
        Route("/d/{key}/raw", app.raw),
        Route("/{host}/{rest:path}", app.url_trick),
    ])
