"""models/review_rules: four-eyes (二者承認) and who may approve, without the stack."""

from __future__ import annotations

from typing import Any

from ccus.models.review_rules import (
    FOUR_EYES,
    RECEIVED_BY_APPROVER,
    Approver,
    approval,
    needs_second_approval,
    same_person,
)
from ccus.models.status import Status

ALICE = Approver("alice", 1)
BOB = Approver("bob", 2)


def approve(approver: Approver = ALICE, *, awaiting_second: bool = False, received_by: Approver | None = None,
            first: Approver | None = None, blocks: tuple[str, ...] = (), why: tuple[str, ...] = ()) -> Any:
    return approval(approver, awaiting_second=awaiting_second, received_by=received_by, first=first,
                    blocking_messages=list(blocks), second_approval_reasons=list(why))


def test_a_proxy_by_a_non_employer_and_a_corrected_case_need_two_approvals() -> None:
    by_prime = {"proxy": {"relation": "prime_contractor"}}
    assert needs_second_approval("proxy_worker_registration", by_prime, False) == ["所属事業者以外による代行申請"]
    assert needs_second_approval("proxy_worker_registration", {"proxy": {}}, False) == ["所属事業者以外による代行申請"]
    assert needs_second_approval("proxy_worker_registration", {"proxy": {"relation": "employer"}}, False) == []
    assert needs_second_approval("worker_registration", by_prime, False) == []  # only a proxy application
    assert needs_second_approval("worker_registration", {}, True) == ["審査担当者による項目訂正あり"]
    assert needs_second_approval("proxy_worker_registration", by_prime, True) == [
        "所属事業者以外による代行申請", "審査担当者による項目訂正あり"]


def test_accounts_decide_who_is_the_same_person_names_only_without_them() -> None:
    assert same_person(Approver("alice", 1), Approver("alice-api", 1))  # the API token of the same account
    assert not same_person(Approver("alice", 1), Approver("alice", 2))
    assert same_person(Approver("alice", None), Approver("alice", 1))
    assert not same_person(Approver("alice", None), Approver("bob", None))


def test_one_approval_is_enough_without_a_reason_for_a_second() -> None:
    out = approve()
    assert (out.step, out.to, out.refused) == ("single", Status.APPROVED, None)


def test_a_case_needing_two_approvals_waits_for_the_second_after_the_first() -> None:
    out = approve(why=("審査担当者による項目訂正あり",))
    assert (out.step, out.to) == ("first", Status.AWAITING_SECOND_APPROVAL)


def test_the_second_approval_is_someone_elses() -> None:
    same = approve(ALICE, awaiting_second=True, first=Approver("alice-api", 1))
    assert (same.refused, same.message, same.to) == ("four_eyes", FOUR_EYES, None)
    other = approve(BOB, awaiting_second=True, first=ALICE, why=("ignored on the second step",))
    assert (other.step, other.to) == ("second", Status.APPROVED)


def test_the_clerk_who_took_the_case_in_never_approves_it_neither_first_nor_second() -> None:
    assert approve(ALICE, received_by=ALICE).refused == "received_by_approver"
    second = approve(ALICE, awaiting_second=True, received_by=Approver("alice", None), first=BOB)
    assert (second.refused, second.message) == ("received_by_approver", RECEIVED_BY_APPROVER)
    assert approve(BOB, received_by=ALICE).refused is None


def test_a_blocking_flag_stops_any_approval_and_is_named() -> None:
    out = approve(blocks=("顔写真が添付されていません。", "所属事業者の事業者IDが登録されていません。"))
    assert out.refused == "blocked"
    assert out.message == "承認できません：顔写真が添付されていません。 / 所属事業者の事業者IDが登録されていません。"
    assert approve(BOB, awaiting_second=True, first=ALICE, blocks=("x",)).refused == "blocked"


def test_the_refusals_come_in_order_counter_clerk_then_blocks_then_four_eyes() -> None:
    assert approve(ALICE, awaiting_second=True, received_by=ALICE, first=ALICE, blocks=("x",)).refused == \
        "received_by_approver"
    assert approve(ALICE, awaiting_second=True, first=ALICE, blocks=("x",)).refused == "blocked"
