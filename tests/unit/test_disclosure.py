"""Every cell of the guide's disclosure table (models/disclosure.py)."""

from __future__ import annotations

import pytest

from ccus.models.disclosure import (
    BUSINESS_ITEMS,
    VIEWERS,
    WORKER_ITEMS,
    Subject,
    Viewer,
    visible_fields,
    visible_items,
)

ALL_POSITIONS = {"self", "own_worker", "prime", "upper"}
RESTRICTED = {"registrant", "social_insurance_numbers"}

# The guide's table, cell by cell: (viewer, item) -> visible.
BUSINESS_TABLE = {
    (viewer, item): viewer.value in ALL_POSITIONS or item not in RESTRICTED
    for viewer in VIEWERS[Subject.BUSINESS] for item in BUSINESS_ITEMS
}


@pytest.mark.parametrize(("viewer", "item"), sorted(BUSINESS_TABLE, key=lambda c: (c[0].value, c[1])))
def test_business_information_cell(viewer: Viewer, item: str) -> None:
    assert (item in visible_items(Subject.BUSINESS, viewer)) is BUSINESS_TABLE[(viewer, item)]


@pytest.mark.parametrize("viewer", [Viewer.OTHER_WORKER, Viewer.OTHER_BUSINESS])
def test_registrant_and_insurance_numbers_are_withheld_from_outsiders(viewer: Viewer) -> None:
    fields = visible_fields(Subject.BUSINESS, visible_items(Subject.BUSINESS, viewer))
    assert "registrant" not in fields and "social_insurance_numbers" not in fields
    assert {"trade_name", "address", "capital_yen", "trades"} <= fields


@pytest.mark.parametrize("viewer", [Viewer.SELF, Viewer.EMPLOYER, Viewer.PRIME, Viewer.UPPER])
@pytest.mark.parametrize("item", sorted(WORKER_ITEMS))
def test_worker_item_is_shared_with_the_worker_the_employer_and_upper_contractors(viewer: Viewer, item: str) -> None:
    assert item in visible_items(Subject.WORKER, viewer)


@pytest.mark.parametrize("item", sorted(WORKER_ITEMS))
def test_worker_item_is_undisclosed_to_other_businesses_by_default(item: str) -> None:
    assert item not in visible_items(Subject.WORKER, Viewer.OTHER_BUSINESS)


@pytest.mark.parametrize("item", sorted(WORKER_ITEMS))
def test_worker_item_disclosed_by_the_employer_is_seen_by_other_businesses_alone(item: str) -> None:
    assert visible_items(Subject.WORKER, Viewer.OTHER_BUSINESS, frozenset({item})) == {item}
    assert item not in visible_items(Subject.WORKER, Viewer.OTHER_WORKER, frozenset({item}))


def test_other_workers_see_nothing_of_a_worker() -> None:
    assert visible_items(Subject.WORKER, Viewer.OTHER_WORKER, frozenset(WORKER_ITEMS)) == frozenset()


def test_disclosure_settings_do_not_widen_or_narrow_the_other_positions() -> None:
    for viewer in VIEWERS[Subject.BUSINESS]:
        assert visible_items(Subject.BUSINESS, viewer, frozenset(BUSINESS_ITEMS)) == visible_items(
            Subject.BUSINESS, viewer)


@pytest.mark.parametrize(("subject", "viewer"), [(Subject.BUSINESS, Viewer.EMPLOYER),
                                                 (Subject.WORKER, Viewer.OWN_WORKER)])
def test_positions_that_do_not_exist_for_a_subject_are_refused(subject: Subject, viewer: Viewer) -> None:
    with pytest.raises(ValueError):
        visible_items(subject, viewer)


# 開示設定 → 所属技能者: the search (guide p.20) -------------------------------------------------

def test_worker_search_checks_each_condition_and_names_the_one_at_fault() -> None:
    from ccus.models.disclosure import WorkerSearch, worker_search

    search, errors = worker_search({"worker_id": "１２３", "name": "田中　一郎", "name_kana": "ﾀﾅｶ",
                                    "name_alphabet": " Smith  John ", "address": "千代田区", "phone": "03-1234-5678",
                                    "other": "ignored"})
    assert errors == []
    assert search == WorkerSearch(worker_id="123", name="田中一郎", name_kana="タナカ", name_alphabet="smithjohn",
                                  address="千代田区", phone="0312345678")
    assert worker_search({"name": "  ", "phone": None}) == (WorkerSearch(), [])
    for params, field in (({"worker_id": "12a"}, "worker_id"), ({"worker_id": "1" * 15}, "worker_id"),
                          ({"name_kana": "たなか"}, "name_kana"), ({"name_alphabet": "田中"}, "name_alphabet"),
                          ({"phone": "03-1234"}, "phone"), ({"phone": "03%1234%5678"}, "phone"),
                          ({"name": "田中\u202e"}, "name"), ({"address": "x" * 101}, "address")):
        _, errors = worker_search(params)
        assert [key for key, _ in errors] == [field] and errors[0][1], params


def test_worker_matches_every_condition_given() -> None:
    from ccus.models.disclosure import worker_matches, worker_search

    record = {"name": "田中 一郎", "name_kana": "タナカ イチロウ", "address": "東京都千代田区霞が関1丁目3番2号",
              "phone": "090-1111-2222", "fax": "03-1234-5678", "name_alphabet": "TANAKA Ichiro"}

    def hit(**params: str) -> bool:
        search, errors = worker_search(params)
        assert not errors
        return worker_matches(search, "10000000000017", record)

    assert hit() and hit(worker_id="1000") and not hit(worker_id="2000")
    assert hit(name="中一") and hit(name_kana="イチロウ") and hit(name_alphabet="tanaka ichiro")
    assert hit(address="霞が関１丁目") and not hit(address="大阪")
    assert hit(phone="03-1234-5678") and hit(phone="090-1111-2222") and not hit(phone="090-1111-2223")
    assert hit(name="田中", address="東京都") and not hit(name="田中", address="大阪")
    assert not worker_matches(worker_search({"name": "%"})[0], "10000000000017", record)
