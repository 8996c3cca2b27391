"""Inspection of an attachment (添付書類) before it is stored: type, integrity, size, pages.

A file comes from a browser upload, a scanner folder or a counter clerk's scan, with a name and
a declared content type that the sender chose. Neither is trusted: the type is sniffed from the
bytes, the name and the declared type must agree with it, and the file is decoded in full (every
pixel of every frame, every page of a PDF counted and sized) so that a truncated, disguised or
hostile file is refused at intake, with a message in Japanese that names the file.

Accepted: JPEG, PNG, TIFF (multi-page) and PDF. A PDF that needs a password to open is refused;
one with only an owner password (printing/copy restrictions, common on issued certificates)
opens without one and is accepted.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PureWindowsPath

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps, ImageSequence

from ccus.infra.pdfium import PDFIUM_LOCK

JPEG, PNG, TIFF, PDF = "image/jpeg", "image/png", "image/tiff", "application/pdf"
MEDIA_TYPES = (JPEG, PNG, TIFF, PDF)
MAX_PAGES = 200
RENDER_DPI = 200  # resolution at which PDF pages are rendered for OCR
# The highest resolution the pipeline renders a page at (the consent form and mail forms are read
# at 300 dpi): a PDF page's pixel count is checked at this one.
CHECK_DPI = 300

_LABELS = {JPEG: "JPEG 画像", PNG: "PNG 画像", TIFF: "TIFF 画像", PDF: "PDF"}
_PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG", TIFF: "TIFF"}
_BY_EXTENSION = {
    ".jpg": JPEG, ".jpeg": JPEG, ".jpe": JPEG, ".jfif": JPEG,
    ".png": PNG, ".tif": TIFF, ".tiff": TIFF, ".pdf": PDF,
}
_BY_DECLARED = {
    "image/jpeg": JPEG, "image/jpg": JPEG, "image/pjpeg": JPEG,
    "image/png": PNG, "image/x-png": PNG, "image/tiff": TIFF, "image/tif": TIFF,
    "application/pdf": PDF, "application/x-pdf": PDF,
}
_NO_CLAIM = {"", "application/octet-stream", "binary/octet-stream"}
_PNG_IEND = b"IEND\xaeB`\x82"

_MESSAGES = {
    "empty": "ファイル '{name}' は空です。",
    "too_large": "ファイル '{name}' は大きすぎます（{size:,} バイト。上限は {limit:,} バイト）。",
    "unsupported_type": "ファイル '{name}' の形式には対応していません"
    "（JPEG・PNG・TIFF・PDF のみ受け付けます）。",
    "type_mismatch": "ファイル '{name}' の中身（{actual}）が、拡張子または種類（{claimed}）と一致しません。",
    "corrupt": "ファイル '{name}' は壊れているか、途中で切れています。",
    "decompression_bomb": "ファイル '{name}' の画像は大きすぎます（1ページ {limit:,} ピクセルまで）。",
    "pdf_image_too_large": "ファイル '{name}' の {page} ページ目の画像は大きすぎます（{limit:,} ピクセルまで）。",
    "encrypted_pdf": "ファイル '{name}' はパスワードで保護されているため読めません。"
    "保護を解除して添付してください。",
    "too_many_pages": "ファイル '{name}' のページ数が多すぎます（{limit} ページまで）。",
}


@dataclass(frozen=True)
class AttachmentInfo:
    """What the bytes are: sniffed media type, SHA-256 (hex), size, pages, first image's size."""

    media_type: str
    sha256: str
    size: int
    pages: int
    width: int | None = None
    height: int | None = None


class AttachmentError(Exception):
    """A refused attachment. ``code`` is stable (for the API and tests); ``message_ja`` is shown."""

    def __init__(self, code: str, message_ja: str) -> None:
        super().__init__(f"{code}: {message_ja}")
        self.code = code
        self.message_ja = message_ja


def _refuse(code: str, name: str, **fields: object) -> AttachmentError:
    return AttachmentError(code, _MESSAGES[code].format(name=name, **fields))


def sniff(data: bytes) -> str | None:
    """Media type from the magic bytes, or None when it is none of the accepted types."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if b"%PDF-" in data[:1024]:  # readers accept a header anywhere in the first 1 KiB
        return PDF
    return None


def inspect_attachment(
    data: bytes,
    filename: str,
    declared_type: str | None,
    max_bytes: int,
    max_pixels: int,
    max_pages: int = MAX_PAGES,
) -> AttachmentInfo:
    """Check an attachment in full and describe it; raise :class:`AttachmentError` if refused.

    ``max_pixels`` bounds every image frame, every PDF page rendered at ``CHECK_DPI`` and every image
    a PDF page draws (at its own pixel size).
    """
    name = PureWindowsPath(filename or "").name or "(名前なし)"  # browsers may send C:\\fakepath\\x
    if not data:
        raise _refuse("empty", name)
    if len(data) > max_bytes:
        raise _refuse("too_large", name, size=len(data), limit=max_bytes)
    media_type = _media_type(data, name, declared_type)
    if media_type == PDF:
        pages, width, height = _inspect_pdf(data, name, max_pixels, max_pages), None, None
    else:
        pages, width, height = _inspect_image(data, media_type, name, max_pixels, max_pages)
    return AttachmentInfo(media_type, hashlib.sha256(data).hexdigest(), len(data), pages, width, height)


def _claims(name: str, declared_type: str | None) -> list[str]:
    """The types the file's name and the sender's declaration stand for (unknown ones verbatim)."""
    claims = []
    extension = PureWindowsPath(name).suffix.lower()
    if extension:
        claims.append(_BY_EXTENSION.get(extension, extension))
    declared = (declared_type or "").split(";")[0].strip().lower()
    if declared not in _NO_CLAIM:
        claims.append(_BY_DECLARED.get(declared, declared))
    return claims


def _media_type(data: bytes, name: str, declared_type: str | None) -> str:
    """The sniffed type, provided the name and the declared type (when they say one) agree."""
    actual, claims = sniff(data), _claims(name, declared_type)
    if actual is None:
        claimed = next((c for c in claims if c in MEDIA_TYPES), None)
        if claimed is None:
            raise _refuse("unsupported_type", name)
        raise _refuse("type_mismatch", name, actual="対応していない形式", claimed=_LABELS[claimed])
    for claimed in claims:
        if claimed != actual:
            said = _LABELS.get(claimed, claimed)
            raise _refuse("type_mismatch", name, actual=_LABELS[actual], claimed=said)
    return actual


def _inspect_image(
    data: bytes, media_type: str, name: str, max_pixels: int, max_pages: int
) -> tuple[int, int, int]:
    """Decode every frame (TIFF) or the image (JPEG, PNG); return pages and upright size."""
    try:
        # Pillow's own guard warns above MAX_IMAGE_PIXELS and raises above twice that; make both
        # refusals. (catch_warnings is process-wide before Python 3.14; the explicit per-frame
        # check below does not depend on it.)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[media_type]]) as img:
                width, height = _upright_size(img)
                frames = ImageSequence.Iterator(img) if media_type == TIFF else [img]
                pages = 0
                for frame in frames:
                    pages += 1
                    if pages > max_pages:
                        raise _refuse("too_many_pages", name, limit=max_pages)
                    if frame.width * frame.height > max_pixels:
                        raise _refuse("decompression_bomb", name, limit=max_pixels)
                    frame.load()  # decodes every pixel: a truncated file fails here
            if media_type == PNG:
                _verify_png(data)
    except AttachmentError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        pillow_limit = Image.MAX_IMAGE_PIXELS or max_pixels  # Pillow's own guard fired first
        raise _refuse("decompression_bomb", name, limit=min(max_pixels, pillow_limit)) from None
    except Exception as exc:  # any decoder failure on untrusted bytes means "unreadable"
        raise _refuse("corrupt", name) from exc
    return pages, width, height


def _verify_png(data: bytes) -> None:
    """Every chunk's CRC and the closing IEND chunk (``load`` stops once the pixels are read)."""
    if _PNG_IEND not in data:
        raise SyntaxError("PNG without IEND chunk")
    with Image.open(io.BytesIO(data), formats=["PNG"]) as img:
        img.verify()


def _upright_size(img: Image.Image) -> tuple[int, int]:
    """Size as displayed: EXIF orientations 5–8 (phone photos taken sideways) swap the sides."""
    orientation = img.getexif().get(0x0112, 1)
    return (img.height, img.width) if orientation in (5, 6, 7, 8) else (img.width, img.height)


def _inspect_pdf(data: bytes, name: str, max_pixels: int, max_pages: int) -> int:
    if b"%%EOF" not in data[-4096:]:  # a cut transfer; PDFium alone would rebuild what it can
        raise _refuse("corrupt", name)
    scale = CHECK_DPI / 72
    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if exc.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
                raise _refuse("encrypted_pdf", name) from None
            raise _refuse("corrupt", name) from exc
        try:
            pages = len(pdf)
            if pages == 0:
                raise _refuse("corrupt", name)
            if pages > max_pages:
                raise _refuse("too_many_pages", name, limit=max_pages)
            for index in range(pages):
                width, height = (round(side * scale) for side in pdf.get_page_size(index))
                if width * height > max_pixels:
                    raise _refuse("decompression_bomb", name, limit=max_pixels)
                _check_page_images(pdf, index, name, max_pixels)
        finally:
            pdf.close()
    return pages


def _check_page_images(pdf: pdfium.PdfDocument, index: int, name: str, max_pixels: int) -> None:
    """Every image drawn on the page (in form XObjects too) by its declared pixel size, read from
    its dictionary without decoding it: a small file can hold a 20000×20000 image that would cost
    the pipeline minutes of CPU and gigabytes of memory when the page is rendered."""
    page = pdf[index]
    try:
        for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
            try:
                width, height = image.get_px_size()
            except pdfium.PdfiumError:
                raise _refuse("corrupt", name) from None
            if width * height > max_pixels:
                raise _refuse("pdf_image_too_large", name, page=index + 1, limit=max_pixels)
    finally:
        page.close()


# --- reading an accepted attachment -------------------------------------------------------------

def page_images(data: bytes, media_type: str, dpi: int = RENDER_DPI) -> Iterator[Image.Image]:
    """Each page as an image, upright as displayed: PDF pages rendered at ``dpi``, every frame of
    a TIFF, the single image of a JPEG or PNG. Call on bytes :func:`inspect_attachment` accepted."""
    if media_type == PDF:
        yield from _pdf_pages(data, dpi)
        return
    with Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[media_type]]) as img:
        frames = ImageSequence.Iterator(img) if media_type == TIFF else [img]
        for frame in frames:
            yield ImageOps.exif_transpose(frame)  # a copy, turned as its EXIF orientation says


def _pdf_pages(data: bytes, dpi: int) -> Iterator[Image.Image]:
    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(data)
        count = len(pdf)
    try:
        for index in range(count):
            with PDFIUM_LOCK:
                page = pdf[index]
                image = page.render(scale=dpi / 72).to_pil()
                page.close()
            image.info["dpi"] = (dpi, dpi)
            yield image
    finally:
        with PDFIUM_LOCK:
            pdf.close()


def pdf_text_layer(data: bytes) -> list[str]:
    """The text layer of each page (pdfplumber); "" for a page without one (a scanned page)."""
    import pdfplumber  # 0.4 s to import: only when a PDF's text is wanted
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [(page.extract_text() or "").strip() for page in pdf.pages]
