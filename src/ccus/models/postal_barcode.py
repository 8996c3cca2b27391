"""Japan Post customer barcode (カスタマバーコード) for bulk mail.

Pure and stdlib-only. Source of every rule below: Japan Post, 「郵便番号・バーコードマニュアル」
(post.japanpost.jp/zipcode/zipmanual/), pages p11-p13 (symbology, sizes, placement), p17-p21
(extraction, truncation, check digit) and p25 (worked examples, used as test vectors).

Structure of one barcode (67 bars):

    STC (2 bars) | postcode 7 + address number 13 = 20 data symbols (60 bars) | check (3) | SPC (2)

The *address number* (住所表示番号) is extracted from the address:

1. NFKC-normalise (full-width digits/letters to ASCII), upper-case letters.
2. Remove ``&``, ``/``, ``・`` and ``.``.
3. Kanji numerals directly in front of 丁目, 丁, 番地, 番, 号, 地割, 線, の or ノ become arabic
   numbers (十一 → 11, 二十一 → 21, 四丁六番十九号 → 4-6-19).
4. Keep arabic digits, ``-`` and *single* letters; everything else in front of a kept character
   (kanji, kana, blanks, runs of two or more letters) becomes one ``-``; repeated ``-`` collapse,
   and a leading ``-`` is dropped.
5. Supplementary rules (visible in Japan Post's examples): an ``F`` right after a digit is the
   floor mark (2F = 2階) and counts as a separator; ``-`` next to a letter is dropped
   (``3-20-5-B604`` → ``3-20-5B604``).

Letters are two symbols each: A-J = CC1 + 0..9, K-T = CC2 + 0..9, U-Z = CC3 + 0..5. The
20 data symbols are cut after the 20th symbol (if a letter straddles the cut, only its control
code is kept) or padded with CC4. The check symbol makes the sum of all data values a multiple
of 19 (digits 0-9 = 0-9, ``-`` = 10, CC1-CC8 = 11-18).

Decisions where the manual assumes a human operator (documented here, kept in this one place):

* The manual applies the rules to 住所B, the part after the town name (町域名). Callers here pass
  the whole address and no town dictionary is available, so kanji numerals in front of the
  *ambiguous* markers 丁, 番, 線, の, ノ are only converted when what follows looks like an
  address number (end, blank, digit, kanji numeral, hyphen) or once an address number has
  already been seen. This keeps town names such as 八丁堀, 三番町, 一ノ宮, 二の丸 intact while
  四丁六番十九号 and 南七線 西28 still come out as Japan Post shows (4-6-19, 7-28). Arabic digits in
  a town name (rare: town names are written with kanji numerals) would be picked up.
* A trailing ``-`` (e.g. ``1-2-3ー``) is dropped before padding; a ``-`` that lands in the 20th
  position through truncation is kept, as in Japan Post's example ``064080429-1524-23-2-``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = [
    "BAR_TYPES",
    "CHECK_VALUES",
    "DATA_SYMBOLS",
    "SYMBOL_BARS",
    "address_number",
    "check_character",
    "customer_barcode_bars",
    "customer_barcode_data",
    "customer_barcode_symbols",
    "data_string_to_symbols",
    "kanji_to_number",
    "normalize_postcode",
    "symbol_bars",
]

#: Bar types: full/long (ロングバー), ascender/upper semi-long (セミロングバー上),
#: descender/lower semi-long (セミロングバー下), timing/short (タイミングバー).
BAR_TYPES: Final[tuple[str, ...]] = ("F", "A", "D", "T")

# Japan Post numbers its bars 1 = long, 2 = semi-long upper, 3 = semi-long lower, 4 = timing and
# publishes each character as three of those numbers (p11 「カスタマバーコードの体系」).
_JP_BAR: Final[dict[str, str]] = {"1": "F", "2": "A", "3": "D", "4": "T"}
_PUBLISHED_TABLE: Final[dict[str, str]] = {
    "1": "114",
    "2": "132",
    "3": "312",
    "4": "123",
    "5": "141",
    "6": "321",
    "7": "213",
    "8": "231",
    "9": "411",
    "0": "144",
    "-": "414",
    "CC1": "324",
    "CC2": "342",
    "CC3": "234",
    "CC4": "432",
    "CC5": "243",
    "CC6": "423",
    "CC7": "441",
    "CC8": "111",
    "STC": "13",
    "SPC": "31",
}

#: symbol -> its bars ('F', 'A', 'D', 'T'); three bars per character, two for STC/SPC.
SYMBOL_BARS: Final[dict[str, tuple[str, ...]]] = {
    sym: tuple(_JP_BAR[n] for n in code) for sym, code in _PUBLISHED_TABLE.items()
}

#: Check-digit values (チェックデジット計算対応表).
CHECK_VALUES: Final[dict[str, int]] = {
    **{str(d): d for d in range(10)},
    "-": 10,
    **{f"CC{n}": 10 + n for n in range(1, 9)},
}
_VALUE_TO_SYMBOL: Final[dict[int, str]] = {v: k for k, v in CHECK_VALUES.items()}

#: Symbols allowed in the 20 data positions and as check character.
DATA_SYMBOLS: Final[frozenset[str]] = frozenset(CHECK_VALUES)

DATA_LENGTH: Final = 20
ADDRESS_LENGTH: Final = 13
TOTAL_BARS: Final = 67
PAD: Final = "CC4"

_KANJI_DIGITS: Final[dict[str, int]] = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_KANJI_UNITS: Final[dict[str, int]] = {"十": 10, "百": 100, "千": 1000}
_KANJI_NUMERAL_CHARS: Final = "".join(_KANJI_DIGITS) + "".join(_KANJI_UNITS)

# Longest alternatives first so that 丁目 wins over 丁 and 番地 over 番.
_STRONG_MARKERS: Final = ("丁目", "番地", "地割", "号")
_WEAK_MARKERS: Final = ("丁", "番", "線", "の", "ノ")
_KANJI_BEFORE_MARKER: Final = re.compile(
    "([" + _KANJI_NUMERAL_CHARS + "]+)(" + "|".join(_STRONG_MARKERS + _WEAK_MARKERS) + ")"
)
_REMOVED_CHARS: Final = frozenset("&/・.")
_ASCII_DIGITS: Final = frozenset("0123456789")
_ASCII_UPPER: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def kanji_to_number(numeral: str) -> str:
    """Kanji numeral to arabic digits: 十一 → '11', 二十一 → '21', 二一 → '21', 百五 → '105'."""
    if not numeral or any(c not in _KANJI_NUMERAL_CHARS for c in numeral):
        raise ValueError(f"not a kanji numeral: {numeral!r}")
    if not any(c in _KANJI_UNITS for c in numeral):
        return "".join(str(_KANJI_DIGITS[c]) for c in numeral)
    total = 0
    current = 0
    for c in numeral:
        if c in _KANJI_UNITS:
            total += (current or 1) * _KANJI_UNITS[c]
            current = 0
        else:
            current = current * 10 + _KANJI_DIGITS[c]
    return str(total + current)


def _convert_kanji_numerals(text: str) -> str:
    """Step 3: kanji numerals in front of the address-number markers become arabic numbers."""
    out: list[str] = []
    pos = 0
    seen_number = False
    for m in _KANJI_BEFORE_MARKER.finditer(text):
        before = text[pos : m.start()]
        out.append(before)
        if any(c in _ASCII_DIGITS for c in before):
            seen_number = True
        numeral, marker = m.group(1), m.group(2)
        nxt = text[m.end()] if m.end() < len(text) else ""
        convert = marker in _STRONG_MARKERS or seen_number or _looks_like_continuation(nxt)
        if convert:
            out.append(kanji_to_number(numeral) + marker)
            seen_number = True
        else:
            out.append(m.group(0))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def _looks_like_continuation(nxt: str) -> bool:
    return (
        nxt == ""
        or nxt.isspace()
        or nxt in _ASCII_DIGITS
        or nxt in _KANJI_NUMERAL_CHARS
        or nxt in "-‐‑–—―−ー"
    )


def address_number(address: str) -> str:
    """The address number (住所表示番号) of ``address``, untruncated: ``'1-3-2-503'``.

    Letters are kept as letters here (``'3-20-5B604'``); see the module docstring for the rules.
    """
    text = unicodedata.normalize("NFKC", address).upper()
    text = "".join(c for c in text if c not in _REMOVED_CHARS)
    text = _convert_kanji_numerals(text)

    tokens: list[str] = []  # kept characters, with "-" for every separator run
    pending_separator = False
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in _ASCII_DIGITS or c == "-":
            keep = c
            length = 1
        elif c in _ASCII_UPPER:
            length = 1
            while i + length < n and text[i + length] in _ASCII_UPPER:
                length += 1
            floor_mark = c == "F" and length == 1 and i > 0 and text[i - 1] in _ASCII_DIGITS
            keep = c if length == 1 and not floor_mark else ""
        else:
            keep = ""
            length = 1
        if keep:
            if pending_separator:
                tokens.append("-")
                pending_separator = False
            tokens.append(keep)
        else:
            pending_separator = True
        i += length

    number = re.sub("-{2,}", "-", "".join(tokens))
    number = re.sub("-(?=[A-Z])|(?<=[A-Z])-", "", number)
    return number.strip("-")


def normalize_postcode(postcode: str) -> str:
    """'〒100-0013', '１００－００１３', '1000013' → '1000013'; anything else raises ValueError."""
    text = unicodedata.normalize("NFKC", postcode)
    digits = "".join(c for c in text if c not in "〒-‐‑–—―−ー \t")
    if len(digits) != 7 or any(c not in _ASCII_DIGITS for c in digits):
        raise ValueError(f"postcode must be 7 digits: {postcode!r}")
    return digits


def _letter_symbols(letter: str) -> tuple[str, str]:
    code = ord(letter) - ord("A")
    if code < 10:
        return ("CC1", str(code))
    if code < 20:
        return ("CC2", str(code - 10))
    return ("CC3", str(code - 20))


def _data_symbols(postcode: str, address: str) -> list[str]:
    symbols = list(normalize_postcode(postcode))
    for c in address_number(address):
        if len(symbols) >= DATA_LENGTH:
            break
        if c in _ASCII_UPPER:
            # If only the control code still fits, it is kept and the digit dropped (p20).
            symbols.extend(_letter_symbols(c))
        else:
            symbols.append(c)
    del symbols[DATA_LENGTH:]
    symbols.extend([PAD] * (DATA_LENGTH - len(symbols)))
    return symbols


def customer_barcode_data(postcode: str, address: str) -> str:
    """The 20 data symbols written the way Japan Post writes them.

    Digits and ``-`` stand for themselves and control codes are spelled ``CC1``..``CC8``, so
    〒100-0013 霞が関1丁目3番2号 郵便プラザ503室 gives ``'10000131-3-2-503CC4CC4CC4CC4'`` and the
    letter J is ``'CC19'``. Exactly 20 symbols; :func:`data_string_to_symbols` splits it again.
    """
    return "".join(_data_symbols(postcode, address))


def data_string_to_symbols(data: str) -> list[str]:
    """Split a string from :func:`customer_barcode_data` back into its symbols."""
    symbols: list[str] = []
    i = 0
    while i < len(data):
        if data.startswith("CC", i):
            sym = data[i : i + 3]
            i += 3
        else:
            sym = data[i]
            i += 1
        if sym not in DATA_SYMBOLS:
            raise ValueError(f"invalid barcode data symbol {sym!r} in {data!r}")
        symbols.append(sym)
    return symbols


def check_character(data_symbols: list[str]) -> str:
    """Check symbol (mod 19) for the 20 data symbols: '0'..'9', '-' or 'CC1'..'CC8'."""
    total = sum(CHECK_VALUES[s] for s in data_symbols)
    return _VALUE_TO_SYMBOL[(19 - total % 19) % 19]


def customer_barcode_symbols(postcode: str, address: str) -> list[str]:
    """['STC', 20 data symbols..., check symbol, 'SPC'] — 23 symbols, 67 bars."""
    data = _data_symbols(postcode, address)
    return ["STC", *data, check_character(data), "SPC"]


def symbol_bars(symbol: str) -> tuple[str, ...]:
    """Bars of one symbol, left to right: 3 for characters, 2 for 'STC'/'SPC'."""
    try:
        return SYMBOL_BARS[symbol]
    except KeyError:
        raise ValueError(f"unknown customer-barcode symbol {symbol!r}") from None


def customer_barcode_bars(postcode: str, address: str) -> tuple[str, ...]:
    """All 67 bars of the barcode, left to right."""
    bars = tuple(b for s in customer_barcode_symbols(postcode, address) for b in symbol_bars(s))
    assert len(bars) == TOTAL_BARS
    return bars


# The address block of a mailed item (宛名): a postcard's address side, a card's mount ----------

def address_block(postcode: str | None, address: str | None, recipient_name: str,
                  honorific: str) -> dict[str, str | None]:
    """What the print shop prints on the address side of a mailed item, as postcards carry it:
    the postcode (``NNN-NNNN``), the address, the addressee with 御中/様, and the customer barcode
    (its 20 data symbols as Japan Post writes them, and the 23 symbols start to stop).

    A card order (カード発注) carries the block of the worker's address as declared at registration
    (the card is mailed to the worker: the guide's pp.10–11, 「技能者には、建設キャリアアップカードを
    送付いたします」). An address or postcode that cannot be read gives ``postcode``/``barcode``
    None: the print shop's manifest shows the row without a barcode instead of a wrong one."""
    try:
        digits = normalize_postcode(postcode or "")
    except ValueError:
        digits = None
    text = unicodedata.normalize("NFC", (address or "").strip()) or None
    name = recipient_name.strip()
    block: dict[str, str | None] = {
        "postcode": f"{digits[:3]}-{digits[3:]}" if digits else None,
        "address": text,
        "recipient_name": name,
        "addressee": f"{name}　{honorific}" if honorific else name,
        "barcode_data": None,
        "barcode_symbols": None,
    }
    if digits and text:
        block["barcode_data"] = customer_barcode_data(digits, text)
        block["barcode_symbols"] = " ".join(customer_barcode_symbols(digits, text))
    return block
