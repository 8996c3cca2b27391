"""Finding a form on a scanned page and cutting out its zones (numpy + Pillow; no OCR here).

:func:`locate` finds the four registration marks in the corners of the image, tries the four
ways the page may lie (upright, upside down, turned left or right), fits an affine map from the
form's millimetres to the image's pixels for each and keeps the one whose page marker decodes with
a valid CRC. That map deskews and scales every zone without warping the whole page: each zone is
cut straight from the scan with one affine resample (:func:`crop`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageOps

from ccus.infra.line_reader import read_lines
from ccus.infra.zonal_ocr import read_zones
from ccus.models.forms.catalogue import comb_cells, option_label, part_cells
from ccus.models.forms.marker import MARK_SIZE, Marker, decode, mark_centres, module_boxes
from ccus.models.forms.normalise import Raw
from ccus.models.forms.spec import PAGE_H, PAGE_W, Box, Charset, FieldKind, FormField, Option, PageSpec
from ccus.models.identifiers import corporate_number_is_valid, insurer_number_is_valid, registry_id_is_valid

DETECT_PX_PER_MM = 2.4  # ~61 dpi for finding the marks
OCR_DPI = 300  # zones are read at 300 dpi: at 220, 5 of 60 names were misread against 2
MAX_RESIDUAL_MM = 1.6
Affine = np.ndarray  # 2×3: (x_mm, y_mm, 1) → (x_px, y_px)


@dataclass(frozen=True)
class Located:
    """A form page found on an image: its marker, how it lay, and the mm → px map."""

    marker: Marker
    rotation: int  # degrees clockwise the page content was turned on the image (0, 90, 180, 270)
    affine: tuple[tuple[float, float, float], tuple[float, float, float]]
    residual_mm: float
    paper: float  # grey level of the paper (for ink thresholds)

    def matrix(self) -> Affine:
        return np.array(self.affine, dtype=float)

    def to_px(self, x_mm: float, y_mm: float) -> tuple[float, float]:
        a = self.matrix()
        return (float(a[0, 0] * x_mm + a[0, 1] * y_mm + a[0, 2]), float(a[1, 0] * x_mm + a[1, 1] * y_mm + a[1, 2]))

    def polygon(self, box: Box) -> list[list[int]]:
        """The box's corners on the image (pixels), for showing the zone to a reviewer."""
        corners = [(box.x, box.y), (box.x + box.w, box.y), (box.x + box.w, box.y + box.h), (box.x, box.y + box.h)]
        return [[round(v) for v in self.to_px(x, y)] for x, y in corners]

    @property
    def px_per_mm(self) -> float:
        a = self.matrix()
        return float(np.hypot(a[0, 0], a[1, 0]))


def _otsu(grey: np.ndarray) -> float:
    hist = np.bincount(grey.ravel().astype(np.uint8), minlength=256).astype(float)
    total = hist.sum()
    levels = np.arange(256)
    w0 = np.cumsum(hist)
    m0 = np.cumsum(hist * levels)
    w1 = total - w0
    mean_all = m0[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean_all * w0 / total - m0) ** 2 / (w0 * w1)
    between = np.nan_to_num(between)
    return float(np.argmax(between))


def _grey(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGB")
    return image.convert("L")


def _box_sums(integral: np.ndarray, k: int) -> np.ndarray:
    sums: np.ndarray = integral[k:, k:] - integral[:-k, k:] - integral[k:, :-k] + integral[:-k, :-k]
    return sums


def _mark_scores(dark: np.ndarray, k: int, margin: int) -> np.ndarray:
    """For each window of ``k + 2 × margin`` pixels that fits on ``dark``: how much its inner
    k × k square is darker than the ring around it (1: a black square on white paper). Computed
    on each corner's region only: the middle of the page holds no mark."""
    big = k + 2 * margin
    integral = np.pad(dark, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    hh, ww = dark.shape[0] - big + 1, dark.shape[1] - big + 1
    inner = _box_sums(integral, k)[margin:margin + hh, margin:margin + ww]
    outer = _box_sums(integral, big)
    score: np.ndarray = inner / k**2 - (outer - inner) / (big**2 - k**2)
    return score


def _find_marks(image: Image.Image) -> tuple[list[tuple[float, float] | None], float, float] | None:
    """Centres (px) of the marks near the image corners in clockwise order TL, TR, BR, BL."""
    w, h = image.size
    scale = DETECT_PX_PER_MM / (min(w, h) / PAGE_W)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = _grey(image).resize(size, Image.Resampling.BOX)
    paper = _percentile(small, 90)
    g = np.asarray(small, dtype=np.float32)
    threshold = min(_otsu(g), paper * 0.6)
    dark = (g < threshold).astype(np.int32)
    k = max(3, round(MARK_SIZE * DETECT_PX_PER_MM))
    margin = max(2, round(1.6 * DETECT_PX_PER_MM))
    big = k + 2 * margin
    sh, sw = g.shape
    hh, ww = sh - big + 1, sw - big + 1  # windows that fit on the image
    ry, rx = round(sh * 0.22), round(sw * 0.28)
    regions = [(0, ry, 0, rx), (0, ry, sw - rx, sw), (sh - ry, sh, sw - rx, sw), (sh - ry, sh, 0, rx)]
    found: list[tuple[float, float] | None] = []
    for y0, y1, x0, x1 in regions:
        # score[y, x] is the window whose inner square starts at (y + margin, x + margin)
        ys0, ys1 = max(0, y0 - margin), max(0, min(hh, y1 - margin - k))
        xs0, xs1 = max(0, x0 - margin), max(0, min(ww, x1 - margin - k))
        if ys1 <= ys0 or xs1 <= xs0:
            found.append(None)
            continue
        region = _mark_scores(dark[ys0:ys1 - 1 + big, xs0:xs1 - 1 + big], k, margin)
        idx = int(np.argmax(region))
        yy, xx = divmod(idx, region.shape[1])
        if region[yy, xx] < 0.6:
            found.append(None)
            continue
        cy, cx = ys0 + yy + margin, xs0 + xx + margin
        patch = dark[max(0, cy - 1):cy + k + 1, max(0, cx - 1):cx + k + 1]
        py, px = np.nonzero(patch)
        my, mx = (py.mean(), px.mean()) if len(py) else (k / 2, k / 2)
        found.append(((max(0, cx - 1) + mx + 0.5) / scale, (max(0, cy - 1) + my + 0.5) / scale))
    return found, paper, threshold


def _fit(src: list[tuple[float, float]], dst: list[tuple[float, float]]) -> tuple[Affine, float]:
    a = np.array([[x, y, 1.0] for x, y in src])
    b = np.array(dst)
    sol, *_ = np.linalg.lstsq(a, b, rcond=None)
    affine = sol.T  # 2×3
    pred = a @ sol
    scale = np.hypot(affine[0, 0], affine[1, 0])
    residual = float(np.max(np.hypot(*(pred - b).T)) / scale) if len(src) > 3 else 0.0
    return affine, residual


class _Greys:
    """Grey levels of single pixels of an image, read where asked: the marker's modules and the
    marks are a few hundred points, and converting a whole 300-dpi page to grey first cost more
    than all of them."""

    def __init__(self, image: Image.Image) -> None:
        self.image = image if image.mode in ("RGB", "L") else image.convert("RGB")
        self.pixels = self.image.load()
        self.width, self.height = self.image.size

    def at(self, x: int, y: int) -> float:
        if not (0 <= x < self.width and 0 <= y < self.height):
            return 255.0
        v = self.pixels[x, y]  # type: ignore[index]
        if isinstance(v, tuple):  # ITU-R 601-2 luma, as Image.convert("L")
            return (v[0] * 299 + v[1] * 587 + v[2] * 114) / 1000
        return float(v)


def _sample_means(grey: _Greys, affine: Affine, boxes: Sequence[Box], n: int = 4) -> list[float]:
    """Mean grey of an n × n grid of points inside the middle half of each box (the grid's
    points mapped in one numpy step; the pixels read one by one, see :class:`_Greys`)."""
    steps = (np.arange(n) + 0.5) / n
    xs, ys = [], []
    for box in boxes:
        inner = box.inset(box.w * 0.25, box.h * 0.25)
        x, y = np.meshgrid(inner.x + inner.w * steps, inner.y + inner.h * steps, indexing="ij")
        xs.append(x.ravel())
        ys.append(y.ravel())
    x, y = np.concatenate(xs), np.concatenate(ys)
    px = np.rint(affine[0, 0] * x + affine[0, 1] * y + affine[0, 2]).astype(int).tolist()
    py = np.rint(affine[1, 0] * x + affine[1, 1] * y + affine[1, 2]).astype(int).tolist()
    values = [grey.at(a, b) for a, b in zip(px, py, strict=True)]
    return [float(np.mean(values[i:i + n * n])) for i in range(0, len(values), n * n)]


def locate(image: Image.Image) -> Located | None:
    """The form page on ``image`` (any orientation, up to a few degrees of skew), or None."""
    result = _find_marks(image)
    if result is None:
        return None
    corners, paper, _threshold = result
    if sum(c is not None for c in corners) < 3:
        return None
    grey = _Greys(image)
    form_cw = [mark_centres()[i] for i in (0, 1, 3, 2)]  # TL, TR, BR, BL clockwise
    w, h = image.size
    turns = (0, 2, 1, 3) if h >= w else (1, 3, 0, 2)
    for k in turns:
        src, dst = [], []
        for i, mm in enumerate(form_cw):
            c = corners[(i + k) % 4]
            if c is not None:
                src.append(mm)
                dst.append(c)
        affine, residual = _fit(src, dst)
        if residual > MAX_RESIDUAL_MM:
            continue
        ink = np.mean(_sample_means(grey, affine, [Box(x - 2, y - 2, 4, 4) for x, y in src], 3))
        cut = (ink + paper) / 2
        modules = [1 if v < cut else 0 for v in _sample_means(grey, affine, module_boxes())]
        marker = decode(modules)
        if marker is not None:
            rows = ((float(affine[0, 0]), float(affine[0, 1]), float(affine[0, 2])),
                    (float(affine[1, 0]), float(affine[1, 1]), float(affine[1, 2])))
            return Located(marker, (90 * k) % 360, rows, residual, paper)
    return None


def crop(image: Image.Image, located: Located, box: Box, dpi: int = 300) -> Image.Image:
    """The zone ``box`` (mm) cut from the scan, deskewed and upright, at ``dpi``."""
    k = dpi / 25.4
    a = located.matrix()
    size = (max(1, round(box.w * k)), max(1, round(box.h * k)))
    data = (a[0, 0] / k, a[0, 1] / k, a[0, 0] * box.x + a[0, 1] * box.y + a[0, 2],
            a[1, 0] / k, a[1, 1] / k, a[1, 0] * box.x + a[1, 1] * box.y + a[1, 2])
    src = image if image.mode in ("RGB", "L") else image.convert("RGB")
    return src.transform(size, Image.Transform.AFFINE, data, resample=Image.Resampling.BILINEAR, fillcolor="white")


def dropout(zone: Image.Image) -> Image.Image:
    """Grey image with the form's dropout-coloured frames removed: the red channel of a colour
    scan (the frames are light red, so they read as paper), the grey levels of a grey one."""
    if zone.mode == "RGB":
        return zone.getchannel("R")
    return _grey(zone)


def dropout_page(image: Image.Image) -> Image.Image:
    """The page as :func:`dropout` would leave each zone cut from it: zones whose ink is read
    without the frames can be cut from this one channel instead of from the colour page (the
    same pixels, a third of the resampling)."""
    src = image if image.mode in ("RGB", "L") else image.convert("RGB")
    return src.getchannel("R") if src.mode == "RGB" else src


PAGE_PAPER_SHARE = 0.85  # a zone's paper is never taken darker than this share of the page's paper.
# Measured on the 216 tick boxes of every form, scanned twice (light falling to 0.75 at the right
# edge): an empty box's 95th percentile is 0.87-1.01 of the page's paper (0.87 at x = 165 mm); a
# box filled solid 0.11 as rendered, 0.14-0.15 scanned (also on an edge darkened to 0.72), 0 on a
# fax-like page: its own ink, against which the ink share read ■ as empty. Paper at the darkest
# edge (0.72) stays well above the ink level this floor gives (0.6 × 0.85 = 0.51).


def paper_reference(local: float, page: float) -> float:
    """The paper level ink is measured against: the zone's own (``local``, its 95th percentile,
    which follows a scanner's uneven light) unless that is darker than PAGE_PAPER_SHARE of the
    page's paper (``page``); then the zone is mostly ink (a box filled solid) and the page's paper
    is the reference."""
    return max(local, PAGE_PAPER_SHARE * page, 1.0)


def ink_share(zone: Image.Image, paper: float, *, colour_ink: bool = False, factor: float = 0.6) -> float:
    """Share of the zone covered by ink darker than ``factor`` × paper (see :func:`paper_reference`:
    the zone's paper, or the page's ``paper`` when the zone is mostly ink). ``colour_ink`` counts a
    red seal as ink (grey levels); otherwise the red channel drops the frames (and red ink) out."""
    grey = _grey(zone) if colour_ink else dropout(zone)
    if grey.width * grey.height == 0:
        return 0.0
    hist = np.asarray(grey.histogram()[:256])
    reference = paper_reference(_percentile(grey, 95, hist), paper)
    # share of pixels whose level is under factor × paper, counted from the histogram
    return float(hist[:int(np.ceil(factor * reference))].sum() / hist.sum())


def _percentile(grey: Image.Image, q: float, hist: np.ndarray | None = None) -> float:
    """``np.percentile(levels, q)`` of an 8-bit image (linear interpolation), from its histogram."""
    counts = np.asarray(grey.histogram()[:256]) if hist is None else hist
    cumulative = np.cumsum(counts)
    rank = q / 100 * (int(cumulative[-1]) - 1)
    low = int(np.floor(rank))
    v0 = int(np.searchsorted(cumulative, low + 1))
    v1 = int(np.searchsorted(cumulative, min(low + 2, int(cumulative[-1]))))
    return float(v0 + (rank - low) * (v1 - v0))


def _percentiles(grey: Image.Image, *qs: float) -> list[float]:
    """Percentiles of an 8-bit image's levels, from its histogram (no sort of every pixel)."""
    cumulative = np.cumsum(grey.histogram()[:256])
    total = int(cumulative[-1])
    return [float(np.searchsorted(cumulative, max(1.0, q / 100 * total))) for q in qs]


def has_ink(zone: Image.Image) -> bool:
    """True when something darker than 0.6 × the zone's paper is in it (frames dropped out).
    Empty zones are never sent to Tesseract: on a blank line its LSTM "reads" characters."""
    g = dropout(zone)
    if g.width * g.height == 0:
        return False
    dark, paper = _percentiles(g, 0.3, 95)
    return dark < 0.6 * paper


def _even_paper(g: np.ndarray) -> np.ndarray:
    """A zone with its paper brought to 255 column by column: a scanner's uneven light runs across
    a 135 mm entry box, and one threshold for the whole box would turn its darker end black."""
    paper = np.percentile(np.ascontiguousarray(g.T), 90, axis=1)  # by column; rows are faster
    k = max(1, g.shape[1] // 40)
    paper = np.convolve(np.pad(paper, k, mode="edge"), np.ones(2 * k + 1) / (2 * k + 1), mode="same")[k:-k]
    even: np.ndarray = np.clip(g / np.maximum(paper, 1.0)[None, :] * 255.0, 0, 255)
    return even


INK_LEVEL = 0.5  # of the paper's grey: measured on 105 degraded name/address/reading zones, 0.5
# read 102 exactly, 0.42 and 0.6 read 97 and 98, Otsu's threshold 90 (it follows the grain)


def prepare_for_ocr(zone: Image.Image, pad: int = 12, *, even: bool = True, otsu: bool = False) -> Image.Image:
    """Dropout, paper evened out, black-and-white at half the paper's grey, a white margin.
    ``otsu``: the paper evened out, then Otsu's threshold (the second reading of a doubtful zone).
    ``even=False``: contrast stretched and Otsu's threshold instead (a small comb cell, where the
    light does not change; and the second try for a zone the first left unread). Not for a long
    zone as the second reading: its darker end turns to grain, and on such a line Tesseract 5.5
    has died of SIGFPE."""
    if even:
        g = _even_paper(np.asarray(dropout(zone), dtype=np.float32))
        t = _otsu(g) if otsu else INK_LEVEL * 255
    else:
        g = np.asarray(ImageOps.autocontrast(dropout(zone), cutoff=1), dtype=np.float32)
        t = _otsu(g)
    ink = g <= t
    columns = np.flatnonzero(ink.any(axis=0))  # Tesseract's time grows with the line's width: cut
    if columns.size:  # the blank right part of the box away (a name fills a fifth of its 135 mm box)
        ink = ink[:, max(0, int(columns[0]) - 8):min(ink.shape[1], int(columns[-1]) + 9)]
    bw = np.pad(np.where(ink, 0, 255).astype(np.uint8), pad, constant_values=255)
    return Image.fromarray(bw, mode="L")


def compact_cells(image: Image.Image, located: Located, cells: Sequence[Box], gap: int = 10) -> Image.Image | None:
    """The cells of a comb field cut one by one and set side by side on one short line, empty
    cells left out (None when all are empty): without the wide printed gaps and the group dashes,
    Tesseract reads the digits as one word (measured here: 0 errors in 20 degraded comb fields,
    against 3 when the whole comb was read as printed)."""
    crops = _cut_cells(image, located, cells)
    parts = [prepare_for_ocr(c, pad=0, even=False) for c in crops if has_ink(c)]
    if not parts:
        return None
    height = max(p.height for p in parts)
    line = Image.new("L", (sum(p.width for p in parts) + gap * (len(parts) + 1) + 24, height + 24), 255)
    x = 12 + gap
    for p in parts:
        line.paste(p, (x, 12))
        x += p.width + gap
    return line


def _cut_cells(image: Image.Image, located: Located, cells: Sequence[Box], inset: float = 0.9) -> list[Image.Image]:
    """The insides of ``cells`` at OCR_DPI: the box around them all resampled once (deskewed),
    each cell then sliced out of it, instead of one resample per cell."""
    x0, y0 = min(b.x for b in cells), min(b.y for b in cells)
    x1, y1 = max(b.x + b.w for b in cells), max(b.y + b.h for b in cells)
    whole = crop(image, located, Box(x0, y0, x1 - x0, y1 - y0), dpi=OCR_DPI)
    k = OCR_DPI / 25.4
    return [whole.crop((round((b.x + inset - x0) * k), round((b.y + inset - y0) * k),
                        round((b.x + b.w - inset - x0) * k), round((b.y + b.h - inset - y0) * k))) for b in cells]


def page_size_ok(image: Image.Image) -> bool:
    w, h = image.size
    ratio = max(w, h) / max(1, min(w, h))
    return abs(ratio - PAGE_H / PAGE_W) < 0.12


# --- reading the fields of located pages ---------------------------------------------------------

TICKED, NOT_TICKED = 0.06, 0.025  # share of a tick box's inside covered by ink
AROUND_DPI = 150  # the surroundings of a tick box (its label, the margins) are measured at 150 dpi


@dataclass(frozen=True)
class Around:
    """The ink (True) around one option, cut at AROUND_DPI from ``origin`` (mm): its tick box, the
    margins left and right of it and its printed label with a margin above and below."""

    ink: np.ndarray
    origin: tuple[float, float]
    k: float = AROUND_DPI / 25.4  # px per mm

    def part(self, x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
        """The ink between x0..x1 and y0..y1 (mm on the page)."""
        ox, oy = self.origin
        c0, c1 = max(0, round((x0 - ox) * self.k)), max(0, round((x1 - ox) * self.k))
        r0, r1 = max(0, round((y0 - oy) * self.k)), max(0, round((y1 - oy) * self.k))
        part: np.ndarray = self.ink[r0:max(r0 + 1, r1), c0:max(c0 + 1, c1)]
        return part


def _around(image: Image.Image, located: Located, f: FormField, o: Option) -> Around:
    label = option_label(f, o)
    x0, y0 = o.box.x - 3.0, o.box.y - 2.4
    zone = crop(image, located, Box(x0, y0, label.x + label.w + 3.0 - x0, o.box.h + 4.8), dpi=AROUND_DPI)
    grey = dropout(zone)
    hist = np.asarray(grey.histogram()[:256])
    reference = paper_reference(_percentile(grey, 95, hist), located.paper)
    return Around(np.asarray(grey) < 0.6 * reference, (x0, y0))


def _columns_inked(ink: np.ndarray) -> float:
    """Share of the columns of ``ink`` that hold ink (a stroke running across it covers them all)."""
    return float(ink.any(axis=0).mean()) if ink.size else 0.0


def _rows_inked(ink: np.ndarray) -> float:
    return float(ink.any(axis=1).mean()) if ink.size else 0.0


CIRCLE_ARC, CIRCLE_SIDE = 0.3, 0.5  # shares of the label's width (margins above and below) and of its
# middle height (beside it) that a circle's strokes cross. Measured on forms B1 and W1, blank and
# filled by the renderer, as rendered, scanned, office-scanned and fax-like (every option, 4 × 4
# pages): 0.0 in all three. Circles drawn around labels, closed or tilted and open at the top:
# above 0.38-1.0, below 0.83-1.0, beside 0.91-1.0.


def circled_label(around: Around, f: FormField, o: Option) -> bool:
    """A circle drawn around the option's printed label (instead of a tick): ink in the margin above
    the label and in the one below across most of its width, where nothing is printed, and ink
    beside it (after its end, or before it: between the label and the box, or left of the box).
    Above and below alone are not enough: the circles around the labels over and under this one in
    a multi-choice column reach into both its margins."""
    lb = option_label(f, o)
    above = _columns_inked(around.part(lb.x, lb.x + lb.w, lb.y - 2.0, lb.y - 0.3))
    below = _columns_inked(around.part(lb.x, lb.x + lb.w, lb.y + lb.h + 0.3, lb.y + lb.h + 2.0))
    mid = (lb.y + 0.5, lb.y + lb.h - 0.5)
    sides = (around.part(lb.x + lb.w + 0.3, lb.x + lb.w + 2.5, *mid),
             around.part(o.box.x + o.box.w + 0.2, lb.x - 0.2, *mid),
             around.part(o.box.x - 2.5, o.box.x - 0.3, *mid))
    return above >= CIRCLE_ARC and below >= CIRCLE_ARC and max(_rows_inked(s) for s in sides) >= CIRCLE_SIDE


STRIKE_COVER = 0.8  # share of a row a horizontal stroke covers, in each of the three parts. Measured
# (the least of the three, best row): 0.0 for ✓, ○, ■ and the renderer's ticks, at most 0.2 for a
# 2 mm marker × over the box, 1.0 for a double line through a ticked box (4 conditions as above).


def struck_through(around: Around, f: FormField, o: Option) -> bool:
    """訂正: a horizontal stroke (a line or a double line) through the box that runs on past it on
    both sides: in some row, ink across the margin left of the box, across its inside and across
    the gap between box and label. The strokes of ✓ and × run slanted (a few pixels of a row) and
    a box filled solid stops at its edges; rows are joined ±0.4 mm for a stroke drawn aslant."""
    b, lb = o.box, option_label(f, o)
    rows = (b.y + 0.4, b.y + b.h - 0.4)
    parts = (around.part(b.x - 2.2, b.x - 0.4, *rows), around.part(b.x + 0.6, b.x + b.w - 0.6, *rows),
             around.part(b.x + b.w + 0.3, lb.x - 0.2, *rows))
    reach = max(1, round(0.4 * around.k))
    across = []
    for part in parts:
        full = part.mean(axis=1) >= STRIKE_COVER
        across.append(np.convolve(full, np.ones(2 * reach + 1), mode="same") > 0)
    return bool(np.any(across[0] & across[1] & across[2]))


def _ticks(image: Image.Image, located: Located, f: FormField) -> tuple[tuple[str, ...], float, tuple[str, ...]]:
    """The options ticked in a field, the clarity of the reading (100, or 40 when a box holds too
    little ink to tell or a tick was struck through: the field is then flagged for a reviewer) and
    the options struck through (訂正). A box is ticked by ink inside it (✓, ×, ○, ■) or by a circle
    around its label; a struck-through box is not ticked."""
    ticked, struck, clear = [], [], True
    for o in f.options:
        share = ink_share(crop(image, located, o.box.inset(0.6), dpi=100), located.paper)
        around = _around(image, located, f, o)
        if struck_through(around, f, o):
            clear = False
            struck.append(o.value)
        elif share >= TICKED or circled_label(around, f, o):
            ticked.append(o.value)
        elif share > NOT_TICKED:
            clear = False
    return tuple(ticked), 100.0 if clear else 40.0, tuple(struck)


@dataclass
class _Entry:
    text: str = ""
    ticked: tuple[str, ...] = ()
    parts: list[str] | None = None
    ink: float = 0.0
    confs: list[float] = field(default_factory=list)
    tick_confidence: float = 100.0
    struck: tuple[str, ...] = ()
    check: str | None = None  # the second recogniser's reading of a text or comb zone
    check_parts: list[str] = field(default_factory=list)  # ... of a date's parts
    check_confs: list[float] = field(default_factory=list)
    check_variant: str | None = None  # the second reading with a variant kanji the model saw a trace of

    def raw(self) -> Raw:
        return Raw(text=self.text, confidence=min(self.confs) if self.confs else 0.0, ticked=self.ticked,
                   parts=tuple(self.parts) if self.parts is not None else (), ink=self.ink, check=self.check,
                   check_confidence=min(self.check_confs) if self.check_confs else 0.0,
                   check_parts=tuple(self.check_parts), tick_confidence=self.tick_confidence, struck=self.struck,
                   check_variant=self.check_variant)


def text_layer_fields(words: Sequence[tuple[float, float, float, float, str]], located: Located, dpi: float,
                      page: PageSpec) -> dict[str, str]:
    """Field texts from a PDF page's text layer: the words (x0, top, x1, bottom in points, as
    pdfplumber gives them) whose centre lies in a field's zone, the page image having been
    rendered at ``dpi``; date parts as ``name#0``, ``name#1``, ``name#2``."""
    inverse = np.linalg.inv(np.vstack([located.matrix(), [0.0, 0.0, 1.0]]))
    placed = []
    for x0, top, x1, bottom, text in words:
        cx, cy = (x0 + x1) / 2 * dpi / 72, (top + bottom) / 2 * dpi / 72
        mx, my, _ = inverse @ np.array([cx, cy, 1.0])
        placed.append((float(mx), float(my), text))

    def inside(box: Box) -> str:
        hits = sorted((x, t) for x, y, t in placed if box.x <= x <= box.x + box.w and box.y <= y <= box.y + box.h)
        return " ".join(t for _, t in hits)

    out: dict[str, str] = {}
    for f in page.fields:
        if f.kind in (FieldKind.TEXT, FieldKind.COMB):
            out[f.name] = inside(f.box)
        elif f.kind is FieldKind.DATE:
            for n, part in enumerate(f.parts):
                out[f"{f.name}#{n}"] = inside(part)
    return out


@dataclass
class PageCut:
    """A form page with its zones cut out and its ticks and marks measured: all the reading needs
    of the page, a few hundred kB where the 300-dpi page is 26 MB. A batch keeps only these until
    its one OCR run, so its memory does not grow with its pages."""

    entries: dict[str, _Entry]
    zones: list[tuple[Image.Image, Charset]] = field(default_factory=list)  # to OCR, as prepared
    wanted: list[tuple[_Entry, int]] = field(default_factory=list)  # (field, part) of each zone
    originals: dict[int, Image.Image] = field(default_factory=dict)  # text zones as cut, for a second try
    checked: dict[int, str] = field(default_factory=dict)  # comb fields with a check digit: their rule

    def ink(self, name: str) -> float:
        return self.entries[name].ink


def cut_page(image: Image.Image, located: Located, page: PageSpec, layer: dict[str, str] | None = None) -> PageCut:
    """Cut out and measure every field of a located form page (no OCR yet: see :func:`read_cuts`).
    A page with a text layer (``layer``, from :func:`text_layer_fields`) has its texts from it."""
    cut = PageCut(entries={})
    red = dropout_page(image)  # text, digits and ticks are cut from it (a third of the work)
    for f in page.fields:
        e = cut.entries[f.name] = _Entry()
        if f.kind in (FieldKind.CHOICE, FieldKind.MULTI, FieldKind.DATE):
            e.ticked, clarity, e.struck = _ticks(red, located, f)
            e.confs.append(clarity)
            e.tick_confidence = clarity
        if layer is not None and f.kind in (FieldKind.TEXT, FieldKind.COMB, FieldKind.DATE):
            if f.kind is FieldKind.DATE:
                e.parts = [layer.get(f"{f.name}#{n}", "") for n in range(len(f.parts))]
            else:
                e.text = layer.get(f.name, "")
            e.confs.append(100.0)
        elif f.kind is FieldKind.TEXT:
            zone = crop(red, located, f.box.inset(1.0, 0.9), dpi=OCR_DPI)
            if has_ink(zone):
                cut.zones.append((prepare_for_ocr(zone), f.charset))
                cut.wanted.append((e, 0))
                cut.originals[id(e)] = zone
        elif f.kind is FieldKind.COMB:
            line = compact_cells(red, located, comb_cells(f))
            if line is not None:
                cut.zones.append((line, Charset.DIGITS))
                cut.wanted.append((e, 0))
                if f.rule in CHECK_DIGIT_RULES:
                    cut.checked[id(e)] = f.rule
        elif f.kind is FieldKind.DATE:
            e.parts = ["", "", ""]
            for n, part in enumerate(f.parts):
                line = compact_cells(red, located, part_cells(part))
                if line is not None:
                    cut.zones.append((line, Charset.DIGITS))
                    cut.wanted.append((e, n))
        elif f.kind is FieldKind.MARK:
            e.ink = ink_share(crop(image, located, f.box.inset(1.2), dpi=100), located.paper, colour_ink=True)
            e.confs.append(100.0 if e.ink > 0.01 or e.ink < 0.002 else 40.0)
        elif f.kind is FieldKind.PHOTO:
            e.ink = ink_share(crop(image, located, f.box.inset(1.5), dpi=100), located.paper,
                              colour_ink=True, factor=0.85)
            e.confs.append(100.0 if e.ink > 0.2 or e.ink < 0.01 else 40.0)
    return cut


def read_fields(pages: Sequence[tuple[Image.Image, Located, PageSpec]],
                layers: Sequence[dict[str, str] | None] | None = None) -> list[dict[str, Raw]]:
    """What is written in every field of every page, with ONE OCR run per language for all pages.
    A page with a text layer (``layers[i]``, from :func:`text_layer_fields`) is not OCR'd."""
    return read_cuts([cut_page(image, located, page, layers[i] if layers else None)
                      for i, (image, located, page) in enumerate(pages)])


def _never(_: str) -> bool:
    return False


def _digits_pass(check: Callable[[str], bool]) -> Callable[[str], bool]:
    def passes(text: str) -> bool:
        digits = "".join(text.split())
        return digits.isascii() and digits.isdigit() and check(digits)
    return passes


# Every single misread digit fails these checks (mod 11 with weights 2–7 for registry IDs, the
# 法人番号's mod 9, the 保険者番号's check digit).
CHECK_DIGIT_RULES: dict[str, Callable[[str], bool]] = {
    "registry_id": _digits_pass(lambda d: len(d) == 14 and registry_id_is_valid(d)),
    "corporate_number": _digits_pass(lambda d: len(d) == 13 and corporate_number_is_valid(d)),
    "insurer_number": _digits_pass(lambda d: len(d) == 8 and insurer_number_is_valid(d)),  # 6 digits: no check
}


def read_cuts(cuts: Sequence[PageCut], *, second: bool = True) -> list[dict[str, Raw]]:
    """The fields of cut pages, with ONE Tesseract run per language for all of them (and one more
    run for the inked zones it read nothing in), then every zone read again by the second
    recogniser (PP-OCRv5, :mod:`ccus.infra.line_reader`) unless ``second`` is False: the two
    readings vote in :func:`ccus.models.forms.normalise.normalise`."""
    zones = [z for c in cuts for z in c.zones]
    wanted = [w for c in cuts for w in c.wanted]
    originals = {k: v for c in cuts for k, v in c.originals.items()}
    results = read_zones(zones)
    # Inked text zones Tesseract read nothing in (its line finder gives up on some clean lines):
    # contrast stretched and read again in place of the first reading.
    retry = [i for i, ((e, _), zt) in enumerate(zip(wanted, results, strict=True))
             if not zt.text and id(e) in originals]
    if retry:
        again = read_zones([(prepare_for_ocr(originals[id(wanted[i][0])], even=False), zones[i][1]) for i in retry])
        for i, zt in zip(retry, again, strict=True):
            results[i] = zt
    for (e, slot), zt in zip(wanted, results, strict=True):
        if e.parts is not None:
            e.parts[slot] = zt.text
        else:
            e.text = zt.text
        e.confs.append(zt.confidence if zt.words else 0.0)
    checked = {k: v for c in cuts for k, v in c.checked.items()}
    # A comb whose first reading passes its check digit needs no second: a misread digit fails it.
    to_check = [i for i, (e, _) in enumerate(wanted) if not CHECK_DIGIT_RULES.get(checked.get(id(e), ""), _never)(e.text)]
    if second and to_check:
        # A text zone is read as cut (grey: the recogniser was trained on photographs of text, not
        # on thresholded lines); a comb or date part as its cells set side by side.
        lines = read_lines([originals.get(id(wanted[i][0]), zones[i][0]) for i in to_check])
        for (e, slot), line in zip([wanted[i] for i in to_check], lines, strict=True):
            if e.parts is not None:
                if not e.check_parts:
                    e.check_parts = [""] * len(e.parts)
                e.check_parts[slot] = line.text
                e.check_confs.append(line.confidence)
            else:
                e.check = line.text
                e.check_variant = line.variant
                e.check_confs.append(line.confidence)
    return [{name: e.raw() for name, e in c.entries.items()} for c in cuts]


def flatten_lighting(image: Image.Image) -> Image.Image:
    """Grey page with uneven lighting evened out (each pixel divided by the local paper level).

    A flatbed scan darkens towards one edge; a global threshold (Otsu, in ``infra/ocr.prepare``)
    then cuts the page in a light and a dark half instead of ink from paper, and Tesseract reads
    nothing (seen on a licence copy mailed on an A4 sheet)."""
    from PIL import ImageFilter

    grey = _grey(image)
    w, h = grey.size
    small = grey.resize((max(1, w // 16), max(1, h // 16)), Image.Resampling.BOX)
    paper = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(2)).resize((w, h), Image.Resampling.BILINEAR)
    g = np.asarray(grey, dtype=np.float32)
    p = np.maximum(np.asarray(paper, dtype=np.float32), 1.0)
    out = Image.fromarray(np.clip(g / p * 255.0, 0, 255).astype(np.uint8), mode="L")
    out.info["dpi"] = image.info.get("dpi", (300, 300))
    return out
