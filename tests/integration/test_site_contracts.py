"""A contract relation (施工体制) needs the lower business's consent: a business that registers a
site of its own and names another business as its subcontractor sees nothing of that business's
workers until that business, signed in as itself, accepts; a declined request grants nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from ccus.infra.db import unit_of_work
from ccus.models.tables import AuditLog
from tests.integration.test_portal import signed_in
from tests.support import lifecycle as make

pytestmark = pytest.mark.integration


def _worker_seen_by(api: Any, headers: dict[str, str], worker_id: str) -> dict[str, Any]:
    r = api.get(f"/api/v1/portal/registry/workers/{worker_id}", headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _business_seen_by(api: Any, headers: dict[str, str], business_id: str) -> dict[str, Any]:
    r = api.get(f"/api/v1/portal/registry/businesses/{business_id}", headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _own_site_naming(api: Any, attacker: dict[str, str], victim: make.RegisteredBusiness) -> dict[str, Any]:
    """The attack: a site of one's own, and the victim named as one's subcontractor."""
    site_id = api.post("/api/v1/portal/sites", headers=attacker, json={"name": "架空の現場"}).json()["site_id"]
    r = api.post(f"/api/v1/portal/sites/{site_id}/contracts", headers=attacker,
                 json={"business_id": victim.business_id})
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_naming_a_business_as_ones_subcontractor_shows_nothing_of_its_workers_until_it_accepts(api: Any) -> None:
    attacker, victim, other_victim = (make.business(must_change=False) for _ in range(3))
    h = {b.business_id: signed_in(api, b) for b in (attacker, victim, other_victim)}
    worker, other_worker = make.worker(victim), make.worker(other_victim)
    asked = _own_site_naming(api, h[attacker.business_id], victim)

    # (On the old code the attacker was "prime" here and saw birth date, address, phone, insurance.)
    seen = _worker_seen_by(api, h[attacker.business_id], worker.worker_id)
    assert seen["position"] == "other_business" and seen["content"] == {} and seen["items"] == []
    biz = _business_seen_by(api, h[attacker.business_id], victim.business_id)
    assert biz["position"] == "other_business" and "registrant" not in biz["content"]
    assert asked["status"] == "pending"
    contract_id = int(asked["contract_id"])

    # The attacker cannot answer for the victim, nor is the request its to see.
    for act in ("accept", "decline"):
        assert api.post(f"/api/v1/portal/contracts/{contract_id}/{act}",
                        headers=h[attacker.business_id]).status_code == 404
    assert api.get("/api/v1/portal/contracts", headers=h[attacker.business_id]).json() == []

    # The victim sees the request (and a notice), declines it; still nothing, and no second request.
    [pending] = api.get("/api/v1/portal/contracts?status=pending", headers=h[victim.business_id]).json()
    assert (pending["contract_id"], pending["upper_business_id"]) == (contract_id, attacker.business_id)
    notices = api.get("/api/v1/portal/notifications", headers=h[victim.business_id]).json()
    assert any("施工体制への登録依頼" in n["title"] and attacker.business_id in n["body"] for n in notices)
    r = api.post(f"/api/v1/portal/contracts/{contract_id}/decline", headers=h[victim.business_id])
    assert r.status_code == 200 and r.json()["status"] == "declined"
    assert api.post(f"/api/v1/portal/contracts/{contract_id}/accept", headers=h[victim.business_id]).status_code == 409
    assert api.get("/api/v1/portal/contracts?status=pending", headers=h[victim.business_id]).json() == []
    seen = _worker_seen_by(api, h[attacker.business_id], worker.worker_id)
    assert seen["position"] == "other_business" and seen["content"] == {}
    site_id = pending["site_id"]
    assert api.post(f"/api/v1/portal/sites/{site_id}/contracts", headers=h[attacker.business_id],
                    json={"business_id": victim.business_id}).status_code == 409

    # What consent opens: a business that accepts is the attacker's subcontractor, as the guide says.
    accepted_id = int(_own_site_naming(api, h[attacker.business_id], other_victim)["contract_id"])
    assert _worker_seen_by(api, h[attacker.business_id], other_worker.worker_id)["content"] == {}
    assert api.post(f"/api/v1/portal/contracts/{accepted_id}/accept",
                    headers=h[other_victim.business_id]).json()["status"] == "confirmed"
    seen = _worker_seen_by(api, h[attacker.business_id], other_worker.worker_id)
    assert seen["position"] == "prime" and {"birth_date", "name"} <= set(seen["content"])

    with unit_of_work() as session:
        acts = set(session.scalars(select(AuditLog.action).where(
            AuditLog.detail["contract_id"].astext.in_([str(contract_id), str(accepted_id)]))))
    assert acts == {"site.contract_requested", "site.contract_declined", "site.contract_accepted"}


def test_a_business_on_a_site_only_by_a_pending_request_cannot_place_others_under_it(api: Any) -> None:
    prime, sub, third = (make.business(must_change=False) for _ in range(3))
    h = {b.business_id: signed_in(api, b) for b in (prime, sub, third)}
    site_id = api.post("/api/v1/portal/sites", headers=h[prime.business_id], json={"name": "本社ビル改修"}).json()["site_id"]
    asked = api.post(f"/api/v1/portal/sites/{site_id}/contracts", headers=h[prime.business_id],
                     json={"business_id": sub.business_id})
    assert asked.status_code == 201
    r = api.post(f"/api/v1/portal/sites/{site_id}/contracts", headers=h[sub.business_id],
                 json={"business_id": third.business_id})
    assert r.status_code == 403 and r.json()["detail"]["code"] == "not_upper"
    r = api.get("/api/v1/portal/contracts?status=maybe", headers=h[sub.business_id])
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "status"
