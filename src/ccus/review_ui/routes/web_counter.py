"""Counter intake (窓口受付): a clerk keys in an application of any kind, attaches the desk scanner's
scans and submits it through the same intake as the internet channel (``intake.submit``, channel
counter). The clerk is recorded as ``received_by`` and may never approve the case."""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from ccus.infra.db import unit_of_work
from ccus.infra.orchestrator import PIPELINE_DEPLOYMENT, trigger
from ccus.models.application_types import Channel
from ccus.models.charges import application_fee
from ccus.models.declared import DECLARED_MODELS
from ccus.models.errors import ApplicationInvalid, FieldError
from ccus.models.identifiers import normalize_application_number
from ccus.models.tables import Document
from ccus.review_ui import intake_form, uploads
from ccus.review_ui.auth import Clerk, require_csrf
from ccus.review_ui.auth import Form as CheckedForm
from ccus.review_ui.web import page, refused, see_other
from ccus.services.auth import applicant_secrets
from ccus.services.cases import CaseNotFound, by_number
from ccus.services.clock import JST, now_jst
from ccus.services.intake import submission

router = APIRouter(include_in_schema=False)

_KEY = re.compile(r"^counter-[A-Za-z0-9_-]{16,64}$")


def _new_key() -> str:
    """The form's Idempotency-Key: a double click or a re-sent POST finds the first case."""
    return "counter-" + secrets.token_urlsafe(24)


def _form_page(request: Request, kind: str, *, values: dict[str, str] | None = None, key: str | None = None,
               errors: list[FieldError] | None = None, previous_files: list[tuple[str, str]] | None = None,
               status_code: int = 200) -> Response:
    sections = intake_form.form_for(kind)
    attachments = intake_form.attachments_for(kind)
    if values is None:
        values = {f.path: f.default for f in intake_form.fields_of(sections)}
    placed = intake_form.place_errors(errors or [], intake_form.fields_of(sections), attachments)
    return page(request, "counter_new.html", status_code=status_code, kind=kind,
                kind_title=intake_form.KIND_TITLES_JA[kind], sections=sections, attachments=attachments,
                values=values, errors=placed, key=key or _new_key(), previous_files=previous_files or [])


@router.get("/counter/new")
def counter_new(request: Request, user: Clerk, kind: str = "") -> Response:
    """窓口受付: choose the kind, then key the application in."""
    if kind not in DECLARED_MODELS:
        return page(request, "counter_kinds.html", kinds=intake_form.KIND_TITLES_JA)
    return _form_page(request, kind)


def _files(form: FormData) -> list[submission.IncomingFile]:
    files = []
    for name, value in form.multi_items():
        if not name.startswith(intake_form.ATTACHMENTS + ".") or not isinstance(value, UploadFile):
            continue
        if not value.filename:  # a file input left empty
            continue
        files.append(uploads.incoming(name.split(".", 1)[1], value))
    return files


@router.post("/counter/new")
async def counter_submit(request: Request, user: Clerk, background: BackgroundTasks) -> Response:
    try:
        form = await uploads.receive(request, max_fields=120)
    except uploads.UploadRefused as exc:
        return refused(request, exc.error.message, exc.status, back="/counter/new")
    try:
        require_csrf(form, user)
        kind = str(form.get("kind") or "")
        if kind not in DECLARED_MODELS:
            return refused(request, "申請種別を選択してください。", 422, back="/counter/new")
        raw_key = str(form.get("idempotency_key") or "")
        key = raw_key if _KEY.match(raw_key) else _new_key()
        fields = intake_form.fields_of(intake_form.form_for(kind))
        values = {f.path: str(form.get(f.path) or "") for f in fields}
        files = _files(form)
        declared = intake_form.declared_from(kind, values)
        try:
            result = await run_in_threadpool(lambda: submission.submit(
                kind=kind, channel=Channel.COUNTER, declared=declared, files=files, idempotency_key=key,
                actor=user.username, received_by=user.username))
        except ApplicationInvalid as exc:
            return _form_page(request, kind, values=values, key=key, errors=exc.errors, status_code=422,
                              previous_files=[(f.role, f.filename) for f in files])
        except submission.IdempotencyConflict:
            return _form_page(request, kind, values=values, errors=[FieldError(
                "idempotency_key", "この画面は既に別の内容の申請に使われました。内容を確認してもう一度登録してください。",
                "idempotency_conflict")], status_code=409)
    finally:
        await form.close()
    if result.created:
        background.add_task(trigger, PIPELINE_DEPLOYMENT)
    return see_other(f"/counter/received/{quote(result.application_number)}")


def _receipt(request: Request, number: str, *, new_secret: bool = False) -> Response:
    try:
        with unit_of_work() as session:
            app = by_number(session, normalize_application_number(number))
            if app.channel != Channel.COUNTER.value:
                raise CaseNotFound(number)
            received_on = app.received_at.astimezone(JST).date()
            fee: Any = application_fee(app.kind, app.channel, app.declared, received_on)
            documents = list(session.scalars(select(Document).where(Document.application_id == app.id)
                                             .order_by(Document.id)))
            # Shown this once, on this response only (no-store); each press issues another.
            secret = applicant_secrets.issue_in(session, app.id, "counter") if new_secret else None
            return page(request, "counter_received.html", app=app, fee=fee, documents=documents,
                        printed_at=now_jst(), answer_secret=secret)
    except (ValueError, CaseNotFound):
        return refused(request, "該当する窓口受付の申請が見つかりません。", 404, back="/counter")


@router.get("/counter/received/{number}")
def counter_received(request: Request, number: str, user: Clerk) -> Response:
    """The receipt: the 申請番号 for the applicant, the fee, and what happens next."""
    return _receipt(request, number)


@router.post("/counter/received/{number}/secret")
def counter_answer_secret(request: Request, number: str, user: Clerk, form: CheckedForm) -> Response:
    """The receipt with a fresh answer secret (回答用コード) to hand to the applicant, shown once."""
    return _receipt(request, number, new_secret=True)
