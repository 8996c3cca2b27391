"""Response models of the JSON APIs (the shapes the routes answer, for validation and the OpenAPI
document). Field names are the wire names; a model never adds or drops a key the API answered
before (routes whose answers leave optional keys out declare ``response_model_exclude_unset``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Answer(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


# 審査 API ------------------------------------------------------------------------------------

class QueueItem(Answer):
    application_number: str
    kind: str
    channel: str
    received_at: str
    blocking: int
    warnings: int


class CaseDocument(Answer):
    id: int
    role: str
    filename: str
    media_type: str
    pages: int | None
    size: int
    sha256: str
    ocr_confidence: float | None
    ocr_text: str | None
    superseded_by_id: int | None
    superseded_at: str | None


class CaseHistoryEntry(Answer):
    from_: str | None = Field(alias="from", serialization_alias="from")
    to: str
    actor: str
    reason: str | None
    at: str


class CaseDetail(Answer):
    application_number: str
    kind: str
    channel: str
    received_by: str | None
    status: str
    declared: dict[str, Any]
    flags: list[Any]
    extracted: dict[str, Any] | None
    documents: list[CaseDocument]
    history: list[CaseHistoryEntry]


class DecisionOut(Answer):
    application_number: str
    status: str


# インターネット申請 API ---------------------------------------------------------------------------

class Submitted(Answer):
    application_number: str
    status: str
    status_url: str
    answer_secret: str
    answer_secret_header: str


class Payment(Answer):
    amount_due: int
    payer_reference: str


class ApplicationStatus(Answer):
    application_number: str
    status: str
    status_label: str
    next_step: str
    payment: Payment | None = None


class DocumentsAdded(Answer):
    application_number: str
    status: str
    stored: int
    status_url: str


# 連携システム API -----------------------------------------------------------------------------

class AttendanceLineResult(Answer):
    line: int
    status: str
    code: str | None = None
    reason: str | None = None


class AttendanceReport(Answer):
    system_code: str
    accepted: int
    rejected: int
    results: list[AttendanceLineResult]


# 事業者ポータル API ----------------------------------------------------------------------------

class SignedIn(Answer):
    token: str
    token_type: str
    must_change_password: bool


class Message(Answer):
    message: str


class PortalHome(Answer):
    business_id: str
    trade_name: str
    login_id: str
    expires_on: str
    unread_notices: int


class Read(Answer):
    read: bool


class Filed(Answer):
    application_number: str
    status: str


class WithdrawalFiled(Filed):
    message: str


class RenewalFiled(Filed):
    amount: int | None


class CardRenewalFiled(Answer):
    request_number: str
    worker_id: str
    amount: int
    status: str
    message: str


class SiteRegistered(Answer):
    site_id: str


class ContractRequested(Answer):
    contract_id: int
    site_id: str
    business_id: str
    upper_business_id: str
    status: str
    message: str


class ContractAnswered(Answer):
    contract_id: int
    status: str


class DisclosureSet(Answer):
    worker_id: str
    items: dict[str, bool]
