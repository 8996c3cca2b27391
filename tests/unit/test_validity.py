from datetime import date, timedelta

import pytest

from ccus.models.validity import age_on, business_registration_expiry, card_expiry

LEAP_BIRTH = date(2000, 2, 29)


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(1990, 4, 2), date(2024, 4, 1), 33),
        (date(1990, 4, 2), date(2024, 4, 2), 34),
        (date(1990, 12, 31), date(2024, 1, 1), 33),
        (LEAP_BIRTH, date(2023, 2, 28), 22),
        (LEAP_BIRTH, date(2023, 3, 1), 23),
        (LEAP_BIRTH, date(2024, 2, 28), 23),
        (LEAP_BIRTH, date(2024, 2, 29), 24),
        (LEAP_BIRTH, LEAP_BIRTH, 0),
    ],
)
def test_age_counts_completed_years_including_29_february_births(birth: date, on: date, age: int) -> None:
    assert age_on(birth, on) == age


def test_age_rises_by_exactly_one_on_each_birthday_and_never_falls() -> None:
    for birth in (date(1960, 1, 1), LEAP_BIRTH, date(1975, 12, 31)):
        day, previous = birth, 0
        while day < birth + timedelta(days=365 * 9):
            age = age_on(birth, day)
            assert age in (previous, previous + 1)
            previous = age
            day += timedelta(days=1)
        assert previous == 8


def test_age_before_birth_is_refused() -> None:
    with pytest.raises(ValueError):
        age_on(date(2000, 1, 2), date(2000, 1, 1))


@pytest.mark.parametrize(
    ("issued", "birth", "has_document", "expiry"),
    [
        (date(2024, 4, 1), date(1990, 1, 1), True, date(2034, 3, 31)),
        (date(2024, 4, 1), date(1964, 4, 1), True, date(2039, 3, 31)),  # 60 that day: 15 years
        (date(2024, 4, 1), date(1964, 4, 2), True, date(2034, 3, 31)),  # still 59: 10 years
        (date(2024, 4, 1), date(1990, 1, 1), False, date(2027, 3, 31)),
        (date(2024, 4, 1), date(1950, 1, 1), False, date(2027, 3, 31)),  # no document beats 60+
        (date(2024, 2, 29), date(1990, 1, 1), True, date(2034, 2, 28)),
        (date(2024, 2, 29), date(1990, 1, 1), False, date(2027, 2, 28)),
        (date(2024, 3, 1), date(1990, 1, 1), True, date(2034, 2, 28)),
        (date(2024, 1, 1), date(1990, 1, 1), True, date(2033, 12, 31)),
    ],
)
def test_card_expires_the_day_before_the_anniversary(
    issued: date, birth: date, has_document: bool, expiry: date
) -> None:
    assert card_expiry(issued, birth, has_document) == expiry


def test_card_for_a_worker_born_after_issue_is_refused() -> None:
    with pytest.raises(ValueError):
        card_expiry(date(2024, 4, 1), date(2025, 1, 1), True)


@pytest.mark.parametrize(
    ("registered", "expiry"),
    [
        (date(2024, 4, 1), date(2029, 3, 31)),
        (date(2024, 2, 29), date(2029, 2, 28)),
        (date(2023, 3, 1), date(2028, 2, 29)),
        (date(2020, 1, 1), date(2024, 12, 31)),
    ],
)
def test_business_registration_lasts_five_years(registered: date, expiry: date) -> None:
    assert business_registration_expiry(registered) == expiry


def test_validity_ends_the_day_before_the_same_date_five_years_later() -> None:
    day = date(2018, 1, 1)
    while day < date(2030, 1, 1):
        next_day = business_registration_expiry(day) + timedelta(days=1)
        if (day.month, day.day) == (2, 29):
            assert next_day == date(day.year + 5, 3, 1)
        else:
            assert next_day == day.replace(year=day.year + 5)
        day += timedelta(days=1)
