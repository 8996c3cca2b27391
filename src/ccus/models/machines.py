"""The small state machines (状態遷移) of every status column other than a case's.

Pure: no I/O. Each table with a ``status`` column has one ``Machine`` here: its states (a StrEnum
holding the same strings the column stores), the states a row may be created in, and the allowed
transitions. The gate (``services/gate.py``) is the only code that writes these statuses and checks
every write against the machine; a bulk UPDATE restricts its rows to ``machine.sources(to)``.

Derived from what the code does; a transition nothing performs yet but the database allows (an
invoice voided, a card activated) is marked as such beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

S = TypeVar("S", bound=StrEnum)


class MachineError(ValueError):
    """A status write the machine does not allow."""

    def __init__(self, machine: str, current: str | None, target: str) -> None:
        what = f"{current} -> {target}" if current is not None else f"a new row in {target}"
        super().__init__(f"{machine}: {what} is not allowed")
        self.machine, self.current, self.target = machine, current, target


@dataclass(frozen=True)
class Machine(Generic[S]):
    """States, initial states and allowed transitions of one status column."""

    name: str
    states: type[S]
    initial: frozenset[S]
    transitions: Mapping[S, frozenset[S]]

    def __post_init__(self) -> None:
        missing = set(self.states) - set(self.transitions)
        if missing:
            raise ValueError(f"{self.name}: no transition entry for {sorted(missing)}")

    def state(self, value: str) -> S:
        try:
            return self.states(value)
        except ValueError:
            raise MachineError(self.name, None, value) from None

    def allows(self, cur: str, to: str) -> bool:
        return self.states(to) in self.transitions[self.states(cur)]

    def check(self, cur: str, to: str) -> S:
        """``to`` as a state if ``cur → to`` is allowed; raises MachineError otherwise."""
        target = self.state(to)
        if target not in self.transitions[self.state(cur)]:
            raise MachineError(self.name, cur, to)
        return target

    def check_initial(self, to: str) -> S:
        target = self.state(to)
        if target not in self.initial:
            raise MachineError(self.name, None, to)
        return target

    def sources(self, to: str) -> frozenset[S]:
        """The states a row may move to ``to`` from (for a bulk UPDATE's WHERE)."""
        target = self.state(to)
        return frozenset(s for s, targets in self.transitions.items() if target in targets)

    def terminal(self) -> frozenset[S]:
        return frozenset(s for s, targets in self.transitions.items() if not targets - {s})


def _table(pairs: Iterable[tuple[S, Iterable[S]]]) -> dict[S, frozenset[S]]:
    return {s: frozenset(t) for s, t in pairs}


class BusinessStatus(StrEnum):
    ACTIVE = "active"  # 有効
    LAPSED = "lapsed"  # 有効期間満了
    WITHDRAWN = "withdrawn"  # 退会


BUSINESS: Machine[BusinessStatus] = Machine("businesses", BusinessStatus, frozenset({BusinessStatus.ACTIVE}), _table([
    (BusinessStatus.ACTIVE, {BusinessStatus.LAPSED, BusinessStatus.WITHDRAWN}),
    # A lapsed business is renewed (paid renewal), or withdraws (a paper 削除申請 may target it).
    (BusinessStatus.LAPSED, {BusinessStatus.ACTIVE, BusinessStatus.WITHDRAWN}),
    (BusinessStatus.WITHDRAWN, set()),
]))


class AdminIdStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # its business lapsed, or its 登録責任者 suspended it
    DISABLED = "disabled"  # its business withdrew, or its 登録責任者 removed it


ADMIN_ID: Machine[AdminIdStatus] = Machine("admin_ids", AdminIdStatus, frozenset({AdminIdStatus.ACTIVE}), _table([
    (AdminIdStatus.ACTIVE, {AdminIdStatus.SUSPENDED, AdminIdStatus.DISABLED}),
    (AdminIdStatus.SUSPENDED, {AdminIdStatus.ACTIVE, AdminIdStatus.DISABLED}),
    (AdminIdStatus.DISABLED, set()),
]))


class CardStatus(StrEnum):
    ORDERED = "ordered"  # 発注済
    ACTIVE = "active"  # 有効
    EXPIRED = "expired"  # 有効期限切れ
    RENEWED = "renewed"  # 更新済（新カードに置換）
    INVALID = "invalid"  # 再発行により無効


VALID_CARD: frozenset[CardStatus] = frozenset({CardStatus.ORDERED, CardStatus.ACTIVE})

CARD: Machine[CardStatus] = Machine("cards", CardStatus, frozenset({CardStatus.ORDERED}), _table([
    # ordered → active: the database and the queries allow it; no code writes it yet.
    (CardStatus.ORDERED, {CardStatus.ACTIVE, CardStatus.EXPIRED, CardStatus.RENEWED, CardStatus.INVALID}),
    (CardStatus.ACTIVE, {CardStatus.EXPIRED, CardStatus.RENEWED, CardStatus.INVALID}),
    # A reissue paid after the old card expired still voids it.
    (CardStatus.EXPIRED, {CardStatus.INVALID}),
    (CardStatus.RENEWED, set()),
    (CardStatus.INVALID, set()),
]))


class CardRenewalStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    REQUESTED = "requested"  # paid (or free): the new card is to be issued
    ISSUED = "issued"


CARD_RENEWAL: Machine[CardRenewalStatus] = Machine(
    "card_renewals", CardRenewalStatus,
    frozenset({CardRenewalStatus.AWAITING_PAYMENT, CardRenewalStatus.REQUESTED}), _table([
        (CardRenewalStatus.AWAITING_PAYMENT, {CardRenewalStatus.REQUESTED}),
        (CardRenewalStatus.REQUESTED, {CardRenewalStatus.ISSUED}),
        (CardRenewalStatus.ISSUED, set()),
    ]))


class CardReissueStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    ISSUING = "issuing"
    ISSUED = "issued"


CARD_REISSUE: Machine[CardReissueStatus] = Machine(
    # A level change owes no fee: its reissue is born issuing.
    "card_reissues", CardReissueStatus, frozenset({CardReissueStatus.AWAITING_PAYMENT, CardReissueStatus.ISSUING}),
    _table([
        (CardReissueStatus.AWAITING_PAYMENT, {CardReissueStatus.ISSUING}),
        (CardReissueStatus.ISSUING, {CardReissueStatus.ISSUED}),
        (CardReissueStatus.ISSUED, set()),
    ]))


class PrintJobStatus(StrEnum):
    RENDERED = "rendered"  # its secrets drawn, not yet released to print
    FINAL = "final"  # released: the next print batch takes it
    BATCHED = "batched"  # in a print batch
    PURGED = "purged"  # its own files deleted once the batch was printed
    UNREADABLE = "unreadable"  # its file is not sealed under its key: set aside, the batch went on


PRINT_JOB: Machine[PrintJobStatus] = Machine("print_jobs", PrintJobStatus, frozenset({PrintJobStatus.RENDERED}), _table([
    (PrintJobStatus.RENDERED, {PrintJobStatus.FINAL}),
    (PrintJobStatus.FINAL, {PrintJobStatus.BATCHED, PrintJobStatus.UNREADABLE}),
    (PrintJobStatus.BATCHED, {PrintJobStatus.PURGED}),
    (PrintJobStatus.PURGED, set()),
    (PrintJobStatus.UNREADABLE, set()),
]))


class PrintBatchStatus(StrEnum):
    BUILDING = "building"
    READY = "ready"
    PRINTED = "printed"


PRINT_BATCH: Machine[PrintBatchStatus] = Machine(
    "print_batches", PrintBatchStatus, frozenset({PrintBatchStatus.BUILDING}), _table([
        (PrintBatchStatus.BUILDING, {PrintBatchStatus.READY}),
        (PrintBatchStatus.READY, {PrintBatchStatus.PRINTED}),
        (PrintBatchStatus.PRINTED, set()),
    ]))


class ChargeStatus(StrEnum):
    OPEN = "open"  # 入金待ち
    PAID = "paid"  # 入金済 (or nothing owed)
    REFUNDED = "refunded"  # 返金済: a paid duplicate registration refunded by an operator (ccus cases refund)


CHARGE: Machine[ChargeStatus] = Machine("charges", ChargeStatus, frozenset({ChargeStatus.OPEN, ChargeStatus.PAID}),
                                        _table([(ChargeStatus.OPEN, {ChargeStatus.PAID}),
                                                (ChargeStatus.PAID, {ChargeStatus.REFUNDED}),
                                                (ChargeStatus.REFUNDED, set())]))


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    VOID = "void"  # 取消


INVOICE: Machine[InvoiceStatus] = Machine("invoices", InvoiceStatus, frozenset({InvoiceStatus.OPEN}), _table([
    # open → void: the database allows it; no code writes it yet.
    (InvoiceStatus.OPEN, {InvoiceStatus.PAID, InvoiceStatus.VOID}),
    (InvoiceStatus.PAID, set()),
    (InvoiceStatus.VOID, set()),
]))


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # handed to SMTP; sent again if the outcome was not recorded
    SENT = "sent"


OUTBOX: Machine[OutboxStatus] = Machine("outbox", OutboxStatus, frozenset({OutboxStatus.PENDING}), _table([
    (OutboxStatus.PENDING, {OutboxStatus.SENDING}),
    # An interrupted send (SMTP accepted, not recorded) is tried again: sending → sending.
    (OutboxStatus.SENDING, {OutboxStatus.SENDING, OutboxStatus.SENT}),
    (OutboxStatus.SENT, set()),
]))


class SiteContractStatus(StrEnum):
    PENDING = "pending"  # requested by the upper business
    CONFIRMED = "confirmed"  # by the lower business itself
    DECLINED = "declined"


SITE_CONTRACT: Machine[SiteContractStatus] = Machine(
    "site_contracts", SiteContractStatus, frozenset({SiteContractStatus.PENDING}), _table([
        (SiteContractStatus.PENDING, {SiteContractStatus.CONFIRMED, SiteContractStatus.DECLINED}),
        (SiteContractStatus.CONFIRMED, set()),
        (SiteContractStatus.DECLINED, set()),
    ]))


class MailBatchStatus(StrEnum):
    SPLITTING = "splitting"  # its cases being recorded
    DONE = "done"
    QUARANTINED = "quarantined"


MAIL_BATCH: Machine[MailBatchStatus] = Machine(
    "mail_batches", MailBatchStatus, frozenset({MailBatchStatus.SPLITTING, MailBatchStatus.QUARANTINED}), _table([
        (MailBatchStatus.SPLITTING, {MailBatchStatus.DONE, MailBatchStatus.QUARANTINED}),
        (MailBatchStatus.DONE, set()),
        # The same file quarantined again (taken again after a crash) records the newer reason.
        (MailBatchStatus.QUARANTINED, {MailBatchStatus.QUARANTINED}),
    ]))


class MailSegmentStatus(StrEnum):
    CASE = "case"
    ORPHAN = "orphan"  # pages with no application form
    UNSUPPORTED = "unsupported"  # a form the registry cannot make a case of yet


MAIL_SEGMENT: Machine[MailSegmentStatus] = Machine(
    "mail_segments", MailSegmentStatus, frozenset(MailSegmentStatus),
    _table([(s, set()) for s in MailSegmentStatus]))


ALL: tuple[Machine[StrEnum], ...] = (
    BUSINESS, ADMIN_ID, CARD, CARD_RENEWAL, CARD_REISSUE, PRINT_JOB, PRINT_BATCH, CHARGE, INVOICE, OUTBOX,
    SITE_CONTRACT, MAIL_BATCH, MAIL_SEGMENT,
)  # type: ignore[assignment]
