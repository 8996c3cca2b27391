"""Every state machine walked pair by pair: the case machine with its entry paths, and the small
machines of every other status column (models/machines.py).

The expected tables below are written out again on purpose, in plain strings: a change to a
machine must be made twice, here and there, and so is seen.
"""

from __future__ import annotations

from itertools import product

import pytest

from ccus.models import machines as m
from ccus.models.application_types import Channel, Kind
from ccus.models.lifecycle import LifecycleKind
from ccus.models.status import CASE as CASE_MACHINE
from ccus.models.status import (
    ENTRY_PATHS,
    TERMINAL,
    EntryError,
    Status,
    TransitionError,
    allowed_targets,
    check_entry,
    check_transition,
)

CASE: dict[str, set[str]] = {
    "received": {"documents_stored", "needs_operator"},
    "documents_stored": {"extracted", "needs_operator"},
    "extracted": {"validated", "needs_operator"},
    "validated": {"consent_checked", "needs_operator"},
    "consent_checked": {"awaiting_review", "needs_operator"},
    "awaiting_review": {"approved", "awaiting_second_approval", "returned", "rejected"},
    "awaiting_second_approval": {"approved", "returned", "rejected"},
    "returned": {"documents_stored", "awaiting_review", "rejected"},
    "approved": {"awaiting_payment", "issuing", "needs_operator"},
    "awaiting_payment": {"issuing", "needs_operator"},
    "issuing": {"registered", "needs_operator"},
    "needs_operator": {"documents_stored", "extracted", "validated", "consent_checked", "approved", "issuing",
                       "rejected", "registered"},
    "rejected": set(),
    "registered": set(),
}

STORED = {("received", "documents_stored")}
ENTRIES: dict[tuple[str, str], set[tuple[str, ...]]] = {
    **{(k, c): STORED for k in ("business_registration", "worker_registration", "proxy_worker_registration")
       for c in ("internet", "mail", "counter")},
    ("business_change", "mail"): STORED,
    ("business_withdrawal", "mail"): STORED,
    ("business_change", "internet"): {("received", "awaiting_review")},
    ("business_withdrawal", "internet"): {("received", "approved")},
    ("business_renewal", "internet"): {("received", "awaiting_payment"), ("received", "issuing")},
    ("worker_change", "internet"): {("received", "awaiting_review")},
}

# machine: (initial states, transitions, terminal states)
SMALL: dict[str, tuple[set[str], dict[str, set[str]], set[str]]] = {
    "businesses": ({"active"}, {
        "active": {"lapsed", "withdrawn"}, "lapsed": {"active", "withdrawn"}, "withdrawn": set(),
    }, {"withdrawn"}),
    "admin_ids": ({"active"}, {
        "active": {"suspended", "disabled"}, "suspended": {"active", "disabled"}, "disabled": set(),
    }, {"disabled"}),
    "cards": ({"ordered"}, {
        "ordered": {"active", "expired", "renewed", "invalid"}, "active": {"expired", "renewed", "invalid"},
        "expired": {"invalid"}, "renewed": set(), "invalid": set(),
    }, {"renewed", "invalid"}),
    "card_renewals": ({"awaiting_payment", "requested"}, {
        "awaiting_payment": {"requested"}, "requested": {"issued"}, "issued": set(),
    }, {"issued"}),
    "card_reissues": ({"awaiting_payment", "issuing"}, {
        "awaiting_payment": {"issuing"}, "issuing": {"issued"}, "issued": set(),
    }, {"issued"}),
    "print_jobs": ({"rendered"}, {
        "rendered": {"final"}, "final": {"batched", "unreadable"}, "batched": {"purged"}, "purged": set(),
        "unreadable": set(),
    }, {"purged", "unreadable"}),
    "print_batches": ({"building"}, {"building": {"ready"}, "ready": {"printed"}, "printed": set()}, {"printed"}),
    "charges": ({"open", "paid"}, {"open": {"paid"}, "paid": {"refunded"}, "refunded": set()}, {"refunded"}),
    "invoices": ({"open"}, {"open": {"paid", "void"}, "paid": set(), "void": set()}, {"paid", "void"}),
    "outbox": ({"pending"}, {
        "pending": {"sending"}, "sending": {"sending", "sent"}, "sent": set(),
    }, {"sent"}),
    "site_contracts": ({"pending"}, {
        "pending": {"confirmed", "declined"}, "confirmed": set(), "declined": set(),
    }, {"confirmed", "declined"}),
    "mail_batches": ({"splitting", "quarantined"}, {
        "splitting": {"done", "quarantined"}, "done": set(), "quarantined": {"quarantined"},
    }, {"done", "quarantined"}),
    "mail_segments": ({"case", "orphan", "unsupported"}, {"case": set(), "orphan": set(), "unsupported": set()},
                      {"case", "orphan", "unsupported"}),
}

BY_NAME = {machine.name: machine for machine in m.ALL}


def _reachable(starts: set[str], table: dict[str, set[str]]) -> set[str]:
    seen, todo = set(starts), list(starts)
    while todo:
        for nxt in table[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


# --- the case machine ------------------------------------------------------------------------

def test_the_case_machine_has_every_status_and_nothing_else() -> None:
    assert set(CASE) == {s.value for s in Status}


@pytest.mark.parametrize(("cur", "to"), list(product(CASE, CASE)))
def test_every_case_transition_is_allowed_or_refused_as_the_table_says(cur: str, to: str) -> None:
    assert (Status(to) in allowed_targets(Status(cur))) == (to in CASE[cur])
    if to in CASE[cur]:
        check_transition(cur, to)
    else:
        with pytest.raises(TransitionError):
            check_transition(cur, to)


def test_the_case_table_is_a_machine_like_the_others() -> None:
    assert all(CASE_MACHINE.allows(c, t) == (t in CASE[c]) for c, t in product(CASE, CASE))
    assert {s.value for s in CASE_MACHINE.terminal()} == {s.value for s in TERMINAL}
    assert {s.value for s in CASE_MACHINE.sources("issuing")} == {"approved", "awaiting_payment", "needs_operator"}


def test_every_kind_and_channel_that_files_cases_has_its_entry_paths() -> None:
    kinds = {k.value for k in Kind} | {k.value for k in LifecycleKind}
    assert {k for k, _ in ENTRY_PATHS} == kinds
    assert {(k, c): {tuple(s.value for s in p) for p in paths} for (k, c), paths in ENTRY_PATHS.items()} == ENTRIES


@pytest.mark.parametrize(("kind", "channel"), list(product([*Kind, *LifecycleKind], Channel)))
def test_a_case_enters_only_by_its_own_paths(kind: str, channel: str) -> None:
    allowed = ENTRIES.get((kind, channel), set())
    for first, second in product(CASE, CASE):
        path = (first, second)
        if path in allowed:
            assert check_entry(kind, channel, path) == tuple(Status(s) for s in path)
        else:
            with pytest.raises(EntryError):
                check_entry(kind, channel, path)
    for short in [(), ("received",), ("received", "documents_stored", "extracted"), ("bogus", "received")]:
        with pytest.raises(EntryError):
            check_entry(kind, channel, short)


def test_every_entry_starts_received_and_its_second_step_is_no_ordinary_transition_but_for_stored() -> None:
    for paths in ENTRIES.values():
        for first, second in paths:
            assert first == "received"
            assert (second in CASE["received"]) == (second == "documents_stored")


def test_the_portal_change_and_renewal_entries_are_legal_now() -> None:
    # These were written by hand before the gate, against the table (issue 13).
    check_entry("business_change", "internet", ("received", "awaiting_review"))
    check_entry("business_renewal", "internet", ("received", "issuing"))
    with pytest.raises(TransitionError):
        check_transition("received", "awaiting_review")
    with pytest.raises(TransitionError):
        check_transition("received", "issuing")


def test_every_case_status_is_reachable_from_an_entry() -> None:
    starts = {s for paths in ENTRIES.values() for p in paths for s in p}
    assert _reachable(starts, CASE) == set(CASE)


def test_terminal_case_statuses_have_no_exit() -> None:
    assert {s.value for s in TERMINAL} == {s for s, t in CASE.items() if not t} == {"rejected", "registered"}


# --- the small machines ----------------------------------------------------------------------

def test_every_status_column_has_its_machine() -> None:
    assert set(BY_NAME) == set(SMALL)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_a_machine_states_are_its_table(name: str) -> None:
    machine, (initial, table, _) = BY_NAME[name], SMALL[name]
    assert {s.value for s in machine.states} == set(table)
    assert {s.value for s in machine.initial} == initial


@pytest.mark.parametrize(("name", "cur", "to"),
                         [(n, c, t) for n, (_, table, _) in sorted(SMALL.items()) for c, t in product(table, table)])
def test_every_pair_is_allowed_or_refused_as_the_table_says(name: str, cur: str, to: str) -> None:
    machine, table = BY_NAME[name], SMALL[name][1]
    assert machine.allows(cur, to) == (to in table[cur])
    if to in table[cur]:
        assert machine.check(cur, to).value == to
    else:
        with pytest.raises(m.MachineError):
            machine.check(cur, to)
    assert (machine.states(cur) in machine.sources(to)) == (to in table[cur])


@pytest.mark.parametrize("name", sorted(SMALL))
def test_a_new_row_starts_only_in_an_initial_state(name: str) -> None:
    machine, (initial, table, _) = BY_NAME[name], SMALL[name]
    for state in table:
        if state in initial:
            assert machine.check_initial(state).value == state
        else:
            with pytest.raises(m.MachineError):
                machine.check_initial(state)
    with pytest.raises(m.MachineError):
        machine.check_initial("no_such_state")
    with pytest.raises(m.MachineError):
        machine.check(next(iter(table)), "no_such_state")


@pytest.mark.parametrize("name", sorted(SMALL))
def test_no_state_is_unreachable(name: str) -> None:
    initial, table, _ = SMALL[name]
    assert _reachable(initial, table) == set(table)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_terminal_states_have_no_exit(name: str) -> None:
    machine, (_, table, terminal) = BY_NAME[name], SMALL[name]
    assert {s.value for s in machine.terminal()} == terminal
    for state in terminal:
        assert table[state] <= {state}  # at most the same state again (a retried write)


def test_a_machine_must_cover_all_its_states() -> None:
    with pytest.raises(ValueError, match="no transition entry"):
        m.Machine("broken", m.ChargeStatus, frozenset({m.ChargeStatus.OPEN}),
                  {m.ChargeStatus.OPEN: frozenset({m.ChargeStatus.PAID})})


def test_the_statuses_store_the_same_strings_the_columns_hold() -> None:
    assert m.CardStatus.ORDERED == "ordered"
    assert isinstance(m.OutboxStatus.SENT, str)
    assert {s.value for s in m.VALID_CARD} == {"ordered", "active"}
