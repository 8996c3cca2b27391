"""The characters a text field accepts (models.text_rules), and the declared models applying them."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ccus import sample_applications as samples
from ccus.models.declared import BusinessRegistration, Worker
from ccus.models.errors import from_validation_error, path_of
from ccus.models.text_rules import first_forbidden, forbidden_character, printable

HOSTILE = {
    "NUL": "山田\x00太郎",
    "ESC": "山田\x1b[31m",
    "DEL": "山田\x7f",
    "C1 NEL": "山田\x85",
    "bidi override U+202E": "\u202e郎太田山",
    "bidi embedding U+202A": "山田\u202a太郎",
    "bidi isolate U+2066": "山田\u2066太郎",
    "left-to-right mark": "山田\u200e",
    "zero-width space": "山\u200b田",
    "zero-width joiner": "山\u200d田",
    "word joiner": "山\u2060田",
    "BOM": "\ufeff山田",
    "soft hyphen": "山\xad田",
    "line separator": "山\u2028田",
    "lone surrogate": "山\ud800田",
    "private use (外字)": "山\ue000田",
    "unassigned": "山\u0378田",
    "tag character": "山\U000e0041田",
}

ACCEPTED = [
    "山田 太郎", "ヤマダ タロウ", "ｶﾞｲｺｸｼﾞﾝ", "髙橋 﨑", "葛\U000e0100城",  # an IVS (異体字セレクタ) is a real name
    "東京都千代田区霞が関1丁目3番2号 郵便プラザ503室", "Smith, John", "①㈱～", "𠮷野家", "O'Brien-Ünal",
]


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_what_no_japanese_name_contains_is_refused_with_its_code_point(text: str) -> None:
    reason = forbidden_character(text)
    assert reason is not None
    bad = next(ch for ch in text if ch not in "山田太郎[31m")
    assert f"U+{ord(bad):04X}" in reason and "使用できない文字" in reason


@pytest.mark.parametrize("text", ACCEPTED)
def test_names_and_addresses_pass(text: str) -> None:
    assert forbidden_character(text) is None


def test_tab_and_line_breaks_only_in_multi_line_fields() -> None:
    for text in ("一行目\n二行目", "理由\t詳細", "一行目\r\n二行目"):
        assert forbidden_character(text) is not None
        assert forbidden_character(text, multiline=True) is None
    assert forbidden_character("一行目\n\u202e", multiline=True) is not None


def test_the_reason_names_the_position_and_the_kind() -> None:
    assert forbidden_character("ab\u202ec") == "使用できない文字（3文字目 U+202E：文字の向きを変える制御文字）が含まれています。"
    assert "ゼロ幅文字" in (forbidden_character("a\u200bb") or "")


def test_first_forbidden_finds_keys_and_nested_values_without_repeating_a_bad_key() -> None:
    assert first_forbidden({"a": ["ok", {"b": "x\x00"}]}) == (("a", 1, "b"), forbidden_character("x\x00", multiline=True))
    path, reason = first_forbidden({"ok": {"bad\ud800": 1}}) or ((), "")
    assert path == ("ok",) and reason.startswith("項目名に")
    assert first_forbidden({"a": 10**40, "b": [True, None, "改行\nあり"]}) is None


def test_printable_replaces_refused_characters() -> None:
    assert printable("a\ud800b\x00") == "a\ufffdb\ufffd"
    assert path_of(("body", "changes", "x\ud800")) == "body.changes.x\ufffd"


def _errors(model: Any, data: dict[str, Any]) -> dict[str, tuple[str, str]]:
    with pytest.raises(ValidationError) as exc:
        model.model_validate(data)
    return {e.path: (e.code, e.message) for e in from_validation_error(exc.value)}


@pytest.mark.parametrize("field", ["name", "address", "trade", "nationality", "phone", "postcode"])
def test_every_declared_text_field_refuses_a_bidi_override_naming_the_field(field: str) -> None:
    data = dict(samples.worker().data, **{field: "東京\u202e都"})
    code, message = _errors(Worker, data)[f"application.{field}"]
    assert code == "forbidden_character" and "U+202E" in message


def test_nested_and_list_fields_are_checked_too() -> None:
    data = samples.business().data
    bad = dict(data, trades=["とび工", "土工\x00"], registrant={**data["registrant"], "name": "見本\u200b一郎"})
    errors = _errors(BusinessRegistration, bad)
    assert errors["application.trades.1"][0] == "forbidden_character"
    assert errors["application.registrant.name"][0] == "forbidden_character"


def test_a_newline_in_a_name_is_refused_not_folded_into_a_space() -> None:
    errors = _errors(Worker, dict(samples.worker().data, name="山田\n太郎"))
    assert errors["application.name"][0] == "forbidden_character"


@pytest.mark.parametrize("value", [True, False, 3.5, "3年", 10**40])
def test_years_of_experience_are_a_number_never_a_boolean(value: Any) -> None:
    errors = _errors(Worker, dict(samples.worker().data, experience_years=value))
    assert "application.experience_years" in errors


def test_years_of_experience_as_a_number_or_its_digits() -> None:
    assert Worker.model_validate(dict(samples.worker().data, experience_years=3)).experience_years == 3
    assert Worker.model_validate(dict(samples.worker().data, experience_years="3")).experience_years == 3


def test_capital_and_admin_id_count_refuse_booleans() -> None:
    data = samples.business().data
    errors = _errors(BusinessRegistration, dict(data, capital_yen=True, admin_id_count=True))
    assert errors["application.capital_yen"][0] == "int_type"
    assert errors["application.admin_id_count"][0] == "int_type"
