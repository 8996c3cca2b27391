"""The reviewers' API (審査): the queue, a case with its evidence and flags, and decisions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from ccus.infra.orchestrator import after_decision, trigger
from ccus.models.status import Status
from ccus.models.tables import Application, Document
from ccus.models.text_rules import SafeMultiline, SafeText
from ccus.review_ui.deps import Reviewer, SessionDep
from ccus.review_ui.schemas import CaseDetail, DecisionOut, QueueItem
from ccus.services.cases import audit, by_number, history
from ccus.services.review.decisions import Decision, decide

router = APIRouter(prefix="/api/v1/review", tags=["review"])


class DecisionIn(BaseModel):
    decision: Literal["approve", "return", "reject"]
    reason: SafeMultiline | None = Field(default=None, max_length=2000)
    reason_codes: list[Annotated[SafeText, Field(max_length=100)]] = Field(default_factory=list, max_length=20)


@router.get("/queue", summary="審査待ちの一覧", response_model=list[QueueItem])
def queue(staff: Reviewer, session: SessionDep,
          limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    rows = session.scalars(select(Application).where(Application.status == Status.AWAITING_REVIEW.value)
                           .order_by(Application.received_at).limit(limit))
    return [{"application_number": a.application_number, "kind": a.kind, "channel": a.channel,
             "received_at": a.received_at.isoformat(),
             "blocking": sum(1 for f in a.flags if f.get("severity") == "block"),
             "warnings": sum(1 for f in a.flags if f.get("severity") == "warn")} for a in rows]


@router.get("/applications/{application_number}", summary="審査画面の申請詳細（閲覧は監査ログに記録）",
            response_model=CaseDetail)
def case(application_number: str, staff: Reviewer, session: SessionDep) -> dict[str, Any]:
    app = by_number(session, application_number)  # CaseNotFound: 404 (review_ui/failures.py)
    audit(session, actor=staff.actor, action="case.viewed", application_id=app.id)
    docs = session.scalars(select(Document).where(Document.application_id == app.id).order_by(Document.id))
    return {
        "application_number": app.application_number, "kind": app.kind, "channel": app.channel,
        "received_by": app.received_by, "status": app.status, "declared": app.declared, "flags": app.flags,
        "extracted": app.extracted,
        "documents": [{"id": d.id, "role": d.role, "filename": d.filename, "media_type": d.media_type, "pages": d.pages,
                       "size": d.size, "sha256": d.sha256, "ocr_confidence": d.ocr_confidence,
                       "ocr_text": d.ocr_text, "superseded_by_id": d.superseded_by_id,
                       "superseded_at": d.superseded_at.isoformat() if d.superseded_at else None}
                      for d in docs],
        "history": [{"from": h.from_status, "to": h.to_status, "actor": h.actor, "reason": h.reason,
                     "at": h.at.isoformat()} for h in history(session, app.id)],
    }


@router.post("/applications/{application_number}/decision", summary="審査結果を登録する", response_model=DecisionOut)
def post_decision(application_number: str, body: DecisionIn, staff: Reviewer,
                  background: BackgroundTasks) -> dict[str, str]:
    # CaseNotFound (404) and DecisionRefused (409) are answered by review_ui/failures.py.
    result = decide(application_number, actor=staff.actor, decision=Decision(body.decision),
                    reason=body.reason, reason_codes=body.reason_codes, account_id=staff.user_id)
    if (deployment := after_decision(result.status, result.kind)) is not None:
        background.add_task(trigger, deployment)
    return {"application_number": result.application_number, "status": result.status}
