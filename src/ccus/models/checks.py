"""The automatic stages' decisions: validation, consent and duplicates, as
``(declared, readings, lookups) → flags``. Pure: the services load the rows, read the documents
and pass what the rules need; lookups of the registry are passed in as functions.

- validation (検証): the required documents are attached; the evidence shows what was declared
  (``models/evidence.py``'s table).
- consent (代行申請の同意確認): the proxy and the employer are registered, the consent forms are
  there and each form's items match the application (``models/consent.py``).
- duplicates (重複確認): the applicant is not registered already and no other open application is
  theirs. A value paper left unreadable is never matched (an empty name is no one's name): the
  check is flagged as not made, saying why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from ccus.models.application_types import ROLE_LABELS_JA, Channel, DocumentRole, Kind, required_documents
from ccus.models.consent import Party, check_employer_consent, check_worker_consent
from ccus.models.evidence import BUSINESS, EVIDENCE, PERSON, DocumentText, evidence_for, low_confidence
from ccus.models.flags import BLOCK, CONSENT, DUPLICATE, WARN, ConsentResult, Flag, MailField
from ccus.models.lifecycle import REGISTRATION_KINDS
from ccus.models.persons import person_key

# Validation ------------------------------------------------------------------------------------


def validation_flags(kind: str, channel: str, declared: Mapping[str, Any],
                     docs: Mapping[str, Sequence[DocumentText]],
                     business: Callable[[str], BusinessRecord | None] | None = None) -> list[Flag]:
    """The validation stage's flags for a registration: missing documents, then the evidence
    (the registry extract of a corporation; each identity document of a person; each declared
    qualification's certificate), then the employer a worker quotes (``business`` looks a 事業者ID
    up in the registry; a proxy application's employer is checked by the consent stage)."""
    k = Kind(kind)
    flags: list[Flag] = []
    needed = required_documents(
        k, channel=Channel(channel), corporate=declared.get("business_type") == "corporation",
        licensed=bool(declared.get("licence_number")),
        proxy_is_employer=(declared.get("proxy") or {}).get("relation") == "employer",
    )
    for role in sorted(r.value for r in needed if r.value not in docs):
        flags.append(Flag("missing_document", BLOCK, f"{ROLE_LABELS_JA[DocumentRole(role)]}が添付されていません。",
                          f"attachments.{role}"))
    if k is Kind.BUSINESS_REGISTRATION:
        extract = docs.get(DocumentRole.REGISTRY_EXTRACT.value, [])
        if declared.get("corporate_number") and extract:
            flags += _evidence_flags(BUSINESS, "\n".join(x.text for x in extract), declared)
    else:
        for doc in docs.get(DocumentRole.IDENTITY_DOCUMENT.value, []):
            if low_confidence(doc.confidence):
                flags.append(Flag("identity_document_unreadable", WARN,
                                  "本人確認書類の読み取り精度が低いため、目視で確認してください。",
                                  "attachments.identity_document"))
            flags += _evidence_flags(PERSON, doc.text, declared)
        flags += qualification_flags(declared, docs)
        if k is Kind.WORKER_REGISTRATION and business is not None:
            flags += employer_flags(declared, business)
    return flags


def qualification_flags(declared: Mapping[str, Any], docs: Mapping[str, Sequence[DocumentText]]) -> list[Flag]:
    """Each declared qualification (詳細型) against the certificates attached: none at all blocks
    (the qualification would earn a card level unproven); a certificate whose text does not show
    the qualification's number is a warning for the reviewer, who looks at the scan."""
    quals = declared.get("qualifications") or []
    certs = docs.get(DocumentRole.QUALIFICATION_CERTIFICATE.value, [])
    label = ROLE_LABELS_JA[DocumentRole.QUALIFICATION_CERTIFICATE]
    flags: list[Flag] = []
    for n, q in enumerate(quals):
        where = f"application.qualifications.{n}"
        if not certs:
            flags.append(Flag("qualification_certificate_missing", BLOCK,
                              f"資格「{q.get('name')}」の{label}が添付されていません。", where))
            continue
        row = evidence_for(Kind.WORKER_REGISTRATION.value, "qualifications")
        assert row is not None
        if not any(row.matches(c.text, q) for c in certs if c.text):
            flags.append(Flag("qualification_not_in_certificate", WARN,
                              f"{label}に資格「{q.get('name')}」（番号 {q.get('number')}）が見当たりません。"
                              "証明書を目視で確認してください。", where))
    return flags


def employer_flags(declared: Mapping[str, Any], business: Callable[[str], BusinessRecord | None]) -> list[Flag]:
    """A 事業者ID a worker quotes as employer must be a registered, active business: otherwise the
    affiliation could not be recorded at issuance (blocking, named on the field)."""
    employer_id = declared.get("employer_business_id")
    if not employer_id:
        return []
    found = business(employer_id)
    if found is None:
        return [Flag("employer_not_registered", BLOCK,
                     f"所属事業者の事業者ID {employer_id} は登録されていません。", "application.employer_business_id")]
    if not found.active:
        return [Flag("employer_not_registered", BLOCK,
                     f"所属事業者の事業者ID {employer_id} は有効な登録ではありません（{found.status}）。",
                     "application.employer_business_id")]
    return []


def _evidence_flags(group: str, text: str, declared: Mapping[str, Any]) -> list[Flag]:
    """A flag for each flagged row of the table whose declared value the text does not show (a
    value that cannot be looked for, such as an unreadable birth date, is flagged elsewhere)."""
    return [Flag(row.flag_code, WARN, row.flag_message, f"application.{row.field}")
            for row in EVIDENCE[group]
            if row.flag_code and row.matches(text, declared.get(row.field)) is False]


# Consent (代行申請) -------------------------------------------------------------------------------

CONSENT_ROLES: Final = (DocumentRole.WORKER_CONSENT.value, DocumentRole.EMPLOYER_CONSENT.value)
CONSENT_FORM_UNRECOGNISED: Final = "所定の同意書様式ではありません。"


@dataclass(frozen=True)
class ConsentReading:
    """One consent document as read: the form (None when it is not one of our consent forms) and
    each field's normalised reading (field name → ``models.forms.normalise.Reading``)."""

    form_key: str | None
    title: str = ""
    readings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ConsentDocument:
    id: int
    role: str


@dataclass(frozen=True)
class BusinessRecord:
    """A business of the registry as the consent check needs it."""

    business_id: str
    trade_name: str
    status: str

    @property
    def active(self) -> bool:
        return self.status == "active"

    def party(self) -> Party:
        return Party(self.business_id, self.trade_name)


@dataclass(frozen=True)
class ConsentOutcome:
    flags: list[Flag]
    results: list[ConsentResult]  # every item checked, for the reviewer (``extracted["consent"]``)


def consent_documents(declared: Mapping[str, Any], docs: Mapping[str, Sequence[ConsentDocument]]
                      ) -> list[ConsentDocument]:
    """The consent forms that are checked: the worker's, and the employer's unless the employer
    itself filed the application."""
    employer_proxy = (declared.get("proxy") or {}).get("relation") == "employer"
    return [doc for role in CONSENT_ROLES if not (employer_proxy and role == DocumentRole.EMPLOYER_CONSENT.value)
            for doc in docs.get(role, [])]


def consent_flags(declared: Mapping[str, Any], docs: Mapping[str, Sequence[ConsentDocument]],
                  forms: Mapping[int, ConsentReading], business: Callable[[str], BusinessRecord | None],
                  today: date, kept: Mapping[int, Sequence[ConsentResult]] | None = None) -> ConsentOutcome:
    """The consent stage's flags: every failed item is a blocking flag, an item read below its
    confidence a warning. ``forms`` holds the reading of each of :func:`consent_documents`;
    ``business`` looks a 事業者ID up in the registry. A value read from paper may be missing
    (unreadable): the check that needs it is flagged as not made, never passed and never failed
    as if the value were known. A form in ``kept`` and not in ``forms`` was checked before its
    readings were stored: it is not checked again, its earlier results ``kept`` stand, with a warning
    that the reviewer must look at the form."""
    proxy = declared.get("proxy") or {}
    flags: list[Flag] = []

    def flag(code: str, severity: str, message: str, where: str | None = None) -> None:
        flags.append(Flag(code, severity, message, where, stage=CONSENT))

    filer: BusinessRecord | None = None
    employer: BusinessRecord | None = None
    if not proxy.get("filer_business_id"):
        flag("consent_not_checked", BLOCK, "代行申請事業者IDが読み取れないため、代行申請者の登録と同意書の照合ができません。",
             "application.proxy.filer_business_id")
    else:
        filer = business(proxy["filer_business_id"])
        if filer is None or not filer.active:
            flag("proxy_not_registered", BLOCK, "代行申請者は有効な事業者IDを保有していません。",
                 "application.proxy.filer_business_id")
    if not declared.get("employer_business_id"):
        flag("consent_not_checked", BLOCK, "所属事業者IDが読み取れないため、所属事業者の登録を確認できません。",
             "application.employer_business_id")
    else:
        employer = business(declared["employer_business_id"])
        if employer is None or not employer.active:
            flag("employer_not_registered", BLOCK, "所属事業者の事業者IDが登録されていません。",
                 "application.employer_business_id")
    if not docs.get(DocumentRole.WORKER_CONSENT.value):
        flag("worker_consent_missing", BLOCK, "技能者本人の代行申請同意書がありません。", "attachments.worker_consent")
    if not proxy.get("relation"):
        flag("consent_not_checked", BLOCK, "技能者との関係が読み取れないため、所属事業者の同意書が必要かを確認できません。",
             "application.proxy.relation")
    elif proxy.get("relation") != "employer" and not docs.get(DocumentRole.EMPLOYER_CONSENT.value):
        flag("employer_consent_missing", BLOCK, "所属事業者の代行申請同意書がありません。", "attachments.employer_consent")
    results: list[ConsentResult] = []
    filer_party = filer.party() if filer is not None else None
    for doc in consent_documents(declared, docs):
        where = f"attachments.{doc.role}"
        label = ROLE_LABELS_JA[DocumentRole(doc.role)]
        if doc.id not in forms and kept is not None and doc.id in kept:
            flag("consent_not_rechecked", WARN,
                 f"{label}：読み取り結果が保存されていないため、訂正後の内容で照合し直せていません。同意書を目視で確認してください。",
                 where)
            results += kept[doc.id]
            continue
        read = forms.get(doc.id)
        if read is None or read.form_key is None:
            flag("consent_form_unrecognised", BLOCK, f"{label}：{CONSENT_FORM_UNRECOGNISED}", where)
            results.append(ConsentResult(document_id=doc.id, role=doc.role, form=None, name="form", passed=False,
                                         reason=CONSENT_FORM_UNRECOGNISED))
            continue
        if doc.role == DocumentRole.WORKER_CONSENT.value:
            employer_name = employer.trade_name if employer is not None else None
            checks = check_worker_consent(read.readings, declared, filer_party, employer_name, today)
        else:
            checks = check_employer_consent(read.readings, declared, filer_party,
                                            employer.party() if employer is not None else None, today)
        for c in checks:
            results.append(ConsentResult(document_id=doc.id, role=doc.role, form=read.form_key, name=c.name,
                                         passed=c.passed, reason=c.reason_ja))
            if c.unverified:  # an uncertain reading: the reviewer confirms it on the form
                flag(f"consent_{c.name}_unverified", WARN, f"{read.title}：{c.reason_ja}", where)
            elif not c.passed:
                flag(f"consent_{c.name}", BLOCK, f"{read.title}：{c.reason_ja}", where)
    return ConsentOutcome(flags, results)


# Duplicates (重複確認) ----------------------------------------------------------------------------

PERSON_LABELS: Final = {"name": "氏名", "name_kana": "フリガナ", "birth_date": "生年月日"}


@dataclass(frozen=True)
class DuplicateLookups:
    """The registry as the duplicate check asks it."""

    business_registered: Callable[[str], bool]  # a business with this 法人番号 is registered
    worker_registered: Callable[[str], bool]  # a worker with this person key is registered
    in_flight: Callable[[str, Any], list[str]]  # the open applications of the same party kinds
    #                                             whose declared field equals the value (申請番号)


def unreadable(channel: str, declared: Mapping[str, Any], fields: Mapping[str, MailField], name: str) -> bool:
    """True when the top-level declared field ``name`` has no value because the paper form's
    field of that name could not be read (missing, invalid), as opposed to left blank on purpose.
    ``fields`` is the paper reading (``extracted.mail.fields``)."""
    if channel != Channel.MAIL.value or declared.get(name) not in (None, ""):
        return False
    reading = fields.get(name) or {}
    return bool(reading.get("status", "ok") != "ok")


def duplicate_flags(kind: str, channel: str, declared: Mapping[str, Any], fields: Mapping[str, MailField],
                    lookups: DuplicateLookups) -> list[Flag]:
    """Registered or in-flight twins of the applicant of a registration (a lifecycle request is
    about a party already registered: none)."""
    d = declared
    flags: list[Flag] = []
    if kind not in REGISTRATION_KINDS:
        return flags
    if kind == Kind.BUSINESS_REGISTRATION.value:
        if unreadable(channel, d, fields, "corporate_number"):
            flags.append(Flag("duplicate_check_incomplete", WARN,
                              "法人番号が読み取れないため、登録済み・処理中の事業者との重複を確認できていません。",
                              "application.corporate_number", stage=DUPLICATE))
        if d.get("corporate_number"):
            if lookups.business_registered(d["corporate_number"]):
                flags.append(Flag("business_already_registered", BLOCK, "この法人番号の事業者は既に登録されています。",
                                  "application.corporate_number", stage=DUPLICATE))
            twins = lookups.in_flight("corporate_number", d["corporate_number"])
            if twins:
                flags.append(Flag("duplicate_in_flight", WARN, f"同じ法人番号の申請が処理中です：{'、'.join(twins)}",
                                  "application.corporate_number", stage=DUPLICATE))
        return flags
    missing = [k for k in PERSON_LABELS if d.get(k) in (None, "")]
    if missing:
        flags.append(Flag("duplicate_check_incomplete", WARN,
                          f"{'・'.join(PERSON_LABELS[k] for k in missing)}が読み取れないため、"
                          "同一人物の登録・申請がないかを確認できていません。", f"application.{missing[0]}",
                          stage=DUPLICATE))
        if "birth_date" in missing or "name_kana" in missing:
            return flags
    elif lookups.worker_registered(person_key(d["name"], d["name_kana"], d["birth_date"])):
        flags.append(Flag("worker_already_registered", BLOCK,
                          "同一人物（氏名・フリガナ・生年月日が一致）が既に技能者登録されています。", "application.name",
                          stage=DUPLICATE))
    same_reading = set(lookups.in_flight("name_kana", d["name_kana"]))
    twins = [n for n in lookups.in_flight("birth_date", d["birth_date"]) if n in same_reading]
    if twins:
        flags.append(Flag("duplicate_in_flight", WARN, f"同一人物と思われる申請が処理中です：{'、'.join(twins)}",
                          "application.name", stage=DUPLICATE))
    return flags


def same_party_kinds(kind: str) -> tuple[str, ...]:
    """The kinds of application whose applicant may be the same party as ``kind``'s."""
    if kind == Kind.BUSINESS_REGISTRATION.value:
        return (kind,)
    return (Kind.WORKER_REGISTRATION.value, Kind.PROXY_WORKER_REGISTRATION.value)


# One party, one registration: approval and issuance (承認時・発行時の重複) ------------------------

PARTY_PERSON: Final = "person"
PARTY_CORPORATION: Final = "corporation"


def registration_party(kind: str, declared: Mapping[str, Any]) -> tuple[str, str] | None:
    """The key the registry keeps unique for the party a registration would create: a worker's
    person key (``models/persons.person_key``: name, reading, birth date), a corporation's 法人番号;
    None when the case creates no such party (a lifecycle request, a sole proprietor, a person
    whose identity could not be read)."""
    d = declared
    if kind == Kind.BUSINESS_REGISTRATION.value:
        number = d.get("corporate_number")
        return (PARTY_CORPORATION, str(number)) if number else None
    if kind not in REGISTRATION_KINDS or any(d.get(k) in (None, "") for k in PERSON_LABELS):
        return None
    return PARTY_PERSON, person_key(str(d["name"]), str(d["name_kana"]), str(d["birth_date"]))


def duplicate_approval_refusal(party: str, approved: Sequence[str], registered: Sequence[str]) -> str | None:
    """The reviewer's message refusing an approval when the same party is already registered
    (``registered``: the 申請番号 of its registration) or another of its applications is approved
    and not yet closed (``approved``); None when neither."""
    who = "同一人物（氏名・フリガナ・生年月日が一致）" if party == PARTY_PERSON else "同じ法人番号の事業者"
    if registered:
        return (f"{who}は申請番号 {'、'.join(registered)} で既に登録されています。"
                "この申請は承認できません（却下してください）。")
    if approved:
        return (f"{who}の申請 {'、'.join(approved)} が既に承認され、手続き中です。"
                "二重登録になるため、この申請は承認できません（差戻しまたは却下してください）。")
    return None


def duplicate_at_issuance(party: str, registered_number: str, registry_id: str) -> str:
    """Why a paid case cannot be issued: its party was registered meanwhile. For the operator, who
    refunds it (``ccus cases refund``) or merges it into the registered party (``ccus cases merge``)."""
    who = "同一人物（氏名・フリガナ・生年月日が一致）" if party == PARTY_PERSON else "同じ法人番号の事業者"
    ids = "技能者ID" if party == PARTY_PERSON else "事業者ID"
    merge = "、または ccus cases merge で登録済みの技能者に統合" if party == PARTY_PERSON else ""
    return (f"重複登録：{who}が申請番号 {registered_number}（{ids} {registry_id}）で既に登録されています。"
            f"ccus cases refund で返金{merge}してください。")
