"""The applicant's answer to a return resumes the same case (same 申請番号) through the pipeline."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from ccus.infra.db import unit_of_work
from ccus.models.status import Status
from ccus.models.tables import Application, Document
from ccus.services.cases import by_number
from ccus.services.cases import history as stage_history
from ccus.services.review.decisions import Decision, decide
from tests.support.applicant import secret_headers
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
    proof = secret_headers(number)
    r = api.post(f"/api/v1/applications/{number}/documents", files=[new_proof()], headers=proof)
    assert r.status_code == 200, r.text
    assert r.json() == {"application_number": number, "status": "documents_stored", "stored": 1,
                        "status_url": f"/api/v1/applications/{number}"}
    assert state(number) == ("documents_stored", docs_before + 1)
    # A retried request changes nothing.
    again = api.post(f"/api/v1/applications/{number}/documents", files=[new_proof()], headers=proof)
    assert again.status_code == 200 and again.json()["stored"] == 0
    drain_pipeline()
    assert state(number) == ("awaiting_review", docs_before + 1)
    with unit_of_work() as session:
        history = [h.to_status for h in stage_history(session, by_number(session, number).id)]
    assert history[-6:] == ["returned", "documents_stored", "extracted", "validated", "consent_checked",
                            "awaiting_review"]


def test_documents_are_refused_unless_the_case_is_returned(api: Any) -> None:
    number = queued_case()
    r = api.post(f"/api/v1/applications/{number}/documents", files=[new_proof()], headers=secret_headers(number))
    assert r.status_code == 409 and r.json()["detail"]["code"] == "not_returned"  # the one refusal envelope
    assert state(number)[0] == Status.AWAITING_REVIEW.value


def test_resubmitted_files_pass_the_intake_checks(api: Any) -> None:
    number = queued_case()
    decide(number, actor="r1", decision=Decision.RETURN, reason="写しが不鮮明")
    proof = secret_headers(number)
    r = api.post(f"/api/v1/applications/{number}/documents", headers=proof,
                 files=[("insurance_proof", ("fake.jpg", b"not a jpeg at all", "image/jpeg"))])
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "attachments.insurance_proof"
    nothing = api.post(f"/api/v1/applications/{number}/documents", headers=proof,
                       files=[("unknown_role", ("a.pdf", b"%PDF", "application/pdf"))])
    assert nothing.status_code == 422
    assert state(number)[0] == "returned"
    assert api.post("/api/v1/applications/26-0000000-0/documents", files=[new_proof()],
                    headers=proof).status_code == 401  # the proof of another case


def test_an_answered_document_supersedes_the_old_one_which_is_kept(api: Any) -> None:
    """A worker's identity document that does not show the declared name is flagged; the applicant
    sends the right one: it replaces the old one (kept in S3, marked superseded by it), and the
    validation sees only the new one, so the mismatch is gone."""
    from fastapi.testclient import TestClient

    from ccus.infra import s3
    from ccus.models.application_types import Channel
    from ccus.review_ui.app import create_app
    from ccus.services.intake.submission import IncomingFile, submit
    from tests.support.web import new_user, sign_in, worker_sample

    sample, stranger = worker_sample(legible=True), worker_sample()
    right = next(f for f in sample.files if f.role == "identity_document")
    wrong = next(f for f in stranger.files if f.role == "identity_document")
    files = [IncomingFile(f.role, f.filename, f.content_type, f.data) for f in sample.files if f is not right]
    files.append(IncomingFile(wrong.role, "old-menkyo.jpg", wrong.content_type, wrong.data))
    number = submit(kind=sample.kind, channel=Channel.INTERNET, declared=sample.data, idempotency_key=None,
                    files=files, actor="test").application_number
    drain_pipeline()

    def case() -> tuple[Application, list[Document]]:
        with unit_of_work() as session:
            app = session.scalars(select(Application).where(Application.application_number == number)).one()
            docs = list(session.scalars(select(Document).where(Document.application_id == app.id)
                                        .order_by(Document.id)))
            session.expunge_all()
            return app, docs

    app, docs = case()
    assert app.status == "awaiting_review"
    assert "identity_name_mismatch" in {f["code"] for f in app.flags}
    old = next(d for d in docs if d.role == "identity_document")
    photo = next(d for d in docs if d.role == "face_photo")
    decide(number, actor="r1", decision=Decision.RETURN, reason=None, reason_codes=["identity_document_unreadable"])

    proof = secret_headers(number)
    r = api.post(f"/api/v1/applications/{number}/documents", headers=proof,
                 files=[("identity_document", ("new-menkyo.jpg", right.data, right.content_type))])
    assert r.status_code == 200 and r.json()["stored"] == 1, r.text
    app, docs = case()
    new = next(d for d in docs if d.filename == "new-menkyo.jpg")
    kept = next(d for d in docs if d.id == old.id)
    assert kept.superseded_by_id == new.id and kept.superseded_at is not None
    assert new.superseded_at is None and next(d for d in docs if d.id == photo.id).superseded_at is None
    assert s3.exists(kept.s3_key)  # never deleted

    drain_pipeline()
    app, docs = case()
    assert app.status == "awaiting_review"
    assert "identity_name_mismatch" not in {f["code"] for f in app.flags}, app.flags
    assert [d.id for d in docs if d.role == "identity_document" and d.superseded_at is None] == [new.id]
    assert [d["id"] for d in app.extracted["documents"]] == [photo.id, new.id]  # read: only the current ones

    # The case screen shows the current documents; the old one is in the history.
    with TestClient(create_app()) as web:
        assert sign_in(web, new_user("reviewer")).status_code == 303
        html = web.get(f"/cases/{number}").text
    thumbs = html.split('id="thumbs"')[1].split("</div>")[0]
    assert f"/documents/{new.id}/pages/1.png" in thumbs and f"/documents/{old.id}/" not in thumbs
    history = html.split('data-testid="history"')[1]
    assert "差し替え：本人確認書類 old-menkyo.jpg → new-menkyo.jpg" in history
    assert f"/documents/{old.id}/pages/1.png" in history.split('data-testid="superseded"')[1]

    # Sending the old file again puts it back in force, and supersedes the new one.
    decide(number, actor="r1", decision=Decision.RETURN, reason=None, reason_codes=["identity_document_unreadable"])
    r = api.post(f"/api/v1/applications/{number}/documents", headers=proof,
                 files=[("identity_document", ("old-menkyo.jpg", wrong.data, wrong.content_type))])
    assert r.status_code == 200 and r.json()["stored"] == 0
    _, docs = case()
    by_id = {d.id: d for d in docs}
    assert by_id[old.id].superseded_at is None and by_id[new.id].superseded_by_id == old.id
