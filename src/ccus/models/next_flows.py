"""What runs next (次に動く処理): the events of a case and the flows that then have work. Pure data.

The database is the queue and every flow drains what waits for it on its schedule; starting a
flow at once after an event is a latency optimisation. This table says which flow has work after
which event; ``infra/orchestrator.py`` only starts the runs (Prefect deployments, named
``<flow>/<deployment>`` as in ``prefect.yaml``).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Final

from ccus.models.lifecycle import LifecycleKind
from ccus.models.status import PIPELINE_NEXT, Status


class Flow(StrEnum):
    """The deployments that drain a stage (``prefect.yaml``)."""

    PIPELINE = "process-pipeline/process-pipeline"  # reading, validation, consent, duplicates
    ISSUANCE = "issue-approved/issue-approved"  # charging and issuing approved registrations
    MAIL = "deliver-mail/deliver-mail"  # the e-mail outbox
    CHANGES = "apply-changes/apply-changes"  # approved 変更申請
    WITHDRAWALS = "withdrawals/withdrawals"  # 削除申請
    RENEWALS = "renewals/renewals"  # 更新申請


class Event(StrEnum):
    """Things that happen to a case outside the flows (a web request, the command line)."""

    RECEIVED = "received"  # an application stored (internet, counter, a scanned envelope)
    PAID = "paid"  # a payment recorded
    WITHDRAWAL_REQUESTED = "withdrawal_requested"  # a business asked to leave, signed in
    MAIL_QUEUED = "mail_queued"  # a notice put in the outbox


AFTER_EVENT: Final[dict[Event, tuple[Flow, ...]]] = {
    Event.RECEIVED: (Flow.PIPELINE,),
    Event.PAID: (Flow.ISSUANCE,),
    Event.WITHDRAWAL_REQUESTED: (Flow.WITHDRAWALS,),
    Event.MAIL_QUEUED: (Flow.MAIL,),
}

# A reviewer's decision left the case in a status: (status, kind) → the flow with work; a kind of
# None stands for every kind without a row of its own. A first approval waits for the second: none.
AFTER_DECISION: Final[dict[tuple[Status, str | None], Flow]] = {
    (Status.APPROVED, LifecycleKind.BUSINESS_CHANGE.value): Flow.CHANGES,  # applied to the registry
    (Status.APPROVED, LifecycleKind.BUSINESS_WITHDRAWAL.value): Flow.WITHDRAWALS,  # carried out
    (Status.APPROVED, LifecycleKind.WORKER_CHANGE.value): Flow.CHANGES,  # qualifications added, card level
    (Status.APPROVED, None): Flow.ISSUANCE,  # a registration is charged and issued
    (Status.RETURNED, None): Flow.MAIL,  # the 不備 notice
    (Status.REJECTED, None): Flow.MAIL,  # the rejection notice
}

# The re-drive released stuck cases in these statuses: the drains that take them up again.
AFTER_RELEASE: Final[tuple[tuple[frozenset[str], tuple[Flow, ...]], ...]] = (
    (frozenset(s.value for s in PIPELINE_NEXT), (Flow.PIPELINE,)),
    (frozenset((Status.APPROVED.value, Status.ISSUING.value)),
     (Flow.ISSUANCE, Flow.CHANGES, Flow.WITHDRAWALS, Flow.RENEWALS)),
)


def after_event(event: Event) -> tuple[Flow, ...]:
    return AFTER_EVENT[event]


def after_decision(status: str, kind: str) -> Flow | None:
    """The flow that has work once a decision left a case of ``kind`` in ``status``."""
    try:
        st = Status(status)
    except ValueError:
        return None
    return AFTER_DECISION.get((st, kind)) or AFTER_DECISION.get((st, None))


def after_release(statuses: Iterable[str]) -> list[Flow]:
    """The drains to start once the re-drive released cases in ``statuses``, in table order."""
    released = set(statuses)
    return [flow for group, flows in AFTER_RELEASE if released & group for flow in flows]
