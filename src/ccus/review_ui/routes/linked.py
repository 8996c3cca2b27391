"""The API for linked systems (連携システム): attendance records (就業履歴) in batches, each line
answered on its own. Authenticated by the system's API key (``X-API-Key`` or a bearer token)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, status
from pydantic import BaseModel, Field

from ccus.review_ui.access import LINKED_SYSTEM, declares
from ccus.review_ui.schemas import AttendanceReport
from ccus.services.clock import today_jst
from ccus.services.registry import attendance

router = APIRouter(prefix="/api/v1/linked", tags=["linked"])


@declares(LINKED_SYSTEM)
def linked_system(x_api_key: Annotated[str | None, Header()] = None,
                  authorization: Annotated[str | None, Header()] = None) -> str:
    key = x_api_key or (authorization.split(" ", 1)[1].strip()
                        if authorization and authorization.lower().startswith("bearer ") else "")
    code = attendance.authenticate(key)
    if code is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="APIキーが正しくありません。",
                            headers={"WWW-Authenticate": "Bearer"})
    return code


LinkedSystemCode = Annotated[str, Depends(linked_system)]


class AttendanceLine(BaseModel):
    site_id: str = Field(max_length=40, description="現場ID（14桁）")
    worker_id: str = Field(max_length=40, description="技能者ID（14桁）")
    work_date: str = Field(max_length=20, description="就業日（YYYY-MM-DD）")
    system_code: str | None = Field(default=None, max_length=20, description="システムコード（省略時は認証したシステム）")


class AttendanceBatch(BaseModel):
    records: list[AttendanceLine] = Field(max_length=attendance.MAX_BATCH)


@router.post("/attendance", summary="就業履歴の登録（連携システムから、行ごとに受付・不受理を返す）",
             response_model=AttendanceReport, response_model_exclude_unset=True)
def post_attendance(body: AttendanceBatch, system_code: LinkedSystemCode) -> dict[str, Any]:
    report = attendance.record_batch(system_code, [r.model_dump() for r in body.records], today=today_jst())
    return report.as_dict()
