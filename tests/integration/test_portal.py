"""The business portal API on the real stack: sign-in, forced first change with the security code
(throttling and the code's own counter: test_sign_in_throttling.py, test_portal_security_code.py), notices, registered content, change and withdrawal applications."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from ccus.infra.db import unit_of_work
from ccus.models.tables import Application, StageLog
from ccus.services.auth.portal_sign_in import PASSWORD_CHANGED
from tests.support import lifecycle as make

pytestmark = pytest.mark.integration

NEW_PASSWORD = "NewSecret2026x"


def sign_in(api: Any, login_id: str, password: str) -> Any:
    return api.post("/api/v1/portal/sign-in", json={"login_id": login_id, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signed_in(api: Any, biz: make.RegisteredBusiness) -> dict[str, str]:
    """A full session of a business made with must_change=False."""
    r = sign_in(api, biz.business_id, make.PASSWORD)
    assert r.status_code == 200, r.text
    return bearer(r.json()["token"])


def test_first_sign_in_forces_a_password_change_that_needs_the_security_code(api: Any) -> None:
    biz = make.business()
    r = sign_in(api, biz.business_id, make.PASSWORD)
    assert r.status_code == 200 and r.json()["must_change_password"] is True
    first = bearer(r.json()["token"])
    # Nothing but the password change until it is done.
    refused = api.get("/api/v1/portal/profile", headers=first)
    assert refused.status_code == 403 and refused.json()["detail"]["code"] == "must_change_password"
    assert api.post("/api/v1/portal/password", headers=first,
                    json={"new_password": "short", "security_code": make.CODE}).status_code == 422
    wrong = api.post("/api/v1/portal/password", headers=first,
                     json={"new_password": NEW_PASSWORD, "security_code": "0000" if make.CODE != "0000" else "1111"})
    assert wrong.status_code == 401 and wrong.json()["detail"]["code"] == "invalid_security_code"
    ok = api.post("/api/v1/portal/password", headers=first,
                  json={"new_password": NEW_PASSWORD, "security_code": make.CODE})
    assert ok.status_code == 200 and ok.json()["message"] == PASSWORD_CHANGED
    # The session that changed it has ended; the initial password no longer works; the new one does.
    assert api.get("/api/v1/portal/home", headers=first).status_code == 401
    assert sign_in(api, biz.business_id, make.PASSWORD).status_code == 401
    again = sign_in(api, biz.business_id, NEW_PASSWORD)
    assert again.status_code == 200 and again.json()["must_change_password"] is False
    home = api.get("/api/v1/portal/home", headers=bearer(again.json()["token"]))
    assert home.status_code == 200 and home.json()["business_id"] == biz.business_id


def test_full_width_login_id_is_read_as_digits(api: Any) -> None:
    biz = make.business(must_change=False)
    wide = biz.business_id.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert sign_in(api, wide, make.PASSWORD).status_code == 200


def test_a_further_admin_id_signs_in_as_its_business_and_unknown_ids_cannot(api: Any) -> None:
    biz = make.business(admin_ids=2, must_change=False)
    r = sign_in(api, biz.admin_ids[1], make.PASSWORD)
    assert r.status_code == 200, r.text
    home = api.get("/api/v1/portal/home", headers=bearer(r.json()["token"])).json()
    assert (home["business_id"], home["login_id"]) == (biz.business_id, biz.admin_ids[1])
    assert sign_in(api, "12345678901234", make.PASSWORD).status_code == 401
    assert api.get("/api/v1/portal/home", headers=bearer("nonsense")).status_code == 401


def test_notices_and_registered_content(api: Any) -> None:
    biz = make.business(must_change=False)
    headers = signed_in(api, biz)
    notices = api.get("/api/v1/portal/notifications", headers=headers).json()
    assert [n["title"] for n in notices if "登録完了" in n["title"]]
    assert api.get("/api/v1/portal/home", headers=headers).json()["unread_notices"] == 1
    assert api.post(f"/api/v1/portal/notifications/{notices[0]['id']}/read", headers=headers).status_code == 200
    assert api.get("/api/v1/portal/home", headers=headers).json()["unread_notices"] == 0
    content = api.get("/api/v1/portal/profile", headers=headers).json()
    assert content["business_id"] == biz.business_id
    assert content["content"]["representative_name"] == "見本 一郎"
    assert content["admin_ids"] == [{"admin_id": biz.business_id, "status": "active"}]
    # Another business's notice cannot be read through this session.
    other = make.business(must_change=False)
    other_notice = api.get("/api/v1/portal/notifications", headers=signed_in(api, other)).json()[0]["id"]
    assert api.post(f"/api/v1/portal/notifications/{other_notice}/read", headers=headers).status_code == 404


def test_change_application_is_reviewed_then_applied(api: Any, reviewer_token: str) -> None:
    from ccus.flows.changes import apply_changes

    biz = make.business(must_change=False)
    headers = signed_in(api, biz)
    bad = api.post("/api/v1/portal/changes", headers=headers, json={"changes": {"birth_date": "x"}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "not_changeable"
    bad = api.post("/api/v1/portal/changes", headers=headers, json={"changes": {"capital_yen": -5}})
    assert bad.status_code == 422
    r = api.post("/api/v1/portal/changes", headers=headers,
                 json={"changes": {"representative_name": "見本 二郎", "capital_yen": 60_000_000}})
    assert r.status_code == 201, r.text
    number = r.json()["application_number"]
    assert api.get(f"/api/v1/applications/{number}", headers=headers).json()["status"] == "awaiting_review"
    # The queue lists oldest first; the session's earlier tests leave more than one default page.
    queue = api.get("/api/v1/review/queue?limit=500", headers=bearer(reviewer_token)).json()
    assert number in {c["application_number"] for c in queue}
    decided = api.post(f"/api/v1/review/applications/{number}/decision", headers=bearer(reviewer_token),
                       json={"decision": "approve"})
    assert decided.status_code == 200, decided.text
    assert apply_changes()["applied"] >= 1
    assert apply_changes()["applied"] == 0  # a second run changes nothing
    assert api.get(f"/api/v1/applications/{number}", headers=headers).json()["status"] == "registered"
    content = api.get("/api/v1/portal/profile", headers=headers).json()["content"]
    assert content["representative_name"] == "見本 二郎" and content["capital_yen"] == 60_000_000
    assert any("変更完了" in n["title"] for n in api.get("/api/v1/portal/notifications", headers=headers).json())


def test_returned_change_application_is_answered_in_the_portal_and_resumes_the_same_case(
        api: Any, reviewer_token: str) -> None:
    from ccus.flows.changes import apply_changes

    biz = make.business(must_change=False)
    headers = signed_in(api, biz)
    number = api.post("/api/v1/portal/changes", headers=headers,
                      json={"changes": {"representative_name": "見本 三郎"}}).json()["application_number"]
    early = api.post(f"/api/v1/portal/changes/{number}", headers=headers,
                     json={"changes": {"representative_name": "見本 四郎"}})
    assert early.status_code == 409 and early.json()["detail"]["code"] == "not_returned"  # not returned yet
    returned = api.post(f"/api/v1/review/applications/{number}/decision", headers=bearer(reviewer_token),
                        json={"decision": "return", "reason": "代表者名が登記事項証明書と一致しません。"})
    assert returned.status_code == 200, returned.text
    assert api.get(f"/api/v1/applications/{number}", headers=headers).json()["status"] == "returned"
    assert any(number in n["title"] for n in api.get("/api/v1/portal/notifications", headers=headers).json())

    other = signed_in(api, make.business(must_change=False))  # not another business's case
    assert api.post(f"/api/v1/portal/changes/{number}", headers=other,
                    json={"changes": {"representative_name": "見本 四郎"}}).status_code == 404
    bad = api.post(f"/api/v1/portal/changes/{number}", headers=headers, json={"changes": {"birth_date": "x"}})
    assert bad.status_code == 422 and api.get(f"/api/v1/applications/{number}", headers=headers).json()["status"] == "returned"

    answer = {"changes": {"representative_name": "見本 四郎"}}
    r = api.post(f"/api/v1/portal/changes/{number}", headers=headers, json=answer)
    assert r.status_code == 200, r.text
    assert r.json() == {"application_number": number, "status": "awaiting_review"}
    assert api.post(f"/api/v1/portal/changes/{number}", headers=headers, json=answer).json()["application_number"] \
        == number  # a retried answer changes nothing
    assert [a["application_number"] for a in api.get("/api/v1/portal/applications", headers=headers).json()
            if a["kind"] == "business_change"] == [number]
    with unit_of_work() as session:
        log = session.scalars(select(StageLog).where(StageLog.application_id == _app_id(number))
                              .order_by(StageLog.id)).all()
        assert [(e.from_status, e.to_status) for e in log][-2:] == [("awaiting_review", "returned"),
                                                                     ("returned", "awaiting_review")]
        assert log[-1].actor == f"portal:{biz.business_id}"
    assert number in {c["application_number"] for c in
                      api.get("/api/v1/review/queue?limit=500", headers=bearer(reviewer_token)).json()}
    assert api.post(f"/api/v1/review/applications/{number}/decision", headers=bearer(reviewer_token),
                    json={"decision": "approve"}).status_code == 200
    assert apply_changes()["applied"] >= 1
    content = api.get("/api/v1/portal/profile", headers=headers).json()["content"]
    assert content["representative_name"] == "見本 四郎"


def _app_id(number: str) -> int:
    with unit_of_work() as session:
        return session.scalars(select(Application.id).where(Application.application_number == number)).one()


def test_withdrawal_returns_its_application_number_at_once(api: Any) -> None:
    biz = make.business(must_change=False)
    headers = signed_in(api, biz)
    r = api.post("/api/v1/portal/withdrawal", headers=headers, json={"reason": "廃業"})
    assert r.status_code == 201
    number = r.json()["application_number"]
    assert api.get(f"/api/v1/applications/{number}", headers=headers).json()["status"] == "approved"
    # Asking again while it is open gives the same number.
    assert api.post("/api/v1/portal/withdrawal", headers=headers, json={}).json()["application_number"] == number
    listed = api.get("/api/v1/portal/applications", headers=headers).json()
    assert listed[0]["application_number"] == number and listed[0]["kind"] == "business_withdrawal"
