"""Unique, valid test data: every test makes parties of its own on the shared session database."""

from __future__ import annotations

import os
import random
from datetime import date

_rng = random.Random(os.getpid())

_KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"
_KANJI = "山田川本中村小林高橋佐藤鈴木伊渡辺松井石原森"


def corporate_number() -> str:
    """A fresh 法人番号 with a correct check digit."""
    base = f"{_rng.randrange(10**11, 10**12):012d}"
    total = sum(int(d) * (1 if n % 2 == 1 else 2) for n, d in enumerate(reversed(base), start=1))
    return f"{9 - total % 9}{base}"


# Names a scanned form reads cleanly (name and reading at full confidence on 15 scan seeds each,
# skew -0.5 to 0.8°). Random kanji pairs are not names, and Tesseract's Japanese model reads one in
# five of them with low confidence: a test that needs a clean reading takes one of these.
_WRITTEN = (("山田 太郎", "ヤマダ タロウ"), ("佐藤 健一", "サトウ ケンイチ"), ("小林 直樹", "コバヤシ ナオキ"),
            ("伊藤 翔太", "イトウ ショウタ"), ("山本 由美", "ヤマモト ユミ"))


def written_person() -> tuple[str, str, date]:
    """A person for a scanned paper form: a name that reads cleanly; a fresh birth date (name and
    birth date together are what the duplicate check compares)."""
    name, kana = _rng.choice(_WRITTEN)
    born = date(1970 + _rng.randrange(30), 1 + _rng.randrange(12), 1 + _rng.randrange(28))
    return name, kana, born


def person() -> tuple[str, str, date]:
    """A fresh person (name, reading, birth date), aged between 26 and 56 in 2026."""
    kanji = "".join(_rng.choice(_KANJI) for _ in range(2)) + " " + "".join(_rng.choice(_KANJI) for _ in range(2))
    kana = "".join(_rng.choice(_KANA) for _ in range(3)) + " " + "".join(_rng.choice(_KANA) for _ in range(3))
    born = date(1970 + _rng.randrange(30), 1 + _rng.randrange(12), 1 + _rng.randrange(28))
    return kanji, kana, born


def pdf_with_image(width: int, height: int) -> bytes:
    """A one-page A4 PDF that draws one 1-bit image of ``width``×``height`` pixels, all white and
    Flate-compressed, so a 20000×20000 image takes about 50 KB of file (and 50 MB once decoded)."""
    import zlib

    row = (width + 7) // 8
    pixels = zlib.compress(b"\xff" * (row * height), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 1 "
        b"/Filter /FlateDecode /Length %d >>\nstream\n" % (width, height, len(pixels)) + pixels + b"\nendstream",
    ]
    content = b"q 500 0 0 700 47 71 cm /Im0 Do Q"
    objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
