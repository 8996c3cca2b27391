"""The portal's 管理者ID screen (guide p. 23): every 管理者ID of the business sees the list; only the
登録責任者 (signed in with the 事業者ID) adds, suspends, reinstates, removes and resets. The same
service as the API's (routes/portal_admins.py, services/registry/admin_ids.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ccus.models.errors import NotFound, Refusal
from ccus.review_ui.portal_auth import PortalForm, PortalScreen, PortalScreenUser, RegistrantScreen
from ccus.review_ui.web import page, see_other
from ccus.services.auth.portal_sign_in import PortalUser
from ccus.services.clock import today_jst
from ccus.services.registry import admin_ids

router = APIRouter(include_in_schema=False)

ACTS: dict[str, tuple[Callable[[PortalUser, str], Any], str]] = {
    "suspend": (admin_ids.suspend, "admin_suspended"),
    "reinstate": (admin_ids.reinstate, "admin_reinstated"),
    "remove": (admin_ids.remove, "admin_removed"),
    "password-reset": (admin_ids.reset_password, "admin_reset"),
}
REMOVE_UNCONFIRMED = "削除すると元に戻せません。確認のチェックを入れてください。"


def _list_page(request: Request, signed: PortalScreenUser, *, errors: dict[str, str] | None = None,
               status_code: int = 200, added: str | None = None) -> HTMLResponse:
    rows = admin_ids.ids_of_business(signed.user)
    known = {r["admin_id"] for r in rows}
    # An error about an ID not on the list (another business's, a mistyped one) is shown above it.
    errors = {(key if key in known or key == "add" else "form"): text for key, text in (errors or {}).items()}
    return page(request, "portal/admin_ids.html", status_code=status_code, signed=signed, rows=rows,
                errors=errors, added=added if added in known else None,
                states=admin_ids.STATE_WORDS, request_key=secrets.token_urlsafe(16),
                monthly_fee=f"{admin_ids.monthly_fee(signed.user, today_jst()):,}")


@router.get("/portal/admin-ids")
def admin_id_list(request: Request, signed: PortalScreen, added: str = "") -> HTMLResponse:
    return _list_page(request, signed, added=added[:14] or None)


@router.post("/portal/admin-ids")
def admin_id_add(request: Request, signed: RegistrantScreen, form: PortalForm) -> Response:
    """Add one 管理者ID; the form's one-time key makes a second submission answer the same ID."""
    key = str(form.get("request_key") or "")[:100] or None
    try:
        added = admin_ids.add(signed.user, today=today_jst(), idempotency_key=key)
    except Refusal as exc:
        return _list_page(request, signed, errors={"add": exc.message}, status_code=exc.status)
    return see_other(f"/portal/admin-ids?added={added.admin_id}")


@router.post("/portal/admin-ids/{admin_id}/{act}")
def admin_id_act(request: Request, signed: RegistrantScreen, form: PortalForm, admin_id: str, act: str) -> Response:
    """利用停止・利用再開・削除・パスワード再発行 of another 管理者ID of the signed-in business."""
    if act not in ACTS:
        raise NotFound("該当する操作がありません。")
    if act == "remove" and form.get("confirm") != "yes":
        return _list_page(request, signed, errors={admin_id: REMOVE_UNCONFIRMED}, status_code=422)
    do, done = ACTS[act]
    try:
        do(signed.user, admin_id)
    except Refusal as exc:
        return _list_page(request, signed, errors={admin_id: exc.message}, status_code=exc.status)
    return see_other(f"/portal/admin-ids?done={done}")
