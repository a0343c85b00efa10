"""One digest for the web app, run in its own process (``python -m gitdigest.web.job``).

A process per digest gives the server what threads cannot: a wall-clock limit that really
stops the work (the process is killed), forked counting workers that never share a threaded
parent, and nothing left in the server's memory. The request comes as one JSON object on stdin
(the token too: never in argv or the environment, which other users can read); progress and
the outcome go to stdout as JSON lines: ``{"progress": text}``, then ``{"done": key}`` or
``{"error": text, "code": exit code}``.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from ..api import open_digest
from ..core.errors import EXIT_BUG, GitDigestError, RemoteError
from ..options import Options
from ..sources.credentials import env_token
from ..sources.netguard import NetworkPolicy
from ..sources.urls import looks_remote, parse_remote
from .settings import WebSettings
from .store import ResultStore, fresh_key, result_key


def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def capped(request: dict[str, Any], settings: WebSettings, token: str | None) -> Options:
    """The visitor's options with the server's caps on top (never looser than asked)."""
    values = dict(request)
    return Options.create(
        **values, token=token, max_files=settings.max_files,
        max_total_size=settings.max_total_size, timeout=settings.git_timeout, cache=True)


def policy_of(settings: WebSettings) -> NetworkPolicy:
    """The network rules of this deployment."""
    roots = tuple(Path(root) for root in settings.local_roots)
    return NetworkPolicy(allow_hosts=frozenset(settings.allow_hosts), allow_private=False,
                         local_roots=roots or None)


def _authenticated(options: Options) -> bool:
    """Whether a token goes with this request's source: the visitor's header token, or the
    server's GITDIGEST_TOKEN where GITDIGEST_TOKEN_HOSTS binds it to the source's host."""
    if options.token:
        return True
    try:
        url = parse_remote(options.source) if looks_remote(options.source) else None
    except GitDigestError:
        return False
    return url is not None and env_token(url.scheme, url.host, os.environ, server=True)[0] \
        is not None


def run(payload: dict[str, Any]) -> dict[str, Any]:
    """Digest one request and store the result; the final event."""
    settings = WebSettings.from_dict(payload["settings"])
    request: dict[str, Any] = payload["request"]
    options = capped(request, settings, payload.get("token"))
    store = ResultStore(settings.web_dir, settings.keep_results)
    _emit({"progress": "starting"})
    with open_digest(options, lambda message: _emit({"progress": message}),
                     policy=policy_of(settings)) as digest:
        # a private repository's digest is never found by key: only its link shows it (a
        # token went along: the visitor's, or one the operator bound to the host)
        key = None if _authenticated(options) else result_key(digest, digest.options)
        cached = key is not None and store.folder(key) is not None
        if not cached:
            _emit({"progress": f"rendering {digest.summary.files:,} files "
                               f"({digest.summary.tokens:,} tokens)"})
            # a private repository or a working tree gets a fresh, unlisted key
            final = key or fresh_key()
            store.save(final, digest, request)
    if key is None:
        return {"done": final, "cached": False}
    store.remember(request, key)
    return {"done": key, "cached": cached}


def main() -> None:
    """Read the request from stdin, write events to stdout; errors are events, not crashes."""
    try:
        _emit(run(json.loads(sys.stdin.read())))
    except GitDigestError as error:
        hint = (" Here: open 'Private repository' on the page, or send the X-Git-Token or "
                "Authorization header to the API." if isinstance(error, RemoteError)
                and "token" in str(error) else "")
        _emit({"error": str(error) + hint, "code": error.exit_code,
               "kind": type(error).__name__})
    except Exception as error:  # a bug: the server logs the traceback, the visitor gets a line
        traceback.print_exc(file=sys.stderr)
        _emit({"error": f"internal error ({type(error).__name__})", "code": EXIT_BUG,
               "kind": "InternalError"})


if __name__ == "__main__":
    main()
