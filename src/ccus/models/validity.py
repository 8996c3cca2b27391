"""有効期間 (validity periods): ages, card expiry and business registration expiry.

Standard library only. Decisions:

- A period of N years ends on the day before its N-th anniversary (民法143条). When the anniversary
  does not exist (started on 29 February, ending in a common year) it ends on 28 February.
- Age (満年齢) goes up on the birthday; someone born on 29 February turns a year older on 1 March in
  common years (the law ends the year at the close of 28 February).
- Card: 10 years; 15 if the worker is 60 or older on the issue (or renewal) date; 3 years without an
  identity document, whatever the age. Business registration: 5 years.
"""

from datetime import date, timedelta

_CARD_YEARS = 10
_CARD_YEARS_SENIOR = 15
_CARD_YEARS_NO_IDENTITY_DOCUMENT = 3
_SENIOR_AGE = 60
_BUSINESS_REGISTRATION_YEARS = 5


def age_on(birth: date, on: date) -> int:
    """満年齢 (age in completed years) on a date."""
    if on < birth:
        raise ValueError(f"生年月日（{birth.isoformat()}）より前の日付です: {on.isoformat()}")
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _last_day_of_period(start: date, years: int) -> date:
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:  # 29 February in a common year
        anniversary = date(start.year + years, 3, 1)
    return anniversary - timedelta(days=1)


def card_expiry(issued_on: date, birth_date: date, has_identity_document: bool) -> date:
    """Last valid day of a 建設キャリアアップカード issued (or renewed) on ``issued_on``."""
    age = age_on(birth_date, issued_on)
    if not has_identity_document:
        years = _CARD_YEARS_NO_IDENTITY_DOCUMENT
    elif age >= _SENIOR_AGE:
        years = _CARD_YEARS_SENIOR
    else:
        years = _CARD_YEARS
    return _last_day_of_period(issued_on, years)


def business_registration_expiry(registered_on: date) -> date:
    """Last valid day of a 事業者登録 made (or renewed) on ``registered_on``: 5 years."""
    return _last_day_of_period(registered_on, _BUSINESS_REGISTRATION_YEARS)
