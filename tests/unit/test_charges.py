from datetime import date

import pytest

from ccus.models.charges import admin_id_addition_fee, application_fee, months_until, reissue_fee

BUSINESS = {"business_type": "corporation", "capital_yen": 10_000_000, "admin_id_count": 2}


def test_business_pays_registration_by_capital_tier_plus_first_year_of_each_admin_id() -> None:
    fee = application_fee("business_registration", "internet", BUSINESS, date(2026, 11, 24))
    assert [line.amount for line in fee.lines] == [24_000, 2 * 11_400]
    assert fee.total == 46_800
    assert "事業者登録料" in fee.describe()


def test_the_schedule_of_the_application_date_applies() -> None:
    fee = application_fee("business_registration", "internet", BUSINESS, date(2020, 6, 1))
    assert fee.total == 12_000 + 2 * 2_400


@pytest.mark.parametrize(("received_on", "admin_line"), [
    (date(2019, 6, 1), 4_800),  # 3 IDs, the 登録責任者's one free: 2 × 2,400
    (date(2020, 3, 31), 4_800),
    (date(2020, 4, 1), 7_200),
])
def test_a_registration_until_2020_03_pays_no_fee_for_the_registrants_first_admin_id(
        received_on: date, admin_line: int) -> None:
    fee = application_fee("business_registration", "internet", dict(BUSINESS, admin_id_count=3), received_on)
    assert [line.amount for line in fee.lines] == [12_000, admin_line]
    assert ("登録責任者の1ID無料" in fee.lines[1].label) is (admin_line == 4_800)


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
    assert application_fee("worker_registration", "internet", senior, date(2022, 6, 1)).total == 2_000
    assert application_fee("worker_registration", "internet", senior, date(2026, 11, 24)).total == 2_500


def test_card_reissue_fee() -> None:
    assert reissue_fee(date(2026, 11, 24)).total == 1_000


@pytest.mark.parametrize(("added_on", "billing_on", "months"), [
    (date(2026, 5, 10), date(2027, 4, 1), 11),  # May (begun) … March
    (date(2026, 5, 1), date(2027, 4, 1), 11),
    (date(2026, 4, 1), date(2027, 4, 1), 12),
    (date(2027, 3, 31), date(2027, 4, 1), 1),
    (date(2026, 4, 10), date(2026, 5, 20), 2),
])
def test_an_admin_id_added_later_is_charged_every_month_begun_up_to_the_next_billing_date(
        added_on: date, billing_on: date, months: int) -> None:
    assert months_until(added_on, billing_on) == months
    fee = admin_id_addition_fee(added_on, billing_on, one_person_contractor=True)
    assert fee.total == 200 * months  # guide p. 23: 200円 a month
    assert admin_id_addition_fee(added_on, billing_on, one_person_contractor=False).total == 950 * months


def test_the_2018_schedule_charges_an_added_admin_id_200_yen_a_month() -> None:
    assert admin_id_addition_fee(date(2019, 7, 15), date(2020, 1, 1), False).total == 6 * 200


def test_a_billing_date_not_after_the_addition_is_refused() -> None:
    with pytest.raises(ValueError, match="次回請求日"):
        months_until(date(2026, 5, 1), date(2026, 5, 1))
