"""The business portal's screens (事業者ポータル) as a business uses them, in Chromium, on a phone
(375 px) and on a PC: the first sign-in with the initial password, the forced change with the
security code (a wrong code shown next to its field, then the success message and signing in again),
the top page, a notice read, a 管理者ID added and suspended, its invoice unpaid then paid, and
sign-out — with no horizontal scrolling and the menu reachable by keyboard. Screenshots go under
the pytest basetemp (``portal-screens/``); their paths are printed."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ccus.infra.db import unit_of_work
from ccus.models.tables import AdminId
from ccus.services.billing import invoices
from ccus.services.billing.payments import import_payments
from ccus.services.registry.admin_ids import STATE_WORDS
from tests.support import lifecycle as make

pytestmark = [pytest.mark.integration, pytest.mark.browser]

NEW_PASSWORD = "Browser2026walk"
WRONG_CODE = "0000" if make.CODE != "0000" else "1111"


@pytest.fixture
def portal_shot(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """portal_shot(page, "name") saves a full-page screenshot under <basetemp>/portal-screens/."""
    folder = tmp_path_factory.getbasetemp() / "portal-screens"
    folder.mkdir(exist_ok=True)

    def save(page: Any, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        return path

    return save


def no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url}: {width}px wide in a {page.viewport_size['width']}px window"


def sign_in(page: Any, login_id: str, password: str) -> None:
    page.get_by_label("事業者ID または 管理者ID（14桁）").fill(login_id)
    page.get_by_label("パスワード").fill(password)
    page.keyboard.press("Enter")  # submitted from the keyboard


def tab_to(page: Any, name: str, presses: int = 20) -> None:
    """Tab from the page's start until the link ``name`` has the focus (keyboard reachable)."""
    page.locator("body").focus()
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == name:
            return
    raise AssertionError(f"{name} is not reachable with Tab")


@pytest.mark.parametrize("width", [375, 1280], ids=["phone", "pc"])
def test_a_business_signs_in_first_changes_its_password_and_uses_the_portal(
        browser: Any, live_server: str, portal_shot: Any, width: int) -> None:
    biz = make.business(admin_ids=2)
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 860}, locale="ja-JP")
    page = context.new_page()
    tag = f"{width}px"
    try:
        # サインイン: the portal sends an unsigned browser to its sign-in page.
        page.goto("/portal")
        page.wait_for_url("**/portal/login?next=*")
        no_horizontal_scroll(page)
        portal_shot(page, f"{tag}-01-login")
        sign_in(page, biz.business_id, "wrong-password1")
        assert page.get_by_test_id("error-password").inner_text() == "IDまたはパスワードが正しくありません。"
        assert page.get_by_label("事業者ID または 管理者ID（14桁）").input_value() == biz.business_id
        sign_in(page, biz.business_id, make.PASSWORD)

        # The forced first change (guide p. 13): new password, 「パスワード変更」, the code, 「確認」.
        page.wait_for_url("**/portal/password")
        assert page.get_by_test_id("must-change").is_visible()
        assert page.get_by_role("link", name="通知").count() == 0  # nothing else until it is changed
        code = page.get_by_label("セキュリティコード（圧着はがきに記載の4桁）")
        page.get_by_label("新しいパスワード", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("新しいパスワード（確認のためもう一度）").fill(NEW_PASSWORD)
        assert not code.is_visible()
        page.get_by_role("button", name="パスワード変更").click()
        assert code.is_visible()
        portal_shot(page, f"{tag}-02-security-code")
        code.fill(WRONG_CODE)
        page.get_by_role("button", name="確認").click()
        assert page.get_by_test_id("error-security_code").inner_text() == "セキュリティコードが正しくありません。"
        assert code.is_visible()  # the step stays open with its error next to the field
        no_horizontal_scroll(page)
        portal_shot(page, f"{tag}-03-wrong-code")
        page.get_by_label("新しいパスワード", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("新しいパスワード（確認のためもう一度）").fill(NEW_PASSWORD)
        code.fill(make.CODE)
        page.get_by_role("button", name="確認").click()
        assert page.get_by_test_id("changed").inner_text() == "パスワードの変更に成功しました。"
        portal_shot(page, f"{tag}-04-changed")
        page.get_by_role("link", name="ログイン画面へ").click()
        sign_in(page, biz.business_id, NEW_PASSWORD)

        # トップ
        page.wait_for_url(f"{live_server}/portal")
        assert page.get_by_test_id("business-id").inner_text() == biz.business_id
        assert page.get_by_test_id("trade-name").inner_text()
        assert page.get_by_test_id("unread-count").inner_text() == "1件"
        assert page.get_by_test_id("unpaid-count").inner_text() == "0件"
        assert "更新の受付は" in page.get_by_test_id("renewal").inner_text()
        no_horizontal_scroll(page)
        portal_shot(page, f"{tag}-05-top")

        # 通知: the menu reached by keyboard, the notice opened and marked read.
        tab_to(page, "通知")
        page.keyboard.press("Enter")
        page.wait_for_url("**/portal/notices")
        page.locator("ul.notices a", has_text="登録完了").first.click()
        assert "登録完了" in page.get_by_test_id("notice-title").inner_text()
        assert page.get_by_test_id("notice-state").inner_text() == "未読"
        page.get_by_role("button", name="既読にする").click()
        assert page.get_by_test_id("notice-state").inner_text() == "既読"
        assert page.get_by_test_id("done").inner_text() == "既読にしました。"
        no_horizontal_scroll(page)
        portal_shot(page, f"{tag}-06-notice")

        # 管理者ID: the 登録責任者 adds one and suspends the other.
        page.get_by_role("link", name="管理者ID", exact=True).click()
        page.get_by_role("button", name="管理者IDを追加する").click()
        added = page.get_by_test_id("added")
        assert "を追加しました" in added.inner_text()
        with unit_of_work() as session:
            ids = list(session.scalars(select(AdminId.admin_id).where(AdminId.business_pk == biz.pk)
                                       .order_by(AdminId.seq)))
        assert len(ids) == 3 and ids[2] in added.inner_text()
        row = page.locator(f'li[data-admin-id="{biz.admin_ids[1]}"]')
        row.get_by_role("button", name="利用停止").click()
        assert page.get_by_test_id(f"state-{biz.admin_ids[1]}").inner_text() == STATE_WORDS["suspended"]
        assert page.get_by_test_id("done").inner_text() == "管理者IDの利用を停止しました。"
        no_horizontal_scroll(page)
        portal_shot(page, f"{tag}-07-admin-ids")

        # 料金: the added ID's invoice unpaid with how to pay; paid once the bank's file is imported.
        page.get_by_role("link", name="料金", exact=True).click()
        (unpaid,) = invoices.unpaid_invoices(biz.business_id)
        number = unpaid["invoice_number"]
        assert number in page.get_by_test_id("unpaid").inner_text()
        assert "振込先" in page.content() and number.replace("-", "") in page.get_by_test_id("unpaid").inner_text()
        no_horizontal_scroll(page)
        portal_shot(page, f"{tag}-08-invoices-unpaid")
        report = import_payments(f"請求番号,金額,入金日\n{number},{unpaid['amount']},{date.today()}\n".encode())
        assert report.outcomes == {"matched": 1}
        page.reload()
        assert number in page.get_by_test_id("paid").inner_text()
        assert page.get_by_test_id("unpaid").inner_text() == "未払いの請求はありません。"
        portal_shot(page, f"{tag}-09-invoices-paid")

        # ログアウト
        page.get_by_role("button", name="ログアウト").click()
        page.wait_for_url("**/portal/login?done=portal_signed_out")
        assert page.get_by_test_id("done").inner_text() == "ログアウトしました。"
        page.goto("/portal")
        page.wait_for_url("**/portal/login?next=*")
    finally:
        context.close()
