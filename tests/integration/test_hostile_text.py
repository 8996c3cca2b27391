"""Hostile text and lenient types through the public interfaces, on the real stack: what no Japanese
name or address contains (control, bidi, zero-width, private-use characters…) is refused with a 422
naming the field, in Japanese, and nothing is stored; ``true`` is not a number; one application part."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from ccus import sample_applications as samples
from ccus.infra.db import unit_of_work
from ccus.models.tables import Application, FieldCorrection, StageLog
from tests.support import lifecycle as make
from tests.support.factories import corporate_number
from tests.support.web import post_form, queued_case, worker_sample

pytestmark = pytest.mark.integration


def _apps() -> int:
    with unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Application)) or 0


def _submit(api: Any, sample: Any, data: dict[str, Any] | None = None, extra: list[Any] | None = None) -> Any:
    envelope = json.dumps({"kind": sample.kind, "data": sample.data if data is None else data})
    files = [(f.role, (f.filename, f.data, f.content_type)) for f in sample.files]
    return api.post("/api/v1/applications", data={"application": envelope}, files=[*files, *(extra or [])])


def _errors(r: Any) -> dict[str, dict[str, str]]:
    assert r.status_code == 422, r.text
    assert r.json()["detail"]
    return {e["path"]: e for e in r.json()["errors"]}


@pytest.mark.parametrize(("field", "value"), [
    ("name", "\u202e郎太田山"), ("name", "山\u200b田 太郎"), ("address", "東京都\x1b[2J新宿区"),
    ("trade", "とび\u2066工"), ("nationality", "日本\ufeff"), ("name", "山\ue000田 太郎"),
])
def test_a_name_or_address_with_hidden_characters_is_refused_naming_the_field(api: Any, field: str, value: str) -> None:
    sample = worker_sample()
    before = _apps()
    error = _errors(_submit(api, sample, dict(sample.data, **{field: value})))[f"application.{field}"]
    assert error["code"] == "forbidden_character"
    assert "使用できない文字" in error["message"] and f"U+{ord(next(c for c in value if not c.isprintable())):04X}" in error["message"]
    assert _apps() == before


def test_a_file_name_with_a_bidi_override_is_refused(api: Any) -> None:
    sample = samples.business(corporate_number=corporate_number())
    files = [(f.role, ("\u202egpj.exe" if f.role == "insurance_proof" else f.filename, f.data, f.content_type))
             for f in sample.files]
    r = api.post("/api/v1/applications", data={"application": json.dumps(sample.envelope())}, files=files)
    error = _errors(r)["attachments.insurance_proof"]
    assert error["code"] == "forbidden_character" and error["message"].startswith("ファイル名に")


@pytest.mark.parametrize("value", [True, "十二"])
def test_true_or_words_as_years_of_experience_are_refused(api: Any, value: Any) -> None:
    sample = worker_sample()
    errors = _errors(_submit(api, sample, dict(sample.data, experience_years=value)))
    assert "application.experience_years" in errors
    assert errors["application.experience_years"]["message"] == "整数で入力してください。"


def test_a_second_application_part_is_refused_naming_it(api: Any) -> None:
    sample = worker_sample()
    before = _apps()
    r = _submit(api, sample, extra=[("application", (None, json.dumps(sample.envelope()).encode(), None))])
    error = _errors(r)["application"]
    assert error["code"] == "duplicate_part" and "1つだけ" in error["message"]
    assert _apps() == before


def test_an_idempotency_key_with_spaces_or_controls_is_refused(api: Any) -> None:
    sample = worker_sample()
    envelope = json.dumps(sample.envelope())
    files = [(f.role, (f.filename, f.data, f.content_type)) for f in sample.files]
    r = api.post("/api/v1/applications", data={"application": envelope}, files=files,
                 headers={"Idempotency-Key": "retry 1\t"})
    assert _errors(r)["header.idempotency-key"]["message"] == "形式が正しくありません。"


def test_a_lone_surrogate_in_the_json_is_refused_not_a_server_error(api: Any) -> None:
    sample = worker_sample()
    r = _submit(api, sample, dict(sample.data, name="山\ud800田"))
    assert _errors(r)["application.name"]["code"] == "forbidden_character"


def test_a_nul_in_a_path_is_refused_naming_the_parameter(api: Any, reviewer_token: str) -> None:
    r = api.get("/api/v1/review/applications/26-0000001%00", headers={"Authorization": f"Bearer {reviewer_token}"})
    assert _errors(r)["path.application_number"]["code"] == "forbidden_character"


def test_a_huge_notice_number_is_refused_not_sent_to_the_database(api: Any) -> None:
    biz = make.business(must_change=False)
    token = api.post("/api/v1/portal/sign-in", json={"login_id": biz.business_id, "password": make.PASSWORD}).json()
    r = api.post(f"/api/v1/portal/notifications/{10**30}/read", headers={"Authorization": f"Bearer {token['token']}"})
    assert "path.notice_id" in _errors(r)


def test_portal_bodies_refuse_hidden_characters(api: Any) -> None:
    biz = make.business(must_change=False)
    token = api.post("/api/v1/portal/sign-in", json={"login_id": biz.business_id, "password": make.PASSWORD}).json()
    auth = {"Authorization": f"Bearer {token['token']}"}
    site = api.post("/api/v1/portal/sites", json={"name": "新宿\u202e現場"}, headers=auth)
    assert _errors(site)["body.name"]["code"] == "forbidden_character"
    change = api.post("/api/v1/portal/changes", json={"changes": {"address": "東京都\x00港区"}}, headers=auth)
    assert _errors(change)["body.changes.address"]["code"] == "forbidden_character"
    other = api.post("/api/v1/portal/changes", content=json.dumps({"changes": {"other": {"団体": "協会\ud800"}}}),
                     headers={**auth, "Content-Type": "application/json"})
    assert "body.changes.other" in _errors(other)
    withdrawal = api.post("/api/v1/portal/withdrawal", json={"reason": "廃業\u200bのため"}, headers=auth)
    assert "body.reason" in _errors(withdrawal)


def test_the_reviewers_api_refuses_a_reason_with_control_characters(api: Any, reviewer_token: str) -> None:
    number = queued_case()
    r = api.post(f"/api/v1/review/applications/{number}/decision", headers={"Authorization": f"Bearer {reviewer_token}"},
                 json={"decision": "return", "reason": "書類が\x07不鮮明です"})
    assert _errors(r)["body.reason"]["code"] == "forbidden_character"


def test_staff_forms_refuse_hidden_characters_in_corrections_and_return_reasons(client_for: Any) -> None:
    reviewer, _ = client_for("reviewer")
    number = queued_case(worker_sample())
    post_form(reviewer, f"/cases/{number}/claim", {})
    fix = post_form(reviewer, f"/cases/{number}/corrections",
                    {"field": "name", "value": "山田\u202e太郎", "reason": "本人確認書類に合わせる"})
    assert fix.status_code == 422 and "U+202E" in fix.text
    reason = post_form(reviewer, f"/cases/{number}/decision", {"decision": "return", "reason": "不鮮明\u200bです"})
    assert reason.status_code == 422 and "「理由」" in reason.text and "U+200B" in reason.text
    multi_line = post_form(reviewer, f"/cases/{number}/decision", {"decision": "return", "reason": "写真が不鮮明です。\r\n再提出してください。"})
    assert multi_line.status_code == 303  # line breaks belong in a reason
    with unit_of_work() as session:
        app_id = session.scalars(select(Application.id).where(Application.application_number == number)).one()
        assert session.scalar(select(func.count()).select_from(FieldCorrection)
                              .where(FieldCorrection.application_id == app_id)) == 0
        reasons = session.scalars(select(StageLog.reason).where(StageLog.application_id == app_id)).all()
    assert not any("\u200b" in (r or "") for r in reasons)
