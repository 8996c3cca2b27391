"""Billing on the real stack: attendance records from a linked system (API key, per-line validation,
one record per worker/site/day), then invoices — the yearly 管理者ID fee and the monthly site usage
fee — made once per business, kind and period whether the flow runs twice or on two threads at
once, at the amounts of the dated fee schedules, and listed in the portal while unpaid.

Billing dates lie in 2019–2022, before the other tests' businesses (registered 2026 by default)
owe anything, and every test has its own prime contractor and sites."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from ccus.infra.db import unit_of_work
from ccus.models.lifecycle_tables import AttendanceRecord, Invoice
from ccus.models.tables import AdminId, Outbox, PortalNotice
from ccus.services.billing import invoices
from ccus.services.billing.payments import import_payments
from ccus.services.clock import today_jst
from ccus.services.registry import attendance, sites
from tests.integration.test_portal import signed_in
from tests.support import lifecycle as make

pytestmark = pytest.mark.integration


def _key(system: attendance.RegisteredSystem) -> dict[str, str]:
    return {"X-API-Key": system.api_key}


def _invoices(business_pk: int, kind: str | None = None) -> list[Invoice]:
    with unit_of_work() as session:
        stmt = select(Invoice).where(Invoice.business_pk == business_pk)
        if kind:
            stmt = stmt.where(Invoice.kind == kind)
        return list(session.scalars(stmt.order_by(Invoice.period)))


def _records(site_pk_of: str) -> int:
    with unit_of_work() as session:
        site = sites.site_by_id(session, site_pk_of)
        return session.scalar(select(func.count()).select_from(AttendanceRecord)
                              .where(AttendanceRecord.site_pk == site.id)) or 0


def _send(system: attendance.RegisteredSystem, site_id: str, worker_ids: list[str], days: list[date]) -> None:
    lines = [{"site_id": site_id, "worker_id": w, "work_date": d.isoformat()} for w in worker_ids for d in days]
    report = attendance.record_batch(system.system_code, lines, today=date(2030, 1, 1))
    assert report.counts["accepted"] == len(lines), report.as_dict()


def _at_once(fn: Callable[[], object]) -> None:
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_attendance_lines_are_validated_one_by_one_with_japanese_reasons(api: Any) -> None:
    system = attendance.register_system("勤怠連携テスト")
    prime = make.business(must_change=False)
    site_id = sites.register_site(prime.business_id, "テスト現場（検証）", actor="test")
    worker = make.worker(prime)
    day = today_jst() - timedelta(days=3)
    good = {"site_id": site_id, "worker_id": worker.worker_id, "work_date": day.isoformat()}
    lines = [
        good,
        {**good, "system_code": system.system_code},  # the same worker, site and day again
        {**good, "worker_id": "00000000000000"},
        {**good, "site_id": "99999999999999"},
        {**good, "work_date": "2026-02-30"},
        {**good, "work_date": (today_jst() + timedelta(days=2)).isoformat()},
        {**good, "system_code": "OTHER"},
        {**good, "worker_id": "12345"},
    ]
    r = api.post("/api/v1/linked/attendance", headers=_key(system), json={"records": lines})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == 1 and body["rejected"] == 7
    codes = [(x["line"], x["status"], x.get("code")) for x in body["results"]]
    assert codes == [(1, "accepted", None), (2, "rejected", "duplicate"), (3, "rejected", "unknown_worker"),
                     (4, "rejected", "unknown_site"), (5, "rejected", "invalid_date"),
                     (6, "rejected", "future_date"), (7, "rejected", "system_code_mismatch"),
                     (8, "rejected", "invalid_worker_id")]
    reasons = {x["code"]: x["reason"] for x in body["results"] if x["status"] == "rejected"}
    assert reasons["unknown_worker"] == "技能者IDに該当する技能者が登録されていません。"
    assert reasons["unknown_site"] == "現場IDに該当する現場が登録されていません。"
    assert "すでに登録されています" in reasons["duplicate"]
    # Sent again (a retry), by bearer token this time: a duplicate, still one record in the database.
    again = api.post("/api/v1/linked/attendance", headers={"Authorization": f"Bearer {system.api_key}"},
                     json={"records": [good]})
    assert again.json()["results"] == [{"line": 1, "status": "rejected", "code": "duplicate",
                                        "reason": attendance.REASONS["duplicate"]}]
    assert _records(site_id) == 1
    # Two systems sending the same record at once: still one.
    other = attendance.register_system("別の連携システム")
    second_day = {**good, "work_date": (day - timedelta(days=1)).isoformat()}
    _at_once(lambda: attendance.record_batch(other.system_code, [second_day], today=today_jst()))
    assert _records(site_id) == 2
    with unit_of_work() as session:
        row = session.scalars(select(AttendanceRecord).where(AttendanceRecord.worker_pk == worker.pk,
                                                             AttendanceRecord.work_date == day)).one()
        assert row.prime_business_pk == prime.pk and row.system_code == system.system_code


def test_a_wrong_or_missing_api_key_is_refused_and_nothing_is_stored(api: Any) -> None:
    system = attendance.register_system("鍵の検査")
    prime = make.business(must_change=False)
    site_id = sites.register_site(prime.business_id, "テスト現場（鍵）", actor="test")
    worker = make.worker(prime)
    line = {"site_id": site_id, "worker_id": worker.worker_id, "work_date": "2026-01-05"}
    for headers in ({}, {"X-API-Key": system.api_key + "x"}, {"Authorization": "Bearer not-a-key"}):
        r = api.post("/api/v1/linked/attendance", headers=headers, json={"records": [line]})
        assert r.status_code == 401 and r.json()["detail"] == "APIキーが正しくありません。"
    assert _records(site_id) == 0
    # Re-keying the system retires the old key.
    rekeyed = attendance.register_system("鍵の検査", system.system_code)
    assert attendance.authenticate(system.api_key) is None
    assert attendance.authenticate(rekeyed.api_key) == system.system_code


def test_site_usage_is_billed_to_the_prime_once_at_the_schedule_of_the_work_date(db: Any) -> None:
    from ccus.flows.billing import billing as billing_flow

    system = attendance.register_system("現場利用料テスト")
    prime = make.business(registered_on=date(2022, 4, 1), must_change=False)
    sub = make.business(registered_on=date(2022, 4, 1), must_change=False)
    site_a = sites.register_site(prime.business_id, "A現場", actor="test")
    site_b = sites.register_site(prime.business_id, "B現場", actor="test")
    sites.add_contract(prime.business_id, site_a, sub.business_id, prime.business_id, actor="test")
    w1, w2 = make.worker(sub), make.worker(sub)
    # September 2020 (3 yen a record): 2 workers × 3 days on A, 1 × 2 on B.
    _send(system, site_a, [w1.worker_id, w2.worker_id], [date(2020, 9, d) for d in (1, 2, 30)])
    _send(system, site_b, [w1.worker_id], [date(2020, 9, 10), date(2020, 9, 11)])
    assert invoices.attendance_counts(date(2020, 9, 1))[prime.business_id] == 8

    report = billing_flow(today=date(2020, 10, 5))
    assert billing_flow(today=date(2020, 10, 5))["site_usage"] == []  # twice the same day: nothing new
    [sept] = _invoices(prime.pk, "site_usage")
    assert sept.invoice_number in report["site_usage"]
    assert (sept.period, sept.amount, sept.due_on) == ("2020-09", 8 * 3, date(2020, 10, 31))
    assert {(x["site_id"], x["records"], x["unit"]) for x in sept.breakdown["lines"]} == {(site_a, 6, 3), (site_b, 2, 3)}
    assert _invoices(sub.pk, "site_usage") == []  # the prime pays, not the subcontractor

    # October 2020 (10 yen a record), plus a September record sent late (still 3 yen): the next
    # invoice carries it; issued on two workers at once, it is made once.
    _send(system, site_a, [w1.worker_id], [date(2020, 10, 1), date(2020, 10, 2)])
    _send(system, site_b, [w2.worker_id], [date(2020, 9, 15)])
    _at_once(lambda: invoices.issue_site_usage_invoices(date(2020, 11, 1)))
    billing_flow(today=date(2020, 11, 2))
    sept_again, octo = _invoices(prime.pk, "site_usage")
    assert sept_again.amount == 24 and octo.period == "2020-10" and octo.amount == 2 * 10 + 3
    with unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(AttendanceRecord).where(
            AttendanceRecord.prime_business_pk == prime.pk, AttendanceRecord.invoice_id.is_(None))) == 0
        notices = session.scalars(select(PortalNotice.title).where(PortalNotice.business_id == prime.business_id,
                                                                   PortalNotice.title.contains("現場利用料"))).all()
        assert len(notices) == 2
        mails = session.scalars(select(Outbox.effect_key).where(Outbox.to_addr == prime.email,
                                                                Outbox.effect_key.contains(":invoice:"))).all()
        assert sorted(mails) == sorted(f"{prime.business_id}:invoice:{i.invoice_number}:mail"
                                       for i in (sept, octo))


def test_admin_id_fee_is_invoiced_yearly_before_the_anniversary_once(db: Any) -> None:
    from ccus.flows.billing import billing as billing_flow

    biz = make.business(registered_on=date(2019, 6, 10), admin_ids=3, must_change=False)
    solo = make.business(registered_on=date(2019, 6, 12), must_change=False, one_person=True)
    with unit_of_work() as session:  # one of the three IDs is no longer in use
        session.execute(update(AdminId).where(AdminId.admin_id == biz.admin_ids[2]).values(status="suspended"))

    billing_flow(today=date(2020, 5, 1))  # 40 days before: too early
    assert _invoices(biz.pk) == []
    _at_once(lambda: invoices.issue_admin_id_invoices(date(2020, 5, 20)))
    billing_flow(today=date(2020, 5, 20))
    billing_flow(today=date(2020, 6, 11))
    [first] = _invoices(biz.pk, "admin_id_fee")
    assert (first.period, first.due_on, first.amount) == ("2020-06-10", date(2020, 6, 10), 2 * 2_400)
    assert first.breakdown["ids"] == list(biz.admin_ids[:2])

    billing_flow(today=date(2021, 5, 20))  # after the 2020-10 revision: 11,400 per ID
    billing_flow(today=date(2021, 5, 21))
    issued = _invoices(biz.pk, "admin_id_fee")
    assert [(i.period, i.amount) for i in issued] == [("2020-06-10", 4_800), ("2021-06-10", 2 * 11_400)]
    assert [(i.period, i.amount) for i in _invoices(solo.pk)] == [("2020-06-12", 2_400), ("2021-06-12", 2_400)]
    with unit_of_work() as session:
        titles = session.scalars(select(PortalNotice.title).where(PortalNotice.business_id == biz.business_id,
                                                                  PortalNotice.title.contains("管理者ID利用料"))).all()
        assert len(titles) == 2


def test_unpaid_invoices_show_in_the_portal(api: Any) -> None:
    biz = make.business(registered_on=date(2019, 7, 1), admin_ids=2, must_change=False)
    invoices.issue_admin_id_invoices(date(2020, 6, 20))
    invoices.issue_admin_id_invoices(date(2021, 6, 20))
    headers = signed_in(api, biz)
    r = api.get("/api/v1/portal/invoices", headers=headers)
    assert r.status_code == 200, r.text
    listed = r.json()
    assert [(i["period"], i["amount"], i["label"]) for i in listed] == [
        ("2020-07-01", 4_800, "管理者ID利用料"), ("2021-07-01", 22_800, "管理者ID利用料")]
    paid = import_payments(f"{listed[0]['invoice_number']},4800,2020-06-30\n".encode())
    assert paid.outcomes == {"matched": 1}, paid.problems
    assert [i["period"] for i in api.get("/api/v1/portal/invoices", headers=headers).json()] == ["2021-07-01"]
    other = make.business(must_change=False)  # another business sees none of them
    assert api.get("/api/v1/portal/invoices", headers=signed_in(api, other)).json() == []
    assert api.get("/api/v1/portal/invoices").status_code == 401
