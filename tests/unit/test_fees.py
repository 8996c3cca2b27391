from collections.abc import Callable
from datetime import date, timedelta

import pytest

from ccus.models.fees import (
    FEE_SCHEDULES,
    admin_id_annual_fee,
    admin_id_monthly_fee,
    admin_ids_annual_fee,
    business_registration_fee,
    card_reissue_fee,
    registrant_id_free,
    site_usage_fee_per_record,
    worker_registration_fee,
)

SEED = date(2019, 6, 1)
LAST_SEED_DAY = date(2020, 9, 30)
REVISED = date(2020, 10, 1)
TIERED = date(2021, 4, 1)
MAN = 10_000
OKU = 100_000_000

SEED_TIERS = [
    (0, 3_000),
    (500 * MAN - 1, 3_000),
    (500 * MAN, 6_000),
    (1_000 * MAN - 1, 6_000),
    (1_000 * MAN, 12_000),
    (2_000 * MAN, 24_000),
    (5_000 * MAN, 30_000),
    (1 * OKU, 60_000),
    (3 * OKU, 120_000),
    (10 * OKU, 240_000),
    (50 * OKU, 300_000),
    (100 * OKU, 600_000),
    (500 * OKU - 1, 600_000),
    (500 * OKU, 1_200_000),
    (10**15, 1_200_000),
]


def test_schedules_start_on_2018_04_01_and_are_in_date_order() -> None:
    starts = [schedule.starts_on for schedule in FEE_SCHEDULES]
    assert starts == [date(2018, 4, 1), date(2020, 10, 1), date(2021, 4, 1)]


@pytest.mark.parametrize(("capital", "fee"), SEED_TIERS)
def test_business_fee_follows_capital_tiers_lower_bound_inclusive(capital: int, fee: int) -> None:
    assert business_registration_fee(SEED, capital, one_person_contractor=False) == fee
    assert business_registration_fee(LAST_SEED_DAY, capital, one_person_contractor=False) == fee


@pytest.mark.parametrize(("capital", "fee"), SEED_TIERS)
def test_business_fee_doubles_from_2020_10_01(capital: int, fee: int) -> None:
    assert business_registration_fee(REVISED, capital, one_person_contractor=False) == fee * 2
    assert business_registration_fee(TIERED, capital, one_person_contractor=False) == fee * 2


@pytest.mark.parametrize("on", [SEED, REVISED, TIERED])
def test_one_person_contractor_registers_as_a_business_for_free(on: date) -> None:
    assert business_registration_fee(on, 10 * OKU, one_person_contractor=True) == 0
    assert business_registration_fee(on, None, one_person_contractor=True) == 0


def test_sole_proprietor_without_capital_pays_the_lowest_tier() -> None:
    assert business_registration_fee(SEED, None, one_person_contractor=False) == 3_000
    assert business_registration_fee(REVISED, None, one_person_contractor=False) == 6_000


def test_business_fee_never_falls_as_capital_grows() -> None:
    for on in (SEED, REVISED):
        fees = [business_registration_fee(on, c, False) for c in range(0, 600 * OKU, 7 * OKU // 10 + 12_345)]
        assert fees == sorted(fees)


def test_negative_capital_is_refused() -> None:
    with pytest.raises(ValueError, match="資本金"):
        business_registration_fee(SEED, -1, one_person_contractor=False)


@pytest.mark.parametrize(
    ("on", "channel", "tier", "age", "fee"),
    [
        (SEED, "internet", "basic", None, 2_500),
        (SEED, "mail", "basic", None, 3_500),
        (SEED, "counter", "basic", None, 3_500),
        (SEED, "internet", "basic", 60, 2_000),
        (SEED, "internet", "basic", 59, 2_500),
        (SEED, "mail", "basic", 75, 3_500),
        (LAST_SEED_DAY, "internet", "basic", 60, 2_000),
        (REVISED, "internet", "basic", 60, 2_000),
        (REVISED, "mail", "basic", None, 3_500),
        (TIERED, "internet", "basic", None, 2_500),
        (TIERED, "internet", "detailed", None, 4_900),
        (TIERED, "mail", "basic", None, 3_500),
        (TIERED, "counter", "detailed", None, 4_900),
        (date(2022, 4, 1), "internet", "basic", 65, 2_000),
        (date(2022, 4, 1), "internet", "detailed", 65, 4_900),
        (date(2022, 4, 1), "mail", "basic", 65, 3_500),
    ],
)
def test_worker_registration_fee(on: date, channel: str, tier: str, age: int | None, fee: int) -> None:
    assert worker_registration_fee(on, channel, tier, age) == fee


def test_detailed_tier_does_not_exist_before_2021_04_01() -> None:
    with pytest.raises(ValueError, match="detailed"):
        worker_registration_fee(TIERED - timedelta(days=1), "internet", "detailed")


@pytest.mark.parametrize(
    ("channel", "tier"), [("fax", "basic"), ("internet", "premium"), ("Internet", "basic")]
)
def test_unknown_channel_or_tier_is_refused(channel: str, tier: str) -> None:
    with pytest.raises(ValueError):
        worker_registration_fee(TIERED, channel, tier)


def test_admin_id_fee_rises_from_2020_10_01_except_for_one_person_contractors() -> None:
    assert admin_id_annual_fee(SEED, one_person_contractor=False) == 2_400
    assert admin_id_annual_fee(SEED, one_person_contractor=True) == 2_400
    assert admin_id_annual_fee(REVISED, one_person_contractor=False) == 11_400
    assert admin_id_annual_fee(REVISED, one_person_contractor=True) == 2_400


def test_site_usage_fee_per_record_goes_from_3_to_10_yen() -> None:
    assert site_usage_fee_per_record(LAST_SEED_DAY) == 3
    assert site_usage_fee_per_record(REVISED) == 10


def test_card_reissue_costs_1000_yen() -> None:
    assert card_reissue_fee(SEED) == 1_000
    assert card_reissue_fee(TIERED) == 1_000


FEE_FUNCTIONS: list[Callable[[date], int]] = [
    lambda on: business_registration_fee(on, 0, False),
    lambda on: worker_registration_fee(on, "internet"),
    lambda on: admin_id_annual_fee(on, False),
    site_usage_fee_per_record,
    card_reissue_fee,
]


@pytest.mark.parametrize("fee_on", FEE_FUNCTIONS)
def test_dates_before_the_first_schedule_are_refused_in_japanese(fee_on: Callable[[date], int]) -> None:
    assert fee_on(date(2018, 4, 1)) >= 0
    with pytest.raises(ValueError, match="料金表"):
        fee_on(date(2018, 3, 31))


def test_the_schedule_in_force_is_the_latest_started_on_or_before_the_date() -> None:
    day = date(2018, 4, 1)
    while day < date(2023, 1, 1):
        expected = max((s for s in FEE_SCHEDULES if s.starts_on <= day), key=lambda s: s.starts_on)
        assert site_usage_fee_per_record(day) == expected.site_usage_per_record
        assert admin_id_annual_fee(day, False) == expected.admin_id_per_year
        day += timedelta(days=11)


# Fees by date, as the guide says (pp. 22–23): each rule at its boundary days.

@pytest.mark.parametrize(("on", "fee"), [
    (date(2020, 9, 30), 2_000),  # the 2018 schedule's last day
    (date(2020, 10, 1), 2_000),  # the 2020-10 revision does not end the measure
    (date(2021, 4, 1), 2_000),
    (date(2023, 3, 31), 2_000),  # "2023年3月までにインターネット申請した60歳以上の方"
    (date(2023, 4, 1), 2_500),
])
def test_sixty_plus_internet_discount_lasts_until_2023_03_31(on: date, fee: int) -> None:
    assert worker_registration_fee(on, "internet", "basic", age=60) == fee
    assert worker_registration_fee(on, "internet", "basic", age=59) == 2_500
    assert worker_registration_fee(on, "mail", "basic", age=70) == 3_500


@pytest.mark.parametrize(("on", "free", "three_ids"), [
    (date(2019, 6, 1), True, 4_800),
    (date(2020, 3, 31), True, 4_800),  # "2020年3月まで、登録責任者の1ID無料"
    (date(2020, 4, 1), False, 7_200),
    (date(2020, 10, 1), False, 3 * 11_400),
])
def test_the_registrants_first_admin_id_is_free_until_2020_03_31(on: date, free: bool, three_ids: int) -> None:
    assert registrant_id_free(on) is free
    assert admin_ids_annual_fee(on, 3, one_person_contractor=False) == three_ids
    assert admin_ids_annual_fee(on, 1, one_person_contractor=False) == (0 if free else admin_id_annual_fee(on, False))
    assert admin_id_annual_fee(on, False) in (2_400, 11_400)  # the per-ID price itself is unchanged


def test_admin_id_costs_200_yen_a_month_as_the_guide_says() -> None:
    assert admin_id_monthly_fee(SEED, one_person_contractor=False) == 200
    assert admin_id_monthly_fee(REVISED, one_person_contractor=False) == 950
    assert admin_id_monthly_fee(REVISED, one_person_contractor=True) == 200
