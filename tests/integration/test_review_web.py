"""The staff screens over HTTP: sign-in, sessions, CSRF, roles, the queue and claims, corrections,
decisions with reason codes, four-eyes approval, and the audit of views."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from ccus.infra.db import unit_of_work
from ccus.models.tables import (
    Application,
    AuditLog,
    FieldCorrection,
    Outbox,
    PortalNotice,
    ReviewClaim,
    StaffSession,
)
from ccus.services.auth import staff_accounts
from tests.support.web import (
    api_token,
    csrf_of,
    new_user,
    post_form,
    proxy_sample,
    queued_case,
    sign_in,
    worker_sample,
)

pytestmark = pytest.mark.integration


def status_of(number: str) -> str:
    with unit_of_work() as session:
        return session.scalars(select(Application.status).where(Application.application_number == number)).one()


# --- access -----------------------------------------------------------------------------------

def test_sign_in_with_the_right_password_opens_a_session_and_a_wrong_one_does_not(web: Any) -> None:
    from fastapi.testclient import TestClient

    username = new_user("reviewer")
    with TestClient(web) as client:
        assert client.get("/queue", follow_redirects=False).headers["location"].startswith("/login")
        bad = sign_in(client, username, "wrong-password-123")
        assert bad.status_code == 401 and "正しくありません" in bad.text
        ok = sign_in(client, username)
        assert ok.status_code == 303 and ok.headers["location"] == "/queue"
        assert "httponly" in ok.headers["set-cookie"].lower()
        page = client.get("/queue")
        assert page.status_code == 200 and "審査待ち一覧" in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_the_password_is_stored_as_an_argon2_hash(db: Any) -> None:
    username = new_user("clerk")
    [user] = [u for u in staff_accounts.list_users() if u.username == username]
    assert user.password_hash.startswith("$argon2id$")


def test_a_session_expires_and_sign_out_ends_it(client_for: Any) -> None:
    client, username = client_for("reviewer")
    assert client.get("/queue").status_code == 200
    with unit_of_work() as session:
        session.execute(update(StaffSession).where(StaffSession.revoked_at.is_(None))
                        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
                        .where(StaffSession.user_id == select_user_id(username)))
    assert client.get("/queue", follow_redirects=False).status_code == 303

    client2, _ = client_for("reviewer")
    assert post_form(client2, "/logout", {}).status_code == 303
    assert client2.get("/queue", follow_redirects=False).status_code == 303


def select_user_id(username: str) -> Any:
    from ccus.models.tables import StaffUser

    return select(StaffUser.id).where(StaffUser.username == username).scalar_subquery()


def test_every_form_needs_the_sessions_csrf_token(client_for: Any) -> None:
    client, _ = client_for("reviewer")
    number = queued_case()
    missing = client.post(f"/cases/{number}/claim", data={}, follow_redirects=False)
    forged = client.post(f"/cases/{number}/claim", data={"csrf_token": "forged"}, follow_redirects=False)
    assert missing.status_code == forged.status_code == 403
    other, _ = client_for("reviewer")
    stolen = other.post(f"/cases/{number}/claim", data={"csrf_token": csrf_of(client.get("/queue").text)},
                        follow_redirects=False)
    assert stolen.status_code == 403
    with unit_of_work() as session:
        assert session.get(ReviewClaim, session.scalars(select(Application.id).where(
            Application.application_number == number)).one()) is None


def test_the_login_form_itself_needs_its_csrf_token(web: Any) -> None:
    from fastapi.testclient import TestClient

    username = new_user("reviewer")
    with TestClient(web) as client:
        r = client.post("/login", data={"username": username, "password": "correct-horse-battery",
                                        "csrf_token": "x"}, follow_redirects=False)
        assert r.status_code == 403


def test_roles_are_checked_on_the_server_for_pages_and_actions(client_for: Any) -> None:
    clerk, _ = client_for("clerk")
    reviewer, _ = client_for("reviewer")
    number = queued_case()
    assert clerk.get("/queue").status_code == 403
    assert clerk.get(f"/cases/{number}").status_code == 403
    token = csrf_of(clerk.get("/counter").text)
    r = clerk.post(f"/cases/{number}/decision", data={"decision": "approve", "csrf_token": token},
                   follow_redirects=False)
    assert r.status_code == 403 and "権限" in r.text
    assert status_of(number) == "awaiting_review"
    assert reviewer.get("/dashboard").status_code == 403
    assert reviewer.get("/admin/users").status_code == 403
    assert clerk.get(f"/counter?number={number}").status_code == 200


# --- queue and claims -------------------------------------------------------------------------

def test_queue_filters_by_kind_and_flags_and_sorts_by_due_date(client_for: Any) -> None:
    client, _ = client_for("reviewer")
    worker = queued_case(worker_sample(), flags=[{"code": "x", "severity": "block", "message": "m"}])
    business = queued_case()
    page = client.get("/queue?kind=worker_registration&flags=block&sort=due").text
    assert worker in page and business not in page
    page = client.get("/queue?kind=business_registration&flags=none").text
    assert business in page and worker not in page


def test_a_claimed_case_is_locked_to_its_reviewer_until_a_supervisor_reassigns_it(client_for: Any) -> None:
    a, user_a = client_for("reviewer")
    b, user_b = client_for("reviewer")
    boss, _ = client_for("supervisor")
    number = queued_case()
    assert post_form(a, f"/cases/{number}/claim", {}).status_code == 303
    refused = post_form(b, f"/cases/{number}/claim", {})
    assert refused.status_code == 409 and user_a in refused.text
    assert post_form(b, f"/cases/{number}/decision", {"decision": "approve"}).status_code == 409
    assert f"担当：{user_a}" in a.get(f"/cases/{number}").text
    assert post_form(boss, f"/cases/{number}/reassign", {"to": user_b}).status_code == 303
    assert post_form(b, f"/cases/{number}/decision", {"decision": "approve"}).status_code == 303
    assert status_of(number) == "approved"


def test_a_supervisor_can_release_anyones_claim_and_a_reviewer_only_their_own(client_for: Any) -> None:
    a, _ = client_for("reviewer")
    b, _ = client_for("reviewer")
    boss, _ = client_for("supervisor")
    number = queued_case()
    post_form(a, f"/cases/{number}/claim", {})
    assert post_form(b, f"/cases/{number}/release", {}).status_code == 409
    assert post_form(boss, f"/cases/{number}/release", {}).status_code == 303
    assert post_form(b, f"/cases/{number}/claim", {}).status_code == 303


# --- case view, corrections, decisions ----------------------------------------------------------

def test_viewing_a_case_is_written_to_the_audit_log(client_for: Any) -> None:
    client, username = client_for("reviewer")
    number = queued_case()
    page = client.get(f"/cases/{number}")
    assert page.status_code == 200 and number in page.text and "申請内容と書類の照合" in page.text
    with unit_of_work() as session:
        app_id = session.scalars(select(Application.id).where(Application.application_number == number)).one()
        actions = list(session.scalars(select(AuditLog.action).where(
            AuditLog.application_id == app_id, AuditLog.actor == username)))
    assert "case.viewed" in actions
    assert f"{username}" in client.get(f"/cases/{number}").text  # the view shows in the history


def test_page_images_of_the_evidence_are_served_to_reviewers_only(client_for: Any) -> None:
    client, _ = client_for("reviewer")
    clerk, _ = client_for("clerk")
    number = queued_case()
    page = client.get(f"/cases/{number}").text
    import re

    url = re.search(r'src="(/cases/[^"]+\.png\?w=160)"', page).group(1)  # type: ignore[union-attr]
    img = client.get(url)
    assert img.status_code == 200 and img.content.startswith(b"\x89PNG")
    assert clerk.get(url).status_code == 403


def test_a_correction_needs_a_reason_keeps_before_and_after_and_then_needs_two_approvals(client_for: Any) -> None:
    a, user_a = client_for("reviewer")
    b, user_b = client_for("reviewer")
    sample = worker_sample()
    number = queued_case(sample)
    post_form(a, f"/cases/{number}/claim", {})
    no_reason = post_form(a, f"/cases/{number}/corrections", {"field": "address", "value": "東京都港区1-1", "reason": ""})
    assert no_reason.status_code == 422
    bad = post_form(a, f"/cases/{number}/corrections", {"field": "name_kana", "value": "やまだ", "reason": "x"})
    assert bad.status_code == 422 and "カタカナ" in bad.text
    ok = post_form(a, f"/cases/{number}/corrections",
                   {"field": "address", "value": "東京都新宿区西新宿２丁目８番１号　第一ビル", "reason": "本人確認書類に合わせる"})
    assert ok.status_code == 303
    with unit_of_work() as session:
        fix = session.scalars(select(FieldCorrection).join(Application).where(
            Application.application_number == number)).one()
    assert (fix.field, fix.before, fix.actor) == ("address", sample.data["address"], user_a)
    assert fix.after == "東京都新宿区西新宿2丁目8番1号 第一ビル"  # normalised as at intake

    assert post_form(a, f"/cases/{number}/decision", {"decision": "approve"}).status_code == 303
    assert status_of(number) == "awaiting_second_approval"
    # The first approver cannot give the second approval, even through the raw HTTP form.
    post_form(a, f"/cases/{number}/claim", {})
    same = post_form(a, f"/cases/{number}/decision", {"decision": "approve"})
    assert same.status_code == 409 and "別の担当者" in same.text
    assert status_of(number) == "awaiting_second_approval"
    post_form(a, f"/cases/{number}/release", {})
    post_form(b, f"/cases/{number}/claim", {})
    assert post_form(b, f"/cases/{number}/decision", {"decision": "approve"}).status_code == 303
    assert status_of(number) == "approved"
    history = b.get(f"/cases/{number}").text
    assert "一次承認" in history and user_b in history


def test_a_proxy_filed_by_a_non_employer_needs_a_second_approval_by_someone_else(client_for: Any) -> None:
    a, _ = client_for("reviewer")
    boss, _ = client_for("supervisor")
    number = queued_case(proxy_sample("prime_contractor"))
    post_form(a, f"/cases/{number}/claim", {})
    page = a.get(f"/cases/{number}").text
    assert "所属事業者以外による代行申請" in page
    assert post_form(a, f"/cases/{number}/decision", {"decision": "approve"}).status_code == 303
    assert status_of(number) == "awaiting_second_approval"
    post_form(boss, f"/cases/{number}/claim", {})
    assert post_form(boss, f"/cases/{number}/decision", {"decision": "approve"}).status_code == 303
    assert status_of(number) == "approved"


def test_the_reviewers_api_enforces_four_eyes_too(api: Any, reviewer_token: str) -> None:
    number = queued_case(proxy_sample("upper_subcontractor"))
    url = f"/api/v1/review/applications/{number}/decision"
    first = api.post(url, json={"decision": "approve"}, headers={"Authorization": f"Bearer {reviewer_token}"})
    assert first.json()["status"] == "awaiting_second_approval"
    again = api.post(url, json={"decision": "approve"}, headers={"Authorization": f"Bearer {reviewer_token}"})
    assert again.status_code == 409 and again.json()["detail"]["code"] == "four_eyes"
    _, other = api_token("reviewer")
    assert api.post(url, json={"decision": "approve"},
                    headers={"Authorization": f"Bearer {other}"}).json()["status"] == "approved"


def test_a_return_with_reason_codes_becomes_a_japanese_notice_by_mail_and_in_the_portal(client_for: Any) -> None:
    client, _ = client_for("reviewer")
    number = queued_case()
    post_form(client, f"/cases/{number}/claim", {})
    unknown = post_form(client, f"/cases/{number}/decision", {"decision": "return", "reason_codes": ["nope"]})
    assert unknown.status_code == 409
    r = post_form(client, f"/cases/{number}/decision",
                  {"decision": "return", "reason_codes": ["registry_extract_outdated", "insurance_proof_missing"],
                   "reason": "保険証の写しの裏面も添付してください。"})
    assert r.status_code == 303 and status_of(number) == "returned"
    with unit_of_work() as session:
        app_id = session.scalars(select(Application.id).where(Application.application_number == number)).one()
        mail = session.scalars(select(Outbox).where(Outbox.application_id == app_id)).one()
        notice = session.scalars(select(PortalNotice).where(PortalNotice.application_id == app_id)).one()
    assert "不備" in mail.subject and number in mail.subject
    assert "3か月以内" in (mail.body or "") and "社会保険" in (mail.body or "") and "裏面" in (mail.body or "")
    # The portal notice carries the same reasons but never the mail's answer-code line (it is stored in plain text).
    assert "3か月以内" in notice.body and "裏面" in notice.body and "{{" not in notice.body


def test_reject_needs_a_reason(client_for: Any) -> None:
    client, _ = client_for("supervisor")
    number = queued_case()
    post_form(client, f"/cases/{number}/claim", {})
    assert post_form(client, f"/cases/{number}/decision", {"decision": "reject"}).status_code == 409
    assert post_form(client, f"/cases/{number}/decision",
                     {"decision": "reject", "reason": "重複申請"}).status_code == 303
    assert status_of(number) == "rejected"


def test_dashboard_shows_backlog_and_charts_to_supervisors(client_for: Any) -> None:
    boss, _ = client_for("supervisor")
    queued_case()
    page = boss.get("/dashboard")
    assert page.status_code == 200
    assert "段階別の件数" in page.text and "<svg" in page.text and "解消する見込み" in page.text


def test_ccus_user_add_creates_an_account_that_can_sign_in(web: Any, db: Any) -> None:
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from ccus.cli import app as cli

    result = CliRunner().invoke(cli, ["user", "add", "cli-supervisor", "--role", "supervisor", "--name", "審査 太郎"],
                                input="a-long-password\na-long-password\n")
    assert result.exit_code == 0, result.output
    with TestClient(web) as client:
        assert sign_in(client, "cli-supervisor", "a-long-password").headers["location"] == "/queue"
        assert "審査 太郎" in client.get("/queue").text
