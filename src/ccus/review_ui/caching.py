"""Caching of what the web app answers: nothing that carries personal data is kept by a browser
or a proxy. Every ``/api/`` response says ``Cache-Control: no-store`` (the staff screens' pages
say it through ``web.SECURITY_HEADERS``)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_STORE_PREFIXES = ("/api/",)


class NoStoreMiddleware:
    """Sets ``Cache-Control: no-store`` (and ``Pragma: no-cache`` for HTTP/1.0 caches) on every
    response under :data:`NO_STORE_PREFIXES`, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(NO_STORE_PREFIXES):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Cache-Control"] = "no-store"
                headers["Pragma"] = "no-cache"
            await send(message)

        await self.app(scope, receive, send_no_store)
