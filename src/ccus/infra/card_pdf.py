"""Print preview of the 建設キャリアアップカード, and page-by-page merging of print PDFs.

:func:`render_card_preview` draws one A4 landscape page (297 × 210 mm) with both faces of the card
side by side at true size (ID-1: 85.6 × 54 mm, corner radius 3.18 mm), to be printed at 100 %
(a 50 mm scale on the page checks it):

* front (表面): title 「建設キャリアアップカード」 on a band, フリガナ, 氏名, 技能者ID, 生年月日,
  登録年 (year of first registration), 有効期限, the photo (21 × 27 mm, the 7:9 shape of the
  uploaded 顔写真; other shapes are centre-cropped, an EXIF rotation is applied) or a grey
  「写真なし」 box, and the level label;
* back (裏面): notes (本人以外使用不可, 紛失時の届出, …) and the セキュリティコード in a box;
* under the back, the address the card is mailed to, as the mount's address side carries it:
  〒, address, addressee with 様 and the Japan Post customer barcode (drawn as on postcards,
  ``infra/postcard_pdf.draw_customer_barcode``); 「送付先住所なし」 when the order has none.

Decisions:

* Card colour by skill level (DOMAIN.md): :data:`LEVEL_COLOURS` — L1 white, L2 blue, L3 silver,
  L4 gold, flat fills (a printer proof, not the foil); both faces carry a thin grey border so the
  white card shows on white paper.
* 技能者ID is printed in groups of 4-4-4-2 (``1234 5678 9012 34``), like a bank card number: easy
  to read aloud, and the check digit stays in the short last group. See :func:`group_worker_id`.
* Dates are Western with the era in brackets: ``1985年4月1日（昭和60年）``. The year of first
  registration alone takes the era in force at the end of that year (2019 → 令和元年).
* The preview holds the security code: like the postcard batch it is a secret for the card
  printer, not a record.

:func:`merge_pdfs` concatenates finished PDFs with pdfium (``FPDF_ImportPages``): page objects,
embedded font subsets and vector content are copied, nothing is re-rendered. pdfium is not
thread-safe, so calls here are serialised by a module lock (Prefect's default task runner uses
threads); other pdfium users in the same process (pdfplumber's ``to_image``) are not covered.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

import pypdfium2 as pdfium
from PIL import Image, ImageOps, UnidentifiedImageError
from reportlab.lib.colors import Color, black, white
from reportlab.lib.units import mm as _reportlab_mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.pathobject import PDFPathObject

from ccus.infra.pdf_fonts import FONT, ensure_font
from ccus.infra.pdfium import PDFIUM_LOCK
from ccus.infra.postcard_pdf import DEFAULT_SENDER, draw_customer_barcode
from ccus.models.notices import SYSTEM_NAME

__all__ = [
    "BACK_ORIGIN_MM",
    "CARD_HEIGHT_MM",
    "CARD_WIDTH_MM",
    "FRONT_ORIGIN_MM",
    "LEVEL_COLOURS",
    "LEVEL_LABELS",
    "PAGE_SIZE",
    "PHOTO_BOX_MM",
    "CardFace",
    "group_worker_id",
    "merge_pdfs",
    "render_card_preview",
]

mm: Final[float] = float(_reportlab_mm)  # points per millimetre
MONO: Final = "Courier-Bold"

PAGE_WIDTH_MM: Final = 297.0  # A4 landscape
PAGE_HEIGHT_MM: Final = 210.0
PAGE_SIZE: Final = (PAGE_WIDTH_MM * mm, PAGE_HEIGHT_MM * mm)

CARD_WIDTH_MM: Final = 85.6  # ISO/IEC 7810 ID-1
CARD_HEIGHT_MM: Final = 54.0
CORNER_RADIUS_MM: Final = 3.18
_GAP_MM: Final = 20.0
_CARD_TOP_MM: Final = 62.0
#: Top-left corner of each face on the page, in mm from the page's left and TOP edges.
FRONT_ORIGIN_MM: Final = ((PAGE_WIDTH_MM - 2 * CARD_WIDTH_MM - _GAP_MM) / 2, _CARD_TOP_MM)
BACK_ORIGIN_MM: Final = (FRONT_ORIGIN_MM[0] + CARD_WIDTH_MM + _GAP_MM, _CARD_TOP_MM)
#: Photo on the front: (left, top, width, height) in mm from the card's top-left corner.
PHOTO_BOX_MM: Final = (60.6, 11.5, 21.0, 27.0)

Rgb = tuple[float, float, float]

#: Fill of both faces by skill level.
LEVEL_COLOURS: Final[dict[int, Rgb]] = {
    1: (1.0, 1.0, 1.0),  # white
    2: (0.56, 0.75, 0.93),  # blue
    3: (0.78, 0.80, 0.82),  # silver
    4: (0.87, 0.74, 0.38),  # gold
}
#: Title band and level badge: a darker shade of the card colour.
_LEVEL_ACCENTS: Final[dict[int, Rgb]] = {
    1: (0.33, 0.36, 0.40),
    2: (0.09, 0.27, 0.56),
    3: (0.40, 0.42, 0.46),
    4: (0.52, 0.38, 0.06),
}
LEVEL_LABELS: Final[dict[int, str]] = {level: f"レベル{level}" for level in range(1, 5)}

_BORDER: Final = Color(0.55, 0.55, 0.55)
_LABEL_GREY: Final = Color(0.25, 0.25, 0.25)
_PLACEHOLDER_FILL: Final = Color(0.80, 0.80, 0.80)
_PLACEHOLDER_TEXT: Final = Color(0.35, 0.35, 0.35)


@dataclass(frozen=True)
class CardFace:
    """What the card shows. ``repr`` hides the security code and the photo bytes."""

    worker_id: str  # 14 digits, normalised (no spaces)
    name: str
    name_kana: str
    birth_date: date
    expires_on: date
    first_registration_year: int
    level: int  # 1–4
    security_code: str = field(repr=False)  # 4 digits
    photo_jpeg: bytes | None = field(default=None, repr=False)
    # Where the card is mailed (models/postal_barcode.address_block): 〒, address, addressee and
    # the customer barcode's symbols (start to stop); None when unknown.
    mail_postcode: str | None = None
    mail_address: str | None = None
    mail_addressee: str | None = None
    mail_barcode: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not (len(self.worker_id) == 14 and self.worker_id.isascii() and self.worker_id.isdigit()):
            raise ValueError(f"技能者IDは14桁の数字です: {self.worker_id!r}")
        if not (len(self.security_code) == 4 and self.security_code.isascii() and self.security_code.isdigit()):
            raise ValueError("セキュリティコードは4桁の数字です")
        if isinstance(self.level, bool) or self.level not in LEVEL_COLOURS:
            raise ValueError(f"レベルは1〜4です: {self.level!r}")
        if not self.name.strip():
            raise ValueError("氏名が空です")
        if self.expires_on <= self.birth_date:
            raise ValueError("有効期限が生年月日より前です")


# --------------------------------------------------------------------------------------------
# Text helpers


def group_worker_id(worker_id: str) -> str:
    """``12345678901234`` → ``1234 5678 9012 34`` (groups of four from the left)."""
    return " ".join(worker_id[i : i + 4] for i in range(0, len(worker_id), 4))


_ERAS: Final = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
    (date(1912, 7, 30), "大正"),
    (date(1868, 1, 1), "明治"),
)


def _era_year(d: date) -> str:
    """``date(1985, 4, 1)`` → ``昭和60年``; year one is written 元年; '' before 明治."""
    for start, name in _ERAS:
        if d >= start:
            year = d.year - start.year + 1
            return f"{name}{'元' if year == 1 else year}年"
    return ""


def _date_text(d: date) -> str:
    era = _era_year(d)
    return f"{d.year}年{d.month}月{d.day}日" + (f"（{era}）" if era else "")


def _year_text(year: int) -> str:
    era = _era_year(date(year, 12, 31))
    return f"{year}年" + (f"（{era}）" if era else "")


def _width_mm(text: str, size: float, font: str = FONT) -> float:
    return float(pdfmetrics.stringWidth(text, font, size)) / mm


def _fit_size(text: str, size: float, width_mm: float, minimum: float, font: str = FONT) -> float:
    while size > minimum and _width_mm(text, size, font) > width_mm:
        size -= 0.25
    return size


_NO_LINE_START: Final = frozenset("、。，．）」』】〕)],.:;!?ー・々ぁぃぅぇぉっゃゅょァィゥェォッャュョ")


def _wrap(text: str, size: float, width_mm: float) -> list[str]:
    """Break between characters (simple 禁則: no punctuation or small kana at a line start)."""
    lines: list[str] = []
    line = ""
    for ch in text:
        if line and _width_mm(line + ch, size) > width_mm and ch not in _NO_LINE_START:
            lines.append(line)
            line = ch
        else:
            line += ch
    if line:
        lines.append(line)
    return lines


# --------------------------------------------------------------------------------------------
# Drawing: coordinates in mm from the card's top-left corner


class _Face:
    """Canvas helper for one face placed at ``origin`` (mm from the page's left/top edges)."""

    def __init__(self, c: Canvas, origin: tuple[float, float]) -> None:
        self.c = c
        self.left = origin[0]
        self.top = origin[1]

    def x(self, x_mm: float) -> float:
        return (self.left + x_mm) * mm

    def y(self, top_mm: float) -> float:
        return (PAGE_HEIGHT_MM - self.top - top_mm) * mm

    def text(self, x_mm: float, top_mm: float, text: str, size: float, font: str = FONT) -> None:
        """Draw ``text`` with its baseline ``top_mm`` below the card's top edge."""
        self.c.setFont(font, size)
        self.c.drawString(self.x(x_mm), self.y(top_mm), text)

    def centred(self, x_mm: float, top_mm: float, text: str, size: float, font: str = FONT) -> None:
        self.c.setFont(font, size)
        self.c.drawCentredString(self.x(x_mm), self.y(top_mm), text)

    def card_path(self) -> PDFPathObject:
        path = self.c.beginPath()
        path.roundRect(
            self.x(0), self.y(CARD_HEIGHT_MM), CARD_WIDTH_MM * mm, CARD_HEIGHT_MM * mm, CORNER_RADIUS_MM * mm
        )
        return path

    def background(self, level: int) -> None:
        """The rounded card in its level colour, with a thin border."""
        c = self.c
        c.saveState()
        c.setFillColorRGB(*LEVEL_COLOURS[level])
        c.setStrokeColor(_BORDER)
        c.setLineWidth(0.25)
        c.drawPath(self.card_path(), stroke=1, fill=1)
        c.restoreState()

    def band(self, height_mm: float, rgb: Rgb) -> None:
        """A full-width band at the top of the card, clipped to its rounded corners."""
        c = self.c
        c.saveState()
        c.clipPath(self.card_path(), stroke=0, fill=0)
        c.setFillColorRGB(*rgb)
        c.rect(self.x(0), self.y(height_mm), CARD_WIDTH_MM * mm, height_mm * mm, stroke=0, fill=1)
        c.restoreState()


def _photo_reader(photo_jpeg: bytes) -> tuple[ImageReader, int, int]:
    """An ImageReader for the photo (the JPEG bytes pass through unchanged unless it carries an
    EXIF rotation) and its upright size in pixels."""
    try:
        image = Image.open(io.BytesIO(photo_jpeg))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError("photo_jpeg is not a readable image") from exc
    if image.format != "JPEG":
        raise ValueError(f"photo_jpeg must be a JPEG, not {image.format}")
    if image.getexif().get(0x0112, 1) != 1:  # Orientation: rotate/mirror, then embed re-encoded
        upright = ImageOps.exif_transpose(image).convert("RGB")
        return ImageReader(upright), upright.width, upright.height
    return ImageReader(io.BytesIO(photo_jpeg)), image.width, image.height


def _photo(face: _Face, photo_jpeg: bytes | None) -> None:
    c = face.c
    left, top, width, height = PHOTO_BOX_MM
    box = (face.x(left), face.y(top + height), width * mm, height * mm)
    c.saveState()
    if photo_jpeg is None:
        c.setFillColor(_PLACEHOLDER_FILL)
        c.setStrokeColor(_BORDER)
        c.setLineWidth(0.3)
        c.rect(*box, stroke=1, fill=1)
        c.setFillColor(_PLACEHOLDER_TEXT)
        face.centred(left + width / 2, top + height / 2 + 1.0, "写真なし", 7)
    else:
        reader, px_w, px_h = _photo_reader(photo_jpeg)
        scale = max(width / px_w, height / px_h)  # cover the box, centre-crop the overflow
        draw_w, draw_h = px_w * scale, px_h * scale
        clip = c.beginPath()
        clip.rect(*box)
        c.clipPath(clip, stroke=0, fill=0)
        c.drawImage(
            reader,
            face.x(left - (draw_w - width) / 2),
            face.y(top + height + (draw_h - height) / 2),
            draw_w * mm,
            draw_h * mm,
        )
    c.restoreState()
    c.saveState()
    c.setStrokeColor(_BORDER)
    c.setLineWidth(0.3)
    c.rect(*box, stroke=1, fill=0)
    c.restoreState()


def _front(c: Canvas, card: CardFace) -> None:
    face = _Face(c, FRONT_ORIGIN_MM)
    accent = _LEVEL_ACCENTS[card.level]
    face.background(card.level)
    face.band(9.0, accent)
    c.setFillColor(white)
    face.text(4.0, 6.4, "建設キャリアアップカード", 10)
    face.text(CARD_WIDTH_MM - 4.0 - _width_mm("CCUS", 6.5, "Helvetica-Bold"), 6.0, "CCUS", 6.5, "Helvetica-Bold")

    _photo(face, card.photo_jpeg)

    # Level badge under the photo.
    left, top, width, height = PHOTO_BOX_MM
    badge_top = top + height + 2.0
    c.saveState()
    c.setFillColorRGB(*accent)
    c.roundRect(face.x(left), face.y(badge_top + 5.2), width * mm, 5.2 * mm, 1.2 * mm, stroke=0, fill=1)
    c.setFillColor(white)
    face.centred(left + width / 2, badge_top + 3.9, LEVEL_LABELS[card.level], 8)
    c.restoreState()

    label_x, value_x, value_w = 4.0, 14.0, left - 2.0 - 14.0

    def row(top_mm: float, label: str, value: str, size: float, font: str = FONT) -> None:
        c.setFillColor(_LABEL_GREY)
        face.text(label_x, top_mm, label, 5.2)
        c.setFillColor(black)
        face.text(value_x, top_mm, value, _fit_size(value, size, value_w, 4.5, font), font)

    row(14.5, "フリガナ", card.name_kana.strip(), 6.5)
    row(21.0, "氏名", card.name.strip(), 12)
    row(27.5, "技能者ID", group_worker_id(card.worker_id), 10, MONO)
    row(33.0, "生年月日", _date_text(card.birth_date), 7.5)
    row(38.0, "登録年", _year_text(card.first_registration_year), 7.5)
    row(43.5, "有効期限", _date_text(card.expires_on), 8.5)

    c.setStrokeColorRGB(*accent)
    c.setLineWidth(0.3)
    c.line(face.x(4.0), face.y(46.8), face.x(CARD_WIDTH_MM - 4.0), face.y(46.8))
    c.setFillColorRGB(*accent)
    face.text(4.0, 50.8, SYSTEM_NAME, 5.5)
    c.setFillColor(black)


_BACK_NOTES: Final = (
    "このカードは本人以外使用できません。他人に貸したり譲ったりしないでください。",
    f"カードを紛失した場合は、速やかに{SYSTEM_NAME}運営事務局へ届け出て、再発行の手続きを行ってください。",
    "有効期限を過ぎたカードは使用できません。期限までに更新してください。",
    f"拾得された方は、運営事務局（電話 {DEFAULT_SENDER.phone}）までご連絡ください。",
)


def _back(c: Canvas, card: CardFace) -> None:
    face = _Face(c, BACK_ORIGIN_MM)
    accent = _LEVEL_ACCENTS[card.level]
    face.background(card.level)
    face.band(6.5, accent)
    c.setFillColor(white)
    face.text(4.0, 4.7, "ご注意", 7)
    c.setFillColor(black)

    size, pitch, width = 5.6, 2.75, CARD_WIDTH_MM - 8.0 - 2.2
    top = 10.6
    for note in _BACK_NOTES:
        for i, line in enumerate(_wrap(note, size, width)):
            if i == 0:
                face.text(4.0, top, "・", size)
            face.text(6.2, top, line, size)
            top += pitch
        top += 0.6

    # セキュリティコード in a box, bottom left.
    box_left, box_top, box_w, box_h = 4.0, 38.0, 30.0, 10.5
    c.setFillColor(_LABEL_GREY)
    face.text(box_left, box_top - 1.4, "セキュリティコード", 6)
    c.saveState()
    c.setFillColor(white)
    c.setStrokeColor(black)
    c.setLineWidth(0.6)
    c.rect(face.x(box_left), face.y(box_top + box_h), box_w * mm, box_h * mm, stroke=1, fill=1)
    c.restoreState()
    c.setFillColor(black)
    face.centred(box_left + box_w / 2, box_top + box_h / 2 + 2.1, card.security_code, 17, MONO)

    note = "初回ログイン時のパスワード変更に必要です。他人に知られないよう大切に保管してください。"
    top = box_top + 2.2
    for line in _wrap(note, 5.4, CARD_WIDTH_MM - 4.0 - (box_left + box_w + 3.0)):
        face.text(box_left + box_w + 3.0, top, line, 5.4)
        top += 2.6
    c.setFillColorRGB(*accent)
    face.text(box_left + box_w + 3.0, 50.8, f"{SYSTEM_NAME} 運営事務局", 5.2)
    c.setFillColor(black)


def _page_furniture(c: Canvas) -> None:
    """Title, captions, the print-at-100 % note and a 50 mm scale to check it."""

    def text(x_mm: float, top_mm: float, s: str, size: float) -> None:
        c.setFont(FONT, size)
        c.drawString(x_mm * mm, (PAGE_HEIGHT_MM - top_mm) * mm, s)

    left = FRONT_ORIGIN_MM[0]
    text(left, 30.0, "建設キャリアアップカード 印刷イメージ（原寸）", 16)
    c.setFillColor(_LABEL_GREY)
    text(left, 37.5, "各面 85.6 × 54 mm。印刷するときは「実際のサイズ（100%）」を選んでください。", 9)
    text(left, 43.0, "セキュリティコードを含みます。取扱いに注意し、確認後は破棄してください。", 9)
    c.setFillColor(black)
    text(FRONT_ORIGIN_MM[0], _CARD_TOP_MM - 3.0, "表面", 10)
    text(BACK_ORIGIN_MM[0], _CARD_TOP_MM - 3.0, "裏面", 10)

    # 50 mm scale with 10 mm ticks.
    top = _CARD_TOP_MM + CARD_HEIGHT_MM + 22.0
    y = (PAGE_HEIGHT_MM - top) * mm
    c.saveState()
    c.setLineWidth(0.5)
    c.line(left * mm, y, (left + 50) * mm, y)
    for i in range(6):
        c.line((left + 10 * i) * mm, y, (left + 10 * i) * mm, y + (2.5 if i % 5 == 0 else 1.5) * mm)
    c.restoreState()
    c.setFillColor(_LABEL_GREY)
    text(left + 53.0, top + 0.3, "50 mm（原寸確認用）", 8)
    c.setFillColor(black)


def _mailing(c: Canvas, card: CardFace) -> None:
    """The address block of the card's mount, under the back face."""

    def text(x_mm: float, top_mm: float, s: str, size: float) -> None:
        c.setFont(FONT, size)
        c.drawString(x_mm * mm, (PAGE_HEIGHT_MM - top_mm) * mm, s)

    left, top = BACK_ORIGIN_MM[0], _CARD_TOP_MM + CARD_HEIGHT_MM + 14.0
    c.setFillColor(_LABEL_GREY)
    text(left, top, "送付先（台紙の宛名面）", 9)
    c.setFillColor(black)
    if not card.mail_address or not card.mail_postcode:
        text(left, top + 7.0, "送付先住所なし（発送前に確認してください）", 10)
        return
    text(left, top + 7.0, f"〒{card.mail_postcode}", 11)
    top += 13.0
    for line in _wrap(card.mail_address, 10.5, 120.0):
        text(left, top, line, 10.5)
        top += 5.0
    text(left, top + 2.0, card.mail_addressee or card.name, 13)
    if card.mail_barcode:
        draw_customer_barcode(c, left, PAGE_HEIGHT_MM - (top + 9.0), card.mail_barcode)


# --------------------------------------------------------------------------------------------
# Public API


def render_card_preview(card: CardFace) -> bytes:
    """One-page PDF (A4 landscape) with the front and the back of the card at true size."""
    ensure_font()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=PAGE_SIZE, invariant=True, pageCompression=1)
    c.setTitle("建設キャリアアップカード 印刷イメージ")
    c.setAuthor(f"{SYSTEM_NAME} 運営事務局")
    c.setCreator("ccus back office")
    _page_furniture(c)
    _front(c, card)
    _back(c, card)
    _mailing(c, card)
    c.showPage()
    c.save()
    return buf.getvalue()


def merge_pdfs(parts: Sequence[bytes]) -> bytes:
    """Concatenate ``parts`` page by page, in order, into one PDF (e.g. per-case postcard PDFs
    into one print batch). Pages are imported as they are: fonts, images and vector content
    are copied, not re-rendered. Raises ValueError for an empty list or an unreadable part."""
    if not parts:
        raise ValueError("nothing to merge")
    with PDFIUM_LOCK:
        merged = pdfium.PdfDocument.new()
        sources: list[pdfium.PdfDocument] = []
        try:
            for index, part in enumerate(parts):
                try:
                    source = pdfium.PdfDocument(bytes(part))
                except pdfium.PdfiumError as exc:
                    raise ValueError(f"part {index} is not a readable PDF: {exc}") from exc
                sources.append(source)
                merged.import_pages(source)
            out = io.BytesIO()
            merged.save(out)
        finally:
            merged.close()
            for source in sources:
                source.close()
    return out.getvalue()
