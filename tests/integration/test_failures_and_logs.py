"""What an applicant sees and what the web log keeps when something underneath fails: S3 or the
database out of reach answers 503 in Japanese with Retry-After and stores nothing; a database error
leaves no personal data in logs/web.log; personal data is never cached (Cache-Control: no-store)."""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from ccus import sample_applications as samples
from ccus.infra.db import unit_of_work
from ccus.infra.settings import reset_settings
from ccus.models.identifiers import application_number
from ccus.models.tables import Application
from tests.support.factories import corporate_number

pytestmark = pytest.mark.integration

NUMBER = application_number(26, 9_999_999)  # well-formed, never issued in a test session


def _applications() -> int:
    with unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Application)) or 0


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _web_app_with(**env: str) -> Iterator[Any]:
    """A web app in-process whose settings come from the environment changed by ``env``."""
    from fastapi.testclient import TestClient

    from ccus.review_ui.app import create_app

    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    reset_settings()
    try:
        with TestClient(create_app()) as client:
            yield client
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        reset_settings()


def _assert_unavailable(r: Any) -> None:
    assert r.status_code == 503, r.text
    assert int(r.headers["Retry-After"]) > 0
    assert "一時的に利用できません" in r.json()["detail"]
    assert r.headers["Cache-Control"] == "no-store"


def test_submission_while_s3_is_unreachable_is_answered_503_in_japanese_and_stores_nothing(db: Any) -> None:
    sample = samples.business(corporate_number=corporate_number())
    fields, files = samples.multipart(sample)
    before = _applications()
    # Not the embedded stack's S3, so not its published keys either (refused at start-up).
    with _web_app_with(S3_ENDPOINT_URL=f"http://127.0.0.1:{_closed_port()}", AWS_ACCESS_KEY_ID="elsewhere",
                       AWS_SECRET_ACCESS_KEY="elsewhere-secret") as client:
        r = client.post("/api/v1/applications", data=fields, files=files, headers={"Idempotency-Key": uuid.uuid4().hex})
    _assert_unavailable(r)
    assert _applications() == before


def test_status_query_while_the_database_is_unreachable_is_answered_503(db: Any) -> None:
    with _web_app_with(DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/ccus") as client:
        # With a proof the case must be looked up (without one the answer is 401 before any database work).
        r = client.get(f"/api/v1/applications/{NUMBER}", headers={"X-Application-Secret": "a" * 43})
    _assert_unavailable(r)


def test_database_error_leaves_no_personal_data_in_the_web_log(web_process: Any) -> None:
    """A refused INSERT's message carries the statement's values and PostgreSQL's 'Failing row
    contains (…)': the web process answers 500 in Japanese and logs neither."""
    settings = web_process
    email = f"leak-{uuid.uuid4().hex[:12]}@example.jp"
    phone = "03-9876-5432"
    sample = samples.business(corporate_number=corporate_number(), email=email)
    sample.data["phone"] = phone
    fields, files = samples.multipart(sample)
    log = settings.log_dir / "web.log"
    offset = log.stat().st_size
    with unit_of_work() as session:  # a rule that refuses this one applicant's row
        session.execute(text(f"ALTER TABLE applications ADD CONSTRAINT leak_probe "
                             f"CHECK (declared->>'email' <> '{email}') NOT VALID"))
    try:
        r = httpx.post(f"{settings.web_url}/api/v1/applications", data=fields, files=files, timeout=60)
    finally:
        with unit_of_work() as session:
            session.execute(text("ALTER TABLE applications DROP CONSTRAINT leak_probe"))
    assert r.status_code == 500, r.text
    assert "システムエラー" in r.json()["detail"]
    written = log.read_bytes()[offset:].decode("utf-8", "replace")
    assert "leak_probe" in written  # the error is logged: the constraint, not the row
    for personal in (email, phone, "見本 花子", "03-1234-5678"):
        assert personal not in written, f"{personal!r} is in web.log"
    assert "Failing row" not in written


def test_api_answers_are_never_cached(api: Any) -> None:
    for r in (api.get(f"/api/v1/applications/{NUMBER}"), api.get("/api/v1/review/queue"),
              api.post("/api/v1/applications", data={"application": "{"})):
        assert r.headers["Cache-Control"] == "no-store", (r.request.url, r.status_code)
