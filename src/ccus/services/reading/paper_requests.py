"""A change / withdrawal form (様式X1 登録内容変更・削除届) read from the post → the lifecycle request.

Postal intake makes a case of every X1 like of any application form (申請番号, pages in S3,
provisional kind ``business_change``); when its zones have been read, ``resolve`` turns the case
into the request the form asks for, in the extract stage's transaction:

* the ticked 「届出の種類」 decides the kind: ``business_withdrawal`` (削除・退会) or
  ``business_change`` (変更); the declared data is what the portal's requests hold
  (``business_id``, registered ``name`` and ``email``; ``changes`` and ``before`` for a change,
  ``reason`` for a withdrawal), so an approved case is applied by the same code
  (``business_lifecycle.apply_change``, ``withdrawal.process``);
* the target is looked up by its 14-digit ID among the businesses, then the workers;
* the items to change are taken from the free text (``models.change_request.parse_details``) and
  checked by the portal's own rule (``business_lifecycle.checked_changes``) against the
  registered content.

Unlike a portal request (made by a business signed in with its own password), every X1 goes to
review. Nothing doubtful passes silently; each finding is a flag with the zone on the page:
an unreadable request kind, target or name (the reading's own flags), a target ID that is unknown
or not a business (block), a business no longer active or with the same request already open
(block), a name that differs from the registered one (warn), change details that cannot be read or
fail the rules (block), and what was taken from the free text (warn: to be checked on the page).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccus.models.change_request import REQUEST_KINDS, parse_details, same_name
from ccus.models.errors import ApplicationInvalid
from ccus.models.flags import VALIDATION, Flag
from ccus.models.forms.normalise import LOW_CONFIDENCE, OK, Reading
from ccus.models.forms.spec import FormSpec
from ccus.models.lifecycle import CHANGE_EVIDENCE_JA, CHANGEABLE_ITEMS, LifecycleKind, evidence_needed
from ccus.models.tables import Application, Business, Worker
from ccus.services.registry.business_changes import checked_changes, open_case, profile

FORM_KEY = "X1"
STAGE = VALIDATION


def _value(readings: dict[str, Reading], name: str) -> Any:
    r = readings.get(name)
    return r.value if r is not None and r.status in (OK, LOW_CONFIDENCE) else None


def resolve(session: Session, app: Application, form: FormSpec, readings: dict[str, Reading],
            zones: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Set the kind, declared data and filing business of X1 case ``app`` from its readings;
    returns the flags of the resolution (the reading's own flags are the caller's)."""
    flags: list[dict[str, Any]] = []

    def flag(code: str, severity: str, message: str, name: str) -> None:
        flags.append(Flag(code, severity, f"{form.title}：{message}", f"form.{form.key}.{name}", STAGE,
                          {"zone": zones.get(name)}).as_dict())

    request = _value(readings, "request")
    kind = REQUEST_KINDS.get(str(request), LifecycleKind.BUSINESS_CHANGE)
    target_id = _value(readings, "target_id")
    name_read = str(_value(readings, "name") or (readings["name"].raw if "name" in readings else ""))
    details = str(_value(readings, "details") or "")
    declared: dict[str, Any] = {
        "business_id": None, "name": name_read, "email": None, "request": request, "target_id": target_id,
        "target_type": None, "name_on_form": name_read, "reason": str(_value(readings, "reason") or "")[:500],
        "applied_on": _value(readings, "applied_on"),
    }
    if kind is LifecycleKind.BUSINESS_CHANGE:
        declared.update(details=details, changes={}, before={})
    if request is None:
        flag("request_kind_unknown", "block", "届出の種類（変更・削除）を読み取れません。用紙で確認してください。", "request")

    biz = session.scalars(select(Business).where(Business.business_id == target_id)).one_or_none() if target_id else None
    if target_id and biz is None:
        worker = session.scalars(select(Worker).where(Worker.worker_id == target_id)).one_or_none()
        if worker is not None:
            declared.update(target_type="worker", name=worker.name, email=worker.email)
            flag("worker_request_manual", "block", f"ID {target_id} は技能者IDです。技能者の変更・削除届は"
                 "自動では処理できません。担当者が処理してください。", "target_id")
            if name_read and not same_name(name_read, worker.name):
                flag("target_name_mismatch", "warn", f"記入された氏名「{name_read}」が登録の氏名と一致しません。", "name")
        else:
            flag("target_unknown", "block", f"ID {target_id} の事業者・技能者は登録されていません。"
                 "用紙のIDを確認してください。", "target_id")
    if biz is not None:
        declared.update(business_id=biz.business_id, target_type="business", name=biz.trade_name, email=biz.email)
        app.filed_by_business_id = biz.business_id
        if biz.status != "active":
            flag("target_not_active", "block", f"事業者ID {biz.business_id} は現在有効ではありません（{biz.status}）。",
                 "target_id")
        if name_read and not same_name(name_read, biz.trade_name):
            flag("target_name_mismatch", "warn",
                 f"記入された商号「{name_read}」が登録の商号「{biz.trade_name}」と一致しません。", "name")
        other = open_case(session, biz, kind, excluding=app.id)
        if other is not None:
            flag("request_already_open", "block", f"同じ事業者の{'削除' if kind is LifecycleKind.BUSINESS_WITHDRAWAL else '変更'}"
                 f"申請（{other.application_number}）が処理中です。", "request")
        if kind is LifecycleKind.BUSINESS_CHANGE:
            _changes(session, biz, details, declared, flag)
    app.kind = kind.value
    app.declared = declared
    return flags


def _changes(session: Session, biz: Business, details: str, declared: dict[str, Any], flag: Any) -> None:
    proposed = parse_details(details)
    if not proposed:
        flag("change_details_unreadable", "block", "「変更する項目と変更後の内容」から変更する項目を特定できません。"
             "用紙で確認し、申請者に確認してください。", "details")
        return
    current = profile(session, biz).data
    try:
        clean = checked_changes(current, proposed)
    except ApplicationInvalid as exc:
        flag("change_details_invalid", "block", "変更内容に誤りがあります：" + "、".join(e.message for e in exc.errors),
             "details")
        return
    declared["changes"] = clean
    declared["before"] = {k: current.get(k) for k in clean}
    listed = "、".join(f"{CHANGEABLE_ITEMS[k]} → {v}" for k, v in clean.items())
    flag("change_details_parsed", "warn", f"記載から読み取った変更内容：{listed}。用紙の記載と照合してください。", "details")
    # The evidence of a change (models/lifecycle.CHANGE_EVIDENCE) comes in the same envelope: the
    # reviewer finds it among the scanned pages (a missing one is a return for correction).
    for item, role in evidence_needed(clean).items():
        flag("change_evidence_on_paper", "warn", f"{CHANGEABLE_ITEMS[item]}の変更には{CHANGE_EVIDENCE_JA[role]}が"
             "必要です。同封の書類にあるか確認してください。", "details")
