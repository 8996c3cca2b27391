"""Card orders (カード発注): what the card maker receives for one card, with a face preview.

The order carries the address block the card is mailed to (the worker's address as declared at
registration, the addressee with 様 and the Japan Post customer barcode, as postcards carry them:
``models/postal_barcode.address_block``), and the security code printed on the card's back, so it
is a secret-bearing carrier:
stored per card, sealed under the print job's data key (infra/sealed.py), until it is merged into a
print batch (services/printing), then deleted and its key destroyed.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ccus.infra import s3, sealed
from ccus.infra.card_pdf import CardFace, render_card_preview
from ccus.models.application_types import DocumentRole
from ccus.models.notices import honorific_for
from ccus.models.postal_barcode import address_block
from ccus.models.tables import Application, Card, Document, PrintJob, Worker
from ccus.services.issuance.printing import preview_key


def _photo(session: Session, worker: Worker) -> tuple[str | None, bytes | None]:
    key = session.scalars(select(Document.s3_key).where(
        Document.application_id == worker.application_id, Document.role == DocumentRole.FACE_PHOTO.value,
        Document.current())).first()
    return key, (s3.get_bytes(key) if key else None)


def mailing_block(session: Session, worker: Worker) -> dict[str, str | None]:
    """Where the card goes: the worker's address as declared in their registration."""
    declared = session.scalars(select(Application.declared).where(Application.id == worker.application_id)).one()
    return address_block(declared.get("postcode"), declared.get("address"), worker.name, honorific_for(worker.name))


def store_card_order(session: Session, card: Card, worker: Worker, code: str, generation: int,
                     *, reissue: bool = False) -> str:
    """Render the order and preview of ``card`` and record its carrier; returns the order's key."""
    photo_key, photo = _photo(session, worker)
    first_year = session.scalars(select(Card.issued_on).where(Card.worker_pk == worker.id)
                                 .order_by(Card.issued_on)).first() or card.issued_on
    order: dict[str, Any] = {
        "card_id": card.id, "worker_id": worker.worker_id, "name": worker.name, "name_kana": worker.name_kana,
        "birth_date": worker.birth_date.isoformat(), "level": card.level, "colour": card.colour,
        "first_registration_year": first_year.year, "expires_on": card.expires_on.isoformat(),
        "photo_s3_key": photo_key, "security_code": code, "reissue": reissue,
        "mailing": (mailing := mailing_block(session, worker)),
    }
    key, data_key = f"card-orders/card-{card.id}/g{generation}.json", sealed.new_data_key()
    sealed.put(key, json.dumps(order, ensure_ascii=False, indent=2).encode(), data_key)
    preview = render_card_preview(CardFace(
        worker_id=worker.worker_id, name=worker.name, name_kana=worker.name_kana, birth_date=worker.birth_date,
        expires_on=card.expires_on, first_registration_year=first_year.year, level=card.level,
        security_code=code, photo_jpeg=photo, mail_postcode=mailing["postcode"], mail_address=mailing["address"],
        mail_addressee=mailing["addressee"],
        mail_barcode=tuple((mailing["barcode_symbols"] or "").split()) or None))
    sealed.put(preview_key(key), preview, data_key)
    stmt = insert(PrintJob).values(effect_key=f"card:{card.id}:order", kind="card_order",
                                   application_id=card.application_id, card_id=card.id, s3_key=key, data_key=data_key)
    session.execute(stmt.on_conflict_do_update(index_elements=["effect_key"], set_={"s3_key": key, "data_key": data_key},
                                               where=PrintJob.status == "rendered"))
    return key
