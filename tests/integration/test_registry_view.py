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
    assert listed == [{"worker_id": worker.worker_id, "name": listed[0]["name"], "name_kana": listed[0]["name_kana"],
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


def _declare(worker: make.RegisteredWorker, **fields: str) -> None:
    """Contact data of a worker's registration (the helper registers name, reading and birth date)."""
    from sqlalchemy import select

    from ccus.infra.db import unit_of_work
    from ccus.models.tables import Application, Worker

    with unit_of_work() as session:
        app = session.scalars(select(Application).join(Worker, Worker.application_id == Application.id)
                              .where(Worker.worker_id == worker.worker_id)).one()
        app.declared = {**app.declared, **fields}
        row = session.scalars(select(Worker).where(Worker.worker_id == worker.worker_id)).one()
        row.name, row.name_kana = fields.get("name", row.name), fields.get("name_kana", row.name_kana)


def test_the_disclosure_list_searches_the_own_workers_by_the_guides_conditions(api: Any) -> None:
    employer, other = make.business(must_change=False), make.business(must_change=False)
    h = signed_in(api, employer)
    tanaka, suzuki, smith = (make.worker(employer) for _ in range(3))
    stranger = make.worker(other)
    _declare(tanaka, address="東京都千代田区霞が関1丁目3番2号", phone="03-1234-5678", name="田中 一郎",
             name_kana="タナカ イチロウ")
    _declare(suzuki, address="大阪府大阪市北区梅田1丁目1番1号", phone="090-1111-2222", fax="06-9999-0000")
    _declare(smith, address="東京都港区芝公園4丁目2番8号", phone="080-3333-4444", name_alphabet="SMITH John")
    _declare(stranger, address="東京都千代田区霞が関1丁目3番2号", phone="03-1234-5678")

    def ids(**query: str) -> list[str]:
        r = api.get("/api/v1/portal/disclosure/workers", headers=h, params=query)
        assert r.status_code == 200, r.text
        return [w["worker_id"] for w in r.json()]

    everyone = ids()
    assert set(everyone) == {tanaka.worker_id, suzuki.worker_id, smith.worker_id}  # never another's worker
    assert ids(worker_id=suzuki.worker_id) == [suzuki.worker_id]
    prefix = ids(worker_id=suzuki.worker_id[:10])
    assert suzuki.worker_id in prefix and all(w.startswith(suzuki.worker_id[:10]) for w in prefix)
    assert ids(address="千代田区霞が関") == [tanaka.worker_id]
    assert ids(address="東京都") == sorted([tanaka.worker_id, smith.worker_id], key=everyone.index)
    assert ids(phone="03-1234-5678") == [tanaka.worker_id]
    assert ids(phone="06-9999-0000") == [suzuki.worker_id]  # the fax number counts
    assert ids(phone="03-1234-5679") == []  # a number is equal or not at all
    assert ids(name_alphabet="smith") == [smith.worker_id]
    assert ids(name="田中一郎") == [tanaka.worker_id]  # spaces folded
    assert ids(name_kana="ﾀﾅｶ") == [tanaka.worker_id]  # half-width folded
    assert ids(address="東京都", phone="080-3333-4444") == [smith.worker_id]  # every condition
    assert ids(name="%") == [] and ids(address="_") == []  # no wildcard reaches a pattern

    for query, field in (({"name_kana": "たなか"}, "name_kana"), ({"worker_id": "12ab"}, "worker_id"),
                         ({"phone": "abc"}, "phone"), ({"name_alphabet": "田中"}, "name_alphabet"),
                         ({"name": "田中\u202e"}, "name"), ({"worker_id": "%"}, "worker_id")):
        r = api.get("/api/v1/portal/disclosure/workers", headers=h, params=query)
        assert r.status_code == 422, (query, r.text)
        [error] = r.json()["errors"]
        assert error["path"] == f"query.{field}" and error["message"], error
