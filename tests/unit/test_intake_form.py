"""The counter form is generated from the declared-data models: every field the internet API
accepts is on it, what the clerk keys in becomes the same declared data, and every error lands
next to the field it names."""

from __future__ import annotations

from typing import Any

import pytest

from ccus.models.declared import DECLARED_MODELS
from ccus.models.errors import FieldError
from ccus.models.identifiers import registry_id_from_serial
from ccus.review_ui import intake_form
from tests.support.counter import flatten, schema_leaf_paths

KINDS = list(DECLARED_MODELS)

WORKER: dict[str, Any] = {
    "name": "山田 太郎", "name_kana": "ヤマダ タロウ", "birth_date": "1985-04-12", "sex": "male",
    "postcode": "163-8001", "address": "東京都新宿区西新宿2丁目8番1号", "phone": "090-1234-5678",
    "email": "yamada@example.jp", "trade": "とび工", "experience_years": 12,
    "health_insurance": {"kind": "association", "insurer_number": "01130012"},
    "pension": "employees", "employment_insurance_number": "1234-567890-1", "tier": "detailed",
    "identity_document_type": "drivers_licence",
}
EMPLOYER = next(r for r in map(registry_id_from_serial, range(1000, 1100)) if r)
SAMPLES: dict[str, dict[str, Any]] = {
    "business_registration": {
        "business_type": "corporation", "trade_name": "株式会社見本建設", "trade_name_kana": "カブシキガイシャミホンケンセツ",
        "corporate_number": "7123456789012", "representative_name": "見本 一郎",
        "representative_name_kana": "ミホン イチロウ", "postcode": "100-0013", "address": "東京都千代田区霞が関1丁目3番2号",
        "phone": "03-1234-5678", "email": "touroku@example.jp", "licence_number": "東京都知事許可（般-30）第123号",
        "capital_yen": 10_000_000, "trades": ["とび・土工工事業", "大工工事業"],
        "social_insurance": {"health": "enrolled", "pension": "enrolled", "employment": "exempt"},
        "registrant": {"name": "見本 花子", "email": "hanako@example.jp"}, "admin_id_count": 2,
    },
    "worker_registration": WORKER,
    "proxy_worker_registration": {**WORKER, "employer_business_id": EMPLOYER,
                                  "proxy": {"filer_business_id": EMPLOYER, "relation": "employer"}},
}


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_the_api_accepts_is_on_the_form_with_a_japanese_label(kind: str) -> None:
    fields = intake_form.fields_of(intake_form.form_for(kind))
    paths = [f.path.removeprefix("application.") for f in fields]
    assert len(paths) == len(set(paths))
    assert set(paths) == schema_leaf_paths(DECLARED_MODELS[kind])
    for f in fields:
        assert f.label and not f.label.isascii(), f.path


@pytest.mark.parametrize("kind", KINDS)
def test_what_the_clerk_keys_in_becomes_the_declared_data_the_api_would_store(kind: str) -> None:
    model = DECLARED_MODELS[kind]
    declared = intake_form.declared_from(kind, flatten(SAMPLES[kind]))
    assert model.model_validate(declared).model_dump(mode="json") == \
        model.model_validate(SAMPLES[kind]).model_dump(mode="json")


def test_empty_inputs_are_left_out_so_defaults_apply_and_missing_fields_are_named() -> None:
    declared = intake_form.declared_from("worker_registration", {"application.name": "山田 太郎",
                                                                 "application.experience_years": "１２"})
    assert declared["name"] == "山田 太郎" and declared["experience_years"] == "12"
    assert "email" not in declared and "tier" not in declared
    assert declared["health_insurance"] == {}  # the section is there, its fields are named missing


def test_choices_and_defaults_follow_the_model() -> None:
    fields = {f.path: f for f in intake_form.fields_of(intake_form.form_for("worker_registration"))}
    assert [v for v, _ in fields["application.sex"].choices] == ["male", "female", "unspecified"]
    assert dict(fields["application.sex"].choices)["female"] == "女性"
    assert fields["application.tier"].default == "basic" and not fields["application.tier"].required
    assert fields["application.birth_date"].widget == "date" and fields["application.birth_date"].required
    assert fields["application.email"].widget == "email" and not fields["application.email"].required
    assert fields["application.nationality"].default == "日本"


def test_errors_land_next_to_the_field_they_name() -> None:
    kind = "business_registration"
    fields = intake_form.fields_of(intake_form.form_for(kind))
    attachments = intake_form.attachments_for(kind)
    placed = intake_form.place_errors([
        FieldError("application.trades.1", "入力してください。"),
        FieldError("application.social_insurance.health", "必須項目です。"),
        FieldError("attachments.insurance_proof", "社会保険加入を証する書類の添付が必要です。"),
        FieldError("application", "申請内容はオブジェクトで指定してください。"),
    ], fields, attachments)
    assert placed.by_field["application.trades"] == ["2行目：入力してください。"]
    assert placed.by_field["application.social_insurance.health"] == ["必須項目です。"]
    assert placed.by_field["attachments.insurance_proof"] == ["社会保険加入を証する書類の添付が必要です。"]
    assert placed.general == ["申請内容はオブジェクトで指定してください。"]
    assert len(placed.summary) == 4


def test_the_scans_asked_for_follow_the_required_documents_at_the_counter() -> None:
    worker = {a.role: a.need for a in intake_form.attachments_for("worker_registration")}
    assert worker["face_photo"] == "required"
    assert worker["identity_document"] == "optional"  # a worker without one may register in person
    business = {a.role: a.need for a in intake_form.attachments_for("business_registration")}
    assert business["insurance_proof"] == "required" and business["registry_extract"] == "conditional"
    proxy = {a.role: a.need for a in intake_form.attachments_for("proxy_worker_registration")}
    assert proxy["worker_consent"] == "required" and proxy["employer_consent"] == "conditional"
    assert "application_form" not in worker



def test_the_detailed_tiers_lists_are_keyed_one_entry_a_line_and_their_errors_name_the_line() -> None:
    values = {**flatten(WORKER), "application.employer_business_id": EMPLOYER,
              "application.qualifications": "登録鉄筋基幹技能者／TK-1／2019-06-01\n\n玉掛け技能講習 / T-8 / 2012-03-10",
              "application.careers": "見本建設／鉄筋工／2010-04-01／",
              "application.employer_items.kentaikyo_number": "123456789012"}
    declared = intake_form.declared_from("worker_registration", values)
    assert declared["qualifications"] == [
        {"name": "登録鉄筋基幹技能者", "number": "TK-1", "obtained_on": "2019-06-01"},
        {"name": "玉掛け技能講習", "number": "T-8", "obtained_on": "2012-03-10"}]
    assert declared["careers"] == [{"employer_name": "見本建設", "trade": "鉄筋工", "from_date": "2010-04-01"}]
    assert declared["employer_items"] == {"kentaikyo_number": "123456789012"}  # the blank sub-section left out
    model = DECLARED_MODELS["worker_registration"].model_validate(declared)
    assert [q.name for q in model.qualifications] == ["登録鉄筋基幹技能者", "玉掛け技能講習"]
    fields = intake_form.fields_of(intake_form.form_for("worker_registration"))
    [records] = [f for f in fields if f.path == "application.qualifications"]
    assert records.widget == "records" and "資格名／番号／取得日" in records.hint
    placed = intake_form.place_errors([FieldError("application.qualifications.1.name", "一覧にありません。")], fields,
                                      intake_form.attachments_for("worker_registration"))
    assert placed.by_field["application.qualifications"] == ["2行目：一覧にありません。"]
    assert "qualification_certificate" in {a.role for a in intake_form.attachments_for("worker_registration")}
    assert "qualification_certificate" not in {a.role for a in intake_form.attachments_for("business_registration")}
