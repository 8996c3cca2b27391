"""Flow: send every pending notice in the outbox (returns, rejections, …)."""

from __future__ import annotations

from prefect import flow

from ccus.tasks.issuance import deliver_mail


@flow(name="deliver-mail")
def deliver_pending_mail() -> int:
    return deliver_mail()
