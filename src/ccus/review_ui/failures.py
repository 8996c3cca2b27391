"""What the web app answers, and what it logs, when something underneath it fails (障害時の応答).

S3 or the database out of reach (refused connection, timeout, dropped connection): 503 with a
Japanese message and ``Retry-After``, for the API as JSON and for the staff screens as a page.
Any other unexpected error: 500 with a Japanese message. Either way the log gets the request's
method and path, the exception's class chain, the database's SQLSTATE and constraint name, and the
traceback's frames — never an exception's message: a database error's message carries the SQL
parameters and PostgreSQL's DETAIL ("Failing row contains (…)", "Key (email)=(…)"), that is,
applicants' personal data and password hashes.

One ASGI middleware, inside Starlette's ServerErrorMiddleware: it answers instead of letting the
exception reach the server (uvicorn would log the exception with its message).

A business refusal (``models.errors.Refusal``) is no failure: ONE exception handler
(``install_refusals``) answers it with its kind's HTTP status, as the one JSON envelope for the API
(``refusal_body``) and as the message page for the staff screens.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from botocore import exceptions as boto
from fastapi import FastAPI
from sqlalchemy import exc as sa
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ccus.models.errors import INVALID_JA, Refusal

log = logging.getLogger("ccus.web")

RETRY_AFTER_SECONDS = 30
# Faults of reaching S3 (botocore: EndpointConnectionError, ConnectTimeoutError, ConnectionClosedError,
# ReadTimeoutError, …) or the database (refused, dropped, pool exhausted, serialization).
UNAVAILABLE: tuple[type[BaseException], ...] = (
    boto.ConnectionError, boto.HTTPClientError, sa.OperationalError, sa.InterfaceError, sa.TimeoutError,
)
UNAVAILABLE_JA = "ただいまシステムを一時的に利用できません。しばらくしてから（30秒ほど後に）もう一度お試しください。" \
                 "送信された内容は保存されていません。"
FAILED_JA = "システムエラーが発生しました。しばらくしてからもう一度お試しください。"


def unavailable(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) is a storage or database fault worth retrying later."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, UNAVAILABLE):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def describe(exc: BaseException) -> str:
    """The exception for the log without its message: class chain, SQLSTATE, constraint, frames."""
    chain: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 5:
        name = type(seen).__qualname__
        orig: Any = getattr(seen, "orig", None)
        diag = getattr(orig, "diag", None)
        sqlstate = getattr(orig, "sqlstate", None)
        if sqlstate:
            name += f"[sqlstate={sqlstate}"
            if diag is not None and diag.constraint_name:
                name += f" constraint={diag.constraint_name}"
            name += "]"
        chain.append(name)
        seen = seen.__cause__ or seen.__context__
    frames = "".join(traceback.format_tb(exc.__traceback__))
    return " <- ".join(chain) + "\n" + frames


def _answer(scope: Scope, is_unavailable: bool) -> Response:
    status, message = (503, UNAVAILABLE_JA) if is_unavailable else (500, FAILED_JA)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if is_unavailable else {}
    if str(scope.get("path", "")).startswith("/api/"):
        code = "service_unavailable" if is_unavailable else "internal_error"
        return JSONResponse({"detail": message, "code": code}, status_code=status, headers=headers)
    try:
        from ccus.review_ui.web import refused

        response: Response = refused(Request(scope), message, status, back="/",
                                     title="一時的に利用できません" if is_unavailable else "システムエラー")
    except Exception:  # noqa: BLE001 - the error page itself failed: answer in plain text
        response = PlainTextResponse(message, status_code=status)
    response.headers.update(headers)
    return response


class FailureMiddleware:
    """Answers 503/500 in Japanese for an exception the routes let through; logs it without data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001 - every unexpected error is answered and logged here
            is_unavailable = unavailable(exc)
            log.error("%s %s failed (%s): %s", scope.get("method"), scope.get("path"),
                      "unavailable" if is_unavailable else "error", describe(exc))
            if not started:
                await _answer(scope, is_unavailable)(scope, receive, send)


# Business refusals ---------------------------------------------------------------------------

APPLICATION_INVALID_JA = "申請内容に誤りがあります。"  # the internet channel's word for its form: 申請内容


def refusal_body(exc: Refusal, path: str = "") -> dict[str, Any]:
    """The one JSON envelope of a refusal: ``{"detail": <message>, "errors": [...]}`` when fields
    are at fault, ``{"detail": {"code": …, "message": …}}`` when it has a code, else
    ``{"detail": <message>}``."""
    if exc.errors:
        summary = exc.message
        if summary == INVALID_JA and path.startswith("/api/v1/applications"):
            summary = APPLICATION_INVALID_JA
        return {"detail": summary, "errors": [e.as_dict() for e in exc.errors]}
    if exc.code is not None:
        return {"detail": {"code": exc.code, "message": exc.message}}
    return {"detail": exc.message}


def refusal_headers(exc: Refusal) -> dict[str, str]:
    return {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}


def install_refusals(api: FastAPI) -> None:
    """The one place a ``Refusal`` becomes an HTTP answer: JSON under /api/, a page elsewhere."""

    @api.exception_handler(Refusal)
    async def refusal(request: Request, exc: Refusal) -> Response:
        headers = refusal_headers(exc)
        if request.url.path.startswith("/api/"):
            return JSONResponse(refusal_body(exc, request.url.path), status_code=exc.status, headers=headers)
        from ccus.review_ui.web import refused

        message = exc.message
        if exc.errors:
            message = "、".join(e.message for e in exc.errors)
        response: Response = refused(request, message, exc.status)
        response.headers.update(headers)
        return response
