"""What an unauthenticated sender can make the web app spend: memory and disk for an upload
(streamed to disk, capped on the bytes actually received, chunked or not), the number of parts,
and the pipeline's CPU for a page image (pixels capped at intake)."""

from __future__ import annotations

import json
import select as io_select
import socket
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from ccus import sample_applications as samples
from ccus.infra.db import unit_of_work
from ccus.models.tables import Application
from tests.support.factories import corporate_number, pdf_with_image

pytestmark = pytest.mark.integration


def _applications() -> int:
    with unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Application)) or 0


def _files(sample: samples.SampleApplication, **replace: tuple[str, bytes, str]) -> list[Any]:
    return [(f.role, replace.get(f.role, (f.filename, f.data, f.content_type))) for f in sample.files]


def test_small_pdf_embedding_a_20000_pixel_square_image_is_refused_at_intake(api: Any) -> None:
    sample = samples.business(corporate_number=corporate_number())
    fields, _ = samples.multipart(sample)
    bomb = pdf_with_image(20_000, 20_000)
    assert len(bomb) < 100_000
    before = _applications()
    started = time.monotonic()
    r = api.post("/api/v1/applications", data=fields,
                 files=_files(sample, registry_extract=("touki.pdf", bomb, "application/pdf")))
    assert time.monotonic() - started < 5
    assert r.status_code == 422, r.text
    error = next(e for e in r.json()["errors"] if e["path"] == "attachments.registry_extract")
    assert error["code"] == "pdf_image_too_large"
    assert "touki.pdf" in error["message"] and "ピクセル" in error["message"]
    assert _applications() == before


def test_more_file_parts_than_allowed_are_refused_naming_the_attachments(api: Any) -> None:
    sample = samples.business(corporate_number=corporate_number())
    fields, files = samples.multipart(sample)
    extra = [("other", (f"other{i}.pdf", pdf_with_image(10, 10), "application/pdf")) for i in range(20)]
    before = _applications()
    r = api.post("/api/v1/applications", data=fields, files=files + extra)
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [{"path": "attachments", "code": "too_many", "message": "添付ファイルは20件までです。"}]
    assert _applications() == before


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n" % len(data) + data + b"\r\n"


def test_chunked_upload_past_the_cap_is_answered_413_before_the_rest_is_sent(web_process: Any) -> None:
    """A body without Content-Length is counted as it arrives: past the cap the web process answers
    at once, while the client has not even finished sending (the rest is never read)."""
    from tests.integration.conftest import UPLOAD_CAP_OF_WEB_PROCESS

    settings = web_process
    boundary = b"capcheck"
    head = (b"--" + boundary + b'\r\nContent-Disposition: form-data; name="other"; filename="big.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n")
    before = _applications()
    with socket.create_connection((settings.web_host, settings.web_port_effective), timeout=10) as conn:
        conn.sendall(b"POST /api/v1/applications HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
                     b"Content-Type: multipart/form-data; boundary=" + boundary + b"\r\n\r\n" + _chunk(head))
        sent = len(head)
        block = b"0" * 65536
        while sent <= UPLOAD_CAP_OF_WEB_PROCESS + len(block):  # a little past the cap, then wait
            conn.sendall(_chunk(block))
            sent += len(block)
        readable, _, _ = io_select.select([conn], [], [], 10)
        assert readable, "no answer while the body is unfinished: the web process waits for the rest"
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            part = conn.recv(65536)
            if not part:
                break
            answer += part
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413"), answer[:300]
    body = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert body["errors"][0]["code"] == "too_large" and "大きすぎます" in body["detail"]
    assert _applications() == before


def test_oversized_json_body_without_content_length_is_refused_with_413(api: Any) -> None:
    """Not only the uploads: a chunked JSON body to the portal's sign-in (no account needed) is
    counted as it arrives and refused past its cap instead of being read whole into memory."""
    padding = b" " * (3 * 1024 * 1024)

    def body() -> Any:
        yield b'{"login_id": "00000000000000", "password": "x"'
        yield padding
        yield b"}"

    r = api.post("/api/v1/portal/sign-in", content=body(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413, r.text
    assert "送信データが大きすぎます" in r.json()["detail"]
    r = api.post("/api/v1/portal/sign-in", content=b'{"x": 1}' + padding, headers={"Content-Type": "application/json"})
    assert r.status_code == 413, r.text
