"""The 登録責任者's 管理者ID screens of the business portal, as an HTTP API (guide p. 23): list, add
(charged by the month to the next billing date), suspend, reinstate, remove, password reset (new
initial password and security code by postcard). Only the 登録責任者 (signed in with the 事業者ID)
passes; the business is the signed-in one's. Rules: services/registry/admin_ids.py.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header

from ccus.review_ui.portal_deps import RegistrantUser
from ccus.review_ui.schemas import Answer
from ccus.services.clock import today_jst
from ccus.services.registry import admin_ids

router = APIRouter(prefix="/api/v1/portal/admin-ids", tags=["portal"])


class AdminIdAdded(Answer):
    admin_id: str
    invoice_number: str
    amount: int
    message: str


class AdminIdChanged(Answer):
    admin_id: str
    status: str
    message: str


class AdminIdReset(Answer):
    admin_id: str
    message: str


@router.get("", summary="管理者IDの一覧（登録責任者のみ）")
def list_admin_ids(user: RegistrantUser) -> list[dict[str, Any]]:
    return admin_ids.list_ids(user)


@router.post("", status_code=201, summary="管理者IDの追加（月額で次回請求日まで請求。ログイン情報は圧着はがきで送付）",
             response_model=AdminIdAdded)
def add_admin_id(
    user: RegistrantUser,
    idempotency_key: Annotated[str | None, Header(max_length=200, pattern=r"^[\x21-\x7e]+$")] = None,
) -> dict[str, Any]:
    added = admin_ids.add(user, today=today_jst(), idempotency_key=idempotency_key)
    return {"admin_id": added.admin_id, "invoice_number": added.invoice_number, "amount": added.amount,
            "message": "管理者IDを追加しました。初期パスワードとセキュリティコードは圧着はがきでお送りします。"}


@router.post("/{admin_id}/suspend", summary="管理者IDの利用停止（ログイン中のセッションも終了）",
             response_model=AdminIdChanged)
def suspend_admin_id(admin_id: str, user: RegistrantUser) -> dict[str, Any]:
    status = admin_ids.suspend(user, admin_id)
    return {"admin_id": admin_id, "status": status, "message": "管理者IDの利用を停止しました。"}


@router.post("/{admin_id}/reinstate", summary="利用停止した管理者IDの利用再開", response_model=AdminIdChanged)
def reinstate_admin_id(admin_id: str, user: RegistrantUser) -> dict[str, Any]:
    status = admin_ids.reinstate(user, admin_id)
    return {"admin_id": admin_id, "status": status, "message": "管理者IDの利用を再開しました。"}


@router.post("/{admin_id}/remove", summary="管理者IDの削除（元に戻せません）", response_model=AdminIdChanged)
def remove_admin_id(admin_id: str, user: RegistrantUser) -> dict[str, Any]:
    status = admin_ids.remove(user, admin_id)
    return {"admin_id": admin_id, "status": status, "message": "管理者IDを削除しました。"}


@router.post("/{admin_id}/password-reset", summary="他の管理者IDのパスワード再発行（圧着はがきで送付）",
             response_model=AdminIdReset)
def reset_admin_password(admin_id: str, user: RegistrantUser) -> dict[str, Any]:
    admin_ids.reset_password(user, admin_id)
    return {"admin_id": admin_id,
            "message": "新しい初期パスワードとセキュリティコードを圧着はがきでお送りします。"
                       "次回ログイン時にパスワードの変更が必要です。"}
