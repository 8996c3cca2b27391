"""A registered business's own applications (登録後の申請): its registered content (自社情報), a
change application (変更申請), a renewal application (更新申請) and a withdrawal (削除申請).

Each request is a case with a 申請番号, returned at once; the flows (changes, renewal, withdrawal)
do the rest. Asking twice while one is open returns the open one (the business row is locked, so two
requests at once make one case).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ccus.infra import s3
from ccus.infra.db import unit_of_work
from ccus.models import notices
from ccus.models.application_types import DocumentRole
from ccus.models.billing_tables import Charge
from ccus.models.declared import BusinessRegistration
from ccus.models.errors import ApplicationInvalid, FieldError, Refusal, from_validation_error, path_of
from ccus.models.fees import business_registration_fee
from ccus.models.flags import BLOCK, Flag, replace_stage
from ccus.models.lifecycle import (
    CHANGE_EVIDENCE,
    CHANGEABLE_ITEMS,
    CHANGED_ELSEWHERE,
    RENEWAL_WINDOW_DAYS,
    LifecycleKind,
    evidence_needed,
    missing_evidence,
)
from ccus.models.lifecycle_tables import BusinessProfile
from ccus.models.status import TERMINAL, Status
from ccus.models.tables import AdminId, Application, Business, Document
from ccus.services.cases import audit, enter
from ccus.services.clock import JST
from ccus.services.gate import initial_status
from ccus.services.intake.resubmission import replace_documents
from ccus.services.intake.submission import IncomingFile, inspect_files, next_application_number
from ccus.services.operations import outbox

OPEN = tuple(s.value for s in Status if s not in TERMINAL and s is not Status.RETURNED)


class RequestRefused(Refusal):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message, code=code, kind=Refusal.kind_for(status))
        self.code: str = code


@dataclass(frozen=True)
class Filed:
    application_number: str
    status: str
    created: bool
    amount: int | None = None


def business_by_id(session: Session, business_id: str, *, lock: bool = False) -> Business:
    stmt = select(Business).where(Business.business_id == business_id)
    biz = session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()
    if biz is None:
        raise RequestRefused(404, "not_found", "該当する事業者が見つかりません。")
    return biz


def profile(session: Session, biz: Business, *, lock: bool = False) -> BusinessProfile:
    """The registered content, made from the registration the first time it is asked for."""
    reg = session.get(Application, biz.application_id)
    assert reg is not None
    session.execute(insert(BusinessProfile).values(business_pk=biz.id, data=reg.declared)
                    .on_conflict_do_nothing(index_elements=["business_pk"]))
    stmt = select(BusinessProfile).where(BusinessProfile.business_pk == biz.id)
    return session.scalars(stmt.with_for_update() if lock else stmt).one()


def registered_content(session: Session, biz: Business) -> dict[str, Any]:
    admin_ids = session.execute(select(AdminId.admin_id, AdminId.status).where(AdminId.business_pk == biz.id)
                                .order_by(AdminId.seq)).all()
    return {"business_id": biz.business_id, "status": biz.status, "registered_on": biz.registered_on.isoformat(),
            "expires_on": biz.expires_on.isoformat(),
            "admin_ids": [{"admin_id": a, "status": s} for a, s in admin_ids],
            "content": profile(session, biz).data}


def new_case(session: Session, biz: Business, kind: LifecycleKind, status: Status, *, actor: str,
             declared: dict[str, Any], reason: str) -> Application:
    app = Application(application_number=next_application_number(session), kind=kind.value, channel="internet",
                      declared={"business_id": biz.business_id, "name": biz.trade_name, "email": biz.email,
                                **declared},
                      filed_by_business_id=biz.business_id)
    # The entry paths of a business's own applications: models/status.ENTRY_PATHS.
    enter(session, app, [(Status.RECEIVED, f"事業者ポータル：{reason}"), (status, reason)], actor=actor)
    audit(session, actor=actor, action=f"{kind.value}.received", application_id=app.id,
          business_id=biz.business_id)
    return app


def open_case(session: Session, biz: Business, kind: LifecycleKind, *, excluding: int | None = None
              ) -> Application | None:
    return session.scalars(select(Application).where(
        Application.kind == kind.value, Application.filed_by_business_id == biz.business_id,
        Application.status.in_(OPEN), Application.id != (excluding or 0)).order_by(Application.id)).first()


# 変更申請 -------------------------------------------------------------------------------------

def checked_changes(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    unknown = [k for k in changes if k not in CHANGEABLE_ITEMS]
    if unknown or not changes:
        raise ApplicationInvalid(
            [FieldError(f"changes.{k}", CHANGED_ELSEWHERE[k], "changed_elsewhere") if k in CHANGED_ELSEWHERE
             else FieldError(f"changes.{k}", "変更できない項目です。", "not_changeable") for k in unknown]
            or [FieldError("changes", "変更する項目を指定してください。", "missing")])
    merged = {k: v for k, v in {**current, **changes}.items() if k != "other"}
    try:
        clean = BusinessRegistration.model_validate(merged).model_dump(mode="json")
    except ValidationError as exc:
        raise ApplicationInvalid(from_validation_error(exc, prefix="changes")) from None
    out = {k: clean[k] for k in changes if k != "other"}
    if "other" in changes:
        out["other"] = changes["other"]
    if all(current.get(k) == v for k, v in out.items()):
        raise ApplicationInvalid([FieldError("changes", "登録内容と同じです。変更する内容を指定してください。", "unchanged")])
    return out


def request_change(business_id: str, changes: dict[str, Any], *, actor: str) -> Filed:
    with unit_of_work() as session:
        biz = business_by_id(session, business_id, lock=True)
        current = profile(session, biz).data
        clean = checked_changes(current, changes)
        before = {k: current.get(k) for k in clean}
        app = new_case(session, biz, LifecycleKind.BUSINESS_CHANGE, Status.AWAITING_REVIEW, actor=actor,
                       declared={"changes": clean, "before": before}, reason="変更申請（審査待ち）")
        flag_missing_evidence(session, app)
        return Filed(app.application_number, app.status, True)


# The evidence of a change (変更の証明書類) -------------------------------------------------------

EVIDENCE_STAGE = "change_evidence"


def flag_missing_evidence(session: Session, app: Application) -> list[str]:
    """Flag (blocking) each change of ``app`` whose evidence (models/lifecycle.CHANGE_EVIDENCE) is
    not among its documents in force; replaces the case's earlier evidence flags. Returns the
    items still missing their evidence."""
    present = set(session.scalars(select(Document.role).where(Document.application_id == app.id,
                                                              Document.current())))
    missing = missing_evidence(app.declared.get("changes") or {}, present)
    app.flags = replace_stage(app.flags, EVIDENCE_STAGE, [
        Flag("change_evidence_missing", BLOCK, message, f"attachments.{CHANGE_EVIDENCE[item]}", EVIDENCE_STAGE)
        for item, message in missing.items()])
    return list(missing)


def add_change_documents(business_id: str, application_number: str, files: list[IncomingFile], *,
                         actor: str) -> dict[str, Any]:
    """Attach the evidence of a change application of ``business_id`` (while it awaits review or is
    returned): files by role, checked as at intake, stored in S3 (content-addressed) before the
    case records them; a role sent again replaces the documents of that role (kept, superseded).
    Only the roles its changes need (and "other") are taken. A retried request adds nothing."""
    if not files:
        raise ApplicationInvalid([FieldError("attachments", "添付ファイルがありません。", "missing")])
    with unit_of_work() as session:
        app = _own_change(session, business_id, application_number)
        wanted = set(evidence_needed(app.declared.get("changes") or {}).values()) | {DocumentRole.OTHER.value}
    refused = [FieldError(path_of(("attachments", f.role)), "この変更申請には不要な書類の種類です。", "unexpected_role")
               for f in files if f.role not in wanted]
    if refused:
        raise ApplicationInvalid(refused)
    inspected = inspect_files(files)
    for f, info in inspected:
        s3.put_if_absent(s3.document_key(info.sha256), f.data, info.media_type)
    with unit_of_work() as session:
        app = _own_change(session, business_id, application_number, lock=True)
        answer: dict[str, list[int]] = {}
        stored = 0
        for f, info in inspected:
            new_id = session.execute(insert(Document).values(
                application_id=app.id, role=f.role, s3_key=s3.document_key(info.sha256), sha256=info.sha256,
                size=info.size, media_type=info.media_type, pages=info.pages, filename=f.filename[:255],
            ).on_conflict_do_nothing(constraint="uq_documents_app_role_sha").returning(Document.id)).scalar()
            stored += new_id is not None
            if new_id is None:
                new_id = session.scalars(select(Document.id).where(
                    Document.application_id == app.id, Document.role == f.role,
                    Document.sha256 == info.sha256)).one()
            answer.setdefault(f.role, []).append(new_id)
        replace_documents(session, app.id, answer)
        session.flush()
        missing = flag_missing_evidence(session, app)
        audit(session, actor=actor, action="business_change.documents_added", application_id=app.id,
              business_id=business_id, roles=sorted(answer), stored=stored)
        return {"application_number": app.application_number, "status": app.status, "stored": stored,
                "missing_evidence": [CHANGEABLE_ITEMS[i] for i in missing]}


def _own_change(session: Session, business_id: str, application_number: str, *, lock: bool = False) -> Application:
    stmt = select(Application).where(Application.application_number == application_number.strip(),
                                     Application.kind == LifecycleKind.BUSINESS_CHANGE.value,
                                     Application.filed_by_business_id == business_id)
    app = session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()
    if app is None:
        raise RequestRefused(404, "not_found", "該当する変更申請が見つかりません。")
    if app.status not in (Status.AWAITING_REVIEW.value, Status.RETURNED.value):
        raise RequestRefused(409, "not_open", "審査待ちまたは差戻し中の変更申請にのみ書類を添付できます。")
    return app


def resubmit_change(business_id: str, application_number: str, changes: dict[str, Any], *, actor: str) -> Filed:
    """Answer the return of a change application (差戻しへの回答): the corrected changes resume the
    same case (same 申請番号), which goes back to review. A retried request changes nothing."""
    from ccus.services.cases import advance

    with unit_of_work() as session:
        biz = business_by_id(session, business_id, lock=True)
        app = session.scalars(select(Application).where(
            Application.application_number == application_number.strip(),
            Application.kind == LifecycleKind.BUSINESS_CHANGE.value,
            Application.filed_by_business_id == business_id).with_for_update()).one_or_none()
        if app is None:
            raise RequestRefused(404, "not_found", "該当する変更申請が見つかりません。")
        current = profile(session, biz).data
        clean = checked_changes(current, changes)
        if app.status != Status.RETURNED.value:
            if app.status == Status.AWAITING_REVIEW.value and app.declared.get("changes") == clean:
                return Filed(app.application_number, app.status, False)  # a retry of this answer
            raise RequestRefused(409, "not_returned", "この変更申請は差戻し中ではないため、再申請できません。")
        before = {k: current.get(k) for k in clean}
        app.declared = {**app.declared, "changes": clean, "before": before}
        flag_missing_evidence(session, app)
        advance(session, app, Status.AWAITING_REVIEW, actor=actor, reason="変更申請の再申請（差戻しへの回答）")
        audit(session, actor=actor, action="business_change.resubmitted", application_id=app.id,
              business_id=biz.business_id, items=list(clean))
        return Filed(app.application_number, app.status, False)


# 削除申請（退会） -------------------------------------------------------------------------------

def request_withdrawal(business_id: str, *, actor: str, reason: str | None = None) -> Filed:
    with unit_of_work() as session:
        biz = business_by_id(session, business_id, lock=True)
        existing = open_case(session, biz, LifecycleKind.BUSINESS_WITHDRAWAL)
        if existing is not None:
            return Filed(existing.application_number, existing.status, False)
        app = new_case(session, biz, LifecycleKind.BUSINESS_WITHDRAWAL, Status.APPROVED, actor=actor,
                       declared={"reason": (reason or "")[:500]}, reason="削除申請（退会）受付")
        return Filed(app.application_number, app.status, True)


# 更新申請 -------------------------------------------------------------------------------------

def request_renewal(business_id: str, *, actor: str, today: date) -> Filed:
    with unit_of_work() as session:
        biz = business_by_id(session, business_id, lock=True)
        existing = open_case(session, biz, LifecycleKind.BUSINESS_RENEWAL)
        if existing is not None:
            charge = session.scalars(select(Charge).where(Charge.application_id == existing.id)).one_or_none()
            return Filed(existing.application_number, existing.status, False, charge.amount if charge else None)
        if today < biz.expires_on - timedelta(days=RENEWAL_WINDOW_DAYS):
            raise RequestRefused(409, "too_early", f"更新申請は有効期限（{biz.expires_on.isoformat()}）の"
                                 f"{RENEWAL_WINDOW_DAYS}日前から受け付けます。")
        data = profile(session, biz).data
        fee = business_registration_fee(today, data.get("capital_yen"), biz.one_person_contractor)
        status = Status.AWAITING_PAYMENT if fee else Status.ISSUING
        app = new_case(session, biz, LifecycleKind.BUSINESS_RENEWAL, status, actor=actor,
                       declared={"expires_on": biz.expires_on.isoformat(), "fee_date": today.isoformat()},
                       reason=f"更新申請（登録料 {fee:,}円）")
        session.add(Charge(effect_key=f"{app.application_number}:renewal-fee", application_id=app.id, amount=fee,
                           breakdown=f"事業者登録料（更新） {fee:,}円", fee_date=today,
                           status=initial_status(Charge, "open" if fee else "paid")))
        if fee:
            subject, body = notices.payment_request_notice(biz.trade_name, app.application_number, fee,
                                                           f"事業者登録料（更新） {fee:,}円")
            outbox.enqueue(session, effect_key=f"{app.application_number}:mail:payment-request", application_id=app.id,
                         to_addr=biz.email, subject=subject, template="payment_request", body=body)
        return Filed(app.application_number, app.status, True, fee)


def lifecycle_cases(business_id: str) -> list[dict[str, Any]]:
    with unit_of_work() as session:
        rows = session.scalars(select(Application).where(Application.filed_by_business_id == business_id)
                               .order_by(Application.id.desc()).limit(100)).all()
        return [{"application_number": a.application_number, "kind": a.kind, "status": a.status,
                 "received_at": a.received_at.astimezone(JST).isoformat()} for a in rows]


# Applying an approved change ---------------------------------------------------------------

# Items mirrored on the businesses row (the registry's index columns).
_MIRRORED = {"trade_name": "trade_name", "trade_name_kana": "trade_name_kana", "postcode": "postcode",
             "address": "address"}


def apply_change(app_id: int, *, actor: str = "changes") -> bool:
    """Apply one approved change to the registered content, once (the profile records the 申請番号
    of every change applied); the case ends ``registered``. Returns True if this call applied it."""
    from ccus.models import lifecycle_notices
    from ccus.services.cases import advance
    from ccus.services.registry.notices import post

    with unit_of_work() as session:
        app = session.get(Application, app_id, with_for_update=True)
        if app is None or app.status != Status.APPROVED.value or app.kind != LifecycleKind.BUSINESS_CHANGE.value:
            return False
        biz = business_by_id(session, app.declared["business_id"], lock=True)
        prof = profile(session, biz, lock=True)
        changes: dict[str, Any] = app.declared["changes"]
        if app.application_number not in prof.applied:
            prof.data = {**prof.data, **changes}
            prof.version += 1
            prof.applied = [*prof.applied, app.application_number]
            for item, column in _MIRRORED.items():
                if item in changes:
                    setattr(biz, column, changes[item])
            if "registrant" in changes:
                biz.email = changes["registrant"]["email"]
        advance(session, app, Status.ISSUING, actor=actor, reason="変更内容を反映中")
        advance(session, app, Status.REGISTERED, actor=actor, reason="登録内容に反映しました")
        labels = [CHANGEABLE_ITEMS[k] for k in changes]
        subject, body = lifecycle_notices.change_applied(biz.trade_name, app.application_number, labels)
        post(session, biz, key=f"{app.application_number}:change-applied", subject=subject, body=body,
             application_id=app.id)
        audit(session, actor=actor, action="business_change.applied", application_id=app.id,
              business_id=biz.business_id, items=list(changes))
        return True
