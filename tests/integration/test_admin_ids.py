"""管理者ID on the real stack (guide pp. 2, 12–13, 23): every ID issued with its own credential on its
own 圧着はがき signs in and must change its password with its security code; the 登録責任者 adds an ID
(charged by the month up to the next billing date, once), suspends, reinstates, removes and resets
the others through the portal API; other 管理者IDs cannot; every act is audited."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pdfplumber
import pytest
from sqlalchemy import select

from ccus import sample_applications as samples
from ccus.infra.db import unit_of_work
from ccus.infra.security import verify_secret
from ccus.models.charges import months_until
from ccus.models.lifecycle_tables import Invoice
from ccus.models.tables import AdminId, AuditLog, Business, Credential, PrintJob
from ccus.services.clock import today_jst
from ccus.services.issuance import printing, steps
from tests.support import lifecycle as make
from tests.support.factories import corporate_number

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 24)
NEW_PASSWORD = "AdminSecret2026x"


def sign_in(api: Any, login_id: str, password: str) -> Any:
    return api.post("/api/v1/portal/sign-in", json={"login_id": login_id, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def session_of(api: Any, login_id: str, password: str = make.PASSWORD) -> dict[str, str]:
    r = sign_in(api, login_id, password)
    assert r.status_code == 200, r.text
    return bearer(r.json()["token"])


def credential(login_id: str) -> Credential:
    with unit_of_work() as session:
        cred = session.scalars(select(Credential).where(Credential.subject_id == login_id)).one()
        session.expunge(cred)
        return cred


def postcard_secrets(effect_key: str, login_id: str) -> tuple[str, str]:
    """The initial password and security code printed on a postcard, read as the print shop reads
    it (sealed in S3), and checked against the ID's credential."""
    with unit_of_work() as session:
        job = session.scalars(select(PrintJob).where(PrintJob.effect_key == effect_key)).one()
        assert job.status == "final" and job.kind == "postcard"  # released to the next print batch
        key = job.s3_key
    with pdfplumber.open(io.BytesIO(printing.read_print_file(key))) as doc:
        text = "".join(p.extract_text() or "" for p in doc.pages)
    assert login_id in text
    cred = credential(login_id)
    [password] = [p for p in set(re.findall(r"(?<![A-Za-z0-9])[A-Za-z0-9]{12}(?![A-Za-z0-9])", text))
                  if verify_secret(cred.password_hash, p)]
    [code] = [c for c in set(re.findall(r"(?<!\d)\d{4}(?!\d)", text)) if verify_secret(cred.security_code_hash, c)]
    return password, code


def first_change(api: Any, login_id: str, password: str, code: str) -> None:
    """The forced first change: only with the ID's own security code; then the new password works."""
    r = sign_in(api, login_id, password)
    assert r.status_code == 200 and r.json()["must_change_password"] is True
    first = bearer(r.json()["token"])
    assert api.get("/api/v1/portal/home", headers=first).json()["detail"]["code"] == "must_change_password"
    changed = api.post("/api/v1/portal/password", headers=first, json={"new_password": NEW_PASSWORD, "security_code": code})
    assert changed.status_code == 200, changed.text
    home = api.get("/api/v1/portal/home", headers=session_of(api, login_id, NEW_PASSWORD)).json()
    assert home["login_id"] == login_id


def audited(business_app_id: int, action: str) -> list[dict[str, Any]]:
    with unit_of_work() as session:
        return [dict(r.detail, actor=r.actor) for r in session.scalars(
            select(AuditLog).where(AuditLog.application_id == business_app_id, AuditLog.action == action))]


def test_every_admin_id_is_issued_its_own_credential_on_its_own_postcard_and_signs_in(api: Any) -> None:
    sample = samples.business(corporate_number=corporate_number(), email=f"adm-{corporate_number()}@example.jp")
    declared = dict(sample.data, admin_id_count=3)
    with unit_of_work() as session:
        app = make.new_case(session, kind=sample.kind, status="issuing", declared=declared)
        app_id, number = app.id, app.application_number
    steps.issue(app_id, TODAY)
    with unit_of_work() as session:
        biz = session.scalars(select(Business).where(Business.application_id == app_id)).one()
        ids = list(session.scalars(select(AdminId.admin_id).where(AdminId.business_pk == biz.id).order_by(AdminId.seq)))
        jobs = {j.effect_key: j.status for j in session.scalars(select(PrintJob).where(PrintJob.application_id == app_id))}
    assert len(ids) == 3 and ids[0] == biz.business_id
    assert jobs == {f"{number}:postcard": "final", f"{number}:postcard:{ids[1]}": "final",
                    f"{number}:postcard:{ids[2]}": "final"}
    creds = [credential(a) for a in ids]
    assert all(c.delivered_at is not None and c.must_change and c.password_hash.startswith("$argon2") for c in creds)
    assert len({c.password_hash for c in creds}) == 3  # each its own

    # Each further ID's postcard carries its own password and code, and not another's.
    second_password, second_code = postcard_secrets(f"{number}:postcard:{ids[1]}", ids[1])
    assert not verify_secret(creds[0].password_hash, second_password)
    assert sign_in(api, ids[2], second_password).status_code == 401
    first_change(api, ids[1], second_password, second_code)
    third_password, third_code = postcard_secrets(f"{number}:postcard:{ids[2]}", ids[2])
    first_change(api, ids[2], third_password, third_code)

    # Issuance run again: nothing drawn, rendered or delivered twice.
    steps.issue(app_id, TODAY)
    with unit_of_work() as session:
        again = session.scalars(select(PrintJob.effect_key).where(PrintJob.application_id == app_id)).all()
    assert sorted(again) == sorted(jobs)
    assert [credential(a).generation for a in ids] == [c.generation for c in creds]


def test_the_registrant_adds_an_admin_id_charged_by_the_month_once_and_it_signs_in(api: Any) -> None:
    biz = make.business(registered_on=date(2026, 4, 1), admin_ids=2, must_change=False)
    registrant, other = session_of(api, biz.business_id), session_of(api, biz.admin_ids[1])

    refused = api.post("/api/v1/portal/admin-ids", headers=other)
    assert refused.status_code == 403 and refused.json()["detail"]["code"] == "registrant_only"
    assert api.get("/api/v1/portal/admin-ids", headers=other).status_code == 403

    r = api.post("/api/v1/portal/admin-ids", headers=registrant | {"Idempotency-Key": "add-1"})
    assert r.status_code == 201, r.text
    added = r.json()
    again = api.post("/api/v1/portal/admin-ids", headers=registrant | {"Idempotency-Key": "add-1"})
    assert again.status_code == 201 and again.json()["admin_id"] == added["admin_id"]  # a retry adds nothing

    today = today_jst()
    anniversary = date(today.year + (today >= date(today.year, 4, 1)), 4, 1)
    assert added["amount"] == months_until(today, anniversary) * 950  # 11,400 a year / 12 (2,400 = 200 × 12)
    assert added["invoice_number"] == f"A{added['admin_id']}-{biz.business_id}"
    with unit_of_work() as session:
        invoices = session.scalars(select(Invoice).where(Invoice.business_pk == biz.pk)).all()
        assert [(i.invoice_number, i.amount) for i in invoices] == [(added["invoice_number"], added["amount"])]
        assert invoices[0].breakdown["next_billing_on"] == anniversary.isoformat()
        ids = session.scalars(select(AdminId.admin_id).where(AdminId.business_pk == biz.pk).order_by(AdminId.seq)).all()
    assert list(ids) == [*biz.admin_ids, added["admin_id"]]
    unpaid = api.get("/api/v1/portal/invoices", headers=registrant).json()
    assert [i["invoice_number"] for i in unpaid] == [added["invoice_number"]]
    listed = api.get("/api/v1/portal/admin-ids", headers=registrant).json()
    assert [(a["admin_id"], a["status"], a["initial_password_pending"]) for a in listed][-1] == (
        added["admin_id"], "active", True)

    # The bank's payment file pays it by its 請求番号, once; it leaves the unpaid list.
    from ccus.services.billing.payments import import_payments

    line = f"{added['invoice_number']},{added['amount']},{today.isoformat()}"
    data = ("請求番号,金額,入金日\n" + line + "\n").encode()
    assert import_payments(data).outcomes == {"matched": 1}
    assert import_payments(data).outcomes != {"matched": 1}
    assert api.get("/api/v1/portal/invoices", headers=registrant).json() == []

    password, code = postcard_secrets(f"admin:{added['admin_id']}:credential:g1", added["admin_id"])
    first_change(api, added["admin_id"], password, code)
    [record] = audited(biz.application_id, "admin_id.added")
    assert record["admin_id"] == added["admin_id"] and record["actor"] == f"portal:{biz.business_id}"
    assert record["amount"] == added["amount"]


def test_the_registrant_suspends_reinstates_resets_and_removes_other_admin_ids(api: Any) -> None:
    biz = make.business(admin_ids=3, must_change=False)
    second, third = biz.admin_ids[1], biz.admin_ids[2]
    registrant = session_of(api, biz.business_id)
    second_session = session_of(api, second)

    def act(what: str, admin_id: str, headers: dict[str, str] = registrant) -> Any:
        return api.post(f"/api/v1/portal/admin-ids/{admin_id}/{what}", headers=headers)

    # Other 管理者IDs cannot; the 登録責任者's own ID is not managed here; other businesses' IDs are unknown.
    for what in ("suspend", "reinstate", "remove", "password-reset"):
        assert act(what, third, second_session).status_code == 403
    assert act("suspend", biz.business_id).json()["detail"]["code"] == "registrant_id"
    stranger = make.business(admin_ids=2, must_change=False)
    assert act("suspend", stranger.admin_ids[1]).status_code == 404
    assert act("suspend", "not-an-id").status_code == 404

    # Suspended: its session ends and it cannot sign in; reinstated: it can again (the old session stays dead).
    r = act("suspend", second)
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    assert api.get("/api/v1/portal/home", headers=second_session).status_code == 401
    assert sign_in(api, second, make.PASSWORD).status_code == 403
    assert act("suspend", second).json()["detail"]["code"] == "admin_id_state"
    assert act("reinstate", second).json()["status"] == "active"
    assert api.get("/api/v1/portal/home", headers=second_session).status_code == 401
    second_session = session_of(api, second)

    # Reset: the old password stops working, its session ends, the new one comes on a postcard.
    r = act("password-reset", second)
    assert r.status_code == 200, r.text
    assert api.get("/api/v1/portal/home", headers=second_session).status_code == 401
    assert sign_in(api, second, make.PASSWORD).status_code == 401
    assert credential(second).generation == 2
    password, code = postcard_secrets(f"admin:{second}:credential:g2", second)
    assert code != make.CODE or not verify_secret(credential(second).security_code_hash, make.CODE)
    first_change(api, second, password, code)

    # Removed: for good.
    third_session = session_of(api, third)
    assert act("remove", third).json()["status"] == "disabled"
    assert api.get("/api/v1/portal/home", headers=third_session).status_code == 401
    assert sign_in(api, third, make.PASSWORD).status_code == 403
    assert act("reinstate", third).status_code == 409 and act("remove", third).status_code == 409
    assert act("password-reset", third).status_code == 409

    listed = {a["admin_id"]: a["status"] for a in api.get("/api/v1/portal/admin-ids", headers=registrant).json()}
    assert listed == {biz.business_id: "active", second: "active", third: "disabled"}
    for action, admin_id in (("admin_id.suspended", second), ("admin_id.reinstated", second),
                             ("admin_id.password_reset", second), ("admin_id.removed", third)):
        [record] = audited(biz.application_id, action)
        assert (record["admin_id"], record["actor"]) == (admin_id, f"portal:{biz.business_id}")
    # A refused act changed nothing and left no record.
    assert audited(stranger.application_id, "admin_id.suspended") == []


def test_a_renewal_after_a_lapse_keeps_the_registrants_suspension(api: Any) -> None:
    from ccus.services.gate import bulk_move, move
    from ccus.services.registry import renewal

    biz = make.business(admin_ids=3, must_change=False)
    assert api.post(f"/api/v1/portal/admin-ids/{biz.admin_ids[1]}/suspend",
                    headers=session_of(api, biz.business_id)).status_code == 200
    with unit_of_work() as session:  # what renewal.lapse_expired does to this one business
        row = session.get_one(Business, biz.pk)
        move(row, "lapsed")
        bulk_move(session, AdminId, "suspended", AdminId.business_pk == biz.pk, AdminId.status == "active")
        case = make.new_case(session, kind="business_renewal", status="issuing",
                             declared={"business_id": biz.business_id, "expires_on": row.expires_on.isoformat()})
        case_id = case.id
    assert renewal.apply_renewal(case_id, TODAY)
    with unit_of_work() as session:
        states = dict(session.execute(select(AdminId.admin_id, AdminId.status).where(AdminId.business_pk == biz.pk)).all())
    assert states == {biz.business_id: "active", biz.admin_ids[1]: "suspended", biz.admin_ids[2]: "active"}


def test_an_id_added_after_the_yearly_invoice_is_billed_to_the_following_anniversary(db: Any) -> None:
    from ccus.services.auth.portal_sign_in import PortalUser
    from ccus.services.billing import invoices
    from ccus.services.registry import admin_ids

    def registrant(biz: make.RegisteredBusiness) -> PortalUser:
        return PortalUser(biz.business_id, biz.business_id, biz.pk, biz.application_id, "full")

    def yearly(biz: make.RegisteredBusiness, period: str) -> int:
        with unit_of_work() as session:
            return session.scalars(select(Invoice.amount).where(Invoice.business_pk == biz.pk,
                                                                Invoice.period == period)).one()

    # Added before the 2020-06-10 invoice was issued: 4 months (Feb 15 … Jun 9) at 200, then in the yearly one.
    early = make.business(registered_on=date(2019, 6, 10), must_change=False)
    added = admin_ids.add(registrant(early), today=date(2020, 2, 15))
    assert added.amount == 4 * 200
    invoices.issue_admin_id_invoices(date(2020, 5, 20))
    assert yearly(early, "2020-06-10") == 2 * 2_400

    # Added after it was issued (without the new ID): billed up to 2021-06-10, 13 months begun.
    late = make.business(registered_on=date(2019, 6, 10), must_change=False)
    invoices.issue_admin_id_invoices(date(2020, 5, 20))
    assert yearly(late, "2020-06-10") == 2_400
    added = admin_ids.add(registrant(late), today=date(2020, 5, 25))
    assert added.amount == 13 * 200
    with unit_of_work() as session:
        bill = session.scalars(select(Invoice).where(Invoice.invoice_number == added.invoice_number)).one()
        assert bill.breakdown["next_billing_on"] == "2021-06-10" and bill.period == "2020-05-25/2021-06-09"
