"""The page marker (様式コード) and the registration marks every form page carries. Pure.

The marker is a row of square modules printed at the top of the page between the two upper
registration marks: a dark start module, 6 bits of form code, 4 of version, 4 of page number,
4 of page count, a CRC-8 over those 18 bits, and a dark stop module. The reader samples each
module at its known place once the registration marks have fixed the page's geometry; the CRC
rejects a misread (and tells an upside-down page from an upright one).

Chosen over a QR code: no extra dependency (a pure-Python QR *reader* does not exist on the
registry), modules 3.2 mm wide survive blur, noise, JPEG and a 200-dpi render, and reading is a
few dozen pixel means instead of a decoder.
"""

from __future__ import annotations

from dataclasses import dataclass

from ccus.models.forms.spec import Box

MARK_SIZE = 6.0
MARK_INSET = 8.0  # distance of a registration mark's outer edge from the page edge
MODULE_W, MODULE_H = 3.2, 5.0
MARKER_X, MARKER_Y = 45.0, 9.0
DATA_BITS = 18
MODULES = 1 + DATA_BITS + 8 + 1


def mark_centres(page_w: float = 210.0, page_h: float = 297.0) -> list[tuple[float, float]]:
    """Centres of the four registration marks (mm): top-left, top-right, bottom-left, bottom-right."""
    c = MARK_INSET + MARK_SIZE / 2
    return [(c, c), (page_w - c, c), (c, page_h - c), (page_w - c, page_h - c)]


def module_boxes() -> list[Box]:
    return [Box(MARKER_X + i * MODULE_W, MARKER_Y, MODULE_W, MODULE_H) for i in range(MODULES)]


@dataclass(frozen=True)
class Marker:
    code: int
    version: int
    page: int
    pages: int

    def label(self) -> str:
        return f"{self.code:02d}-v{self.version} {self.page}/{self.pages}"


def crc8(bits: list[int]) -> int:
    """CRC-8 (polynomial 0x07) over a bit list, most significant first."""
    crc = 0
    for bit in bits:
        top = (crc >> 7) & 1
        crc = (crc << 1) & 0xFF
        if top ^ bit:
            crc ^= 0x07
    return crc


def _bits(value: int, width: int) -> list[int]:
    return [(value >> (width - 1 - i)) & 1 for i in range(width)]


def _value(bits: list[int]) -> int:
    out = 0
    for b in bits:
        out = (out << 1) | b
    return out


def encode(marker: Marker) -> list[int]:
    """The modules, dark = 1, left to right."""
    if not (0 <= marker.code < 64 and 0 <= marker.version < 16 and 1 <= marker.page < 16 and 1 <= marker.pages < 16):
        raise ValueError(f"marker out of range: {marker}")
    data = _bits(marker.code, 6) + _bits(marker.version, 4) + _bits(marker.page, 4) + _bits(marker.pages, 4)
    return [1, *data, *_bits(crc8(data), 8), 1]


def decode(modules: list[int]) -> Marker | None:
    """The marker the modules spell, or None (wrong length, framing, CRC or page numbers)."""
    if len(modules) != MODULES or modules[0] != 1 or modules[-1] != 1:
        return None
    data, check = modules[1:1 + DATA_BITS], modules[1 + DATA_BITS:-1]
    if crc8(data) != _value(check):
        return None
    marker = Marker(_value(data[:6]), _value(data[6:10]), _value(data[10:14]), _value(data[14:18]))
    if marker.page < 1 or marker.pages < 1 or marker.page > marker.pages:
        return None
    return marker
