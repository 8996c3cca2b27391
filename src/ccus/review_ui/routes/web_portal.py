"""The business portal's screens (事業者ポータル), guide chapter 2: sign-in with the 事業者ID or a
管理者ID, the forced first password change with the security code (pp. 12–13), sign-out, the top
page, notices (通知) and fees (料金). Server-rendered over the services the portal's API uses
(routes/portal.py): one behaviour, two doors. The business is always the session's.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from ccus.infra.db import unit_of_work
from ccus.models.errors import NotFound
from ccus.models.lifecycle import RENEWAL_WINDOW_DAYS
from ccus.models.notices import BANK_TRANSFER_DETAILS, payer_reference
from ccus.review_ui.params import DbId
from ccus.review_ui.portal_auth import (
    PORTAL_COOKIE,
    PORTAL_LOGIN_CSRF_COOKIE,
    PORTAL_PATH,
    AnyPortalScreen,
    PortalForm,
    PortalScreen,
)
from ccus.review_ui.web import page, see_other
from ccus.services.auth import portal_sign_in
from ccus.services.auth.portal_sign_in import PortalRefused
from ccus.services.billing import invoices
from ccus.services.clock import today_jst
from ccus.services.registry import business_changes as lifecycle
from ccus.services.registry import notices

router = APIRouter(include_in_schema=False)

LOGIN_EXPIRED = "画面の有効期限が切れました。もう一度ログインしてください。"
# Which field a refusal of the password change belongs next to (portal_sign_in's codes).
PASSWORD_FIELD_OF = {"weak_password": "new_password", "same_password": "new_password",
                     "invalid_security_code": "security_code", "security_code_locked": "security_code",
                     "invalid_credentials": "current_password"}


def safe_next(target: str | None) -> str | None:
    """Where the browser goes after signing in: a portal screen of this site, nothing else."""
    if target and target.startswith(PORTAL_PATH) and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _set_cookie(request: Request, response: Response, name: str, value: str, path: str,
                max_age: int | None = None) -> None:
    response.set_cookie(name, value, httponly=True, samesite="lax" if name == PORTAL_COOKIE else "strict",
                        secure=request.url.scheme == "https", path=path, max_age=max_age)


def _login_page(request: Request, *, errors: dict[str, str] | None = None, login_id: str = "",
                status_code: int = 200, message: str | None = None) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = page(request, "portal/login.html", status_code=status_code, login_csrf=token, errors=errors or {},
                    login_id=login_id, message=message, next=safe_next(request.query_params.get("next")) or "")
    _set_cookie(request, response, PORTAL_LOGIN_CSRF_COOKIE, token, f"{PORTAL_PATH}/login", max_age=3600)
    return response


@router.get("/portal/login")
def login_form(request: Request) -> HTMLResponse:
    return _login_page(request)


@router.post("/portal/login")
async def login(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    login_id, password = str(form.get("login_id") or "")[:40], str(form.get("password") or "")[:200]
    cookie, sent = request.cookies.get(PORTAL_LOGIN_CSRF_COOKIE) or "", str(form.get("csrf_token") or "")
    if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
        return _login_page(request, errors={"form": LOGIN_EXPIRED}, login_id=login_id, status_code=403)
    errors = {}
    if not login_id.strip():
        errors["login_id"] = "事業者ID または 管理者IDを入力してください。"
    if not password:
        errors["password"] = "パスワードを入力してください。"
    if errors:
        return _login_page(request, errors=errors, login_id=login_id, status_code=422)
    try:
        signed = await run_in_threadpool(portal_sign_in.sign_in, login_id, password, _client(request), browser=True)
    except PortalRefused as exc:
        field = "password" if exc.code == "invalid_credentials" else "form"
        refused = _login_page(request, errors={field: exc.message}, login_id=login_id, status_code=exc.status)
        if exc.retry_after:
            refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    target = "/portal/password" if signed.must_change_password else (
        safe_next(str(form.get("next") or "")) or PORTAL_PATH)
    response = see_other(target)
    _set_cookie(request, response, PORTAL_COOKIE, signed.token, PORTAL_PATH)
    response.delete_cookie(PORTAL_LOGIN_CSRF_COOKIE, path=f"{PORTAL_PATH}/login")
    return response


def _ended(request: Request, response: Response) -> Response:
    response.delete_cookie(PORTAL_COOKIE, path=PORTAL_PATH)
    return response


@router.post("/portal/logout")
def logout(request: Request, signed: AnyPortalScreen, form: PortalForm) -> Response:
    token = request.cookies.get(PORTAL_COOKIE)
    if token:
        portal_sign_in.sign_out(token)
    return _ended(request, see_other("/portal/login?done=portal_signed_out"))


@router.get("/portal/password")
def password_form(request: Request, signed: AnyPortalScreen) -> HTMLResponse:
    return page(request, "portal/password.html", signed=signed, errors={})


@router.post("/portal/password")
def change_password(request: Request, signed: AnyPortalScreen, form: PortalForm) -> Response:
    """パスワード変更 then セキュリティコード → 確認 (guide p. 13): on success every session of the ID
    has ended; the message is shown and the 管理者ID signs in again with the new password."""
    new, confirm = str(form.get("new_password") or "")[:200], str(form.get("new_password_confirm") or "")[:200]
    code, current = str(form.get("security_code") or "")[:10], str(form.get("current_password") or "")[:200]
    errors: dict[str, str] = {}
    status = 422
    if not new:
        errors["new_password"] = "新しいパスワードを入力してください。"
    elif new != confirm:
        errors["new_password_confirm"] = "確認用のパスワードが一致しません。"
    if not code.strip():
        errors["security_code"] = "セキュリティコード（4桁）を入力してください。"
    if signed.user.scope == "full" and not current:
        errors["current_password"] = "現在のパスワードを入力してください。"
    if not errors:
        try:
            message = portal_sign_in.change_password(signed.user, new_password=new, security_code=code,
                                                     current_password=current or None)
        except PortalRefused as exc:
            errors[PASSWORD_FIELD_OF.get(exc.code, "form")] = exc.message
            status = exc.status
        else:
            return _ended(request, page(request, "portal/changed.html", message=message))
    return page(request, "portal/password.html", status_code=status, signed=signed, errors=errors)


# トップ -----------------------------------------------------------------------------------------

def renewal_due(expires_on: date, today: date) -> dict[str, Any]:
    opens = expires_on - timedelta(days=RENEWAL_WINDOW_DAYS)
    return {"expires_on": expires_on, "opens_on": opens, "open": today >= opens, "days_left": (expires_on - today).days}


@router.get("/portal")
def top(request: Request, signed: PortalScreen) -> HTMLResponse:
    with unit_of_work() as session:
        biz = lifecycle.business_by_id(session, signed.user.business_id)
        unread = notices.list_for(session, biz, unread_only=True)
        trade_name, expires_on = biz.trade_name, biz.expires_on
    unpaid = invoices.unpaid_invoices(signed.user.business_id)
    return page(request, "portal/top.html", signed=signed, trade_name=trade_name, unread=unread, unpaid=unpaid,
                unpaid_total=sum(i["amount"] for i in unpaid), renewal=renewal_due(expires_on, today_jst()))


# 通知 -------------------------------------------------------------------------------------------

@router.get("/portal/notices")
def notice_list(request: Request, signed: PortalScreen) -> HTMLResponse:
    with unit_of_work() as session:
        found = notices.list_for(session, lifecycle.business_by_id(session, signed.user.business_id))
    return page(request, "portal/notices.html", signed=signed, notices=found)


def _notice(signed: PortalScreen, notice_id: int) -> dict[str, Any]:
    with unit_of_work() as session:
        found = notices.one_for(session, lifecycle.business_by_id(session, signed.user.business_id), notice_id)
    if found is None:
        raise NotFound("該当する通知が見つかりません。")
    return found


@router.get("/portal/notices/{notice_id}")
def notice_detail(request: Request, signed: PortalScreen, notice_id: DbId) -> HTMLResponse:
    return page(request, "portal/notice.html", signed=signed, notice=_notice(signed, notice_id))


@router.post("/portal/notices/{notice_id}/read")
def notice_read(signed: PortalScreen, form: PortalForm, notice_id: DbId) -> Response:
    with unit_of_work() as session:
        if not notices.mark_read(session, lifecycle.business_by_id(session, signed.user.business_id), notice_id):
            raise NotFound("該当する通知が見つかりません。")
    return see_other(f"/portal/notices/{notice_id}?done=notice_read")


# 料金 -------------------------------------------------------------------------------------------

@router.get("/portal/invoices")
def invoice_list(request: Request, signed: PortalScreen) -> HTMLResponse:
    unpaid = invoices.unpaid_invoices(signed.user.business_id)
    for invoice in unpaid:
        invoice["reference"] = payer_reference(invoice["invoice_number"])
    return page(request, "portal/invoices.html", signed=signed, unpaid=unpaid,
                paid=invoices.paid_invoices(signed.user.business_id), bank=BANK_TRANSFER_DETAILS)
