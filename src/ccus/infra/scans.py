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
from PIL import Image, ImageOps, ImageSequence

from ccus.infra.attachments import _PDFIUM_LOCK, JPEG, PDF, PNG, TIFF, page_images


def images(data: bytes, media_type: str, dpi: int = 300) -> Iterator[Image.Image]:
    """Every page as an image (PDF rendered at ``dpi``; image files at their own resolution)."""
    yield from page_images(data, media_type, dpi=dpi)


def page_image(data: bytes, media_type: str, index: int, dpi: int = 300) -> Image.Image:
    """One page as an image (PDF rendered at ``dpi``)."""
    if media_type == PDF:
        with _PDFIUM_LOCK:
            pdf = pdfium.PdfDocument(data)
            try:
                page = pdf[index]
                image: Image.Image = page.render(scale=dpi / 72).to_pil()
                page.close()
            finally:
                pdf.close()
        image.info["dpi"] = (dpi, dpi)
        return image
    with Image.open(io.BytesIO(data)) as img:
        if media_type == TIFF:
            img.seek(index)
        elif index != 0:
            raise IndexError(index)
        turned = ImageOps.exif_transpose(img.copy())
        assert isinstance(turned, Image.Image)
        return turned


def subset(data: bytes, media_type: str, indices: Sequence[int]) -> tuple[bytes, str]:
    """The pages ``indices`` (in that order) of the file as a file of the same type."""
    if media_type in (JPEG, PNG):
        if list(indices) != [0]:
            raise ValueError("a JPEG or PNG file has one page")
        return data, media_type
    if media_type == PDF:
        with _PDFIUM_LOCK:
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
