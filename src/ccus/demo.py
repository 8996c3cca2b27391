"""``ccus demo``: sample applications through the whole slice on the running stack.

A business, a worker and a proxy worker registration go in through the HTTP API, through the
pipeline flow, are approved through the reviewers' API, and are issued by the issuance flow. The
requests carry fixed Idempotency-Keys: a second run finds the same cases and duplicates nothing.

The proxy application is filed by the registered business signed in to the portal, as a business
does it: the initial password from its password mail, the security code from its postcard, a
password of its own (``DEMO_PORTAL_PASSWORD``) from then on.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from ccus import sample_applications as samples
from ccus.flows.issuance import issue_approved
from ccus.flows.pipeline import process_pipeline
from ccus.infra import s3
from ccus.infra.db import unit_of_work
from ccus.infra.orchestrator import run_here
from ccus.infra.security import new_initial_password, verify_secret
from ccus.infra.services.smtp import read_maildir
from ccus.infra.settings import get_settings
from ccus.models.billing_tables import Charge, PrintBatch
from ccus.models.status import Status
from ccus.models.tables import AdminId, Application, Business, Card, Credential, Outbox, PrintJob, Worker
from ccus.services.auth.api_tokens import issue_token
from ccus.services.auth.staff_accounts import add_user
from ccus.services.billing.payments import import_payments
from ccus.services.issuance.printing import read_print_file


@dataclass(frozen=True)
class CaseRow:
    application_number: str
    kind: str
    status: str
    registry_id: str
    admin_ids: str
    printed: str
    mails: str


DEMO_PORTAL_PASSWORD = "DemoPortal2026x"


def _submit(client: httpx.Client, sample: samples.SampleApplication, key: str,
            headers: dict[str, str] | None = None) -> str:
    fields, files = samples.multipart(sample)
    r = client.post("/api/v1/applications", data=fields, files=files,
                    headers={"Idempotency-Key": key, **(headers or {})})
    if r.status_code == 409:
        # An earlier demo run sent this key with a consent form dated that day: it is that case.
        with unit_of_work() as session:
            return session.scalars(select(Application.application_number)
                                   .where(Application.idempotency_key == key)).one()
    if r.status_code not in (200, 201):
        raise RuntimeError(f"submission {key} refused: {r.status_code} {r.text}")
    return str(r.json()["application_number"])


def _approve_waiting(client: httpx.Client, token: str, numbers: list[str]) -> None:
    for number in numbers:
        state = client.get(f"/api/v1/review/applications/{number}",
                           headers={"Authorization": f"Bearer {token}"}).json()["status"]
        if state != Status.AWAITING_REVIEW.value:
            continue
        r = client.post(f"/api/v1/review/applications/{number}/decision",
                        json={"decision": "approve", "reason": "デモ：書類確認済み"},
                        headers={"Authorization": f"Bearer {token}"})
        if r.status_code != 200:
            raise RuntimeError(f"approval of {number} refused: {r.status_code} {r.text}")


def _pay(numbers: list[str]) -> None:
    """The bank's payment file for the charged cases, imported as `ccus payments import` does."""
    with unit_of_work() as session:
        rows = session.execute(select(Application.application_number, Charge.amount)
                               .join(Charge, Charge.application_id == Application.id)
                               .where(Application.application_number.in_(numbers), Charge.status == "open"))
        lines = [f"{n},{amount},2026-11-24" for n, amount in rows]
    if lines:
        import_payments(("申請番号,金額,入金日\n" + "\n".join(lines) + "\n").encode())


def _through(client: httpx.Client, token: str, numbers: list[str]) -> None:
    run_here(process_pipeline)
    _approve_waiting(client, token, numbers)
    run_here(issue_approved)  # charges the approved cases: they now wait for payment
    _pay(numbers)
    run_here(issue_approved)


def _business_id(number: str) -> tuple[str, str]:
    with unit_of_work() as session:
        row = session.execute(select(Business.business_id, Business.trade_name).join(
            Application, Application.id == Business.application_id).where(
            Application.application_number == number)).one()
        return row[0], row[1]


def _initial_password(email: str) -> str:
    """The initial password from the business's password mail (the local SMTP server's Maildir)."""
    for message in reversed(read_maildir(get_settings())):
        found = re.search(r"■初期パスワード：(\S+)", str(message.get_content())) if message["To"] == email else None
        if found:
            return found.group(1)
    raise RuntimeError(f"no password mail to {email}")


def _security_code(business_id: str) -> str:
    """The security code printed on the business's postcard (in its print batch)."""
    import pdfplumber

    with unit_of_work() as session:
        code_hash = session.scalars(select(Credential.security_code_hash)
                                    .where(Credential.subject_id == business_id)).one()
        batch_keys = list(session.scalars(select(PrintBatch.s3_key).order_by(PrintBatch.id.desc())))
    for key in batch_keys:
        if not key or not s3.exists(key):
            continue
        with pdfplumber.open(io.BytesIO(read_print_file(key))) as pdf:
            for page in pdf.pages:
                text = page.extract_text() or ""
                if business_id in text:
                    # The business reads its own postcard: the code is the 4 digits that fit.
                    for candidate in re.findall(r"(?<!\d)\d{4}(?!\d)", text):
                        if verify_secret(code_hash, candidate):
                            return str(candidate)
    raise RuntimeError(f"no postcard of {business_id} in the print batches")


def portal_session(client: Any, business_id: str, email: str) -> dict[str, str]:
    """The business signed in to the portal (full session), as the business itself does it."""
    with unit_of_work() as session:
        must_change = session.scalars(select(Credential.must_change)
                                      .where(Credential.subject_id == business_id)).one()
    if must_change:
        first = client.post("/api/v1/portal/sign-in",
                            json={"login_id": business_id, "password": _initial_password(email)})
        if first.status_code != 200:
            raise RuntimeError(f"portal sign-in of {business_id} refused: {first.status_code} {first.text}")
        changed = client.post("/api/v1/portal/password", headers={"Authorization": f"Bearer {first.json()['token']}"},
                              json={"new_password": DEMO_PORTAL_PASSWORD,
                                    "security_code": _security_code(business_id)})
        if changed.status_code != 200:
            raise RuntimeError(f"password change of {business_id} refused: {changed.status_code} {changed.text}")
    r = client.post("/api/v1/portal/sign-in", json={"login_id": business_id, "password": DEMO_PORTAL_PASSWORD})
    if r.status_code != 200:
        raise RuntimeError(f"portal sign-in of {business_id} refused: {r.status_code} {r.text}")
    return {"Authorization": f"Bearer {r.json()['token']}"}


def run(base_url: str) -> list[CaseRow]:
    # The API's tokens belong to staff accounts: the demo's reviewer gets one (its password is never used).
    add_user("demo-reviewer", "reviewer", new_initial_password(20), "デモ審査担当")
    token = issue_token("demo-reviewer", days=1)
    with httpx.Client(base_url=base_url, timeout=120) as client:
        business = samples.business()
        biz_no = _submit(client, business, "demo-business-1")
        _through(client, token, [biz_no])
        business_id, trade_name = _business_id(biz_no)
        signed_in = portal_session(client, business_id, business.data["registrant"]["email"])
        numbers = [
            biz_no,
            _submit(client, samples.worker(employer_business_id=business_id), "demo-worker-1"),
            _submit(client, samples.proxy_worker(filer_business_id=business_id, filer_name=trade_name),
                    "demo-proxy-worker-1", signed_in),
        ]
        _through(client, token, numbers[1:])
    return table(numbers)


def table(numbers: list[str]) -> list[CaseRow]:
    rows = []
    with unit_of_work() as session:
        for number in numbers:
            app = session.scalars(select(Application).where(Application.application_number == number)).one()
            rows.append(_row(session, app))
    return rows


def _row(session: Any, app: Application) -> CaseRow:
    rid, admins = "", ""
    biz = session.scalars(select(Business).where(Business.application_id == app.id)).one_or_none()
    if biz is not None:
        rid = biz.business_id
        admins = ", ".join(session.scalars(select(AdminId.admin_id).where(AdminId.business_pk == biz.id)
                                           .order_by(AdminId.seq)))
    wkr = session.scalars(select(Worker).where(Worker.application_id == app.id)).one_or_none()
    if wkr is not None:
        rid = wkr.worker_id
        card = session.scalars(select(Card).where(Card.application_id == app.id)).one()
        admins = f"card L{card.level} {card.colour}, valid to {card.expires_on}"
    jobs = [f"{kind} in print batch {number}: {s3.uri(key)}" for kind, number, key in session.execute(
        select(PrintJob.kind, PrintBatch.batch_number, PrintBatch.s3_key)
        .join(PrintBatch, PrintBatch.id == PrintJob.batch_id).where(PrintJob.application_id == app.id))]
    mails = [f"mail {m.template} → {m.to_addr} [{m.status}] Message-ID {m.message_id}"
             for m in session.scalars(select(Outbox).where(Outbox.application_id == app.id).order_by(Outbox.id))]
    if app.filed_by_business_id:
        jobs.insert(0, f"filed by business {app.filed_by_business_id}, signed in to the portal (代行申請)")
    return CaseRow(app.application_number, app.kind, app.status, rid, admins, "\n".join(jobs), "\n".join(mails))
