"""変更申請 of the items the guide allows beyond the first list (p.21): 建設業許可番号 (with the
permit scan as its evidence, attached through the portal and reviewed), the e-mail address, and
partial deletion (a licence given up); the number of 管理者IDs is refused with a pointer to the
管理者ID route. Through the portal API, the reviewers' API and the changes service."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from ccus import sample_applications as samples
from ccus.infra.db import unit_of_work
from ccus.models.tables import Application, Document
from ccus.services.registry import business_changes
from tests.support import lifecycle as make
from tests.support.applicant import portal_headers

pytestmark = pytest.mark.integration

LICENCE = "東京都知事許可（般-30）第123号"


def _scan() -> tuple[str, bytes, str]:
    proof = next(f for f in samples.business(corporate_number="7123456789012").files if f.role == "insurance_proof")
    return ("kyoka.jpg", proof.data, proof.content_type)


def _decide(api: Any, token: str, number: str) -> Any:
    return api.post(f"/api/v1/review/applications/{number}/decision", json={"decision": "approve"},
                    headers={"Authorization": f"Bearer {token}"})


def _apply(number: str) -> None:
    with unit_of_work() as session:
        app_id = session.scalars(select(Application.id).where(Application.application_number == number)).one()
    assert business_changes.apply_change(app_id)


def _profile(api: Any, headers: dict[str, str]) -> dict[str, Any]:
    return dict(api.get("/api/v1/portal/profile", headers=headers).json()["content"])


def test_a_licence_number_change_needs_the_permit_scan_then_is_applied_and_can_be_deleted(
        api: Any, reviewer_token: str) -> None:
    biz = make.business(must_change=False)
    headers = portal_headers(api, biz.business_id, make.PASSWORD)
    filed = api.post("/api/v1/portal/changes", headers=headers, json={"changes": {"licence_number": LICENCE}})
    assert filed.status_code == 201, filed.text
    number = filed.json()["application_number"]

    refused = _decide(api, reviewer_token, number)  # no permit scan yet: the reviewer cannot approve
    assert refused.status_code == 409 and "建設業許可通知書の写し" in refused.json()["detail"]["message"]

    url = f"/api/v1/portal/changes/{number}/documents"
    wrong = api.post(url, headers=headers, files=[("registry_extract", _scan())])
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["path"] == "attachments.registry_extract"
    other = portal_headers(api, make.business(must_change=False).business_id, make.PASSWORD)
    assert api.post(url, headers=other, files=[("licence_copy", _scan())]).status_code == 404
    with unit_of_work() as session:
        app_id = session.scalars(select(Application.id).where(Application.application_number == number)).one()
        assert session.scalar(select(func.count()).select_from(Document).where(Document.application_id == app_id)) == 0

    added = api.post(url, headers=headers, files=[("licence_copy", _scan())])
    assert added.status_code == 200, added.text
    assert added.json()["stored"] == 1 and added.json()["missing_evidence"] == []
    again = api.post(url, headers=headers, files=[("licence_copy", _scan())])
    assert again.status_code == 200 and again.json()["stored"] == 0  # a retry adds nothing

    seen = api.get(f"/api/v1/review/applications/{number}", headers={"Authorization": f"Bearer {reviewer_token}"})
    assert [d["role"] for d in seen.json()["documents"]] == ["licence_copy"]  # the reviewer reads the scan
    assert not [f for f in seen.json()["flags"] if f["severity"] == "block"]
    assert _decide(api, reviewer_token, number).status_code == 200
    _apply(number)
    assert _profile(api, headers)["licence_number"] == "東京都知事許可(般-30)第123号"

    # 部分的な削除: the licence given up, no evidence needed.
    deleted = api.post("/api/v1/portal/changes", headers=headers, json={"changes": {"licence_number": None}})
    assert deleted.status_code == 201, deleted.text
    assert _decide(api, reviewer_token, deleted.json()["application_number"]).status_code == 200
    _apply(deleted.json()["application_number"])
    assert _profile(api, headers)["licence_number"] is None


def test_the_email_address_is_changeable_and_a_bad_one_is_refused_naming_it(api: Any, reviewer_token: str) -> None:
    biz = make.business(must_change=False)
    headers = portal_headers(api, biz.business_id, make.PASSWORD)
    bad = api.post("/api/v1/portal/changes", headers=headers, json={"changes": {"email": "not-an-address"}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "changes.email"
    assert "メールアドレス" in bad.json()["errors"][0]["message"]
    filed = api.post("/api/v1/portal/changes", headers=headers, json={"changes": {"email": "new@example.jp"}})
    assert filed.status_code == 201, filed.text
    assert _decide(api, reviewer_token, filed.json()["application_number"]).status_code == 200
    _apply(filed.json()["application_number"])
    assert _profile(api, headers)["email"] == "new@example.jp"


def test_the_number_of_admin_ids_is_refused_pointing_to_the_admin_id_route(api: Any) -> None:
    biz = make.business(must_change=False)
    headers = portal_headers(api, biz.business_id, make.PASSWORD)

    def cases() -> int:
        with unit_of_work() as session:
            return int(session.scalar(select(func.count()).select_from(Application)
                                      .where(Application.filed_by_business_id == biz.business_id)) or 0)

    before = cases()
    r = api.post("/api/v1/portal/changes", headers=headers, json={"changes": {"admin_id_count": 3}})
    assert r.status_code == 422
    [error] = r.json()["errors"]
    assert error["path"] == "changes.admin_id_count" and error["code"] == "changed_elsewhere"
    assert "管理者ID" in error["message"] and "追加・削除" in error["message"]
    assert cases() == before  # nothing stored
