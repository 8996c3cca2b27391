"""The embedded stack: each server answers as the product expects it to."""

from __future__ import annotations

import smtplib
import time
import urllib.request
import uuid
from email.message import EmailMessage

import psycopg
import pytest

from ccus.infra.settings import Settings

pytestmark = pytest.mark.integration


def _pg(settings: Settings, dbname: str = "ccus") -> psycopg.Connection:
    return psycopg.connect(
        host="127.0.0.1", port=settings.pg_port, user="postgres", dbname=dbname, autocommit=True
    )


def test_postgres_answers_on_tcp_with_both_databases(stack: Settings) -> None:
    with _pg(stack) as conn:
        version, max_conn, listen = conn.execute(
            "SELECT current_setting('server_version_num')::int, current_setting('max_connections'),"
            " current_setting('listen_addresses')"
        ).fetchone()
        assert version >= 140009  # Prefect needs PostgreSQL >= 14.9
        assert max_conn == "200"
        assert listen == "127.0.0.1"
        assert conn.execute("SHOW server_encoding").fetchone() == ("UTF8",)
    with _pg(stack, "prefect") as conn:
        assert conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").fetchone() == (1,)
        # The cluster's LC_CTYPE must let pg_trgm see Japanese characters (it ignores them under C).
        similarity = conn.execute("SELECT similarity('山田太郎', '山田太朗')").fetchone()[0]
        assert similarity > 0.3


def test_database_url_works_with_sqlalchemy(stack: Settings) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(stack.db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT current_database()")).scalar() == "ccus"
    finally:
        engine.dispose()


def test_s3_roundtrip_and_wrong_keys_refused(stack: Settings) -> None:
    from botocore.exceptions import ClientError

    from ccus.infra.services.s3 import s3_client

    client = s3_client(stack)
    key = f"test/{uuid.uuid4().hex}.txt"
    body = "申請書 scan ✓".encode()
    client.put_object(Bucket=stack.s3_bucket, Key=key, Body=body, ContentType="text/plain")
    got = client.get_object(Bucket=stack.s3_bucket, Key=key)
    assert got["Body"].read() == body
    assert got["ContentType"] == "text/plain"

    for access, secret in [
        (stack.aws_access_key_id, "not-the-secret"),
        ("unknown-access-key", stack.aws_secret_access_key),
    ]:
        with pytest.raises(ClientError) as err:
            s3_client(stack, access, secret).get_object(Bucket=stack.s3_bucket, Key=key)
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(OSError):  # anonymous HTTP is refused too (HTTPError 403 is an OSError)
        urllib.request.urlopen(f"{stack.s3_url}/{stack.s3_bucket}/{key}", timeout=5)


def test_smtp_delivers_to_maildir(stack: Settings) -> None:
    from ccus.infra.stack import read_maildir

    msg = EmailMessage()
    msg["From"] = stack.mail_from
    msg["To"] = "worker@example.jp"
    msg["Subject"] = "技能者ID のお知らせ"
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@ccus.test>"
    msg.set_content("登録が完了しました。", charset="utf-8")
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=10) as smtp:
        smtp.send_message(msg)

    deadline = time.monotonic() + 10
    found = []
    while not found and time.monotonic() < deadline:
        found = [m for m in read_maildir(stack) if m["Message-ID"] == msg["Message-ID"]]
        time.sleep(0.05)
    assert len(found) == 1
    received = found[0]
    assert received["Subject"] == "技能者ID のお知らせ"
    assert received["X-RcptTo"] == "worker@example.jp"
    assert received.get_content().strip() == "登録が完了しました。"


def test_prefect_server_runs_a_flow(stack: Settings) -> None:
    with urllib.request.urlopen(f"{stack.prefect_api}/health", timeout=10) as resp:
        assert resp.status == 200

    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.context import get_run_context

    @flow(name="ccus-stack-smoke")
    def smoke(x: int) -> tuple[int, str]:
        return x + 1, str(get_run_context().flow_run.id)

    value, run_id = smoke(41)
    assert value == 42
    with get_client(sync_client=True) as client:
        assert str(client.api_url).rstrip("/") == stack.prefect_api
        run = client.read_flow_run(uuid.UUID(run_id))
    assert run.state is not None and run.state.is_completed()


def test_start_is_idempotent_and_status_reports(stack: Settings) -> None:
    from ccus.infra.services.base import running_pid
    from ccus.infra.stack import stack_status, start_stack

    services = ["postgres", "s3", "smtp", "prefect"]
    pids = {name: running_pid(stack, name) for name in services}
    assert all(pids.values())
    started = time.monotonic()
    start_stack(stack, services=services, progress=False)
    assert time.monotonic() - started < 15
    assert {name: running_pid(stack, name) for name in services} == pids
    status = stack_status(stack)
    for name in services:
        assert status[name].startswith(f"running (pid {pids[name]})"), status
    assert status["worker"] == "stopped" and status["web"] == "stopped"
    assert (stack.log_dir / "postgres.log").exists() and (stack.run_dir / "prefect.pid").exists()


def test_postgres_restart_keeps_data(stack: Settings) -> None:
    # Last in this file: it restarts the server under the session's Prefect server.
    from ccus.infra.services.base import running_pid
    from ccus.infra.stack import start_postgres, stop_service

    with _pg(stack) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS stack_restart_probe (v text)")
        conn.execute("INSERT INTO stack_restart_probe VALUES ('kept')")
    old_pid = running_pid(stack, "postgres")
    assert stop_service(stack, "postgres")
    assert running_pid(stack, "postgres") is None
    assert not (stack.run_dir / "postgres.pid").exists()
    new_pid = start_postgres(stack)
    assert new_pid and new_pid != old_pid
    with _pg(stack) as conn:
        assert conn.execute("SELECT v FROM stack_restart_probe").fetchall() == [("kept",)]
