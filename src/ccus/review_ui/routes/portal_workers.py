"""The business portal's requests about its affiliated workers (所属技能者): a change application
adding qualifications (資格の追加), with a certificate scan for each (multipart, as intake).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ccus.models.application_types import DocumentRole
from ccus.models.errors import ApplicationInvalid, FieldError
from ccus.review_ui import uploads
from ccus.review_ui.portal_deps import BusinessUser
from ccus.review_ui.schemas import Filed
from ccus.services.intake.submission import IncomingFile
from ccus.services.registry import worker_changes

router = APIRouter(prefix="/api/v1/portal", tags=["portal"])

_CERT = DocumentRole.QUALIFICATION_CERTIFICATE.value
_FORM_DOC = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["application", _CERT], "properties": {
        "application": {"type": "string", "description": 'JSON: {"qualifications": [{"name", "number", "obtained_on"}]}'},
        _CERT: {"type": "array", "items": {"type": "string", "format": "binary"}, "description": "資格証明書の写し"},
    }}}}}}


@router.post("/workers/{worker_id}/qualifications", status_code=201, openapi_extra=_FORM_DOC, response_model=Filed,
             summary="所属技能者の変更申請：資格の追加（資格証明書の写しを添付。審査を経て登録内容とカードのレベルに反映）")
async def request_qualifications(worker_id: str, request: Request, user: BusinessUser) -> JSONResponse:
    form = await uploads.receive(request, max_fields=5)
    try:
        parts = form.getlist("application")
        if len(parts) != 1 or not isinstance(parts[0], str):
            raise ApplicationInvalid([FieldError("application", "申請内容（application）をJSON文字列で1つ送ってください。",
                                                 "missing")])
        try:
            data: Any = json.loads(parts[0])
        except json.JSONDecodeError:
            raise ApplicationInvalid([FieldError("application", "JSONの形式が正しくありません。", "json_invalid")]) from None
        files: list[IncomingFile] = []
        for name, value in form.multi_items():
            if name == "application":
                continue
            if not isinstance(value, UploadFile):
                raise ApplicationInvalid([FieldError(name, f"不明な項目 '{name}' です。", "extra_forbidden")])
            files.append(uploads.incoming(name, value))
        filed = await run_in_threadpool(lambda: worker_changes.request_qualifications(
            user.business_id, worker_id, data, files, actor=user.actor))
    finally:
        await form.close()
    return JSONResponse(status_code=201 if filed.created else 200,
                        content={"application_number": filed.application_number, "status": filed.status})
