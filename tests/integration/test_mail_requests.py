"""The change / withdrawal form (様式X1) by post, on the real stack and the real Tesseract: a filled,
scanned X1 becomes the withdrawal or change application it asks for, goes through review, and is
then processed by the same code as a portal request; a doubtful one is flagged, never lost."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from ccus import mail_samples as ms
from ccus.infra import s3
from ccus.infra.db import unit_of_work
from ccus.models.identifiers import registry_id_check_digit
from ccus.models.tables import Application, Business, Document
from ccus.services.intake.postal import Folders, intake_file
from ccus.services.registry import business_changes, withdrawal
from ccus.services.review.decisions import Decision, DecisionRefused, decide
from tests.integration.test_mail_intake import drain, drop
from tests.support import lifecycle as make

pytestmark = pytest.mark.integration

TRADE_NAME = "株式会社見本建設"  # the name tests.support.lifecycle registers


@pytest.fixture()
def folders(tmp_path: Any) -> Folders:
    return Folders(tmp_path / "scanner").create()


def x1(request: str, target_id: str, name: str = TRADE_NAME, **extra: Any) -> bytes:
    values = {"request": request, "target_id": target_id, "name": name, "reason": "事業廃止のため",
              "applied_on": date(2026, 6, 1), "signature": "見本 一郎", **extra}
    return ms.pdf_stack([ms.scan(p, seed=hash(target_id) % 1000) for p in ms.pages("X1", values)])


def take(folders: Folders, name: str, data: bytes) -> Application:
    outcome = intake_file(drop(folders, name, data), folders)
    assert outcome.status == "processed" and len(outcome.cases) == 1, outcome
    app = drain(outcome.cases)[outcome.cases[0]]
    assert app.channel == "mail" and app.status == "awaiting_review", (app.status, app.last_error)
    return app


def codes(app: Application) -> dict[str, str]:
    return {f["code"]: f["severity"] for f in app.flags}


def unregistered_id() -> str:
    rng = random.Random()
    while True:
        body = f"{rng.randrange(10**12, 10**13):013d}"
        check = registry_id_check_digit(body)
        if check is not None:
            return body + str(check)


def test_a_posted_withdrawal_form_is_reviewed_then_processed_like_a_portal_withdrawal(
        db: object, folders: Folders) -> None:
    biz = make.business(must_change=False)
    app = take(folders, "x1-withdrawal.pdf", x1("withdrawal", biz.business_id))
    assert app.kind == "business_withdrawal" and app.filed_by_business_id == biz.business_id
    assert app.declared["business_id"] == biz.business_id and app.declared["reason"] == "事業廃止のため"
    assert not [f for f in app.flags if f["severity"] == "block"], app.flags
    [form] = [d for d in _documents(app.id) if d.role == "application_form"]
    assert s3.exists(form.s3_key)
    assert app.extracted["mail"]["fields"]["target_id"]["value"] == biz.business_id
    # The business's own view lists it like a portal request.
    assert app.application_number in [c["application_number"] for c in business_changes.lifecycle_cases(biz.business_id)]

    assert not withdrawal.process(app.id, date(2026, 6, 10))  # not before review
    decide(app.application_number, actor="reviewer:x1", decision=Decision.APPROVE, reason=None)
    assert withdrawal.process(app.id, date(2026, 6, 10))
    with unit_of_work() as session:
        assert session.scalars(select(Business.status).where(Business.business_id == biz.business_id)).one() == "withdrawn"
        assert session.get(Application, app.id).status == "registered"  # type: ignore[union-attr]


def test_a_posted_change_form_becomes_a_change_application_with_the_items_it_names(
        db: object, folders: Folders) -> None:
    biz = make.business(must_change=False)
    details = "所在地：東京都港区芝公園4丁目2番8号　電話番号：03-5555-1234"
    app = take(folders, "x1-change.pdf", x1("change", biz.business_id, details=details, reason="本店移転のため"))
    assert app.kind == "business_change" and app.declared["business_id"] == biz.business_id
    assert app.declared["changes"] == {"address": "東京都港区芝公園4丁目2番8号", "phone": "03-5555-1234"}
    assert app.declared["before"]["phone"] == "03-1234-5678"
    assert codes(app).get("change_details_parsed") == "warn"  # taken from free text: the reviewer checks it
    assert not [f for f in app.flags if f["severity"] == "block"], app.flags

    decide(app.application_number, actor="reviewer:x1", decision=Decision.APPROVE, reason=None)
    assert business_changes.apply_change(app.id)
    with unit_of_work() as session:
        content = business_changes.registered_content(
            session, business_changes.business_by_id(session, biz.business_id))["content"]
    assert content["address"] == "東京都港区芝公園4丁目2番8号" and content["phone"] == "03-5555-1234"


def test_an_unknown_or_mistyped_target_and_a_wrong_name_are_flagged_not_lost(db: object, folders: Folders) -> None:
    unknown = take(folders, "x1-unknown.pdf", x1("withdrawal", unregistered_id()))
    assert codes(unknown)["target_unknown"] == "block"
    assert unknown.declared["business_id"] is None and unknown.kind == "business_withdrawal"
    flag = next(f for f in unknown.flags if f["code"] == "target_unknown")
    assert flag["zone"]["page"] == 1 and flag["zone"]["box_mm"]
    with pytest.raises(DecisionRefused):
        decide(unknown.application_number, actor="reviewer:x1", decision=Decision.APPROVE, reason=None)

    biz = make.business(must_change=False)
    last = int(biz.business_id[-1])
    typo = biz.business_id[:-1] + str((last + 1) % 10)  # one digit off: the check digit fails
    mistyped = take(folders, "x1-typo.pdf", x1("withdrawal", typo))
    assert codes(mistyped)["field_invalid"] == "block" and mistyped.declared["business_id"] is None

    other = take(folders, "x1-name.pdf", x1("change", biz.business_id, name="株式会社別名工務店",
                                             details="電話番号：03-7777-8888"))
    assert codes(other)["target_name_mismatch"] == "warn" and other.declared["business_id"] == biz.business_id
    assert other.declared["changes"] == {"phone": "03-7777-8888"}


def _documents(app_id: int) -> list[Document]:
    with unit_of_work() as session:
        return list(session.scalars(select(Document).where(Document.application_id == app_id)))
