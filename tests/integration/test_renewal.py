"""Five years of a business registration on the real stack, in seconds: notices at 90 and 30 days,
renewal paid and applied (+5 years), then a lapse; worker card notices and renewal.

Dates lie in 2019–2029, before any other test's registration expires, so the lapses this walk
causes touch only its own businesses."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ccus.infra.db import unit_of_work
from ccus.models.lifecycle_tables import CardRenewal
from ccus.models.tables import AdminId, Business, Card, Outbox, PortalNotice
from ccus.services.billing.payments import import_payments
from ccus.services.clock import today_jst
from ccus.services.registry import renewal
from ccus.services.registry.business_changes import request_renewal
from tests.e2e.test_slice import pay
from tests.integration.test_portal import signed_in
from tests.support import lifecycle as make
from tests.support.applicant import status_of

pytestmark = pytest.mark.integration


def _titles(business_id: str) -> list[str]:
    with unit_of_work() as session:
        return list(session.scalars(select(PortalNotice.title).where(PortalNotice.business_id == business_id)
                                    .order_by(PortalNotice.id)))


def _business(pk: int) -> Business:
    with unit_of_work() as session:
        biz = session.get(Business, pk)
        assert biz is not None
        return biz


def _day(today: date) -> None:
    """One day of the renewal flow's work, through the services (the flow is tested below)."""
    from ccus.services.operations import lease

    for app_id in lease.claim(lease.Status.ISSUING, worker="test", kinds=("business_renewal",)):
        renewal.apply_renewal(app_id, today)
    renewal.send_notices(today)
    renewal.lapse_expired(today)


def test_five_years_of_notices_renewal_and_lapse(api: Any) -> None:
    biz = make.business(registered_on=date(2019, 4, 1), must_change=False)
    expiry = date(2024, 3, 31)
    assert _business(biz.pk).expires_on == expiry
    day = date(2019, 4, 1)
    while day < expiry - timedelta(days=90):  # four and a half years, a week at a time
        _day(day)
        day += timedelta(days=7)
    assert not [t for t in _titles(biz.business_id) if "更新" in t]
    _day(expiry - timedelta(days=90))
    _day(expiry - timedelta(days=89))  # the next day: nothing new
    _day(expiry - timedelta(days=30))
    _day(expiry - timedelta(days=30))  # twice the same day: nothing new
    titles = _titles(biz.business_id)
    assert sum("90日前" in t for t in titles) == 1 and sum("30日前" in t for t in titles) == 1
    with unit_of_work() as session:
        mails = session.scalars(select(Outbox.effect_key).where(Outbox.to_addr == biz.email)).all()
        assert sorted(k.split(":")[2] for k in mails if ":renewal-due:" in k) == ["30", "90"]

    # Renewal applied for 20 days before expiry, charged like a registration, paid, applied.
    filed = request_renewal(biz.business_id, actor="test", today=expiry - timedelta(days=20))
    assert filed.status == "awaiting_payment" and filed.amount == 24_000  # capital 10M, 2020-10 schedule: doubled
    assert request_renewal(biz.business_id, actor="test", today=expiry - timedelta(days=19)).application_number \
        == filed.application_number
    pay(filed.application_number)
    _day(expiry - timedelta(days=10))
    assert _business(biz.pk).expires_on == date(2029, 3, 31) and _business(biz.pk).status == "active"
    assert status_of(api, filed.application_number) == "registered"
    _day(expiry + timedelta(days=1))
    assert _business(biz.pk).status == "active"

    # The next five years pass without a renewal: notices again, then the lapse.
    day = expiry + timedelta(days=1)
    while day <= date(2029, 4, 7):
        _day(day)
        day += timedelta(days=7)
    assert _business(biz.pk).status == "lapsed"
    with unit_of_work() as session:
        assert set(session.scalars(select(AdminId.status).where(AdminId.business_pk == biz.pk))) == {"suspended"}
    assert sum("有効期間満了" in t for t in _titles(biz.business_id)) == 1
    refused = api.post("/api/v1/portal/sign-in", json={"login_id": biz.business_id, "password": make.PASSWORD})
    assert refused.status_code == 403 and refused.json()["detail"]["code"] == "business_lapsed"


def test_renewal_flow_with_today_as_parameter_on_two_workers_at_once(db: Any) -> None:
    from ccus.flows.renewal import renewals

    biz = make.business(registered_on=date(2020, 1, 15), must_change=False)
    assert _business(biz.pk).expires_on == date(2025, 1, 14)
    notice_day = date(2025, 1, 14) - timedelta(days=28)  # inside the 30-day window
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        renewal.send_notices(notice_day)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum("30日前" in t for t in _titles(biz.business_id)) == 1
    report = renewals(today=date(2025, 1, 16))
    assert biz.business_id in report["lapsed"]
    assert renewals(today=date(2025, 1, 16))["lapsed"] == []


def test_worker_card_notice_and_renewal_issue_a_new_card(db: Any) -> None:
    employer = make.business(registered_on=date(2019, 4, 1), must_change=False)
    w = make.worker(employer, email=None, issued_on=date(2019, 6, 1))
    with unit_of_work() as session:
        old = session.get(Card, w.card_id)
        assert old is not None
        expires = old.expires_on
    renewal.card_notices(expires - timedelta(days=30))
    renewal.card_notices(expires - timedelta(days=30))
    assert sum("カード有効期限" in t for t in _titles(employer.business_id)) == 1
    with pytest.raises(renewal.CardRenewalRefused):
        renewal.request_card_renewal(w.worker_id, actor="test", today=expires - timedelta(days=400))
    with pytest.raises(renewal.CardRenewalRefused):  # not the worker's employer
        renewal.request_card_renewal(w.worker_id, actor="test", today=expires - timedelta(days=20),
                                     employer_business_id=make.business(must_change=False).business_id)
    req = renewal.request_card_renewal(w.worker_id, actor="test", today=expires - timedelta(days=20),
                                       employer_business_id=employer.business_id)
    # Fee as registration (internet, basic), paid before the new card is made; K-number as reference.
    assert req.created and req.status == "awaiting_payment" and req.amount == 2_500
    assert req.request_number.startswith("K")
    again = renewal.request_card_renewal(w.worker_id, actor="test", today=expires - timedelta(days=19))
    assert (again.id, again.request_number, again.created) == (req.id, req.request_number, False)
    assert renewal.issue_card_renewals(expires - timedelta(days=15)) == 0  # unpaid: no card
    paid = import_payments(f"{req.request_number},2500,2029-01-01\n".encode())
    assert paid.outcomes == {"matched": 1}, paid.problems
    renewal.issue_card_renewals(expires - timedelta(days=10))
    renewal.issue_card_renewals(expires - timedelta(days=10))
    with unit_of_work() as session:
        row = session.get(CardRenewal, req.id)
        assert row is not None and row.status == "issued" and row.new_card_id
        new = session.get(Card, row.new_card_id)
        assert new is not None and new.expires_on > expires and new.status == "ordered"
        assert len(session.scalars(select(Card).where(Card.worker_pk == w.pk)).all()) == 2


def _card_expiring(worker: make.RegisteredWorker, on: date) -> None:
    with unit_of_work() as session:
        card = session.get(Card, worker.card_id)
        assert card is not None
        card.expires_on = on


def test_business_requests_its_workers_card_renewal_in_the_portal(api: Any) -> None:
    employer = make.business(must_change=False)
    headers = signed_in(api, employer)
    w = make.worker(employer)
    outsider = make.worker(make.business(must_change=False))
    expires = today_jst() + timedelta(days=60)
    _card_expiring(w, expires)
    _card_expiring(outsider, expires)

    assert api.post(f"/api/v1/portal/workers/{w.worker_id}/card-renewal").status_code == 401
    r = api.post(f"/api/v1/portal/workers/{w.worker_id}/card-renewal", headers=headers)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "awaiting_payment" and body["amount"] == 2_500
    number = body["request_number"]
    # Asked again: the same request. Another business's worker, or an unknown one: refused.
    assert api.post(f"/api/v1/portal/workers/{w.worker_id}/card-renewal",
                    headers=headers).json()["request_number"] == number
    refused = api.post(f"/api/v1/portal/workers/{outsider.worker_id}/card-renewal", headers=headers)
    assert refused.status_code == 403 and refused.json()["detail"]["code"] == "not_affiliated"
    assert api.post("/api/v1/portal/workers/99999999999999/card-renewal", headers=headers).status_code == 404
    # A card far from its expiry cannot be renewed yet.
    far = make.worker(employer, issued_on=today_jst())
    assert api.post(f"/api/v1/portal/workers/{far.worker_id}/card-renewal", headers=headers).status_code == 409
    titles = [n["title"] for n in api.get("/api/v1/portal/notifications", headers=headers).json()]
    assert sum(number in t for t in titles) == 1

    # Paid by the payment file, the renewals flow's step issues the new card with a new validity.
    assert import_payments(f"{number},2500,{today_jst()}\n".encode()).outcomes == {"matched": 1}
    renewal.issue_card_renewals(today_jst())
    with unit_of_work() as session:
        row = session.scalars(select(CardRenewal).where(CardRenewal.request_number == number)).one()
        assert row.status == "issued" and row.requested_by == f"portal:{employer.business_id}"
        new = session.get(Card, row.new_card_id)
        old = session.get(Card, w.card_id)
        assert new is not None and old is not None
        assert new.issued_on == today_jst() and new.expires_on > expires + timedelta(days=365 * 2)
        assert old.status == "renewed"
