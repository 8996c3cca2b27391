"""The counter (窓口受付) as a clerk uses it, in Chromium: sign in, key a worker's application in with
the desk scanner's scans, see the internet channel's Japanese message next to a wrong field with
everything keyed in kept, fix it and get the 申請番号; and a supervisor who took a case in at the
counter refused its approval."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from ccus.infra.db import unit_of_work
from ccus.models.tables import Application
from tests.support.counter import flatten
from tests.support.web import drain_pipeline, new_user, signed_in_page, worker_sample

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def case_of(number: str) -> Application:
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(Application.application_number == number)).one()
        session.expunge(app)
        return app


def field(page: Any, path: str) -> Any:
    return page.locator(f'[name="application.{path}"]')


SELECTS = {"application.sex", "application.health_insurance.kind", "application.pension", "application.tier",
           "application.identity_document_type"}


def key_in_worker(page: Any, data: dict[str, Any]) -> None:
    """Type a worker's declared data into the counter form, field by field, the way the clerk does."""
    for path, value in flatten(data).items():
        if path in SELECTS:
            page.locator(f'[name="{path}"]').select_option(value)
        else:
            page.locator(f'[name="{path}"]').fill(value)


def attach(page: Any, sample: Any, *roles: str) -> None:
    for role in roles:
        f = next(f for f in sample.files if f.role == role)
        page.set_input_files(f'[name="attachments.{role}"]',
                             files=[{"name": f.filename, "mimeType": f.content_type, "buffer": f.data}])


def test_a_clerk_keys_in_a_worker_fixes_a_wrong_field_and_gets_the_application_number(
        browser: Any, live_server: str, shot: Any) -> None:
    clerk = new_user("clerk", "madoguchi")
    sample = worker_sample()
    page = signed_in_page(browser, live_server, clerk, width=1280)
    page.wait_for_url("**/counter")
    page.get_by_test_id("counter-new").click()
    page.get_by_label("申請種別").select_option(label="技能者情報登録申請（本人申請）")
    page.get_by_role("button", name="入力へ進む").click()
    page.wait_for_url("**/counter/new?kind=worker_registration")

    # Keyed in with the reading in hiragana: the form comes back with the API's message beside it.
    key_in_worker(page, sample.data)
    field(page, "name_kana").fill("やまだ たろう")
    attach(page, sample, "face_photo", "identity_document")
    page.get_by_role("button", name="この内容で受け付ける").click()
    row = page.locator('[data-field="application.name_kana"]')
    assert "全角カタカナで入力してください。" in row.locator(".field-error").inner_text()
    assert "1件" in page.get_by_test_id("form-errors").inner_text()
    assert field(page, "name").input_value() == sample.data["name"]  # what was keyed in is kept
    assert field(page, "birth_date").input_value() == sample.data["birth_date"]
    assert field(page, "health_insurance.kind").input_value() == "association"
    assert "photo.jpg" in page.get_by_test_id("reattach").inner_text()
    shot(page, "07-counter-intake-error")

    # Fixed, the scans chosen again, submitted: the 申請番号 for the applicant.
    field(page, "name_kana").fill(sample.data["name_kana"])
    attach(page, sample, "face_photo", "identity_document")
    page.get_by_role("button", name="この内容で受け付ける").click()
    page.wait_for_url("**/counter/received/*")
    number = page.get_by_test_id("application-number").inner_text().strip()
    assert page.get_by_test_id("received-by").inner_text() == clerk
    shot(page, "08-counter-intake-received")
    app = case_of(number)
    assert (app.channel, app.received_by, app.kind) == ("counter", clerk, "worker_registration")
    assert app.declared["name_kana"] == sample.data["name_kana"]

    # The counter look-up finds it.
    page.goto(f"/counter?number={number}")
    assert page.get_by_test_id("status").is_visible()


def test_a_supervisor_who_took_a_case_in_at_the_counter_is_refused_its_approval(
        browser: Any, live_server: str, shot: Any) -> None:
    boss = new_user("supervisor", "kakarichou")
    sample = worker_sample()
    page = signed_in_page(browser, live_server, boss, width=1280)
    page.wait_for_url("**/queue")
    page.get_by_role("link", name="窓口受付").click()
    page.get_by_label("申請種別").select_option("worker_registration")
    page.get_by_role("button", name="入力へ進む").click()
    key_in_worker(page, sample.data)
    attach(page, sample, "face_photo", "identity_document")
    page.get_by_role("button", name="この内容で受け付ける").click()
    page.wait_for_url("**/counter/received/*")
    number = page.get_by_test_id("application-number").inner_text().strip()

    drain_pipeline()
    assert case_of(number).status == "awaiting_review"
    page.goto(f"/cases/{number}")
    page.get_by_role("button", name="担当する").click()
    page.wait_for_url(f"**/cases/{number}?done=claimed")
    assert boss in page.get_by_test_id("received-by").inner_text()
    page.get_by_test_id("decision-form").get_by_label("承認", exact=True).check()
    page.get_by_test_id("decision-form").get_by_role("button", name="登録する").click()
    assert "窓口で受け付けた職員" in page.get_by_test_id("error").inner_text()
    shot(page, "09-counter-receiver-refused")
    assert case_of(number).status == "awaiting_review"
