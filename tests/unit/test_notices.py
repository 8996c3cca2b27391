"""E-mail texts: IDs and passwords never share a message; the security code is never e-mailed."""

from __future__ import annotations

import re

import pytest

from ccus.models.notices import (
    business_id_notice,
    business_password_notice,
    honorific_for,
    rejection_notice,
    return_for_correction_notice,
    worker_id_notice,
    worker_password_notice,
)

TRADE = "株式会社山田建設"
BUSINESS_ID = "12345678901234"
ADMIN_IDS = ("12345678901234", "12345678901241", "12345678901258")
PASSWORD = "Xk7#pQ2m9Lw"
SECURITY_CODE = "9073"
APP = "B-25-000123-K"
URL = "https://portal.ccus.example.jp/login"

WORKER = "鈴木 一郎"
WORKER_ID = "98765432109876"


def _text(notice: tuple[str, str]) -> str:
    subject, body = notice
    return subject + "\n" + body


def test_business_id_notice_has_ids_and_no_password() -> None:
    subject, body = business_id_notice(TRADE, BUSINESS_ID, ADMIN_IDS, APP, URL)
    assert "事業者ID" in subject and APP in subject
    for value in (TRADE, BUSINESS_ID, *ADMIN_IDS, APP, URL):
        assert value in body
    assert f"{TRADE} 御中" in body
    assert "登録責任者" in body
    text = _text((subject, body))
    assert PASSWORD not in text
    assert SECURITY_CODE not in text
    assert "別のメール" in body and "圧着はがき" in body


def test_business_password_notice_has_password_and_no_id_or_code() -> None:
    notice = business_password_notice(TRADE, PASSWORD, "4月10日発送の圧着はがき", APP, URL)
    subject, body = notice
    assert "パスワード" in subject and APP in subject
    assert PASSWORD in body and URL in body
    text = _text(notice)
    for secret in (BUSINESS_ID, *ADMIN_IDS, SECURITY_CODE):
        assert secret not in text
    assert not re.search(r"\d{14}", text)  # no 14-digit ID of any kind
    assert "4月10日発送の圧着はがき" in body
    assert "セキュリティコード" in body and "本メールには記載しておりません" in body
    assert "初期パスワードを必ず変更" in body


def test_business_password_notice_default_hint_and_refuses_a_code_as_hint() -> None:
    _subject, body = business_password_notice(TRADE, PASSWORD, "", APP, URL)
    assert "別途郵送する圧着はがき" in body
    _subject, body = business_password_notice(TRADE, PASSWORD, "圧着はがきに記載", APP, URL)
    assert "圧着はがきに記載しております" in body and "記載に記載" not in body
    _subject, body = business_password_notice(TRADE, PASSWORD, "2025年4月10日発送の圧着はがき", APP, URL)
    assert "2025年4月10日発送の圧着はがきに記載" in body
    with pytest.raises(ValueError):
        business_password_notice(TRADE, PASSWORD, SECURITY_CODE, APP, URL)
    with pytest.raises(ValueError):
        business_password_notice(TRADE, PASSWORD, "９０７３", APP, URL)
    with pytest.raises(ValueError):
        business_password_notice(TRADE, PASSWORD, "コード9073", APP, URL)
    with pytest.raises(ValueError):
        business_password_notice(TRADE, "  ", "", APP, URL)


def test_business_id_notice_requires_admin_ids() -> None:
    with pytest.raises(ValueError):
        business_id_notice(TRADE, BUSINESS_ID, (), APP, URL)


def test_worker_notices_are_split_too() -> None:
    id_notice = worker_id_notice(WORKER, WORKER_ID, APP, URL)
    pw_notice = worker_password_notice(WORKER, PASSWORD, APP, URL)
    assert WORKER_ID in id_notice[1] and f"{WORKER} 様" in id_notice[1]
    assert PASSWORD not in _text(id_notice)
    assert PASSWORD in pw_notice[1]
    assert WORKER_ID not in _text(pw_notice)
    assert "裏面" in pw_notice[1] and "セキュリティコード" in pw_notice[1]
    assert "建設キャリアアップカード" in id_notice[1]
    for notice in (id_notice, pw_notice):
        assert APP in notice[0] and APP in notice[1] and URL in notice[1]


def test_return_for_correction_lists_reasons() -> None:
    reasons = ["顔写真が不鮮明です。", "健康保険証の記号・番号がマスキングされていません。"]
    subject, body = return_for_correction_notice(WORKER, APP, reasons)
    assert "不備" in subject and APP in subject
    assert "1. 顔写真が不鮮明です。" in body
    assert "2. 健康保険証の記号・番号がマスキングされていません。" in body
    assert "同じ申請番号で再提出" in body
    with pytest.raises(ValueError):
        return_for_correction_notice(WORKER, APP, ["  "])


def test_rejection_notice_gives_reason() -> None:
    subject, body = rejection_notice(TRADE, APP, "代行申請同意書が確認できませんでした。")
    assert APP in subject and "審査結果" in subject
    assert "代行申請同意書が確認できませんでした。" in body
    assert f"{TRADE} 御中" in body
    with pytest.raises(ValueError):
        rejection_notice(TRADE, APP, "")


@pytest.mark.parametrize(
    ("name", "honorific"),
    [
        ("株式会社山田建設", "御中"),
        ("(株)山田", "御中"),
        ("㈱山田", "御中"),
        ("大林組", "御中"),
        ("山田工務店", "御中"),
        ("総務部", "御中"),
        ("鈴木 一郎", "様"),
        ("阿部 太郎", "様"),
        ("John Smith", "様"),
        ("鈴木 一郎 様", ""),
        ("株式会社山田建設 御中", ""),
    ],
)
def test_honorific(name: str, honorific: str) -> None:
    assert honorific_for(name) == honorific


def test_polite_closing_and_signature() -> None:
    for notice in (
        business_id_notice(TRADE, BUSINESS_ID, ADMIN_IDS, APP, URL),
        business_password_notice(TRADE, PASSWORD, "", APP, URL),
        worker_id_notice(WORKER, WORKER_ID, APP, URL),
        worker_password_notice(WORKER, PASSWORD, APP, URL),
        return_for_correction_notice(WORKER, APP, ["x"]),
        rejection_notice(WORKER, APP, "y"),
    ):
        subject, body = notice
        assert subject.startswith("【建設キャリアアップシステム】")
        assert "運営事務局" in body and "送信専用" in body
        assert body.endswith("\n")


# --------------------------------------------------------------------------------------------
# Payment


from datetime import date  # noqa: E402

from ccus.models.notices import (  # noqa: E402
    BANK_TRANSFER_DETAILS,
    payment_mismatch_notice,
    payment_request_notice,
)

WORKER_APP = "25-0000123-4"
BREAKDOWN = "技能者登録料（詳細型） 4,900円\n建設キャリアアップカード発行 2,500円"


def test_payment_request_notice() -> None:
    subject, body = payment_request_notice(WORKER, WORKER_APP, 7400, BREAKDOWN, date(2025, 5, 30))
    assert subject.startswith("【建設キャリアアップシステム】") and WORKER_APP in subject
    assert f"{WORKER} 様" in body
    assert "審査が完了" in body
    assert "7,400円" in body
    assert "　技能者登録料（詳細型） 4,900円\n　建設キャリアアップカード発行 2,500円" in body
    assert "2025年5月30日（金）" in body
    assert "振込" in body and BANK_TRANSFER_DETAILS in body
    assert "申請番号「2500001234」" in body  # payer reference: the application number, digits only
    assert "お支払いの確認後に、IDを発行" in body
    assert not re.search(r"\d{14}", body)  # no ID yet


def test_payment_request_without_deadline_and_for_a_business() -> None:
    _, body = payment_request_notice(TRADE, APP, 1_200_000, "事業者登録料 1,200,000円")
    assert f"{TRADE} 御中" in body and "1,200,000円" in body
    assert "お支払い期限" not in body
    assert "申請番号「B25000123K」" in body


def test_bank_details_are_a_marked_placeholder() -> None:
    assert BANK_TRANSFER_DETAILS.startswith("【仮】") and "仮の口座情報" in BANK_TRANSFER_DETAILS


@pytest.mark.parametrize("amount", [0, -100, True])
def test_payment_request_refuses_non_positive_amounts(amount: int) -> None:
    with pytest.raises(ValueError):
        payment_request_notice(WORKER, WORKER_APP, amount, BREAKDOWN)


def test_payment_request_needs_a_breakdown() -> None:
    with pytest.raises(ValueError):
        payment_request_notice(WORKER, WORKER_APP, 7400, " \n ")


def test_payment_shortfall_asks_for_the_difference() -> None:
    subject, body = payment_mismatch_notice(WORKER, WORKER_APP, 7400, 4900)
    assert WORKER_APP in subject and f"{WORKER} 様" in body
    assert "7,400円" in body and "4,900円" in body and "2,500円（不足）" in body
    assert "差額のお振り込み" in body and BANK_TRANSFER_DETAILS in body and "2500001234" in body
    assert "保留" in body and "発行いたします" not in body and "発行しました" not in body


def test_payment_overpayment_is_refunded_after_contact() -> None:
    _, body = payment_mismatch_notice(TRADE, APP, 7400, 10_000)
    assert "2,600円（超過）" in body and "返金" in body and "ご連絡いたします" in body
    assert BANK_TRANSFER_DETAILS not in body  # nothing more to pay
    assert "保留" in body and "発行いたします" not in body


def test_payment_mismatch_needs_a_mismatch() -> None:
    with pytest.raises(ValueError):
        payment_mismatch_notice(WORKER, WORKER_APP, 7400, 7400)
    with pytest.raises(ValueError):
        payment_mismatch_notice(WORKER, WORKER_APP, 7400, 0)


def test_payment_notices_are_signed() -> None:
    for subject, body in (
        payment_request_notice(WORKER, WORKER_APP, 7400, BREAKDOWN),
        payment_mismatch_notice(WORKER, WORKER_APP, 7400, 4900),
    ):
        assert subject.startswith("【建設キャリアアップシステム】")
        assert "運営事務局" in body and body.endswith("\n")


# Issue 14's parties (models/party_notices.py) -------------------------------------------------

def test_the_filer_of_a_proxy_application_is_told_the_worker_and_id_but_no_secret() -> None:
    from ccus.models.party_notices import PROXY_COMPLETION_PAGES, proxy_registration_complete

    subject, body = proxy_registration_complete("元請建設株式会社", "山田 太郎", "10000000000017", "26-0000012-3")
    assert "26-0000012-3" in subject and "代行申請" in subject
    assert "元請建設株式会社 御中" in body and "山田 太郎" in body and "10000000000017" in body
    assert "パスワード：" not in body and PROXY_COMPLETION_PAGES == (10, 11)


def test_duplicate_resolutions_tell_the_applicant_the_outcome() -> None:
    from ccus.models.party_notices import duplicate_merged, duplicate_refunded

    subject, body = duplicate_refunded("山田 太郎", "26-0000012-3", 2500)
    assert "返金" in subject and "2,500円" in body and "山田 太郎 様" in body
    assert "お支払いはございません" in duplicate_refunded("山田 太郎", "26-0000012-3", 0)[1]
    subject, body = duplicate_merged("山田 太郎", "26-0000012-3")
    assert "統合" in subject and "26-0000012-3" in body and "技能者ID：" not in body
