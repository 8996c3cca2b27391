"""Sign-in and sign-out (ログイン・ログアウト) of the staff screens."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ccus.review_ui.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, AnyStaff
from ccus.review_ui.auth import Form as CheckedForm
from ccus.review_ui.web import page, see_other
from ccus.services.auth import staff_accounts, throttle

router = APIRouter(include_in_schema=False)

HOME_BY_ROLE = {"reviewer": "/queue", "supervisor": "/queue", "clerk": "/counter", "admin": "/admin/users"}


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _login_page(request: Request, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = page(request, "login.html", status_code=status_code, user=None, login_csrf=token, error=error,
                    next=_safe_next(request.query_params.get("next")) or "")
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", max_age=3600,
                        secure=request.url.scheme == "https", path="/login")
    return response


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    return _login_page(request)


@router.post("/login")
async def login(request: Request, username: Annotated[str, Form(max_length=100)],
                password: Annotated[str, Form(max_length=200)], csrf_token: Annotated[str, Form(max_length=100)],
                next: Annotated[str, Form(max_length=500)] = "") -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not cookie or not hmac.compare_digest(cookie.encode(), csrf_token.encode()):
        return _login_page(request, "画面の有効期限が切れました。もう一度ログインしてください。", 403)
    try:
        result = await run_in_threadpool(staff_accounts.sign_in, username, password,
                                         request.client.host if request.client else "unknown")
    except throttle.Throttled as exc:
        refused = _login_page(request, exc.message, 429)
        refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    if result is None:
        return _login_page(request, "ユーザー名またはパスワードが正しくありません。", 401)
    token, user = result
    response = see_other(_safe_next(next) or HOME_BY_ROLE.get(user.role, "/"))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=request.url.scheme == "https",
                        path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, user: AnyStaff, form: CheckedForm) -> RedirectResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        staff_accounts.sign_out(token)
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(user: AnyStaff) -> RedirectResponse:
    return see_other(HOME_BY_ROLE.get(user.role, "/login"))
