"""Pages of a scanned file (PDF, TIFF, JPEG, PNG): images for reading, and page subsets as files.

A scanner batch is split into documents (an application form, each piece of evidence); each
document is stored as a file of its own, cut from the scan without re-rendering: PDF pages are
copied (pypdfium2, text layer and image streams unchanged), TIFF frames re-saved losslessly, and a
single JPEG or PNG is kept byte for byte.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps, ImageSequence

from ccus.infra.attachments import JPEG, PDF, PNG, TIFF, page_images
from ccus.infra.pdfium import PDFIUM_LOCK


def _scanned_jpeg(pdf: pdfium.PdfDocument, index: int) -> bytes | None:
    """The JPEG a scanner put on page ``index``, when the page is nothing but that one image,
    unrotated and covering the page: decoding it ourselves is 2× faster than rendering the page,
    and 5× at a quarter of its resolution (JPEG's DCT scaling, ``Image.draft``)."""
    page = pdf[index]
    try:
        objects = list(page.get_objects())
        if len(objects) != 1 or objects[0].type != pdfium_c.FPDF_PAGEOBJ_IMAGE or page.get_rotation():
            return None
        image = objects[0]
        if image.get_filters() != ["DCTDecode"]:
            return None
        width, height = page.get_size()
        left, bottom, right, top = image.get_bounds()
        if max(abs(left), abs(bottom), abs(right - width), abs(top - height)) > 1.5:
            return None
        return bytes(image.get_data(decode_simple=False))
    finally:
        page.close()


def _decode_jpeg(jpeg: bytes, size_pt: tuple[float, float], dpi: int, grey: bool = False) -> Image.Image:
    """The scanned JPEG at ``dpi``; ``grey``: its luma only (a colour JPEG's Y plane, ITU-R 601 as
    ``convert("L")``), which libjpeg decodes in less than half the time of the colour image."""
    want = (round(size_pt[0] / 72 * dpi), round(size_pt[1] / 72 * dpi))
    out: Image.Image = Image.open(io.BytesIO(jpeg))
    mode = "L" if grey else "RGB"
    out.draft(mode, want)  # decode at 1/2, 1/4 or 1/8 when that is still at least ``want``
    out.load()  # decoded in place: no copy of the page (a 300-dpi page is 26 MB)
    if out.mode != mode:
        out = out.convert(mode)
    if abs(out.width - want[0]) > 2:
        out = out.resize(want, Image.Resampling.BILINEAR)
    out.info["dpi"] = (dpi, dpi)
    return out


def images(data: bytes, media_type: str, dpi: int = 300, *, grey: bool = False) -> Iterator[Image.Image]:
    """Every page as an image (PDF pages at ``dpi``; image files at their own resolution);
    ``grey``: in grey levels (mode L), as finding a form's marks needs them."""
    if media_type != PDF:
        for image in page_images(data, media_type, dpi=dpi):
            yield image.convert("L") if grey and image.mode != "L" else image
        return
    with PDFIUM_LOCK:
        count = len(pdfium.PdfDocument(data))
    for index in range(count):
        yield page_image(data, media_type, index, dpi, grey=grey)


def page_image(data: bytes, media_type: str, index: int, dpi: int = 300, *, grey: bool = False) -> Image.Image:
    """One page as an image (a PDF page at ``dpi``: its scanned JPEG decoded, else rendered);
    ``grey``: in grey levels (mode L)."""
    if media_type == PDF:
        with PDFIUM_LOCK:
            pdf = pdfium.PdfDocument(data)
            try:
                jpeg = _scanned_jpeg(pdf, index)
                size = pdf.get_page_size(index)
            finally:
                pdf.close()
        if jpeg is not None:
            try:
                return _decode_jpeg(jpeg, size, dpi, grey)
            except (OSError, SyntaxError, ValueError):
                pass  # a JPEG Pillow cannot read: let PDFium render the page
        with PDFIUM_LOCK:
            pdf = pdfium.PdfDocument(data)
            try:
                page = pdf[index]
                image: Image.Image = page.render(scale=dpi / 72).to_pil()
                page.close()
            finally:
                pdf.close()
        if grey:
            image = image.convert("L")
        image.info["dpi"] = (dpi, dpi)
        return image
    with Image.open(io.BytesIO(data)) as img:
        if media_type == TIFF:
            img.seek(index)
        elif index != 0:
            raise IndexError(index)
        turned = ImageOps.exif_transpose(img.copy())
        assert isinstance(turned, Image.Image)
        return turned.convert("L") if grey and turned.mode != "L" else turned


def page_has_text(data: bytes, index: int) -> bool:
    """True when PDF page ``index`` draws any text (a text object, also inside a form XObject):
    a scanned page has none, and asking PDFium costs a fraction of a text extraction."""
    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(data)
        try:
            page = pdf[index]
            try:
                return any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,)))
            finally:
                page.close()
        finally:
            pdf.close()


def subset(data: bytes, media_type: str, indices: Sequence[int]) -> tuple[bytes, str]:
    """The pages ``indices`` (in that order) of the file as a file of the same type."""
    if media_type in (JPEG, PNG):
        if list(indices) != [0]:
            raise ValueError("a JPEG or PNG file has one page")
        return data, media_type
    if media_type == PDF:
        with PDFIUM_LOCK:
            src = pdfium.PdfDocument(data)
            out = pdfium.PdfDocument.new()
            try:
                out.import_pages(src, list(indices))
                buf = io.BytesIO()
                out.save(buf)
            finally:
                out.close()
                src.close()
        return buf.getvalue(), PDF
    with Image.open(io.BytesIO(data)) as img:
        frames = [f.copy() for f in ImageSequence.Iterator(img)]
    chosen = [frames[i] for i in indices]
    buf = io.BytesIO()
    compression = "group4" if all(f.mode == "1" for f in chosen) else "tiff_lzw"
    chosen[0].save(buf, format="TIFF", save_all=True, append_images=chosen[1:], compression=compression)
    return buf.getvalue(), TIFF
