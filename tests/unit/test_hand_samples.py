"""The hand-fill renderer of the benchmark's corpus (``ccus.hand_samples``): deterministic, every
font and tick style puts its ink where it belongs, variant kanji drawn as themselves.

The npm fonts are fetched into the font cache on first use (``hand_fonts.ensure_fonts``)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageDraw

from ccus import hand_fonts, hand_samples
from ccus.hand_samples import Hand, mm_box
from ccus.models.forms.catalogue import BY_KEY
from ccus.models.forms.spec import Box

FONT_KEYS = [f.key for f in hand_fonts.FONTS]
VARIANTS = "髙栁邊齋﨑濵"


@pytest.fixture(scope="module", autouse=True)
def _fonts() -> None:
    hand_fonts.ensure_fonts()


def _ink(filled: Image.Image, blank: Image.Image, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """Pixels where the pen (or the seal) left something on the blank page."""
    diff = np.asarray(ImageChops.difference(filled, blank).convert("L"))
    mask = diff > 60
    if box is not None:
        inside = np.zeros_like(mask)
        left, top, right, bottom = box
        inside[top:bottom, left:right] = True
        return mask & inside
    return mask


def _grow(b: Box, mm: float) -> tuple[int, int, int, int]:
    return mm_box(Box(b.x - mm, b.y - mm, b.w + 2 * mm, b.h + 2 * mm))


def test_the_same_seed_draws_the_same_page() -> None:
    values = {"worker_name": "髙橋 慎之介", "worker_name_kana": "タカハシ シンノスケ", "proxy_business_id": "12345678901234"}
    h = Hand(font="yomogi", tick="cross", jitter=0.9)
    one = hand_samples.fill("C1", values, h, seed=7)[0]
    two = hand_samples.fill("C1", values, h, seed=7)[0]
    other = hand_samples.fill("C1", values, h, seed=8)[0]
    assert one.tobytes() == two.tobytes()
    assert one.tobytes() != other.tobytes()


@pytest.mark.parametrize("style", hand_samples.TICK_STYLES)
def test_every_tick_style_marks_the_chosen_option_only(style: str) -> None:
    field = BY_KEY["W1"].field("sex")
    blank = hand_samples.blank_pages("W1")[0]
    page = hand_samples.fill("W1", {"sex": "female"}, Hand(font="klee-one", tick=style), seed=1)[0]
    [female] = [o for o in field.options if o.value == "female"]
    other = [o for o in field.options if o.value != "female"]
    if style == "circle_label":  # a ring around the label: ink around the option, none inside its box
        around = _ink(page, blank, _grow(Box(female.box.x, female.box.y, 15.0, female.box.h), 2.5)).sum()
        inside = _ink(page, blank, mm_box(female.box.inset(0.9))).sum()
        assert around > 150 and inside < 0.02 * around
    else:
        left, top, right, bottom = mm_box(female.box)
        share = _ink(page, blank, (left, top, right, bottom)).sum() / ((right - left) * (bottom - top))
        assert share > 0.05, f"{style}: {share:.3f} of the box inked"
    for o in other:
        assert _ink(page, blank, mm_box(o.box)).sum() == 0, f"{style} inked {o.value}"


@pytest.mark.parametrize("font", FONT_KEYS)
def test_every_font_writes_inside_the_box(font: str) -> None:
    form = BY_KEY["C1"]
    name, employer = form.field("worker_name"), form.field("employer_name")
    blank = hand_samples.blank_pages("C1")[0]
    values = {"worker_name": "五十嵐 龍之介", "employer_name": "齋藤ヶ丘建設株式会社 東京都新宿区西新宿二丁目八番一号 第二ビル1203号室"}
    page = hand_samples.fill("C1", values, Hand(font=font, tick="check", jitter=1.0), seed=3)[0]
    everywhere = _ink(page, blank)
    for f in (name, employer):
        assert _ink(page, blank, mm_box(f.box)).sum() > 500, f"{font}: no ink in {f.name}"
    inside = _ink(page, blank, _grow(name.box, 0.5)) | _ink(page, blank, _grow(employer.box, 0.5))
    assert everywhere.sum() == inside.sum(), f"{font}: ink outside the boxes"


@pytest.mark.parametrize("font", FONT_KEYS)
def test_variant_kanji_are_drawn_as_themselves(font: str) -> None:
    face = hand_fonts.face(font)
    for ch, common in zip(VARIANTS, "高柳辺斎崎浜", strict=True):
        drawn = face.font(ch, 64)
        assert drawn is not None and face.has(ch), f"{font} has no {ch}"
        assert hand_fonts.glyph_exists(drawn, ch), f"{font} draws {ch} as a missing glyph"
        mine, theirs = Image.new("L", (80, 80)), Image.new("L", (80, 80))
        ImageDraw.Draw(mine).text((4, 4), ch, font=drawn, fill=255)
        ImageDraw.Draw(theirs).text((4, 4), common, font=face.font(common, 64), fill=255)
        assert mine.tobytes() != theirs.tobytes(), f"{font} draws {ch} as {common}"


def test_a_missing_glyph_is_told_apart() -> None:
    face = hand_fonts.face("yomogi")
    font = face.font("a", 48)
    assert font is not None and not hand_fonts.glyph_exists(font, "\ue123")


def test_the_seal_is_red_and_sits_in_the_mark_row() -> None:
    f = BY_KEY["C1"].field("signature")
    blank = hand_samples.blank_pages("C1")[0]
    page = hand_samples.fill("C1", {"signature": "栁田 結衣"}, Hand(font="yusei-magic", tick="check"), seed=2)[0]
    left, top, right, bottom = mm_box(f.box)
    rgb = np.asarray(page, dtype=np.int16)[top:bottom, left:right]
    red = (rgb[..., 0] > 150) & (rgb[..., 1] < 110) & (rgb[..., 2] < 110)
    assert red.sum() > 200
    assert _ink(page, blank).sum() == _ink(page, blank, _grow(f.box, 8.0)).sum()


@pytest.mark.parametrize("kind", hand_samples.SCANNERS)
def test_scanners_keep_the_page_grid(kind: str) -> None:
    page = hand_samples.blank_pages("C1")[0]
    out = hand_samples.scanner(page, random.Random(1), kind, turn=180)
    assert abs(out.width - page.width) <= 2 and abs(out.height - page.height) <= 2
    grey = np.asarray(out.convert("L"))
    if kind == "fax":
        assert set(np.unique(grey)) <= {0, 255}


def test_page_set_faults() -> None:
    a = [Image.new("RGB", (4, 4), c) for c in ("red", "green")]
    b = [Image.new("RGB", (4, 4), c) for c in ("blue", "white")]
    assert hand_samples.drop_page(a) == [a[0]]
    a2, b2 = hand_samples.swap_second_pages(a, b)
    assert a2 == [a[0], b[1]] and b2 == [b[0], a[1]]


def test_people_write_variant_kanji_and_long_addresses() -> None:
    rng = random.Random(5)
    names = [hand_samples.person(rng)[0] for _ in range(60)]
    assert any(c in "".join(names) for c in VARIANTS)
    addresses = [hand_samples.address(rng) for _ in range(20)]
    assert any("号室" in a for a in addresses) and max(map(len, addresses)) > 30
