"""Print batches (印刷バッチ): each case's postcard or card order goes into exactly one batch.

A case's carrier (postcard PDF, card order + face preview) is rendered when its secrets are drawn
and becomes ``final`` once they are delivered. A batch run takes the final carriers that are in no
batch yet (``FOR UPDATE SKIP LOCKED``), merges them page by page into one PDF (no re-rendering:
the secrets are no longer known), writes the print shop's manifest (no secrets), and records the
batch and its members in one transaction. Only after that commit are the per-case files, which
hold plaintext secrets, deleted; a run that dies in between leaves them to the next run's sweep.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ccus.infra import faults, s3
from ccus.infra.card_pdf import merge_pdfs
from ccus.infra.db import unit_of_work
from ccus.infra.postcard_pdf import postcard_manifest_csv
from ccus.models.billing_tables import PrintBatch
from ccus.models.tables import Application, Business, PrintJob

JST = timezone(timedelta(hours=9))
KINDS = {"postcard": "P", "card_order": "C"}


@dataclass(frozen=True)
class PostcardRow:
    application_number: str
    business_id: str
    postcode: str
    address: str
    recipient_name: str


def preview_key(order_key: str) -> str:
    """The face preview stored beside a card order."""
    return order_key.removesuffix(".json") + "-preview.pdf"


def make_batch(kind: str, *, limit: int = 500) -> str | None:
    """Put up to ``limit`` final carriers of ``kind`` into one new batch; returns its number."""
    if kind not in KINDS:
        raise ValueError(kind)
    with unit_of_work() as session:
        jobs = list(session.scalars(
            select(PrintJob).where(PrintJob.kind == kind, PrintJob.status == "final", PrintJob.batch_id.is_(None))
            .order_by(PrintJob.id).limit(limit).with_for_update(skip_locked=True)))
        if not jobs:
            return None
        serial = session.execute(text("SELECT nextval('print_batch_serial')")).scalar_one()
        number = f"{KINDS[kind]}{datetime.now(JST):%Y%m%d}-{serial:05d}"
        prefix = f"print-batches/{number}"
        if kind == "postcard":
            pdf = merge_pdfs([s3.get_bytes(j.s3_key) for j in jobs])
            rows = _postcard_rows(session, jobs)
            manifest = postcard_manifest_csv(number, rows)
            body_key = f"{prefix}/postcards.pdf"
            s3.put_bytes(body_key, pdf, "application/pdf")
        else:
            orders = [json.loads(s3.get_bytes(j.s3_key)) for j in jobs]
            body = "\n".join(json.dumps(o, ensure_ascii=False) for o in orders).encode() + b"\n"
            body_key = f"{prefix}/card-orders.jsonl"
            s3.put_bytes(body_key, body, "application/x-ndjson")
            s3.put_bytes(f"{prefix}/card-previews.pdf",
                         merge_pdfs([s3.get_bytes(preview_key(j.s3_key)) for j in jobs]), "application/pdf")
            manifest = _card_manifest(number, orders)
        manifest_key = f"{prefix}/manifest.csv"
        s3.put_bytes(manifest_key, manifest, "text/csv")
        faults.point("printing.batch_uploaded")
        batch = PrintBatch(batch_number=number, kind=kind, s3_key=body_key, manifest_key=manifest_key,
                           items=len(jobs))
        session.add(batch)
        session.flush()
        for j in jobs:
            j.batch_id = batch.id
            j.status = "batched"
    faults.point("printing.batch_committed")
    purge_batched_carriers()
    return number


def _postcard_rows(session: Session, jobs: list[PrintJob]) -> list[PostcardRow]:
    """The manifest rows of ``jobs``, in their order, read in one query."""
    ids = [j.application_id for j in jobs]
    found = {app_id: (number, biz) for app_id, number, biz in session.execute(
        select(Application.id, Application.application_number, Business)
        .join(Business, Business.application_id == Application.id).where(Application.id.in_(ids)))}
    rows = []
    for j in jobs:
        assert j.application_id is not None  # postcards are always an application's
        number, biz = found[j.application_id]
        rows.append(PostcardRow(number, biz.business_id, biz.postcode, biz.address, biz.trade_name))
    return rows


def _card_manifest(number: str, orders: list[dict[str, object]]) -> bytes:
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(("batch_id", "seq", "worker_id", "name", "level", "colour", "expires_on", "reissue"))
    for seq, o in enumerate(orders, 1):
        w.writerow((number, seq, o["worker_id"], o["name"], o["level"], o["colour"], o["expires_on"],
                    "yes" if o.get("reissue") else "no"))
    return out.getvalue().encode("utf-8-sig")


def purge_batched_carriers() -> int:
    """Delete the per-case files (they hold plaintext secrets) of carriers already in a batch."""
    with unit_of_work() as session:
        jobs = list(session.scalars(select(PrintJob).where(PrintJob.status == "batched")
                                    .with_for_update(skip_locked=True)))
        for j in jobs:
            s3.delete(j.s3_key)
            if j.kind == "card_order":
                s3.delete(preview_key(j.s3_key))
            j.status = "purged"
        return len(jobs)


def mark_printed(batch_number: str) -> bool:
    """The print shop has printed (and mailed) a batch: delete its files that hold plaintext
    secrets — the batch PDF, the card order file and face previews — and keep its manifest.
    Returns False when the batch was already marked."""
    with unit_of_work() as session:
        batch = session.scalars(select(PrintBatch).where(PrintBatch.batch_number == batch_number)
                                .with_for_update()).one()
        if batch.status == "printed":
            return False
        s3.delete(batch.s3_key)
        if batch.kind == "card_order":
            s3.delete(f"print-batches/{batch.batch_number}/card-previews.pdf")
        batch.status = "printed"
        return True
