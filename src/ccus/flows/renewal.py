"""Flow: the day's renewals (更新). ``today`` is a parameter: tests run five years in seconds.

Paid renewals are applied first, so a registration renewed on its last day never lapses.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from prefect import flow

from ccus.models.status import Status
from ccus.services.clock import today_jst
from ccus.tasks.drain import Stage, drain
from ccus.tasks.lifecycle import apply_renewal, card_renewals, lapse_expired, renewal_notices


@flow(name="renewals")
def renewals(today: date | None = None, batch_size: int = 50, max_rounds: int = 100) -> dict[str, Any]:
    day = today or today_jst()
    moved = drain((Stage(Status.ISSUING, partial(apply_renewal, today=day), kinds=("business_renewal",)),),
                  batch_size=batch_size, max_rounds=max_rounds)
    return {"renewed": moved[Status.ISSUING.value], "notices": renewal_notices(day), "lapsed": lapse_expired(day),
            "cards": card_renewals(day)}
