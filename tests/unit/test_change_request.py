"""The change / withdrawal form's free text and name check (models/change_request)."""

from __future__ import annotations

from ccus.models.change_request import REQUEST_KINDS, parse_details, same_name


def test_items_are_found_by_their_printed_names_whatever_the_width_and_separators() -> None:
    read = "所在地:東京都港区芝公園4丁目2番8号電話番号: 03-5555-1234"  # as OCR returns it: no spaces
    assert parse_details(read) == {"address": "東京都港区芝公園4丁目2番8号", "phone": "03-5555-1234"}
    assert parse_details("商号：株式会社新見本、資本金　２０，０００，０００円") == {
        "trade_name": "株式会社新見本", "capital_yen": 20_000_000}


def test_the_longest_name_wins_and_a_later_mention_replaces_an_earlier_one() -> None:
    assert parse_details("代表者名（フリガナ）ミホン ジロウ 代表者名 見本 次郎") == {
        "representative_name_kana": "ミホン ジロウ", "representative_name": "見本 次郎"}
    assert parse_details("電話 03-1111-2222 電話番号 03-3333-4444") == {"phone": "03-3333-4444"}


def test_text_without_an_item_name_or_value_gives_nothing() -> None:
    assert parse_details("よろしくお願いします") == {}
    assert parse_details("所在地：") == {}
    assert parse_details("") == {}


def test_names_compare_folded_and_the_request_kinds_are_the_lifecycle_kinds() -> None:
    assert same_name("㈱見本建設", "株式会社見本建設") and same_name("株式会社 見本建設", "株式会社見本建設")
    assert not same_name("株式会社別名工務店", "株式会社見本建設") and not same_name("", "株式会社見本建設")
    assert {k.value for k in REQUEST_KINDS.values()} == {"business_change", "business_withdrawal"}


# The evidence of a change (models/lifecycle.CHANGE_EVIDENCE) -------------------------------------

def test_a_new_licence_number_needs_the_permit_scan_and_its_deletion_none() -> None:
    from ccus.models.application_types import DocumentRole
    from ccus.models.lifecycle import (
        CHANGE_EVIDENCE,
        CHANGEABLE_ITEMS,
        CHANGED_ELSEWHERE,
        evidence_needed,
        missing_evidence,
    )

    assert all(DocumentRole(role) for role in CHANGE_EVIDENCE.values())
    assert set(CHANGE_EVIDENCE) <= set(CHANGEABLE_ITEMS)
    assert {"licence_number", "email"} <= set(CHANGEABLE_ITEMS)
    assert "admin_id_count" in CHANGED_ELSEWHERE and "admin_id_count" not in CHANGEABLE_ITEMS
    assert evidence_needed({"licence_number": "東京都知事許可(般-30)第123号"}) == {"licence_number": "licence_copy"}
    assert evidence_needed({"licence_number": None, "email": "a@example.jp"}) == {}
    missing = missing_evidence({"licence_number": "x", "phone": "03-1234-5678"}, set())
    assert list(missing) == ["licence_number"] and "建設業許可通知書の写し" in missing["licence_number"]
    assert missing_evidence({"licence_number": "x"}, {"licence_copy"}) == {}


def test_the_paper_form_carries_a_licence_number_and_an_email_address() -> None:
    from ccus.models.change_request import parse_details

    found = parse_details("建設業許可番号：東京都知事許可（般-30）第123号　メールアドレス：info@example.jp")
    assert found == {"licence_number": "東京都知事許可(般-30)第123号", "email": "info@example.jp"}
    assert parse_details("許可番号 国土交通大臣許可(特-5)第012345号") == {"licence_number": "国土交通大臣許可(特-5)第012345号"}
