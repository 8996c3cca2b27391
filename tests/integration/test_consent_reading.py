"""The consent stage on real scans of the consent form (様式C1), read with real Tesseract: a correct
consent passes every check, each kind of wrong consent fails with its reason and blocks approval."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from ccus import sample_applications as samples
from ccus.infra.db import unit_of_work
from ccus.models.application_types import Channel
from ccus.models.identifiers import registry_id_from_serial
from ccus.models.status import Status
from ccus.models.tables import Application
from ccus.services.clock import today_jst
from ccus.services.intake.submission import IncomingFile, submit
from ccus.services.reading import pipeline
from ccus.services.review import decisions
from tests.support import lifecycle

pytestmark = pytest.mark.integration

NAME, KANA = "佐藤 花子", "サトウ ハナコ"


def _case(filer: lifecycle.RegisteredBusiness, born: date, **form: Any) -> str:
    """A proxy case filed by ``filer`` for a worker born ``born``, its consent form filled with
    the application's values except those in ``form``; left in the consent stage's input."""
    values: dict[str, Any] = {"name": NAME, "kana": KANA, "birth_date": born, "proxy_name": "株式会社見本建設",
                              "proxy_id": filer.business_id, "employer_name": "株式会社見本建設",
                              "signed_on": today_jst() - timedelta(days=3)}
    values.update(form)
    base = samples.proxy_worker(filer_business_id=filer.business_id, filer_name="株式会社見本建設",
                                name=NAME, kana=KANA, birth_date=born)
    files = [IncomingFile(f.role, f.filename, f.content_type, f.data) for f in base.files if f.role != "worker_consent"]
    files.append(IncomingFile("worker_consent", "doui.jpg", "image/jpeg", samples.worker_consent_jpeg(
        values["name"], values["kana"], values["birth_date"], values["proxy_name"], values["proxy_id"],
        values["employer_name"], values["signed_on"], seal=values.get("seal", True))))
    number = submit(kind=base.kind, channel=Channel.INTERNET, declared=base.data, files=files, idempotency_key=None,
                    actor="test").application_number
    with unit_of_work() as session:
        session.execute(update(Application).where(Application.application_number == number)
                        .values(status=Status.VALIDATED.value, flags=[]))
    return number


def _app(number: str) -> Application:
    with unit_of_work() as session:
        app = session.query(Application).filter_by(application_number=number).one()
        session.expunge(app)
        return app


def test_consent_forms_are_checked_item_by_item_and_failures_block(db: Any) -> None:
    filer = lifecycle.business()
    other_id = next(r for r in map(registry_id_from_serial, range(7_654_321, 7_654_400)) if r)
    today = today_jst()
    cases = {
        "ok": (_case(filer, date(1990, 7, 1)), None, None),
        "birth_date": (_case(filer, date(1990, 7, 2), birth_date=date(1991, 7, 2)), "birth_date", "生年月日"),
        "future": (_case(filer, date(1990, 7, 3), signed_on=today + timedelta(days=10)), "signed_on", "未来"),
        "old": (_case(filer, date(1990, 7, 4), signed_on=today - timedelta(days=200)), "signed_on", "90日を超えて"),
        "no_seal": (_case(filer, date(1990, 7, 5), seal=False), "signature", "署名又は押印がありません"),
        "other_proxy": (_case(filer, date(1990, 7, 6), proxy_name="株式会社別件工務店", proxy_id=other_id),
                        "proxy_business_id", "一致しません"),
    }
    ids = [_app(n).id for n, _, _ in cases.values()]
    assert pipeline.check_consent(ids, "test") == len(ids)
    assert pipeline.to_review(ids, "test") == len(ids)
    blocked = 0
    for key, (number, failing, words) in cases.items():
        app = _app(number)
        results = app.extracted["consent"]
        assert {r["name"] for r in results} == {"worker_name", "worker_name_kana", "birth_date", "proxy_business_id",
                                                "proxy_business_name", "employer_name", "signed_on", "signature"}
        failed = {r["name"]: r["reason"] for r in results if not r["passed"]}
        consent_blocks = [f for f in app.flags if f["stage"] == "consent" and f["severity"] == "block"]
        codes = {f["code"] for f in app.flags if f["stage"] == "consent"}
        if failing is None:
            assert failed == {}, (key, failed)
            assert consent_blocks == []
            continue
        assert failing in failed, (key, failed)
        assert words in failed[failing], (key, failed)
        if f"consent_{failing}_unverified" in codes:
            # Read below the confidence threshold: the failure is shown for the reviewer to confirm.
            assert "目視で確認" in failed[failing]
            continue
        assert f"consent_{failing}" in {f["code"] for f in consent_blocks}
        with pytest.raises(decisions.DecisionRefused) as refused:
            decisions.decide(number, actor="reviewer-consent", decision=decisions.Decision.APPROVE, reason=None)
        assert refused.value.code == "blocked"
        assert words in refused.value.message
        blocked += 1
    assert blocked >= 2, "most of these defects are read with confidence and must block"


def test_a_consent_that_is_not_our_form_blocks(db: Any) -> None:
    filer = lifecycle.business()
    base = samples.proxy_worker(filer_business_id=filer.business_id, filer_name="株式会社見本建設",
                                name=NAME, kana=KANA, birth_date=date(1990, 8, 1))
    files = [IncomingFile(f.role, f.filename, f.content_type, f.data) for f in base.files if f.role != "worker_consent"]
    from ccus.infra import samples as images

    files.append(IncomingFile("worker_consent", "letter.png", "image/png", images.consent_form_png(
        NAME, KANA, date(1990, 8, 1), "株式会社見本建設", filer.business_id, "株式会社見本建設", today_jst())))
    number = submit(kind=base.kind, channel=Channel.INTERNET, declared=base.data, files=files, idempotency_key=None,
                    actor="test").application_number
    with unit_of_work() as session:
        session.execute(update(Application).where(Application.application_number == number)
                        .values(status=Status.VALIDATED.value, flags=[]))
    pipeline.check_consent([_app(number).id], "test")
    app = _app(number)
    assert [f["code"] for f in app.flags if f["severity"] == "block"] == ["consent_form_unrecognised"]
    assert "所定の同意書様式ではありません" in app.flags[0]["message"]


def test_a_correction_rechecks_consent_from_the_stored_readings_without_reading_the_form_again(db: Any) -> None:
    from sqlalchemy import select

    from ccus.infra import s3
    from ccus.models.tables import Document
    from ccus.services.review import queue
    from ccus.services.review.corrections import correct_field

    filer = lifecycle.business()
    number = _case(filer, date(1990, 9, 1))
    app_id = _app(number).id
    pipeline.check_consent([app_id], "test")
    pipeline.to_review([app_id], "test")
    app = _app(number)
    assert app.status == Status.AWAITING_REVIEW.value
    assert not [f for f in app.flags if f["stage"] == "consent" and f["severity"] == "block"], app.flags
    assert [r["passed"] for r in app.extracted["consent"] if r["name"] == "birth_date"] == [True]
    [(doc_id, key)] = [(d, k) for d, k in db_documents(app_id) if d in {int(i) for i in app.extracted["consent_readings"]}]
    assert app.extracted["consent_readings"][str(doc_id)]["form"]
    # The consent form is gone from S3: a correction that fetched or read it again would find no form.
    s3.delete(key)

    queue.claim(number, "reviewer:consent")
    correct_field(number, path="birth_date", value="1991-09-01", reason="本人に確認", actor="reviewer:consent")
    app = _app(number)
    codes = {f["code"] for f in app.flags if f["stage"] == "consent"}
    assert "consent_form_unrecognised" not in codes, app.flags
    assert codes & {"consent_birth_date", "consent_birth_date_unverified"}, app.flags
    birth = [r for r in app.extracted["consent"] if r["name"] == "birth_date"]
    assert [r["passed"] for r in birth] == [False]  # checked again, on the stored readings, against the new value
    with unit_of_work() as session:
        assert session.scalar(select(Document.id).where(Document.id == doc_id)) == doc_id


def db_documents(app_id: int) -> list[tuple[int, str]]:
    from sqlalchemy import select

    from ccus.models.tables import Document

    with unit_of_work() as session:
        return [(i, k) for i, k in session.execute(select(Document.id, Document.s3_key)
                                                     .where(Document.application_id == app_id))]
