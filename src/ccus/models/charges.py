"""What an application must pay (請求額), from the dated fee schedules (pure).

A business pays its registration fee (by capital tier, one-person contractors free) plus the first
year of each 管理者ID; a worker pays the registration fee of the channel and tier, with the 60+
discount where the schedule of the application's date has one. The date is the application's
receipt date in Japan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ccus.models.fees import (
    admin_id_annual_fee,
    business_registration_fee,
    card_reissue_fee,
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
        per_id = admin_id_annual_fee(received_on, one_person)
        return Fee(received_on, (
            FeeLine("事業者登録料（5年）", reg),
            FeeLine(f"管理者ID利用料（1年分×{admins}ID）", per_id * admins),
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
