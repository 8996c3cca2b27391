"""models/checks: the validation, consent and duplicate decisions as (declared, readings, lookups) → flags."""

from __future__ import annotations

from datetime import date
from typing import Any

from ccus.models.checks import (
    BusinessRecord,
    ConsentDocument,
    ConsentReading,
    DuplicateLookups,
    consent_documents,
    consent_flags,
    duplicate_flags,
    unreadable,
    validation_flags,
)
from ccus.models.evidence import DocumentText
from ccus.models.forms.normalise import LOW_CONFIDENCE, MISSING, OK, Reading

PERSON: dict[str, Any] = {"name": "山田 太郎", "name_kana": "ヤマダ タロウ", "birth_date": "1990-07-01"}
ID_TEXT = "運転免許証 氏名 山田太郎 平成2年7月1日生"


def docs(*items: tuple[str, str, float | None]) -> dict[str, list[DocumentText]]:
    out: dict[str, list[DocumentText]] = {}
    for n, (role, text, conf) in enumerate(items):
        out.setdefault(role, []).append(DocumentText(n + 1, role, text, conf))
    return out


def codes(flags: list[Any]) -> list[str]:
    return [f.code for f in flags]


# Validation ----------------------------------------------------------------------------------------

def test_a_complete_internet_worker_case_whose_identity_document_shows_name_and_birth_date_has_no_flags() -> None:
    found = validation_flags("worker_registration", "internet", PERSON,
                             docs(("face_photo", "", None), ("identity_document", ID_TEXT, 88.0)))
    assert found == []


def test_missing_documents_block_in_role_order_and_the_counter_needs_no_identity_document() -> None:
    internet = validation_flags("worker_registration", "internet", PERSON, {})
    assert [(f.code, f.severity, f.field) for f in internet] == [
        ("missing_document", "block", "attachments.face_photo"),
        ("missing_document", "block", "attachments.identity_document")]
    assert internet[0].message == "顔写真が添付されていません。"
    assert codes(validation_flags("worker_registration", "counter", PERSON, docs(("face_photo", "", None)))) == []


def test_a_proxy_by_a_contractor_needs_the_employer_consent_and_one_by_the_employer_does_not() -> None:
    attached = docs(("face_photo", "", None), ("identity_document", ID_TEXT, 90.0), ("worker_consent", "", None))
    by_prime = {**PERSON, "proxy": {"relation": "prime_contractor"}}
    by_employer = {**PERSON, "proxy": {"relation": "employer"}}
    assert [f.field for f in validation_flags("proxy_worker_registration", "internet", by_prime, attached)] == [
        "attachments.employer_consent"]
    assert validation_flags("proxy_worker_registration", "internet", by_employer, attached) == []


def test_an_identity_document_read_below_60_is_a_warning_and_each_mismatch_is_flagged() -> None:
    low = validation_flags("worker_registration", "counter", PERSON,
                           docs(("face_photo", "", None), ("identity_document", ID_TEXT, 59.9)))
    assert codes(low) == ["identity_document_unreadable"]
    edge = validation_flags("worker_registration", "counter", PERSON,
                            docs(("face_photo", "", None), ("identity_document", ID_TEXT, 60.0)))
    assert edge == []
    unread = validation_flags("worker_registration", "counter", PERSON,
                              docs(("face_photo", "", None), ("identity_document", ID_TEXT, None)))
    assert codes(unread) == ["identity_document_unreadable"]
    other = validation_flags("worker_registration", "counter", {**PERSON, "name": "髙田 太郎", "birth_date": "1990-07-02"},
                             docs(("face_photo", "", None), ("identity_document", ID_TEXT, 90.0)))
    assert [(f.code, f.severity, f.field) for f in other] == [
        ("identity_name_mismatch", "warn", "application.name"),
        ("identity_birth_date_mismatch", "warn", "application.birth_date")]


def test_each_identity_document_is_checked_on_its_own() -> None:
    found = validation_flags("worker_registration", "counter", PERSON,
                             docs(("face_photo", "", None), ("identity_document", ID_TEXT, 90.0),
                                  ("identity_document", "住民票 山田太郎", 90.0)))
    assert codes(found) == ["identity_birth_date_mismatch"]


def test_a_birth_date_paper_left_unreadable_is_not_looked_for_but_an_empty_name_is_a_mismatch() -> None:
    found = validation_flags("worker_registration", "mail", {**PERSON, "name": "", "birth_date": None},
                             docs(("face_photo", "", None), ("identity_document", ID_TEXT, 90.0)))
    assert codes(found) == ["identity_name_mismatch"]


BUSINESS: dict[str, Any] = {"business_type": "corporation", "trade_name": "株式会社 見本建設",
                            "corporate_number": "7010001123456"}
EXTRACT = "履歴事項全部証明書\n会社法人等番号 0100-01-123456\n商号 株式会社見本建設"


def test_a_corporation_whose_extract_shows_number_and_name_has_no_flags() -> None:
    found = validation_flags("business_registration", "internet", BUSINESS,
                             docs(("insurance_proof", "", None), ("registry_extract", EXTRACT, 95.0)))
    assert found == []


def test_a_licensed_corporation_needs_extract_insurance_proof_and_licence() -> None:
    found = validation_flags("business_registration", "internet", {**BUSINESS, "licence_number": "123"}, {})
    assert [f.field for f in found] == ["attachments.insurance_proof", "attachments.licence_copy",
                                        "attachments.registry_extract"]
    sole = validation_flags("business_registration", "internet", {**BUSINESS, "business_type": "sole_proprietor"}, {})
    assert [f.field for f in sole] == ["attachments.insurance_proof"]


def test_the_extract_is_checked_on_all_its_pages_and_only_with_a_declared_corporate_number() -> None:
    pages = docs(("insurance_proof", "", None), ("registry_extract", "会社法人等番号 0100-01-999999", 95.0),
                 ("registry_extract", "商号 株式会社見本建設", 95.0))
    assert codes(validation_flags("business_registration", "internet", BUSINESS, pages)) == [
        "corporate_number_not_in_extract"]
    renamed = {**BUSINESS, "trade_name": "見本建設 株式会社"}
    assert codes(validation_flags("business_registration", "internet", renamed,
                                  docs(("insurance_proof", "", None), ("registry_extract", EXTRACT, 95.0)))) == [
        "trade_name_not_in_extract"]
    unnumbered = {**renamed, "corporate_number": ""}
    assert validation_flags("business_registration", "internet", unnumbered,
                            docs(("insurance_proof", "", None), ("registry_extract", EXTRACT, 95.0))) == []


# Consent -------------------------------------------------------------------------------------------

FILER = BusinessRecord("12345678901234", "株式会社見本建設", "active")
EMPLOYER = BusinessRecord("98765432109876", "山田工業株式会社", "active")
TODAY = date(2026, 11, 24)


def ok(value: Any) -> Reading:
    return Reading(value, OK, None, str(value), 95.0)


def proxy(relation: str | None = "prime_contractor", **over: Any) -> dict[str, Any]:
    return {**PERSON, "employer_business_id": EMPLOYER.business_id,
            "proxy": {"filer_business_id": FILER.business_id, "relation": relation}, **over}


def registry(*known: BusinessRecord) -> Any:
    return lambda business_id: next((b for b in known if b.business_id == business_id), None)


WORKER_FORM = ConsentReading("C1", "代行申請同意書（技能者）", {
    "worker_name": ok("山田太郎"), "worker_name_kana": ok("ヤマダタロウ"), "birth_date": ok("1990-07-01"),
    "proxy_business_name": ok("株式会社見本建設"), "proxy_business_id": ok("12345678901234"),
    "employer_name": ok("山田工業株式会社"), "signed_on": ok("2026-11-20"), "signature": ok(True)})
EMPLOYER_FORM = ConsentReading("C2", "代行申請同意書（所属事業者）", {
    "employer_name": ok("山田工業株式会社"), "employer_business_id": ok("98765432109876"),
    "proxy_business_name": ok("株式会社見本建設"), "proxy_business_id": ok("12345678901234"),
    "worker_name": ok("山田太郎"), "birth_date": ok("1990-07-01"), "signed_on": ok("2026-11-01"),
    "signature": ok(True)})
BOTH = {"worker_consent": [ConsentDocument(11, "worker_consent")],
        "employer_consent": [ConsentDocument(12, "employer_consent")]}


def test_a_contractor_proxy_with_both_matching_consents_passes_and_every_item_is_recorded() -> None:
    out = consent_flags(proxy(), BOTH, {11: WORKER_FORM, 12: EMPLOYER_FORM}, registry(FILER, EMPLOYER), TODAY)
    assert out.flags == []
    assert len(out.results) == 16 and all(r["passed"] for r in out.results)
    assert {r["document_id"] for r in out.results} == {11, 12}


def test_an_employer_proxy_needs_no_employer_consent_and_its_form_is_not_checked() -> None:
    declared = proxy("employer", employer_business_id=FILER.business_id)
    assert consent_documents(declared, BOTH) == [ConsentDocument(11, "worker_consent")]
    form = ConsentReading("C1", "t", {**WORKER_FORM.readings, "employer_name": ok("株式会社見本建設")})
    out = consent_flags(declared, {"worker_consent": BOTH["worker_consent"]}, {11: form}, registry(FILER), TODAY)
    assert out.flags == [] and {r["document_id"] for r in out.results} == {11}


def test_unregistered_or_inactive_parties_and_missing_forms_block() -> None:
    inactive = BusinessRecord(FILER.business_id, FILER.trade_name, "withdrawn")
    out = consent_flags(proxy(), {}, {}, registry(inactive), TODAY)
    assert [(f.code, f.severity, f.stage) for f in out.flags] == [
        ("proxy_not_registered", "block", "consent"), ("employer_not_registered", "block", "consent"),
        ("worker_consent_missing", "block", "consent"), ("employer_consent_missing", "block", "consent")]
    assert out.results == []


def test_ids_and_relation_paper_left_unreadable_are_flagged_as_not_checked() -> None:
    declared = {**PERSON, "employer_business_id": None, "proxy": {"filer_business_id": "", "relation": None}}
    asked: list[str] = []

    def lookup(business_id: str) -> BusinessRecord | None:
        asked.append(business_id)
        return None

    out = consent_flags(declared, {"worker_consent": BOTH["worker_consent"]}, {11: WORKER_FORM}, lookup, TODAY)
    assert asked == []  # an unread ID is never looked up
    assert [(f.code, f.field) for f in out.flags][:3] == [
        ("consent_not_checked", "application.proxy.filer_business_id"),
        ("consent_not_checked", "application.employer_business_id"),
        ("consent_not_checked", "application.proxy.relation")]


def test_a_document_that_is_not_our_form_blocks_and_a_doubtful_reading_warns() -> None:
    doubtful = ConsentReading("C1", "同意書", {**WORKER_FORM.readings,
                                             "worker_name": Reading("山田太郎", LOW_CONFIDENCE, None, "山田太郎", 40.0)})
    out = consent_flags(proxy(), BOTH, {11: doubtful, 12: ConsentReading(None)}, registry(FILER, EMPLOYER), TODAY)
    assert [(f.code, f.severity, f.field) for f in out.flags] == [
        ("consent_worker_name_unverified", "warn", "attachments.worker_consent"),
        ("consent_form_unrecognised", "block", "attachments.employer_consent")]
    assert out.flags[1].message == "代行申請同意書（所属事業者）：所定の同意書様式ではありません。"
    assert out.results[-1] == {"document_id": 12, "role": "employer_consent", "form": None, "name": "form",
                               "passed": False, "reason": "所定の同意書様式ではありません。"}


def test_a_consent_older_than_90_days_or_unsigned_blocks() -> None:
    old = ConsentReading("C1", "同意書", {**WORKER_FORM.readings, "signed_on": ok("2026-08-25"),
                                        "employer_name": ok("株式会社見本建設"),
                                        "signature": Reading(None, MISSING, None, "", 0.0)})
    out = consent_flags(proxy("employer", employer_business_id=FILER.business_id),
                        {"worker_consent": BOTH["worker_consent"]}, {11: old}, registry(FILER), TODAY)
    assert codes(out.flags) == ["consent_signed_on", "consent_signature"]
    day_90 = ConsentReading("C1", "同意書", {**WORKER_FORM.readings, "signed_on": ok("2026-08-26"),
                                           "employer_name": ok("株式会社見本建設")})
    out = consent_flags(proxy("employer", employer_business_id=FILER.business_id),
                        {"worker_consent": BOTH["worker_consent"]}, {11: day_90}, registry(FILER), TODAY)
    assert out.flags == []


# Duplicates ----------------------------------------------------------------------------------------

class Registry:
    def __init__(self, *, businesses: tuple[str, ...] = (), workers: tuple[str, ...] = (),
                 open_cases: dict[tuple[str, str], list[str]] | None = None) -> None:
        self.asked: list[tuple[str, Any]] = []
        self.lookups = DuplicateLookups(
            business_registered=lambda n: n in businesses,
            worker_registered=lambda k: k in workers,
            in_flight=self._in_flight)
        self.open_cases = open_cases or {}

    def _in_flight(self, field: str, value: Any) -> list[str]:
        self.asked.append((field, value))
        return self.open_cases.get((field, str(value)), [])


def test_a_new_person_with_no_twins_has_no_flags() -> None:
    reg = Registry()
    assert duplicate_flags("worker_registration", "internet", PERSON, {}, reg.lookups) == []
    assert {f for f, _ in reg.asked} == {"birth_date", "name_kana"}


def test_a_registered_person_blocks_whatever_the_spacing_and_width_of_the_name() -> None:
    from ccus.models.persons import person_key

    reg = Registry(workers=(person_key("山田太郎", "ﾔﾏﾀﾞ ﾀﾛｳ", "1990-07-01"),))
    found = duplicate_flags("proxy_worker_registration", "internet", PERSON, {}, reg.lookups)
    assert [(f.code, f.severity, f.stage) for f in found] == [("worker_already_registered", "block", "duplicate")]


def test_an_open_case_is_a_twin_only_when_both_reading_and_birth_date_match() -> None:
    reg = Registry(open_cases={("birth_date", "1990-07-01"): ["A-1", "A-2"], ("name_kana", "ヤマダ タロウ"): ["A-2", "A-3"]})
    found = duplicate_flags("worker_registration", "internet", PERSON, {}, reg.lookups)
    assert [(f.code, f.message) for f in found] == [("duplicate_in_flight", "同一人物と思われる申請が処理中です：A-2")]


def test_a_person_value_paper_left_unread_is_not_matched() -> None:
    reg = Registry(open_cases={("birth_date", "1990-07-01"): ["A-1"], ("name_kana", "ヤマダ タロウ"): ["A-1"]})
    no_name = duplicate_flags("worker_registration", "mail", {**PERSON, "name": ""}, {}, reg.lookups)
    assert codes(no_name) == ["duplicate_check_incomplete", "duplicate_in_flight"]  # still compared on the rest
    assert no_name[0].message.startswith("氏名が読み取れないため") and no_name[0].field == "application.name"
    reg = Registry()
    no_birth = duplicate_flags("worker_registration", "mail", {**PERSON, "birth_date": None, "name_kana": ""},
                               {}, reg.lookups)
    assert [(f.code, f.field) for f in no_birth] == [("duplicate_check_incomplete", "application.name_kana")]
    assert no_birth[0].message.startswith("フリガナ・生年月日が読み取れないため")
    assert reg.asked == []


def test_a_business_is_matched_on_its_corporate_number() -> None:
    reg = Registry(businesses=("7010001123456",), open_cases={("corporate_number", "7010001123456"): ["B-9"]})
    found = duplicate_flags("business_registration", "internet", {"corporate_number": "7010001123456"}, {},
                            reg.lookups)
    assert codes(found) == ["business_already_registered", "duplicate_in_flight"]


def test_an_unreadable_corporate_number_says_the_check_was_not_made_but_a_blank_one_on_purpose_does_not() -> None:
    fields: dict[str, Any] = {"corporate_number": {"status": "invalid"}}
    found = duplicate_flags("business_registration", "mail", {"corporate_number": ""}, fields, Registry().lookups)
    assert codes(found) == ["duplicate_check_incomplete"]
    blank: dict[str, Any] = {"corporate_number": {"status": "ok"}}
    assert duplicate_flags("business_registration", "mail", {"corporate_number": ""}, blank, Registry().lookups) == []
    assert duplicate_flags("business_registration", "internet", {"corporate_number": ""}, fields,
                           Registry().lookups) == []


def test_unreadable_is_about_paper_only() -> None:
    fields: dict[str, Any] = {"name": {"status": "missing"}, "phone": {}}
    assert unreadable("mail", {"name": None}, fields, "name")
    assert not unreadable("mail", {"name": "山田"}, fields, "name")
    assert not unreadable("mail", {"phone": ""}, fields, "phone")  # no status: read cleanly, left blank
    assert not unreadable("counter", {"name": None}, fields, "name")


def test_a_lifecycle_request_has_no_duplicate_check() -> None:
    reg = Registry()
    assert duplicate_flags("business_change", "mail", {}, {}, reg.lookups) == [] and reg.asked == []


# One party, one registration (approval and issuance) -------------------------------------------

def test_registration_party_is_the_person_key_or_the_corporate_number() -> None:
    from ccus.models.checks import PARTY_CORPORATION, PARTY_PERSON, registration_party
    from ccus.models.persons import person_key

    person = {"name": "山田　太郎", "name_kana": "ヤマダ タロウ", "birth_date": "1985-04-12"}
    assert registration_party("worker_registration", person) == (
        PARTY_PERSON, person_key("山田 太郎", "ヤマダタロウ", "1985-04-12"))
    assert registration_party("proxy_worker_registration", person) == registration_party("worker_registration", person)
    assert registration_party("worker_registration", {**person, "name_kana": ""}) is None
    assert registration_party("business_registration", {"corporate_number": "7123456789012"}) == (
        PARTY_CORPORATION, "7123456789012")
    assert registration_party("business_registration", {"business_type": "sole_proprietor"}) is None
    assert registration_party("business_change", person) is None


def test_duplicate_approval_refusal_names_the_other_case() -> None:
    from ccus.models.checks import PARTY_PERSON, duplicate_approval_refusal

    assert duplicate_approval_refusal(PARTY_PERSON, [], []) is None
    approved = duplicate_approval_refusal(PARTY_PERSON, ["26-0000012-3"], [])
    assert approved is not None and "26-0000012-3" in approved and "承認できません" in approved
    registered = duplicate_approval_refusal(PARTY_PERSON, ["26-0000012-3"], ["25-0000001-8"])
    assert registered is not None and "25-0000001-8" in registered and "既に登録されています" in registered


def test_duplicate_at_issuance_tells_the_operator_what_to_run() -> None:
    from ccus.models.checks import PARTY_CORPORATION, PARTY_PERSON, duplicate_at_issuance

    person = duplicate_at_issuance(PARTY_PERSON, "25-0000001-8", "10000000000017")
    assert "25-0000001-8" in person and "ccus cases refund" in person and "ccus cases merge" in person
    business = duplicate_at_issuance(PARTY_CORPORATION, "25-0000001-8", "10000000000017")
    assert "ccus cases refund" in business and "merge" not in business
