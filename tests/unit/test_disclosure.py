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
