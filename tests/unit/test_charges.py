from datetime import date

from ccus.models.charges import application_fee, reissue_fee

BUSINESS = {"business_type": "corporation", "capital_yen": 10_000_000, "admin_id_count": 2}


def test_business_pays_registration_by_capital_tier_plus_first_year_of_each_admin_id() -> None:
    fee = application_fee("business_registration", "internet", BUSINESS, date(2026, 11, 24))
    assert [line.amount for line in fee.lines] == [24_000, 2 * 11_400]
    assert fee.total == 46_800
    assert "事業者登録料" in fee.describe()


def test_the_schedule_of_the_application_date_applies() -> None:
    fee = application_fee("business_registration", "internet", BUSINESS, date(2019, 6, 1))
    assert fee.total == 12_000 + 2 * 2_400


def test_one_person_contractor_registers_free_but_pays_the_admin_id() -> None:
    declared = {"business_type": "one_person_contractor", "admin_id_count": 1}
    fee = application_fee("business_registration", "internet", declared, date(2026, 11, 24))
    assert [line.amount for line in fee.lines] == [0, 2_400]


def test_worker_fee_by_channel_and_tier() -> None:
    worker = {"birth_date": "1985-04-12", "tier": "basic"}
    assert application_fee("worker_registration", "internet", worker, date(2026, 11, 24)).total == 2_500
    assert application_fee("worker_registration", "counter", worker, date(2026, 11, 24)).total == 3_500
    detailed = dict(worker, tier="detailed")
    assert application_fee("proxy_worker_registration", "internet", detailed, date(2026, 11, 24)).total == 4_900


def test_sixty_plus_discount_only_where_the_schedule_has_it() -> None:
    senior = {"birth_date": "1955-01-01"}
    assert application_fee("worker_registration", "internet", senior, date(2019, 6, 1)).total == 2_000
    assert application_fee("worker_registration", "internet", senior, date(2026, 11, 24)).total == 2_500


def test_card_reissue_fee() -> None:
    assert reissue_fee(date(2026, 11, 24)).total == 1_000
