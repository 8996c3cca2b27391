"""models/evidence: the field → evidence table and the matchers, used by validation and the case screen."""

from __future__ import annotations

import pytest

from ccus.models.evidence import (
    EVIDENCE,
    DocumentText,
    birth_date_in_text,
    corporate_number_in_text,
    evidence_for,
    match_evidence,
    name_in_text,
)

ID_TEXT = "運転免許証\n氏名　山田　太郎　　平成２年７月１日生\n住所 東京都千代田区丸の内１－１－１"


@pytest.mark.parametrize(("text", "name", "found"), [
    (ID_TEXT, "山田 太郎", True),  # spaces of either width ignored
    (ID_TEXT, "山田太郎", True),
    ("氏名 髙橋一郎", "高橋 一郎", False),  # 字体 kept: 髙 is not 高
    ("氏名 高橋一郎", "高橋 一郎", True),
    ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ", True),  # half-width katakana folds to full width
    ("やまだ たろう", "ヤマダ タロウ", False),  # hiragana is another spelling: not folded
    (ID_TEXT, "", False),  # an empty value is never found
    (ID_TEXT, None, False),
])
def test_name_in_text(text: str, name: str | None, found: bool) -> None:
    assert name_in_text(text, name) is found


@pytest.mark.parametrize(("text", "found"), [
    ("生年月日 1990年7月1日", True),
    ("生年月日 １９９０年７月１日", True),  # full-width digits fold
    ("平成2年7月1日生", True),
    ("平成２年７月１日生", True),
    ("19900701", True),
    ("1990/07/01", True),  # separators dropped: 19900701
    ("昭和65年7月1日", False),
    ("1990年7月2日", False),
])
def test_birth_date_in_text(text: str, found: bool) -> None:
    assert birth_date_in_text(text, "1990-07-01") is found


def test_era_boundaries_and_first_years() -> None:
    assert birth_date_in_text("令和元年5月1日", "2019-05-01")
    assert not birth_date_in_text("平成31年5月1日", "2019-05-01")
    assert birth_date_in_text("平成31年4月30日", "2019-04-30")
    assert birth_date_in_text("平成元年1月8日", "1989-01-08")
    assert birth_date_in_text("昭和64年1月7日", "1989-01-07")


def test_a_birth_date_that_is_no_date_cannot_be_looked_for() -> None:
    assert birth_date_in_text(ID_TEXT, None) is None
    assert birth_date_in_text(ID_TEXT, "平成2年") is None


def test_the_registry_extract_prints_the_corporate_number_without_its_check_digit() -> None:
    assert corporate_number_in_text("会社法人等番号 0100-01-123456", "7010001123456")
    assert corporate_number_in_text("法人番号 7010001123456", "7010001123456")
    assert not corporate_number_in_text("会社法人等番号 0100-01-123457", "7010001123456")
    assert not corporate_number_in_text("会社法人等番号", "")


def test_the_table_names_which_document_evidences_which_field() -> None:
    name = evidence_for("worker_registration", "name")
    assert name is not None and name.roles == ("identity_document", "worker_consent")
    assert evidence_for("proxy_worker_registration", "birth_date") == evidence_for("worker_registration", "birth_date")
    extract = evidence_for("business_registration", "trade_name")
    assert extract is not None and extract.roles == ("registry_extract",)
    assert evidence_for("business_registration", "phone") is None
    assert evidence_for("worker_registration", "trade_name") is None
    # the validation stage flags the first rows of each group, in this order
    assert [e.flag_code for e in EVIDENCE["business"] if e.flag_code] == [
        "corporate_number_not_in_extract", "trade_name_not_in_extract"]
    assert [e.flag_code for e in EVIDENCE["person"] if e.flag_code] == [
        "identity_name_mismatch", "identity_birth_date_mismatch"]


def test_match_evidence_finds_the_first_document_that_shows_the_value() -> None:
    docs = [DocumentText(1, "identity_document", "氏名 山田花子", 55.0),
            DocumentText(2, "worker_consent", "技能者氏名 山田太郎", 91.0),
            DocumentText(3, "face_photo", "山田太郎", 99.0)]
    found = match_evidence("proxy_worker_registration", "name", "山田 太郎", docs)
    assert (found.result, found.role, found.confidence) == ("match", "worker_consent", 91.0)
    missing = match_evidence("proxy_worker_registration", "name", "佐藤 一郎", docs)
    assert (missing.result, missing.role, missing.confidence) == ("mismatch", "identity_document", 55.0)


def test_match_evidence_checks_nothing_without_a_value_a_row_or_a_readable_document() -> None:
    docs = [DocumentText(1, "identity_document", "", 10.0), DocumentText(2, "registry_extract", "山田太郎", 90.0)]
    assert match_evidence("worker_registration", "name", "山田太郎", docs).result == ""  # no text on its document
    assert match_evidence("worker_registration", "name", "", docs).result == ""
    assert match_evidence("worker_registration", "phone", "0312345678", docs).result == ""
    bad_date = match_evidence("worker_registration", "birth_date", "not-a-date",
                              [DocumentText(1, "identity_document", ID_TEXT)])
    assert bad_date.result == "mismatch"
