"""models/consent: each check of a read consent form passes and fails with its reason."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ccus.models.consent import CONSENT_VALIDITY_DAYS, check_employer_consent, check_worker_consent
from ccus.models.forms.normalise import INVALID, LOW_CONFIDENCE, MISSING, OK, Reading

TODAY = date(2026, 11, 24)
FILER = {"business_id": "12345678901234", "trade_name": "株式会社見本建設"}
EMPLOYER = {"business_id": "98765432109876", "trade_name": "山田工業株式会社"}
DECLARED: dict[str, Any] = {"name": "佐藤 花子", "name_kana": "サトウ ハナコ", "birth_date": "1990-07-01",
                            "employer_business_id": EMPLOYER["business_id"],
                            "proxy": {"filer_business_id": FILER["business_id"], "relation": "employer"}}


def ok(value: Any) -> Reading:
    return Reading(value, OK, None, str(value), 95.0)


def worker_read(**over: Reading) -> dict[str, Reading]:
    read = {"worker_name": ok("佐藤花子"), "worker_name_kana": ok("サトウハナコ"), "birth_date": ok("1990-07-01"),
            "proxy_business_name": ok("株式会社見本建設"), "proxy_business_id": ok("12345678901234"),
            "employer_name": ok("株式会社見本建設"), "signed_on": ok("2026-11-20"), "signature": ok(True)}
    read.update(over)
    return read


def by_name(checks: list[Any]) -> dict[str, Any]:
    return {c.name: c for c in checks}


def test_a_matching_worker_consent_passes_every_check() -> None:
    checks = check_worker_consent(worker_read(), DECLARED, FILER, None, TODAY)
    assert [c.name for c in checks] == ["worker_name", "worker_name_kana", "birth_date", "proxy_business_id",
                                        "proxy_business_name", "employer_name", "signed_on", "signature"]
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]


@pytest.mark.parametrize(("name", "reading", "words"), [
    ("worker_name", ok("佐藤花代"), "技能者氏名"),
    ("worker_name_kana", ok("サトウハナヨ"), "フリガナ"),
    ("birth_date", ok("1990-07-02"), "生年月日"),
    ("proxy_business_id", ok("12345678901235"), "代行申請事業者ID"),
    ("proxy_business_name", ok("株式会社別件工務店"), "代行申請事業者名"),
    ("employer_name", ok("山田工業株式会社"), "所属事業者名"),
    ("signed_on", ok("2026-12-01"), "未来"),
    ("signed_on", ok("2026-08-01"), f"{CONSENT_VALIDITY_DAYS}日を超えて"),
    ("signature", Reading(None, MISSING, "署名又は押印がありません。", "", 100.0), "署名又は押印がありません"),
])
def test_each_worker_check_fails_with_its_reason(name: str, reading: Reading, words: str) -> None:
    checks = by_name(check_worker_consent(worker_read(**{name: reading}), DECLARED, FILER, None, TODAY))
    assert not checks[name].passed
    assert words in checks[name].reason_ja
    assert [c for c in checks.values() if not c.passed] == [checks[name]]


@pytest.mark.parametrize("field", ["worker_name", "worker_name_kana", "birth_date", "proxy_business_id",
                                   "proxy_business_name", "employer_name", "signed_on"])
def test_a_low_confidence_field_is_never_a_silent_pass_and_an_unreadable_one_fails(field: str) -> None:
    value = worker_read()[field].value
    low = Reading(value, LOW_CONFIDENCE, "読み取りの確信度が低い（40）ため確認してください。", str(value), 40.0)
    checks = by_name(check_worker_consent(worker_read(**{field: low}), DECLARED, FILER, None, TODAY))
    assert checks[field].unverified and "目視で確認" in checks[field].reason_ja
    assert not any(c.unverified for name, c in checks.items() if name != field)
    bad = Reading(None, INVALID, "数字として読み取れません。", "??", 30.0)
    checks = by_name(check_worker_consent(worker_read(**{field: bad}), DECLARED, FILER, None, TODAY))
    assert not checks[field].passed and "読み取れない" in checks[field].reason_ja
    read = worker_read()
    del read[field]
    assert not by_name(check_worker_consent(read, DECLARED, FILER, None, TODAY))[field].passed


def test_an_unclear_signature_is_not_passed_and_must_be_confirmed() -> None:
    unclear = Reading(True, LOW_CONFIDENCE, "記入の有無がはっきりしません。", "", 40.0)
    check = by_name(check_worker_consent(worker_read(signature=unclear), DECLARED, FILER, None, TODAY))["signature"]
    assert not check.passed and check.unverified and "はっきりしません" in check.reason_ja


def test_consent_on_the_last_day_of_the_period_passes_the_day_after_fails() -> None:
    from datetime import timedelta

    last = (TODAY - timedelta(days=CONSENT_VALIDITY_DAYS)).isoformat()
    assert by_name(check_worker_consent(worker_read(signed_on=ok(last)), DECLARED, FILER, None, TODAY))["signed_on"].passed
    assert not by_name(check_worker_consent(worker_read(signed_on=ok(last)), DECLARED, FILER, None,
                                            TODAY + timedelta(days=1)))["signed_on"].passed
    assert by_name(check_worker_consent(worker_read(signed_on=ok(TODAY.isoformat())), DECLARED, FILER, None,
                                        TODAY))["signed_on"].passed


def test_unregistered_filer_fails_the_name_check() -> None:
    checks = by_name(check_worker_consent(worker_read(), DECLARED, None, None, TODAY))
    assert not checks["proxy_business_name"].passed and "登録されていない" in checks["proxy_business_name"].reason_ja
    assert checks["proxy_business_id"].passed  # compared with the declared ID


def test_contractor_proxy_compares_the_employer_with_the_employer() -> None:
    declared = dict(DECLARED, proxy={"filer_business_id": FILER["business_id"], "relation": "prime_contractor"})
    checks = by_name(check_worker_consent(worker_read(employer_name=ok("山田工業株式会社")), declared, FILER,
                                          EMPLOYER["trade_name"], TODAY))
    assert all(c.passed for c in checks.values())
    checks = by_name(check_worker_consent(worker_read(), declared, FILER, EMPLOYER["trade_name"], TODAY))
    assert not checks["employer_name"].passed
    assert not by_name(check_worker_consent(worker_read(), declared, FILER, None, TODAY))["employer_name"].passed


def employer_read(**over: Reading) -> dict[str, Reading]:
    read = {"employer_name": ok("山田工業株式会社"), "employer_business_id": ok(EMPLOYER["business_id"]),
            "proxy_business_name": ok("株式会社見本建設"), "proxy_business_id": ok(FILER["business_id"]),
            "worker_name": ok("佐藤 花子"), "birth_date": ok("1990-07-01"), "signed_on": ok("2026-11-01"),
            "signature": ok(True)}
    read.update(over)
    return read


CONTRACTOR = dict(DECLARED, proxy={"filer_business_id": FILER["business_id"], "relation": "prime_contractor"})


def test_a_matching_employer_consent_passes_every_check() -> None:
    checks = check_employer_consent(employer_read(), CONTRACTOR, FILER, EMPLOYER, TODAY)
    assert len(checks) == 8 and all(c.passed for c in checks), [c for c in checks if not c.passed]


@pytest.mark.parametrize(("name", "reading", "words"), [
    ("employer_name", ok("株式会社見本建設"), "所属事業者名"),
    ("employer_business_id", ok("12345678901234"), "所属事業者ID"),
    ("proxy_business_name", ok("山田工業株式会社"), "代行申請事業者名"),
    ("proxy_business_id", ok("98765432109876"), "代行申請事業者ID"),
    ("worker_name", ok("佐藤 花代"), "技能者氏名"),
    ("birth_date", ok("1991-07-01"), "生年月日"),
    ("signed_on", ok("2027-01-01"), "未来"),
    ("signed_on", ok("2025-01-01"), "日を超えて"),
    ("signature", Reading(None, MISSING, "署名又は押印がありません。", "", 100.0), "記名押印がありません"),
    ("worker_name", Reading(None, INVALID, "読み取れません", "", 30.0), "読み取れない"),
])
def test_each_employer_check_fails_with_its_reason(name: str, reading: Reading, words: str) -> None:
    checks = by_name(check_employer_consent(employer_read(**{name: reading}), CONTRACTOR, FILER, EMPLOYER, TODAY))
    assert not checks[name].passed
    assert words in checks[name].reason_ja
    assert [c for c in checks.values() if not c.passed] == [checks[name]]


def test_employer_consent_with_unregistered_employer_fails() -> None:
    checks = by_name(check_employer_consent(employer_read(), CONTRACTOR, FILER, None, TODAY))
    assert not checks["employer_name"].passed
