"""What a worker declares beyond the basic registration (詳細型), and the items the employer
supplies (所属事業者が記入する項目). Pure (pydantic only, no I/O); part of ``declared.Worker``.

Sources:

- ``DOMAIN.md``: since 2021-04 two tiers, 簡略型 (basic) and 詳細型 (detailed: adds qualifications,
  training, awards, health check); a worker registration also carries experience, health insurance,
  pension, employment insurance and the 建退共/中退共 member numbers.
- Operator's guide p. 9 「所属技能者へお伝えいただきたい申請項目一覧」: what the employer fills in for its
  workers — 健康保険 保険者名称, 年金保険 厚生年金事業所名・事業所番号, 雇用保険 被保険者種別・区分,
  建設業退職金共済制度／中小企業退職金共済制度 被共済者番号, 経歴等記入欄（所属事業者記入用）, and the
  就業履歴データ登録標準API連携認定システム's コード・システム名・技能者個人ID（管理用ID）.
- Operator's guide p. 6–7: 保有資格 are the basis of the worker's evaluation and card colour.

Decisions (no source fixes them): a 厚生年金 事業所番号 and the 建退共/中退共 被共済者番号 are checked as
digits only (their check algorithms are not public); the 被保険者種別 are the four kinds of the
雇用保険法 (一般・高年齢・短期雇用特例・日雇労働); qualifications, training, awards, health checks and
the experience history may be declared only on a 詳細型 registration (the tier that is charged
for them); the employer's items on either tier (the guide asks them of every registration).
Every date is refused when it lies in the future.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ccus.models.japanese import normalize_digits, normalize_text
from ccus.models.qualifications import known_qualification
from ccus.models.text_rules import SafeText

MAX_ENTRIES: Final = 30


def _text(v: str) -> str:
    v = normalize_text(v)
    if not v:
        raise ValueError("入力してください。")
    return v


def _digits(label: str, most: int) -> object:
    def check(v: str) -> str:
        d = normalize_digits(v)
        if not d.isascii() or not d.isdigit() or len(d) > most:
            raise ValueError(f"{label}は{most}桁以内の数字で入力してください。")
        return d
    return check


def _code(v: str) -> str:
    v = normalize_text(v)
    if not re.fullmatch(r"[A-Za-z0-9\-_]{1,20}", v):
        raise ValueError("API連携認定システムのコードは英数字20文字以内で入力してください。")
    return v


def _qualification_name(v: str) -> str:
    known = known_qualification(v)
    if known is None:
        raise ValueError(f"資格名「{normalize_text(v)}」は登録できる資格の一覧にありません"
                         "（正式名称で入力してください。例：登録鉄筋基幹技能者、1級建築施工管理技士）。")
    return known.name


def not_future(label: str, d: date | None) -> None:
    if d is not None and d > date.today():
        raise ValueError(f"{label}が未来の日付です。")
    if d is not None and d.year < 1900:
        raise ValueError(f"{label}が正しくありません。")


Text = Annotated[SafeText, Field(min_length=1, max_length=200), AfterValidator(_text)]
ShortText = Annotated[SafeText, Field(min_length=1, max_length=60), AfterValidator(_text)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Qualification(_Strict):
    """保有資格: its official name (one of ``models/qualifications.KNOWN_QUALIFICATIONS``), the
    certificate's number and the date it was obtained."""

    name: Annotated[SafeText, Field(min_length=1, max_length=100), AfterValidator(_qualification_name)]
    number: ShortText
    obtained_on: date

    @model_validator(mode="after")
    def _dates(self) -> Qualification:
        try:
            not_future("取得日", self.obtained_on)
        except ValueError as exc:
            raise ValueError(f"obtained_on|{exc}") from None
        return self


class Training(_Strict):
    """講習: a course completed (特別教育, 安全衛生教育 …)."""

    name: Text
    completed_on: date
    organiser: Text | None = None

    @model_validator(mode="after")
    def _dates(self) -> Training:
        try:
            not_future("受講日", self.completed_on)
        except ValueError as exc:
            raise ValueError(f"completed_on|{exc}") from None
        return self


class Award(_Strict):
    """表彰: an award received."""

    name: Text
    awarded_on: date
    awarded_by: Text | None = None

    @model_validator(mode="after")
    def _dates(self) -> Award:
        try:
            not_future("受賞日", self.awarded_on)
        except ValueError as exc:
            raise ValueError(f"awarded_on|{exc}") from None
        return self


class HealthCheck(_Strict):
    """健康診断: a check-up taken (一般健康診断, or a 特殊健康診断 of the work)."""

    kind: Literal["general", "special"]
    checked_on: date
    institution: Text | None = None

    @model_validator(mode="after")
    def _dates(self) -> HealthCheck:
        try:
            not_future("受診日", self.checked_on)
        except ValueError as exc:
            raise ValueError(f"checked_on|{exc}") from None
        return self


class Career(_Strict):
    """経歴: a period of work (the employer fills in its own part, guide p. 9)."""

    employer_name: Text
    trade: Text
    from_date: date
    to_date: date | None = None

    @model_validator(mode="after")
    def _dates(self) -> Career:
        for name, label, value in (("from_date", "開始日", self.from_date), ("to_date", "終了日", self.to_date)):
            try:
                not_future(label, value)
            except ValueError as exc:
                raise ValueError(f"{name}|{exc}") from None
        if self.to_date is not None and self.to_date < self.from_date:
            raise ValueError("to_date|経歴の終了日が開始日より前です。")
        return self


class LinkedSystem(_Strict):
    """就業履歴データ登録標準API連携認定システム: its code and name, and the worker's ID in it."""

    code: Annotated[SafeText, Field(max_length=40), AfterValidator(_code)]
    name: Text
    personal_id: ShortText


class EmployerItems(_Strict):
    """所属事業者が記入する項目 (guide p. 9)."""

    health_insurer_name: Text | None = None  # 健康保険 保険者名称
    pension_office_name: Text | None = None  # 厚生年金 事業所名
    pension_office_number: Annotated[SafeText, Field(max_length=20),
                                     AfterValidator(_digits("厚生年金 事業所番号", 10))] | None = None
    employment_insurance_category: Literal["general", "high_age", "short_term", "day_labourer"] | None = None
    kentaikyo_number: Annotated[SafeText, Field(max_length=30),
                                AfterValidator(_digits("建退共 被共済者番号", 15))] | None = None
    chutaikyo_number: Annotated[SafeText, Field(max_length=30),
                                AfterValidator(_digits("中退共 被共済者番号", 15))] | None = None
    linked_system: LinkedSystem | None = None

    @model_validator(mode="after")
    def _office(self) -> EmployerItems:
        if self.pension_office_number and not self.pension_office_name:
            raise ValueError("pension_office_name|厚生年金の事業所番号を入力した場合は事業所名も入力してください。")
        return self


EMPLOYMENT_INSURANCE_CATEGORY_JA: Final = {
    "general": "一般被保険者", "high_age": "高年齢被保険者", "short_term": "短期雇用特例被保険者",
    "day_labourer": "日雇労働被保険者",
}

# The detailed tier's lists (詳細型のみ), with their Japanese names.
DETAILED_ITEMS: Final[dict[str, str]] = {
    "qualifications": "保有資格", "trainings": "講習", "awards": "表彰", "health_checks": "健康診断",
    "careers": "経歴",
}

Qualifications = Annotated[list[Qualification], Field(max_length=MAX_ENTRIES)]
Trainings = Annotated[list[Training], Field(max_length=MAX_ENTRIES)]
Awards = Annotated[list[Award], Field(max_length=MAX_ENTRIES)]
HealthChecks = Annotated[list[HealthCheck], Field(max_length=MAX_ENTRIES)]
Careers = Annotated[list[Career], Field(max_length=MAX_ENTRIES)]


def detailed_errors(tier: str, lists: dict[str, list[object]]) -> str | None:
    """The "field|message" of the first detailed-only list declared on a basic registration; also
    a qualification declared twice."""
    if tier != "detailed":
        for key, items in lists.items():
            if items:
                return f"{key}|{DETAILED_ITEMS[key]}は詳細型（tier: detailed）の申請でのみ申告できます。"
    seen: set[str] = set()
    for n, q in enumerate(lists.get("qualifications", [])):
        assert isinstance(q, Qualification)
        if q.name in seen:
            return f"qualifications.{n}.name|資格「{q.name}」が重複しています。"
        seen.add(q.name)
    return None


class QualificationChange(_Strict):
    """技能者情報の変更申請（資格の追加）: qualifications obtained since registration, each proven by a
    certificate attached as a ``qualification_certificate`` document."""

    qualifications: Annotated[list[Qualification], Field(min_length=1, max_length=MAX_ENTRIES)]

    @model_validator(mode="after")
    def _once(self) -> QualificationChange:
        wrong = detailed_errors("detailed", {"qualifications": list(self.qualifications)})
        if wrong:
            raise ValueError(wrong)
        return self
