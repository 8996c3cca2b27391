"""A stage that fails on a case, through the real flows: a final refusal (a document gone from S3,
a stored value that names no business) sends the case to needs_operator after one attempt, with
the reason in the stage log; a transient failure (S3 out of reach) leaves the case in its stage
with the error recorded, and the next drain takes it on once S3 is back."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select, update

from ccus.infra import s3
from ccus.infra.db import unit_of_work
from ccus.infra.settings import reset_settings
from ccus.models.status import Status
from ccus.models.tables import Application, AuditLog, Document, StageLog
from tests.support.lifecycle import new_case

pytestmark = pytest.mark.integration


def _png() -> bytes:
    """A small white page, unique (its own pixel), so its content-addressed key is its own."""
    image = Image.new("RGB", (400, 300), "white")
    image.putpixel((1, 1), tuple(uuid.uuid4().bytes[:3]))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _case_with_document(data: bytes) -> tuple[int, str]:
    """A business registration in documents_stored with one identity document stored in S3."""
    sha = hashlib.sha256(data).hexdigest()
    key = s3.document_key(sha)
    s3.put_bytes(key, data, "image/png")
    with unit_of_work() as session:
        app = new_case(session, kind="business_registration", status=Status.DOCUMENTS_STORED.value,
                       declared={"trade_name": "失敗試験建設株式会社"})
        session.add(Document(application_id=app.id, role="identity_document", s3_key=key, sha256=sha,
                             size=len(data), media_type="image/png", pages=1, filename="id.png"))
        return app.id, key


def _row(app_id: int) -> Application:
    with unit_of_work() as session:
        app = session.get(Application, app_id)
        assert app is not None
        return app


def _log(app_id: int) -> list[tuple[str | None, str, str, str]]:
    with unit_of_work() as session:
        rows = session.scalars(select(StageLog).where(StageLog.application_id == app_id).order_by(StageLog.id))
        return [(r.from_status, r.to_status, r.actor, r.reason or "") for r in rows]


def _operator_audit(app_id: int) -> list[dict[str, Any]]:
    with unit_of_work() as session:
        return list(session.scalars(select(AuditLog.detail).where(AuditLog.application_id == app_id,
                                                                  AuditLog.action == "case.needs_operator")))


def test_a_document_gone_from_s3_sends_the_case_to_an_operator_after_one_attempt(db: Any) -> None:
    from ccus.flows.pipeline import process_pipeline

    app_id, key = _case_with_document(_png())
    s3.client().delete_object(Bucket=db.s3_bucket, Key=key)

    process_pipeline()

    assert _row(app_id).status == Status.NEEDS_OPERATOR.value
    [(frm, to, actor, reason)] = _log(app_id)
    assert (frm, to, actor) == ("documents_stored", "needs_operator", "stage-failure")
    assert "extract: identity_document" in reason and "NoSuchKey" in reason
    [detail] = _operator_audit(app_id)
    assert detail["attempts"] == 1 and detail["stage"] == "documents_stored"  # one claim, no retries
    assert "NoSuchKey" in detail["last_error"]
    from ccus.services.operations import redrive

    [listed] = [c for c in redrive.needs_operator() if c["application_number"] == _row(app_id).application_number]
    assert (listed["from"], listed["attempts"]) == ("documents_stored", "1") and "NoSuchKey" in listed["last_error"]


def test_a_stored_value_naming_no_business_sends_a_change_to_an_operator_at_once(db: Any) -> None:
    from ccus.flows.changes import apply_changes

    with unit_of_work() as session:
        app_id = new_case(session, kind="business_change", status=Status.APPROVED.value,
                          declared={"business_id": "999999999999", "changes": {"trade_name": "存在しない"}}).id

    apply_changes()

    assert _row(app_id).status == Status.NEEDS_OPERATOR.value
    [(frm, to, actor, reason)] = _log(app_id)
    assert (frm, to, actor) == ("approved", "needs_operator", "stage-failure")
    assert "apply change: RequestRefused" in reason
    assert [d["attempts"] for d in _operator_audit(app_id)] == [1]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_s3_out_of_reach_is_retried_and_the_next_drain_moves_the_case_on(db: Any) -> None:
    from ccus.flows.pipeline import process_pipeline

    app_id, _ = _case_with_document(_png())
    # An S3 that is not the embedded one may not be reached with the embedded stack's published
    # keys (settings refuse them), so the unreachable endpoint gets keys of its own.
    unreachable = {"S3_ENDPOINT_URL": f"http://127.0.0.1:{_closed_port()}",
                   "AWS_ACCESS_KEY_ID": "unreachable-test-key", "AWS_SECRET_ACCESS_KEY": "unreachable-test-secret"}
    saved = {name: os.environ.get(name) for name in unreachable}
    os.environ.update(unreachable)
    reset_settings()
    try:
        process_pipeline()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_settings()

    app = _row(app_id)
    assert (app.status, app.attempts) == (Status.DOCUMENTS_STORED.value, 1)
    assert app.last_error is not None and "extract: identity_document: EndpointConnectionError" in app.last_error
    assert _log(app_id) == [] and _operator_audit(app_id) == []

    # The error's back-off (lease.release_with_error: 30 s) has passed: the next drain takes it.
    with unit_of_work() as session:
        session.execute(update(Application).where(Application.id == app_id)
                        .values(claimed_until=datetime.now(UTC) - timedelta(seconds=1)))
    process_pipeline()

    app = _row(app_id)
    assert app.status not in (Status.DOCUMENTS_STORED.value, Status.NEEDS_OPERATOR.value), app.last_error
    assert _log(app_id)[0][:2] == ("documents_stored", "extracted")
