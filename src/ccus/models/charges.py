"""What an application must pay (請求額), from the dated fee schedules (pure).

A business pays its registration fee (by capital tier, one-person contractors free) plus the first
year of each 管理者ID (the 登録責任者's first ID free until 2020-03, guide p. 23); a 管理者ID added
later is charged by the month up to the next billing date (guide p. 23: 200円 a month); a worker pays the registration fee of the channel and tier, with the 60+
discount where the schedule of the application's date has one. The date is the application's
receipt date in Japan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ccus.models.fees import (
    admin_id_monthly_fee,
    admin_ids_annual_fee,
    business_registration_fee,
    card_reissue_fee,
    registrant_id_free,
    worker_registration_fee,
)
from ccus.models.validity import age_on


@dataclass(frozen=True)
class FeeLine:
    label: str  # Japanese, as on the invoice
    amount: int


@dataclass(frozen=True)
class Fee:
    fee_date: date
    lines: tuple[FeeLine, ...]

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    def describe(self) -> str:
        return " / ".join(f"{line.label} {line.amount:,}円" for line in self.lines)


def application_fee(kind: str, channel: str, declared: dict[str, Any], received_on: date) -> Fee:
    if kind == "business_registration":
        one_person = declared["business_type"] == "one_person_contractor"
        reg = business_registration_fee(received_on, declared.get("capital_yen"), one_person)
        admins = int(declared.get("admin_id_count", 1))
        label = f"管理者ID利用料（1年分×{admins}ID）"
        if registrant_id_free(received_on):
            label = f"管理者ID利用料（1年分×{admins}ID、登録責任者の1ID無料）"
        return Fee(received_on, (
            FeeLine("事業者登録料（5年）", reg),
            FeeLine(label, admin_ids_annual_fee(received_on, admins, one_person)),
        ))
    age = age_on(date.fromisoformat(declared["birth_date"]), received_on)
    tier = declared.get("tier", "basic")
    amount = worker_registration_fee(received_on, channel, tier, age)
    label = "技能者登録料（詳細型）" if tier == "detailed" else "技能者登録料"
    return Fee(received_on, (FeeLine(label, amount),))


def reissue_fee(requested_on: date) -> Fee:
    return Fee(requested_on, (FeeLine("カード再発行手数料", card_reissue_fee(requested_on)),))


def card_renewal_fee(requested_on: date, birth_date: date, tier: str = "basic") -> Fee:
    """A card renewal costs what registration costs (internet channel, the worker's tier and age)."""
    amount = worker_registration_fee(requested_on, "internet", tier, age_on(birth_date, requested_on))
    return Fee(requested_on, (FeeLine("カード更新料（技能者登録料と同額）", amount),))


def months_until(start: date, billing_on: date) -> int:
    """Months charged from ``start`` up to ``billing_on`` (exclusive): every month begun counts, so
    an ID added on 2026-05-10 with the next billing date 2027-04-01 is charged 11 months."""
    if billing_on <= start:
        raise ValueError(f"次回請求日 {billing_on.isoformat()} が開始日 {start.isoformat()} 以前です")
    months = (billing_on.year - start.year) * 12 + billing_on.month - start.month
    return months if billing_on.day <= start.day else months + 1


def admin_id_addition_fee(added_on: date, billing_on: date, one_person_contractor: bool) -> Fee:
    """管理者ID追加 (an ID added after registration): charged by the month — guide p. 23, ②管理者ID利用料
    "※1か月あたり200円" — from the month it is added up to the business's next billing date (the
    registration anniversary from which the yearly invoice counts it), at the schedule of ``added_on``
    (2,400 a year = 200 a month in the guide; 11,400 = 950 a month from 2020-10). Every month begun
    is charged in full."""
    months = months_until(added_on, billing_on)
    per_month = admin_id_monthly_fee(added_on, one_person_contractor)
    until = billing_on.fromordinal(billing_on.toordinal() - 1)
    return Fee(added_on, (FeeLine(
        f"管理者ID利用料（追加1ID、{added_on.isoformat()}〜{until.isoformat()}の{months}か月分×{per_month:,}円）",
        months * per_month),))
