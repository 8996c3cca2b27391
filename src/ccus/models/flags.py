"""Flags (指摘事項): what the automatic stages found for the reviewer, and the typed JSON columns
``applications.flags`` and ``applications.extracted``. Pure.

A flag is stored as a JSON object in ``applications.flags`` (a list). Its shape is fixed: the
queue's counts (migration 0011) read ``severity`` with a JSON path, the case screen reads
``field``, ``stage``, ``zone`` and ``message``. :class:`Flag` is the one type every stage builds;
``as_dict`` writes exactly that shape and ``Flag.load`` reads it back, keeping any extra key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, Final, Literal, Required, TypedDict, cast

BLOCK: Final = "block"  # stops approval on the server
WARN: Final = "warn"  # shown beside the evidence
Severity = Literal["block", "warn"]

# The stages that write flags (``stage`` of a flag): a stage replaces its own flags when it runs again.
VALIDATION: Final = "validation"
CONSENT: Final = "consent"
DUPLICATE: Final = "duplicate"
PAYMENT: Final = "payment"

# The keys a flag may carry besides the core ones (paper readings: the zone on the page image, the
# raw reading and its confidence, the second recogniser's reading; model errors: the reason).
EXTRA_KEYS: Final = ("reason", "read", "confidence", "zone", "second_reading")


class FlagDict(TypedDict, total=False):
    """One element of ``applications.flags`` as stored."""

    code: Required[str]
    severity: Required[str]  # "block" | "warn"
    message: Required[str]  # Japanese, for the reviewer (and the 不備 notice's context)
    field: str | None  # "application.<path>", "attachments.<role>", "form.<key>.<field>", "application"
    stage: str
    reason: str | None
    read: str
    confidence: float
    zone: dict[str, Any] | None
    second_reading: Any


@dataclass(frozen=True)
class Flag:
    """One finding. ``extra`` holds the optional keys of :data:`EXTRA_KEYS` exactly as stored
    (a key present with ``None`` stays present)."""

    code: str
    severity: str  # "block" | "warn"
    message: str  # Japanese, for the reviewer
    field: str | None = None
    stage: str = VALIDATION
    extra: Mapping[str, Any] = dc_field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        return self.severity == BLOCK

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message, "field": self.field,
                "stage": self.stage, **self.extra}

    @classmethod
    def load(cls, raw: Mapping[str, Any]) -> Flag:
        core = {"code", "severity", "message", "field", "stage"}
        return cls(str(raw.get("code") or ""), str(raw.get("severity") or ""), str(raw.get("message") or ""),
                   raw.get("field"), str(raw.get("stage") or VALIDATION),
                   {k: v for k, v in raw.items() if k not in core})


def load_flags(raw: Iterable[Mapping[str, Any]] | None) -> list[Flag]:
    return [Flag.load(f) for f in raw or ()]


def dump_flags(flags: Iterable[Flag]) -> list[dict[str, Any]]:
    return [f.as_dict() for f in flags]


def blocking(flags: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The stored flags that stop an approval."""
    return [f for f in flags if f.get("severity") == BLOCK]


def replace_stage(stored: Iterable[Mapping[str, Any]], stage: str, new: Iterable[Flag]) -> list[dict[str, Any]]:
    """``stored`` without the flags of ``stage``, then ``new``: a stage run again replaces its own."""
    return [dict(f) for f in stored if f.get("stage") != stage] + dump_flags(new)


# The ``extracted`` column -------------------------------------------------------------------------

class ExtractedDocument(TypedDict):
    """A document as the internet channel's extract stage read it."""

    id: int
    role: str
    confidence: float | None
    chars: int


class ConsentResult(TypedDict):
    """One item checked on a consent form (shown to the reviewer)."""

    document_id: int
    role: str
    form: str | None
    name: str
    passed: bool
    reason: str


class MailField(TypedDict, total=False):
    """One field of a paper form as read (``extracted.mail.fields``)."""

    value: Any
    status: str  # normalise.OK / MISSING / INVALID / LOW_CONFIDENCE
    read: str
    confidence: float
    reason: str | None
    zone: dict[str, Any] | None
    correction: str  # "kept" | "replaced" (an answered return)


class MailAttachment(TypedDict):
    """A consent form read at the mail extract stage (``extracted.mail.attachments[document id]``)."""

    form: str
    fields: dict[str, MailField]


class MailReading(TypedDict, total=False):
    form: str | None
    fields: dict[str, MailField]
    flags: list[FlagDict]
    attachments: dict[str, MailAttachment]


class Extracted(TypedDict, total=False):
    """``applications.extracted``: what the automatic stages read, by channel and stage."""

    documents: list[ExtractedDocument]  # internet and counter channels
    mail: MailReading  # the mail channel
    consent: list[ConsentResult]  # the consent stage (proxy applications)
    # what the consent stage read off each form, by document id: a field correction re-checks
    # consent from these without fetching or reading the form again
    consent_readings: dict[str, MailAttachment]


def load_extracted(raw: Mapping[str, Any] | None) -> Extracted:
    """The column's value as an :class:`Extracted` (a copy; a NULL or empty column is ``{}``)."""
    return cast(Extracted, dict(raw or {}))


def dump_extracted(extracted: Extracted) -> dict[str, Any]:
    return dict(extracted)


def mail_fields(extracted: Mapping[str, Any] | None) -> Mapping[str, MailField]:
    """The paper form's fields as read ({} when the case was not read from paper)."""
    return ((extracted or {}).get("mail") or {}).get("fields") or {}


def extracted_documents(docs: Iterable[tuple[int, str, float | None, str | None]]) -> list[ExtractedDocument]:
    """(id, role, OCR confidence, OCR text) of each document → the extract stage's summary."""
    return [ExtractedDocument(id=i, role=role, confidence=conf, chars=len(text or "")) for i, role, conf, text in docs]
