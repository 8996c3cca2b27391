"""Realistic sample documents for the demo, the benchmarks and the tests.

Every generator returns the bytes of a file as a scanner or a browser would send it, drawn with
Pillow (images) or reportlab (PDF) and the IPAexGothic font that ``japanize-matplotlib`` ships.
The output is a pure function of the arguments: the same inputs give the same bytes, so a sample
has a stable SHA-256 (the document store is content-addressed).

- :func:`identity_document_jpeg`: 運転免許証 (driver licence), a 本人確認書類.
- :func:`face_photo_jpeg`: 顔写真, 294×378 px like the upload the registry asks for.
- :func:`registry_extract_pdf`: 履歴事項全部証明書 (commercial registry extract) with a text layer.
- :func:`consent_form_png`: 代行申請同意書 (proxy application consent form), signed and sealed.
- :func:`insurance_card_jpeg`: 健康保険被保険者証 copy, masked (マスキング) or not.
- :func:`scanned_jpeg`: any of the images above as it comes off a flatbed scanner (mail channel).
"""

from __future__ import annotations

import hashlib
import io
import random
import re
from datetime import date
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from ccus.infra.pdf_fonts import FONT, ensure_font, font_path

Color = tuple[int, int, int]
BLACK: Color = (20, 20, 20)
SEAL_RED: Color = (205, 35, 35)
_JPEG_QUALITY = 90

_ERAS = (  # (first day, name): 元号 in force from that day
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
    (date(1912, 7, 30), "大正"),
    (date(1868, 1, 25), "明治"),
)


# --- shared helpers -----------------------------------------------------------------------------

@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), size)


def _era_year(d: date) -> str:
    """``date(1985, 4, 1)`` → ``昭和60年`` (year one written 元年)."""
    for start, name in _ERAS:
        if d >= start:
            year = d.year - start.year + 1
            return f"{name}{'元' if year == 1 else year}年"
    return f"{d.year}年"


def wareki(d: date) -> str:
    """``date(1985, 4, 1)`` → ``昭和60年4月1日``, the way Japanese documents print dates."""
    return f"{_era_year(d)}{d.month}月{d.day}日"


def _digits(seed: str, n: int) -> str:
    """``n`` digits derived from ``seed``: stable fake numbers (licence no., QR data...)."""
    out = ""
    counter = 0
    while len(out) < n:
        out += str(int(hashlib.sha256(f"{seed}:{counter}".encode()).hexdigest(), 16))[:30]
        counter += 1
    return out[:n]


def _legal_affairs_bureau(address: str) -> str:
    """The 法務局 of the prefecture in ``address`` (東京都… → 東京法務局), a plausible issuer."""
    m = re.match(r"(北海道|東京都|(?:京都|大阪)府|.{2,3}?県)", address)
    pref = m.group(1) if m else "東京都"
    return "札幌法務局" if pref == "北海道" else f"{pref[:-1]}法務局"


def _surname(name: str) -> str:
    parts = name.replace("\u3000", " ").split()
    return parts[0] if len(parts) > 1 else name[:2]


def _jpeg(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=_JPEG_QUALITY)
    return buf.getvalue()


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _seal(draw: ImageDraw.ImageDraw, cx: int, cy: int, r: int, text: str) -> None:
    """A red round 認印 with ``text`` written top to bottom."""
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=SEAL_RED, width=max(3, r // 12))
    chars = text[:3] or "印"
    size = int(r * 1.5 / len(chars)) if len(chars) > 1 else int(r * 1.1)
    top = cy - size * len(chars) // 2
    for i, ch in enumerate(chars):
        draw.text((cx, top + i * size + size // 2), ch, font=_font(size), fill=SEAL_RED, anchor="mm")


def _fake_qr(draw: ImageDraw.ImageDraw, x: int, y: int, size: int, data: str) -> None:
    """A QR-looking 25×25 module pattern (finder squares + modules from ``data``); not decodable."""
    n, m = 25, size // 25
    bits = bin(int(hashlib.sha256(data.encode()).hexdigest() * 3, 16))[2:]
    for i in range(n * n):
        if bits[i % len(bits)] == "1":
            cx, cy = x + (i % n) * m, y + (i // n) * m
            draw.rectangle((cx, cy, cx + m - 1, cy + m - 1), fill=BLACK)
    for fx, fy in ((x, y), (x + (n - 7) * m, y), (x, y + (n - 7) * m)):
        draw.rectangle((fx, fy, fx + 7 * m - 1, fy + 7 * m - 1), fill="white")
        draw.rectangle((fx, fy, fx + 7 * m - 1, fy + 7 * m - 1), outline=BLACK, width=m)
        draw.rectangle((fx + 2 * m, fy + 2 * m, fx + 5 * m - 1, fy + 5 * m - 1), fill=BLACK)


# --- 顔写真 ----------------------------------------------------------------------------------------

def face_image(variant: int = 0) -> Image.Image:
    skins: list[Color] = [(241, 204, 174), (226, 185, 150), (198, 150, 112)]
    hairs: list[Color] = [(35, 30, 30), (80, 55, 40), (120, 120, 120)]
    skin, hair = skins[variant % 3], hairs[(variant // 3) % 3]
    img = Image.new("RGB", (294, 378), (196, 222, 240))
    d = ImageDraw.Draw(img)
    d.ellipse((17, 290, 277, 520), fill=(40, 48, 72))  # shoulders, dark jacket
    d.polygon([(147, 300), (120, 290), (174, 290)], fill="white")  # shirt collar
    d.rectangle((122, 230, 172, 300), fill=skin)  # neck
    d.ellipse((72, 70, 222, 265), fill=skin)  # face
    d.chord((66, 52, 228, 200), 180, 360, fill=hair)  # hair
    d.ellipse((62, 150, 82, 195), fill=skin)  # ears
    d.ellipse((212, 150, 232, 195), fill=skin)
    for ex in (112, 182):
        d.line((ex - 18, 140, ex + 14, 136), fill=hair, width=5)  # eyebrows
        d.ellipse((ex - 12, 155, ex + 12, 170), fill="white")
        d.ellipse((ex - 6, 156, ex + 6, 169), fill=(50, 35, 30))  # irises
    d.line((147, 165, 140, 205, 152, 208), fill=(170, 120, 95), width=3)  # nose
    d.arc((122, 205, 172, 238), 20, 160, fill=(160, 70, 70), width=4)  # mouth
    return img


def face_photo_jpeg(variant: int = 0) -> bytes:
    """顔写真: a 294×378 colour, frontal, plain-background JPEG (``variant`` picks skin/hair)."""
    return _jpeg(face_image(variant))


# --- 運転免許証 ------------------------------------------------------------------------------------

def identity_document_jpeg(name: str, birth_date: date, address: str) -> bytes:
    """運転免許証: a 1000×630 card scan with 氏名, 生年月日 (in era form, as printed), 住所."""
    seed = f"{name}|{birth_date.isoformat()}|{address}"
    issued = date(2023, birth_date.month, min(birth_date.day, 28))
    expires = date(2028, birth_date.month, min(birth_date.day, 28))
    img = Image.new("RGB", (1000, 630), (236, 244, 236))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((4, 4, 995, 625), radius=30, outline=(150, 170, 150), width=3)
    f_label, f_value, f_small = _font(26), _font(34), _font(22)
    d.text((40, 38), "氏名", font=f_label, fill=BLACK)
    d.text((120, 30), name, font=f_value, fill=BLACK)
    d.text((560, 34), f"{wareki(birth_date)}生", font=_font(30), fill=BLACK)
    d.line((30, 88, 970, 88), fill=(150, 170, 150), width=2)
    d.text((40, 112), "住所", font=f_label, fill=BLACK)
    d.text((120, 106), address, font=_font(30), fill=BLACK)
    d.line((30, 162, 970, 162), fill=(150, 170, 150), width=2)
    d.text((40, 184), f"交付  {wareki(issued)}  {_digits(seed + 'iss', 5)}", font=f_small, fill=BLACK)
    d.rectangle((30, 230, 690, 280), fill=(120, 170, 220))  # colour band of the expiry line
    valid = f"{expires.year}年({_era_year(expires)}){expires.month:02d}月{expires.day:02d}日まで有効"
    d.text((44, 238), valid, font=_font(30), fill=BLACK)
    d.text((40, 306), "免許の条件等  眼鏡等", font=f_small, fill=BLACK)
    d.text((40, 370), f"第 {_digits(seed, 12)} 号", font=_font(32), fill=BLACK)
    d.text((40, 440), "二・小・原  普通", font=f_small, fill=BLACK)
    face = face_image(int(_digits(seed + "face", 1))).resize((230, 296))
    img.paste(face, (730, 190))
    d.text((500, 560), "運転免許証", font=_font(44), fill=BLACK, anchor="mm")
    d.text((900, 560), "公安委員会", font=f_small, fill=BLACK, anchor="rm")
    _seal(d, 940, 560, 34, "公安")
    return _jpeg(img)


# --- 代行申請同意書 ---------------------------------------------------------------------------------

A4_150DPI = (1240, 1754)


def consent_form_png(
    worker_name: str,
    worker_kana: str,
    birth_date: date,
    proxy_business_name: str,
    proxy_business_id: str,
    employer_name: str,
    signed_on: date,
) -> bytes:
    """代行申請同意書: an A4 page at 150 dpi, typed values, signature with a red seal (認印)."""
    img = Image.new("RGB", A4_150DPI, "white")
    d = ImageDraw.Draw(img)
    d.text((620, 150), "代行申請同意書", font=_font(44), fill=BLACK, anchor="mm")
    d.text((1130, 250), wareki(signed_on), font=_font(26), fill=BLACK, anchor="rm")
    body = [
        "私は、下記の代行申請事業者が、建設キャリアアップシステムへの",
        "技能者情報の登録申請を私に代わって行うことに同意します。",
        "また、申請に必要な本人確認書類等の提出に同意します。",
    ]
    for i, line in enumerate(body):
        d.text((110, 330 + i * 44), line, font=_font(26), fill=BLACK)
    rows = [
        ("技能者氏名", worker_name),
        ("フリガナ", worker_kana),
        ("生年月日", f"{wareki(birth_date)}（{birth_date.year}年{birth_date.month}月{birth_date.day}日）"),
        ("代行申請事業者名", proxy_business_name),
        ("代行申請事業者ID", proxy_business_id),
        ("所属事業者名", employer_name),
        ("同意日", f"{signed_on.year}年{signed_on.month}月{signed_on.day}日"),
    ]
    top, row_h, left, mid, right = 540, 84, 100, 420, 1140
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        d.rectangle((left, y, right, y + row_h), outline=BLACK, width=2)
        d.line((mid, y, mid, y + row_h), fill=BLACK, width=2)
        d.text((left + 24, y + row_h // 2), label, font=_font(26), fill=BLACK, anchor="lm")
        d.text((mid + 30, y + row_h // 2), value, font=_font(30), fill=BLACK, anchor="lm")
    sig_y = top + len(rows) * row_h + 150
    d.text((560, sig_y), "署名", font=_font(30), fill=BLACK, anchor="lm")
    d.text((680, sig_y), worker_name, font=_font(40), fill=BLACK, anchor="lm")
    d.line((550, sig_y + 40, 1140, sig_y + 40), fill=BLACK, width=2)
    _seal(d, 1080, sig_y - 10, 52, _surname(worker_name))
    d.text((110, 1640), "建設キャリアアップシステム  様式 代-1", font=_font(22), fill=(90, 90, 90))
    return _png(img)


# --- 健康保険被保険者証 ------------------------------------------------------------------------------

def insurance_card_jpeg(
    name: str,
    birth_date: date,
    insurer_number: str = "01130012",
    symbol: str = "1234",
    number: str = "56",
    insurer_name: str = "全国健康保険協会 東京支部",
    employer_name: str = "株式会社サンプル建設",
    masked: bool = True,
) -> bytes:
    """健康保険被保険者証 copy: 記号・番号, 保険者番号 and the QR code are blacked out when ``masked``.

    An unmasked copy (``masked=False``) is what a defective application attaches.
    """
    img = Image.new("RGB", (1000, 630), (250, 236, 228))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((4, 4, 995, 625), radius=30, outline=(200, 160, 150), width=3)
    d.text((500, 50), "健康保険被保険者証", font=_font(40), fill=BLACK, anchor="mm")
    d.text((870, 50), "本人(被保険者)", font=_font(22), fill=BLACK, anchor="mm")
    masks = []
    d.text((40, 110), "記号", font=_font(26), fill=BLACK)
    masks.append(d.textbbox((110, 104), symbol, font=_font(32)))
    d.text((110, 104), symbol, font=_font(32), fill=BLACK)
    d.text((330, 110), "番号", font=_font(26), fill=BLACK)
    masks.append(d.textbbox((400, 104), f"{number} (枝番) 00", font=_font(32)))
    d.text((400, 104), f"{number} (枝番) 00", font=_font(32), fill=BLACK)
    lines = [
        ("氏名", name),
        ("生年月日", wareki(birth_date)),
        ("資格取得年月日", wareki(date(2020, 4, 1))),
        ("事業所名称", employer_name),
        ("保険者名称", insurer_name),
    ]
    for i, (label, value) in enumerate(lines):
        y = 180 + i * 62
        d.text((40, y), label, font=_font(26), fill=BLACK)
        d.text((260, y - 4), value, font=_font(32), fill=BLACK)
    d.text((40, 500), "保険者番号", font=_font(26), fill=BLACK)
    masks.append(d.textbbox((260, 494), insurer_number, font=_font(32)))
    d.text((260, 494), insurer_number, font=_font(32), fill=BLACK)
    qr = (790, 400, 790 + 175, 400 + 175)
    _fake_qr(d, qr[0], qr[1], 175, f"{insurer_number}|{symbol}|{number}")
    if masked:
        for box in [*masks, qr]:
            d.rectangle((box[0] - 6, box[1] - 6, box[2] + 6, box[3] + 6), fill=(0, 0, 0))
    return _jpeg(img)


# --- 履歴事項全部証明書 (PDF) ------------------------------------------------------------------------

def _registry_rows(
    trade_name: str, corporate_number: str, address: str, representative: str,
    established_on: date, capital_yen: int,
) -> list[tuple[str, list[str]]]:
    base = corporate_number[-12:]  # 法人番号 = check digit + 会社法人等番号 (12 digits)
    est = wareki(established_on)
    return [
        ("会社法人等番号", [f"{base[:4]}-{base[4:6]}-{base[6:]}"]),
        ("商号", [trade_name]),
        ("本店", [address]),
        ("公告をする方法", ["官報に掲載してする"]),
        ("会社成立の年月日", [est]),
        ("目的", ["1. 土木工事業", "2. 建築工事業", "3. とび・土工工事業", "4. 前各号に附帯する一切の事業"]),
        ("発行可能株式総数", ["1000株"]),
        ("発行済株式の総数", ["200株"]),
        ("資本金の額", [f"金{capital_yen // 10_000:,}万円"]),
        ("役員に関する事項", [f"取締役  {representative}", address, f"代表取締役  {representative}"]),
        ("登記記録に関する事項", [f"設立  {est}登記"]),
    ]


def registry_extract_pdf(
    trade_name: str,
    corporate_number: str,
    address: str,
    representative: str,
    established_on: date = date(2008, 4, 1),
    capital_yen: int = 10_000_000,
    issued_on: date = date(2025, 4, 1),
) -> bytes:
    """履歴事項全部証明書: one A4 page with an embedded-font text layer (pdfplumber reads it).

    Like the real certificate it shows the 12-digit 会社法人等番号 (``corporate_number`` without
    its leading check digit), not the 13-digit 法人番号.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    ensure_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle("履歴事項全部証明書")
    width, height = A4
    c.setFont(FONT, 18)
    c.drawCentredString(width / 2, height - 70, "履歴事項全部証明書")
    c.setFont(FONT, 10)
    bureau = _legal_affairs_bureau(address)
    c.drawRightString(width - 50, height - 95, f"{bureau}  整理番号 ア{_digits(trade_name, 6)}")
    y = height - 120
    for label, lines in _registry_rows(trade_name, corporate_number, address, representative,
                                        established_on, capital_yen):
        row_h = 12 + 16 * len(lines)
        c.rect(50, y - row_h, width - 100, row_h)
        c.line(170, y, 170, y - row_h)
        c.setFont(FONT, 10)
        c.drawString(56, y - 18, label)
        c.setFont(FONT, 11)
        for i, line in enumerate(lines):
            c.drawString(180, y - 18 - 16 * i, line)
        y -= row_h
    c.setFont(FONT, 10)
    c.drawString(50, y - 30, "これは登記簿に記録されている閉鎖されていない事項の全部であることを"
                             "証明した書面である。")
    c.drawString(50, y - 55, wareki(issued_on))
    c.drawString(300, y - 55, f"{bureau}  登記官  法務 一郎")
    c.drawString(50, y - 85, "＊ 下線のあるものは抹消事項であることを示す。")
    c.showPage()
    c.save()
    return buf.getvalue()


def qualification_certificate_pdf(holder: str, qualification: str, number: str, obtained_on: date) -> bytes:
    """資格証明書の写し: one A4 page with a text layer — the holder, the qualification's name, its
    number and the date obtained (the issuer's own layouts differ; what the check reads is these)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    ensure_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle("資格証明書")
    width, height = A4
    c.setFont(FONT, 18)
    c.drawCentredString(width / 2, height - 90, f"{qualification} 登録証")
    c.setFont(FONT, 12)
    for i, line in enumerate((f"登録番号  {number}", f"氏名  {holder}", f"取得年月日  {wareki(obtained_on)}",
                              "上記の者は本資格を有することを証明する。")):
        c.drawString(80, height - 150 - 28 * i, line)
    c.showPage()
    c.save()
    return buf.getvalue()


# --- scans -------------------------------------------------------------------------------------

def scanned_jpeg(data: bytes, skew_degrees: float = 0.8, seed: int = 0) -> bytes:
    """``data`` (any sample image) as a flatbed scan returns it: slightly skewed, unevenly lit,
    soft, grainy and JPEG-compressed. Deterministic for the same ``seed``."""
    page = Image.open(io.BytesIO(data)).convert("RGB")
    page = page.rotate(skew_degrees, resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255))
    w, h = page.size
    light = Image.linear_gradient("L").rotate(90).resize((w, h)).point(lambda v: 255 - v // 4)
    page = ImageChops.multiply(page, Image.merge("RGB", [light] * 3)).filter(ImageFilter.GaussianBlur(0.8))
    grain = Image.frombytes("L", (w, h), random.Random(seed).randbytes(w * h)).point(lambda v: 224 + v // 8)
    page = ImageChops.multiply(page, Image.merge("RGB", [grain] * 3))
    buf = io.BytesIO()
    page.save(buf, "JPEG", quality=55)
    return buf.getvalue()
