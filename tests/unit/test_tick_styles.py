"""Ticks as applicants draw them: ✓, ×, a box filled solid (■), a small ○ in the box, a circle around
the printed label; a stroke through a box to cancel it. Each style is drawn with Pillow onto a form
page printed by the project's own renderer, at the option's place found by ``locate`` (mm → px),
then read by ``form_reader.cut_page``: on the page as rendered, scanned (skew, uneven light, blur,
grain, JPEG), by a cleaner office scanner (little grain) and fax-like (scanned, then black and
white)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cache

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ccus import mail_samples
from ccus.infra import form_reader
from ccus.models.forms.catalogue import BY_KEY, FORMS, label_em, option_label
from ccus.models.forms.spec import FieldKind, FormField, Option

INK = (28, 28, 40)  # a black ballpoint
PAGE = BY_KEY["B1"].pages[1]  # health / pension / employment (CHOICE), trades (MULTI), applied_on (DATE)
FIELDS = {f.name: f for f in PAGE.fields}


@cache
def _blank() -> Image.Image:
    return mail_samples.pages("B1", {})[1]


@cache
def _blank_located() -> form_reader.Located:
    located = form_reader.locate(_blank())
    assert located is not None
    return located


def _pen(draw: ImageDraw.ImageDraw, mm: float) -> int:
    return max(1, round(mm * _blank_located().px_per_mm))


def _px(x: float, y: float) -> tuple[float, float]:
    return _blank_located().to_px(x, y)


def _check(d: ImageDraw.ImageDraw, f: FormField, o: Option) -> None:  # ✓, its long arm past the box
    b = o.box
    d.line([_px(b.x + 0.6, b.y + 2.4), _px(b.x + 1.8, b.y + 3.9), _px(b.x + 4.8, b.y - 0.7)], fill=INK,
           width=_pen(d, 0.5), joint="curve")


def _cross(d: ImageDraw.ImageDraw, f: FormField, o: Option) -> None:  # × with a ballpoint
    b = o.box.inset(0.6)
    d.line([_px(b.x, b.y), _px(b.x + b.w, b.y + b.h)], fill=INK, width=_pen(d, 0.5))
    d.line([_px(b.x + b.w, b.y), _px(b.x, b.y + b.h)], fill=INK, width=_pen(d, 0.5))


def _bold_cross(d: ImageDraw.ImageDraw, f: FormField, o: Option) -> None:  # × with a marker pen (2 mm)
    b = o.box
    d.line([_px(b.x, b.y), _px(b.x + b.w, b.y + b.h)], fill=INK, width=_pen(d, 2.0))
    d.line([_px(b.x + b.w, b.y), _px(b.x, b.y + b.h)], fill=INK, width=_pen(d, 2.0))


def _solid(d: ImageDraw.ImageDraw, f: FormField, o: Option) -> None:  # ■: the box blacked in
    b = o.box.inset(0.3)
    d.polygon([_px(b.x, b.y), _px(b.x + b.w, b.y), _px(b.x + b.w, b.y + b.h), _px(b.x, b.y + b.h)], fill=INK)


def _ring(d: ImageDraw.ImageDraw, f: FormField, o: Option) -> None:  # a small ○ inside the box
    b = o.box.inset(0.9)
    (x0, y0), (x1, y1) = _px(b.x, b.y), _px(b.x + b.w, b.y + b.h)
    d.ellipse([x0, y0, x1, y1], outline=INK, width=_pen(d, 0.4))


def _circled_label(d: ImageDraw.ImageDraw, f: FormField, o: Option) -> None:  # ○ around the label, box empty
    lb = option_label(f, o)
    (x0, y0), (x1, y1) = _px(lb.x - 1.0, lb.y - 2.0), _px(lb.x + lb.w + 1.4, lb.y + lb.h + 1.8)
    d.ellipse([x0, y0, x1, y1], outline=INK, width=_pen(d, 0.5))


def _hand_circled_label(d: ImageDraw.ImageDraw, f: FormField, o: Option) -> None:
    """A circle around the label as a hand draws it: tighter, tilted 4°, not closed at the top right."""
    lb = option_label(f, o)
    cx, cy, rx, ry, tilt = lb.x + lb.w / 2 + 0.3, lb.y + lb.h / 2 + 0.1, lb.w / 2 + 1.0, lb.h / 2 + 0.9, np.radians(4)
    t = np.radians(np.arange(-60, 265, 5))  # from the top right round to the top, leaving 35° open
    x, y = rx * np.cos(t), ry * np.sin(t)
    points = [_px(cx + a * np.cos(tilt) - b * np.sin(tilt), cy + a * np.sin(tilt) + b * np.cos(tilt))
              for a, b in zip(x, y, strict=True)]
    d.line(points, fill=INK, width=_pen(d, 0.4), joint="curve")


def _speck(d: ImageDraw.ImageDraw, f: FormField, o: Option) -> None:  # a light grey dot of 0.4 mm
    b = o.box
    (x0, y0), (x1, y1) = _px(b.x + 2.0, b.y + 2.0), _px(b.x + 2.4, b.y + 2.4)
    d.ellipse([x0, y0, x1, y1], fill=(150, 150, 150))


def _cancelled(d: ImageDraw.ImageDraw, f: FormField, o: Option) -> None:  # ✓ struck out with 二重線
    _check(d, f, o)
    for dy in (1.7, 2.8):
        d.line([_px(o.box.x - 2.5, o.box.y + dy), _px(o.box.x + o.box.w + 2.8, o.box.y + dy)], fill=INK,
               width=_pen(d, 0.35))


def _solid_struck(d: ImageDraw.ImageDraw, f: FormField, o: Option) -> None:  # ■ struck out with one line
    _solid(d, f, o)
    d.line([_px(o.box.x - 2.6, o.box.y + 2.3), _px(o.box.x + o.box.w + 3.0, o.box.y + 2.1)], fill=INK,
           width=_pen(d, 0.4))


Style = Callable[[ImageDraw.ImageDraw, FormField, Option], None]
TICKS: dict[str, Style] = {"check": _check, "cross": _cross, "bold_cross": _bold_cross, "solid": _solid,
                           "ring": _ring, "circled_label": _circled_label,
                           "hand_circled_label": _hand_circled_label}


def _drawn(marks: list[tuple[str, str, Style]]) -> Image.Image:
    """The blank page with each (field, option value, style) drawn on it."""
    page = _blank().copy()
    d = ImageDraw.Draw(page)
    for name, value, style in marks:
        f = FIELDS[name]
        style(d, f, next(o for o in f.options if o.value == value))
    return page


def _fax(page: Image.Image) -> Image.Image:
    """A fax-like page: scanned with little grain, then black and white (no grey left)."""
    grey = mail_samples.scan(page, seed=5, skew=-0.6, noise=4.0, quality=90).convert("L")
    return grey.point(lambda v: 255 if v > 140 else 0).convert("RGB")


def _edge_darker(page: Image.Image, darkest: float = 0.72) -> Image.Image:
    """A scan whose light falls off to ``darkest`` at the right edge (and a little grain, blur, JPEG)."""
    arr = np.asarray(mail_samples.scan(page, seed=7, skew=0.5, quality=80, noise=3.0), dtype=np.float32)
    # scan() already darkens the right edge by a quarter; bring it down to ``darkest`` in all
    extra = np.linspace(1.0, darkest / 0.75, arr.shape[1], dtype=np.float32)[None, :, None]
    return Image.fromarray(np.clip(arr * extra, 0, 255).astype(np.uint8), mode="RGB")


CONDITIONS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "as_rendered": lambda page: page,
    "scanned": lambda page: mail_samples.scan(page, seed=3, skew=1.2, quality=50, blur=1.0, noise=10.0),
    "office_scanner": lambda page: mail_samples.scan(page, seed=4, skew=-0.7, quality=85, blur=0.6, noise=2.0),
    "fax": _fax,
}


def _read(page: Image.Image) -> dict[str, tuple[tuple[str, ...], float]]:
    """{field: (ticked values, confidence of the ticks)} of the tick fields of the page."""
    located = form_reader.locate(page)
    assert located is not None
    cut = form_reader.cut_page(page, located, PAGE)
    return {f.name: (cut.entries[f.name].ticked, min(cut.entries[f.name].confs)) for f in PAGE.fields
            if f.kind in (FieldKind.CHOICE, FieldKind.MULTI, FieldKind.DATE)}


@pytest.mark.parametrize("condition", list(CONDITIONS))
@pytest.mark.parametrize("style", list(TICKS))
def test_every_tick_style_reads_as_ticked(style: str, condition: str) -> None:
    tick = TICKS[style]
    page = CONDITIONS[condition](_drawn([("health", "not_enrolled", tick), ("trades", "左官工事業", tick),
                                         ("applied_on", "令和", tick)]))
    read = _read(page)
    assert read["health"] == (("not_enrolled",), 100.0)
    assert read["trades"] == (("左官工事業",), 100.0)
    assert read["applied_on"] == (("令和",), 100.0)
    assert read["pension"] == ((), 100.0)  # untouched fields stay empty and clear


@pytest.mark.parametrize("condition", list(CONDITIONS))
def test_empty_boxes_and_a_light_speck_do_not_tick(condition: str) -> None:
    read = _read(CONDITIONS[condition](_drawn([("health", "exempt", _speck), ("trades", "石工事業", _speck)])))
    assert all(ticked == () for ticked, _ in read.values())
    assert read["pension"][1] == 100.0 and read["employment"][1] == 100.0


def test_solid_boxes_on_a_darker_page_edge_are_ticked() -> None:
    """Two choices of a multi-choice field blacked in, in its right-hand column, on a scan whose light
    falls to 0.72 at the right edge: neither choice may vanish."""
    trades = FIELDS["trades"]
    right = [o.value for o in trades.options if o.box.x == max(p.box.x for p in trades.options)][:2]
    read = _read(_edge_darker(_drawn([("trades", v, _solid) for v in right])))
    assert read["trades"] == (tuple(right), 100.0)


@pytest.mark.parametrize("condition", list(CONDITIONS))
def test_a_tick_struck_through_is_flagged_not_read(condition: str) -> None:
    """訂正: a ticked box struck through with a double line (or a blacked-in box with one line) running
    past it on both sides is not a choice; the field is read as not clear (confidence 40) so that a
    reviewer looks at it."""
    page = CONDITIONS[condition](_drawn([("health", "enrolled", _cancelled), ("health", "exempt", _check),
                                         ("trades", "大工工事業", _cancelled), ("employment", "enrolled", _solid_struck),
                                         ("employment", "not_enrolled", _solid)]))
    read = _read(page)
    assert read["health"] == (("exempt",), 40.0)
    assert read["trades"] == ((), 40.0)
    assert read["employment"] == (("not_enrolled",), 40.0)
    assert read["pension"] == ((), 100.0)


@pytest.mark.parametrize("condition", ["as_rendered", "scanned"])
def test_circles_around_two_labels_do_not_tick_the_one_between(condition: str) -> None:
    """Labels one above the other in a multi-choice field: the circles around the first and the third
    reach into the second's margins above and below, which alone do not make a circle."""
    page = CONDITIONS[condition](_drawn([("trades", "土木工事業", _circled_label),
                                         ("trades", "大工工事業", _circled_label)]))
    assert _read(page)["trades"] == (("土木工事業", "大工工事業"), 100.0)


@pytest.mark.parametrize("condition", ["as_rendered", "scanned"])
def test_the_renderers_own_ticks_still_read(condition: str) -> None:
    values = mail_samples.business_values(trades=["とび・土工工事業", "大工工事業", "解体工事業"], health="exempt",
                                          employment="not_enrolled")
    read = _read(CONDITIONS[condition](mail_samples.pages("B1", values)[1]))
    assert read["trades"] == (("大工工事業", "とび・土工工事業", "解体工事業"), 100.0)
    assert read["health"] == (("exempt",), 100.0)
    assert read["employment"] == (("not_enrolled",), 100.0)
    assert read["applied_on"] == (("令和",), 100.0)


def test_the_label_box_is_where_the_font_prints_the_label() -> None:
    """``option_label`` estimates a label's width from its characters; the renderer prints with
    IPAexGothic. The two agree for every option of every form (the reader looks for a circle there)."""
    from PIL import ImageFont

    from ccus.infra.pdf_fonts import font_path

    font = ImageFont.truetype(str(font_path()), size=1000)  # the font forms_render prints with
    for form in FORMS:
        for f in form.fields():
            for o in f.options:
                assert label_em(o.label) == pytest.approx(font.getlength(o.label) / 1000, abs=0.01), o.label


def test_a_struck_tick_is_flagged_on_its_field_with_the_options_named() -> None:
    from ccus.models.forms.normalise import INVALID, LOW_CONFIDENCE, normalise

    page = CONDITIONS["scanned"](_drawn([("health", "enrolled", _cancelled), ("health", "exempt", _check),
                                         ("trades", "大工工事業", _cancelled)]))
    located = form_reader.locate(page)
    assert located is not None
    raws = {name: e.raw() for name, e in form_reader.cut_page(page, located, PAGE).entries.items()}
    health = normalise(BY_KEY["B1"].field("health"), raws["health"])
    assert (health.value, health.status) == ("exempt", LOW_CONFIDENCE) and "訂正線" in (health.reason or "")
    trades = normalise(BY_KEY["B1"].field("trades"), raws["trades"])
    assert trades.status == LOW_CONFIDENCE and "大工工事業" in (trades.reason or "")
    assert normalise(BY_KEY["B1"].field("health"), replace(raws["health"], ticked=())).status == INVALID
