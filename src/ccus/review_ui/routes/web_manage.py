"""The supervisor's dashboard, the counter clerk's status look-up, and the administrator's accounts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ccus.infra.db import unit_of_work
from ccus.models.identifiers import normalize_application_number
from ccus.review_ui.auth import Admin, Clerk, Form, Manager
from ccus.review_ui.labels import STATUS_JA
from ccus.review_ui.web import page, refused, see_other
from ccus.services.auth import staff_accounts
from ccus.services.cases import CaseNotFound, by_number, history
from ccus.services.review import dashboard

router = APIRouter(include_in_schema=False)


@router.get("/dashboard")
def dashboard_page(request: Request, user: Manager) -> Response:
    with unit_of_work() as session:
        board = dashboard.build(session)
    stages = [dashboard.Bar(STATUS_JA.get(b.label, b.label), b.value) for b in board.backlog_by_stage]
    return page(request, "dashboard.html", d=board, stages=stages)


@router.get("/counter")
def counter_page(request: Request, user: Clerk, number: str = "") -> Response:
    """窓口: the status and stage history of a case, for a caller who gives the 申請番号."""
    found, error, stages = None, None, []
    if number.strip():
        try:
            with unit_of_work() as session:
                found = by_number(session, normalize_application_number(number))
                stages = history(session, found.id)
        except (ValueError, CaseNotFound):
            error = "該当する申請が見つかりません。申請番号をご確認ください。"
    return page(request, "counter.html", number=number, found=found, stages=stages, error=error)


@router.get("/admin/users")
def users_page(request: Request, user: Admin) -> Response:
    return page(request, "users.html", users=staff_accounts.list_users(), roles=staff_accounts.ROLE_LABELS_JA)


@router.post("/admin/users")
def save_user(request: Request, user: Admin, form: Form) -> Response:
    try:
        staff_accounts.add_user(str(form.get("username") or ""), str(form.get("role") or ""),
                          str(form.get("password") or ""), str(form.get("display_name") or "") or None)
    except staff_accounts.AccountError as exc:
        messages = {"password": f"パスワードは{staff_accounts.MIN_PASSWORD_LENGTH}文字以上にしてください。",
                    "role": "役割を選択してください。", "username": "ユーザー名を入力してください。"}
        text = str(exc) if isinstance(exc, staff_accounts.WeakPassword) else next(
            (m for k, m in messages.items() if k in str(exc)), str(exc))
        return refused(request, text, 422, back="/admin/users")
    return see_other("/admin/users?done=user_saved")


@router.post("/admin/users/{username}/deactivate")
def deactivate_user(request: Request, username: str, user: Admin, form: Form) -> Response:
    if username == user.username:
        return refused(request, "自分自身のアカウントは無効にできません。", 409, back="/admin/users")
    staff_accounts.deactivate(username)
    return see_other("/admin/users?done=user_deactivated")
