"""Withdrawal on the real stack: the portal's request, the flow's processing, the purge after retention."""

from __future__ import annotations

import hashlib
import os
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from ccus.infra import s3
from ccus.infra.db import unit_of_work
from ccus.models.lifecycle_tables import Withdrawal
from ccus.models.tables import AdminId, Affiliation, AuditLog, Business, Document, Outbox
from tests.integration.test_portal import bearer, sign_in
from tests.support import lifecycle as make
from tests.support.applicant import status_of
from tests.support.lifecycle import new_case

pytestmark = pytest.mark.integration


def _document(app_id: int, data: bytes, role: str = "registry_extract") -> str:
    sha = hashlib.sha256(data).hexdigest()
    key = s3.document_key(sha)
    s3.put_if_absent(key, data, "application/pdf")
    with unit_of_work() as session:
        session.add(Document(application_id=app_id, role=role, s3_key=key, sha256=sha, size=len(data),
                             media_type="application/pdf", pages=1, filename="x.pdf"))
    return key


def test_withdrawal_disables_ids_unlinks_workers_and_purges_documents_after_retention(api: Any) -> None:
    from ccus.flows.withdrawal import withdrawals

    biz = make.business(must_change=False, admin_ids=2)
    w1 = make.worker(biz, email=f"w1-{biz.business_id}@example.jp")
    w2 = make.worker(biz)  # no email: told through nobody (the business is gone), still unlinked
    own = _document(biz.application_id, os.urandom(64))
    shared_bytes = os.urandom(64)
    shared = _document(biz.application_id, shared_bytes, role="insurance_proof")
    with unit_of_work() as session:  # the same file in another live case
        other = new_case(session, kind="worker_registration", status="registered")
        other_id = other.id
    _document(other_id, shared_bytes, role="other")
    token = sign_in(api, biz.business_id, make.PASSWORD).json()["token"]

    number = api.post("/api/v1/portal/withdrawal", headers=bearer(token), json={}).json()["application_number"]
    day = date(2027, 3, 1)
    assert withdrawals(today=day, retention_days=30)["processed"] >= 1
    assert withdrawals(today=day, retention_days=30)["processed"] == 0  # safe to run twice
    assert status_of(api, number) == "registered"  # the business is gone: the answer secret of the case
    assert api.get("/api/v1/portal/home", headers=bearer(token)).status_code == 401  # session ended
    refused = sign_in(api, biz.business_id, make.PASSWORD)
    assert refused.status_code == 403 and refused.json()["detail"]["code"] == "business_withdrawn"
    with unit_of_work() as session:
        assert session.scalars(select(Business.status).where(Business.id == biz.pk)).one() == "withdrawn"
        assert set(session.scalars(select(AdminId.status).where(AdminId.business_pk == biz.pk))) == {"disabled"}
        links = session.scalars(select(Affiliation).where(Affiliation.business_pk == biz.pk)).all()
        assert {a.worker_pk for a in links} == {w1.pk, w2.pk} and all(a.until == day for a in links)
        assert session.scalars(select(Outbox.to_addr).where(Outbox.effect_key == f"{number}:unlinked:{w1.worker_id}")
                               ).one() == f"w1-{biz.business_id}@example.jp"
        assert session.scalars(select(Outbox.template).where(Outbox.effect_key == f"{number}:withdrawn:mail")).one()
        row = session.scalars(select(Withdrawal).where(Withdrawal.business_pk == biz.pk)).one()
        assert row.purge_on == day + timedelta(days=30)

    # Retention not over: nothing purged. Over: the business's own file goes, the shared one stays.
    withdrawals(today=day + timedelta(days=29))
    assert s3.exists(own)
    withdrawals(today=day + timedelta(days=30))
    assert not s3.exists(own) and s3.exists(shared)
    with unit_of_work() as session:
        purged = session.execute(text("SELECT count(*) FROM documents WHERE application_id = :a AND purged_at IS NOT NULL"),
                                 {"a": biz.application_id}).scalar_one()
        assert purged == 2
        record = session.scalars(select(AuditLog).where(AuditLog.action == "documents.purged",
                                                        AuditLog.detail["business_id"].astext == biz.business_id)).one()
        assert {d["role"] for d in record.detail["documents"]} == {"registry_extract", "insurance_proof"}
    assert withdrawals(today=day + timedelta(days=31))["purged"] == 0
