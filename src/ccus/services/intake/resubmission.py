"""The applicant's answer to a return (差戻しへの回答): new documents resume the same case.

Allowed only while the case is ``returned``. The files pass the same checks as at intake, go to
S3 first (content-addressed), then the case records them and moves back to ``documents_stored``
with the same 申請番号, so the pipeline reads, validates and checks it again and it returns to the
review queue. A retried request (the same files, case already resumed) changes nothing.

The documents of a role in the answer replace the case's documents of that role (except "other"
documents, which only add): the old ones are kept, in S3 and in the table, marked superseded by
the first document of the answer of that role, with the time; the pipeline and the review see only
the documents in force (``Document.current()``). A file sent again that had been superseded is put
back in force.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ccus.infra import s3
from ccus.infra.db import unit_of_work
from ccus.models.application_types import DocumentRole
from ccus.models.errors import ApplicationInvalid, Conflict, FieldError
from ccus.models.status import Status
from ccus.models.tables import Document
from ccus.services.cases import advance, audit, by_number
from ccus.services.intake import submission

MAX_FILES = 20


class ResubmissionRefused(Conflict):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)
        self.code: str = code


@dataclass(frozen=True)
class ResubmissionResult:
    application_number: str
    status: str
    stored: int
    resumed: bool
    superseded: int = 0


def add_documents(application_number: str, files: list[submission.IncomingFile], *, actor: str) -> ResubmissionResult:
    if not files:
        raise ApplicationInvalid([FieldError("attachments", "添付ファイルがありません。", "missing")])
    if len(files) > MAX_FILES:
        raise ApplicationInvalid([FieldError("attachments", f"添付ファイルは{MAX_FILES}件までです。", "too_many")])
    inspected = submission.inspect_files(files)
    with unit_of_work() as session:
        app = by_number(session, application_number)
        have = {(d.role, d.sha256) for d in session.scalars(select(Document).where(Document.application_id == app.id))}
        if app.status != Status.RETURNED.value:
            if all((f.role, info.sha256) in have for f, info in inspected):
                return ResubmissionResult(app.application_number, app.status, 0, resumed=False)  # a retry
            raise ResubmissionRefused("not_returned", "この申請は差戻し中ではないため、書類を追加できません。")
    for f, info in inspected:
        s3.put_if_absent(s3.document_key(info.sha256), f.data, info.media_type)
    with unit_of_work() as session:
        app = by_number(session, application_number, lock=True)
        if app.status != Status.RETURNED.value:  # a concurrent request resumed it first
            return ResubmissionResult(app.application_number, app.status, 0, resumed=False)
        stored = 0
        answer: dict[str, list[int]] = {}
        for f, info in inspected:
            new_id = session.execute(insert(Document).values(
                application_id=app.id, role=f.role, s3_key=s3.document_key(info.sha256), sha256=info.sha256,
                size=info.size, media_type=info.media_type, pages=info.pages, filename=f.filename[:255],
            ).on_conflict_do_nothing(constraint="uq_documents_app_role_sha").returning(Document.id)).scalar()
            stored += new_id is not None
            if new_id is None:  # sent before: this document of the case, in force again if it was replaced
                new_id = session.scalars(select(Document.id).where(
                    Document.application_id == app.id, Document.role == f.role,
                    Document.sha256 == info.sha256)).one()
            answer.setdefault(f.role, []).append(new_id)
        superseded = replace_documents(session, app.id, answer)
        advance(session, app, Status.DOCUMENTS_STORED, actor=actor,
                reason=f"applicant answered the return: {stored} new document(s), {superseded} superseded")
        audit(session, actor=actor, action="application.resubmitted", application_id=app.id,
              documents=len(inspected), stored=stored, superseded=superseded)
        return ResubmissionResult(app.application_number, app.status, stored, resumed=True, superseded=superseded)


def replace_documents(session: Session, app_id: int, answer: dict[str, list[int]]) -> int:
    """Put the answer's documents (role → ids, in the order sent) in force and mark every other
    document of the same role superseded by the first of them. "other" documents replace nothing.
    Returns how many documents were superseded."""
    superseded = 0
    for role, ids in answer.items():
        session.execute(update(Document).where(Document.id.in_(ids))
                        .values(superseded_by_id=None, superseded_at=None))
        if role == DocumentRole.OTHER.value:
            continue
        result = session.execute(update(Document).where(
            Document.application_id == app_id, Document.role == role, Document.current(),
            Document.id.not_in(ids)).values(superseded_by_id=ids[0], superseded_at=func.now()))
        superseded += result.rowcount  # type: ignore[attr-defined]
    return superseded
