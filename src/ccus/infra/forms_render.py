"""Printing the forms of ``ccus.models.forms.catalogue`` (reportlab), blank or filled.

The blank PDF is what ``ccus forms render`` publishes. The fill helper types given values into the
boxes (one digit per cell, ticks, a signature with a red seal, a pasted photo) and rasterises the
pages (pypdfium2), so tests and the benchmark can make realistic scans with known values.

Frames, cells and tick boxes are printed in a light dropout colour (ドロップアウトカラー) that
the reader removes; labels, registration marks and the page marker are black.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from PIL import Image

from ccus.infra.pdf_fonts import font_path
from ccus.models.forms.catalogue import CELL_W, FORMS, comb_cells, option_label, part_cells
from ccus.models.forms.marker import MARK_SIZE, Marker, encode, mark_centres, module_boxes
from ccus.models.forms.spec import PAGE_H, PAGE_W, Box, FieldKind, FormField, FormSpec, PageSpec, value_for

FONT = "IPAexGothic"
MM = 72 / 25.4
DROPOUT = (0.98, 0.70, 0.64)
LABEL_TINT = (1.0, 0.93, 0.91)
SEAL_RED = (0.80, 0.14, 0.14)
INK = (0.08, 0.08, 0.10)
_ERA_START = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019}
_ERA_FIRST_DAY = {"令和": date(2019, 5, 1), "平成": date(1989, 1, 8), "昭和": date(1926, 12, 25),
                  "大正": date(1912, 7, 30), "明治": date(1868, 1, 1)}


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(font_path())))


class _Canvas:
    """reportlab's canvas in mm with a top-left origin."""

    def __init__(self, c: Any) -> None:
        self.c = c

    def rect(self, b: Box, stroke: tuple[float, float, float] | None = DROPOUT,
             fill: tuple[float, float, float] | None = None, width: float = 0.3) -> None:
        if stroke:
            self.c.setStrokeColorRGB(*stroke)
        if fill:
            self.c.setFillColorRGB(*fill)
        self.c.setLineWidth(width * MM)
        self.c.rect(b.x * MM, (PAGE_H - b.y - b.h) * MM, b.w * MM, b.h * MM,
                    stroke=1 if stroke else 0, fill=1 if fill else 0)

    def text(self, x: float, y: float, s: str, size_mm: float, colour: tuple[float, float, float] = INK,
             anchor: str = "left") -> None:
        """``y`` is the baseline (mm from the top)."""
        self.c.setFillColorRGB(*colour)
        size = size_mm * MM
        self.c.setFont(FONT, size)
        draw = {"left": self.c.drawString, "centre": self.c.drawCentredString, "right": self.c.drawRightString}
        draw[anchor](x * MM, (PAGE_H - y) * MM, s)

    def width(self, s: str, size_mm: float) -> float:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        return float(stringWidth(s, FONT, size_mm * MM)) / MM

    def line(self, x1: float, y1: float, x2: float, y2: float, colour: tuple[float, float, float] = INK,
             width: float = 0.5) -> None:
        self.c.setStrokeColorRGB(*colour)
        self.c.setLineWidth(width * MM)
        self.c.line(x1 * MM, (PAGE_H - y1) * MM, x2 * MM, (PAGE_H - y2) * MM)

    def circle(self, cx: float, cy: float, r: float, colour: tuple[float, float, float], width: float) -> None:
        self.c.setStrokeColorRGB(*colour)
        self.c.setLineWidth(width * MM)
        self.c.circle(cx * MM, (PAGE_H - cy) * MM, r * MM, stroke=1, fill=0)


# --- the blank form ---------------------------------------------------------------------------

def _draw_page(cv: _Canvas, form: FormSpec, page: PageSpec, marker: Marker) -> None:
    for cx, cy in mark_centres():
        cv.rect(Box(cx - MARK_SIZE / 2, cy - MARK_SIZE / 2, MARK_SIZE, MARK_SIZE), stroke=None, fill=(0, 0, 0))
    for bit, box in zip(encode(marker), module_boxes(), strict=True):
        if bit:
            cv.rect(box, stroke=None, fill=(0, 0, 0))
    last = module_boxes()[-1]
    cv.text(last.x + last.w + 3, 13.0, f"様式{form.key}（第{marker.version}版） {marker.page}/{marker.pages}", 2.8)
    cv.text(PAGE_W / 2, 24.0, form.title, 6.0, anchor="centre")
    cv.text(LEFT_MARGIN, 28.5, "建設キャリアアップシステム", 2.6, colour=(0.35, 0.35, 0.35))
    for h in page.headings:
        cv.text(h.box.x, h.box.y + h.box.h - 2.0, h.text, 3.8)
        cv.line(h.box.x, h.box.y + h.box.h - 0.8, h.box.x + h.box.w, h.box.y + h.box.h - 0.8, width=0.3)
    for n in page.notes:
        for i, line in enumerate(n.text.split("\n")):
            cv.text(n.box.x, n.box.y + (i + 1) * n.size * 1.6 - 0.6, line, n.size)
    for f in page.fields:
        _draw_field(cv, f)


LEFT_MARGIN = 15.0


def _draw_field(cv: _Canvas, f: FormField) -> None:
    from ccus.models.forms.catalogue import LABEL_W, VALUE_W, VALUE_X

    row_y, row_h = f.box.y, f.box.h
    if f.kind is FieldKind.COMB or f.kind is FieldKind.PHOTO:
        row_y, row_h = f.box.y - (1.2 if f.kind is FieldKind.COMB else 2.0), f.box.h + (2.4 if f.kind is FieldKind.COMB else 4.0)
    label = Box(LEFT_MARGIN, row_y, LABEL_W, row_h)
    cv.rect(label, stroke=DROPOUT, fill=LABEL_TINT)
    size = 3.2 if cv.width(f.label, 3.2) < LABEL_W - 3 else 2.6
    cv.text(label.x + 1.5, label.y + label.h / 2 + size * 0.35, f.label, size)
    if not f.required and f.kind is not FieldKind.MARK:
        cv.text(label.x + LABEL_W - 1.0, label.y + label.h - 1.0, "任意", 2.0, colour=(0.4, 0.4, 0.4), anchor="right")
    cv.rect(Box(VALUE_X, row_y, VALUE_W, row_h))
    if f.kind is FieldKind.TEXT:
        cv.rect(f.box, width=0.4)
    elif f.kind is FieldKind.COMB:
        cells = comb_cells(f)
        for cell in cells:
            cv.rect(cell, width=0.35)
        x = f.box.x
        for n, group in enumerate(f.cells[:-1]):
            x += group * CELL_W + (4.0 if n else 0.0)
            cv.line(x + 1.0, f.box.y + f.box.h / 2, x + 3.0, f.box.y + f.box.h / 2, colour=DROPOUT, width=0.4)
            x += 0.0
    elif f.kind in (FieldKind.CHOICE, FieldKind.MULTI, FieldKind.DATE):
        for o in f.options:
            cv.rect(o.box, width=0.35)
            label = option_label(f, o)  # where the reader looks for a circled label
            cv.text(label.x, label.y + 0.88 * label.h, o.label, label.h)
        for part, unit in zip(f.parts, ("年", "月", "日"), strict=False):
            for cell in part_cells(part):
                cv.rect(cell, width=0.35)
            cv.text(part.x + part.w + 1.5, part.y + part.h / 2 + 1.3, unit, 3.4)
    elif f.kind is FieldKind.MARK:
        cv.circle(f.box.x + f.box.w - 12, f.box.y + f.box.h / 2, 6.0, DROPOUT, 0.3)
        cv.text(f.box.x + f.box.w - 12, f.box.y + f.box.h / 2 + 1.2, "印", 3.4, colour=DROPOUT, anchor="centre")
    elif f.kind is FieldKind.PHOTO:
        cv.rect(f.box, width=0.4)
        cv.text(f.box.x + f.box.w / 2, f.box.y + f.box.h / 2 + 1.2, "写真", 3.4, colour=DROPOUT, anchor="centre")


# --- filling --------------------------------------------------------------------------------------

def era_parts(value: Any, eras: Sequence[str]) -> tuple[str, int, int, int]:
    """(era, era year, month, day) for a date on a form offering ``eras``; a tuple passes through
    (to write 平成31年5月1日 on purpose)."""
    if isinstance(value, tuple):
        era, y, m, d = value
        return str(era), int(y), int(m), int(d)
    d = value if isinstance(value, date) else date.fromisoformat(str(value))
    for era in sorted(eras, key=lambda e: _ERA_FIRST_DAY[e], reverse=True):
        if d >= _ERA_FIRST_DAY[era]:
            return era, d.year - _ERA_START[era] + 1, d.month, d.day
    raise ValueError(f"no era of {eras} for {d}")


def _fill_field(cv: _Canvas, f: FormField, value: Any) -> None:
    size = 4.2
    if f.kind is FieldKind.TEXT:
        s = str(value)
        while size > 2.4 and cv.width(s, size) > f.box.w - 5:
            size -= 0.2
        cv.text(f.box.x + 2.5, f.box.y + f.box.h / 2 + size * 0.38, s, size)
    elif f.kind is FieldKind.COMB:
        chars = [c for c in str(value) if not c.isspace() and c not in "-‐－"]
        for cell, ch in zip(comb_cells(f), chars, strict=False):
            cv.text(cell.x + cell.w / 2, cell.y + cell.h / 2 + size * 0.36, ch, size, anchor="centre")
    elif f.kind in (FieldKind.CHOICE, FieldKind.MULTI):
        chosen = set(value) if isinstance(value, (list, tuple, set)) else {value}
        for o in f.options:
            if o.value in chosen:
                _tick(cv, o.box)
    elif f.kind is FieldKind.DATE:
        era, y, m, d = era_parts(value, [o.value for o in f.options])
        for o in f.options:
            if o.value == era:
                _tick(cv, o.box)
        for part, number in zip(f.parts, (y, m, d), strict=True):
            for cell, ch in zip(part_cells(part), f"{number:02d}", strict=True):
                cv.text(cell.x + cell.w / 2, cell.y + cell.h / 2 + size * 0.36, ch, size, anchor="centre")
    elif f.kind is FieldKind.MARK:
        name = str(value) if isinstance(value, str) else "署名"
        cv.text(f.box.x + 6, f.box.y + f.box.h / 2 + 2.0, name, 5.0)
        cx, cy, r = f.box.x + f.box.w - 12, f.box.y + f.box.h / 2, 6.5
        cv.circle(cx, cy, r, SEAL_RED, 0.7)
        seal = name.replace("\u3000", " ").split()[0][:2] if name.strip() else "印"
        cv.text(cx, cy + 1.6, seal, 4.2, colour=SEAL_RED, anchor="centre")
    elif f.kind is FieldKind.PHOTO:
        from reportlab.lib.utils import ImageReader

        from ccus.infra.samples import face_image

        img = value if isinstance(value, Image.Image) else face_image(int(value) if isinstance(value, int) else 0)
        cv.c.drawImage(ImageReader(img), (f.box.x + 0.5) * MM, (PAGE_H - f.box.y - f.box.h + 0.5) * MM,
                       (f.box.w - 1) * MM, (f.box.h - 1) * MM)


def _tick(cv: _Canvas, b: Box) -> None:
    cv.line(b.x + 0.7, b.y + b.h * 0.55, b.x + b.w * 0.42, b.y + b.h - 0.6, width=0.7)
    cv.line(b.x + b.w * 0.42, b.y + b.h - 0.6, b.x + b.w + 0.6, b.y - 0.8, width=0.7)


def form_pdf(form: FormSpec, values: Mapping[str, Any] | None = None, *, version: int | None = None,
             pages: Sequence[int] | None = None) -> bytes:
    """The form as a PDF: blank, or with ``values`` ({field name: value}) typed in (a later page's
    identity row repeats the page-1 values unless given on its own, e.g. ``{"p2_name": None}``).

    ``version`` prints another version number in the page marker (to make an unknown version).
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    _register_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle(f"{form.title}（様式{form.key} 第{version or form.version}版）")
    cv = _Canvas(c)
    for page in form.pages:
        if pages is not None and page.number not in pages:
            continue
        _draw_page(cv, form, page, Marker(form.code, version or form.version, page.number, form.page_count))
        if form.key == "S0":
            cv.text(PAGE_W / 2, 150, "区切り用紙", 20, anchor="centre")
            cv.text(PAGE_W / 2, 165, "この用紙の次から、別の申請です。", 5, anchor="centre")
            cv.rect(Box(20, 120, 170, 60), stroke=(0, 0, 0), width=1.0)
        for f in page.fields:
            value = value_for(f, values) if values else None
            if value not in (None, ""):
                _fill_field(cv, f, value)
        c.showPage()
    c.save()
    return buf.getvalue()


def rasterise(pdf: bytes, dpi: int = 300) -> list[Image.Image]:
    """Each page of ``pdf`` as an RGB image at ``dpi`` (what a scanner would see)."""
    from ccus.infra.attachments import PDF, page_images

    return [img.convert("RGB") for img in page_images(pdf, PDF, dpi=dpi)]


def filled_pages(form: FormSpec, values: Mapping[str, Any], *, dpi: int = 300, version: int | None = None
                 ) -> list[Image.Image]:
    """The filled form's pages as images (the fill helper for tests and the benchmark)."""
    return rasterise(form_pdf(form, values, version=version), dpi)


def render_all() -> dict[str, bytes]:
    """Every blank form of the catalogue: {file name: PDF bytes}."""
    return {f"{form.key}_v{form.version}_{form.title}.pdf": form_pdf(form) for form in FORMS}
