"""Kill issuance at each fail point, run it again, and count every external effect: one of each,
none missing. The process dies with os._exit — no cleanup, no commit — as on a power cut."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from datetime import date
from typing import Any

import pdfplumber
import pytest
from sqlalchemy import select

from ccus import sample_applications as samples
from ccus.infra import s3
from ccus.infra.db import unit_of_work
from ccus.infra.faults import EXIT_CODE
from ccus.infra.security import verify_secret
from ccus.infra.services.smtp import read_maildir
from ccus.models.tables import AdminId, Application, Business, Credential, Outbox, PrintJob
from ccus.services.billing import payments
from ccus.services.issuance import steps
from ccus.services.issuance.printing import read_print_file
from ccus.services.operations import outbox
from tests.e2e.test_slice import decide, pay, run_pipeline, status, submit
from tests.support.factories import corporate_number

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

TODAY = date(2026, 11, 24)


def _approved_business(api: Any, token: str, email: str) -> tuple[str, int]:
    number = submit(api, samples.business(corporate_number=corporate_number(), email=email))
    run_pipeline()
    assert decide(api, token, number).status_code == 200
    payments.charge_approved(_id(number))
    pay(number)
    outbox.deliver_pending()  # the payment request
    assert status(api, number) == "issuing"
    with unit_of_work() as session:
        app_id = session.scalars(select(Application.id).where(Application.application_number == number)).one()
    return number, app_id


def _id(number: str) -> int:
    with unit_of_work() as session:
        return session.scalars(select(Application.id).where(Application.application_number == number)).one()


def _crash_at(point: str, app_id: int) -> None:
    code = f"from datetime import date; from ccus.services.issuance.steps import issue; issue({app_id}, date(2026, 11, 24))"
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "CCUS_FAULT": point},
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == EXIT_CODE, proc.stderr[-2000:]


@pytest.mark.parametrize("point", [
    "issuance.ids_allocated",
    "issuance.id_mail_sent",
    "issuance.secrets_stored",
    "issuance.password_mail_sent",
    "issuance.secrets_delivered",
])
def test_killed_issuance_rerun_produces_each_effect_exactly_once(
    api: Any, reviewer_token: str, db: Any, point: str
) -> None:
    email = f"crash-{point.split('.')[1]}@example.jp"
    number, app_id = _approved_business(api, reviewer_token, email)
    _crash_at(point, app_id)
    assert status(api, number) == "issuing"
    steps.issue(app_id, TODAY)
    steps.issue(app_id, TODAY)  # and once more for good measure
    assert status(api, number) == "registered"

    with unit_of_work() as session:
        biz = session.scalars(select(Business).where(Business.application_id == app_id)).one()
        ids = list(session.scalars(select(AdminId.admin_id).where(AdminId.business_pk == biz.id).order_by(AdminId.seq)))
        assert len(ids) == 2
        creds = {c.subject_id: c for c in session.scalars(select(Credential).where(Credential.subject_id.in_(ids)))}
        cred = creds[biz.business_id]
        outbox = {o.template: o.status for o in session.scalars(select(Outbox).where(Outbox.application_id == app_id))}
        jobs = {j.effect_key: (j.status, j.s3_key)
                for j in session.scalars(select(PrintJob).where(PrintJob.application_id == app_id))}
    assert outbox == {"payment_request": "sent", "id_notice": "sent", "password_notice": "sent"}
    # One postcard per 管理者ID, each ready for exactly one print batch; every credential delivered.
    assert {k: s for k, (s, _) in jobs.items()} == {f"{number}:postcard": "final", f"{number}:postcard:{ids[1]}": "final"}
    assert sorted(creds) == sorted(ids) and all(c.delivered_at is not None for c in creds.values())
    # The further ID's postcard carries the password its credential accepts (the same generation).
    with pdfplumber.open(io.BytesIO(read_print_file(jobs[f"{number}:postcard:{ids[1]}"][1]))) as doc:
        text = "".join(page.extract_text() or "" for page in doc.pages)
    assert any(verify_secret(creds[ids[1]].password_hash, p) for p in re.findall(r"[A-Za-z0-9]{12}", text))
    got = [m for m in read_maildir(db) if m["To"] == email]
    assert len(got) == 3, [m["Subject"] for m in got]
    pw_mail = next(m for m in got if "パスワード" in m["Subject"])
    password = re.search(r"[A-Za-z0-9]{12}", pw_mail.get_content().split("パスワード", 1)[1]).group(0)
    # The password that reached the applicant is the one the registry will accept.
    assert verify_secret(cred.password_hash, password)


def test_crash_between_smtp_accept_and_record_of_password_mail_goes_to_an_operator(
    api: Any, reviewer_token: str, db: Any
) -> None:
    """The one window no database can close: the SMTP server took the password mail, the process
    died before recording it. The plaintext is gone, so the mail is neither re-sent nor re-drawn:
    the case waits, visibly, for an operator."""
    email = "crash-smtp-window@example.jp"
    number, app_id = _approved_business(api, reviewer_token, email)
    # The ID mail goes through; then die inside the password mail's send.
    issuance_id = steps.ensure_business(app_id, TODAY)
    steps.send_id_mail(app_id, issuance_id)
    _crash_at("mail.accepted_not_recorded", app_id)
    from ccus.flows.issuance import issue_approved

    issue_approved(today=TODAY)
    assert status(api, number) == "needs_operator"
    assert len([m for m in read_maildir(db) if m["To"] == email]) == 3


@pytest.mark.parametrize("point", ["printing.batch_uploaded", "printing.batch_committed"])
def test_killed_print_batch_run_puts_each_postcard_in_exactly_one_batch(
    api: Any, reviewer_token: str, db: Any, point: str
) -> None:
    from ccus.models.billing_tables import PrintBatch

    numbers = []
    for k in range(2):
        number, app_id = _approved_business(api, reviewer_token, f"batch-crash-{point[9:14]}-{k}@example.jp")
        steps.issue(app_id, TODAY)
        numbers.append(number)
    code = "from ccus.services.issuance.printing import make_batch; make_batch('postcard')"
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "CCUS_FAULT": point},
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == EXIT_CODE, proc.stderr[-2000:]
    from ccus.services.issuance.printing import make_batch, purge_batched_carriers

    while make_batch("postcard"):
        pass
    purge_batched_carriers()
    with unit_of_work() as session:
        jobs = session.execute(select(PrintJob.batch_id, PrintJob.status, PrintJob.s3_key)
                               .join(Application, Application.id == PrintJob.application_id)
                               .where(Application.application_number.in_(numbers))).all()
        assert all(batch_id is not None and status_ == "purged" for batch_id, status_, _ in jobs)
        batches = {b.id: b for b in session.scalars(select(PrintBatch).where(
            PrintBatch.id.in_([j[0] for j in jobs])))}
    per_business = samples.business(corporate_number=corporate_number()).data["admin_id_count"]
    assert len(jobs) == 2 * per_business  # a postcard for each 管理者ID of each business
    for _, _, key in jobs:
        assert not s3.exists(key)  # the per-case copy with plaintext secrets is gone
    import io

    import pdfplumber

    for batch in batches.values():
        with pdfplumber.open(io.BytesIO(read_print_file(batch.s3_key))) as pdf:
            assert len(pdf.pages) == 2 * batch.items
