"""The internet channel (インターネット申請): submit an application, follow its status."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Header, HTTPException, Request, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ccus.infra.orchestrator import PIPELINE_DEPLOYMENT, trigger
from ccus.infra.settings import get_settings
from ccus.models.applicant_view import SECRET_HEADER
from ccus.models.application_types import Channel, DocumentRole, Kind
from ccus.models.errors import ApplicationInvalid, FieldError
from ccus.review_ui.applicant_proof import ApplicantCase, ApplicantProof, proxy_filer
from ccus.services import applicant_secrets, applicant_view, intake, resubmission
from ccus.services.cases import CaseNotFound

router = APIRouter(prefix="/api/v1/applications", tags=["applications"])

MAX_FILES = 20

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


def invalid(errors: list[FieldError]) -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": "申請内容に誤りがあります。", "errors": [e.as_dict() for e in errors]},
    )


def _parse_envelope(raw: Any) -> tuple[str, Any]:
    if raw is None:
        raise ApplicationInvalid([FieldError("application", "申請内容（application）がありません。", "missing")])
    if not isinstance(raw, str):
        raise ApplicationInvalid([FieldError("application", "申請内容はJSON文字列で送ってください。", "type")])
    try:
        envelope = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ApplicationInvalid([FieldError(
            "application", f"JSONの形式が正しくありません（{exc.lineno}行目 {exc.colno}文字目）。", "json_invalid")]) from None
    if not isinstance(envelope, dict):
        raise ApplicationInvalid([FieldError("application", "申請内容はオブジェクトで指定してください。", "dict_type")])
    unknown = sorted(set(envelope) - {"kind", "data"})
    errors = [FieldError(f"application.{k}", "この項目は受け付けられません（不明な項目）。", "extra_forbidden")
              for k in unknown]
    if "kind" not in envelope:
        errors.append(FieldError("kind", "申請種別（kind）は必須です。", "missing"))
    if "data" not in envelope:
        errors.append(FieldError("application", "申請内容（data）は必須です。", "missing"))
    if errors:
        raise ApplicationInvalid(errors)
    return str(envelope["kind"]), envelope["data"]


@router.post("", status_code=201, openapi_extra=_FORM_DOC,
             summary="申請を提出する（multipart: application + 添付ファイル）")
async def submit_application(
    request: Request,
    background: BackgroundTasks,
    found: ApplicantProof,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    settings = get_settings()
    length = int(request.headers.get("content-length") or 0)
    if length > settings.max_attachment_bytes * MAX_FILES:
        return JSONResponse(status_code=413, content={
            "detail": "送信データが大きすぎます。", "errors": [{"path": "attachments", "code": "too_large",
                                                           "message": "送信データが大きすぎます。"}]})
    try:
        form = await request.form(max_files=MAX_FILES, max_fields=10, max_part_size=1024 * 1024)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the client's malformed body
        return invalid([FieldError("body", f"multipart形式のデータを読み取れません（{type(exc).__name__}）。", "multipart")])
    try:
        kind, data = _parse_envelope(form.get("application"))
        if kind == Kind.PROXY_WORKER_REGISTRATION.value:
            data = proxy_filer(data, found)
        files: list[intake.IncomingFile] = []
        unknown: list[FieldError] = []
        for name, value in form.multi_items():
            if name == "application":
                continue
            if not isinstance(value, UploadFile):
                unknown.append(FieldError(name, f"不明な項目 '{name}' です。", "extra_forbidden"))
                continue
            body = await value.read(settings.max_attachment_bytes + 1)
            files.append(intake.IncomingFile(name, value.filename or name, value.content_type, body))
        if unknown:
            raise ApplicationInvalid(unknown)
        result = await run_in_threadpool(lambda: intake.submit(
            kind=kind, channel=Channel.INTERNET, declared=data, files=files, idempotency_key=idempotency_key,
            actor="internet"))
    except ApplicationInvalid as exc:
        return invalid(exc.errors)
    except intake.IdempotencyConflict:
        return JSONResponse(status_code=409, content={
            "detail": "この Idempotency-Key は別の内容の申請で使用済みです。"})
    finally:
        await form.close()
    if result.created:
        background.add_task(trigger, PIPELINE_DEPLOYMENT)
    # The answer secret, shown this once (a replay with the same key and body gets a fresh one).
    secret = await run_in_threadpool(applicant_secrets.issue, result.application_number, "intake")
    return JSONResponse(
        status_code=201 if result.created else 200,
        content={"application_number": result.application_number, "status": result.status,
                 "status_url": f"/api/v1/applications/{result.application_number}",
                 "answer_secret": secret, "answer_secret_header": SECRET_HEADER},
        headers={"Cache-Control": "no-store"},
    )


@router.get("/{application_number}", summary="申請の状況と次の手続き（回答用コードまたは事業者ポータルのログインが必要）")
def get_application(case: ApplicantCase) -> JSONResponse:
    return JSONResponse(applicant_view.status_view(case), headers={"Cache-Control": "no-store"})


_DOCUMENTS_DOC = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {"type": "object", "properties": {
            r.value: {"type": "array", "items": {"type": "string", "format": "binary"},
                      "description": f"添付: {r.value}"} for r in DocumentRole}}}},
    }
}


@router.post("/{application_number}/documents", openapi_extra=_DOCUMENTS_DOC,
             summary="差戻しへの回答：書類を追加して同じ申請の審査を再開する（差戻し中のみ）")
async def add_documents(case: ApplicantCase, request: Request, background: BackgroundTasks) -> JSONResponse:
    settings = get_settings()
    number = case.application_number
    if int(request.headers.get("content-length") or 0) > settings.max_attachment_bytes * MAX_FILES:
        return JSONResponse(status_code=413, content={"detail": "送信データが大きすぎます。"})
    try:
        form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES, max_part_size=1024 * 1024)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the client's malformed body
        return invalid([FieldError("body", f"multipart形式のデータを読み取れません（{type(exc).__name__}）。", "multipart")])
    try:
        files: list[intake.IncomingFile] = []
        for name, value in form.multi_items():
            if not isinstance(value, UploadFile):
                raise ApplicationInvalid([FieldError(name, f"不明な項目 '{name}' です。", "extra_forbidden")])
            body = await value.read(settings.max_attachment_bytes + 1)
            files.append(intake.IncomingFile(name, value.filename or name, value.content_type, body))
        result = await run_in_threadpool(resubmission.add_documents, number, files, actor="internet")
    except ApplicationInvalid as exc:
        return invalid(exc.errors)
    except CaseNotFound:
        raise HTTPException(status_code=404, detail="該当する申請が見つかりません。") from None
    except resubmission.ResubmissionRefused as exc:
        return JSONResponse(status_code=409, content={"detail": exc.message, "code": exc.code})
    finally:
        await form.close()
    if result.resumed:
        background.add_task(trigger, PIPELINE_DEPLOYMENT)
    return JSONResponse(status_code=200, content={
        "application_number": result.application_number, "status": result.status, "stored": result.stored,
        "status_url": f"/api/v1/applications/{result.application_number}"})
