"""Secrets do not outlive delivery on disk: the print files that carry initial passwords and
security codes (postcards, card orders, face previews) are stored in S3 encrypted with a data key
held in the database, and `ccus print done` destroys the key as well as deleting the objects.

A delete in SeaweedFS only marks the needle deleted; its bytes stay in the volume files until a
vacuum. Without the encryption (today's main) five of the needles below are found there after
`print done`: both postcard pages' content streams (which draw the password and the security
code), the preview's, the card order line and its security code. (The passwords themselves are
not greppable even then: the PDF's text is compressed.)"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from sqlalchemy import select
from typer.testing import CliRunner

from ccus import sample_applications as samples
from ccus.infra import s3
from ccus.infra.db import unit_of_work
from ccus.infra.services.smtp import read_maildir
from ccus.models.billing_tables import PrintBatch
from ccus.models.tables import Application, PrintJob
from ccus.services.issuance import printing, steps
from tests.support import lifecycle as make
from tests.support.factories import corporate_number, person

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 24)


def _issue(sample: samples.SampleApplication) -> int:
    with unit_of_work() as session:
        app_id = make.new_case(session, kind=sample.kind, status="issuing", declared=sample.data).id
    steps.issue(app_id, TODAY)
    return app_id


def _password(settings: Any, to_addr: str) -> str:
    [mail] = [m for m in read_maildir(settings) if m["To"] == to_addr and "パスワード" in m["Subject"]]
    found = re.search(r"[A-Za-z0-9]{12}", mail.get_content().split("パスワード", 1)[1])
    assert found is not None
    return found.group(0)


def _batch_of(app_id: int) -> PrintBatch:
    with unit_of_work() as session:
        batch = session.scalars(select(PrintBatch).join(PrintJob, PrintJob.batch_id == PrintBatch.id)
                                .where(PrintJob.application_id == app_id).distinct()).one()
        session.expunge(batch)
        return batch


def _fetch(key: str, out: Path) -> bytes:
    from ccus.cli import app as cli

    result = CliRunner().invoke(cli, ["fetch", s3.uri(key), str(out)])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def _content_streams(pdf: bytes) -> list[bytes]:
    """Each page's content stream as stored in the file (compressed): what draws its text, the
    secrets included, byte for byte as it would lie in a volume file."""
    doc = PDFDocument(PDFParser(io.BytesIO(pdf)))
    streams = []
    for page in PDFPage.create_pages(doc):
        for ref in page.contents:
            raw = resolve1(ref).rawdata
            if raw and len(raw) >= 32:
                streams.append(bytes(raw))
    return streams


def _found_on_disk(root: Path, needles: dict[str, bytes]) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{what} in {path.relative_to(root)}" for what, needle in needles.items() if needle in data]
    return hits


def test_print_done_leaves_no_secret_of_a_postcard_or_card_order_in_the_s3_data_directory(
        db: Any, tmp_path: Path) -> None:
    biz_email, worker_email = f"shred-{corporate_number()}@example.jp", f"shred-w-{corporate_number()}@example.jp"
    biz_app = _issue(samples.business(corporate_number=corporate_number(), email=biz_email))
    name, kana, born = person()
    worker_app = _issue(samples.worker(name=name, kana=kana, birth_date=born, email=worker_email))
    assert printing.make_batch("postcard") and printing.make_batch("card_order")
    postcards, cards = _batch_of(biz_app), _batch_of(worker_app)

    # What the print shop gets (`ccus fetch`, decrypted): the real secrets, readable.
    pdf = _fetch(postcards.s3_key, tmp_path / "postcards.pdf")
    orders = _fetch(cards.s3_key, tmp_path / "orders.jsonl")
    previews = _fetch(f"print-batches/{cards.batch_number}/card-previews.pdf", tmp_path / "previews.pdf")
    [order] = [o for o in map(json.loads, orders.decode().splitlines()) if o["name"] == name]
    with unit_of_work() as session:
        number = session.get(Application, biz_app).application_number  # type: ignore[union-attr]
    needles = {f"postcard page {i}": s for i, s in enumerate(_content_streams(pdf))}
    needles |= {f"preview page {i}": s for i, s in enumerate(_content_streams(previews))}
    needles |= {
        "business password": _password(db, biz_email).encode(),
        "worker password": _password(db, worker_email).encode(),
        "card order line": json.dumps(order, ensure_ascii=False).encode(),
        "security code in a card order": json.dumps({"security_code": order["security_code"]})[1:-1].encode(),
    }
    assert {"postcard page 0", "preview page 0"} <= set(needles) and number

    from ccus.cli import app as cli

    for batch in (postcards, cards):
        done = CliRunner().invoke(cli, ["print", "done", batch.batch_number])
        assert done.exit_code == 0, done.output
    assert not s3.exists(postcards.s3_key) and s3.exists(postcards.manifest_key)
    assert _found_on_disk(db.s3_dir, needles) == []
    # Nor can the print shop fetch a printed batch again.
    again = CliRunner().invoke(cli, ["fetch", s3.uri(postcards.s3_key), str(tmp_path / "again.pdf")])
    assert again.exit_code != 0


def test_a_hyperlink_formula_as_a_workers_name_reaches_the_card_manifest_neutralised(db: Any) -> None:
    hostile = '=HYPERLINK("http://x","y")'
    _, kana, born = person()
    app_id = _issue(samples.worker(name=hostile, kana=kana, birth_date=born, email=None))
    assert printing.make_batch("card_order")
    manifest = s3.get_bytes(_batch_of(app_id).manifest_key).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(manifest)))
    assert ["'" + hostile] in [row[3:4] for row in rows]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
