"""Flow: the day's renewals (更新). ``today`` is a parameter: tests run five years in seconds.

Paid renewals are applied first, so a registration renewed on its last day never lapses.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow

from ccus.services.clock import today_jst
from ccus.tasks.lifecycle import (
    apply_renewal_batch,
    card_renewals,
    claim_lifecycle,
    lapse_expired,
    renewal_notices,
)


@flow(name="renewals")
def renewals(today: date | None = None, batch_size: int = 50, max_rounds: int = 100) -> dict[str, Any]:
    day = today or today_jst()
    renewed = 0
    for _ in range(max_rounds):
        ids = claim_lifecycle("issuing", "business_renewal", batch_size)
        if not ids:
            break
        renewed += apply_renewal_batch(ids, day)
    return {"renewed": renewed, "notices": renewal_notices(day), "lapsed": lapse_expired(day),
            "cards": card_renewals(day)}
