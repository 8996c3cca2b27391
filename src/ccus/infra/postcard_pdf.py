"""Print files for the crimped postcards (圧着はがき) mailed to newly registered businesses.

One PDF per print batch, two pages per postcard (100 × 148 mm, portrait):

1. address side (宛名面): postcode boxes, address, addressee with 御中/様, the Japan Post customer
   barcode directly under the addressee (横書き rule, manual p13), the bulk-mail mark and sender;
2. inner side (圧着面): 「建設キャリアアップシステム 登録完了のお知らせ」 with 事業者ID, trade name,
   管理者ID, initial password, security code, login URL and the first-login notes.

A second kind of crimped postcard tells the business that filed a 代行申請 that its worker is
registered (:class:`ProxyNoticePostcard`, guide pp.10–11): the same address side, an inner side
with the 申請番号, the worker's name and 技能者ID, and no secret at all.

The PDF holds initial passwords and security codes: it is a secret to hand to the printer, not a
record. The record of a batch is :func:`postcard_manifest_csv`, which never contains either.

Barcode drawn at the 10-point reference size of the manual (p12): bar pitch 1.2 mm, bar width
0.6 mm, long bar 3.6 mm, semi-long bars 2.4 mm, timing bar 1.2 mm; 67 bars = 79.8 mm, centred,
so it stays inside the 10 mm margin of a 100 mm card (料金後納 mail may use the postmark area).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol

from reportlab.lib.colors import Color, black
from reportlab.lib.units import mm as _reportlab_mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from ccus.infra.pdf_fonts import FONT, ensure_font
from ccus.models.notices import SYSTEM_NAME, honorific_for
from ccus.models.postal_barcode import (
    customer_barcode_data,
    customer_barcode_symbols,
    normalize_postcode,
    symbol_bars,
)
from ccus.models.spreadsheet_cells import neutralise_row

__all__ = [
    "BARCODE_GEOMETRY_MM",
    "DEFAULT_SENDER",
    "PAGE_SIZE",
    "PostcardContent",
    "ProxyNoticePostcard",
    "Sender",
    "draw_customer_barcode",
    "postcard_manifest_csv",
    "render_postcard_batch",
    "render_proxy_notice_postcard",
]

mm: Final[float] = float(_reportlab_mm)  # points per millimetre
PAGE_WIDTH_MM: Final = 100.0
PAGE_HEIGHT_MM: Final = 148.0
PAGE_SIZE: Final = (PAGE_WIDTH_MM * mm, PAGE_HEIGHT_MM * mm)

MONO: Final = "Courier-Bold"
VERMILION: Final = Color(0.90, 0.22, 0.13)  # 朱色 for the postcode boxes (manual p05)
GREY: Final = Color(0.35, 0.35, 0.35)

#: Customer barcode at the 10-point reference size (a = 10), in millimetres (manual p12).
BARCODE_GEOMETRY_MM: Final[dict[str, float]] = {
    "pitch": 1.2,
    "bar_width": 0.6,
    "long": 3.6,
    "timing": 1.2,
    "semi_long": 2.4,  # timing bar + one 1.2 mm extension up (A) or down (D)
}

MANIFEST_COLUMNS: Final = (
    "batch_id",
    "seq",
    "application_number",
    "business_id",
    "postcode",
    "address",
    "recipient_name",
    "barcode_data",
)


@dataclass(frozen=True)
class PostcardContent:
    """What one crimped postcard says. ``repr`` hides the password and the security code."""

    postcode: str
    address: str
    recipient_name: str
    business_id: str
    trade_name: str
    admin_ids: tuple[str, ...]
    initial_password: str = field(repr=False)
    security_code: str = field(repr=False)
    login_url: str
    application_number: str
    #: 御中 / 様 after the addressee; ``None`` decides from the name (see ``honorific_for``).
    honorific: str | None = None
    #: False for the postcard of one further 管理者ID (its own initial password and security code):
    #: ``admin_ids`` then holds that ID alone, and the card says it is not the 登録責任者's.
    registrant: bool = True


@dataclass(frozen=True)
class ProxyNoticePostcard:
    """The postcard to the business that filed a 代行申請: its worker is registered. No secret."""

    postcode: str
    address: str
    recipient_name: str  # the filing business's trade name
    application_number: str
    worker_name: str
    worker_id: str
    honorific: str | None = None


class _Addressed(Protocol):
    """What the address side needs of a postcard."""

    @property
    def postcode(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def recipient_name(self) -> str: ...
    @property
    def application_number(self) -> str: ...
    @property
    def honorific(self) -> str | None: ...


@dataclass(frozen=True)
class Sender:
    name: str
    postcode: str
    address: str
    phone: str


DEFAULT_SENDER: Final = Sender(
    name=f"{SYSTEM_NAME} 運営事務局",
    postcode="104-0032",
    address="東京都中央区八丁堀一丁目1番1号 キャリアビル5階",
    phone="0570-000-000",
)


# --------------------------------------------------------------------------------------------
# Drawing helpers (coordinates in mm, y measured from the TOP edge of the card)


def _y(top_mm: float) -> float:
    return (PAGE_HEIGHT_MM - top_mm) * mm


def _text(c: Canvas, x_mm: float, top_mm: float, text: str, size: float, font: str = FONT) -> None:
    """Draw ``text`` with its baseline ``top_mm`` from the top edge."""
    c.setFont(font, size)
    c.drawString(x_mm * mm, _y(top_mm), text)


def _width_mm(text: str, size: float, font: str = FONT) -> float:
    return float(pdfmetrics.stringWidth(text, font, size)) / mm


_NO_LINE_START: Final = frozenset("、。，．）」』】〕)],.:;!?ー・々ぁぃぅぇぉっゃゅょァィゥェォッャュョ")


def _wrap(text: str, size: float, width_mm: float, font: str = FONT) -> list[str]:
    """Break ``text`` into lines no wider than ``width_mm``: at a blank when one lies in the
    second half of the line (address / building name), else between characters (simple 禁則)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for ch in paragraph:
            if line and _width_mm(line + ch, size, font) > width_mm and ch not in _NO_LINE_START:
                cut = max(line.rfind(" "), line.rfind("　"))
                if cut > len(line) // 2:
                    lines.append(line[:cut])
                    line = line[cut + 1 :] + ch
                else:
                    lines.append(line)
                    line = ch.strip()
            else:
                line += ch
        lines.append(line)
    return lines


def _fit_size(text: str, size: float, width_mm: float, minimum: float, font: str = FONT) -> float:
    while size > minimum and _width_mm(text, size, font) > width_mm:
        size -= 0.5
    return size


def draw_customer_barcode(c: Canvas, x_mm: float, bottom_mm: float, symbols: Sequence[str]) -> float:
    """Draw the bars of ``symbols`` from ``x_mm``; ``bottom_mm`` is the bars' lower edge measured
    from the bottom of the page. Returns the barcode width in mm."""
    g = BARCODE_GEOMETRY_MM
    extension = (g["long"] - g["timing"]) / 2  # 1.2 mm above and below the timing zone
    c.saveState()
    c.setFillColor(black)
    c.setStrokeColor(black)
    bars = [b for s in symbols for b in symbol_bars(s)]
    for i, bar in enumerate(bars):
        low = bottom_mm if bar in ("F", "D") else bottom_mm + extension
        high = bottom_mm + g["long"] if bar in ("F", "A") else bottom_mm + extension + g["timing"]
        x = x_mm + i * g["pitch"]
        c.rect(x * mm, low * mm, g["bar_width"] * mm, (high - low) * mm, stroke=0, fill=1)
    c.restoreState()
    return (len(bars) - 1) * g["pitch"] + g["bar_width"]


def _postcode_boxes(c: Canvas, postcode: str) -> None:
    """Seven boxes at the JIS positions of a postcard (12 mm from the top, 8 mm from the right)."""
    lefts = (44.0, 51.0, 58.0, 65.8, 72.6, 79.4, 86.2)
    top, w, h = 12.0, 5.7, 8.0
    c.saveState()
    c.setStrokeColor(VERMILION)
    for i, left in enumerate(lefts):
        c.setLineWidth((0.5 if i < 3 else 0.3) * mm)
        c.rect(left * mm, _y(top + h), w * mm, h * mm, stroke=1, fill=0)
    c.setLineWidth(0.5 * mm)
    c.line(64.2 * mm, _y(top + h / 2), 65.3 * mm, _y(top + h / 2))
    c.restoreState()
    c.setFillColor(black)
    c.setFont("Helvetica", 15)
    for digit, left in zip(postcode, lefts, strict=True):
        c.drawCentredString((left + w / 2) * mm, _y(top + h - 2.2), digit)


def _bulk_mail_mark(c: Canvas) -> None:
    """料金後納 mark in the stamp corner (top left)."""
    c.saveState()
    c.setLineWidth(0.3 * mm)
    c.roundRect(8 * mm, _y(28), 19 * mm, 19 * mm, 2 * mm, stroke=1, fill=0)
    c.restoreState()
    for i, line in enumerate(("料金後納", "郵便")):
        c.setFont(FONT, 8)
        c.drawCentredString(17.5 * mm, _y(16.5 + i * 5), line)


def _confidential_mark(c: Canvas) -> None:
    c.saveState()
    c.setStrokeColor(VERMILION)
    c.setFillColor(VERMILION)
    c.setLineWidth(0.4 * mm)
    c.rect(8 * mm, _y(40), 19 * mm, 7 * mm, stroke=1, fill=0)
    c.setFont(FONT, 11)
    c.drawCentredString(17.5 * mm, _y(38.3), "親 展")
    c.restoreState()


# --------------------------------------------------------------------------------------------
# Pages


def _address_side(c: Canvas, card: _Addressed, sender: Sender, seq: int) -> None:
    postcode = normalize_postcode(card.postcode)
    _bulk_mail_mark(c)
    _confidential_mark(c)
    _postcode_boxes(c, postcode)

    left, width = 12.0, 78.0
    top = 50.0
    size = 11.0
    for line in _wrap(unicodedata.normalize("NFC", card.address.strip()), size, width):
        _text(c, left, top, line, size)
        top += 5.5

    honorific = card.honorific if card.honorific is not None else honorific_for(card.recipient_name)
    name = card.recipient_name.strip() + (f"　{honorific}" if honorific else "")
    top += 6.0
    name_size = 15.0
    name_lines = _wrap(name, name_size, width)
    if len(name_lines) > 2:
        name_size = 12.0
        name_lines = _wrap(name, name_size, width)
    for line in name_lines:
        _text(c, left, top, line, name_size)
        top += name_size * 0.3528 * 1.35

    # The barcode, alone, directly below the addressee; quiet zone >= 2 mm all round.
    symbols = customer_barcode_symbols(card.postcode, card.address)
    g = BARCODE_GEOMETRY_MM
    bar_width = 66 * g["pitch"] + g["bar_width"]
    x0 = (PAGE_WIDTH_MM - bar_width) / 2
    bars_top = top + 2.5
    draw_customer_barcode(c, x0, PAGE_HEIGHT_MM - bars_top - g["long"], symbols)

    # Sender, bottom left; a control line for the mail room, bottom right.
    c.setFillColor(black)
    base = PAGE_HEIGHT_MM - 24.0
    _text(c, 12, base, "差出人", 7)
    _text(c, 12, base + 4.0, sender.name, 8)
    _text(c, 12, base + 8.0, f"〒{sender.postcode}", 7.5)
    for i, line in enumerate(_wrap(sender.address, 7.5, 76)):
        _text(c, 12, base + 11.5 + i * 3.5, line, 7.5)
    _text(c, 12, base + 11.5 + 3.5 * len(_wrap(sender.address, 7.5, 76)), f"お問い合わせ {sender.phone}", 7.5)
    c.setFillColor(GREY)
    control = f"申請番号 {card.application_number}  No.{seq}"
    _text(c, PAGE_WIDTH_MM - 8 - _width_mm(control, 6), PAGE_HEIGHT_MM - 7.0, control, 6)
    c.setFillColor(black)


def _inner_side(c: Canvas, card: PostcardContent) -> None:
    left, right = 8.0, PAGE_WIDTH_MM - 8.0
    width = right - left

    c.setFillColor(GREY)
    _text(c, left, 6.5, "（圧着面）この面は、はがしてからお読みください。", 6.5)
    c.setFillColor(black)

    title = f"{SYSTEM_NAME}"
    _text(c, left, 15.0, title, _fit_size(title, 13, width, 9))
    _text(c, left, 22.0, "登録完了のお知らせ" if card.registrant else "管理者IDのお知らせ", 13)
    c.setLineWidth(0.4 * mm)
    c.line(left * mm, _y(24.5), right * mm, _y(24.5))

    intro = (
        f"{SYSTEM_NAME}への事業者情報登録が完了しました。ログインに必要な情報をお知らせします。"
        "本はがきは大切に保管してください。"
    ) if card.registrant else (
        "下記の管理者IDでログインするための情報をお知らせします。"
        "本はがきは、この管理者IDをお使いになるご担当者さまにお渡しください。"
    )
    top = 29.5
    for line in _wrap(intro, 7.5, width):
        _text(c, left, top, line, 7.5)
        top += 3.6

    label_w = 27.0
    top += 2.5

    def row(label: str, value: str, size: float = 9.5, font: str = FONT) -> None:
        nonlocal top
        _text(c, left, top, label, 7.5)
        lines = _wrap(value, size, width - label_w, font)
        for line in lines:
            _text(c, left + label_w, top, line, size, font)
            top += max(size * 0.3528 * 1.4, 4.2)
        top += 1.2
        c.setLineWidth(0.15 * mm)
        c.setStrokeColor(GREY)
        c.line(left * mm, _y(top - 3.4), right * mm, _y(top - 3.4))
        c.setStrokeColor(black)

    row("申請番号", card.application_number, 8.5)
    row("事業者名", card.trade_name.strip(), _fit_size(card.trade_name.strip(), 10, width - label_w, 7.5))
    row("事業者ID", card.business_id, 11, MONO)

    # 管理者ID: one per line (up to 6), else two columns in a smaller size (up to 12); the rest
    # are in the portal. The block never exceeds 6 rows, so the notes always fit on the card.
    ids = list(card.admin_ids)
    _text(c, left, top, "管理者ID", 7.5)
    if len(ids) <= 6:
        shown, columns, id_size, pitch = ids, 1, 8.5, 4.0
    else:
        shown, columns, id_size, pitch = ids[:12], 2, 7.0, 3.6
    rows_needed = (len(shown) + columns - 1) // columns
    col_w = (width - label_w) / columns
    for i, admin in enumerate(shown):
        col, r = divmod(i, rows_needed)
        x = left + label_w + col * col_w
        _text(c, x, top + r * pitch, f"{i + 1}.", 6.0)
        _text(c, x + 4.5, top + r * pitch, admin, id_size, MONO)
        if i == 0 and columns == 1 and card.registrant:
            x_note = x + 4.5 + _width_mm(admin, id_size, MONO) + 1.0
            _text(c, x_note, top + r * pitch, "（登録責任者）", 6.5)
    top += rows_needed * pitch
    if len(ids) > len(shown):
        rest = f"ほか{len(ids) - len(shown)}件は事業者ポータルでご確認ください。"
        _text(c, left + label_w, top, rest, 6.5)
        top += 3.5
    top += 1.2
    c.setLineWidth(0.15 * mm)
    c.setStrokeColor(GREY)
    c.line(left * mm, _y(top - 3.4), right * mm, _y(top - 3.4))
    c.setStrokeColor(black)

    password_font = MONO if card.initial_password.isascii() else FONT
    row("初期パスワード", card.initial_password, 12, password_font)
    row("セキュリティコード", card.security_code, 12, MONO)
    row("ログインURL", card.login_url, _fit_size(card.login_url, 8.5, width - label_w, 6.5), FONT)

    notes = (
        "ご注意",
        (
            "・初回ログイン時に、初期パスワードの変更が必要です。ログイン後に表示される"
            "パスワード変更画面で、新しいパスワードを設定してください。"
        ),
        "・パスワード変更の際に、このはがきに記載の4桁のセキュリティコードの入力が必要です。",
        "・セキュリティコードはこのはがきにのみ記載しています（メールではお送りしていません）。",
        "・事業者ID・初期パスワードは、登録メールアドレスにも2通に分けてお送りしています。"
        if card.registrant else "・この管理者IDの初期パスワードは、このはがきにのみ記載しています。",
        "・本はがきの内容は第三者に知られないよう、ご担当者さまにて大切に保管してください。",
    )
    top += 1.5
    _text(c, left, top, notes[0], 8)
    top += 4.0
    for note in notes[1:]:
        for line in _wrap(note, 6.8, width):
            _text(c, left + (0 if line.startswith("・") else 2.4), top, line, 6.8)
            top += 3.3


# --------------------------------------------------------------------------------------------
# Public API


def render_postcard_batch(postcards: Sequence[PostcardContent], *, sender: Sender = DEFAULT_SENDER) -> bytes:
    """One PDF for a print batch: for each postcard its address side, then its inner side."""
    if not postcards:
        raise ValueError("a print batch needs at least one postcard")
    ensure_font()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=PAGE_SIZE, invariant=True, pageCompression=1)
    c.setTitle(f"{SYSTEM_NAME} 登録完了のお知らせ（圧着はがき）")
    c.setAuthor(sender.name)
    c.setCreator("ccus back office")
    for seq, card in enumerate(postcards, 1):
        _address_side(c, card, sender, seq)
        c.showPage()
        _inner_side(c, card)
        c.showPage()
    c.save()
    return buf.getvalue()


def _proxy_inner_side(c: Canvas, card: ProxyNoticePostcard) -> None:
    left, right = 8.0, PAGE_WIDTH_MM - 8.0
    width = right - left
    c.setFillColor(GREY)
    _text(c, left, 6.5, "（圧着面）この面は、はがしてからお読みください。", 6.5)
    c.setFillColor(black)
    _text(c, left, 15.0, SYSTEM_NAME, _fit_size(SYSTEM_NAME, 13, width, 9))
    _text(c, left, 22.0, "技能者情報登録完了のお知らせ", 12)
    c.setLineWidth(0.4 * mm)
    c.line(left * mm, _y(24.5), right * mm, _y(24.5))
    top = 30.0
    intro = (f"貴社が代行申請された技能者の{SYSTEM_NAME}への登録が完了しました。"
             "建設キャリアアップカードは技能者ご本人に郵送いたします。")
    for line in _wrap(intro, 8, width):
        _text(c, left, top, line, 8)
        top += 4.0
    top += 3.0
    for label, value, size, font in (("申請番号", card.application_number, 9.5, FONT),
                                     ("技能者氏名", card.worker_name.strip(), 11, FONT),
                                     ("技能者ID", card.worker_id, 11, MONO)):
        _text(c, left, top, label, 7.5)
        _text(c, left + 27.0, top, value, _fit_size(value, size, width - 27.0, 7.5, font), font)
        top += 7.0
    top += 2.0
    for note in ("・初期パスワードは技能者ご本人宛てにお知らせしています。",
                 "・登録内容は事業者ポータルの通知からもご確認いただけます。"):
        for line in _wrap(note, 7, width):
            _text(c, left, top, line, 7)
            top += 3.5


def render_proxy_notice_postcard(card: ProxyNoticePostcard, *, sender: Sender = DEFAULT_SENDER) -> bytes:
    """One postcard (address side, inner side) to the business that filed a 代行申請."""
    ensure_font()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=PAGE_SIZE, invariant=True, pageCompression=1)
    c.setTitle(f"{SYSTEM_NAME} 技能者情報登録完了のお知らせ（圧着はがき）")
    c.setAuthor(sender.name)
    c.setCreator("ccus back office")
    _address_side(c, card, sender, 1)
    c.showPage()
    _proxy_inner_side(c, card)
    c.showPage()
    c.save()
    return buf.getvalue()


class ManifestEntry(Protocol):
    """What a manifest row needs of a postcard: no secret is among it."""

    @property
    def application_number(self) -> str: ...
    @property
    def business_id(self) -> str: ...
    @property
    def postcode(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def recipient_name(self) -> str: ...


def postcard_manifest_csv(batch_id: str, postcards: Sequence[ManifestEntry]) -> bytes:
    """The record of a print batch: UTF-8 with BOM (opens in Excel), one row per postcard in
    print order, every cell safe to open there (models/spreadsheet_cells.py). Never contains the
    initial password or the security code."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MANIFEST_COLUMNS)
    for seq, card in enumerate(postcards, 1):
        postcode = normalize_postcode(card.postcode)
        writer.writerow(neutralise_row(
            (
                batch_id,
                seq,
                card.application_number,
                card.business_id,
                f"{postcode[:3]}-{postcode[3:]}",
                card.address,
                card.recipient_name,
                customer_barcode_data(card.postcode, card.address),
            )
        ))
    return out.getvalue().encode("utf-8-sig")
