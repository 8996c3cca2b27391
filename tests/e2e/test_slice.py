"""The whole slice on the real stack: internet intake → Prefect pipeline flow → review through the
API → Prefect issuance flow → IDs, hashed credentials, two mails over SMTP, postcard PDF in S3."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pdfplumber
import pytest
from sqlalchemy import func, select

from ccus import sample_applications as samples
from ccus.demo import portal_session
from ccus.infra import s3
from ccus.infra.db import unit_of_work
from ccus.infra.security import verify_secret
from ccus.infra.services.smtp import read_maildir
from ccus.models.application_types import Channel
from ccus.models.billing_tables import Charge, PrintBatch
from ccus.models.identifiers import registry_id_from_serial, registry_id_is_valid
from ccus.models.tables import AdminId, Application, Business, Card, Credential, Outbox, PrintJob, Worker
from ccus.services.auth import applicant_secrets
from ccus.services.billing.payments import import_payments
from ccus.services.intake import submission
from ccus.services.issuance.printing import read_print_file
from tests.support.applicant import with_secret
from tests.support.factories import corporate_number, person

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


_SECRETS: dict[str, str] = {}  # 申請番号 → the answer secret its submission gave


def submit(api: Any, sample: samples.SampleApplication, headers: dict[str, str] | None = None) -> str:
    fields, files = samples.multipart(sample)
    r = api.post("/api/v1/applications", data=fields, files=files, headers=headers or {})
    assert r.status_code == 201, r.text
    number = str(r.json()["application_number"])
    _SECRETS[number] = r.json()["answer_secret"]
    return number


def status(api: Any, number: str) -> str:
    r = api.get(f"/api/v1/applications/{number}", headers=with_secret(_SECRETS[number]))
    assert r.status_code == 200, r.text
    return str(r.json()["status"])


def decide(api: Any, token: str, number: str, decision: str = "approve", reason: str | None = None) -> Any:
    return api.post(f"/api/v1/review/applications/{number}/decision",
                    json={"decision": decision, "reason": reason},
                    headers={"Authorization": f"Bearer {token}"})


def run_pipeline() -> None:
    from ccus.flows.pipeline import process_pipeline

    process_pipeline()


def run_issuance(today: date | None = None) -> int:
    from ccus.flows.issuance import issue_approved

    return issue_approved(today=today)


def charge(number: str) -> int:
    """The open charge of a case (after the issuance flow has charged it)."""
    with unit_of_work() as session:
        return session.execute(select(Charge.amount).join(Application, Application.id == Charge.application_id)
                               .where(Application.application_number == number)).scalar_one()


def pay(*numbers: str, amounts: dict[str, int] | None = None) -> Any:
    lines = [f"{n},{(amounts or {}).get(n, charge(n))},2026-11-24" for n in numbers]
    return import_payments(("申請番号,金額,入金日\n" + "\n".join(lines) + "\n").encode())


def approve_pay_issue(api: Any, token: str, *numbers: str, today: date | None = None) -> None:
    for n in numbers:
        assert decide(api, token, n).status_code == 200
    run_issuance(today)
    assert all(status(api, n) == "awaiting_payment" for n in numbers)
    pay(*numbers)
    run_issuance(today)


def session_get_batch(batch_id: int | None) -> PrintBatch:
    with unit_of_work() as session:
        batch = session.get(PrintBatch, batch_id)
        assert batch is not None
        return batch


def mails_to(settings: Any, addr: str) -> list[Any]:
    return [m for m in read_maildir(settings) if m["To"] == addr]


def register_business(api: Any, token: str, email: str) -> tuple[str, str]:
    number = submit(api, samples.business(corporate_number=corporate_number(), email=email,
                                          trade_name=f"株式会社テスト{email.split('@')[0]}"))
    run_pipeline()
    assert status(api, number) == "awaiting_review"
    approve_pay_issue(api, token, number)
    assert status(api, number) == "registered"
    with unit_of_work() as session:
        biz = session.execute(select(Business).join(Application, Application.id == Business.application_id)
                              .where(Application.application_number == number)).scalar_one()
        return number, biz.business_id


def test_business_is_issued_ids_credentials_two_mails_and_a_postcard(api: Any, reviewer_token: str, db: Any) -> None:
    email = "biz-e2e@example.jp"
    number, business_id = register_business(api, reviewer_token, email)
    assert registry_id_is_valid(business_id)
    with unit_of_work() as session:
        biz = session.scalars(select(Business).where(Business.business_id == business_id)).one()
        admin_ids = list(session.scalars(select(AdminId.admin_id).where(AdminId.business_pk == biz.id)
                                         .order_by(AdminId.seq)))
        cred = session.scalars(select(Credential).where(Credential.subject_id == business_id)).one()
        job = session.scalars(select(PrintJob).where(PrintJob.effect_key == f"{number}:postcard")).one()
    assert admin_ids[0] == business_id and len(admin_ids) == 2
    assert all(registry_id_is_valid(a) for a in admin_ids)
    assert cred.password_hash.startswith("$argon2") and cred.delivered_at is not None

    got = mails_to(db, email)
    assert len(got) == 3  # payment request, ID notice, password notice
    id_mail = next(m for m in got if business_id in m.get_content())
    pw_mail = next(m for m in got if "パスワード" in m["Subject"] and m is not id_mail)
    assert number in id_mail.get_content() and number in pw_mail.get_content()
    password = re.search(r"[A-Za-z0-9]{12}", pw_mail.get_content().split("パスワード", 1)[1]).group(0)
    assert verify_secret(cred.password_hash, password)
    assert password not in id_mail.get_content()

    assert job.status == "purged" and not s3.exists(job.s3_key)  # the per-case copy with secrets is gone
    batch = session_get_batch(job.batch_id)
    pdf = read_print_file(batch.s3_key)  # as the print shop reads it (sealed in S3)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = "".join(p.extract_text() or "" for p in doc.pages)
    assert business_id in text and password in text
    codes = re.findall(r"(?<!\d)\d{4}(?!\d)", text)
    assert any(verify_secret(cred.security_code_hash, c) for c in codes)

    # Once the print shop has printed the batch, the last copy of the plaintext secrets is gone.
    from ccus.services.issuance.printing import mark_printed

    assert mark_printed(batch.batch_number) and not mark_printed(batch.batch_number)
    assert not s3.exists(batch.s3_key) and s3.exists(batch.manifest_key)
    manifest = s3.get_bytes(batch.manifest_key).decode("utf-8-sig")
    assert business_id in manifest and password not in manifest


def test_worker_and_proxy_worker_are_issued_with_a_level_1_card(api: Any, reviewer_token: str, db: Any) -> None:
    _, business_id = register_business(api, reviewer_token, "employer-e2e@example.jp")
    name, kana, born = person()
    w = submit(api, samples.worker(name=name, kana=kana, birth_date=born, employer_business_id=business_id,
                                   email="worker-e2e@example.jp"))
    # A real-looking name: the consent form is OCR'd and every item must read cleanly (random
    # two-kanji strings from person() often read below the confidence threshold and block).
    pname, pkana = "佐藤 花子", "サトウ ハナコ"
    pborn = date(1964, 5, 1)  # 62 at issuance: a 15-year card
    signed_in = portal_session(api, business_id, "employer-e2e@example.jp")  # mail and postcard, as the business
    p = submit(api, samples.proxy_worker(filer_business_id=business_id, filer_name="株式会社テストemployer-e2e",
                                         name=pname, kana=pkana, birth_date=pborn), signed_in)
    run_pipeline()
    assert status(api, w) == status(api, p) == "awaiting_review"
    approve_pay_issue(api, reviewer_token, w, p, today=date(2026, 11, 24))
    assert status(api, w) == status(api, p) == "registered"
    with unit_of_work() as session:
        for n, expiry in ((w, date(2036, 11, 23)), (p, date(2041, 11, 23))):
            app = session.scalars(select(Application).where(Application.application_number == n)).one()
            worker = session.scalars(select(Worker).where(Worker.application_id == app.id)).one()
            card = session.scalars(select(Card).where(Card.application_id == app.id)).one()
            assert registry_id_is_valid(worker.worker_id)
            assert (card.level, card.colour) == (1, "white")
            assert card.expires_on == expiry
            job = session.scalars(select(PrintJob).where(PrintJob.card_id == card.id)).one()
            batch = session.get(PrintBatch, job.batch_id)
            assert batch is not None and job.status == "purged"
            assert worker.worker_id in read_print_file(batch.s3_key).decode()
    # Payment request, ID notice, password notice. (The proxy worker has no email: the filing
    # business receives the notices.)
    assert len(mails_to(db, "worker-e2e@example.jp")) == 3


def test_proxy_without_registered_filer_cannot_be_approved(api: Any, reviewer_token: str) -> None:
    name, kana, born = person()
    unknown_business = next(r for r in map(registry_id_from_serial, range(987654, 987700)) if r)
    # Filed on paper at the counter (a proxy filing over the internet needs the filer's portal sign-in).
    sample = samples.proxy_worker(filer_business_id=unknown_business, filer_name="未登録建設",
                                  name=name, kana=kana, birth_date=born)
    n = submission.submit(kind=sample.kind, channel=Channel.COUNTER, declared=sample.data, idempotency_key=None,
                      files=[submission.IncomingFile(f.role, f.filename, f.content_type, f.data) for f in sample.files],
                      actor="counter-test").application_number
    _SECRETS[n] = applicant_secrets.issue(n, "counter")
    run_pipeline()
    assert status(api, n) == "awaiting_review"
    r = decide(api, reviewer_token, n)
    assert r.status_code == 409
    assert "代行申請者" in r.json()["detail"]["message"]
    assert status(api, n) == "awaiting_review"


def test_second_issuance_run_duplicates_nothing(api: Any, reviewer_token: str, db: Any) -> None:
    register_business(api, reviewer_token, "rerun-e2e@example.jp")

    def counts() -> tuple[int, ...]:
        with unit_of_work() as session:
            return tuple(session.scalar(select(func.count()).select_from(t)) or 0
                         for t in (Business, AdminId, Worker, Credential, Outbox, PrintJob, Card))

    before, mail_before = counts(), len(read_maildir(db))
    run_issuance()
    run_pipeline()
    assert counts() == before
    assert len(read_maildir(db)) == mail_before


def test_review_requires_a_reviewer_token(api: Any) -> None:
    r = api.post("/api/v1/review/applications/26-0000001-0/decision", json={"decision": "approve"})
    assert r.status_code == 401


def test_return_and_reject_need_a_reason_and_notify_the_applicant(api: Any, reviewer_token: str, db: Any) -> None:
    from ccus.flows.mail import deliver_pending_mail

    returned = submit(api, samples.business(corporate_number=corporate_number(), email="return-e2e@example.jp"))
    rejected = submit(api, samples.business(corporate_number=corporate_number(), email="reject-e2e@example.jp"))
    run_pipeline()
    refused = decide(api, reviewer_token, returned, "return")
    assert refused.status_code == 409 and refused.json()["detail"]["code"] == "reason_required"
    assert decide(api, reviewer_token, returned, "return", "登記事項証明書の発行日が3か月を超えています").status_code == 200
    assert decide(api, reviewer_token, rejected, "reject", "重複申請のため").status_code == 200
    deliver_pending_mail()
    assert (status(api, returned), status(api, rejected)) == ("returned", "rejected")
    [ret_mail] = mails_to(db, "return-e2e@example.jp")
    assert returned in ret_mail.get_content() and "3か月" in ret_mail.get_content()
    [rej_mail] = mails_to(db, "reject-e2e@example.jp")
    assert "重複申請のため" in rej_mail.get_content()
    deliver_pending_mail()
    assert len(mails_to(db, "return-e2e@example.jp")) == 1


def test_openapi_documents_the_application_endpoints(api: Any) -> None:
    spec = api.get("/openapi.json").json()
    assert "/api/v1/applications" in spec["paths"]
    body = spec["paths"]["/api/v1/applications"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert {"application", "identity_document", "worker_consent"} <= set(body["schema"]["properties"])
    assert api.get("/docs").status_code == 200
