from datetime import date, timedelta

import pytest

from ccus.models.japanese import (
    is_katakana_reading,
    normalize_digits,
    normalize_phone,
    normalize_text,
)
from ccus.models.japanese import parse_japanese_date as parse


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ　１２３", "ABC 123"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
        ("ｶﾞｲｺｸｼﾞﾝ", "ガイコクジン"),
        ("ヤマダ　タロウ", "ヤマダ タロウ"),
        ("  山田 \t\n  太郎  ", "山田 太郎"),
        ("Ｓｍｉｔｈ，　Ｊｏｈｎ", "Smith, John"),
    ],
)
def test_normalize_text_folds_width_but_keeps_katakana_full_width(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_normalize_text_is_idempotent() -> None:
    for raw in ["ＡＢＣ　１２３", "ﾔﾏﾀﾞ ﾀﾛｳ", " a  b ", "株式会社　カ゛"]:
        once = normalize_text(raw)
        assert normalize_text(once) == once


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("０３－１２３４－５６７８", "0312345678"), (" 12 34\u300056 ", "123456"), ("100ー0013", "1000013")],
)
def test_normalize_digits_folds_width_and_drops_separators(raw: str, expected: str) -> None:
    assert normalize_digits(raw) == expected


@pytest.mark.parametrize(
    "reading", ["ヤマダ タロウ", "ヤマダ\u3000タロウ", "ジョン・スミス", "コーヒー", "ヴァン"]
)
def test_full_width_katakana_is_a_reading(reading: str) -> None:
    assert is_katakana_reading(reading)


@pytest.mark.parametrize("text", ["やまだ", "ﾔﾏﾀﾞ", "山田", "YAMADA", "ヤマダ1", "", "   ", "ー・"])
def test_anything_else_is_not_a_reading(text: str) -> None:
    assert not is_katakana_reading(text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-04-01", date(2024, 4, 1)),
        ("2024/4/1", date(2024, 4, 1)),
        ("2024年4月1日", date(2024, 4, 1)),
        ("２０２４年４月１日", date(2024, 4, 1)),
        ("令和6年4月1日", date(2024, 4, 1)),
        ("令和 ６年 ４月 １日", date(2024, 4, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("R6.4.1", date(2024, 4, 1)),
        ("r6.4.1", date(2024, 4, 1)),
        ("H31.5.1", date(2019, 5, 1)),
        ("平成31年5月1日", date(2019, 5, 1)),
        ("平成32年1月1日", date(2020, 1, 1)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("S50.12.31", date(1975, 12, 31)),
        ("大正元年7月30日", date(1912, 7, 30)),
        ("明治45年7月29日", date(1912, 7, 29)),
        ("㍻2年3月4日", date(1990, 3, 4)),
    ],
)
def test_parse_japanese_date_reads_western_and_era_forms(raw: str, expected: date) -> None:
    assert parse(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("令和元年4月30日", "令和の開始日"),
        ("平成元年1月7日", "平成の開始日"),
        ("大正元年7月29日", "大正の開始日"),
        ("昭和64年1月8日", "昭和の最終日"),
        ("2024-02-30", "存在しない日付"),
        ("令和5年2月29日", "存在しない日付"),
        ("2024/04-01", "形式"),
        ("令和6年4月", "形式"),
        ("X6.4.1", "形式"),
        ("", "形式"),
    ],
)
def test_parse_japanese_date_rejects_bad_dates_in_japanese(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse(raw)


def test_every_era_starts_on_its_first_day_and_not_the_day_before() -> None:
    for era, letter, first_day in [
        ("大正", "T", date(1912, 7, 30)),
        ("昭和", "S", date(1926, 12, 25)),
        ("平成", "H", date(1989, 1, 8)),
        ("令和", "R", date(2019, 5, 1)),
    ]:
        before = first_day - timedelta(days=1)
        assert parse(f"{era}元年{first_day.month}月{first_day.day}日") == first_day
        assert parse(f"{letter}1.{first_day.month}.{first_day.day}") == first_day
        with pytest.raises(ValueError):
            parse(f"{era}元年{before.month}月{before.day}日")


def test_era_and_western_forms_agree_over_three_decades() -> None:
    day = date(1989, 1, 8)
    while day < date(2031, 1, 1):
        era, first_year = ("平成", 1988) if day < date(2019, 5, 1) else ("令和", 2018)
        era_year = day.year - first_year
        assert parse(f"{era}{era_year}年{day.month}月{day.day}日") == day
        assert parse(f"{day.year}/{day.month}/{day.day}") == day
        assert parse(day.isoformat()) == day
        day += timedelta(days=37)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("03-1234-5678", "03-1234-5678"),
        ("０９０－１２３４－５６７８", "090-1234-5678"),
        ("0312345678", "0312345678"),
        ("03(1234)5678", "03-1234-5678"),
        ("(03) 1234-5678", "03-1234-5678"),
        ("090ー1234ー5678", "090-1234-5678"),
        ("+81-90-1234-5678", "090-1234-5678"),
        ("+81 3 1234 5678", "0312345678"),
        ("+81 (0)3 1234 5678", "0312345678"),
        ("+81-03-1234-5678", "03-1234-5678"),
        ("0-3-1234-5678", "0312345678"),
        ("03--1234-5678", "0312345678"),
        ("0120-123-456", "0120-123-456"),
    ],
)
def test_normalize_phone_keeps_sensible_hyphens_else_returns_digits(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw", ["1234567890", "031234567", "031234567890", "0012345678", "03-1234-567a", "", "内線123"]
)
def test_normalize_phone_rejects_non_japanese_numbers_in_japanese(raw: str) -> None:
    with pytest.raises(ValueError, match="電話番号"):
        normalize_phone(raw)
