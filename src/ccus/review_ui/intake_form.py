"""The counter's application form (窓口受付), generated from the declared-data models.

Every field the internet API accepts for a kind is a field of this form, walked from the pydantic
model in ``models.declared`` (nested models become sections, ``Literal`` a choice, a list one entry
per line). Each input is named by the path the API's errors name (``application.health_insurance.kind``,
``attachments.face_photo``), so an error of ``intake.submit`` lands next to the field it names.
Pure: no I/O.
"""

from __future__ import annotations

import types
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from ccus.models.application_types import ROLE_LABELS_JA, Channel, DocumentRole, Kind, required_documents
from ccus.models.declared import DECLARED_MODELS
from ccus.models.errors import FieldError
from ccus.models.worker_details import DETAILED_ITEMS, EMPLOYMENT_INSURANCE_CATEGORY_JA
from ccus.review_ui.labels import VALUE_JA

PREFIX = "application"
ATTACHMENTS = "attachments"

# Japanese labels of every declared field, by its path inside the declared data.
LABELS_JA: dict[str, str] = {
    "business_type": "事業者区分",
    "trade_name": "商号・名称",
    "trade_name_kana": "商号・名称（フリガナ）",
    "corporate_number": "法人番号",
    "representative_name": "代表者氏名",
    "representative_name_kana": "代表者氏名（フリガナ）",
    "postcode": "郵便番号",
    "address": "住所・所在地",
    "phone": "電話番号",
    "email": "メールアドレス",
    "licence_number": "建設業許可番号",
    "capital_yen": "資本金（円）",
    "trades": "業種",
    "social_insurance": "社会保険加入状況",
    "social_insurance.health": "健康保険",
    "social_insurance.pension": "厚生年金保険",
    "social_insurance.employment": "雇用保険",
    "registrant": "登録責任者",
    "registrant.name": "登録責任者氏名",
    "registrant.email": "登録責任者メールアドレス",
    "admin_id_count": "管理者IDの数",
    "name": "氏名",
    "name_kana": "氏名（フリガナ）",
    "birth_date": "生年月日",
    "sex": "性別",
    "nationality": "国籍",
    "employer_business_id": "所属事業者ID",
    "trade": "職種",
    "experience_years": "経験年数",
    "health_insurance": "健康保険",
    "health_insurance.kind": "健康保険の種類",
    "health_insurance.insurer_number": "保険者番号",
    "pension": "年金保険",
    "employment_insurance_number": "雇用保険被保険者番号",
    "tier": "登録区分",
    "identity_document_type": "本人確認書類の種類",
    "proxy": "代行申請",
    "proxy.filer_business_id": "代行申請者の事業者ID",
    "proxy.relation": "代行申請者との関係",
    # The employer's items (models/worker_details.py, guide p. 9).
    **DETAILED_ITEMS,
    "employer_items": "所属事業者が記入する項目",
    "employer_items.health_insurer_name": "健康保険 保険者名称",
    "employer_items.pension_office_name": "厚生年金 事業所名",
    "employer_items.pension_office_number": "厚生年金 事業所番号",
    "employer_items.employment_insurance_category": "雇用保険 被保険者種別",
    "employer_items.kentaikyo_number": "建退共 被共済者番号",
    "employer_items.chutaikyo_number": "中退共 被共済者番号",
    "employer_items.linked_system": "就業履歴データ登録標準API連携認定システム",
    "employer_items.linked_system.code": "API連携認定システム コード",
    "employer_items.linked_system.name": "API連携認定システム システム名",
    "employer_items.linked_system.personal_id": "技能者個人ID（管理用ID）",
}

HINTS_JA: dict[str, str] = {
    "trade_name_kana": "全角カタカナ",
    "representative_name_kana": "全角カタカナ",
    "name_kana": "全角カタカナ",
    "corporate_number": "13桁（法人のみ）",
    "postcode": "例：163-8001",
    "phone": "例：03-1234-5678",
    "licence_number": "例：東京都知事許可（般-30）第123号",
    "trades": "1行に1業種",
    "employer_business_id": "14桁",
    "proxy.filer_business_id": "14桁",
    "employment_insurance_number": "例：1234-567890-1",
    "identity_document_type": "「なし」は窓口で本人を確認した場合のみ",
}

_ENROLMENT = {"enrolled": "加入", "not_enrolled": "未加入", "exempt": "適用除外"}
CHOICES_JA: dict[str, dict[str, str]] = {
    **VALUE_JA,
    "social_insurance.health": _ENROLMENT,
    "social_insurance.pension": _ENROLMENT,
    "social_insurance.employment": _ENROLMENT,
    "health_insurance.kind": {"association": "協会けんぽ・健康保険組合", "national": "国民健康保険",
                              "exempt": "適用除外", "other": "その他"},
    "pension": {"employees": "厚生年金", "national": "国民年金", "receiving": "受給者", "none": "未加入"},
    "tier": {"basic": "簡略型", "detailed": "詳細型"},
    "employer_items.employment_insurance_category": EMPLOYMENT_INSURANCE_CATEGORY_JA,
}

KIND_TITLES_JA: dict[str, str] = {
    Kind.BUSINESS_REGISTRATION.value: "事業者情報登録申請",
    Kind.WORKER_REGISTRATION.value: "技能者情報登録申請（本人申請）",
    Kind.PROXY_WORKER_REGISTRATION.value: "技能者情報登録申請（代行申請）",
}

# Scans a clerk may attach (every role but the pages of a mail form), most often needed first.
_ATTACH_ORDER = (DocumentRole.FACE_PHOTO, DocumentRole.IDENTITY_DOCUMENT, DocumentRole.WORKER_CONSENT,
                 DocumentRole.EMPLOYER_CONSENT, DocumentRole.REGISTRY_EXTRACT, DocumentRole.LICENCE_COPY,
                 DocumentRole.INSURANCE_PROOF, DocumentRole.QUALIFICATION_CERTIFICATE, DocumentRole.OTHER)


# The detailed tier's repeating groups (資格・講習・表彰・健康診断・経歴, models/worker_details.py) are
# keyed in one entry per line, the entry's items separated by "／" in this order (a "records" field).
RECORD_COLUMNS_JA: dict[str, tuple[tuple[str, str], ...]] = {
    "qualifications": (("name", "資格名"), ("number", "番号"), ("obtained_on", "取得日")),
    "trainings": (("name", "講習名"), ("completed_on", "受講日"), ("organiser", "実施機関")),
    "awards": (("name", "表彰名"), ("awarded_on", "受賞日"), ("awarded_by", "表彰者")),
    "health_checks": (("kind", "種類（general／special）"), ("checked_on", "受診日"), ("institution", "医療機関")),
    "careers": (("employer_name", "事業者名"), ("trade", "職種"), ("from_date", "開始日"), ("to_date", "終了日")),
}
RECORD_SEPARATORS = ("／", "/")

Widget = Literal["text", "email", "date", "number", "select", "lines", "records"]


@dataclass(frozen=True)
class FormField:
    path: str  # the input's name and the path errors name: "application.health_insurance.kind"
    label: str
    widget: Widget
    required: bool
    choices: tuple[tuple[str, str], ...] = ()
    default: str = ""
    hint: str = ""

    @property
    def id(self) -> str:
        return "f-" + self.path.replace(".", "-")


@dataclass(frozen=True)
class Section:
    title: str | None
    fields: tuple[FormField, ...]


@dataclass(frozen=True)
class Attachment:
    role: str
    path: str  # "attachments.face_photo"
    label: str
    need: Literal["required", "conditional", "optional"]

    @property
    def id(self) -> str:
        return "f-" + self.path.replace(".", "-")


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The type behind ``Annotated[...]`` and ``X | None``, and whether None is allowed."""
    optional = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(get_args(annotation))
            if len(args) != 1:
                raise TypeError(f"unsupported union in a declared model: {annotation!r}")
            annotation = args[0]
        else:
            return annotation, optional


def _is_email(annotation: Any) -> bool:
    return getattr(annotation, "__name__", "") == "EmailStr"


def _widget(rel: str, annotation: Any) -> Widget:
    if get_origin(annotation) is Literal:
        return "select"
    if get_origin(annotation) is list:
        return "lines"
    if annotation is date:
        return "date"
    if annotation is int:
        return "number"
    if _is_email(annotation):
        return "email"
    if annotation is str:
        return "text"
    raise TypeError(f"unsupported type of declared field {rel}: {annotation!r}")


def _leaf(rel: str, annotation: Any, required: bool, default: Any) -> FormField:
    if rel in RECORD_COLUMNS_JA:
        hint = "1行に1件：" + "／".join(label for _, label in RECORD_COLUMNS_JA[rel]) + "（詳細型のみ。日付は 2019-06-01 の形）"
        return FormField(path=f"{PREFIX}.{rel}", label=LABELS_JA[rel], widget="records", required=False, hint=hint)
    widget = _widget(rel, annotation)
    names = CHOICES_JA.get(rel, {})
    choices = tuple((str(v), names.get(str(v), str(v))) for v in get_args(annotation)) if widget == "select" else ()
    return FormField(
        path=f"{PREFIX}.{rel}",
        label=LABELS_JA[rel],  # a field without a label is a bug: the unit test names it
        widget=widget,
        required=required,
        choices=choices,
        default="" if default is PydanticUndefined or default is None else str(default),
        hint=HINTS_JA.get(rel, ""),
    )


def _walk(model: type[BaseModel], base: str = "", optional_section: bool = False) -> list[Section]:
    sections: list[Section] = []
    current: list[FormField] = []
    for name, info in model.model_fields.items():
        rel = f"{base}{name}"
        annotation, optional = _unwrap(info.annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if current:
                sections.append(Section(LABELS_JA.get(base.rstrip(".")) if base else None, tuple(current)))
                current = []
            sections.extend(_walk(annotation, rel + ".", optional_section or optional or not info.is_required()))
            continue
        current.append(_leaf(rel, annotation, info.is_required() and not optional and not optional_section,
                             info.default))
    if current:
        sections.append(Section(LABELS_JA.get(base.rstrip(".")) if base else None, tuple(current)))
    return sections


def _optional_sections(model: type[BaseModel], base: str = "") -> list[str]:
    """Paths of the nested models that may be left out (deepest first)."""
    out: list[str] = []
    for name, info in model.model_fields.items():
        annotation, optional = _unwrap(info.annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out = _optional_sections(annotation, f"{base}{name}.") + out
            if optional or not info.is_required():
                out.append(f"{base}{name}")
    return out


def form_for(kind: str) -> list[Section]:
    """The sections and fields of the counter form of ``kind`` (a key of ``DECLARED_MODELS``)."""
    return _walk(DECLARED_MODELS[kind])


def fields_of(sections: Iterable[Section]) -> list[FormField]:
    return [f for s in sections for f in s.fields]


def attachments_for(kind: str) -> list[Attachment]:
    """The scans the clerk may attach, each marked by what ``required_documents`` asks at the counter."""
    k = Kind(kind)
    always = required_documents(k, channel=Channel.COUNTER, corporate=False, licensed=False, proxy_is_employer=True)
    ever = required_documents(k, channel=Channel.COUNTER, corporate=True, licensed=True, proxy_is_employer=False)
    out = []
    for role in _ATTACH_ORDER:
        need: Literal["required", "conditional", "optional"] = (
            "required" if role in always else "conditional" if role in ever else "optional")
        if k is Kind.BUSINESS_REGISTRATION and role in (DocumentRole.FACE_PHOTO, DocumentRole.IDENTITY_DOCUMENT,
                                                        DocumentRole.WORKER_CONSENT, DocumentRole.EMPLOYER_CONSENT,
                                                        DocumentRole.QUALIFICATION_CERTIFICATE):
            continue
        if k is not Kind.BUSINESS_REGISTRATION and role in (DocumentRole.REGISTRY_EXTRACT, DocumentRole.LICENCE_COPY):
            continue
        if k is Kind.WORKER_REGISTRATION and role in (DocumentRole.WORKER_CONSENT, DocumentRole.EMPLOYER_CONSENT):
            continue
        out.append(Attachment(role.value, f"{ATTACHMENTS}.{role.value}", ROLE_LABELS_JA[role], need))
    return out


_DIGITS = str.maketrans("０１２３４５６７８９－", "0123456789-")


def declared_from(kind: str, values: dict[str, str]) -> dict[str, Any]:
    """The declared data as the internet API would receive it, from the form's entered values.

    An empty input is left out (the model then applies its default or reports the field missing);
    a nested section is always present, so its own fields are named when missing.
    """
    data: dict[str, Any] = {}
    for f in fields_of(form_for(kind)):
        *sections, name = f.path.split(".")[1:]
        node = data
        for part in sections:
            node = node.setdefault(part, {})
        raw = values.get(f.path, "")
        if f.widget == "records":
            records = [_record(name, line) for line in raw.splitlines() if line.strip()]
            if records:
                node[name] = records
        elif f.widget == "lines":
            items = [line.strip() for line in raw.splitlines() if line.strip()]
            if items:
                node[name] = items
        elif raw.strip():
            node[name] = raw.strip().translate(_DIGITS) if f.widget == "number" else raw
    for path in _optional_sections(DECLARED_MODELS[kind]):  # an optional section left blank is left out
        *parents, name = path.split(".")
        node = data
        for part in parents:
            node = node.get(part) or {}
        if node.get(name) == {}:
            del node[name]
    return data


def _record(name: str, line: str) -> dict[str, str]:
    """One line of a records field as the API's object: its items in the columns' order (an item
    left empty is left out, so the model names it when it is required)."""
    for sep in RECORD_SEPARATORS[1:]:
        line = line.replace(sep, RECORD_SEPARATORS[0])
    items = [part.strip() for part in line.split(RECORD_SEPARATORS[0])]
    return {key: value for (key, _), value in zip(RECORD_COLUMNS_JA[name], items, strict=False) if value}


@dataclass
class PlacedErrors:
    """Errors by the field they name; the rest (and a summary) at the top of the form."""

    by_field: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    summary: list[tuple[str, str, str]] = field(default_factory=list)  # (field id or "", label, message)


def place_errors(errors: list[FieldError], fields: list[FormField], attachments: list[Attachment]) -> PlacedErrors:
    targets: list[tuple[str, str, str, bool]] = [(f.path, f.id, f.label, f.widget in ("lines", "records"))
                                                 for f in fields]
    targets += [(a.path, a.id, a.label, False) for a in attachments]
    placed = PlacedErrors()
    for e in errors:
        hit = next((t for t in sorted(targets, key=lambda t: -len(t[0]))
                    if e.path == t[0] or e.path.startswith(t[0] + ".")), None)
        if hit is None:
            placed.general.append(e.message)
            placed.summary.append(("", "", e.message))
            continue
        path, ident, label, lines = hit
        message = e.message
        rest = e.path[len(path) + 1:].split(".", 1)[0]
        if lines and rest.isdigit():
            message = f"{int(rest) + 1}行目：{message}"
        placed.by_field.setdefault(path, []).append(message)
        placed.summary.append((ident, label, message))
    return placed
