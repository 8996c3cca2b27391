"""The registry's printable forms (申請書・同意書・届出・区切り用紙), one declarative definition each.

A definition lists its rows top to bottom; ``_Page`` lays them out on the A4 grid (label column
on the left, entry area on the right) so that the renderer and the reader share every coordinate.
Changing a layout means a new ``version``: a page marker carries form code, version and page n/N,
and a version the catalogue does not know is flagged instead of read with the wrong zones.
"""

from __future__ import annotations

import unicodedata

from ccus.models.forms.spec import (
    Box,
    Charset,
    FieldKind,
    FormField,
    FormRole,
    FormSpec,
    Heading,
    Note,
    Option,
    PageSpec,
)

LEFT, LABEL_W, RIGHT = 15.0, 45.0, 195.0
VALUE_X = LEFT + LABEL_W
VALUE_W = RIGHT - VALUE_X
TOP = 31.0
BOTTOM = 272.0
CELL_W = 6.5
TICK = 4.5  # side of a tick box
CHAR_MM = 3.6  # width of a printed label character (estimate used for the layout)
LABEL_SIZE = 3.2  # size (mm) of an option's printed label; MULTI labels shrink to fit their column
LABEL_GAP = 1.5  # between a tick box and its label


class _Page:
    """Lays rows out top to bottom; each method adds one row and returns nothing."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.y = TOP
        self.fields: list[FormField] = []
        self.headings: list[Heading] = []
        self.notes: list[Note] = []

    def _row(self, h: float) -> tuple[Box, Box]:
        if self.y + h > BOTTOM:
            raise ValueError(f"page {self.number} overflows at row {len(self.fields) + 1}")
        label, value = Box(LEFT, self.y, LABEL_W, h), Box(VALUE_X, self.y, VALUE_W, h)
        self.y += h
        return label, value

    def heading(self, text: str) -> None:
        self.y += 2.0
        self.headings.append(Heading(text, Box(LEFT, self.y, RIGHT - LEFT, 7.0)))
        self.y += 7.0

    def note(self, text: str, size: float = 3.2) -> None:
        lines = text.count("\n") + 1
        h = lines * size * 1.6 + 1.0
        self.notes.append(Note(text, Box(LEFT, self.y, RIGHT - LEFT, h), size))
        self.y += h

    def _add(self, name: str, label: str, kind: FieldKind, box: Box, rule: str, charset: Charset,
             path: str | None, required: bool, **extra: object) -> None:
        self.fields.append(FormField(name=name, label=label, kind=kind, page=self.number, box=box, rule=rule,
                                     charset=charset, path=path, required=required, **extra))  # type: ignore[arg-type]

    def text(self, name: str, label: str, rule: str = "text", charset: Charset = Charset.TEXT, *,
             path: str | None = "", required: bool = True, h: float = 10.0, width: float = VALUE_W,
             ties: str | None = None) -> None:
        _, value = self._row(h)
        box = Box(value.x, value.y, width, value.h)
        self._add(name, label, FieldKind.TEXT, box, rule, charset, name if path == "" else path, required,
                  ties=ties)

    def comb(self, name: str, label: str, groups: tuple[int, ...], rule: str, *, path: str | None = "",
             required: bool = True, h: float = 10.0, ties: str | None = None) -> None:
        _, value = self._row(h)
        width = sum(groups) * CELL_W + (len(groups) - 1) * 4.0
        box = Box(value.x + 3.0, value.y + 1.2, width, value.h - 2.4)
        self._add(name, label, FieldKind.COMB, box, rule, Charset.DIGITS, name if path == "" else path,
                  required, cells=groups, ties=ties)

    @staticmethod
    def _lines(choices: tuple[tuple[str, str], ...], gap: float) -> int:
        lines, x = 1, VALUE_X + 3.0
        for _, text in choices:
            w = TICK + 1.5 + len(text) * CHAR_MM
            if x + w > RIGHT - 1 and x > VALUE_X + 3.0:
                lines, x = lines + 1, VALUE_X + 3.0
            x += w + gap
        return lines

    def _options(self, value: Box, choices: tuple[tuple[str, str], ...], x: float | None = None,
                 gap: float = 6.0, line_h: float = 8.0) -> tuple[Option, ...]:
        lines = self._lines(choices, gap)
        start = value.x + 3.0 if x is None else x
        out, x, line = [], start, 0
        top = value.y + (value.h - lines * line_h) / 2
        for v, text in choices:
            w = TICK + 1.5 + len(text) * CHAR_MM
            if x + w > RIGHT - 1 and x > start:
                x, line = start, line + 1
            out.append(Option(v, text, Box(x, top + line * line_h + (line_h - TICK) / 2, TICK, TICK)))
            x += w + gap
        return tuple(out)

    def choice(self, name: str, label: str, choices: tuple[tuple[str, str], ...], *, path: str | None = "",
               required: bool = True, h: float = 9.0) -> None:
        h = max(h, self._lines(choices, 6.0) * 8.0 + 1.0)
        _, value = self._row(h)
        self._add(name, label, FieldKind.CHOICE, value, "choice", Charset.NONE, name if path == "" else path,
                  required, options=self._options(value, choices))

    def multi(self, name: str, label: str, choices: tuple[tuple[str, str], ...], *, columns: int = 3,
              path: str | None = "", required: bool = True, row_h: float = 6.2) -> None:
        rows = -(-len(choices) // columns)
        _, value = self._row(rows * row_h + 2.0)
        col_w = (VALUE_W - 3.0) / columns
        options = []
        for i, (v, text) in enumerate(choices):
            r, c = i % rows, i // rows
            options.append(Option(v, text, Box(value.x + 3.0 + c * col_w, value.y + 1.0 + r * row_h + (row_h - TICK) / 2,
                                               TICK, TICK)))
        self._add(name, label, FieldKind.MULTI, value, "multi", Charset.NONE, name if path == "" else path,
                  required, options=tuple(options))

    def date(self, name: str, label: str, eras: tuple[str, ...], *, path: str | None = "",
             required: bool = True, h: float = 10.0, ties: str | None = None) -> None:
        _, value = self._row(h)
        options = self._options(value, tuple((e, e) for e in eras), gap=2.5)
        x = options[-1].box.x + TICK + 1.5 + 2 * CHAR_MM + 5.0
        parts = []
        for _unit in ("年", "月", "日"):
            parts.append(Box(x, value.y + 1.2, 2 * CELL_W, value.h - 2.4))
            x += 2 * CELL_W + 8.0
        box = Box(value.x, value.y, x - value.x, value.h)
        self._add(name, label, FieldKind.DATE, box, "date", Charset.DIGITS, name if path == "" else path,
                  required, options=options, parts=tuple(parts), ties=ties)

    def identity(self, text: str, height: float) -> None:
        """Start the identity row of a later page (1ページ目と同じ氏名…) at the foot of the page,
        below every other row (whose places stay as they were): a heading with ``text``, then the
        rows of ``height`` mm in all that the caller adds with ``ties=``."""
        self.y = max(self.y + 4.0, BOTTOM - height - 9.0)
        self.heading(text)

    def mark(self, name: str, label: str, *, h: float = 20.0) -> None:
        _, value = self._row(h)
        self._add(name, label, FieldKind.MARK, value, "mark", Charset.NONE, None, True)

    def photo(self, name: str, label: str, *, path: str | None = None) -> None:
        _, value = self._row(34.0)
        box = Box(value.x + 3.0, value.y + 2.0, 24.0, 30.0)
        self._add(name, label, FieldKind.PHOTO, box, "photo", Charset.NONE, path, True)

    def build(self) -> PageSpec:
        return PageSpec(self.number, tuple(self.fields), tuple(self.headings), tuple(self.notes))


# --- choices ------------------------------------------------------------------------------------

BUSINESS_TYPES = (("corporation", "法人"), ("sole_proprietor", "個人事業主"), ("one_person_contractor", "一人親方"))
ENROLMENT = (("enrolled", "加入"), ("not_enrolled", "未加入"), ("exempt", "適用除外"))
SEX = (("male", "男"), ("female", "女"), ("unspecified", "回答しない"))
HEALTH_KINDS = (("association", "健康保険"), ("national", "国民健康保険"), ("exempt", "適用除外"), ("other", "その他"))
PENSIONS = (("employees", "厚生年金"), ("national", "国民年金"), ("receiving", "受給者"), ("none", "未加入"))
TIERS = (("basic", "簡略型"), ("detailed", "詳細型"))
IDENTITY_DOCUMENTS = (
    ("drivers_licence", "運転免許証"), ("my_number_card_front", "個人番号カード"),
    ("passport_with_residence_record", "旅券＋住民票"), ("residence_card", "在留カード"),
    ("special_permanent_resident_certificate", "特別永住者証明書"), ("none", "なし"),
)
PROXY_RELATIONS = (("employer", "所属事業者"), ("prime_contractor", "元請"), ("upper_subcontractor", "上位下請"))
CHANGE_KINDS = (("change", "変更"), ("withdrawal", "削除（退会）"))
TRADES = tuple((t, t) for t in (
    "土木工事業", "建築工事業", "大工工事業", "左官工事業", "とび・土工工事業", "石工事業", "屋根工事業",
    "電気工事業", "管工事業", "タイル・れんが・ブロック工事業", "鋼構造物工事業", "鉄筋工事業", "舗装工事業",
    "しゅんせつ工事業", "板金工事業", "ガラス工事業", "塗装工事業", "防水工事業", "内装仕上工事業",
    "機械器具設置工事業", "熱絶縁工事業", "電気通信工事業", "造園工事業", "さく井工事業", "建具工事業",
    "水道施設工事業", "消防施設工事業", "清掃施設工事業", "解体工事業",
))
BIRTH_ERAS = ("昭和", "平成", "令和")
RECENT_ERAS = ("平成", "令和")


# --- the forms ----------------------------------------------------------------------------------

# Version 2 of the two-page application forms prints an identity row at the foot of page 2 (the
# rows above it are where version 1 had them): a page 2 must prove it belongs with its page 1.
TIE_NOTE_PERSON = "1ページ目と同じ氏名・生年月日を記入してください"
TIE_NOTE_BUSINESS = "1ページ目と同じ商号又は名称・法人番号を記入してください"


def _business_registration(version: int = 2) -> FormSpec:
    p1 = _Page(1)
    p1.note("黒のボールペンまたは印字で記入してください。枠の外に書かないでください。数字は1マスに1文字。")
    p1.heading("1. 事業者の情報")
    p1.choice("business_type", "事業者の区分", BUSINESS_TYPES)
    p1.text("trade_name", "商号又は名称")
    p1.text("trade_name_kana", "フリガナ", "kana", Charset.KANA)
    p1.comb("corporate_number", "法人番号", (13,), "corporate_number", required=False)
    p1.text("representative_name", "代表者氏名")
    p1.text("representative_name_kana", "代表者フリガナ", "kana", Charset.KANA)
    p1.comb("postcode", "郵便番号", (3, 4), "postcode")
    p1.text("address", "本店所在地", "address")
    p1.text("phone", "電話番号", "phone", Charset.PHONE, width=80.0)
    p1.text("email", "メールアドレス", "email", Charset.EMAIL)
    p1.text("licence_number", "建設業許可番号", "licence", required=False)
    p1.text("capital_yen", "資本金（円）", "amount", Charset.NUMBER, required=False, width=80.0)
    p1.comb("admin_id_count", "管理者ID数", (3,), "count")
    p2 = _Page(2)
    p2.heading("2. 業種（該当するものすべてに印）")
    p2.multi("trades", "業種", TRADES)
    p2.heading("3. 社会保険の加入状況")
    p2.choice("health", "健康保険", ENROLMENT, path="social_insurance.health")
    p2.choice("pension", "厚生年金保険", ENROLMENT, path="social_insurance.pension")
    p2.choice("employment", "雇用保険", ENROLMENT, path="social_insurance.employment")
    p2.heading("4. 登録責任者")
    p2.text("registrant_name", "登録責任者氏名", path="registrant.name")
    p2.text("registrant_email", "連絡先メール", "email", Charset.EMAIL, path="registrant.email")
    p2.heading("5. 申請日・記名押印")
    p2.date("applied_on", "申請日", RECENT_ERAS, path=None, required=False)
    p2.mark("signature", "記名押印")
    if version >= 2:
        p2.identity(TIE_NOTE_BUSINESS, 20.0)
        p2.text("p2_trade_name", "商号又は名称（1ページ目と同じ）", path=None, ties="trade_name")
        p2.comb("p2_corporate_number", "法人番号（1ページ目と同じ）", (13,), "corporate_number", path=None,
                required=False, ties="corporate_number")
    return FormSpec(2, "B1", version, "事業者情報登録申請書", FormRole.APPLICATION, "business_registration",
                    "application_form", (p1.build(), p2.build()), model="business_registration")


def _worker_registration(proxy: bool, version: int = 2) -> FormSpec:
    p1 = _Page(1)
    p1.note("黒のボールペンまたは印字で記入してください。枠の外に書かないでください。数字は1マスに1文字。")
    p1.heading("1. 技能者本人の情報")
    p1.text("name", "氏名")
    p1.text("name_kana", "フリガナ", "kana", Charset.KANA)
    p1.date("birth_date", "生年月日", BIRTH_ERAS)
    p1.choice("sex", "性別", SEX)
    p1.text("nationality", "国籍", required=False, width=60.0)
    p1.comb("postcode", "郵便番号", (3, 4), "postcode")
    p1.text("address", "住所（本人確認書類のとおり）", "address")
    p1.text("phone", "電話番号", "phone", Charset.PHONE, width=80.0)
    p1.text("email", "メールアドレス", "email", Charset.EMAIL, required=False)
    p1.photo("photo", "顔写真（縦3cm×横2.4cm）")
    p2 = _Page(2)
    p2.heading("2. 所属事業者・職種")
    p2.comb("employer_business_id", "所属事業者ID", (14,), "registry_id", required=proxy)
    p2.text("trade", "職種", width=80.0)
    p2.comb("experience_years", "経験年数", (2,), "count", required=False)
    p2.heading("3. 社会保険")
    p2.choice("health_kind", "健康保険の種類", HEALTH_KINDS, path="health_insurance.kind")
    p2.comb("insurer_number", "保険者番号", (8,), "insurer_number", path="health_insurance.insurer_number",
            required=False)
    p2.choice("pension", "年金", PENSIONS)
    p2.comb("employment_insurance_number", "雇用保険被保険者番号", (4, 6, 1), "employment_insurance",
            required=False)
    p2.heading("4. 登録区分・本人確認書類")
    p2.choice("tier", "登録区分", TIERS)
    p2.choice("identity_document_type", "本人確認書類", IDENTITY_DOCUMENTS)
    if proxy:
        p2.heading("5. 代行申請（代行申請事業者が記入）")
        p2.comb("filer_business_id", "代行申請事業者ID", (14,), "registry_id", path="proxy.filer_business_id")
        p2.choice("relation", "技能者との関係", PROXY_RELATIONS, path="proxy.relation")
    p2.heading("申請日・署名")
    p2.date("applied_on", "申請日", RECENT_ERAS, path=None, required=False)
    p2.mark("signature", "本人署名（代行申請は記名押印）")
    if version >= 2:
        p2.identity(TIE_NOTE_PERSON, 20.0)
        p2.text("p2_name", "氏名（1ページ目と同じ）", path=None, ties="name")
        p2.date("p2_birth_date", "生年月日（1ページ目と同じ）", BIRTH_ERAS, path=None, ties="birth_date")
    if proxy:
        return FormSpec(4, "W2", version, "技能者情報登録申請書（代行申請）", FormRole.APPLICATION,
                        "proxy_worker_registration", "application_form", (p1.build(), p2.build()),
                        model="proxy_worker_registration")
    return FormSpec(3, "W1", version, "技能者情報登録申請書", FormRole.APPLICATION, "worker_registration",
                    "application_form", (p1.build(), p2.build()), model="worker_registration")


_WORKER_CONSENT_TEXT = (
    "私は、下記の代行申請事業者が、建設キャリアアップシステムへの技能者情報の登録申請を\n"
    "私に代わって行うことに同意します。また、申請に必要な本人確認書類等の提出に同意します。"
)
_EMPLOYER_CONSENT_TEXT = (
    "当社は、当社に所属する下記の技能者について、下記の代行申請事業者（元請又は上位下請）が\n"
    "建設キャリアアップシステムへの技能者情報の登録申請を代行することに同意します。"
)


def _worker_consent() -> FormSpec:
    p = _Page(1)
    p.note(_WORKER_CONSENT_TEXT, size=3.6)
    p.heading("技能者本人")
    p.text("worker_name", "技能者氏名", path=None)
    p.text("worker_name_kana", "フリガナ", "kana", Charset.KANA, path=None)
    p.date("birth_date", "生年月日", BIRTH_ERAS, path=None)
    p.heading("代行申請事業者・所属事業者")
    p.text("proxy_business_name", "代行申請事業者名", path=None)
    p.comb("proxy_business_id", "代行申請事業者ID", (14,), "registry_id", path=None)
    p.text("employer_name", "所属事業者名", path=None)
    p.date("signed_on", "同意日", RECENT_ERAS, path=None)
    p.mark("signature", "技能者本人の署名又は記名押印", h=24.0)
    return FormSpec(5, "C1", 1, "代行申請同意書（技能者本人）", FormRole.ATTACHMENT, None, "worker_consent",
                    (p.build(),))


def _employer_consent() -> FormSpec:
    p = _Page(1)
    p.note(_EMPLOYER_CONSENT_TEXT, size=3.6)
    p.heading("所属事業者")
    p.text("employer_name", "所属事業者名", path=None)
    p.comb("employer_business_id", "所属事業者ID", (14,), "registry_id", path=None)
    p.heading("代行申請事業者・技能者")
    p.text("proxy_business_name", "代行申請事業者名", path=None)
    p.comb("proxy_business_id", "代行申請事業者ID", (14,), "registry_id", path=None)
    p.text("worker_name", "技能者氏名", path=None)
    p.date("birth_date", "技能者の生年月日", BIRTH_ERAS, path=None)
    p.date("signed_on", "同意日", RECENT_ERAS, path=None)
    p.mark("signature", "代表者の記名押印", h=24.0)
    return FormSpec(6, "C2", 1, "代行申請同意書（所属事業者）", FormRole.ATTACHMENT, None, "employer_consent",
                    (p.build(),))


def _change_withdrawal() -> FormSpec:
    p = _Page(1)
    p.note("登録内容の変更又は削除（退会）を届け出ます。対象のIDは14桁で記入してください。")
    p.heading("届出の内容")
    p.choice("request", "届出の種類", CHANGE_KINDS, path=None)
    p.comb("target_id", "事業者ID又は技能者ID", (14,), "registry_id", path=None)
    p.text("name", "商号又は氏名", path=None)
    p.text("details", "変更する項目と変更後の内容", path=None, required=False, h=20.0)
    p.text("reason", "理由", path=None, required=False)
    p.date("applied_on", "届出日", RECENT_ERAS, path=None)
    p.mark("signature", "記名押印")
    # The case starts as a change; the ticked 「届出の種類」 decides its kind once read
    # (services/reading/paper_requests.py).
    return FormSpec(7, "X1", 1, "登録内容変更・削除届", FormRole.APPLICATION, "business_change", "application_form",
                    (p.build(),))


def _separator() -> FormSpec:
    return FormSpec(1, "S0", 1, "区切り用紙", FormRole.SEPARATOR, None, "separator", (PageSpec(1, ()),))


FORMS: tuple[FormSpec, ...] = (
    _separator(), _business_registration(), _worker_registration(False), _worker_registration(True),
    _worker_consent(), _employer_consent(), _change_withdrawal(),
)
# Earlier versions still read (blank forms already printed and handed out): version 1 of the
# two-page application forms has no identity row on page 2, so its pages cannot be tied (flagged).
OLDER: tuple[FormSpec, ...] = (
    _business_registration(1), _worker_registration(False, 1), _worker_registration(True, 1),
)
BY_KEY = {f.key: f for f in FORMS}
_BY_CODE_VERSION = {(f.code, f.version): f for f in (*OLDER, *FORMS)}
KNOWN_CODES = {f.code: f for f in FORMS}


def form_for(code: int, version: int) -> FormSpec | None:
    """The definition of form ``code`` at ``version``; None for a version (or code) not in the catalogue."""
    return _BY_CODE_VERSION.get((code, version))


def comb_cells(f: FormField) -> list[Box]:
    """Every cell of a COMB field, left to right (groups are 4 mm apart, with a printed dash)."""
    out, x = [], f.box.x
    for n, group in enumerate(f.cells):
        for _ in range(group):
            out.append(Box(x, f.box.y, CELL_W, f.box.h))
            x += CELL_W
        if n < len(f.cells) - 1:
            x += 4.0
    return out


def part_cells(part: Box) -> list[Box]:
    """The two cells of a date part (year, month or day)."""
    return [Box(part.x, part.y, CELL_W, part.h), Box(part.x + CELL_W, part.y, CELL_W, part.h)]


def label_em(text: str) -> float:
    """Printed width of ``text`` at a size of 1 mm: 1 for a full-width character, 0.55 for others
    (IPAexGothic's advances; a unit test holds this to the font for every label of the catalogue)."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.55 for c in text)


def option_label(f: FormField, o: Option) -> Box:
    """Where an option's label is printed (mm): right of its tick box, from the top of the
    characters to their baseline and a little below (0.88 and 0.12 of the size). The renderer
    prints it here and the reader looks for a circle drawn around it."""
    size = LABEL_SIZE
    em = label_em(o.label)
    if f.kind is FieldKind.MULTI:  # a label never runs into the next column's tick box
        right = min((p.box.x for p in f.options if p.box.x > o.box.x + 1), default=f.box.x + f.box.w)
        size = min(2.9, 0.95 * (right - o.box.x - o.box.w - 3.0) / max(1.0, em))
    baseline = o.box.y + o.box.h - 0.8
    return Box(o.box.x + o.box.w + LABEL_GAP, baseline - 0.88 * size, em * size, size)
