"""Nothing stored on refusal: a refused or failing submission leaves no object in the bucket that no
row points at (internet channel and counter, on the real stack: SeaweedFS S3 and PostgreSQL)."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select, text

from ccus.infra import s3
from ccus.infra.db import unit_of_work
from ccus.infra.settings import get_settings
from ccus.models.tables import Application
from tests.support.counter import flatten
from tests.support.web import csrf_of, worker_sample

pytestmark = pytest.mark.integration


def _objects() -> int:
    settings = get_settings()
    pages = s3.client().get_paginator("list_objects_v2").paginate(Bucket=settings.s3_bucket, Prefix="documents/")
    return sum(page.get("KeyCount", 0) for page in pages)


def _cases() -> int:
    with unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Application)) or 0


@pytest.fixture
def client(db: Any) -> Iterator[Any]:
    """The web app answering errors as a server does (a 500, not an exception in the test)."""
    from fastapi.testclient import TestClient

    from ccus.review_ui.app import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


def _post(client: Any, data: dict[str, Any], sample: Any, filename: str | None = None) -> Any:
    envelope = json.dumps({"kind": sample.kind, "data": data})
    files = [(f.role, (filename or f.filename, f.data, f.content_type)) for f in sample.files]
    return client.post("/api/v1/applications", data={"application": envelope}, files=files)


@contextlib.contextmanager
def database_refuses_filename(filename: str) -> Iterator[None]:
    """A real failure of the intake transaction after the files are in S3: PostgreSQL refuses any
    document row of that file name (a check constraint, dropped afterwards)."""
    name = f"ck_test_refuse_{uuid.uuid4().hex[:8]}"
    with unit_of_work() as session:
        session.execute(text(f"ALTER TABLE documents ADD CONSTRAINT {name} CHECK (filename <> '{filename}') NOT VALID"))
    try:
        yield
    finally:
        with unit_of_work() as session:
            session.execute(text(f"ALTER TABLE documents DROP CONSTRAINT {name}"))


def test_a_stored_submission_adds_objects_so_the_count_can_show_an_orphan(client: Any) -> None:
    sample = worker_sample()
    before = _objects()
    assert _post(client, sample.data, sample).status_code == 201
    assert _objects() > before


def test_hostile_text_is_refused_before_any_file_reaches_the_bucket(client: Any) -> None:
    sample = worker_sample()
    before, cases = _objects(), _cases()
    r = _post(client, dict(sample.data, name="山田\x00太郎"), sample)
    assert r.status_code == 422, r.text
    assert [e["path"] for e in r.json()["errors"]] == ["application.name"]
    assert (_objects(), _cases()) == (before, cases)


def test_a_failing_transaction_deletes_the_objects_it_wrote(client: Any) -> None:
    sample = worker_sample()
    filename = f"refused-{uuid.uuid4().hex[:8]}.jpg"
    before, cases = _objects(), _cases()
    with database_refuses_filename(filename):
        r = _post(client, sample.data, sample, filename=filename)
    assert r.status_code >= 500
    assert (_objects(), _cases()) == (before, cases)
    # The same application sent again is stored whole: nothing the failure deleted is missing.
    assert _post(client, sample.data, sample).status_code == 201


def test_a_counter_submission_with_hostile_text_stores_nothing(client: Any, db: Any) -> None:
    from tests.support.web import new_user, sign_in

    sign_in(client, new_user("clerk"))
    sample = worker_sample()
    page = client.get(f"/counter/new?kind={sample.kind}")
    fields = {**flatten(dict(sample.data, address="東京都\u202e新宿区")), "kind": sample.kind,
              "csrf_token": csrf_of(page.text)}
    scans = [(f"attachments.{f.role}", (f.filename, f.data, f.content_type)) for f in sample.files]
    before, cases = _objects(), _cases()
    r = client.post("/counter/new", data=fields, files=scans, follow_redirects=False)
    assert r.status_code == 422
    assert "U+202E" in r.text
    assert (_objects(), _cases()) == (before, cases)
