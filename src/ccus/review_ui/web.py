"""Rendering the screens: templates, Japanese labels and dates, security headers, error pages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ccus.models.application_types import ROLE_LABELS_JA, DocumentRole
from ccus.review_ui import labels
from ccus.review_ui.auth import CsrfFailed, Forbidden, FormRefused, LoginRequired
from ccus.review_ui.portal_auth import PasswordChangeRequired, PortalLoginRequired
from ccus.services.clock import JST

HERE = Path(__file__).parent
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                               "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

templates = Jinja2Templates(directory=HERE / "templates")
templates.env.auto_reload = False  # templates change with a deploy, not while serving


def _jst(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(JST).strftime(fmt) if value else "—"


def _iso_jst(value: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An ISO timestamp (as the portal's services answer them) in JST."""
    return _jst(datetime.fromisoformat(value), fmt) if value else "—"


def _age(value: datetime | None) -> str:
    if value is None:
        return "—"
    delta = datetime.now(UTC) - value
    if delta.days >= 1:
        return f"{delta.days}日"
    hours = int(delta.total_seconds() // 3600)
    return f"{hours}時間" if hours else f"{int(delta.total_seconds() // 60)}分"


def _doc_role(role: str) -> str:
    try:
        return ROLE_LABELS_JA[DocumentRole(role)]
    except ValueError:
        return role


templates.env.filters.update(
    jst=_jst, iso_jst=_iso_jst, age=_age, status_ja=lambda s: labels.STATUS_JA.get(s, s), kind_ja=lambda k: labels.KIND_JA.get(k, k),
    channel_ja=lambda c: labels.CHANNEL_JA.get(c, c), decision_ja=lambda d: labels.DECISION_JA.get(d, d),
    severity_ja=lambda s: labels.SEVERITY_JA.get(s, s), doc_role_ja=_doc_role,
)
templates.env.globals.update(labels=labels, now=lambda: datetime.now(UTC))


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("user", getattr(request.state, "user", None))
    done = request.query_params.get("done")
    context.setdefault("done", labels.DONE_JA.get(done or ""))
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response


def portal_screen(request: Request) -> bool:
    return request.url.path == "/portal" or request.url.path.startswith("/portal/")


def refused(request: Request, message: str, status_code: int = 409, back: str | None = None,
            title: str = "操作できません") -> HTMLResponse:
    """The message page (the portal's own under /portal, the staff screens' elsewhere)."""
    if portal_screen(request):
        return page(request, "portal/message.html", status_code=status_code, title=title, message=message,
                    back=back or "/portal", signed=getattr(request.state, "portal_user", None))
    return page(request, "message.html", status_code=status_code, title=title, message=message,
                back=back or request.headers.get("referer") or "/")


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def install_error_pages(api: FastAPI) -> None:
    @api.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            from urllib.parse import quote

            return see_other(f"/login?next={quote(target, safe='')}")
        return refused(request, "ログインの有効期限が切れました。もう一度ログインしてください。", 401, back="/login",
                       title="ログインが必要です")

    @api.exception_handler(PortalLoginRequired)
    async def portal_login_required(request: Request, exc: PortalLoginRequired) -> Response:
        if request.method == "GET":
            from urllib.parse import quote

            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return see_other(f"/portal/login?next={quote(target, safe='')}")
        return refused(request, "ログインの有効期限が切れました。もう一度ログインしてください。", 401,
                       back="/portal/login", title="ログインが必要です")

    @api.exception_handler(PasswordChangeRequired)
    async def password_change_required(request: Request, exc: PasswordChangeRequired) -> Response:
        if request.method == "GET":
            return see_other("/portal/password")
        return refused(request, "初期パスワードを変更してください（セキュリティコードが必要です）。", 403,
                       back="/portal/password", title="パスワードの変更が必要です")

    @api.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return refused(request, "この操作を行う権限がありません。", 403, back="/", title="権限がありません")

    @api.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        return refused(request, "不正なリクエストです（フォームの有効期限切れの可能性があります）。画面を開き直してください。",
                       403, title="リクエストを受け付けられません")

    @api.exception_handler(FormRefused)
    async def form_refused(request: Request, exc: FormRefused) -> Response:
        label = labels.FORM_FIELD_JA.get(exc.field, exc.field)
        return refused(request, f"「{label}」に{exc.reason}", 422, title="入力内容に誤りがあります")
