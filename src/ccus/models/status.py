"""The case state machine (申請の状態遷移): every allowed transition, in one place.

Pure: no I/O. ``check_transition`` is the only gate; services call it before writing a new status
and the stage log records every transition it allowed.
"""

from __future__ import annotations

from enum import StrEnum

from ccus.models.application_types import Channel, Kind
from ccus.models.lifecycle import LifecycleKind
from ccus.models.machines import Machine


class Status(StrEnum):
    RECEIVED = "received"  # 受付
    DOCUMENTS_STORED = "documents_stored"  # 書類保存済
    EXTRACTED = "extracted"  # OCR・読取済
    VALIDATED = "validated"  # 検証済
    CONSENT_CHECKED = "consent_checked"  # 同意確認済 (proxy only)
    AWAITING_REVIEW = "awaiting_review"  # 審査待ち
    AWAITING_SECOND_APPROVAL = "awaiting_second_approval"  # 二次承認待ち (four-eyes)
    RETURNED = "returned"  # 差戻し中
    REJECTED = "rejected"  # 却下
    APPROVED = "approved"  # 承認
    AWAITING_PAYMENT = "awaiting_payment"  # 入金待ち
    ISSUING = "issuing"  # 発行処理中
    REGISTERED = "registered"  # 登録完了
    NEEDS_OPERATOR = "needs_operator"  # 要オペレーター対応


TERMINAL = frozenset({Status.REJECTED, Status.REGISTERED})

_ALLOWED: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.DOCUMENTS_STORED, Status.NEEDS_OPERATOR}),
    Status.DOCUMENTS_STORED: frozenset({Status.EXTRACTED, Status.NEEDS_OPERATOR}),
    Status.EXTRACTED: frozenset({Status.VALIDATED, Status.NEEDS_OPERATOR}),
    Status.VALIDATED: frozenset({Status.CONSENT_CHECKED, Status.NEEDS_OPERATOR}),
    Status.CONSENT_CHECKED: frozenset({Status.AWAITING_REVIEW, Status.NEEDS_OPERATOR}),
    Status.AWAITING_REVIEW: frozenset(
        {Status.APPROVED, Status.AWAITING_SECOND_APPROVAL, Status.RETURNED, Status.REJECTED}
    ),
    Status.AWAITING_SECOND_APPROVAL: frozenset({Status.APPROVED, Status.RETURNED, Status.REJECTED}),
    # An answered return is read again from its documents; a change application (変更申請) has no
    # documents to read: its corrected changes are checked when filed and it goes back to review.
    Status.RETURNED: frozenset({Status.DOCUMENTS_STORED, Status.AWAITING_REVIEW, Status.REJECTED}),
    # Approved cases with a fee wait for payment; fee-free ones (一人親方) go straight to issuance.
    # A stuck approved case (charging keeps failing) goes to an operator after the re-drive's cap.
    Status.APPROVED: frozenset({Status.AWAITING_PAYMENT, Status.ISSUING, Status.NEEDS_OPERATOR}),
    Status.AWAITING_PAYMENT: frozenset({Status.ISSUING, Status.NEEDS_OPERATOR}),
    Status.ISSUING: frozenset({Status.REGISTERED, Status.NEEDS_OPERATOR}),
    # An operator sends a case back to its stage, rejects it, or (a paid duplicate merged into the
    # worker already registered: services/operations/duplicates.py) closes it as registered.
    Status.NEEDS_OPERATOR: frozenset(
        {
            Status.REGISTERED,
            Status.DOCUMENTS_STORED,
            Status.EXTRACTED,
            Status.VALIDATED,
            Status.CONSENT_CHECKED,
            Status.APPROVED,
            Status.ISSUING,
            Status.REJECTED,
        }
    ),
    Status.REJECTED: frozenset(),
    Status.REGISTERED: frozenset(),
}

# The same table as a Machine like the others (models/machines.py); a case is born RECEIVED, by an
# entry path (ENTRY_PATHS below).
CASE: Machine[Status] = Machine("applications", Status, frozenset({Status.RECEIVED}), _ALLOWED)

# Stages that machines drain: a case that stays in one of them too long is stuck (re-drive).
AUTOMATIC: frozenset[Status] = frozenset(
    {
        Status.DOCUMENTS_STORED,
        Status.EXTRACTED,
        Status.VALIDATED,
        Status.CONSENT_CHECKED,
        Status.APPROVED,
        Status.ISSUING,
    }
)

# The automatic pipeline: the stage each status is drained into by the intake flow.
PIPELINE_NEXT: dict[Status, Status] = {
    Status.DOCUMENTS_STORED: Status.EXTRACTED,
    Status.EXTRACTED: Status.VALIDATED,
    Status.VALIDATED: Status.CONSENT_CHECKED,
    Status.CONSENT_CHECKED: Status.AWAITING_REVIEW,
}


class TransitionError(ValueError):
    """A transition that the state machine does not allow."""

    def __init__(self, current: Status, target: Status) -> None:
        super().__init__(f"transition {current.value} -> {target.value} is not allowed")
        self.current = current
        self.target = target


# How a case enters (受付): from nothing to RECEIVED, then to the stage where its kind really starts,
# by (kind, channel). The second step is legal only as part of an entry, never as a later transition.
# New applications (every channel) and change / withdrawal forms by mail start with their documents
# stored. A registered business's own applications on the portal (models/lifecycle.py) enter where
# they are decided: a change at review, a withdrawal already approved (signed in with its own
# password), a renewal charged at once (issuing when it owes nothing).
_STORED = frozenset({(Status.RECEIVED, Status.DOCUMENTS_STORED)})
ENTRY_PATHS: dict[tuple[str, str], frozenset[tuple[Status, ...]]] = {
    **{(k.value, c.value): _STORED for k in Kind for c in Channel},
    (LifecycleKind.BUSINESS_CHANGE.value, Channel.MAIL.value): _STORED,
    (LifecycleKind.BUSINESS_WITHDRAWAL.value, Channel.MAIL.value): _STORED,
    (LifecycleKind.BUSINESS_CHANGE.value, Channel.INTERNET.value): frozenset(
        {(Status.RECEIVED, Status.AWAITING_REVIEW)}),
    (LifecycleKind.BUSINESS_WITHDRAWAL.value, Channel.INTERNET.value): frozenset(
        {(Status.RECEIVED, Status.APPROVED)}),
    (LifecycleKind.WORKER_CHANGE.value, Channel.INTERNET.value): frozenset(
        {(Status.RECEIVED, Status.AWAITING_REVIEW)}),
    (LifecycleKind.BUSINESS_RENEWAL.value, Channel.INTERNET.value): frozenset(
        {(Status.RECEIVED, Status.AWAITING_PAYMENT), (Status.RECEIVED, Status.ISSUING)}),
}


class EntryError(ValueError):
    """An entry path that the case's kind and channel do not have."""

    def __init__(self, kind: str, channel: str, path: tuple[str, ...]) -> None:
        super().__init__(f"{kind} by {channel} cannot enter by {' -> '.join(path) or 'nothing'}")
        self.kind, self.channel, self.path = kind, channel, path


def check_entry(kind: str, channel: str, path: tuple[Status | str, ...]) -> tuple[Status, ...]:
    """``path`` as statuses if a case of ``kind`` arriving by ``channel`` may enter by it."""
    try:
        steps = tuple(Status(s) for s in path)
    except ValueError:
        raise EntryError(kind, channel, tuple(str(s) for s in path)) from None
    if steps not in ENTRY_PATHS.get((kind, channel), frozenset()):
        raise EntryError(kind, channel, tuple(s.value for s in steps))
    return steps


def allowed_targets(current: Status) -> frozenset[Status]:
    return _ALLOWED[current]


def check_transition(current: Status | str, target: Status | str) -> None:
    cur, tgt = Status(current), Status(target)
    if tgt not in _ALLOWED[cur]:
        raise TransitionError(cur, tgt)
