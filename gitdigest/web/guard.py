"""The web app's guard against other sites' pages and DNS rebinding (rules in
:mod:`gitdigest.core.hostcheck`).

Every request must name this server in ``Host``. A request that starts work (any method but
GET/HEAD/OPTIONS, and the GET routes in ``work_paths``) must also come from this server's own
page or from a client that is not a browser (no ``Origin``, no ``Sec-Fetch-Site``), and a body
must be JSON: a form or a ``text/plain`` body is what another site's page can send without
asking. Refusals are JSON ``{"error": ...}`` with status 403 (415 for a body that is not JSON).
Every answer also forbids framing, so no other page can trick a click on ours.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.hostcheck import HostCheck

_READS = ("GET", "HEAD", "OPTIONS")
_SAFE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def is_json(content_type: str | None) -> bool:
    """``application/json``, with or without parameters (``; charset=utf-8``)."""
    return (content_type or "").partition(";")[0].strip().lower() == "application/json"


class Guard:
    """ASGI middleware: refuses what :class:`HostCheck` refuses before any route runs."""

    def __init__(self, app: ASGIApp, check: HostCheck, work_paths: tuple[str, ...] = ()
                 ) -> None:
        self.app = app
        self.check = check
        self.work_paths = work_paths

    def starts_work(self, method: str, path: str) -> bool:
        """Whether a request may make the server do something (fetch, digest, store)."""
        return method not in _READS or path.startswith(self.work_paths)

    def refusal(self, scope: Scope) -> tuple[str, int] | None:
        """Why ``scope``'s request is refused and with which status, if it is."""
        headers = Headers(scope=scope)
        host = headers.get("host")
        why = self.check.host_refusal(host)
        if why is None and self.starts_work(scope["method"], scope["path"]):
            why = (self.check.fetch_refusal(headers.get("sec-fetch-site"))
                   or self.check.origin_refusal(headers.get("origin"), host, scope["scheme"]))
            if why is None and scope["method"] not in _READS \
                    and not is_json(headers.get("content-type")):
                return "the request body must be JSON (Content-Type: application/json)", 415
        return (why, 403) if why is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_safe(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _SAFE_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        refused = self.refusal(scope)
        if refused is not None:
            why, status = refused
            await JSONResponse({"error": why}, status_code=status)(scope, receive, send_safe)
            return
        await self.app(scope, receive, send_safe)
