"""建設キャリアアップカード preview (both faces, true size, level colours) and PDF merging."""

from __future__ import annotations

import dataclasses
import io
from datetime import date
from typing import Any, cast

import pdfplumber
import pypdfium2 as pdfium
import pytest
from PIL import Image

from ccus.infra.card_pdf import (
    BACK_ORIGIN_MM,
    CARD_HEIGHT_MM,
    CARD_WIDTH_MM,
    FRONT_ORIGIN_MM,
    LEVEL_COLOURS,
    PHOTO_BOX_MM,
    CardFace,
    group_worker_id,
    merge_pdfs,
    render_card_preview,
)
from ccus.infra.postcard_pdf import PostcardContent, render_postcard_batch
from ccus.infra.samples import face_photo_jpeg

MM = 72 / 25.4
SCALE = 4  # render scale: pixels per point

CARD = CardFace(
    worker_id="12345678901234",
    name="山田 太郎",
    name_kana="ヤマダ タロウ",
    birth_date=date(1985, 4, 1),
    expires_on=date(2035, 3, 31),
    first_registration_year=2025,
    level=2,
    security_code="9073",
    photo_jpeg=face_photo_jpeg(),
)


@pytest.fixture(scope="module")
def preview() -> bytes:
    return render_card_preview(CARD)


def _text(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [page.extract_text() or "" for page in doc.pages]


def _render(pdf: bytes, page: int = 0) -> Image.Image:
    doc = pdfium.PdfDocument(pdf)
    try:
        return doc[page].render(scale=SCALE).to_pil().convert("RGB")
    finally:
        doc.close()


def _pixel(image: Image.Image, origin: tuple[float, float], x_mm: float, top_mm: float) -> tuple[int, int, int]:
    """Colour at ``(x_mm, top_mm)`` from a face's top-left corner (page coordinates from the top)."""
    px = round((origin[0] + x_mm) * MM * SCALE)
    py = round((origin[1] + top_mm) * MM * SCALE)
    r, g, b = cast(tuple[int, int, int], image.getpixel((px, py)))
    return r, g, b


def _filters(image: dict[str, Any]) -> list[str]:
    filters = image["stream"]["Filter"]
    return [f.name for f in (filters if isinstance(filters, list) else [filters])]


def _close(actual: tuple[int, int, int], rgb: tuple[float, float, float], tolerance: int = 3) -> bool:
    return all(abs(a - round(c * 255)) <= tolerance for a, c in zip(actual, rgb, strict=True))


def test_one_a4_landscape_page_with_the_card_fields(preview: bytes) -> None:
    with pdfplumber.open(io.BytesIO(preview)) as doc:
        assert len(doc.pages) == 1
        page = doc.pages[0]
        assert (round(page.width / MM), round(page.height / MM)) == (297, 210)
    (text,) = _text(preview)
    for expected in (
        "建設キャリアアップカード",
        "1234 5678 9012 34",  # 技能者ID in groups of 4-4-4-2
        "山田 太郎",
        "ヤマダ タロウ",
        "1985年4月1日（昭和60年）",
        "2035年3月31日（令和17年）",  # 有効期限
        "2025年（令和7年）",  # 登録年
        "レベル2",
        "セキュリティコード",
        "9073",
        "このカードは本人以外使用できません",
        "カードを紛失した場合は",
    ):
        assert expected in text, expected


def test_faces_are_true_size_with_rounded_corners(preview: bytes) -> None:
    image = _render(preview)
    for origin in (FRONT_ORIGIN_MM, BACK_ORIGIN_MM):
        # Inside the edge, 1 mm in from the middle of the left side: card colour.
        assert _close(_pixel(image, origin, 1.0, CARD_HEIGHT_MM / 2), LEVEL_COLOURS[2])
        # Just outside the card on each side: white paper.
        assert _pixel(image, origin, -0.5, CARD_HEIGHT_MM / 2) == (255, 255, 255)
        assert _pixel(image, origin, CARD_WIDTH_MM + 0.5, CARD_HEIGHT_MM / 2) == (255, 255, 255)
        assert _pixel(image, origin, 1.0, CARD_HEIGHT_MM + 0.5) == (255, 255, 255)
        # Rounded corner: the very corner is paper, 1 mm in along the bottom edge is card.
        assert _pixel(image, origin, 0.3, CARD_HEIGHT_MM - 0.3) == (255, 255, 255)
        assert _close(_pixel(image, origin, 4.0, CARD_HEIGHT_MM - 1.0), LEVEL_COLOURS[2])


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_card_colour_follows_the_level(level: int) -> None:
    image = _render(render_card_preview(dataclasses.replace(CARD, level=level)))
    front = _pixel(image, FRONT_ORIGIN_MM, 1.0, CARD_HEIGHT_MM / 2)
    back = _pixel(image, BACK_ORIGIN_MM, 1.0, CARD_HEIGHT_MM / 2)
    assert _close(front, LEVEL_COLOURS[level]) and _close(back, LEVEL_COLOURS[level])
    others = [rgb for other, rgb in LEVEL_COLOURS.items() if other != level]
    assert not any(_close(front, rgb, 12) for rgb in others)
    assert f"レベル{level}" in _text(render_card_preview(dataclasses.replace(CARD, level=level)))[0]


def test_white_card_has_a_visible_border() -> None:
    image = _render(render_card_preview(dataclasses.replace(CARD, level=1)))
    edge = [_pixel(image, FRONT_ORIGIN_MM, CARD_WIDTH_MM / 2, CARD_HEIGHT_MM + d / 10) for d in range(-3, 4)]
    assert any(max(rgb) < 230 for rgb in edge)  # a grey line at the bottom edge of a white card


def test_photo_is_drawn_in_its_box(preview: bytes) -> None:
    left, top, _, _ = PHOTO_BOX_MM
    image = _render(preview)
    # The sample photo has a light blue background (196, 222, 240) at its upper corners.
    assert _close(_pixel(image, FRONT_ORIGIN_MM, left + 1.5, top + 1.5), (196 / 255, 222 / 255, 240 / 255), 8)
    with pdfplumber.open(io.BytesIO(preview)) as doc:
        (img,) = doc.pages[0].images
        assert img["x0"] == pytest.approx((FRONT_ORIGIN_MM[0] + left) * MM, abs=0.5)
        assert img["top"] == pytest.approx((FRONT_ORIGIN_MM[1] + top) * MM, abs=0.5)
        assert _filters(img) == ["ASCII85Decode", "DCTDecode"]
        assert img["stream"].get_data() == CARD.photo_jpeg  # the JPEG is embedded as it came


def test_photo_of_another_shape_is_cropped_to_the_box() -> None:
    wide = Image.new("RGB", (800, 300), (200, 30, 30))
    buf = io.BytesIO()
    wide.save(buf, "JPEG")
    pdf = render_card_preview(dataclasses.replace(CARD, photo_jpeg=buf.getvalue()))
    left, top, _, height = PHOTO_BOX_MM
    image = _render(pdf)
    assert _close(_pixel(image, FRONT_ORIGIN_MM, left + 1.0, top + height / 2), (200 / 255, 30 / 255, 30 / 255), 12)
    # Left of the box the card colour shows: the overflowing image is clipped.
    assert _close(_pixel(image, FRONT_ORIGIN_MM, left - 1.0, top + height / 2), LEVEL_COLOURS[2])


def test_missing_photo_gives_a_placeholder() -> None:
    pdf = render_card_preview(dataclasses.replace(CARD, photo_jpeg=None))
    assert "写真なし" in _text(pdf)[0]
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert not doc.pages[0].images
    left, top, _, _ = PHOTO_BOX_MM
    r, g, b = _pixel(_render(pdf), FRONT_ORIGIN_MM, left + 2.0, top + 2.0)
    assert r == g == b and 180 < r < 230  # grey


def test_invalid_cards_are_refused() -> None:
    for changes in (
        {"worker_id": "1234"},
        {"worker_id": "1234 5678 9012 34"},
        {"security_code": "12345"},
        {"level": 5},
        {"level": 0},
        {"name": " "},
    ):
        with pytest.raises(ValueError):
            dataclasses.replace(CARD, **changes)
    with pytest.raises(ValueError, match="photo_jpeg"):
        render_card_preview(dataclasses.replace(CARD, photo_jpeg=b"not a jpeg"))


def test_repr_hides_the_security_code() -> None:
    assert "9073" not in repr(CARD)


def test_group_worker_id() -> None:
    assert group_worker_id("00000000000000") == "0000 0000 0000 00"


def test_rendering_is_deterministic() -> None:
    assert render_card_preview(CARD) == render_card_preview(CARD)


# --------------------------------------------------------------------------------------------
# merge_pdfs


POSTCARD = PostcardContent(
    postcode="100-0013",
    address="東京都千代田区霞が関1丁目3番2号　郵便プラザ503室",
    recipient_name="株式会社山田建設",
    business_id="12345678901234",
    trade_name="株式会社山田建設",
    admin_ids=("12345678901234",),
    initial_password="Xk7#pQ2m9Lw",
    security_code="5531",
    login_url="https://portal.ccus.example.jp/login",
    application_number="25-0000123-4",
)


def test_merge_keeps_every_page_text_fonts_and_vectors(preview: bytes) -> None:
    other = render_card_preview(dataclasses.replace(CARD, worker_id="98765432109876", name="鈴木 花子", level=4))
    postcards = render_postcard_batch([POSTCARD])  # 2 pages
    parts = [preview, postcards, other]
    merged = merge_pdfs(parts)

    originals: list[tuple[str, int, int, set[str]]] = []
    for part in parts:
        with pdfplumber.open(io.BytesIO(part)) as doc:
            for page in doc.pages:
                fonts = {ch["fontname"] for ch in page.chars}
                originals.append((page.extract_text() or "", len(page.rects), len(page.curves), fonts))

    with pdfplumber.open(io.BytesIO(merged)) as doc:
        assert len(doc.pages) == 1 + 2 + 1
        for page, (text, rects, curves, fonts) in zip(doc.pages, originals, strict=True):
            assert page.extract_text() == text
            assert (len(page.rects), len(page.curves)) == (rects, curves)  # vectors, not re-rendered
            assert {ch["fontname"] for ch in page.chars} == fonts
            assert all(img["stream"].get_data() == CARD.photo_jpeg for img in page.images)
    merged_text = _text(merged)
    assert "1234 5678 9012 34" in merged_text[0]
    assert "郵便プラザ503室" in merged_text[1] and "5531" in merged_text[2]
    assert "9876 5432 1098 76" in merged_text[3] and "鈴木 花子" in merged_text[3]
    # Japanese glyphs come from the embedded IPAexGothic subset.
    assert any("IPAexGothic" in font for font in originals[0][3])


def test_merge_refuses_nothing_and_garbage() -> None:
    with pytest.raises(ValueError):
        merge_pdfs([])
    with pytest.raises(ValueError, match="part 1"):
        merge_pdfs([render_card_preview(CARD), b"%PDF-1.4 broken"])
