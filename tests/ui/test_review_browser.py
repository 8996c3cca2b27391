"""The reviewers' screens as people use them, in Chromium: sign in, claim, inspect the evidence,
correct a field, return the case, the applicant's answer resuming it, four-eyes approval by a
second reviewer, a clerk refused, and the supervisor's dashboard."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from ccus.infra.db import unit_of_work
from ccus.models.tables import Application
from tests.support.applicant import secret_headers
from tests.support.web import drain_pipeline, new_proof, new_user, queued_case, signed_in_page, worker_sample

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def status_of(number: str) -> str:
    with unit_of_work() as session:
        return session.scalars(select(Application.status).where(Application.application_number == number)).one()


def wait_for_page_image(page: Any, timeout: float = 30) -> None:
    """Until the viewer's page image is loaded (polled: the CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate("() => { const i = document.getElementById('page'); return i.complete && i.naturalWidth > 0; }"):
        assert time.monotonic() < deadline, "the page image did not load"
        time.sleep(0.1)


def test_claim_inspect_correct_return_resume_and_four_eyes_approval(browser: Any, live_server: str, shot: Any) -> None:
    first, second = new_user("reviewer", "yamada"), new_user("reviewer", "suzuki")
    sample = worker_sample()
    from ccus.models.application_types import Channel
    from ccus.services.intake.submission import IncomingFile, submit

    number = submit(kind=sample.kind, channel=Channel.INTERNET, declared=sample.data, idempotency_key=None,
                    files=[IncomingFile(f.role, f.filename, f.content_type, f.data) for f in sample.files],
                    actor="test").application_number
    drain_pipeline()
    assert status_of(number) == "awaiting_review"

    # Sign in: the login screen, then the queue.
    page = signed_in_page(browser, live_server, first)
    page.wait_for_url("**/queue")
    assert "審査待ち一覧" in page.inner_text("h1")
    page.select_option("select[name=kind]", "worker_registration")
    page.get_by_role("button", name="絞り込む").click()
    row = page.locator(f"tr[data-number='{number}']")
    shot(page, "01-queue")

    # Claim the case from the queue; the case screen opens with the lock shown.
    row.get_by_role("button", name="担当する").click()
    page.wait_for_url(f"**/cases/{number}?done=claimed")
    assert first in page.get_by_test_id("claim").inner_text()

    # Inspect: thumbnails, the page image, zoom and rotation.
    thumbs = page.locator(".thumb")
    assert thumbs.count() >= 2
    thumbs.nth(1).click()
    wait_for_page_image(page)
    page.get_by_role("button", name="＋ 拡大").click()
    page.get_by_role("button", name="⟳ 回転").click()
    assert page.inner_text("#zoom-level") == "125%・90°"
    page.get_by_role("button", name="元に戻す").click()
    thumbs.nth(0).click()
    wait_for_page_image(page)
    name_row = page.locator("tr[data-field='name']")
    assert "一致" in name_row.inner_text()  # the declared name was read on the identity document
    shot(page, "02-case")

    # Correct a field, with a reason.
    phone = page.locator("tr[data-field='phone']")
    phone.get_by_text("訂正", exact=True).click()
    phone.get_by_label("訂正後").fill("03-9999-0000")
    phone.get_by_label("理由").fill("電話で本人に確認")
    phone.get_by_role("button", name="訂正する").click()
    page.wait_for_url("**?done=corrected")
    assert "03-9999-0000" in page.locator("tr[data-field='phone']").inner_text()
    assert "訂正済" in page.locator("tr[data-field='phone']").inner_text()

    # Return it with reason codes: the applicant is told what to fix.
    form = page.get_by_test_id("decision-form")
    form.get_by_label("差戻し").check()
    form.get_by_label("本人確認書類が不鮮明").check()
    form.get_by_label("理由・コメント（却下は必須）").fill("運転免許証の裏面も添付してください。")
    form.get_by_role("button", name="登録する").click()
    page.wait_for_url("**?done=returned")
    assert page.get_by_test_id("status").inner_text() == "差戻し中"

    # The applicant answers through the internet API: the same case resumes.
    r = httpx.post(f"{live_server}/api/v1/applications/{number}/documents", files=[new_proof()], timeout=60,
                   headers=secret_headers(number))
    assert r.status_code == 200 and r.json()["application_number"] == number
    drain_pipeline()
    assert status_of(number) == "awaiting_review"

    # First approval: the correction makes it a four-eyes case.
    page.goto("/queue?claimed=free&kind=worker_registration")
    page.locator(f"tr[data-number='{number}']").get_by_role("button", name="担当する").click()
    page.wait_for_url(f"**/cases/{number}?done=claimed")
    assert "二者承認が必要です" in page.inner_text(".decision")
    page.get_by_test_id("decision-form").get_by_label("一次承認").check()
    page.get_by_test_id("decision-form").get_by_role("button", name="登録する").click()
    page.wait_for_url("**?done=first_approved")
    assert page.get_by_test_id("status").inner_text() == "二次承認待ち"

    # The first approver cannot approve again: the server refuses.
    page.get_by_role("button", name="担当する").click()
    page.get_by_test_id("decision-form").get_by_label("二次承認").check()
    page.get_by_test_id("decision-form").get_by_role("button", name="登録する").click()
    assert "別の担当者" in page.get_by_test_id("error").inner_text()
    shot(page, "03-four-eyes-refused")
    assert status_of(number) == "awaiting_second_approval"
    page.goto(f"/cases/{number}")
    page.get_by_role("button", name="担当を解除").click()

    # A second reviewer approves.
    other = signed_in_page(browser, live_server, second)
    other.goto("/queue?status=awaiting_second_approval&kind=worker_registration")
    other.locator(f"tr[data-number='{number}']").get_by_role("button", name="担当する").click()
    other.get_by_test_id("decision-form").get_by_label("二次承認").check()
    other.get_by_test_id("decision-form").get_by_role("button", name="登録する").click()
    other.wait_for_url("**?done=approved")
    assert other.get_by_test_id("status").inner_text() == "承認"
    history = other.get_by_test_id("history").inner_text()
    assert "一次承認" in history and "二次承認" in history and "閲覧" in history
    shot(other, "04-case-approved")
    assert status_of(number) == "approved"


def test_a_clerk_cannot_review_or_decide(browser: Any, live_server: str, shot: Any) -> None:
    clerk = new_user("clerk", "madoguchi")
    number = queued_case()
    page = signed_in_page(browser, live_server, clerk)
    page.wait_for_url("**/counter")
    page.get_by_label("申請番号").fill(number)
    page.get_by_role("button", name="照会").click()
    assert page.get_by_test_id("status").inner_text() == "審査待ち"
    shot(page, "05-counter")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.content()).group(1)  # type: ignore[union-attr]

    response = page.goto(f"/cases/{number}")
    assert response is not None and response.status == 403
    assert "権限" in page.get_by_test_id("error").inner_text()
    refused = page.request.post(f"/cases/{number}/decision", form={"decision": "approve", "csrf_token": token})
    assert refused.status == 403
    assert status_of(number) == "awaiting_review"


def test_supervisor_dashboard_draws_its_charts(browser: Any, live_server: str, shot: Any) -> None:
    boss = new_user("supervisor", "kantoku")
    page = signed_in_page(browser, live_server, boss)
    page.goto("/dashboard")
    assert int(page.get_by_test_id("backlog").inner_text()) >= 1
    assert page.locator("svg.chart rect").count() >= 5
    # Japanese text is drawn with the served font, not tofu.
    assert page.evaluate("document.fonts.load('16px IPAexGothic', '審査').then(f => f.length)") >= 1
    shot(page, "06-dashboard")
    page.goto("/login")
    shot(page, "00-login")
