"""The applicant's answer to a return resumes the same case (same 申請番号) through the pipeline."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from ccus.infra.db import unit_of_work
from ccus.models.status import Status
from ccus.models.tables import Application, Document
from ccus.services.review import Decision, decide
from tests.support.web import business_sample, drain_pipeline, new_proof, queued_case

pytestmark = pytest.mark.integration


def state(number: str) -> tuple[str, int]:
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(Application.application_number == number)).one()
        docs = session.scalar(select(func.count()).select_from(Document).where(Document.application_id == app.id))
        return app.status, docs or 0


def test_new_documents_resume_a_returned_case_with_the_same_number(api: Any) -> None:
    number = queued_case(business_sample())
    decide(number, actor="r1", decision=Decision.RETURN, reason=None, reason_codes=["insurance_proof_missing"])
    _, docs_before = state(number)
    r = api.post(f"/api/v1/applications/{number}/documents", files=[new_proof()])
    assert r.status_code == 200, r.text
    assert r.json() == {"application_number": number, "status": "documents_stored", "stored": 1,
                        "status_url": f"/api/v1/applications/{number}"}
    assert state(number) == ("documents_stored", docs_before + 1)
    # A retried request changes nothing.
    again = api.post(f"/api/v1/applications/{number}/documents", files=[new_proof()])
    assert again.status_code == 200 and again.json()["stored"] == 0
    drain_pipeline()
    assert state(number) == ("awaiting_review", docs_before + 1)
    history = [h["to"] for h in api.get(f"/api/v1/applications/{number}").json()["history"]]
    assert history[-6:] == ["returned", "documents_stored", "extracted", "validated", "consent_checked",
                            "awaiting_review"]


def test_documents_are_refused_unless_the_case_is_returned(api: Any) -> None:
    number = queued_case()
    r = api.post(f"/api/v1/applications/{number}/documents", files=[new_proof()])
    assert r.status_code == 409 and r.json()["code"] == "not_returned"
    assert state(number)[0] == Status.AWAITING_REVIEW.value


def test_resubmitted_files_pass_the_intake_checks(api: Any) -> None:
    number = queued_case()
    decide(number, actor="r1", decision=Decision.RETURN, reason="写しが不鮮明")
    r = api.post(f"/api/v1/applications/{number}/documents",
                 files=[("insurance_proof", ("fake.jpg", b"not a jpeg at all", "image/jpeg"))])
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "attachments.insurance_proof"
    nothing = api.post(f"/api/v1/applications/{number}/documents", files=[("unknown_role", ("a.pdf", b"%PDF", "application/pdf"))])
    assert nothing.status_code == 422
    assert state(number)[0] == "returned"
    assert api.post("/api/v1/applications/26-0000000-0/documents", files=[new_proof()]).status_code in (404,)
