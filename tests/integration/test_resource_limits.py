"""What an unauthenticated sender can make the web app spend: memory and disk for an upload
(streamed to disk, capped on the bytes actually received, chunked or not), the number of parts,
and the pipeline's CPU for a page image (pixels capped at intake)."""

from __future__ import annotations

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
