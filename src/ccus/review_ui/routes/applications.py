"""The internet channel (インターネット申請): submit an application, follow its status."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Header, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ccus.infra.orchestrator import PIPELINE_DEPLOYMENT, trigger
from ccus.models.applicant_view import SECRET_HEADER
from ccus.models.application_types import Channel, DocumentRole, Kind
from ccus.models.errors import ApplicationInvalid, FieldError
from ccus.models.text_rules import ERROR_CODE, first_forbidden
from ccus.review_ui import uploads
from ccus.review_ui.applicant_proof import ApplicantCase, ApplicantProof, proxy_filer
from ccus.review_ui.schemas import ApplicationStatus, DocumentsAdded, Submitted
from ccus.services.auth import applicant_secrets
from ccus.services.intake import applicant_view, resubmission, submission

router = APIRouter(prefix="/api/v1/applications", tags=["applications"])

_FORM_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["application"],
                    "properties": {
                        "application": {
                            "type": "string",
                            "description": 'JSON: {"kind": "business_registration" | "worker_registration" | '
                                           '"proxy_worker_registration", "data": {…申請内容…}}',
                        },
                        **{r.value: {"type": "array", "items": {"type": "string", "format": "binary"},
                                     "description": f"添付: {r.value}"} for r in DocumentRole},
                    },
                }
            }
        },
    }
}


def _parse_envelope(parts: list[Any]) -> tuple[str, Any]:
    if not parts:
        raise ApplicationInvalid([FieldError("application", "申請内容（application）がありません。", "missing")])
    if len(parts) > 1:
        raise ApplicationInvalid([FieldError(
            "application", f"申請内容（application）が{len(parts)}つ送られました。1つだけ送ってください。", "duplicate_part")])
    raw = parts[0]
    if not isinstance(raw, str):
        raise ApplicationInvalid([FieldError("application", "申請内容はJSON文字列で送ってください。", "type")])
    try:
        envelope = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ApplicationInvalid([FieldError(
            "application", f"JSONの形式が正しくありません（{exc.lineno}行目 {exc.colno}文字目）。", "json_invalid")]) from None
    if not isinstance(envelope, dict):
        raise ApplicationInvalid([FieldError("application", "申請内容はオブジェクトで指定してください。", "dict_type")])
    if bad := first_forbidden(envelope):
        path, reason = bad  # named as the declared data's errors are: application.<field>, or kind
        named = ("application", *path[1:]) if path[:1] == ("data",) else path or ("application",)
        raise ApplicationInvalid([FieldError(".".join(map(str, named)), reason, ERROR_CODE)])
    unknown = sorted(set(envelope) - {"kind", "data"})
    errors = [FieldError(f"application.{k}", "この項目は受け付けられません（不明な項目）。", "extra_forbidden")
              for k in unknown]
    if "kind" not in envelope:
        errors.append(FieldError("kind", "申請種別（kind）は必須です。", "missing"))
    elif not isinstance(envelope["kind"], str):
        errors.append(FieldError("kind", "申請種別（kind）は文字列で指定してください。", "string_type"))
    if "data" not in envelope:
        errors.append(FieldError("application", "申請内容（data）は必須です。", "missing"))
    if errors:
        raise ApplicationInvalid(errors)
    return str(envelope["kind"]), envelope["data"]


@router.post("", status_code=201, openapi_extra=_FORM_DOC, response_model=Submitted,
             summary="申請を提出する（multipart: application + 添付ファイル）")
async def submit_application(
    request: Request,
    background: BackgroundTasks,
    found: ApplicantProof,
    idempotency_key: Annotated[str | None, Header(max_length=200, pattern=r"^[\x21-\x7e]+$")] = None,
) -> JSONResponse:
    # A refusal (models/errors.Refusal: an invalid envelope or file, a reused Idempotency-Key) is
    # answered by the app's one handler (review_ui/failures.py).
    form = await uploads.receive(request, max_fields=10)
    try:
        kind, data = _parse_envelope(form.getlist("application"))
        if kind == Kind.PROXY_WORKER_REGISTRATION.value:
            data = proxy_filer(data, found)
        files: list[submission.IncomingFile] = []
        unknown: list[FieldError] = []
        for name, value in form.multi_items():
            if name == "application":
                continue
            if not isinstance(value, UploadFile):
                unknown.append(FieldError(name, f"不明な項目 '{name}' です。", "extra_forbidden"))
                continue
            files.append(uploads.incoming(name, value))
        if unknown:
            raise ApplicationInvalid(unknown)
        result = await run_in_threadpool(lambda: submission.submit(
            kind=kind, channel=Channel.INTERNET, declared=data, files=files, idempotency_key=idempotency_key,
            actor="internet"))
    finally:
        await form.close()
    if result.created:
        background.add_task(trigger, PIPELINE_DEPLOYMENT)
    # The answer secret, shown this once (a replay with the same key and body gets a fresh one).
    secret = await run_in_threadpool(applicant_secrets.issue, result.application_number, "intake")
    return JSONResponse(
        status_code=201 if result.created else 200,
        content=Submitted(application_number=result.application_number, status=result.status,
                          status_url=f"/api/v1/applications/{result.application_number}",
                          answer_secret=secret, answer_secret_header=SECRET_HEADER).model_dump(),
        headers={"Cache-Control": "no-store"},
    )


@router.get("/{application_number}", summary="申請の状況と次の手続き（回答用コードまたは事業者ポータルのログインが必要）",
            response_model=ApplicationStatus)
def get_application(case: ApplicantCase) -> JSONResponse:
    view = ApplicationStatus.model_validate(applicant_view.status_view(case))
    return JSONResponse(view.model_dump(exclude_unset=True), headers={"Cache-Control": "no-store"})


_DOCUMENTS_DOC = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {"type": "object", "properties": {
            r.value: {"type": "array", "items": {"type": "string", "format": "binary"},
                      "description": f"添付: {r.value}"} for r in DocumentRole}}}},
    }
}


@router.post("/{application_number}/documents", openapi_extra=_DOCUMENTS_DOC, response_model=DocumentsAdded,
             summary="差戻しへの回答：書類を追加して同じ申請の審査を再開する（差戻し中のみ）")
async def add_documents(case: ApplicantCase, request: Request, background: BackgroundTasks) -> JSONResponse:
    number = case.application_number
    form = await uploads.receive(request, max_fields=uploads.MAX_FILES)
    try:
        files: list[submission.IncomingFile] = []
        for name, value in form.multi_items():
            if not isinstance(value, UploadFile):
                raise ApplicationInvalid([FieldError(name, f"不明な項目 '{name}' です。", "extra_forbidden")])
            files.append(uploads.incoming(name, value))
        result = await run_in_threadpool(resubmission.add_documents, number, files, actor="internet")
    finally:
        await form.close()
    if result.resumed:
        background.add_task(trigger, PIPELINE_DEPLOYMENT)
    return JSONResponse(status_code=200, content=DocumentsAdded(
        application_number=result.application_number, status=result.status, stored=result.stored,
        status_url=f"/api/v1/applications/{result.application_number}").model_dump())
