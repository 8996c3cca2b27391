"""From what was read in a zone to a normalised value, or the reason it cannot be trusted. Pure.

Each rule takes the raw reading of one field (OCR text; the ticked options; the era and the three
date parts) and returns a :class:`Reading`: the normalised value, or a status and a Japanese
reason for the reviewer. Nothing that fails its rule is ever passed on as if it were right.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ccus.models.forms.spec import FieldKind, FormField
from ccus.models.forms.variants import differ_only_by_variants, fold_variants, may_hide_variant, variant_count
from ccus.models.identifiers import (
    corporate_number_is_valid,
    employment_insurance_number_is_valid,
    insurer_number_is_valid,
    normalize_postcode,
    registry_id_is_valid,
)
from ccus.models.japanese import (
    is_katakana_reading,
    normalize_digits,
    normalize_phone,
    normalize_text,
    parse_japanese_date,
)

OK, MISSING, INVALID, LOW_CONFIDENCE = "ok", "missing", "invalid", "low_confidence"


@dataclass(frozen=True)
class Raw:
    """What the reader saw in a field's zone(s)."""

    text: str = ""  # OCR text (TEXT, COMB) or the era (DATE)
    confidence: float = 0.0  # 0–100; for ticks and marks, how clear the ink was
    ticked: tuple[str, ...] = ()  # CHOICE, MULTI, DATE (era): option values ticked
    parts: tuple[str, ...] = ()  # DATE: year, month, day as read
    ink: float = 0.0  # MARK, PHOTO: share of the zone covered by ink
    # TEXT, COMB: the second recogniser's reading of the same zone (None: not read by it), and
    # its confidence; DATE: its readings of the three parts. The two readings vote (see
    # :func:`normalise`): equal after the field's normalisation → accepted; different → flagged.
    check: str | None = None
    check_confidence: float = 0.0
    check_parts: tuple[str, ...] = ()
    tick_confidence: float = 100.0  # DATE: how clear the era's tick was (part of ``confidence``)
    struck: tuple[str, ...] = ()  # CHOICE, MULTI: options whose tick was struck through (訂正)
    check_variant: str | None = None  # ``check`` with a variant kanji the second recogniser saw a trace of


@dataclass(frozen=True)
class Reading:
    value: Any
    status: str
    reason: str | None = None
    raw: str = ""
    confidence: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == OK


def _fail(status: str, reason: str, raw: str, conf: float) -> Reading:
    return Reading(None, status, reason, raw, conf)


# Characters OCR confuses with the ones a field may hold. A field that needed one of these is
# read at a lower confidence (the reviewer is asked to look), never silently "corrected" to valid.
_AS_DIGIT = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "I": "1", "l": "1", "|": "1", "i": "1",
                           "Z": "2", "z": "2", "S": "5", "s": "5", "B": "8", "G": "6", "b": "6", "g": "9",
                           "q": "9", "T": "7", "A": "4"})
_AS_KATAKANA = str.maketrans({"工": "エ", "口": "ロ", "力": "カ", "二": "ニ", "一": "ー", "卜": "ト", "八": "ハ",
                              "夕": "タ", "へ": "ヘ", "べ": "ベ", "ぺ": "ペ", "-": "ー", "－": "ー", "—": "ー"})
MAPPED_CONFIDENCE_CAP = 55.0


def _digits_only(s: str) -> str:
    return normalize_digits(unicodedata.normalize("NFKC", s))


def as_digits(text: str) -> tuple[str, bool]:
    """OCR text of a digits-only zone with look-alike letters mapped; True if any was mapped."""
    raw = unicodedata.normalize("NFKC", text)
    mapped = raw.translate(_AS_DIGIT)
    return mapped, mapped != raw


# Readings of the legal-entity words every company name starts or ends with, as OCR garbles them
# (ブ read as プ: the voiced and semi-voiced marks are a few pixels apart on a 300-dpi scan).
_ENTITY_READINGS = {"カプシキガイシャ": "カブシキガイシャ", "カプシキカイシャ": "カブシキガイシャ",
                    "ユウゲンガイシャ": "ユウゲンガイシャ", "ゴウドウガイシャ": "ゴウドウガイシャ",
                    # ャ read at full size (the bench: ガイシヤ in 5 of 9 company readings misread)
                    "カブシキガイシヤ": "カブシキガイシャ", "カプシキガイシヤ": "カブシキガイシャ",
                    "ユウゲンガイシヤ": "ユウゲンガイシャ", "ゴウドウガイシヤ": "ゴウドウガイシャ"}
# Kana that OCR mistakes for one another on scans (measured here: ヌ read as メ or as メヌ in 4 of
# 25 readings holding it, at word confidences of 80-90, so no threshold catches it).
_SEMI_VOICED = re.compile("[パピプペポメヌ]")
# An amount whose separators all stand every three digits (10.000,000): a dot there is a comma
# read with its tail lost, never a decimal point (yen have none). Anything else with a dot is asked.
_GROUPED = re.compile(r"\d{1,3}([,.]\d{3})+")
# In a mail address: a letter that looks like a digit next to a digit (genbal3: l or 1?), any
# capital (addresses are written in small letters: satoO is more likely sato0), and l, I, O, 1 or
# 0 just before the @, where no neighbour tells letter from digit (tanakal@: l or 1?).
_EMAIL_LOOKALIKE = re.compile(r"[lIOoSBbGgZzq](?=[0-9])|(?<=[0-9])[lIOoSBbGgZzq]|[A-Z]|[lI|O01](?=@)")


def as_katakana(text: str, *, confusable: bool = True) -> tuple[str, bool]:
    """A reading with hiragana and kanji look-alikes turned into katakana; True if any was, or
    (``confusable``) if it holds a kana OCR confuses: a semi-voiced one (パピプペポ, read for
    バビブベボ), メ or ヌ."""
    raw = normalize_text(text)
    out = "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in raw.translate(_AS_KATAKANA))
    squashed = out.replace(" ", "")
    for wrong, right in _ENTITY_READINGS.items():
        if wrong in squashed and wrong != right:
            out = squashed.replace(wrong, right)
            squashed = out
    return out, (out.replace(" ", "") != raw.replace(" ", "") and not _entity_only(raw, out)) or (
        confusable and bool(_SEMI_VOICED.search(out)))


def _entity_only(raw: str, out: str) -> bool:
    """True when the only change was a legal-entity reading put right (a sure correction)."""
    fixed = raw.replace(" ", "")
    for wrong, right in _ENTITY_READINGS.items():
        fixed = fixed.replace(wrong, right)
    return fixed == out.replace(" ", "")


_CJK = r"\u3400-\u9fff\uf900-\ufaff々〆"
_KANJI_LOOKALIKES = {"エ": "工", "ロ": "口", "カ": "力", "ニ": "二", "ハ": "八", "タ": "夕", "ト": "卜"}
_STRAY = re.compile(r"[\[\]{}|\\~_^`\"'<>!?;*#$%=@]")
# A lone latin letter inside Japanese words (番l号), or starting one (日本 read as B本 at 89).
_LATIN_IN_JAPANESE = re.compile(rf"(?<=[{_CJK}\u3040-\u30ff])[A-Za-z](?=[{_CJK}\u3040-\u30ff0-9])"
                                rf"|(?<![A-Za-z])[A-Za-z](?=[{_CJK}\u3040-\u30ff])")


# Sure corrections of kana a recogniser reads at the wrong size, where Japanese spelling allows
# only one: ャュョ follow an i-row kana (キャ, シュ; フュ, テュ, デュ in loanwords), ァィゥェォ follow
# the kana that form ファ, ティ, シェ and the like, and ッ stands before a consonant, never before a
# vowel, ヤユヨ, ン, ー or at the end. Seen on the bench: カズャ, ヨウコ read as ョウコ, ツヨシ as ッヨシ.
_YOON_AFTER = set("キシチニヒミリギジヂビピフテデヴ")
_SMALL_VOWEL_AFTER = set("ウクグスズツテデトドフヴシジチ")
_NO_SOKUON_BEFORE = set("アイウエオヤユヨワンーァィゥェォャュョッ")
_LARGE = str.maketrans("ャュョァィゥェォッ", "ヤユヨアイウエオツ")


def small_kana_in_place(reading: str) -> str:
    """A reading with each small kana that cannot stand where it stands made large (カズャ → カズヤ)."""
    chars = list(reading)
    for i, c in enumerate(chars):
        before = chars[i - 1] if i else ""
        after = next((a for a in chars[i + 1:] if a != " "), "")
        if (c in "ャュョ" and before not in _YOON_AFTER) or (c in "ァィゥェォ" and before not in _SMALL_VOWEL_AFTER) or (
                c == "ッ" and (not after or after in _NO_SOKUON_BEFORE)):
            chars[i] = c.translate(_LARGE)
    return "".join(chars)


# 一 (the kanji one) between two katakana is always the long-vowel mark ー (コ一ポ → コーポ).
_CHOONPU_READ_AS_ICHI = re.compile(r"(?<=[\u30a1-\u30fa])一(?=[\u30a1-\u30fa])")
# 川 read as two or three strokes (II, ll, ||, lll) between kanji: 長谷II建設.
_KAWA = re.compile(rf"(?<=[{_CJK}])[Il|]{{2,3}}(?=[{_CJK}]|$)")
# The endings a mail address has: a reading that ends otherwise (.ip for .jp) is asked.
_DOMAIN_ENDINGS = {"jp", "com", "net", "org", "info", "biz", "co", "io", "me", "tokyo", "osaka", "nagoya",
                   "yokohama", "kyoto", "okinawa", "ne", "or", "ac", "go", "ed", "lg", "gr"}


# jp read as ip, sp, je, jo, lp: put right as a suggestion, and asked (never accepted as read).
_JP_MISREAD = re.compile(r"\.(?:[ilsJIS]p|j[eo]|l[pb]|jb)$")


def jp_suggested(address: str) -> str:
    """A mail address whose last label looks like a misread ``jp``, with ``jp`` there."""
    return _JP_MISREAD.sub(".jp", address)


def unusual_domain(address: str) -> bool:
    """True when a mail address's last label is not one Japanese applicants' addresses end with."""
    tail = "".join(address.split()).rsplit(".", 1)
    return len(tail) == 2 and tail[1].lower() not in _DOMAIN_ENDINGS


def as_kanji_in_context(text: str) -> tuple[str, bool]:
    """A katakana that looks like a kanji, standing next to kanji (配管エ, 工口), as that kanji;
    True if any was replaced. Japanese text fields only (a reading keeps its katakana)."""
    near = rf"{_CJK}\u3041-\u309f"  # kanji or hiragana: a lone katakana between them is unusual
    out = re.sub(rf"(?<=[{near}])[エロカニハタト](?![\u30a0-\u30ff])|(?<![\u30a0-\u30ff])[エロカニハタト](?=[{_CJK}])",
                 lambda m: _KANJI_LOOKALIKES[m.group(0)], text)
    return out, out != text


def suspicious(text: str) -> bool:
    """Marks a Japanese text field does not hold but OCR produces from specks and strokes (']' for
    1, '|' for a line) and lone latin letters inside Japanese words (番l号)."""
    return bool(_STRAY.search(text) or _LATIN_IN_JAPANESE.search(text))


def join_japanese(s: str) -> str:
    """Drop the spaces OCR puts between Japanese characters (東京 都 新宿 区 → 東京都新宿区);
    keep those between two latin words."""
    return re.sub(r"(?<=[^\x00-\x7f]) (?=\S)|(?<=\S) (?=[^\x00-\x7f])", "", s)


_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def _text_rule(rule: str, text: str) -> tuple[Any, str | None]:
    """(normalised value, None) or (None, reason) for OCR-read fields."""
    if rule in ("text", "address", "licence"):
        value = join_japanese(normalize_text(text))
        if rule == "licence":
            value = value.replace(" ", "")
        return value, None
    if rule == "kana":
        value = join_japanese(normalize_text(text))
        if not is_katakana_reading(value):
            return None, "フリガナが全角カタカナとして読み取れません。"
        return value, None
    if rule == "email":
        value = "".join(unicodedata.normalize("NFKC", text).split())
        if not _EMAIL.fullmatch(value):
            return None, "メールアドレスとして読み取れません。"
        return value, None
    if rule == "phone":
        try:
            return normalize_phone(text), None
        except ValueError:
            return None, "電話番号として読み取れません（0から始まる10桁または11桁）。"
    if rule == "postcode":
        try:
            return normalize_postcode(_digits_only(text)), None
        except ValueError:
            return None, "郵便番号として読み取れません（7桁）。"
    digits = _digits_only(re.sub(r"[,，.．\s]", "", text) if rule == "amount" else text)
    if not digits.isascii() or not digits.isdigit():
        return None, "数字として読み取れません。"
    if rule == "corporate_number":
        if len(digits) != 13:
            return None, f"法人番号は13桁です（読み取り {len(digits)}桁）。"
        if not corporate_number_is_valid(digits):
            return None, "法人番号のチェックデジットが一致しません。"
        return digits, None
    if rule == "registry_id":
        if len(digits) != 14:
            return None, f"IDは14桁です（読み取り {len(digits)}桁）。"
        if not registry_id_is_valid(digits):
            return None, "IDのチェックデジットが一致しません。"
        return digits, None
    if rule == "insurer_number":
        if not insurer_number_is_valid(digits):
            return None, "保険者番号が正しくありません（8桁・チェックデジット）。"
        return digits, None
    if rule == "employment_insurance":
        if not employment_insurance_number_is_valid(digits):
            return None, "雇用保険被保険者番号は11桁です。"
        return f"{digits[:4]}-{digits[4:10]}-{digits[10:]}", None
    if rule in ("amount", "count"):
        return int(digits), None
    if rule == "digits":
        return digits, None
    raise ValueError(f"unknown rule {rule!r}")


def _date(raw: Raw) -> tuple[Any, str | None]:
    if len(raw.ticked) != 1:
        return None, "元号に印がありません。" if not raw.ticked else "元号に複数の印があります。"
    mapped = [as_digits(p) for p in raw.parts]
    parts = [_digits_only(p) for p, _ in mapped]
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
        return None, "年月日の数字が読み取れません。"
    era, (y, m, d) = raw.ticked[0], (int(p) for p in parts)
    year = "元" if y == 1 else str(y)
    try:
        return parse_japanese_date(f"{era}{year}年{m}月{d}日").isoformat(), None
    except ValueError as exc:
        return None, str(exc)


def is_blank(f: FormField, raw: Raw) -> bool:
    if f.kind in (FieldKind.CHOICE, FieldKind.MULTI):
        return not raw.ticked
    if f.kind is FieldKind.DATE:
        return not raw.ticked and not "".join(raw.parts).strip()
    if f.kind in (FieldKind.MARK, FieldKind.PHOTO):
        return raw.ink < 0.01
    return not raw.text.strip()


def normalise(f: FormField, raw: Raw) -> Reading:
    """Apply ``f``'s rule to what was read; flag what is missing, invalid or not clear enough."""
    shown = raw.text if f.kind not in (FieldKind.CHOICE, FieldKind.MULTI, FieldKind.DATE) else (
        "/".join(raw.ticked) + (" " + "/".join(raw.parts) if raw.parts else ""))
    conf = raw.confidence
    if raw.struck and f.kind in (FieldKind.CHOICE, FieldKind.MULTI):  # a date's struck era: its tick is unclear
        labels = "、".join(o.label for o in f.options if o.value in raw.struck)
        kept = "、".join(o.label for o in f.options if o.value in raw.ticked) or "なし"
        left: Any = list(raw.ticked) if f.kind is FieldKind.MULTI else (raw.ticked[0] if len(raw.ticked) == 1 else None)
        return Reading(left, LOW_CONFIDENCE if left is not None else INVALID,
                       f"訂正線で消された選択肢があります（{labels}）。残った選択（{kept}）でよいか確認してください。",
                       shown, min(conf, 40.0), {"struck": list(raw.struck)})
    if f.kind in (FieldKind.TEXT, FieldKind.COMB) and raw.check is not None:
        return _vote(f, raw)
    if f.kind is FieldKind.DATE and raw.check_parts:
        return _vote_date(f, raw, shown)
    if is_blank(f, raw):
        if f.kind is FieldKind.MULTI and not f.required:
            return Reading([], OK, None, shown, conf)
        if f.required:
            what = {FieldKind.MARK: "署名又は押印がありません。", FieldKind.PHOTO: "顔写真が貼られていません。"}
            return _fail(MISSING, what.get(f.kind, "記入がない、又は読み取れません。"), shown, conf)
        return Reading(None, OK, None, shown, 100.0)
    if f.kind in (FieldKind.MARK, FieldKind.PHOTO):
        return Reading(True, OK if conf >= f.min_confidence else LOW_CONFIDENCE,
                       None if conf >= f.min_confidence else "記入の有無がはっきりしません。", shown, conf)
    if f.kind is FieldKind.CHOICE:
        if len(raw.ticked) > 1:
            return _fail(INVALID, "複数の選択肢に印があります。", shown, conf)
        value: Any = raw.ticked[0]
        reason = None
    elif f.kind is FieldKind.MULTI:
        value, reason = list(raw.ticked), None
    elif f.kind is FieldKind.DATE:
        value, reason = _date(raw)
        if any(as_digits(p)[1] for p in raw.parts):
            conf = min(conf, MAPPED_CONFIDENCE_CAP)
    else:
        value, reason, mapped = _read_text(f, raw.text)
        if mapped:
            conf = min(conf, MAPPED_CONFIDENCE_CAP)
    if reason is not None:
        return _fail(INVALID, reason, shown, conf)
    if conf < f.min_confidence:
        return Reading(value, LOW_CONFIDENCE, f"読み取りの確信度が低い（{conf:.0f}）ため確認してください。", shown, conf)
    return Reading(value, OK, None, shown, conf)


def _read_text(f: FormField, text: str, *, confusable: bool = True) -> tuple[Any, str | None, bool]:
    """A TEXT or COMB field's OCR text → (value, reason it fails its rule, look-alike mapped).
    ``confusable=False``: a reading holding kana one recogniser confuses (パ/バ, メ/ヌ) is not
    doubtful for that alone (two recognisers that read it alike are the check)."""
    mapped = False
    if f.rule == "kana":
        text, mapped = as_katakana(text, confusable=confusable)
        text = small_kana_in_place(text)
    elif f.charset.value in ("digits", "number"):
        text, mapped = as_digits(text)
        mapped = mapped or (f.rule == "amount" and "." in text and not _GROUPED.fullmatch(text.strip()))
    elif f.rule == "email":
        mapped = bool(_EMAIL_LOOKALIKE.search(text)) or unusual_domain(text)  # genbal3: l or 1? .ip? ask
        text = jp_suggested("".join(unicodedata.normalize("NFKC", text).split()))
    elif f.rule in ("text", "address", "licence"):
        text = _CHOONPU_READ_AS_ICHI.sub("ー", join_japanese(normalize_text(text)))
        text, mapped = as_kanji_in_context(text)
        kawa = _KAWA.sub("川", text)
        mapped = mapped or suspicious(kawa) or kawa != text
        text = kawa
    value, reason = _text_rule(f.rule, text)
    return value, reason, mapped


def comparable(rule: str, value: Any) -> Any:
    """A value as compared for accuracy: names and readings without spaces (OCR does not keep the
    space between family and given name reliably), everything else as normalised."""
    if isinstance(value, str) and rule in ("text", "kana", "address", "licence"):
        return "".join(value.split())
    return value


# --- Two recognisers vote -------------------------------------------------------------------

NOTHING_READ = "読み取りなし"


@dataclass(frozen=True)
class _Side:
    text: str
    value: Any
    reason: str | None
    mapped: bool
    confidence: float

    @property
    def valid(self) -> bool:
        return self.reason is None and bool(self.text.strip())

    def shown(self, rule: str) -> str:
        if self.valid:
            return str(self.value)
        if not self.text.strip():
            return NOTHING_READ
        return "".join(normalize_text(self.text).split()) if rule in ("text", "kana", "address") else (
            normalize_text(self.text))


def _side(f: FormField, text: str, confidence: float) -> _Side:
    if not text.strip():
        return _Side("", None, NOTHING_READ, False, 0.0)
    value, reason, mapped = _read_text(f, text, confusable=False)
    return _Side(text, value, reason, mapped, confidence)


_NAMES = ("name", "trade_name", "representative_name", "registrant_name", "worker_name", "employer_name",
          "proxy_business_name")


def _hidden_variant(f: FormField, raw: Raw, value: Any) -> str | None:
    """The reading with a variant kanji in place of a common form, when a variant may hide there:
    the second recogniser saw a trace of one, or (in a name) the common form is one whose variant
    neither recogniser can read. None otherwise."""
    if not isinstance(value, str) or f.rule != "text":
        return None
    if raw.check_variant and fold_variants(raw.check_variant) == fold_variants(raw.check or "") != "":
        read = _read_text(f, raw.check_variant, confusable=False)[0]
        if isinstance(read, str) and read != value:
            return read
    return may_hide_variant(value) if f.name in _NAMES else None


def _vote(f: FormField, raw: Raw) -> Reading:
    """A TEXT or COMB field read by both recognisers (``raw.text``: Tesseract, ``raw.check``:
    PP-OCRv5). Equal after the field's normalisation → accepted, whatever either one's confidence
    (two different engines agreeing on a wrong reading is rare: once in 142 zones measured); the
    same but for variant kanji → the variant kept and flagged; different → the better-supported
    reading kept (one that passes the field's rule over one that fails; between two that pass,
    the second recogniser's, the one that reads handwriting) and the field flagged with both."""
    first, second = _side(f, raw.text, raw.confidence), _side(f, raw.check or "", raw.check_confidence)
    shown = raw.text if raw.text.strip() else (raw.check or "")
    readings = {"second_reading": raw.check or "", "readings": [raw.text, raw.check or ""]}
    if not first.text and not second.text:
        if f.required:
            return _fail(MISSING, "記入がない、又は読み取れません。", shown, 0.0)
        return Reading(None, OK, None, shown, 100.0)
    conf = max(first.confidence, second.confidence)
    if first.valid and second.valid:
        a, b = comparable(f.rule, first.value), comparable(f.rule, second.value)
        if a == b:
            if first.mapped or second.mapped:  # the field's rules doubt it: a stray mark, a letter
                # in Japanese text (日本 read as B本), a look-alike put in place of a digit
                return Reading(second.value, LOW_CONFIDENCE, "読み取りに不自然な文字があります。記入内容を確認してください。",
                               shown, min(conf, MAPPED_CONFIDENCE_CAP), readings)
            maybe = _hidden_variant(f, raw, second.value)
            if maybe is not None:
                return Reading(second.value, LOW_CONFIDENCE,
                               f"異体字で書かれている可能性があります（「{second.value}」又は「{maybe}」）。記入どおりの字体か確認してください。",
                               shown, conf, readings)
            return Reading(second.value, OK, None, shown, conf, readings)
        if isinstance(a, str) and isinstance(b, str) and differ_only_by_variants(a, b):
            kept = first if variant_count(a) > variant_count(b) else second
            return Reading(kept.value, LOW_CONFIDENCE,
                           f"字体の異なる読み取りがあります（「{first.value}」と「{second.value}」）。記入どおりの字体か確認してください。",
                           shown, conf, readings)
    kept = second if second.valid or not first.valid else first
    other = first if kept is second else second
    if not kept.valid:
        return Reading(None, INVALID, kept.reason or first.reason, shown, conf, readings)
    return Reading(kept.value, LOW_CONFIDENCE,
                   f"二つの読み取りが一致しません（「{kept.shown(f.rule)}」と「{other.shown(f.rule)}」）。記入内容を確認してください。",
                   shown, kept.confidence, readings)


def _vote_date(f: FormField, raw: Raw, shown: str) -> Reading:
    """A DATE field whose digits both recognisers read: the era's tick is read once (it is no
    text); the parts must agree. A date either reading cannot make is never accepted."""
    if is_blank(f, raw) and not "".join(raw.check_parts).strip():
        if f.required:
            return _fail(MISSING, "記入がない、又は読み取れません。", shown, 0.0)
        return Reading(None, OK, None, shown, 100.0)
    first, why_first = _date(raw)
    second, why_second = _date(Raw(ticked=raw.ticked, parts=raw.check_parts))
    readings = {"second_reading": "/".join(raw.check_parts), "readings": ["/".join(raw.parts), "/".join(raw.check_parts)]}
    if why_first is not None and why_second is not None:
        return Reading(None, INVALID, why_second, shown, raw.confidence, readings)
    if first == second:
        conf = min(raw.tick_confidence, max(raw.confidence, raw.check_confidence))
        if conf < f.min_confidence:
            return Reading(first, LOW_CONFIDENCE, f"読み取りの確信度が低い（{conf:.0f}）ため確認してください。",
                           shown, conf, readings)
        return Reading(first, OK, None, shown, conf, readings)
    kept, other = (second, first) if why_second is None else (first, second)
    return Reading(kept, LOW_CONFIDENCE,
                   f"二つの読み取りが一致しません（「{kept}」と「{other or NOTHING_READ}」）。記入内容を確認してください。",
                   shown, raw.confidence, readings)
