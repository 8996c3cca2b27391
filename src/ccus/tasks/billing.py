"""Prefect tasks of the billing flow (請求): one kind of invoice each; the rules live in
services/billing/invoices.py, where every invoice is keyed by business + kind + period."""

from __future__ import annotations

from datetime import date

from prefect import task

from ccus.services.billing import invoices


@task(name="admin-id-invoices", retries=2, retry_delay_seconds=5)
def admin_id_invoices(today: date) -> list[str]:
    return invoices.issue_admin_id_invoices(today)


@task(name="site-usage-invoices", retries=2, retry_delay_seconds=5)
def site_usage_invoices(today: date) -> list[str]:
    return invoices.issue_site_usage_invoices(today)


@task(name="attendance-counts")
def attendance_counts(month: date) -> dict[str, int]:
    return invoices.attendance_counts(month)
