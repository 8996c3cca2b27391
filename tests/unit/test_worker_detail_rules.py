"""The pure rules of workers' detailed registration: the known qualifications, the card level they
earn (a data-driven table), the declared items' validation, and the validation stage's flags on
qualifications and the employer a worker quotes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from ccus.models.checks import BusinessRecord, employer_flags, qualification_flags, validation_flags
from ccus.models.declared import Worker
from ccus.models.errors import from_validation_error
from ccus.models.evidence import DocumentText
from ccus.models.qualifications import (
    BLUE,
    CORE,
    GOLD,
    LEVEL_RULES,
    SILVER,
    WHITE,
    LevelRule,
    card_level,
    known_qualification,
)
from ccus.models.worker_details import QualificationChange

BASE: dict[str, Any] = {
    "name": "山田 太郎", "name_kana": "ヤマダ タロウ", "birth_date": "1985-04-12", "sex": "male",
    "postcode": "163-8001", "address": "東京都新宿区西新宿2丁目8番1号", "phone": "090-1234-5678", "trade": "鉄筋工",
    "health_insurance": {"kind": "association", "insurer_number": "01130012"}, "pension": "employees",
    "identity_document_type": "drivers_licence", "tier": "detailed",
}
CORE_Q = {"name": "登録鉄筋基幹技能者", "number": "TK-1", "obtained_on": "2019-06-01"}
EMPLOYER = "12345678901231"


def errors(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as exc:
        Worker.model_validate(data)
    return {e.path: e.message for e in from_validation_error(exc.value)}


def test_known_names_are_matched_across_width_and_spaces_and_unknown_ones_are_not() -> None:
    known = known_qualification("登録 鉄筋基幹技能者")
    assert known is not None and known.name == "登録鉄筋基幹技能者" and known.category == CORE
    assert known_qualification("１級建築施工管理技士") is not None
    assert known_qualification("宇宙飛行士") is None


def test_card_level_is_gold_for_a_registered_core_skilled_worker_and_white_otherwise() -> None:
    assert card_level(["登録鉄筋基幹技能者", "玉掛け技能講習"]) == GOLD
    assert card_level(["玉掛け技能講習", "1級建築施工管理技士"]) == WHITE
    assert card_level([]) == WHITE
    assert card_level(["宇宙飛行士"]) == WHITE  # an unknown name earns nothing


def test_no_source_gives_l2_or_l3_so_the_table_grants_none_but_the_rule_reads_any_table() -> None:
    assert [r.level for r in LEVEL_RULES] == [GOLD, SILVER, BLUE]
    assert all(not r.categories and not r.names and "no source" in r.source for r in LEVEL_RULES[1:])
    published = (LevelRule(GOLD, categories=frozenset({CORE})),
                 LevelRule(SILVER, names=frozenset({"1級型枠施工技能士"})),
                 LevelRule(BLUE, categories=frozenset({"skill_course"})))
    assert card_level(["１級型枠施工技能士", "玉掛け技能講習"], published) == SILVER
    assert card_level(["玉掛け技能講習"], published) == BLUE
    assert card_level(["登録型枠基幹技能者", "1級型枠施工技能士"], published) == GOLD


def test_a_detailed_registration_declares_its_items_and_names_are_stored_in_their_official_form() -> None:
    w = Worker.model_validate({**BASE, "qualifications": [{**CORE_Q, "name": "登録　鉄筋基幹技能者"}],
                               "careers": [{"employer_name": "見本建設", "trade": "鉄筋工", "from_date": "2010-04-01",
                                            "to_date": "2015-03-31"}],
                               "employer_items": {"pension_office_name": "見本建設", "pension_office_number": "１２３４５",
                                                  "kentaikyo_number": "123456789012"}})
    assert w.qualifications[0].name == "登録鉄筋基幹技能者"
    assert w.employer_items is not None and w.employer_items.pension_office_number == "12345"


@pytest.mark.parametrize(("change", "path", "words"), [
    ({"qualifications": [{**CORE_Q, "name": "宇宙飛行士"}]}, "application.qualifications.0.name", "一覧にありません"),
    ({"qualifications": [{**CORE_Q, "obtained_on": (date.today() + timedelta(days=1)).isoformat()}]},
     "application.qualifications.0.obtained_on", "取得日が未来"),
    ({"qualifications": [{**CORE_Q, "obtained_on": "1980-01-01"}]}, "application.qualifications.0.obtained_on",
     "生年月日より前"),
    ({"qualifications": [CORE_Q, {**CORE_Q, "number": "X"}]}, "application.qualifications.1.name", "重複"),
    ({"awards": [{"name": "表彰", "awarded_on": "2999-01-01"}]}, "application.awards.0.awarded_on", "受賞日が未来"),
    ({"health_checks": [{"kind": "general", "checked_on": "2999-01-01"}]}, "application.health_checks.0.checked_on",
     "受診日が未来"),
    ({"careers": [{"employer_name": "a社", "trade": "鉄筋工", "from_date": "2015-01-01", "to_date": "2010-01-01"}]},
     "application.careers.0.to_date", "開始日より前"),
    ({"tier": "basic", "awards": [{"name": "表彰", "awarded_on": "2020-01-01"}]}, "application.awards", "詳細型"),
    ({"employer_items": {"pension_office_number": "12345"}}, "application.employer_items.pension_office_name",
     "事業所名"),
    ({"employer_items": {"chutaikyo_number": "12345678901234567"}}, "application.employer_items.chutaikyo_number",
     "中退共"),
    ({"employer_items": {"linked_system": {"code": "グリーン", "name": "x", "personal_id": "1"}}},
     "application.employer_items.linked_system.code", "API連携"),
])
def test_bad_items_are_refused_naming_the_field_in_japanese(change: dict[str, Any], path: str, words: str) -> None:
    found = errors({**BASE, **change})
    assert path in found and words in found[path], found


def test_a_change_application_needs_at_least_one_qualification() -> None:
    with pytest.raises(ValidationError):
        QualificationChange.model_validate({"qualifications": []})
    assert QualificationChange.model_validate({"qualifications": [CORE_Q]}).qualifications[0].number == "TK-1"


def cert(text: str) -> dict[str, list[DocumentText]]:
    return {"qualification_certificate": [DocumentText(1, "qualification_certificate", text, 100.0)]}


def test_each_qualification_is_flagged_without_a_certificate_and_warned_when_the_certificate_does_not_show_it(
        ) -> None:
    crane = {"name": "玉掛け技能講習", "number": "T-88", "obtained_on": "2012-03-10"}
    declared = {"qualifications": [CORE_Q, crane]}
    missing = qualification_flags(declared, {})
    assert [(f.code, f.severity, f.field) for f in missing] == [
        ("qualification_certificate_missing", "block", "application.qualifications.0"),
        ("qualification_certificate_missing", "block", "application.qualifications.1")]
    shown = qualification_flags(declared, cert("登録鉄筋基幹技能者 登録証 登録番号 TK-1"))
    assert [(f.code, f.severity, f.field) for f in shown] == [
        ("qualification_not_in_certificate", "warn", "application.qualifications.1")]
    assert qualification_flags({}, {}) == []


def test_an_employer_id_not_registered_or_not_active_is_a_blocking_flag_on_the_field() -> None:
    registry = {EMPLOYER: BusinessRecord(EMPLOYER, "見本建設", "active"),
                "98765432109876": BusinessRecord("98765432109876", "退会建設", "withdrawn")}
    declared = {"employer_business_id": EMPLOYER}
    assert employer_flags(declared, registry.get) == []
    assert employer_flags({}, registry.get) == []
    [gone] = employer_flags({"employer_business_id": "11111111111111"}, registry.get)
    assert (gone.code, gone.severity, gone.field) == ("employer_not_registered", "block",
                                                      "application.employer_business_id")
    assert "11111111111111" in gone.message
    [left] = employer_flags({"employer_business_id": "98765432109876"}, registry.get)
    assert left.code == "employer_not_registered"
    # The validation stage asks it of a worker's own application (a proxy's employer: consent stage).
    docs = {"face_photo": [DocumentText(2, "face_photo", "")], "identity_document": [DocumentText(3, "identity_document",
                                                                                                   "", 90.0)]}
    mine = validation_flags("worker_registration", "internet", {"employer_business_id": "11111111111111"}, docs,
                            registry.get)
    assert "employer_not_registered" in [f.code for f in mine]
    proxy = validation_flags("proxy_worker_registration", "internet", {"employer_business_id": "11111111111111"},
                             docs, registry.get)
    assert "employer_not_registered" not in [f.code for f in proxy]
