"""A cap on every other request body (送信データの上限), counted as it arrives.

JSON bodies and the screens' forms are read whole into memory by FastAPI and Starlette, and a
chunked body has no Content-Length to check: without a cap, one unauthenticated request to the
portal's sign-in could hold gigabytes. Every body except the uploads' (which ``uploads.receive``
counts against ``settings.max_upload_bytes`` and spools) is refused with 413 once it passes
:data:`MAX_BODY_BYTES`: at once when its Content-Length says so, else as soon as that many bytes
have arrived (the rest is never read).
"""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 2 * 1024 * 1024  # a batch of 1000 attendance lines is about 200 KB
UPLOAD_PATHS = re.compile(r"^/api/v1/applications(/[^/]+/documents)?/?$|^/counter/new/?$")
TOO_LARGE_JA = f"送信データが大きすぎます（上限は {MAX_BODY_BYTES:,} バイトです）。"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or UPLOAD_PATHS.match(str(scope.get("path", ""))):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
            await JSONResponse({"detail": TOO_LARGE_JA}, status_code=413)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    raise HTTPException(413, TOO_LARGE_JA)  # FastAPI's body reading lets it through
            return message

        await self.app(scope, counted, send)
