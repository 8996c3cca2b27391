"""A worker's change application (技能者情報の変更申請): qualifications obtained since registration,
filed by the worker's employer on the portal with a certificate scan for each.

It is a case like a business's change (``models/lifecycle.py``): one 申請番号, entered at review
with its certificates stored as documents (``qualification_certificate``), reviewed on the case
screen, and once approved applied by the changes flow: the qualifications join the worker's
registered content (``services/registry/worker_content.py``), and a card level they earn is a new
card, issued once as a reissue owing no fee (``services/issuance/reissue.request_level_change``).
Everything is checked before anything is stored; a refusal stores nothing. A returned change is
answered by filing again for the same worker: the same case resumes with the new content.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ccus.infra import s3
from ccus.infra.attachments import AttachmentInfo
from ccus.infra.db import unit_of_work
from ccus.models import lifecycle_notices
from ccus.models.application_types import ROLE_LABELS_JA, DocumentRole
from ccus.models.errors import ApplicationInvalid, FieldError, Forbidden, NotFound, from_validation_error
from ccus.models.lifecycle import LifecycleKind
from ccus.models.status import Status
from ccus.models.tables import Affiliation, Application, Business, Document, Worker
from ccus.models.text_rules import ERROR_CODE, first_forbidden
from ccus.models.worker_details import QualificationChange
from ccus.models.worker_tables import WorkerProfile
from ccus.services.cases import advance, audit, enter
from ccus.services.intake.resubmission import replace_documents
from ccus.services.intake.submission import (
    IncomingFile,
    forget_documents,
    inspect_files,
    next_application_number,
    store_documents,
)
from ccus.services.issuance import reissue
from ccus.services.registry import worker_content
from ccus.services.registry.business_changes import OPEN, Filed, business_by_id
from ccus.services.registry.notices import post

CERTIFICATE = DocumentRole.QUALIFICATION_CERTIFICATE.value
ACTOR = "changes"


def _checked(data: Any, files: list[IncomingFile]) -> dict[str, Any]:
    bad = first_forbidden(data)
    if bad is not None:
        path, reason = bad
        raise ApplicationInvalid([FieldError(".".join(map(str, ("application", *path))), reason, ERROR_CODE)])
    if not isinstance(data, dict):
        raise ApplicationInvalid([FieldError("application", "申請内容はオブジェクトで指定してください。", "dict_type")])
    try:
        clean = QualificationChange.model_validate(data).model_dump(mode="json")
    except ValidationError as exc:
        raise ApplicationInvalid(from_validation_error(exc)) from None
    errors = [FieldError(f"attachments.{f.role}", f"添付書類の種類 '{f.role}' は受け付けられません"
                         f"（{ROLE_LABELS_JA[DocumentRole.QUALIFICATION_CERTIFICATE]}のみ）。", "unknown_role")
              for f in files if f.role != CERTIFICATE]
    if not any(f.role == CERTIFICATE for f in files):
        errors.append(FieldError(f"attachments.{CERTIFICATE}",
                                 f"{ROLE_LABELS_JA[DocumentRole.QUALIFICATION_CERTIFICATE]}の添付が必要です。",
                                 "missing_document"))
    if errors:
        raise ApplicationInvalid(errors)
    return clean


def _affiliated_worker(session: Session, biz: Business, worker_id: str) -> Worker:
    worker = session.scalars(select(Worker).where(Worker.worker_id == worker_id).with_for_update()).one_or_none()
    if worker is None:
        raise NotFound("該当する技能者が見つかりません。", code="not_found")
    affiliated = session.scalars(select(Affiliation.id).where(
        Affiliation.worker_pk == worker.id, Affiliation.business_pk == biz.id, Affiliation.until.is_(None))).first()
    if affiliated is None:
        raise Forbidden("自社に所属する技能者の変更のみ申請できます。", code="not_affiliated")
    return worker


def _against_registry(session: Session, worker: Worker, clean: dict[str, Any]) -> Filed | None:
    """Refuse what the registry contradicts (a qualification already held, obtained before birth,
    another change of the worker in review); the open case itself when this is a retry of it."""
    held = {q.name for q in worker_content.qualifications(session, worker.id)}
    errors = [FieldError(f"application.qualifications.{n}.name", f"資格「{q['name']}」は既に登録されています。",
                         "already_registered")
              for n, q in enumerate(clean["qualifications"]) if q["name"] in held]
    errors += [FieldError(f"application.qualifications.{n}.obtained_on", "資格の取得日が生年月日より前です。",
                          "value_error")
               for n, q in enumerate(clean["qualifications"])
               if date.fromisoformat(q["obtained_on"]) < worker.birth_date]
    if errors:
        raise ApplicationInvalid(errors)
    opened = session.scalars(select(Application).where(
        Application.kind == LifecycleKind.WORKER_CHANGE.value, Application.status.in_(OPEN),
        Application.declared["worker_id"].astext == worker.worker_id)).first()
    if opened is None:
        return None
    if opened.declared.get("changes") == clean:
        return Filed(opened.application_number, opened.status, False)
    raise ApplicationInvalid([FieldError(
        "application", f"この技能者の変更申請 {opened.application_number} が審査中です。結果が出てから申請してください。",
        "change_in_progress")])


def request_qualifications(business_id: str, worker_id: str, data: Any, files: list[IncomingFile], *,
                           actor: str) -> Filed:
    """File a change adding qualifications of an affiliated worker. The same request again while
    the first is open answers with the first (nothing stored twice). Checked against the registry
    before the certificates go to S3, and again under the worker's row lock when recorded."""
    clean = _checked(data, files)
    inspected = inspect_files(files)
    with unit_of_work() as session:
        biz = business_by_id(session, business_id, lock=True)
        found = _against_registry(session, _affiliated_worker(session, biz, worker_id), clean)
        if found is not None:
            return found
    written = store_documents(inspected)
    try:
        with unit_of_work() as session:
            biz = business_by_id(session, business_id, lock=True)
            worker = _affiliated_worker(session, biz, worker_id)
            found = _against_registry(session, worker, clean)
            if found is not None:
                return found
            returned = session.scalars(select(Application).where(
                Application.kind == LifecycleKind.WORKER_CHANGE.value, Application.status == Status.RETURNED.value,
                Application.filed_by_business_id == biz.business_id,
                Application.declared["worker_id"].astext == worker.worker_id).order_by(Application.id.desc())
                .with_for_update()).first()
            if returned is not None:
                return _resume(session, returned, clean, inspected, actor)
            app = Application(application_number=next_application_number(session),
                              kind=LifecycleKind.WORKER_CHANGE.value, channel="internet",
                              declared={"worker_id": worker.worker_id, "name": worker.name,
                                        "business_id": biz.business_id, "changes": clean},
                              filed_by_business_id=biz.business_id)
            enter(session, app, [(Status.RECEIVED, "事業者ポータル：技能者の変更申請（資格の追加）"),
                                 (Status.AWAITING_REVIEW, f"{len(inspected)} document(s) stored")], actor=actor)
            for f, info in inspected:
                session.add(Document(application_id=app.id, role=f.role, s3_key=s3.document_key(info.sha256),
                                     sha256=info.sha256, size=info.size, media_type=info.media_type, pages=info.pages,
                                     filename=f.filename[:255]))
            audit(session, actor=actor, action="worker_change.received", application_id=app.id,
                  business_id=biz.business_id, worker_id=worker.worker_id,
                  items=[q["name"] for q in clean["qualifications"]])
            return Filed(app.application_number, app.status, True)
    except BaseException:
        forget_documents(written)
        raise


def _resume(session: Session, app: Application, clean: dict[str, Any],
            inspected: list[tuple[IncomingFile, AttachmentInfo]], actor: str) -> Filed:
    """The answer to a returned change (差戻しへの回答): the same case (same 申請番号) takes the new
    qualifications and certificates (the earlier certificates superseded, kept) and goes back to review."""
    answer: dict[str, list[int]] = {}
    for f, info in inspected:
        doc_id = session.execute(insert(Document).values(
            application_id=app.id, role=f.role, s3_key=s3.document_key(info.sha256), sha256=info.sha256,
            size=info.size, media_type=info.media_type, pages=info.pages, filename=f.filename[:255],
        ).on_conflict_do_nothing(constraint="uq_documents_app_role_sha").returning(Document.id)).scalar()
        if doc_id is None:  # sent before: in force again
            doc_id = session.scalars(select(Document.id).where(
                Document.application_id == app.id, Document.role == f.role, Document.sha256 == info.sha256)).one()
        answer.setdefault(f.role, []).append(doc_id)
    superseded = replace_documents(session, app.id, answer)
    app.declared = {**app.declared, "changes": clean}
    advance(session, app, Status.AWAITING_REVIEW, actor=actor,
            reason=f"変更申請の再申請（差戻しへの回答）：書類 {len(inspected)} 件、差し替え {superseded} 件")
    audit(session, actor=actor, action="worker_change.resubmitted", application_id=app.id,
          worker_id=app.declared["worker_id"], items=[q["name"] for q in clean["qualifications"]])
    return Filed(app.application_number, app.status, False)


def apply_change(app_id: int, today: date, *, actor: str = ACTOR) -> bool:
    """Apply one approved worker change, once: its qualifications join the registered content and,
    when they earn a new card level, a level-change reissue is recorded (issued by
    :func:`reissue.issue_paid`, here at once and by the issuance flow otherwise)."""
    with unit_of_work() as session:
        app = session.get(Application, app_id, with_for_update=True)
        if app is None or app.status != Status.APPROVED.value or app.kind != LifecycleKind.WORKER_CHANGE.value:
            return False
        worker = session.scalars(select(Worker).where(Worker.worker_id == app.declared["worker_id"])
                                 .with_for_update()).one()
        quals = list(app.declared["changes"]["qualifications"])
        worker_content.add_qualifications(session, worker, quals, app)
        session.execute(insert(WorkerProfile).values(worker_pk=worker.id, data={}, applied=[])
                        .on_conflict_do_nothing(index_elements=["worker_pk"]))
        prof = session.get(WorkerProfile, worker.id, with_for_update=True)
        assert prof is not None
        if app.application_number not in prof.applied:
            prof.applied = [*prof.applied, app.application_number]
            prof.version += 1
        number = reissue.request_level_change(session, worker, app, actor=actor, today=today)
        advance(session, app, Status.ISSUING, actor=actor, reason="変更内容を反映中")
        advance(session, app, Status.REGISTERED, actor=actor,
                reason="登録内容に反映しました" + (f"（カードのレベル変更：再発行 {number}）" if number else ""))
        filer = business_by_id(session, app.declared["business_id"])
        items = [f"技能者ID {worker.worker_id}（{worker.name}）の保有資格：{q['name']}" for q in quals]
        if number:
            items.append(f"カードのレベル：{worker_content.level_of(session, worker.id).label_ja}（新しいカードを発行します。"
                         f"再発行番号 {number}、手数料はかかりません）")
        subject, body = lifecycle_notices.change_applied(filer.trade_name, app.application_number, items)
        post(session, filer, key=f"{app.application_number}:change-applied", subject=subject, body=body,
             application_id=app.id)
        audit(session, actor=actor, action="worker_change.applied", application_id=app.id,
              worker_id=worker.worker_id, items=[q["name"] for q in quals], reissue=number)
    reissue.issue_paid(today)
    return True
