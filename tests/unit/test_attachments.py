"""Attachment inspection: what is accepted, what is refused and why (no OCR, no stack)."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from datetime import date

import pytest
from PIL import Image
from reportlab.lib import pdfencrypt
from reportlab.pdfgen import canvas

from ccus.infra import samples
from ccus.infra.attachments import (
    JPEG,
    PDF,
    PNG,
    TIFF,
    AttachmentError,
    inspect_attachment,
    page_images,
    pdf_text_layer,
)

MB = 1024 * 1024
LIMITS = {"max_bytes": 20 * MB, "max_pixels": 60_000_000}
BIRTH = date(1985, 4, 1)


def inspect(data: bytes, filename: str, declared: str | None = None, **limits: int):
    return inspect_attachment(data, filename, declared, **{**LIMITS, **limits})


def refusal(data: bytes, filename: str, declared: str | None = None, **limits: int) -> AttachmentError:
    with pytest.raises(AttachmentError) as caught:
        inspect(data, filename, declared, **limits)
    return caught.value


@pytest.fixture(scope="module")
def licence_jpeg() -> bytes:
    return samples.identity_document_jpeg("山田 太郎", BIRTH, "東京都千代田区霞が関1丁目3番2号")


@pytest.fixture(scope="module")
def consent_png() -> bytes:
    return samples.consent_form_png(
        "山田 太郎", "ヤマダ タロウ", BIRTH, "株式会社元請建設", "12345678901234", "株式会社山田建設",
        date(2025, 6, 10),
    )


@pytest.fixture(scope="module")
def registry_pdf() -> bytes:
    return samples.registry_extract_pdf(
        "株式会社山田建設", "7123456789012", "東京都千代田区霞が関1丁目3番2号", "山田 一郎"
    )


def tiff_of(pages: int) -> bytes:
    frames = [Image.new("L", (400 + 10 * i, 300), 255) for i in range(pages)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate")
    return buf.getvalue()


def pdf_of(pages: int, encrypt: object = None, size: tuple[float, float] = (595, 842)) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=size, encrypt=encrypt, invariant=1)
    for i in range(pages):
        c.drawString(72, 720, f"page {i + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def one_bit_png(width: int, height: int) -> bytes:
    """A genuine all-white 1-bit PNG, built row by row: a few KB that decode to width × height."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    packer = zlib.compressobj(9)
    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# --- accepted -----------------------------------------------------------------------------------

def test_jpeg_is_described_by_its_bytes(licence_jpeg: bytes) -> None:
    info = inspect(licence_jpeg, "menkyo.jpg", "image/jpeg")
    assert (info.media_type, info.pages, info.width, info.height) == (JPEG, 1, 1000, 630)
    assert info.size == len(licence_jpeg)
    assert info.sha256 == hashlib.sha256(licence_jpeg).hexdigest()


def test_face_photo_has_the_upload_size() -> None:
    info = inspect(samples.face_photo_jpeg(), "face.jpeg", "image/jpeg")
    assert (info.media_type, info.width, info.height) == (JPEG, 294, 378)


def test_png_is_accepted(consent_png: bytes) -> None:
    info = inspect(consent_png, "doui.png", "image/png")
    assert (info.media_type, info.pages, info.width, info.height) == (PNG, 1, 1240, 1754)


def test_pdf_pages_are_counted(registry_pdf: bytes) -> None:
    assert inspect(registry_pdf, "touki.pdf", "application/pdf").pages == 1
    info = inspect(pdf_of(3), "three.pdf", "application/pdf")
    assert (info.media_type, info.pages, info.width, info.height) == (PDF, 3, None, None)


def test_every_tiff_frame_is_a_page() -> None:
    info = inspect(tiff_of(3), "scan.tif", "image/tiff")
    assert (info.media_type, info.pages, info.width, info.height) == (TIFF, 3, 400, 300)


@pytest.mark.parametrize(
    ("filename", "declared"),
    [
        ("SCAN.JPG", None),  # scanner folder: upper case, no declared type
        ("menkyo", "application/octet-stream"),  # no extension, no real claim
        ("C:\\fakepath\\menkyo.jpeg", "image/jpeg; charset=binary"),
        ("menkyo.jfif", "image/pjpeg"),
    ],
)
def test_names_and_declared_types_that_agree_are_accepted(
    licence_jpeg: bytes, filename: str, declared: str | None
) -> None:
    assert inspect(licence_jpeg, filename, declared).media_type == JPEG


def test_pdf_with_only_an_owner_password_opens_and_is_accepted() -> None:
    restricted = pdf_of(1, encrypt=pdfencrypt.StandardEncryption("", ownerPassword="owner"))
    assert inspect(restricted, "restricted.pdf", "application/pdf").pages == 1


def test_exif_rotated_photo_reports_and_renders_its_upright_size(licence_jpeg: bytes) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the phone turned: display rotated 90° clockwise
    buf = io.BytesIO()
    Image.open(io.BytesIO(licence_jpeg)).save(buf, "JPEG", exif=exif)
    info = inspect(buf.getvalue(), "phone.jpg")
    assert (info.width, info.height) == (630, 1000)
    assert [p.size for p in page_images(buf.getvalue(), JPEG)] == [(630, 1000)]


# --- refused ------------------------------------------------------------------------------------

def test_empty_file_is_refused_naming_the_file() -> None:
    error = refusal(b"", "x.jpg", "image/jpeg")
    assert error.code == "empty"
    assert error.message_ja == "ファイル 'x.jpg' は空です。"


def test_oversized_file_is_refused_before_decoding(consent_png: bytes) -> None:
    error = refusal(consent_png, "doui.png", "image/png", max_bytes=len(consent_png) - 1)
    assert error.code == "too_large"
    assert "doui.png" in error.message_ja


@pytest.mark.parametrize("cut", [2, 100, 5000])
def test_truncated_jpeg_is_corrupt(licence_jpeg: bytes, cut: int) -> None:
    assert refusal(licence_jpeg[:-cut], "menkyo.jpg", "image/jpeg").code == "corrupt"


@pytest.mark.parametrize("cut", [12, 100, 50_000])
def test_truncated_png_is_corrupt(consent_png: bytes, cut: int) -> None:
    assert refusal(consent_png[:-cut], "doui.png", "image/png").code == "corrupt"


def test_png_with_a_flipped_bit_is_corrupt(consent_png: bytes) -> None:
    damaged = bytearray(consent_png)
    damaged[len(damaged) // 2] ^= 0x01
    assert refusal(bytes(damaged), "doui.png", "image/png").code == "corrupt"


def test_cut_pdf_is_corrupt(registry_pdf: bytes) -> None:
    assert refusal(registry_pdf[: len(registry_pdf) // 2], "touki.pdf").code == "corrupt"
    assert refusal(b"%PDF-1.7\nnot a pdf at all\n%%EOF\n", "touki.pdf").code == "corrupt"


def test_png_named_pdf_is_a_type_mismatch(consent_png: bytes) -> None:
    error = refusal(consent_png, "touki.pdf", "application/pdf")
    assert error.code == "type_mismatch"
    assert "touki.pdf" in error.message_ja and "PNG" in error.message_ja


def test_declared_type_that_contradicts_the_bytes_is_a_type_mismatch(consent_png: bytes) -> None:
    assert refusal(consent_png, "doui", "application/pdf").code == "type_mismatch"


def test_text_file_named_jpg_is_a_type_mismatch() -> None:
    error = refusal("氏名 山田 太郎\n".encode(), "menkyo.jpg", "image/jpeg")
    assert error.code == "type_mismatch"
    assert "menkyo.jpg" in error.message_ja


def test_other_formats_are_unsupported() -> None:
    word_file = b"PK\x03\x04" + b"\x00" * 100
    assert refusal(word_file, "meibo.docx", None).code == "unsupported_type"
    assert refusal(b"GIF89a" + b"\x00" * 100, "photo", "application/octet-stream").code == "unsupported_type"


def test_password_protected_pdf_is_refused() -> None:
    error = refusal(pdf_of(1, encrypt="secret"), "touki.pdf", "application/pdf")
    assert error.code == "encrypted_pdf"
    assert "touki.pdf" in error.message_ja


def test_decompression_bomb_png_is_refused() -> None:
    bomb = one_bit_png(30_000, 30_000)  # 900 million pixels in about 100 KB
    assert len(bomb) < 200_000
    assert refusal(bomb, "bomb.png", "image/png").code == "decompression_bomb"


def test_pillow_bomb_warning_is_an_error_even_under_a_generous_limit() -> None:
    big = one_bit_png(10_000, 10_000)  # above Pillow's warning threshold, below its hard limit
    assert refusal(big, "big.png", max_pixels=500_000_000).code == "decompression_bomb"


def test_pixel_limit_applies_to_ordinary_images(licence_jpeg: bytes) -> None:
    assert refusal(licence_jpeg, "menkyo.jpg", max_pixels=600_000).code == "decompression_bomb"


def test_pdf_page_too_large_to_render_is_refused() -> None:
    huge_page = pdf_of(1, size=(14_400, 14_400))  # 200 × 200 inches: 1.6 G pixels at 200 dpi
    assert refusal(huge_page, "huge.pdf").code == "decompression_bomb"


def test_pdf_page_is_sized_at_the_highest_resolution_the_pipeline_renders() -> None:
    # 30 × 30 inches: 36 M pixels at 200 dpi (OCR), 81 M at 300 dpi (consent and mail forms)
    assert refusal(pdf_of(1, size=(2_160, 2_160)), "drawing.pdf").code == "decompression_bomb"
    assert inspect(pdf_of(1, size=(1_800, 1_800)), "drawing.pdf").pages == 1  # 25 in: 56 M at 300 dpi


def test_small_pdf_embedding_a_huge_image_is_refused_without_decoding_it() -> None:
    from tests.support.factories import pdf_with_image

    bomb = pdf_with_image(20_000, 20_000)  # 50 KB of file, 400 M pixels once decoded
    refused = refusal(bomb, "bomb.pdf")
    assert refused.code == "pdf_image_too_large"
    assert "1 ページ目" in refused.message_ja and "bomb.pdf" in refused.message_ja
    assert inspect(pdf_with_image(2_000, 2_000), "ok.pdf").pages == 1


def test_too_many_pages_are_refused() -> None:
    assert refusal(tiff_of(3), "scan.tiff", max_pages=2).code == "too_many_pages"
    assert refusal(pdf_of(3), "scan.pdf", max_pages=2).code == "too_many_pages"


# --- reading accepted files ---------------------------------------------------------------------

def test_page_images_renders_every_page(registry_pdf: bytes, licence_jpeg: bytes) -> None:
    assert [p.size for p in page_images(registry_pdf, PDF, dpi=200)] == [(1654, 2339)]
    assert [p.size for p in page_images(tiff_of(3), TIFF)] == [(400, 300), (410, 300), (420, 300)]
    assert [p.size for p in page_images(licence_jpeg, JPEG)] == [(1000, 630)]


def test_pdf_text_layer_reads_typed_pdfs_and_is_empty_for_scans(registry_pdf: bytes) -> None:
    text = pdf_text_layer(registry_pdf)
    assert len(text) == 1
    assert "株式会社山田建設" in text[0] and "1234-56-789012" in text[0]

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.drawInlineImage(Image.new("RGB", (200, 100), "white"), 72, 600)
    c.showPage()
    c.save()
    assert pdf_text_layer(buf.getvalue()) == [""]


def test_samples_are_deterministic(consent_png: bytes, registry_pdf: bytes) -> None:
    again = samples.consent_form_png(
        "山田 太郎", "ヤマダ タロウ", BIRTH, "株式会社元請建設", "12345678901234", "株式会社山田建設",
        date(2025, 6, 10),
    )
    assert again == consent_png
    assert samples.registry_extract_pdf(
        "株式会社山田建設", "7123456789012", "東京都千代田区霞が関1丁目3番2号", "山田 一郎"
    ) == registry_pdf
    assert samples.scanned_jpeg(consent_png) == samples.scanned_jpeg(consent_png)
    assert samples.insurance_card_jpeg("山田 太郎", BIRTH) != samples.insurance_card_jpeg(
        "山田 太郎", BIRTH, masked=False
    )
