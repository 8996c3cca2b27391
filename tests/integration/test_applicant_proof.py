"""Who may touch an application from outside (issue 11, items 1, 5 and 6): the answer to a return
and the status API need the case's answer secret or the filing business's portal sign-in; a proxy
application is filed by a signed-in business, as itself."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, update

from ccus import sample_applications as samples
from ccus.infra.db import unit_of_work
from ccus.infra.services.smtp import read_maildir
from ccus.models.applicant_view import SECRET_PLACEHOLDER
from ccus.models.application_types import Channel
from ccus.models.billing_tables import Charge
from ccus.models.identifiers import application_number
from ccus.models.secret_tables import ApplicationSecret
from ccus.models.status import Status
from ccus.models.tables import Application, AuditLog, Document, Outbox, PortalNotice
from ccus.services.intake.submission import IncomingFile, submit
from ccus.services.operations import outbox
from ccus.services.review.decisions import Decision, decide
from tests.support import lifecycle as make
from tests.support.applicant import portal_headers, secret_headers, secret_in_mail, with_secret
from tests.support.web import business_sample, new_proof, post_form, proxy_sample, queued_case, worker_sample

pytestmark = pytest.mark.integration


def _submit(api: Any, sample: samples.SampleApplication, headers: dict[str, str] | None = None) -> Any:
    fields, files = samples.multipart(sample)
    return api.post("/api/v1/applications", data=fields, files=files, headers=headers or {})


def _to_review(number: str, status: Status = Status.AWAITING_REVIEW) -> None:
    with unit_of_work() as session:
        session.execute(update(Application).where(Application.application_number == number)
                        .values(status=status.value))


def _returned(number: str) -> None:
    _to_review(number)
    decide(number, actor="r1", decision=Decision.RETURN, reason=None, reason_codes=["insurance_proof_missing"])


def _answer(api: Any, number: str, headers: dict[str, str]) -> Any:
    return api.post(f"/api/v1/applications/{number}/documents", files=[new_proof()], headers=headers)


def _state(number: str) -> tuple[str, int]:
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(Application.application_number == number)).one()
        docs = session.scalar(select(func.count()).select_from(Document).where(Document.application_id == app.id))
        return app.status, docs or 0


def _counts() -> tuple[int, int]:
    with unit_of_work() as session:
        return (session.scalar(select(func.count()).select_from(Application)) or 0,
                session.scalar(select(func.count()).select_from(Document)) or 0)


def _signed_in(api: Any) -> tuple[make.RegisteredBusiness, dict[str, str]]:
    biz = make.business(must_change=False)
    return biz, portal_headers(api, biz.business_id, make.PASSWORD)


# Item 1: the answer to a return ------------------------------------------------------------------

def test_a_stranger_without_the_answer_secret_cannot_answer_a_return_and_nothing_is_stored(api: Any) -> None:
    r = _submit(api, business_sample())
    assert r.status_code == 201, r.text
    number, secret = r.json()["application_number"], r.json()["answer_secret"]
    other_secret = _submit(api, business_sample()).json()["answer_secret"]
    _returned(number)
    before = _state(number)
    for headers in ({}, with_secret("guessed-" + "x" * 40), with_secret(other_secret)):
        refused = _answer(api, number, headers)
        assert refused.status_code == 401, refused.text
        assert "回答用コード" in refused.json()["detail"]
    assert _state(number) == before == ("returned", before[1])
    # The secret given once at submission proves the applicant.
    ok = _answer(api, number, with_secret(secret))
    assert ok.status_code == 200 and ok.json()["stored"] == 1, ok.text
    assert _state(number) == ("documents_stored", before[1] + 1)


def test_the_return_mail_carries_a_fresh_secret_that_is_nowhere_stored_in_plaintext(api: Any, db: Any) -> None:
    sample = business_sample()
    number = queued_case(sample)
    decide(number, actor="r1", decision=Decision.RETURN, reason=None, reason_codes=["insurance_proof_missing"])
    outbox.deliver_pending()
    [notice] = [m for m in read_maildir(db) if m["To"] == sample.data["registrant"]["email"]]
    secret = secret_in_mail(notice.get_content())
    with unit_of_work() as session:
        app_id = session.scalars(select(Application.id).where(Application.application_number == number)).one()
        [row] = session.scalars(select(Outbox).where(Outbox.application_id == app_id)).all()
        assert row.status == "sent" and row.body is not None
        assert SECRET_PLACEHOLDER in row.body and secret not in row.body
        stored = session.scalars(select(ApplicationSecret).where(ApplicationSecret.application_id == app_id)).all()
        assert [s.secret_sha256 for s in stored] == [hashlib.sha256(secret.encode()).hexdigest()]
        audit = session.scalars(select(AuditLog.detail).where(AuditLog.application_id == app_id)).all()
        assert all(secret not in str(d) for d in audit)
    assert _answer(api, number, with_secret(secret)).status_code == 200


def test_the_filing_business_signed_in_answers_its_proxy_return_and_no_other_business_can(api: Any) -> None:
    filer, filer_headers = _signed_in(api)
    _, other_headers = _signed_in(api)
    r = _submit(api, proxy_sample("prime_contractor", filer=filer.business_id), filer_headers)
    assert r.status_code == 201, r.text
    number = r.json()["application_number"]
    _returned(number)
    with unit_of_work() as session:
        notice = session.scalars(select(PortalNotice).join(Application, Application.id == PortalNotice.application_id)
                                 .where(Application.application_number == number)).one()
    assert "事業者ポータルにログイン" in notice.body and "回答用コード" not in notice.body
    refused = _answer(api, number, other_headers)
    assert refused.status_code == 403 and refused.json()["detail"] == "この申請を参照・操作する権限がありません。"
    assert _state(number)[0] == "returned"
    assert _answer(api, number, filer_headers).status_code == 200
    assert _state(number)[0] == "documents_stored"


def test_a_replayed_submission_gets_a_fresh_secret_and_each_one_proves_the_applicant(api: Any) -> None:
    sample, key = business_sample(), f"replay-{uuid.uuid4().hex}"
    first = _submit(api, sample, {"Idempotency-Key": key})
    again = _submit(api, sample, {"Idempotency-Key": key})
    assert (first.status_code, again.status_code) == (201, 200)
    number = first.json()["application_number"]
    assert again.json()["application_number"] == number
    assert first.json()["answer_secret"] != again.json()["answer_secret"]
    assert first.headers["cache-control"] == again.headers["cache-control"] == "no-store"
    for secret in (first.json()["answer_secret"], again.json()["answer_secret"]):
        assert api.get(f"/api/v1/applications/{number}", headers=with_secret(secret)).status_code == 200


# Item 5: the status API --------------------------------------------------------------------------

def test_the_status_api_refuses_without_proof_alike_whether_or_not_the_number_exists(api: Any) -> None:
    existing = queued_case()
    missing = application_number(26, 9_999_999)
    _, stranger = _signed_in(api)
    for headers, code in (({}, 401), (with_secret("guessed-" + "y" * 40), 401), (stranger, 403)):
        a = api.get(f"/api/v1/applications/{existing}", headers=headers)
        b = api.get(f"/api/v1/applications/{missing}", headers=headers)
        assert (a.status_code, b.status_code) == (code, code)
        assert a.json() == b.json()


def test_the_status_api_shows_the_applicant_the_status_and_next_step_only(api: Any) -> None:
    number = queued_case(flags=[{"code": "duplicate_candidate", "severity": "warn",
                                 "message": "重複候補：登録済みの技能者 99999999999999"}])
    decide(number, actor="r1", decision=Decision.RETURN, reason="審査メモ：担当者の所見を記載")
    r = api.get(f"/api/v1/applications/{number}", headers=secret_headers(number))
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store", r.text
    body = r.json()
    assert set(body) == {"application_number", "status", "status_label", "next_step"}
    assert (body["status"], body["status_label"]) == ("returned", "差戻し中")
    assert "再提出" in body["next_step"]
    assert "所見" not in r.text and "重複" not in r.text and "99999999999999" not in r.text
    # Awaiting payment: what to pay and the payer reference, nothing more.
    _to_review(number, Status.AWAITING_PAYMENT)
    with unit_of_work() as session:
        app_id = session.scalars(select(Application.id).where(Application.application_number == number)).one()
        session.add(Charge(effect_key=f"{number}:test-charge", application_id=app_id, amount=11_000,
                           breakdown="事業者登録料 6,000円\n管理者ID利用料 5,000円", fee_date=date(2026, 11, 1)))
    paying = api.get(f"/api/v1/applications/{number}", headers=secret_headers(number)).json()
    assert paying["payment"] == {"amount_due": 11_000, "payer_reference": number.replace("-", "")}
    assert "管理者ID利用料" not in str(paying)


# Item 6: proxy filings ---------------------------------------------------------------------------

def test_a_proxy_filing_without_a_portal_sign_in_is_refused_and_nothing_is_stored(api: Any) -> None:
    sample = proxy_sample("prime_contractor")
    fresh = make.business(must_change=True)
    before = _counts()
    for headers in ({}, {"Authorization": "Bearer ccusp_not-a-session"}):
        r = _submit(api, sample, headers)
        assert r.status_code == 401 and "事業者ポータルにログイン" in r.json()["detail"], r.text
    # A first sign-in that must still change its password is not enough either.
    token = api.post("/api/v1/portal/sign-in", json={"login_id": fresh.business_id,
                                                      "password": make.PASSWORD}).json()["token"]
    assert _submit(api, proxy_sample("prime_contractor", filer=fresh.business_id),
                   {"Authorization": f"Bearer {token}"}).status_code == 401
    assert _counts() == before


def test_a_proxy_filing_naming_another_business_as_filer_is_refused_naming_the_field(api: Any) -> None:
    _, headers = _signed_in(api)
    victim = make.business(must_change=False)
    before = _counts()
    r = _submit(api, proxy_sample("prime_contractor", filer=victim.business_id), headers)
    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert (error["path"], error["code"]) == ("application.proxy.filer_business_id", "filer_mismatch")
    assert _counts() == before


def test_the_filer_of_a_proxy_filing_is_the_signed_in_business(api: Any) -> None:
    filer, headers = _signed_in(api)
    sample = proxy_sample("prime_contractor", filer=filer.business_id)
    data = dict(sample.data, proxy={"relation": "prime_contractor"})  # no filer in the body
    r = _submit(api, samples.SampleApplication(sample.kind, data, sample.files), headers)
    assert r.status_code == 201, r.text
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(
            Application.application_number == r.json()["application_number"])).one()
        assert app.filed_by_business_id == filer.business_id
        assert app.declared["proxy"]["filer_business_id"] == filer.business_id
    assert api.get(f"/api/v1/applications/{app.application_number}", headers=headers).status_code == 200


def test_the_counter_clerk_hands_the_applicant_an_answer_secret_shown_once(api: Any, client_for: Any) -> None:
    clerk, username = client_for("clerk")
    sample = worker_sample()
    number = submit(kind=sample.kind, channel=Channel.COUNTER, declared=sample.data, idempotency_key=None,
                    files=[IncomingFile(f.role, f.filename, f.content_type, f.data) for f in sample.files],
                    actor=username, received_by=username).application_number
    receipt = f"/counter/received/{number}"
    plain = clerk.get(receipt)
    assert 'data-testid="issue-answer-secret"' in plain.text and 'data-testid="answer-secret"' not in plain.text
    assert clerk.post(f"{receipt}/secret", data={}, follow_redirects=False).status_code in (400, 403)  # no CSRF
    shown = post_form(clerk, f"{receipt}/secret", {}, page=receipt)
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    secret = re.search(r'data-testid="answer-secret">([^<]+)<', shown.text).group(1)  # type: ignore[union-attr]
    assert secret not in clerk.get(receipt).text  # shown once
    r = api.get(f"/api/v1/applications/{number}", headers=with_secret(secret))
    assert r.status_code == 200 and r.json()["status"] == "documents_stored"
