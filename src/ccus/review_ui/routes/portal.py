"""The business portal as an HTTP API (事業者ポータル): sign-in and the forced first password change,
notices, registered content, change / renewal / withdrawal applications, disclosure settings, the
registry view, invoices. Bearer session tokens; every screen's rule is enforced here, on the server.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ccus.infra.orchestrator import MAIL_DEPLOYMENT, WITHDRAWALS_DEPLOYMENT, trigger
from ccus.models.application_types import DocumentRole
from ccus.models.errors import INVALID_JA, ApplicationInvalid, FieldError, Invalid, NotFound
from ccus.models.text_rules import SafeJson, SafeMultiline, SafeText
from ccus.review_ui import uploads
from ccus.review_ui.deps import SessionDep
from ccus.review_ui.params import DbId
from ccus.review_ui.portal_deps import AnyPortalUser, BusinessUser, Token
from ccus.review_ui.schemas import (
    CardRenewalFiled,
    ContractAnswered,
    ContractRequested,
    DisclosureSet,
    Filed,
    Message,
    PortalHome,
    Read,
    RenewalFiled,
    SignedIn,
    SiteRegistered,
    WithdrawalFiled,
)
from ccus.services.auth import portal_sign_in
from ccus.services.billing import invoices
from ccus.services.clock import today_jst
from ccus.services.intake.submission import IncomingFile
from ccus.services.registry import business_changes as lifecycle
from ccus.services.registry import disclosure, notices, renewal, sites

router = APIRouter(prefix="/api/v1/portal", tags=["portal"])


# A refusal of a service (models/errors.Refusal: PortalRefused, RequestRefused, ApplicationInvalid,
# …) is answered by the app's one handler (review_ui/failures.py), Retry-After included.


class SignIn(BaseModel):
    login_id: SafeText = Field(max_length=40, description="事業者ID または 管理者ID（14桁）")
    password: str = Field(max_length=200)


class PasswordChange(BaseModel):
    new_password: str = Field(max_length=200)
    security_code: SafeText = Field(max_length=10, description="圧着はがきに記載の4桁のセキュリティコード")
    current_password: str | None = Field(default=None, max_length=200,
                                         description="初回の変更では不要（ログイン時に確認済み）")


@router.post("/sign-in", summary="ログイン（事業者ID・管理者ID とパスワード）", response_model=SignedIn)
def sign_in(body: SignIn, request: Request) -> dict[str, Any]:
    signed = portal_sign_in.sign_in(body.login_id, body.password, request.client.host if request.client else "unknown")
    return {"token": signed.token, "token_type": "bearer", "must_change_password": signed.must_change_password}


@router.post("/password", summary="パスワード変更（セキュリティコードが必要）", response_model=Message)
def change_password(body: PasswordChange, user: AnyPortalUser) -> dict[str, str]:
    try:
        message = portal_sign_in.change_password(user, new_password=body.new_password, security_code=body.security_code,
                                              current_password=body.current_password)
    except portal_sign_in.PortalRefused as exc:
        if exc.status == 422:  # the new password breaks a rule: the field is named
            raise Invalid(INVALID_JA, errors=[FieldError("new_password", exc.message, exc.code)]) from None
        raise
    return {"message": message}


@router.post("/sign-out", summary="ログアウト", response_model=Message)
def sign_out(token: Token, user: AnyPortalUser) -> dict[str, str]:
    portal_sign_in.sign_out(token)
    return {"message": "ログアウトしました。"}


@router.get("/home", summary="事業者ポータル（主な事業者情報と未読の通知）", response_model=PortalHome)
def home(user: BusinessUser, session: SessionDep) -> dict[str, Any]:
    biz = lifecycle.business_by_id(session, user.business_id)
    unread = notices.list_for(session, biz, unread_only=True)
    return {"business_id": biz.business_id, "trade_name": biz.trade_name, "login_id": user.login_id,
            "expires_on": biz.expires_on.isoformat(), "unread_notices": len(unread)}


@router.get("/notifications", summary="事業者宛の通知")
def list_notifications(user: BusinessUser, session: SessionDep, unread_only: bool = False) -> list[dict[str, Any]]:
    return notices.list_for(session, lifecycle.business_by_id(session, user.business_id), unread_only=unread_only)


@router.post("/notifications/{notice_id}/read", summary="通知を既読にする", response_model=Read)
def read_notification(notice_id: DbId, user: BusinessUser, session: SessionDep) -> dict[str, bool]:
    if not notices.mark_read(session, lifecycle.business_by_id(session, user.business_id), notice_id):
        raise NotFound("該当する通知が見つかりません。")
    return {"read": True}


@router.get("/profile", summary="閲覧 → 自社情報（登録内容）")
def profile(user: BusinessUser, session: SessionDep) -> dict[str, Any]:
    return lifecycle.registered_content(session, lifecycle.business_by_id(session, user.business_id))


ItemName = Annotated[SafeText, Field(max_length=100)]


class ChangeIn(BaseModel):
    changes: dict[ItemName, SafeJson] = Field(
        max_length=50, description="変更する項目と新しい内容（項目は models/lifecycle.CHANGEABLE_ITEMS）")


@router.post("/changes", status_code=201, summary="変更申請（審査を経て登録内容に反映）", response_model=Filed)
def request_change(body: ChangeIn, user: BusinessUser) -> dict[str, Any]:
    filed = lifecycle.request_change(user.business_id, body.changes, actor=user.actor)
    return {"application_number": filed.application_number, "status": filed.status}


@router.post("/changes/{application_number}", summary="差戻しされた変更申請の再申請（同じ申請番号で審査に戻る）",
             response_model=Filed)
def resubmit_change(application_number: str, body: ChangeIn, user: BusinessUser) -> dict[str, Any]:
    filed = lifecycle.resubmit_change(user.business_id, application_number, body.changes, actor=user.actor)
    return {"application_number": filed.application_number, "status": filed.status}


_CHANGE_DOCUMENTS_DOC = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {"type": "object", "properties": {
            r.value: {"type": "array", "items": {"type": "string", "format": "binary"},
                      "description": f"添付: {r.value}"} for r in DocumentRole}}}},
    }
}


@router.post("/changes/{application_number}/documents", openapi_extra=_CHANGE_DOCUMENTS_DOC,
             summary="変更申請の証明書類を添付する（建設業許可番号の変更には許可通知書の写し：licence_copy）")
async def add_change_documents(application_number: str, request: Request, user: BusinessUser) -> JSONResponse:
    form = await uploads.receive(request, max_fields=uploads.MAX_FILES)
    try:
        files: list[IncomingFile] = []
        for name, value in form.multi_items():
            if not isinstance(value, UploadFile):
                raise ApplicationInvalid([FieldError(name, f"不明な項目 '{name}' です。", "extra_forbidden")])
            files.append(uploads.incoming(name, value))
        result = await run_in_threadpool(lifecycle.add_change_documents, user.business_id, application_number,
                                         files, actor=user.actor)
    finally:
        await form.close()
    return JSONResponse(status_code=200, content=result)


@router.get("/applications", summary="自社の申請（変更・更新・退会）と状態")
def applications(user: BusinessUser) -> list[dict[str, Any]]:
    return lifecycle.lifecycle_cases(user.business_id)


class WithdrawalIn(BaseModel):
    reason: SafeMultiline | None = Field(default=None, max_length=500)


@router.post("/withdrawal", status_code=201, summary="事業者退会 → 削除申請（申請番号を返す）",
             response_model=WithdrawalFiled)
def request_withdrawal(body: WithdrawalIn, user: BusinessUser, background: BackgroundTasks) -> dict[str, Any]:
    filed = lifecycle.request_withdrawal(user.business_id, actor=user.actor, reason=body.reason)
    background.add_task(trigger, WITHDRAWALS_DEPLOYMENT)  # carried out now, not at the next scheduled run
    return {"application_number": filed.application_number, "status": filed.status,
            "message": "削除申請を受け付けました。申請番号をお控えください。"}


@router.post("/renewal", status_code=201, summary="更新申請（登録料は新規登録と同額）", response_model=RenewalFiled)
def request_renewal(user: BusinessUser, background: BackgroundTasks) -> dict[str, Any]:
    filed = lifecycle.request_renewal(user.business_id, actor=user.actor, today=today_jst())
    if filed.created and filed.amount:
        background.add_task(trigger, MAIL_DEPLOYMENT)  # the payment request mail, now
    return {"application_number": filed.application_number, "status": filed.status, "amount": filed.amount}


@router.post("/workers/{worker_id}/card-renewal", status_code=201,
             summary="所属技能者のカード更新申請（更新料は技能者登録料と同額。入金後に新しいカードを発行）",
             response_model=CardRenewalFiled)
def request_card_renewal(worker_id: str, user: BusinessUser, background: BackgroundTasks) -> dict[str, Any]:
    req = renewal.request_card_renewal(worker_id, actor=user.actor, today=today_jst(),
                                       employer_business_id=user.business_id)
    background.add_task(trigger, MAIL_DEPLOYMENT)  # the request's mail, now
    return {"request_number": req.request_number, "worker_id": worker_id, "amount": req.amount, "status": req.status,
            "message": "カード更新申請を受け付けました。更新申請番号を依頼人名の前に記入してお振込みください。"
            if req.amount and req.status == "awaiting_payment" else "カード更新申請を受け付けました。"}


# 開示設定 and the registry view ------------------------------------------------------------------

class DisclosureIn(BaseModel):
    items: dict[ItemName, bool] = Field(max_length=50, description="情報項目ごとの開示（true）・非開示（false）")


SearchText = Annotated[str | None, Query(max_length=200)]


@router.get("/disclosure/workers", summary="開示設定 → 所属技能者（その他事業者への開示）：検索条件で絞り込み")
def disclosure_settings(user: BusinessUser, worker_id: SearchText = None, name: SearchText = None,
                        name_kana: SearchText = None, name_alphabet: SearchText = None, address: SearchText = None,
                        phone: SearchText = None) -> list[dict[str, Any]]:
    """技能者ID（前方一致）、技能者名・カナ・アルファベット・現住所（部分一致）、電話・FAX番号（一致）。"""
    search = disclosure.search_of({"worker_id": worker_id, "name": name, "name_kana": name_kana,
                                   "name_alphabet": name_alphabet, "address": address, "phone": phone})
    return disclosure.settings_of(user.business_id, search)


@router.put("/disclosure/workers/{worker_id}", summary="所属技能者の情報項目ごとの開示設定",
            response_model=DisclosureSet)
def set_disclosure(worker_id: str, body: DisclosureIn, user: BusinessUser) -> dict[str, Any]:
    items = disclosure.set_settings(user.business_id, worker_id, body.items, actor=user.actor)
    return {"worker_id": worker_id, "items": items}


@router.get("/registry/businesses/{business_id}", summary="事業者情報の閲覧（開示の範囲で）")
def view_business(business_id: str, user: BusinessUser) -> dict[str, Any]:
    return disclosure.view_business(user.business_id, business_id)


@router.get("/registry/workers/{worker_id}", summary="技能者情報の閲覧（開示の範囲で）")
def view_worker(worker_id: str, user: BusinessUser) -> dict[str, Any]:
    return disclosure.view_worker(user.business_id, worker_id)


# 現場（元請事業者として登録）と施工体制 -----------------------------------------------------------------

class SiteIn(BaseModel):
    name: SafeText = Field(min_length=1, max_length=200)


class ContractIn(BaseModel):
    business_id: SafeText = Field(max_length=40, description="下位の事業者ID")


@router.post("/sites", status_code=201, summary="現場登録（元請事業者として）", response_model=SiteRegistered)
def register_site(body: SiteIn, user: BusinessUser) -> dict[str, str]:
    return {"site_id": sites.register_site(user.business_id, body.name, actor=user.actor)}


@router.post("/sites/{site_id}/contracts", status_code=201,
             summary="施工体制に下位の事業者の登録を依頼（相手の承諾までは何も開示されない）",
             response_model=ContractRequested)
def add_contract(site_id: str, body: ContractIn, user: BusinessUser) -> dict[str, Any]:
    contract_id = sites.add_contract(user.business_id, site_id, body.business_id, user.business_id,
                                     actor=user.actor)
    return {"contract_id": contract_id, "site_id": site_id, "business_id": body.business_id,
            "upper_business_id": user.business_id, "status": sites.PENDING,
            "message": "登録を依頼しました。相手の事業者が承諾すると施工体制に加わります。"}


@router.get("/contracts", summary="施工体制の登録依頼（自社を下位とする依頼。status で絞り込み）")
def list_contracts(user: BusinessUser, status: str | None = None) -> list[dict[str, Any]]:
    return sites.contracts_of(user.business_id, status)


ContractId = Annotated[int, Path(ge=1, le=2**63 - 1, description="登録依頼の番号（contract_id）")]


def _answer(contract_id: int, user: BusinessUser, *, accept: bool) -> dict[str, Any]:
    status = sites.answer_contract(user.business_id, contract_id, accept=accept, actor=user.actor)
    return {"contract_id": contract_id, "status": status}


@router.post("/contracts/{contract_id}/accept", summary="施工体制の登録依頼を承諾（自社として）",
             response_model=ContractAnswered)
def accept_contract(contract_id: ContractId, user: BusinessUser) -> dict[str, Any]:
    return _answer(contract_id, user, accept=True)


@router.post("/contracts/{contract_id}/decline", summary="施工体制の登録依頼を辞退（自社として）",
             response_model=ContractAnswered)
def decline_contract(contract_id: ContractId, user: BusinessUser) -> dict[str, Any]:
    return _answer(contract_id, user, accept=False)


# 請求 -------------------------------------------------------------------------------------------

@router.get("/invoices", summary="請求 → 未払いの請求（管理者ID利用料・現場利用料）")
def unpaid_invoices(user: BusinessUser) -> list[dict[str, Any]]:
    return invoices.unpaid_invoices(user.business_id)
