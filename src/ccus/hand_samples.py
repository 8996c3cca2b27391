"""Paper filled the way people fill it, for the benchmark and tests (pure Pillow).

``mail_samples`` types every value in the forms' own font; a reader tuned on that measures the font.
Here the blank form (``infra.forms_render``, no values) is filled by a :class:`Hand`: one of the
fonts of ``hand_fonts`` (five handwriting-style faces, a Mincho, a Gothic), each character drawn on
its own with jitter in size, baseline, rotation and spacing, digits one per comb cell (a leading
zero or not), ticks in one of :data:`TICK_STYLES`, a red seal (朱肉) that may sit over other ink,
a photo glued a little askew. Then :func:`scanner` turns the page into what came in: 300 or 200 dpi,
fax-like (binarised at about 200 × 100 dpi), JPEG 40–80, skew, coffee stains, upside down. Page-set
faults (:func:`drop_page`, :func:`swap_second_pages`) make the stacks a reader must not merge.

:func:`person`, :func:`address`, :func:`company` give values people write that a typed corpus lacks:
variant kanji kept as written (髙, 栁, 邊, 齋, 﨑, 濵), uncommon surnames, long addresses with a
building and a room. Everything is deterministic for the same arguments and seed.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from ccus.hand_fonts import Face, face
from ccus.models.forms.catalogue import BY_KEY, comb_cells, part_cells
from ccus.models.forms.spec import Box, FieldKind, FormField, FormSpec, value_for

__all__ = [
    "SCANNERS", "TICK_STYLES", "Hand", "address", "blank_pages", "company", "drop_page", "fill", "hand",
    "mm_box", "person", "scanner", "swap_second_pages",
]

TICK_STYLES: Final = ("check", "cross", "filled", "circle", "circle_label")
SCANNERS: Final = ("300dpi", "200dpi", "fax")
DPI: Final = 300
INKS: Final = ((22, 22, 30), (30, 42, 120), (40, 40, 48))  # black ballpoint, blue ballpoint, soft pencil-dark
SEAL: Final = (205, 32, 38)
FALLBACK: Final = "noto_cjk_sans_jp_regular"  # for a character a hand's font lacks


@dataclass(frozen=True)
class Hand:
    """How one person fills a form."""

    font: str  # key of ``hand_fonts.FONTS``
    tick: str  # one of TICK_STYLES
    ink: tuple[int, int, int] = INKS[0]
    size: float = 0.6  # character height as a share of the box height
    jitter: float = 0.5  # 0: steady, 1: shaky
    lead_zero: bool = True  # 05 rather than _5 in a two-cell date part
    seal_over: bool = False  # the seal pressed over the name or the row above


def hand(font: str, rng: random.Random, tick: str | None = None) -> Hand:
    """A random person writing in ``font``."""
    return Hand(font=font, tick=tick or rng.choice(TICK_STYLES), ink=rng.choice(INKS),
                size=rng.uniform(0.5, 0.72), jitter=rng.uniform(0.2, 1.0), lead_zero=rng.random() < 0.7,
                seal_over=rng.random() < 0.3)


# --- geometry -------------------------------------------------------------------------------------

def px(mm: float, dpi: int = DPI) -> float:
    return mm * dpi / 25.4


def mm_box(b: Box, dpi: int = DPI) -> tuple[int, int, int, int]:
    """``b`` (mm) as a pixel box (left, top, right, bottom) at ``dpi``."""
    return round(px(b.x, dpi)), round(px(b.y, dpi)), round(px(b.x + b.w, dpi)), round(px(b.y + b.h, dpi))


@functools.lru_cache(maxsize=16)
def _blank(form_key: str, version: int | None) -> tuple[Image.Image, ...]:
    from ccus.infra.forms_render import filled_pages

    return tuple(filled_pages(BY_KEY[form_key], {}, dpi=DPI, version=version))


def blank_pages(form_key: str, version: int | None = None) -> list[Image.Image]:
    """The form's pages printed blank at 300 dpi (copies: draw on them freely)."""
    return [p.copy() for p in _blank(form_key, version)]


# --- writing ----------------------------------------------------------------------------------------

class _Pen:
    def __init__(self, page: Image.Image, h: Hand, rng: random.Random) -> None:
        self.page, self.hand, self.rng = page, h, rng
        self.face: Face = face(h.font)
        self.fallback: Face = face(FALLBACK)
        self.draw = ImageDraw.Draw(page)

    def _font_for(self, ch: str, size: int) -> Any:
        f = self.face.font(ch, size)
        if f is None or not self.face.has(ch):
            f = self.fallback.font(ch, size)
        return f

    def advance(self, ch: str, size: float) -> float:
        if ch.isspace():
            return size * 0.45
        font = self._font_for(ch, round(size))
        return float(font.getlength(ch)) if font is not None else size

    def glyph(self, ch: str, x: float, baseline: float, size: float, angle: float = 0.0,
              colour: tuple[int, int, int] | None = None, on: Image.Image | None = None) -> None:
        """Draw ``ch`` with its origin at (x, baseline), turned by ``angle`` degrees."""
        if ch.isspace():
            return
        font = self._font_for(ch, round(size))
        if font is None:
            return
        left, top, right, bottom = font.getbbox(ch, anchor="ls")
        pad = 4
        mask = Image.new("L", (int(right - left) + 2 * pad, int(bottom - top) + 2 * pad))
        ImageDraw.Draw(mask).text((pad - left, pad - top), ch, font=font, fill=255, anchor="ls")
        cx, cy = x + left - pad + mask.width / 2, baseline + top - pad + mask.height / 2
        if angle:
            mask = mask.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
        target = on if on is not None else self.page
        target.paste(colour or self.hand.ink, (round(cx - mask.width / 2), round(cy - mask.height / 2)), mask)

    def line(self, text: str, box: Box, size_share: float | None = None) -> None:
        """``text`` written along ``box`` (mm), shrinking as people do near the end of the box."""
        rng, j = self.rng, self.hand.jitter
        left, top, right, bottom = mm_box(box)
        height = bottom - top
        size = height * (size_share or self.hand.size)
        margin = px(rng.uniform(1.5, 3.5))
        spacing = [1.0 + rng.uniform(-0.06, 0.10) * j for _ in text]
        width = sum(self.advance(c, size) * s for c, s in zip(text, spacing, strict=True))
        room = right - left - margin - px(1.0)
        if width > room:  # smaller writing, then tighter
            shrink = max(0.55, room / width)
            size *= shrink
            width *= shrink
            if width > room:
                spacing = [s * room / width for s in spacing]
        x = left + margin
        baseline = top + height / 2 + size * 0.38 + rng.uniform(-0.06, 0.06) * height * j
        slope = math.tan(math.radians(rng.uniform(-1.0, 1.0) * j))
        start = x
        for ch, s in zip(text, spacing, strict=True):
            csize = size * (1 + rng.uniform(-0.08, 0.08) * j)
            lift = rng.uniform(-0.05, 0.05) * size * j + (x - start) * slope
            self.glyph(ch, x, baseline + lift, csize, rng.uniform(-4.0, 4.0) * j)
            x += self.advance(ch, size) * s

    def cell(self, ch: str, cell: Box) -> None:
        rng, j = self.rng, self.hand.jitter
        left, top, right, bottom = mm_box(cell)
        size = (bottom - top) * rng.uniform(0.55, 0.75)
        adv = self.advance(ch, size)
        x = (left + right) / 2 - adv / 2 + rng.uniform(-0.08, 0.08) * (right - left) * j
        baseline = (top + bottom) / 2 + size * 0.36 + rng.uniform(-0.06, 0.06) * (bottom - top) * j
        self.glyph(ch, x, baseline, size, rng.uniform(-6.0, 6.0) * j)

    def stroke(self, points: Sequence[tuple[float, float]], width_mm: float = 0.45) -> None:
        """A pen stroke through ``points`` (pixels), a little wobbly."""
        j = self.hand.jitter
        wobbly = [(x + self.rng.uniform(-1.5, 1.5) * j, y + self.rng.uniform(-1.5, 1.5) * j) for x, y in points]
        self.draw.line(wobbly, fill=self.hand.ink, width=max(2, round(px(width_mm))), joint="curve")

    def tick(self, box: Box, label: str = "", label_size: float = 3.2) -> None:
        rng, style = self.rng, self.hand.tick
        left, top, right, bottom = mm_box(box)
        w, h = right - left, bottom - top
        if style == "check":
            self.stroke([(left + 0.1 * w, top + 0.5 * h), (left + 0.42 * w, bottom - 0.08 * h),
                         (right + 0.15 * w * rng.uniform(0.3, 1.0), top - 0.2 * h * rng.uniform(0.2, 1.0))])
        elif style == "cross":
            d = rng.uniform(0.0, 0.12)
            self.stroke([(left + d * w, top + d * h), (right - d * w, bottom - d * h)])
            self.stroke([(right - d * w, top + d * h), (left + d * w, bottom - d * h)])
        elif style == "filled":
            inset = rng.uniform(0.05, 0.18)
            poly = [(left + inset * w + rng.uniform(-2, 2), top + inset * h + rng.uniform(-2, 2)),
                    (right - inset * w + rng.uniform(-2, 2), top + inset * h + rng.uniform(-2, 2)),
                    (right - inset * w + rng.uniform(-2, 2), bottom - inset * h + rng.uniform(-2, 2)),
                    (left + inset * w + rng.uniform(-2, 2), bottom - inset * h + rng.uniform(-2, 2))]
            self.draw.polygon(poly, fill=self.hand.ink)
        elif style == "circle":
            inset = rng.uniform(0.08, 0.2)
            self.draw.ellipse((left + inset * w, top + inset * h, right - inset * w, bottom - inset * h),
                              outline=self.hand.ink, width=max(2, round(px(0.4))))
        else:  # circle_label: a ring around the option's label (and its box), the box left empty
            label_w = px(len(label) * label_size * 0.95 + 1.5)
            x0, x1 = left - 0.4 * w, right + px(1.5) + label_w
            self.draw.ellipse((x0, top - 0.45 * h, x1, bottom + 0.45 * h), outline=self.hand.ink,
                              width=max(2, round(px(0.4))))

    def seal(self, cx: float, cy: float, name: str) -> None:
        """A red seal (朱肉) centred at (cx, cy) px, multiplied over whatever is under it."""
        r = px(self.rng.uniform(5.5, 6.8))
        size = int(2 * r + 8)
        layer = Image.new("RGB", (size, size), "white")
        d = ImageDraw.Draw(layer)
        d.ellipse((4, 4, size - 4, size - 4), outline=SEAL, width=max(3, round(px(0.6))))
        chars = [c for c in name.replace("\u3000", " ").split(" ")[0] if not c.isspace()][:3] or ["印"]
        step = (2 * r * 0.8) / len(chars)
        pen = _Pen(layer, Hand(font="zen-old-mincho", tick="check", ink=SEAL, jitter=0.0), self.rng)
        for i, ch in enumerate(chars):
            csize = min(step * 0.95, r * 1.1)
            adv = pen.advance(ch, csize)
            pen.glyph(ch, size / 2 - adv / 2, size / 2 - r * 0.8 + step * (i + 0.5) + csize * 0.38, csize)
        layer = layer.rotate(self.rng.uniform(-15, 15), fillcolor="white")
        faded = Image.effect_noise((size, size), 60).point(lambda v: 255 if v > 170 else 0)
        layer = Image.composite(Image.new("RGB", (size, size), "white"), layer, faded.convert("L"))
        x0, y0 = round(cx - size / 2), round(cy - size / 2)
        region = self.page.crop((x0, y0, x0 + size, y0 + size))
        self.page.paste(ImageChops.multiply(region, layer), (x0, y0))


def _date_parts(f: FormField, value: Any) -> tuple[str, int, int, int]:
    from ccus.infra.forms_render import era_parts

    return era_parts(value, [o.value for o in f.options])


def _fill_field(pen: _Pen, f: FormField, value: Any, photo: int) -> None:
    if f.kind is FieldKind.TEXT:
        pen.line(str(value), f.box)
    elif f.kind is FieldKind.COMB:
        chars = [c for c in str(value) if not c.isspace() and c not in "-‐－"]
        for cell, ch in zip(comb_cells(f), chars, strict=False):
            pen.cell(ch, cell)
    elif f.kind in (FieldKind.CHOICE, FieldKind.MULTI):
        chosen = set(value) if isinstance(value, (list, tuple, set)) else {value}
        for o in f.options:
            if o.value in chosen:
                pen.tick(o.box, o.label, 2.9 if f.kind is FieldKind.MULTI else 3.2)
    elif f.kind is FieldKind.DATE:
        era, y, m, d = _date_parts(f, value)
        for o in f.options:
            if o.value == era:
                pen.tick(o.box, o.label)
        for part, number in zip(f.parts, (y, m, d), strict=True):
            digits = f"{number:02d}" if pen.hand.lead_zero or number >= 10 else f" {number}"
            for cell, ch in zip(part_cells(part), digits, strict=True):
                pen.cell(ch, cell)
    elif f.kind is FieldKind.MARK:
        name = str(value) if isinstance(value, str) else "署名"
        name_box = Box(f.box.x + 3, f.box.y + f.box.h * 0.2, f.box.w * 0.6, f.box.h * 0.6)
        pen.line(name, name_box, size_share=pen.rng.uniform(0.6, 0.8))
        left, top, right, bottom = mm_box(f.box)
        cx, cy = right - px(12), (top + bottom) / 2
        if pen.hand.seal_over:
            if pen.rng.random() < 0.5:  # over the end of the written name
                cx = mm_box(name_box)[0] + pen.advance("あ", (bottom - top) * 0.45) * len(name) * 0.7
            else:  # half over the row above
                cy = top - px(pen.rng.uniform(0.5, 3.0))
                cx = pen.rng.uniform(left + px(30), right - px(10))
        pen.seal(cx + pen.rng.uniform(-8, 8), cy + pen.rng.uniform(-8, 8), name)
    elif f.kind is FieldKind.PHOTO:
        from ccus.infra.samples import face_image

        img = value if isinstance(value, Image.Image) else face_image(photo)
        left, top, right, bottom = mm_box(f.box.inset(0.5))
        img = img.convert("RGB").resize((right - left, bottom - top))
        img = img.rotate(pen.rng.uniform(-2.5, 2.5), expand=True, fillcolor="white")
        pen.page.paste(img, (left - 2, top - 2))


def fill(form: str | FormSpec, values: Mapping[str, Any], h: Hand, *, seed: int = 0,
         version: int | None = None) -> list[Image.Image]:
    """The form's pages at 300 dpi with ``values`` ({field name: value}) written in by ``h``; a
    later page's identity row repeats the page-1 values unless given on its own."""
    spec = form if isinstance(form, FormSpec) else BY_KEY[form]
    rng = random.Random(f"{spec.key}:{h}:{seed}")
    pages = blank_pages(spec.key, version)
    for page_spec, page in zip(spec.pages, pages, strict=True):
        pen = _Pen(page, h, rng)
        for f in page_spec.fields:
            value = value_for(f, values)  # page 2's identity row: the applicant's name again
            if value in (None, "", [], ()):
                continue
            _fill_field(pen, f, value, photo=rng.randrange(9))
    return pages


# --- scanners -------------------------------------------------------------------------------------

def stain(page: Image.Image, rng: random.Random) -> Image.Image:
    """A coffee ring or a yellowed patch somewhere on the page."""
    w, h = page.size
    small = Image.new("L", (w // 8, h // 8), 0)
    d = ImageDraw.Draw(small)
    cx, cy, r = rng.uniform(0, w / 8), rng.uniform(0, h / 8), rng.uniform(8, 30)
    if rng.random() < 0.5:
        d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=150, width=max(1, round(r / 8)))
    else:
        d.ellipse((cx - r, cy - r * 0.7, cx + r, cy + r * 0.7), fill=110)
    mask = small.filter(ImageFilter.GaussianBlur(2)).resize((w, h), Image.Resampling.BILINEAR)
    tint = Image.new("RGB", (w, h), (196, 160, 110))
    return Image.composite(ImageChops.multiply(page.convert("RGB"), tint), page.convert("RGB"), mask)


def scanner(page: Image.Image, rng: random.Random, kind: str = "300dpi", *, turn: int = 0,
            quality: int | None = None) -> Image.Image:
    """``page`` (300 dpi) as it comes in: ``kind`` 300dpi or 200dpi (a scanner, JPEG 40–80, skew,
    grain; 200 dpi is scanned at 200 and resampled back to the page's 300-dpi grid, as a reader
    rendering the PDF at 300 dpi sees it) or fax (binarised at 200 × 100 dpi, no grey left).
    ``turn`` 180 for a page fed upside down."""
    from ccus.mail_samples import scan

    quality = quality or rng.randrange(40, 81)
    skew = rng.uniform(-3.0, 3.0)
    w, h = page.size
    if rng.random() < 0.15:
        page = stain(page, rng)
    if kind == "300dpi":
        return scan(page, skew=skew, seed=rng.randrange(10**6), turn=turn, quality=quality,
                    blur=rng.choice([0.8, 1.0, 1.3]), noise=rng.uniform(6, 16))
    if kind == "200dpi":
        low = page.resize((round(w * 2 / 3), round(h * 2 / 3)), Image.Resampling.BOX)
        low = scan(low, skew=skew, seed=rng.randrange(10**6), turn=turn, quality=quality,
                   blur=rng.choice([0.5, 0.8]), noise=rng.uniform(5, 12))
        return low.resize((low.width * 3 // 2, low.height * 3 // 2), Image.Resampling.BICUBIC)
    if kind == "fax":
        import numpy as np

        grey = page.convert("L")
        if turn:
            grey = grey.rotate(turn, expand=True)
        grey = grey.rotate(skew, resample=Image.Resampling.BILINEAR, fillcolor=255)
        fine = rng.random() < 0.5
        low = grey.resize((round(grey.width * 204 / 300), round(grey.height * (196 if fine else 98) / 300)),
                          Image.Resampling.BOX)
        arr = np.asarray(low, dtype=np.float32)
        arr += np.random.default_rng(rng.randrange(10**6)).normal(0, 18, arr.shape).astype(np.float32)
        bits = np.where(arr < rng.uniform(120, 165), 0, 255).astype(np.uint8)
        out = Image.fromarray(bits, mode="L").resize(grey.size, Image.Resampling.NEAREST)
        return out.convert("RGB")
    raise ValueError(f"unknown scanner {kind!r}")


# --- page-set faults --------------------------------------------------------------------------------

def drop_page(pages: Sequence[Image.Image], index: int = 1) -> list[Image.Image]:
    """The stack without page ``index`` (0-based): a page that never reached the envelope."""
    return [p for i, p in enumerate(pages) if i != index]


def swap_second_pages(a: Sequence[Image.Image], b: Sequence[Image.Image]
                      ) -> tuple[list[Image.Image], list[Image.Image]]:
    """Two envelopes whose page 2 were swapped (two forms filled at one desk)."""
    a2, b2 = list(a), list(b)
    a2[1], b2[1] = b[1], a[1]
    return a2, b2


# --- values people write ----------------------------------------------------------------------------

SURNAMES: Final = (  # (written, reading, romaji): variant kanji kept as written
    ("五十嵐", "イガラシ", "igarashi"), ("小鳥遊", "タカナシ", "takanashi"), ("渡邊", "ワタナベ", "watanabe"),
    ("齋藤", "サイトウ", "saito"), ("髙橋", "タカハシ", "takahashi"), ("栁田", "ヤナギダ", "yanagida"),
    ("山﨑", "ヤマサキ", "yamasaki"), ("濵田", "ハマダ", "hamada"), ("髙木", "タカギ", "takagi"),
    ("佐藤", "サトウ", "sato"), ("鈴木", "スズキ", "suzuki"), ("長谷川", "ハセガワ", "hasegawa"),
    ("東海林", "ショウジ", "shoji"), ("四月一日", "ワタヌキ", "watanuki"), ("勅使河原", "テシガワラ", "teshigawara"),
)
GIVEN: Final = (
    ("太郎", "タロウ", "taro"), ("慎之介", "シンノスケ", "shinnosuke"), ("美咲", "ミサキ", "misaki"),
    ("翔太", "ショウタ", "shota"), ("由美", "ユミ", "yumi"), ("健一", "ケンイチ", "kenichi"),
    ("陽子", "ヨウコ", "yoko"), ("大輔", "ダイスケ", "daisuke"), ("直樹", "ナオキ", "naoki"),
    ("和也", "カズヤ", "kazuya"), ("結衣", "ユイ", "yui"), ("蓮", "レン", "ren"), ("龍之介", "リュウノスケ", "ryunosuke"),
)
_PLACES: Final = (
    ("東京都新宿区西新宿", "{a}丁目{b}番{c}号"), ("神奈川県横浜市港北区新横浜", "{a}丁目{b}番地{c}"),
    ("大阪府大阪市北区中之島", "{a}丁目{b}番{c}号"), ("北海道札幌市中央区北三条西", "{a}丁目{b}番地"),
    ("福岡県福岡市博多区博多駅前", "{a}丁目{b}番{c}号"), ("宮城県仙台市青葉区一番町", "{a}丁目{b}番{c}号"),
    ("埼玉県さいたま市浦和区高砂", "{a}丁目{b}番{c}号"), ("愛知県名古屋市中村区名駅", "{a}丁目{b}番{c}号"),
)
_BUILDINGS: Final = ("グランドメゾン西新宿", "パークハイツ新横浜", "コーポ髙橋", "ライオンズマンション中之島",
                     "第二齋藤ビル", "サンシャインレジデンス", "メゾン・ド・栁", "ハイツ五十嵐")


def person(rng: random.Random) -> tuple[str, str, str]:
    """(name, reading, romaji for a mail address): a surname from :data:`SURNAMES` half the time
    with a variant kanji."""
    (s, sk, sr), (g, gk, gr) = rng.choice(SURNAMES), rng.choice(GIVEN)
    space = rng.choice([" ", "\u3000", " "])
    return f"{s}{space}{g}", f"{sk} {gk}", f"{gr[0]}.{sr}" if rng.random() < 0.5 else f"{sr}{rng.randrange(10, 99)}"


def address(rng: random.Random) -> str:
    """A postal address as people write it: often long, with a building and a room number."""
    place, rest = rng.choice(_PLACES)
    line = place + rest.format(a=rng.randrange(1, 9), b=rng.randrange(1, 30), c=rng.randrange(1, 25))
    if rng.random() < 0.6:
        line += f" {rng.choice(_BUILDINGS)}{rng.randrange(1, 15)}{rng.randrange(1, 10):02d}号室"
    return line


def company(rng: random.Random) -> tuple[str, str]:
    """(trade name, reading) of a construction business."""
    surname, reading, _ = rng.choice(SURNAMES)
    form = rng.choice([("株式会社{s}建設", "カブシキガイシャ{r}ケンセツ"), ("{s}ヶ丘建設株式会社", "{r}ガオカケンセツカブシキガイシャ"),
                       ("有限会社{s}組", "ユウゲンガイシャ{r}グミ"), ("株式会社{s}工務店", "カブシキガイシャ{r}コウムテン")])
    return form[0].format(s=surname), form[1].format(r=reading)

