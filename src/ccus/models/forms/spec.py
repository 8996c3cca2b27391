"""The vocabulary of a form definition (帳票定義): pages, fields, zones. Pure, no I/O.

One declarative definition per form serves both to render the blank form (``infra/forms_render``)
and to read a filled one (``infra/form_reader``, ``services/mail_reading``). Every length is in
millimetres on an A4 portrait page, origin at the top-left corner, y downwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

PAGE_W, PAGE_H = 210.0, 297.0


@dataclass(frozen=True)
class Box:
    """A rectangle on the page, in mm (top-left origin)."""

    x: float
    y: float
    w: float
    h: float

    def inset(self, dx: float, dy: float | None = None) -> Box:
        dy = dx if dy is None else dy
        return Box(self.x + dx, self.y + dy, max(0.1, self.w - 2 * dx), max(0.1, self.h - 2 * dy))

    def as_list(self) -> list[float]:
        return [round(self.x, 2), round(self.y, 2), round(self.w, 2), round(self.h, 2)]


class FieldKind(StrEnum):
    TEXT = "text"  # free text in one box, read by OCR
    COMB = "comb"  # one character per printed cell (digits)
    CHOICE = "choice"  # exactly one box to tick
    MULTI = "multi"  # any number of boxes to tick
    DATE = "date"  # era ticked + year / month / day in cells
    MARK = "mark"  # signature or seal: only its presence is checked
    PHOTO = "photo"  # a pasted photograph


class Charset(StrEnum):
    """What a zone may contain: decides the OCR language and character whitelist."""

    TEXT = "text"  # Japanese text (kanji, kana, latin, digits)
    KANA = "kana"  # full-width katakana reading
    DIGITS = "digits"
    NUMBER = "number"  # digits with thousands separators
    PHONE = "phone"  # digits, hyphens, parentheses
    EMAIL = "email"  # latin letters, digits and @._-+
    NONE = "none"  # not read by OCR (ticks, marks, photos)


@dataclass(frozen=True)
class Option:
    value: str  # what the declared data holds (e.g. "corporation")
    label: str  # what is printed (e.g. 法人)
    box: Box  # the tick box


@dataclass(frozen=True)
class FormField:
    """One field of a form: where it is and how to read and check it.

    ``path`` is where the value goes in the declared data (dotted, ``None`` when the field is read
    for the reviewer only), ``rule`` the normaliser of ``ccus.models.forms.normalise``.
    """

    name: str
    label: str
    kind: FieldKind
    page: int
    box: Box  # the whole entry area
    rule: str
    charset: Charset
    path: str | None
    required: bool = True
    cells: tuple[int, ...] = ()  # COMB: cells per group (e.g. (3, 4) for a postcode)
    options: tuple[Option, ...] = ()  # CHOICE / MULTI / DATE (the eras)
    parts: tuple[Box, ...] = ()  # DATE: the year, month and day cells
    min_confidence: float = 60.0
    # A later page's identity box: the name of the page-1 field it repeats (氏名, 生年月日 …). Its
    # reading ties the page to its form's first page (``ccus.models.forms.ties``); it fills no
    # declared data and is flagged as part of that comparison, not on its own.
    ties: str | None = None

    @property
    def zone(self) -> Box:
        """The zone shown to the reviewer: the entry area."""
        return self.box


def value_for(f: FormField, values: Mapping[str, Any]) -> Any:
    """What a filler writes in ``f``: ``values[f.name]``, or for an identity box not given on its
    own, the value of the page-1 field it repeats (the applicant writes the same name twice)."""
    if f.name in values or f.ties is None:
        return values.get(f.name)
    return values.get(f.ties)


@dataclass(frozen=True)
class Heading:
    text: str
    box: Box


@dataclass(frozen=True)
class Note:
    """Printed text that is not a field (instructions, the consent wording)."""

    text: str
    box: Box
    size: float = 3.2  # character height in mm


@dataclass(frozen=True)
class PageSpec:
    number: int
    fields: tuple[FormField, ...]
    headings: tuple[Heading, ...] = ()
    notes: tuple[Note, ...] = ()


class FormRole(StrEnum):
    """What a form is in a stack."""

    APPLICATION = "application"  # starts an application (a case)
    ATTACHMENT = "attachment"  # belongs to the application it is filed with (consent forms)
    SEPARATOR = "separator"  # 区切り用紙: ends one application's pages


@dataclass(frozen=True)
class FormSpec:
    code: int  # in the page marker (6 bits)
    key: str  # short name: "W1"
    version: int  # in the page marker (4 bits)
    title: str
    role: FormRole
    kind: str | None  # the application kind a form of role APPLICATION starts
    document_role: str  # the document role its pages are stored under
    pages: tuple[PageSpec, ...] = field(default_factory=tuple)
    model: str | None = None  # the declared-data model (DECLARED_MODELS key) its fields fill

    @property
    def page_count(self) -> int:
        return max(1, len(self.pages))

    def fields(self) -> list[FormField]:
        return [f for p in self.pages for f in p.fields]

    def field(self, name: str) -> FormField:
        for f in self.fields():
            if f.name == name:
                return f
        raise KeyError(name)

    def field_for_path(self, path: str) -> FormField | None:
        for f in self.fields():
            if f.path == path:
                return f
        return None
