"""Flow: the day's invoices (請求). ``today`` is a parameter, like every scheduled flow's.

Runs daily: 管理者ID利用料 invoices are issued ahead of each registration anniversary; from the
first of a month, the previous month's 現場利用料 is invoiced to each prime contractor. Safe to run
twice the same day and on two workers at once (each invoice is unique by business, kind, period).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from prefect import flow

from ccus.services.clock import today_jst
from ccus.tasks.billing import admin_id_invoices, attendance_counts, site_usage_invoices


@flow(name="billing")
def billing(today: date | None = None) -> dict[str, Any]:
    day = today or today_jst()
    admin = admin_id_invoices(day)
    site = site_usage_invoices(day)
    previous_month = day.replace(day=1) - timedelta(days=1)
    return {"admin_id_fee": admin, "site_usage": site,
            "attendance_by_prime": attendance_counts(previous_month)}
