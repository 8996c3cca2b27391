"""Counter intake (窓口受付) over HTTP against the real stack: the clerk keys an application in, sees
the internet channel's own Japanese messages next to the fields, and gets a 申請番号 for a case
received at the counter; the staff member who took a case in never approves it (service, JSON API
and web)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from sqlalchemy import func, select, update

from ccus.infra.db import unit_of_work
from ccus.models.application_types import Channel
from ccus.models.charges import application_fee
from ccus.models.declared import DECLARED_MODELS
from ccus.models.status import Status
from ccus.models.tables import Application, AuditLog, Document
from ccus.review_ui.intake_form import attachments_for
from ccus.services.intake.submission import IncomingFile, submit
from ccus.services.review.decisions import Decision, DecisionRefused, decide
from tests.support.counter import flatten, schema_leaf_paths
from tests.support.web import business_sample, csrf_of, post_form, proxy_sample, worker_sample

pytestmark = pytest.mark.integration


def _counts() -> tuple[int, int]:
    with unit_of_work() as session:
        return (session.scalar(select(func.count()).select_from(Application)) or 0,
                session.scalar(select(func.count()).select_from(Document)) or 0)


def _app(number: str) -> Application:
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(Application.application_number == number)).one()
        session.expunge(app)
        return app


def key_in(client: Any, kind: str, data: dict[str, Any], files: list[Any],
           form_page: str | None = None) -> Any:
    """Open the counter form, key ``data`` in, attach ``files`` and submit it, as the browser does."""
    page = client.get(form_page or f"/counter/new?kind={kind}")
    assert page.status_code == 200
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
    assert key
    fields = {**flatten(data), "csrf_token": csrf_of(page.text), "kind": kind, "idempotency_key": key.group(1)}
    return client.post("/counter/new", data=fields, files=files, follow_redirects=False)


def scans(sample: Any, *, drop: tuple[str, ...] = ()) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [(f"attachments.{f.role}", (f.filename, f.data, f.content_type)) for f in sample.files if f.role not in drop]


def row_of(page: str, path: str) -> str:
    """The HTML of the form row of the field ``path``."""
    start = page.index(f'data-field="{path}"')
    end = page.find('data-field="', start + 1)
    return html.unescape(page[start:end if end > 0 else len(page)])


# --- the form ---------------------------------------------------------------------------------

def test_the_clerk_finds_the_form_and_it_has_every_field_the_api_accepts(client_for: Any) -> None:
    clerk, _ = client_for("clerk")
    home = clerk.get("/")
    assert 'href="/counter/new"' in home.text and "窓口受付" in home.text
    chooser = clerk.get("/counter/new")
    assert chooser.status_code == 200
    for kind, model in DECLARED_MODELS.items():
        assert f'value="{kind}"' in chooser.text
        page = clerk.get(f"/counter/new?kind={kind}").text
        names = set(re.findall(r'name="application\.([^"]+)"', page))
        assert names == schema_leaf_paths(model), kind
        roles = {a.role for a in attachments_for(kind)}
        assert set(re.findall(r'name="attachments\.([^"]+)" type="file" multiple', page)) == roles, kind


def test_only_counter_staff_may_take_applications_in_and_only_with_the_csrf_token(client_for: Any) -> None:
    reviewer, _ = client_for("reviewer")
    assert reviewer.get("/counter/new?kind=worker_registration").status_code == 403
    clerk, _ = client_for("clerk")
    sample = worker_sample()
    before = _counts()
    refused = clerk.post("/counter/new", data={**flatten(sample.data), "kind": sample.kind, "csrf_token": "forged"},
                         files=scans(sample), follow_redirects=False)
    assert refused.status_code == 403
    forbidden = reviewer.post("/counter/new", data={"kind": sample.kind, "csrf_token": "x"}, files=scans(sample),
                              follow_redirects=False)
    assert forbidden.status_code == 403
    assert _counts() == before


def test_a_wrong_application_is_shown_again_with_the_apis_own_messages_and_nothing_is_stored(
        client_for: Any, api: Any) -> None:
    clerk, _ = client_for("clerk")
    sample = worker_sample()
    wrong = dict(sample.data, name_kana="やまだ たろう", phone="12", birth_date="2999-01-01",
                 health_insurance={"kind": "association", "insurer_number": "1"})
    wrong.pop("trade")
    before = _counts()
    r = key_in(clerk, sample.kind, wrong, scans(sample))
    assert r.status_code == 422
    assert _counts() == before

    # The internet API, sent the same application, names the same fields with the same words.
    from ccus.sample_applications import SampleApplication, multipart

    fields, files = multipart(SampleApplication(sample.kind, wrong, sample.files))
    api_errors = api.post("/api/v1/applications", data=fields, files=files).json()["errors"]
    assert len(api_errors) >= 4
    assert {e["path"] for e in api_errors} >= {"application.name_kana", "application.phone", "application.trade",
                                                "application.health_insurance.insurer_number"}
    for e in api_errors:
        assert e["message"] in row_of(r.text, e["path"]), e  # next to the field it names
    assert r.text.count('class="field-error"') == len(api_errors)

    # What was keyed in is kept.
    assert 'value="やまだ たろう"' in r.text and f'value="{sample.data["name"]}"' in r.text
    assert 'value="2999-01-01"' in r.text and 'value="association" selected' in r.text
    assert "選び直してください" in r.text and "photo.jpg" in r.text


def test_a_missing_scan_is_named_next_to_its_file_input(client_for: Any) -> None:
    clerk, _ = client_for("clerk")
    sample = worker_sample()
    before = _counts()
    r = key_in(clerk, sample.kind, sample.data, scans(sample, drop=("face_photo",)))
    assert r.status_code == 422 and _counts() == before
    assert "顔写真の添付が必要です。" in row_of(r.text, "attachments.face_photo")


def test_a_worker_is_received_at_the_counter_by_the_clerk_and_told_the_application_number(client_for: Any) -> None:
    clerk, username = client_for("clerk")
    sample = worker_sample()
    # At the counter the identity is checked in person: no identity document needed.
    data = dict(sample.data, identity_document_type="none")
    r = key_in(clerk, sample.kind, data, scans(sample, drop=("identity_document",)))
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith("/counter/received/")
    receipt = clerk.get(r.headers["location"])
    number = re.search(r'data-testid="application-number">([^<]+)<', receipt.text).group(1)  # type: ignore[union-attr]

    app = _app(number)
    assert app.channel == "counter" and app.received_by == username and app.status == "documents_stored"
    assert app.declared == DECLARED_MODELS[sample.kind].model_validate(data).model_dump(mode="json")
    fee = application_fee(app.kind, "counter", app.declared, app.received_at.date())
    assert f"{fee.total:,}円" in receipt.text and username in receipt.text and "このあとの流れ" in receipt.text
    with unit_of_work() as session:
        docs = session.scalars(select(Document.role).where(Document.application_id == app.id)).all()
        entry = session.scalars(select(AuditLog).where(AuditLog.application_id == app.id,
                                                        AuditLog.action == "application.received")).one()
    assert list(docs) == ["face_photo"]
    assert entry.actor == username and entry.detail["received_by"] == username and entry.detail["channel"] == "counter"


def test_the_same_form_sent_twice_makes_one_case(client_for: Any) -> None:
    clerk, _ = client_for("clerk")
    sample = worker_sample()
    page = clerk.get(f"/counter/new?kind={sample.kind}").text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    fields = {**flatten(sample.data), "csrf_token": csrf_of(page), "kind": sample.kind, "idempotency_key": key}
    first = clerk.post("/counter/new", data=fields, files=scans(sample), follow_redirects=False)
    before = _counts()
    again = clerk.post("/counter/new", data=fields, files=scans(sample), follow_redirects=False)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert _counts() == before


def test_a_business_with_its_trades_insurance_and_registrant_is_keyed_in_whole(client_for: Any) -> None:
    clerk, _ = client_for("supervisor")
    sample = business_sample()
    r = key_in(clerk, sample.kind, sample.data, scans(sample))
    assert r.status_code == 303, r.text
    app = _app(r.headers["location"].rsplit("/", 1)[1])
    assert app.declared == DECLARED_MODELS[sample.kind].model_validate(sample.data).model_dump(mode="json")
    assert app.declared["trades"] == sample.data["trades"] and app.kind == "business_registration"


def test_a_proxy_application_is_keyed_in_with_both_consents(client_for: Any) -> None:
    clerk, _ = client_for("clerk")
    sample = proxy_sample("prime_contractor")
    missing = key_in(clerk, sample.kind, sample.data, scans(sample, drop=("employer_consent",)))
    assert missing.status_code == 422
    assert "代行申請同意書（所属事業者）の添付が必要です。" in row_of(missing.text, "attachments.employer_consent")
    r = key_in(clerk, sample.kind, sample.data, scans(sample))
    assert r.status_code == 303, r.text
    app = _app(r.headers["location"].rsplit("/", 1)[1])
    assert app.filed_by_business_id == sample.data["proxy"]["filer_business_id"]


# --- the one who took it in never approves it ------------------------------------------------------

def counter_case(received_by: str, sample: Any = None) -> str:
    s = sample or worker_sample()
    number = submit(kind=s.kind, channel=Channel.COUNTER, declared=s.data, idempotency_key=None,
                    files=[IncomingFile(f.role, f.filename, f.content_type, f.data) for f in s.files],
                    actor=received_by, received_by=received_by).application_number
    with unit_of_work() as session:
        session.execute(update(Application).where(Application.application_number == number)
                        .values(status=Status.AWAITING_REVIEW.value, flags=[]))
    return number


def test_the_receiving_staff_member_cannot_approve_but_another_can(db: Any) -> None:
    number = counter_case("desk-tanaka")
    with pytest.raises(DecisionRefused) as refused:
        decide(number, actor="desk-tanaka", decision=Decision.APPROVE, reason=None)
    assert refused.value.code == "received_by_approver" and "窓口で受け付けた" in refused.value.message
    assert _app(number).status == "awaiting_review"
    assert decide(number, actor="boss-sato", decision=Decision.APPROVE, reason=None).status == "approved"


def test_the_receiving_staff_member_cannot_give_the_second_approval_either(db: Any) -> None:
    number = counter_case("desk-kimura", proxy_sample("upper_subcontractor"))
    assert decide(number, actor="rev-ito", decision=Decision.APPROVE, reason=None).status == "awaiting_second_approval"
    with pytest.raises(DecisionRefused) as refused:
        decide(number, actor="desk-kimura", decision=Decision.APPROVE, reason=None)
    assert refused.value.code == "received_by_approver"
    assert _app(number).status == "awaiting_second_approval"
    assert decide(number, actor="rev-kato", decision=Decision.APPROVE, reason=None).status == "approved"


def test_the_reviewers_api_refuses_the_receiver_too(api: Any) -> None:
    from tests.support.web import api_token

    boss, token = api_token("supervisor", "boss")
    number = counter_case(boss)
    url = f"/api/v1/review/applications/{number}/decision"
    r = api.post(url, json={"decision": "approve"}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 409 and r.json()["detail"]["code"] == "received_by_approver"
    assert "窓口で受け付けた" in r.json()["detail"]["message"]
    shown = api.get(f"/api/v1/review/applications/{number}", headers={"Authorization": f"Bearer {token}"}).json()
    assert shown["received_by"] == boss and shown["status"] == "awaiting_review"


def test_a_supervisor_who_took_a_case_in_is_refused_its_approval_on_the_case_screen(client_for: Any) -> None:
    boss, username = client_for("supervisor")
    sample = worker_sample()
    r = key_in(boss, sample.kind, sample.data, scans(sample))
    assert r.status_code == 303
    number = r.headers["location"].rsplit("/", 1)[1]
    with unit_of_work() as session:
        session.execute(update(Application).where(Application.application_number == number)
                        .values(status=Status.AWAITING_REVIEW.value, flags=[]))
    post_form(boss, f"/cases/{number}/claim", {})
    screen = boss.get(f"/cases/{number}").text
    assert f"窓口受付：{username}" in screen and "承認できません" in screen
    refused = post_form(boss, f"/cases/{number}/decision", {"decision": "approve"})
    assert refused.status_code == 409 and "窓口で受け付けた職員" in refused.text
    assert _app(number).status == "awaiting_review"
    # Returning it for correction is not approving it.
    returned = post_form(boss, f"/cases/{number}/decision", {"decision": "return", "reason_codes": ["other"],
                                                             "reason": "住所の番地を確認してください。"})
    assert returned.status_code == 303 and _app(number).status == "returned"
