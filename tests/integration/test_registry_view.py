"""The registry view through the portal enforces the disclosure table: positions come from the
sites' construction structure (relations the lower business confirmed); 開示設定 opens items to
その他事業者 only."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_portal import signed_in
from tests.support import lifecycle as make

pytestmark = pytest.mark.integration


def test_positions_and_disclosure_settings_decide_what_each_business_sees(api: Any) -> None:
    prime, sub1, sub2, other = (make.business(must_change=False) for _ in range(4))
    h = {b.business_id: signed_in(api, b) for b in (prime, sub1, sub2, other)}
    site = api.post("/api/v1/portal/sites", headers=h[prime.business_id], json={"name": "霞が関ビル新築工事"})
    site_id = site.json()["site_id"]
    # Each relation is requested by the upper business and accepted by the lower one itself.
    for upper, lower in ((prime, sub1), (sub1, sub2)):
        asked = api.post(f"/api/v1/portal/sites/{site_id}/contracts", headers=h[upper.business_id],
                         json={"business_id": lower.business_id})
        assert asked.status_code == 201 and asked.json()["status"] == "pending", asked.text
        accepted = api.post(f"/api/v1/portal/contracts/{asked.json()['contract_id']}/accept",
                            headers=h[lower.business_id])
        assert accepted.status_code == 200 and accepted.json()["status"] == "confirmed", accepted.text
    # Only a business on the site adds under itself.
    assert api.post(f"/api/v1/portal/sites/{site_id}/contracts", headers=h[other.business_id],
                    json={"business_id": other.business_id}).status_code == 403
    worker = make.worker(sub2)

    def see_worker(viewer: make.RegisteredBusiness) -> dict[str, Any]:
        r = api.get(f"/api/v1/portal/registry/workers/{worker.worker_id}", headers=h[viewer.business_id])
        assert r.status_code == 200, r.text
        return dict(r.json())

    assert see_worker(sub2)["position"] == "employer" and "birth_date" in see_worker(sub2)["content"]
    assert see_worker(prime)["position"] == "prime" and "birth_date" in see_worker(prime)["content"]
    assert see_worker(sub1)["position"] == "upper" and "name" in see_worker(sub1)["content"]
    seen = see_worker(other)
    assert seen["position"] == "other_business" and seen["content"] == {} and seen["items"] == []

    # 開示設定: all undisclosed by default; the employer opens the name only.
    listed = api.get("/api/v1/portal/disclosure/workers", headers=h[sub2.business_id]).json()
    assert listed == [{"worker_id": worker.worker_id, "name": listed[0]["name"],
                       "items": {i: False for i in listed[0]["items"]}}]
    assert api.put(f"/api/v1/portal/disclosure/workers/{worker.worker_id}", headers=h[sub1.business_id],
                   json={"items": {"name": True}}).status_code == 403
    assert api.put(f"/api/v1/portal/disclosure/workers/{worker.worker_id}", headers=h[sub2.business_id],
                   json={"items": {"blood_type": True}}).status_code == 422
    assert api.put(f"/api/v1/portal/disclosure/workers/{worker.worker_id}", headers=h[sub2.business_id],
                   json={"items": {"name": True}}).json()["items"]["name"] is True
    seen = see_worker(other)
    assert seen["items"] == ["name"] and set(seen["content"]) == {"name", "name_kana"}

    # Business information: everything to the business itself and its upper contractors; the
    # registrant withheld from other businesses.
    def see_business(viewer: make.RegisteredBusiness) -> dict[str, Any]:
        return dict(api.get(f"/api/v1/portal/registry/businesses/{sub2.business_id}",
                            headers=h[viewer.business_id]).json())

    assert "registrant" in see_business(sub2)["content"] and see_business(sub2)["position"] == "self"
    assert "registrant" in see_business(prime)["content"] and see_business(prime)["position"] == "prime"
    assert see_business(sub1)["position"] == "upper"
    outsider = see_business(other)
    assert outsider["position"] == "other_business"
    assert "registrant" not in outsider["content"] and outsider["content"]["trade_name"]
