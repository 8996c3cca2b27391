"""The case screen (審査画面): the evidence beside the data, corrections, decisions."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ccus.infra.db import unit_of_work
from ccus.infra.orchestrator import after_decision, trigger
from ccus.models.review_rules import RETURN_REASONS
from ccus.models.status import Status
from ccus.review_ui.auth import Form, Reviewer
from ccus.review_ui.params import DbId
from ccus.review_ui.web import page, refused, see_other
from ccus.services.cases import CaseNotFound
from ccus.services.review import case_view, page_images, queue
from ccus.services.review.corrections import CorrectionRefused, correct_field
from ccus.services.review.decisions import Decision, DecisionRefused, decide

router = APIRouter(include_in_schema=False)


@router.get("/cases/{number}")
def case_page(request: Request, number: str, user: Reviewer) -> Response:
    try:
        with unit_of_work() as session:
            view = case_view.load(session, number, viewer=user.username)
            return page(request, "case.html", v=view, app=view.app, reasons=RETURN_REASONS,
                        mine=view.claim is not None and view.claim.reviewer == user.username,
                        in_queue=view.app.status in queue.QUEUE_STATUSES)
    except CaseNotFound:
        return refused(request, "該当する申請が見つかりません。", 404, back="/queue")


@router.get("/cases/{number}/documents/{document_id}/pages/{page_no}.png")
async def page_image(number: str, document_id: DbId, page_no: DbId, user: Reviewer,
                     w: Annotated[int, Query(ge=1, le=10_000)] = 1200) -> Response:
    try:
        png = await run_in_threadpool(page_images.page_png, number, document_id, page_no, w)
    except page_images.PageNotFound:
        return Response(status_code=404)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.post("/cases/{number}/corrections")
def correction(request: Request, number: str, user: Reviewer, form: Form) -> Response:
    try:
        correct_field(number, path=str(form.get("field") or ""), value=str(form.get("value") or ""),
                      reason=str(form.get("reason") or ""), actor=user.username)
    except (CorrectionRefused, queue.ClaimRefused) as exc:
        return refused(request, exc.message, exc.status, back=f"/cases/{quote(number)}")
    return see_other(f"/cases/{quote(number)}?done=corrected")


@router.post("/cases/{number}/decision")
def decision(request: Request, number: str, user: Reviewer, form: Form, background: BackgroundTasks) -> Response:
    back = f"/cases/{quote(number)}"
    try:
        choice = Decision(str(form.get("decision") or ""))
    except ValueError:
        return refused(request, "審査結果（承認・差戻し・却下）を選択してください。", 422, back=back)
    try:
        result = decide(number, actor=user.username, decision=choice,
                        reason=str(form.get("reason") or "").strip() or None,
                        reason_codes=[str(c) for c in form.getlist("reason_codes")], account_id=user.user_id,
                        own_claim=True)
    except (DecisionRefused, queue.ClaimRefused) as exc:
        return refused(request, exc.message, 409, back=back)
    if (deployment := after_decision(result.status, result.kind)) is not None:
        background.add_task(trigger, deployment)
    if result.status == Status.APPROVED.value:
        done = "approved"
    elif result.status == Status.AWAITING_SECOND_APPROVAL.value:
        done = "first_approved"
    else:
        done = "returned" if result.status == Status.RETURNED.value else "rejected"
    return see_other(f"{back}?done={done}")
