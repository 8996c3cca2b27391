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
