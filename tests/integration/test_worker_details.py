"""Workers' detailed registration (詳細型), card levels and the employer a worker quotes, on the real
stack: declared over the internet API, refused with the field named (nothing stored), each
qualification checked against its certificate, stored at issuance as the registered content, the
card's level derived from the verified qualifications; a qualification added later by a change
application reissues the card once; an unregistered employer is flagged and never dropped."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ccus import sample_applications as samples
from ccus.infra import sealed
from ccus.infra.db import unit_of_work
from ccus.infra.samples import face_photo_jpeg, qualification_certificate_pdf
from ccus.models.billing_tables import CardReissue
from ccus.models.identifiers import registry_id_from_serial
from ccus.models.tables import Affiliation, Application, Card, Document, PrintJob, Worker
from ccus.models.worker_tables import WorkerProfile, WorkerQualification
from ccus.services.issuance import reissue, steps
from ccus.services.operations import failures
from ccus.services.registry import worker_changes
from ccus.services.review import case_view
from ccus.services.review.decisions import Decision, DecisionRefused, decide
from tests.support import lifecycle as make
from tests.support.counter import flatten
from tests.support.web import csrf_of, drain_pipeline, worker_sample

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 24)
CORE = {"name": "登録鉄筋基幹技能者", "number": "TK-204518", "obtained_on": "2019-06-01"}
CRANE = {"name": "玉掛け技能講習", "number": "T-88123", "obtained_on": "2012-03-10"}
EMPLOYER_ITEMS = {
    "health_insurer_name": "全国健康保険協会 東京支部", "pension_office_name": "株式会社見本建設",
    "pension_office_number": "12345", "employment_insurance_category": "general",
    "kentaikyo_number": "123456789012", "linked_system": {"code": "GK01", "name": "グリーンサイト", "personal_id": "W-778"},
}


def _counts() -> tuple[int, int]:
    with unit_of_work() as session:
        return (session.scalar(select(func.count()).select_from(Application)) or 0,
                session.scalar(select(func.count()).select_from(Document)) or 0)


def _certificate(holder: str, q: dict[str, str]) -> tuple[str, tuple[str, bytes, str]]:
    pdf = qualification_certificate_pdf(holder, q["name"], q["number"], date.fromisoformat(q["obtained_on"]))
    return ("qualification_certificate", (f"cert-{q['number']}.pdf", pdf, "application/pdf"))


def _detailed(employer_id: str, quals: list[dict[str, str]], *, certificates: bool = True,
              **extra: Any) -> tuple[samples.SampleApplication, list[Any]]:
    s = worker_sample()
    data = {**s.data, "tier": "detailed", "employer_business_id": employer_id, "qualifications": quals,
            "trainings": [{"name": "フルハーネス型墜落制止用器具特別教育", "completed_on": "2020-02-14"}],
            "awards": [{"name": "優秀施工者国土交通大臣顕彰", "awarded_on": "2022-11-01", "awarded_by": "国土交通省"}],
            "health_checks": [{"kind": "general", "checked_on": "2026-05-20", "institution": "新宿健診センター"}],
            "careers": [{"employer_name": "株式会社見本建設", "trade": "鉄筋工", "from_date": "2010-04-01"}],
            "employer_items": EMPLOYER_ITEMS, **extra}
    sample = samples.SampleApplication(s.kind, data, s.files)
    _, files = samples.multipart(sample)
    if certificates:
        files += [_certificate(data["name"], q) for q in quals]
    return sample, files


def _post(api: Any, sample: samples.SampleApplication, files: list[Any]) -> Any:
    return api.post("/api/v1/applications", data={"application": json.dumps(sample.envelope(), ensure_ascii=False)},
                    files=files)


def _case(number: str) -> Application:
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(Application.application_number == number)).one()
        session.expunge(app)
        return app


def _issue(number: str) -> int:
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(Application.application_number == number)).one()
        session.execute(update(Application).where(Application.id == app.id).values(status="issuing"))
        app_id = app.id
    steps.issue(app_id, TODAY)
    return app_id


def _order(card_id: int) -> dict[str, Any]:
    with unit_of_work() as session:
        job = session.scalars(select(PrintJob).where(PrintJob.card_id == card_id)).one()
        assert job.data_key is not None
        return dict(json.loads(sealed.get(job.s3_key, job.data_key)))


def _unregistered_id() -> str:
    return next(r for r in map(registry_id_from_serial, range(9_900_000_000, 9_900_000_100)) if r)


def test_a_detailed_registration_is_checked_against_its_certificates_and_stored_at_issuance_with_a_gold_card(
        api: Any) -> None:
    employer = make.business(must_change=False)
    sample, files = _detailed(employer.business_id, [CORE, CRANE])
    r = _post(api, sample, files)
    assert r.status_code == 201, r.text
    number = r.json()["application_number"]
    drain_pipeline()
    app = _case(number)
    assert app.status == "awaiting_review"
    assert not [f for f in app.flags if f["code"].startswith("qualification_") or f["code"] == "employer_not_registered"]
    with unit_of_work() as session:
        view = case_view.load(session, number, viewer="test-reviewer")
        rows = {row.path: row for row in view.fields}
    assert rows["qualifications.0"].evidence == "match" and "登録鉄筋基幹技能者" in rows["qualifications.0"].value
    assert rows["qualifications.0"].evidence_doc == "資格証明書の写し"
    assert rows["card_level"].value == "レベル4（ゴールド）"

    app_id = _issue(number)
    with unit_of_work() as session:
        worker = session.scalars(select(Worker).where(Worker.application_id == app_id)).one()
        held = {q.name: q.number for q in session.scalars(
            select(WorkerQualification).where(WorkerQualification.worker_pk == worker.id))}
        profile = session.get(WorkerProfile, worker.id)
        card = session.scalars(select(Card).where(Card.application_id == app_id)).one()
        affiliated = session.scalars(select(Affiliation.business_pk).where(Affiliation.worker_pk == worker.id)).one()
    assert held == {"登録鉄筋基幹技能者": "TK-204518", "玉掛け技能講習": "T-88123"}
    assert profile is not None and profile.data["employer_items"]["kentaikyo_number"] == "123456789012"
    assert profile.data["employer_items"]["linked_system"]["personal_id"] == "W-778"
    assert profile.data["trainings"][0]["name"] == "フルハーネス型墜落制止用器具特別教育"
    assert profile.data["tier"] == "detailed" and profile.data["health_checks"][0]["checked_on"] == "2026-05-20"
    assert (card.level, card.colour) == (4, "gold")
    assert affiliated == employer.pk
    order = _order(card.id)
    assert (order["level"], order["colour"]) == (4, "gold")


def test_a_qualification_without_its_certificate_is_a_blocking_flag_on_it(api: Any, client_for: Any) -> None:
    employer = make.business(must_change=False)
    sample, files = _detailed(employer.business_id, [CRANE], certificates=False)
    r = _post(api, sample, files)
    assert r.status_code == 201, r.text
    number = r.json()["application_number"]
    drain_pipeline()
    [flag] = [f for f in _case(number).flags if f["code"] == "qualification_certificate_missing"]
    assert flag["severity"] == "block" and flag["field"] == "application.qualifications.0"
    assert "玉掛け技能講習" in flag["message"]
    with unit_of_work() as session:
        rows = {row.path: row for row in case_view.load(session, number, viewer="test-reviewer").fields}
    assert rows["qualifications.0"].evidence == "mismatch" and rows["qualifications.0"].flags
    assert rows["card_level"].value == "レベル1（ホワイト）"
    reviewer, _ = client_for("reviewer")
    page = reviewer.get(f"/cases/{number}")
    assert page.status_code == 200
    row = page.text.split('data-field="qualifications.0"', 1)[1].split("</tr>", 1)[0]
    assert "玉掛け技能講習" in row and "資格証明書の写しが添付されていません" in row and "不一致" in row
    with pytest.raises(DecisionRefused):  # a blocking flag stops approval on the server
        decide(number, actor="test-reviewer", decision=Decision.APPROVE, reason=None)


@pytest.mark.parametrize(("change", "path", "words"), [
    ({"qualifications": [{"name": "宇宙飛行士", "number": "1", "obtained_on": "2019-01-01"}]},
     "application.qualifications.0.name", "一覧にありません"),
    ({"qualifications": [{**CORE, "obtained_on": "2099-01-01"}]}, "application.qualifications.0.obtained_on", "未来"),
    ({"trainings": [{"name": "特別教育", "completed_on": "2099-01-01"}]}, "application.trainings.0.completed_on", "未来"),
    ({"tier": "basic"}, "application.qualifications", "詳細型"),
    ({"employer_items": {**EMPLOYER_ITEMS, "kentaikyo_number": "12-AB"}}, "application.employer_items.kentaikyo_number",
     "建退共"),
    ({"employer_items": {"employment_insurance_category": "weekly"}},
     "application.employer_items.employment_insurance_category", ""),
])
def test_bad_detailed_items_are_refused_naming_the_field_and_nothing_is_stored(
        api: Any, change: dict[str, Any], path: str, words: str) -> None:
    sample, files = _detailed(_unregistered_id(), [CORE])
    bad = samples.SampleApplication(sample.kind, {**sample.data, **change}, sample.files)
    before = _counts()
    r = _post(api, bad, files)
    assert r.status_code == 422, r.text
    errors = {e["path"]: e["message"] for e in r.json()["errors"]}
    assert path in errors and words in errors[path]
    assert all(not m.isascii() for m in errors.values())  # Japanese
    assert _counts() == before


def test_a_worker_quoting_an_unregistered_employer_is_blocked_and_issuance_never_drops_the_affiliation(
        api: Any) -> None:
    s = worker_sample()
    missing = _unregistered_id()
    sample = samples.SampleApplication(s.kind, {**s.data, "employer_business_id": missing}, s.files)
    r = api.post("/api/v1/applications", data=samples.multipart(sample)[0], files=samples.multipart(sample)[1])
    assert r.status_code == 201, r.text
    number = r.json()["application_number"]
    drain_pipeline()
    [flag] = [f for f in _case(number).flags if f["code"] == "employer_not_registered"]
    assert flag["severity"] == "block" and flag["field"] == "application.employer_business_id"
    assert missing in flag["message"]

    # Had it reached issuance anyway (approved before the business left, say), no worker is made
    # without the affiliation: the case goes to an operator with the reason.
    with unit_of_work() as session:
        app_id = session.scalars(select(Application.id).where(Application.application_number == number)).one()
        session.execute(update(Application).where(Application.id == app_id).values(status="issuing"))
    with pytest.raises(steps.EmployerNotRegistered) as refused:
        steps.issue(app_id, TODAY)
    failures.record(app_id, "issuance", refused.value)
    with unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Worker).where(Worker.application_id == app_id)) == 0
        assert session.get(Application, app_id).status == "needs_operator"  # type: ignore[union-attr]


def _portal(api: Any, biz: make.RegisteredBusiness) -> dict[str, str]:
    r = api.post("/api/v1/portal/sign-in", json={"login_id": biz.business_id, "password": make.PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _file_change(api: Any, headers: dict[str, str], worker_id: str, change: dict[str, Any],
                 files: list[Any]) -> Any:
    return api.post(f"/api/v1/portal/workers/{worker_id}/qualifications", headers=headers,
                    data={"application": json.dumps(change, ensure_ascii=False)}, files=files)


def test_a_qualification_added_by_a_change_application_reissues_the_card_once_at_the_new_level(
        api: Any, client_for: Any) -> None:
    employer = make.business(must_change=False)
    other = make.business(must_change=False)
    w = make.worker(employer)
    headers = _portal(api, employer)
    cert = _certificate("技能者", CORE)
    change = {"qualifications": [CORE]}

    before = _counts()
    unknown = _file_change(api, headers, w.worker_id,
                           {"qualifications": [{**CORE, "name": "登録なんでも基幹技能者"}]}, [cert])
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["path"] == "application.qualifications.0.name"
    bare = _file_change(api, headers, w.worker_id, change, [])
    assert bare.status_code == 422
    assert bare.json()["errors"][0]["path"] == "attachments.qualification_certificate"
    stranger = _file_change(api, _portal(api, other), w.worker_id, change, [cert])
    assert stranger.status_code == 403
    assert _counts() == before

    filed = _file_change(api, headers, w.worker_id, change, [cert])
    assert filed.status_code == 201, filed.text
    number = filed.json()["application_number"]
    assert filed.json()["status"] == "awaiting_review"
    again = _file_change(api, headers, w.worker_id, change, [cert])
    assert again.status_code == 200 and again.json()["application_number"] == number
    with unit_of_work() as session:
        rows = {row.path: row for row in case_view.load(session, number, viewer="test-reviewer").fields}
        docs = [d.role for d in case_view.load(session, number, viewer="test-reviewer").documents]
    assert "登録鉄筋基幹技能者" in rows["qualifications.0"].value and docs == ["qualification_certificate"]
    reviewer, _ = client_for("reviewer")
    page = reviewer.get(f"/cases/{number}").text
    assert "技能者情報変更（資格の追加）" in page and "資格証明書の写し" in page and "登録鉄筋基幹技能者" in page

    assert decide(number, actor="test-reviewer", decision=Decision.APPROVE, reason=None).status == "approved"
    app_id = _case(number).id
    from ccus.flows.changes import apply_changes

    assert apply_changes()["applied"] >= 1  # the changes flow applies a worker's change too
    assert apply_changes()["applied"] == 0 and worker_changes.apply_change(app_id, TODAY) is False  # once
    assert reissue.issue_paid(TODAY) == 0
    with unit_of_work() as session:
        cards = list(session.scalars(select(Card).where(Card.worker_pk == w.pk).order_by(Card.id)))
        [row] = session.scalars(select(CardReissue).where(CardReissue.change_application_id == app_id)).all()
        assert session.get(Application, app_id).status == "registered"  # type: ignore[union-attr]
        reissue_number = row.request_number
        new_card_id, old_card_id, status, reason = row.new_card_id, row.old_card_id, row.status, row.reason
    assert [(c.level, c.colour, c.status) for c in cards] == [(1, "white", "invalid"), (4, "gold", "ordered")]
    assert (old_card_id, new_card_id, status, reason) == (w.card_id, cards[1].id, "issued", "level_change")
    order = _order(cards[1].id)
    assert (order["level"], order["colour"], order["reissue"]) == (4, "gold", True)

    # The filing business is told (portal notice) what was added and that a new card is coming.
    notices = api.get("/api/v1/portal/notifications", headers=headers).json()
    [told] = [n for n in notices if number in n["title"]]
    assert "登録鉄筋基幹技能者" in told["body"] and "レベル4（ゴールド）" in told["body"] and reissue_number in told["body"]

    # The employer's registry view shows the qualification added and the new card.
    view = api.get(f"/api/v1/portal/registry/workers/{w.worker_id}", headers=headers).json()["content"]
    assert [q["name"] for q in view["qualifications"]] == ["登録鉄筋基幹技能者"]
    assert (view["card"]["level"], view["card"]["colour"]) == (4, "gold")

    # The database allows one new card per change, whatever the code does.
    with pytest.raises(IntegrityError), unit_of_work() as session:
        session.execute(insert(CardReissue).values(
            request_number=reissue_number + "x", old_card_id=cards[1].id, reason="level_change",
            requested_by="test", change_application_id=app_id, status="issuing"))
    # The same qualification again is refused: the worker holds it.
    held = _file_change(api, headers, w.worker_id, change, [cert])
    assert held.status_code == 422 and "既に登録" in held.json()["errors"][0]["message"]


def test_a_detailed_registration_is_keyed_in_at_the_counter_with_its_qualifications_and_certificate(
        client_for: Any) -> None:
    employer = make.business(must_change=False)
    sample, _ = _detailed(employer.business_id, [CORE], certificates=False)
    clerk, _ = client_for("clerk")
    page = clerk.get("/counter/new?kind=worker_registration")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
    assert key is not None and 'name="application.qualifications"' in page.text
    data = {**sample.data, "identity_document_type": "none"}
    fields = {**flatten(data), "csrf_token": csrf_of(page.text), "kind": sample.kind, "idempotency_key": key.group(1)}
    cert = _certificate(data["name"], CORE)
    files = [("attachments.face_photo", ("photo.jpg", face_photo_jpeg(), "image/jpeg")),
             ("attachments.qualification_certificate", cert[1])]
    bad = clerk.post("/counter/new", data={**fields, "application.qualifications": "宇宙飛行士／1／2019-01-01"},
                     files=files, follow_redirects=False)
    assert bad.status_code == 422 and "1行目：資格名「宇宙飛行士」は登録できる資格の一覧にありません" in bad.text
    r = clerk.post("/counter/new", data=fields, files=files, follow_redirects=False)
    assert r.status_code == 303, r.text
    number = re.search(r"/counter/received/([0-9-]+)", r.headers["location"])
    assert number is not None
    app = _case(number.group(1))
    assert app.channel == "counter" and app.declared["qualifications"] == [CORE]
    assert app.declared["employer_items"]["linked_system"]["code"] == "GK01"


def test_a_returned_worker_change_is_answered_by_filing_again_and_resumes_the_same_case(api: Any) -> None:
    employer = make.business(must_change=False)
    w = make.worker(employer)
    headers = _portal(api, employer)
    first = _file_change(api, headers, w.worker_id, {"qualifications": [CRANE]}, [_certificate("技能者", CRANE)])
    number = first.json()["application_number"]
    returned = decide(number, actor="test-reviewer", decision=Decision.RETURN, reason="証明書の番号が読めません。")
    assert returned.status == "returned"
    fixed = {**CRANE, "number": "T-88124"}
    answer = _file_change(api, headers, w.worker_id, {"qualifications": [fixed]}, [_certificate("技能者", fixed)])
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"application_number": number, "status": "awaiting_review"}
    app = _case(number)
    assert app.declared["changes"]["qualifications"] == [fixed]
    with unit_of_work() as session:
        docs = session.execute(select(Document.filename, Document.superseded_at.is_(None)).where(
            Document.application_id == app.id).order_by(Document.id)).all()
    assert [tuple(d) for d in docs] == [("cert-T-88123.pdf", False), ("cert-T-88124.pdf", True)]
