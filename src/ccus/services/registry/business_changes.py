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

from ccus.infra.db import unit_of_work
from ccus.models import notices
from ccus.models.billing_tables import Charge
from ccus.models.declared import BusinessRegistration
from ccus.models.errors import ApplicationInvalid, FieldError, Refusal, from_validation_error
from ccus.models.fees import business_registration_fee
from ccus.models.lifecycle import CHANGEABLE_ITEMS, RENEWAL_WINDOW_DAYS, LifecycleKind
from ccus.models.lifecycle_tables import BusinessProfile
from ccus.models.status import TERMINAL, Status
from ccus.models.tables import AdminId, Application, Business
from ccus.services.cases import audit, enter
from ccus.services.clock import JST
from ccus.services.gate import initial_status
from ccus.services.intake.submission import next_application_number
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
        raise ApplicationInvalid([FieldError(f"changes.{k}", "変更できない項目です。", "not_changeable") for k in unknown]
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
        return Filed(app.application_number, app.status, True)


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
