"""Page images of stored documents for the case view (thumbnails and full pages), as PNG.

Rendered once from the stored bytes and kept in S3 beside them, under a key derived from the
document's SHA-256, the page and the width: the same request never renders twice.
"""

from __future__ import annotations

import io

from sqlalchemy import select

from ccus.infra import s3
from ccus.infra.attachments import page_images
from ccus.infra.db import unit_of_work
from ccus.models.tables import Application, Document

WIDTHS = (160, 1200)


class PageNotFound(LookupError):
    pass


def render_key(sha256: str, page: int, width: int) -> str:
    return f"renders/sha256/{sha256[:2]}/{sha256}/p{page}-w{width}.png"


def page_png(application_number: str, document_id: int, page: int, width: int) -> bytes:
    width = min(WIDTHS, key=lambda w: abs(w - width))
    with unit_of_work() as session:
        doc = session.scalars(select(Document).join(Application, Application.id == Document.application_id).where(
            Document.id == document_id, Application.application_number == application_number)).one_or_none()
    if doc is None or not 1 <= page <= doc.pages:
        raise PageNotFound(f"{application_number}/{document_id}/{page}")
    key = render_key(doc.sha256, page, width)
    if s3.exists(key):
        return s3.get_bytes(key)
    data = s3.get_bytes(doc.s3_key)
    dpi = 150 if width > 400 else 50
    for n, img in enumerate(page_images(data, doc.media_type, dpi=dpi), start=1):
        if n == page:
            img = img.convert("RGB")
            img.thumbnail((width, width * 3))
            buf = io.BytesIO()
            img.save(buf, format="PNG", optimize=True)
            png = buf.getvalue()
            s3.put_bytes(key, png, "image/png")
            return png
    raise PageNotFound(f"{application_number}/{document_id}/{page}")
