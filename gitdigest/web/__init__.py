"""``gitdigest serve``: the web page and JSON API (needs the ``web`` extra).

Importing this package imports nothing heavy: the app (Starlette, Jinja2) is built by
:func:`gitdigest.web.app.create_app`, and :func:`serve` loads uvicorn only when it runs.
"""

from __future__ import annotations

import dataclasses
import os

from ..core.errors import UsageError, install_hint
from .settings import ENV, WebSettings

__all__ = ["WebSettings", "serve"]


def serve(settings: WebSettings, host: str = "127.0.0.1", port: int = 8000,
          workers: int = 1) -> None:
    """Run the app under uvicorn until interrupted. Every worker reads ``settings`` from the
    environment and shares only the cache folder with the others."""
    try:  # the workers import the app by name: a missing module would surface as a bug there
        import uvicorn

        from . import app  # noqa: F401
    except ImportError as error:
        if (error.name or "gitdigest").startswith("gitdigest"):
            raise
        raise UsageError(f"the web page needs the web extra ({error.name} is missing): "
                         f"{install_hint('web')}") from None
    os.environ[ENV] = dataclasses.replace(settings, bind=host).to_env()
    uvicorn.run("gitdigest.web.app:create_app", factory=True, host=host, port=port,
                workers=workers, log_level="info", server_header=False)
