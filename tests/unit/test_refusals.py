"""One refusal type: every service refusal is a ``models.errors.Refusal`` whose kind gives the
HTTP status, answered by one handler with one JSON envelope (and the message page for screens)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ccus.models.errors import (
    CASE_NOT_FOUND_JA,
    STATUS_OF_KIND,
    ApplicationInvalid,
    FieldError,
    Forbidden,
    NotFound,
    Refusal,
)
from ccus.review_ui.failures import install_refusals, refusal_body
from ccus.review_ui.uploads import UploadRefused
from ccus.services.auth.portal_sign_in import PortalRefused
from ccus.services.cases import CaseNotFound
from ccus.services.intake.resubmission import ResubmissionRefused
from ccus.services.intake.submission import IdempotencyConflict
from ccus.services.registry.business_changes import RequestRefused
from ccus.services.registry.renewal import CardRenewalRefused
from ccus.services.review.corrections import CorrectionRefused
from ccus.services.review.decisions import DecisionRefused
from ccus.services.review.queue import ClaimRefused


@pytest.mark.parametrize(("refusal", "status"), [
    (CaseNotFound("R1"), 404),
    (DecisionRefused("four_eyes", "x"), 409),
    (ClaimRefused("claimed_by_other", "x"), 409),
    (ResubmissionRefused("not_returned", "x"), 409),
    (CorrectionRefused("not_correctable", "x"), 409),
    (CorrectionRefused("invalid", "x"), 422),
    (CorrectionRefused("reason_required", "x"), 422),
    (RequestRefused(403, "not_upper", "x"), 403),
    (CardRenewalRefused("x"), 409),
    (PortalRefused(423, "security_code_locked", "x"), 423),
    (PortalRefused(429, "throttled", "x", retry_after=7), 429),
    (IdempotencyConflict("k"), 409),
    (UploadRefused(413, FieldError("attachments", "大きすぎます。", "too_large")), 413),
    (ApplicationInvalid([FieldError("application.name", "必須項目です。", "missing")]), 422),
])
def test_every_service_refusal_is_a_refusal_whose_kind_gives_its_status(refusal: Refusal, status: int) -> None:
    assert isinstance(refusal, Refusal)
    assert refusal.status == status == STATUS_OF_KIND[refusal.kind]


def test_a_case_not_found_says_so_in_the_one_message_and_is_still_a_lookup_error() -> None:
    exc = CaseNotFound("R2611-0000001")
    assert exc.message == CASE_NOT_FOUND_JA and isinstance(exc, LookupError)


def test_an_unknown_kind_or_status_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="unknown refusal kind"):
        Refusal("x", kind="teapot")
    with pytest.raises(KeyError):
        RequestRefused(418, "teapot", "x")


def test_the_one_envelope_keeps_the_shapes_the_api_answered() -> None:
    assert refusal_body(NotFound("該当する通知が見つかりません。")) == {"detail": "該当する通知が見つかりません。"}
    assert refusal_body(DecisionRefused("four_eyes", "別の審査者")) == {
        "detail": {"code": "four_eyes", "message": "別の審査者"}}
    invalid = ApplicationInvalid([FieldError("application.name", "必須項目です。", "missing")])
    errors = [{"path": "application.name", "code": "missing", "message": "必須項目です。"}]
    assert refusal_body(invalid, "/api/v1/portal/changes") == {"detail": "入力内容に誤りがあります。", "errors": errors}
    assert refusal_body(invalid, "/api/v1/applications") == {"detail": "申請内容に誤りがあります。", "errors": errors}
    upload = UploadRefused(413, FieldError("attachments", "大きすぎます。", "too_large"))
    assert refusal_body(upload)["detail"] == "大きすぎます。"


def test_one_handler_answers_json_under_the_api_and_a_page_elsewhere() -> None:
    api = FastAPI()
    install_refusals(api)

    @api.get("/api/v1/thing")
    def thing() -> None:
        raise PortalRefused(429, "throttled", "しばらくお待ちください。", retry_after=30)

    @api.get("/screen")
    def screen() -> None:
        raise Forbidden("この操作を行う権限がありません。")

    client = TestClient(api)
    r = client.get("/api/v1/thing")
    assert r.status_code == 429 and r.headers["Retry-After"] == "30"
    assert r.json() == {"detail": {"code": "throttled", "message": "しばらくお待ちください。"}}
    page = client.get("/screen")
    assert page.status_code == 403 and "text/html" in page.headers["content-type"]
    assert "この操作を行う権限がありません。" in page.text
