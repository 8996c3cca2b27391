"""手数料 (fees), yen including tax, kept as dated schedules.

Standard library only. ``FEE_SCHEDULES`` is the data; the schedule in force on a date is the one
with the latest ``starts_on`` on or before it. Dates before 2018-04-01 raise ValueError.

Readings of DOMAIN.md's fee table (change the data here, nowhere else):

- 2018-04-01 (seed guide): worker 2,500 internet / 3,500 mail or counter; business fee per 5 years
  by capital tier (lower bound inclusive), one-person contractor (一人親方) free; 管理者ID 2,400 per ID
  per year for everyone; site usage 3 per attendance record; card reissue "about 1,000" → 1,000.
- 60+ discount (guide p. 22, 利用料金 ※60歳以上の技能者の特例措置: "2023年3月までにインターネット申請した
  60歳以上の方" pay 2,000): an internet application by a worker aged 60 or more costs 2,000 on
  dates up to 2023-03-31, whatever schedule is in force then: the 2020-10 and 2021-04 revisions keep
  it (they change other fees, not this measure's end). From 2021-04-01 it applies to the 簡略型
  ("basic") fee the guide names, not to 詳細型. ``age=None`` (unknown) means no discount.
- First 管理者ID free (guide p. 23, ②管理者ID利用料: "※2020年3月まで、登録責任者の1ID無料"): on dates up to
  2020-03-31 the 登録責任者's own ID (the first one) costs nothing; a 2019 registration with 3 IDs pays
  2 × 2,400 = 4,800 for the first year. ``admin_ids_annual_fee`` applies it; the per-ID price
  ``admin_id_annual_fee`` does not.
- 管理者ID by the month (guide p. 23: "※1か月あたり200円"): the yearly price is 12 monthly ones
  (2,400 = 12 × 200); ``admin_id_monthly_fee`` is the yearly price of the date / 12, used for an ID
  added between two billing dates (``models/charges.admin_id_addition_fee``).
- 2020-10-01: business fees doubled; 管理者ID 11,400 (one-person contractor 2,400); site usage 10.
- 2021-04-01: worker tiers 簡略型 "basic" 2,500 and 詳細型 "detailed" 4,900 (internet). Mail and
  counter are kept as the greater of 3,500 and the tier fee: basic 3,500, detailed 4,900. Before
  2021-04-01 only "basic" exists; asking for "detailed" then raises ValueError.
- Business renewal costs the same as registration: use ``business_registration_fee``.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from types import MappingProxyType

_CHANNELS = ("internet", "mail", "counter")
_TIERS = ("basic", "detailed")
_MAN = 10_000  # 万円
_OKU = 100_000_000  # 億円


@dataclass(frozen=True)
class SeniorDiscount:
    """60歳以上の特例 (60+ discount) on internet worker registration (guide p. 22)."""

    min_age: int
    fee: int
    until: date  # last day on which it applies
    tiers: tuple[str, ...] = ("basic",)  # the tiers it applies to


@dataclass(frozen=True)
class FeeSchedule:
    """One dated 料金表 (fee schedule); amounts in yen including tax."""

    starts_on: date
    worker_registration: Mapping[tuple[str, str], int]  # (channel, tier) -> yen
    senior_internet: SeniorDiscount | None
    capital_tiers: tuple[tuple[int, int], ...]  # (capital lower bound in yen, fee), ascending
    admin_id_per_year: int
    admin_id_per_year_one_person: int
    site_usage_per_record: int
    card_reissue: int
    # 登録責任者の1ID無料 (guide p. 23): the last day on which the first 管理者ID is free, if any.
    registrant_id_free_until: date | None = None


_SEED_CAPITAL_TIERS = (
    (0, 3_000),
    (500 * _MAN, 6_000),
    (1_000 * _MAN, 12_000),
    (2_000 * _MAN, 24_000),
    (5_000 * _MAN, 30_000),
    (1 * _OKU, 60_000),
    (3 * _OKU, 120_000),
    (10 * _OKU, 240_000),
    (50 * _OKU, 300_000),
    (100 * _OKU, 600_000),
    (500 * _OKU, 1_200_000),
)

_SEED_2018 = FeeSchedule(
    starts_on=date(2018, 4, 1),
    worker_registration=MappingProxyType(
        {("internet", "basic"): 2_500, ("mail", "basic"): 3_500, ("counter", "basic"): 3_500}
    ),
    senior_internet=SeniorDiscount(min_age=60, fee=2_000, until=date(2023, 3, 31)),
    capital_tiers=_SEED_CAPITAL_TIERS,
    admin_id_per_year=2_400,
    admin_id_per_year_one_person=2_400,
    site_usage_per_record=3,
    card_reissue=1_000,
    registrant_id_free_until=date(2020, 3, 31),
)
_REVISION_2020_10 = replace(
    _SEED_2018,
    starts_on=date(2020, 10, 1),
    capital_tiers=tuple((low, fee * 2) for low, fee in _SEED_CAPITAL_TIERS),
    admin_id_per_year=11_400,
    site_usage_per_record=10,
)
_REVISION_2021_04 = replace(
    _REVISION_2020_10,
    starts_on=date(2021, 4, 1),
    worker_registration=MappingProxyType(
        {("internet", "basic"): 2_500, ("internet", "detailed"): 4_900}
        | {(channel, "basic"): 3_500 for channel in ("mail", "counter")}
        | {(channel, "detailed"): 4_900 for channel in ("mail", "counter")}
    ),
)

FEE_SCHEDULES: tuple[FeeSchedule, ...] = (_SEED_2018, _REVISION_2020_10, _REVISION_2021_04)


def _schedule_on(on: date) -> FeeSchedule:
    in_force = [s for s in FEE_SCHEDULES if s.starts_on <= on]
    if not in_force:
        raise ValueError(f"{on.isoformat()}は料金表の開始日（2018-04-01）より前です")
    return max(in_force, key=lambda s: s.starts_on)


def business_registration_fee(on: date, capital_yen: int | None, one_person_contractor: bool) -> int:
    """事業者登録料 per 5 years by 資本金 tier; 0 for a one-person contractor, lowest tier if no capital."""
    schedule = _schedule_on(on)
    if one_person_contractor:
        return 0
    capital = 0 if capital_yen is None else capital_yen
    if capital < 0:
        raise ValueError(f"資本金が負の値です: {capital_yen}")
    return [fee for low, fee in schedule.capital_tiers if low <= capital][-1]


def worker_registration_fee(on: date, channel: str, tier: str = "basic", age: int | None = None) -> int:
    """技能者登録料 for channel internet/mail/counter and tier basic/detailed (60+ discount see module)."""
    if channel not in _CHANNELS:
        raise ValueError(f"申請方法が不明です（internet / mail / counter）: {channel!r}")
    if tier not in _TIERS:
        raise ValueError(f"登録区分が不明です（basic / detailed）: {tier!r}")
    schedule = _schedule_on(on)
    fee = schedule.worker_registration.get((channel, tier))
    if fee is None:
        raise ValueError(f"{on.isoformat()}時点の料金表に登録区分 {tier!r} はありません")
    senior = schedule.senior_internet
    if (channel == "internet" and senior and tier in senior.tiers and age is not None and age >= senior.min_age
            and on <= senior.until):
        return senior.fee
    return fee


def admin_id_annual_fee(on: date, one_person_contractor: bool) -> int:
    """管理者ID利用料 per ID per year."""
    schedule = _schedule_on(on)
    return schedule.admin_id_per_year_one_person if one_person_contractor else schedule.admin_id_per_year


def admin_id_monthly_fee(on: date, one_person_contractor: bool) -> int:
    """管理者ID利用料 per ID per month: the yearly price / 12 (guide p. 23: 2,400 a year, 200 a month)."""
    yearly = admin_id_annual_fee(on, one_person_contractor)
    if yearly % 12:
        raise ValueError(f"{on.isoformat()}の管理者ID利用料（年額 {yearly}円）は月額に割り切れません")
    return yearly // 12


def registrant_id_free(on: date) -> bool:
    """Whether the 登録責任者's first 管理者ID is free on ``on`` (guide p. 23: until 2020-03)."""
    until = _schedule_on(on).registrant_id_free_until
    return until is not None and on <= until


def admin_ids_annual_fee(on: date, count: int, one_person_contractor: bool) -> int:
    """A year of ``count`` 管理者IDs of one business, the 登録責任者's first ID included (free while
    ``registrant_id_free``: a 2019 registration with 3 IDs pays 2 × 2,400 = 4,800)."""
    if count < 0:
        raise ValueError(f"管理者IDの数が負の値です: {count}")
    paid = count - 1 if count and registrant_id_free(on) else count
    return paid * admin_id_annual_fee(on, one_person_contractor)


def site_usage_fee_per_record(on: date) -> int:
    """現場利用料 per attendance record (就業履歴), paid by the prime contractor."""
    return _schedule_on(on).site_usage_per_record


def card_reissue_fee(on: date) -> int:
    """カード再発行 (card reissue) fee."""
    return _schedule_on(on).card_reissue
