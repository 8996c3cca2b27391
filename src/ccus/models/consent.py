"""The checks of a read 代行申請同意書 (proxy-application consent form) against its application. Pure.

Input is what the form reader made of each field (``ccus.models.forms.normalise.Reading``: a
normalised value, a status and a confidence). Each check passes or fails with a Japanese reason
for the reviewer; a field that could not be read, or was read below its confidence threshold,
FAILS and says so — a consent is never taken as valid on a doubtful reading.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from ccus.models.forms.normalise import OK, Reading
from ccus.models.japanese import normalize_text

# How old a consent may be on the day it is checked (同意日から審査までの有効期間).
CONSENT_VALIDITY_DAYS = 90


@dataclass(frozen=True)
class ConsentCheck:
    name: str  # the check (stable, for codes and tests)
    passed: bool
    reason_ja: str  # why it failed, or what was confirmed
    # Read, but below the confidence threshold: the outcome stands on an uncertain reading, so a
    # reviewer must confirm it by eye (shown as a warning); it is never a silent pass.
    unverified: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Party:
    """A registered business as the consent names it."""

    business_id: str
    trade_name: str


def _same_text(a: Any, b: Any) -> bool:
    """Equal after width folding, with every space removed (family / given name spacing varies)."""
    return "".join(normalize_text(str(a)).split()) == "".join(normalize_text(str(b)).split())


def _same_digits(a: Any, b: Any) -> bool:
    return "".join(ch for ch in normalize_text(str(a)) if ch.isdigit()) == "".join(
        ch for ch in normalize_text(str(b)) if ch.isdigit())


UNCERTAIN = "low_confidence"
_CONFIRM = "（読み取りの確信度が低いため、同意書の該当欄を目視で確認してください）"


def _uncertain(r: Reading | None) -> bool:
    """Read with a value, but below the confidence threshold."""
    return r is not None and r.status == UNCERTAIN and r.value not in (None, "")


def _flagged(check: ConsentCheck, r: Reading | None) -> ConsentCheck:
    if not _uncertain(r):
        return check
    return ConsentCheck(check.name, check.passed, check.reason_ja + _CONFIRM, unverified=True)


def _unreadable(label: str, r: Reading | None) -> str | None:
    """Why ``r`` cannot be relied on, or None when it was read (cleanly or uncertainly)."""
    if r is None:
        return f"{label}の欄が読み取れませんでした。"
    if _uncertain(r):
        return None
    if r.status != OK or r.value in (None, ""):
        why = r.reason or "記入がない、又は読み取れません。"
        if r.status == "low_confidence":
            return f"{label}の読み取りの確信度が低いため照合できません（{why}）"
        return f"{label}が読み取れないため照合できません（{why}）"
    return None


def _match(name: str, label: str, r: Reading | None, expected: Any, *, digits: bool = False,
           expected_missing: str | None = None) -> ConsentCheck:
    bad = _unreadable(label, r)
    if bad is not None:
        return ConsentCheck(name, False, bad)
    assert r is not None
    if expected in (None, ""):
        return ConsentCheck(name, False, expected_missing or f"申請内容の{label}が読み取れない、又は記入がないため照合できません。")
    same = _same_digits(r.value, expected) if digits else _same_text(r.value, expected)
    if not same:
        return _flagged(ConsentCheck(name, False, f"同意書の{label}（{r.value}）が申請内容（{expected}）と一致しません。"), r)
    return _flagged(ConsentCheck(name, True, f"{label}が一致しました。"), r)


def _date_match(name: str, label: str, r: Reading | None, expected: Any) -> ConsentCheck:
    bad = _unreadable(label, r)
    if bad is not None:
        return ConsentCheck(name, False, bad)
    assert r is not None
    try:
        got, want = date.fromisoformat(str(r.value)), date.fromisoformat(str(expected))
    except ValueError:
        return ConsentCheck(name, False, f"{label}を日付として照合できません。")
    if got != want:
        return _flagged(ConsentCheck(name, False, f"同意書の{label}（{got.isoformat()}）が申請内容（{want.isoformat()}）と一致しません。"), r)
    return _flagged(ConsentCheck(name, True, f"{label}が一致しました。"), r)


def _signed_on(r: Reading | None, today: date, max_age_days: int) -> ConsentCheck:
    name, label = "signed_on", "同意日"
    bad = _unreadable(label, r)
    if bad is not None:
        return ConsentCheck(name, False, bad)
    assert r is not None
    try:
        signed = date.fromisoformat(str(r.value))
    except ValueError:
        return ConsentCheck(name, False, "同意日を日付として読み取れません。")
    if signed > today:
        return _flagged(ConsentCheck(name, False, f"同意日（{signed.isoformat()}）が未来の日付です。"), r)
    if signed < today - timedelta(days=max_age_days):
        return _flagged(ConsentCheck(name, False, f"同意日（{signed.isoformat()}）から{max_age_days}日を超えています。"
                                                  "新しい同意書が必要です。"), r)
    return _flagged(ConsentCheck(name, True, f"同意日（{signed.isoformat()}）は有効期間内です。"), r)


def _signature(r: Reading | None, label: str) -> ConsentCheck:
    name = "signature"
    if r is None or r.status != OK or r.value is not True:
        why = (r.reason if r is not None and r.reason else "署名又は押印がありません。")
        if r is not None and r.status == UNCERTAIN:
            return ConsentCheck(name, False, f"{label}の有無がはっきりしません（{why}）" + _CONFIRM, unverified=True)
        return ConsentCheck(name, False, f"{label}がありません（{why}）")
    return ConsentCheck(name, True, f"{label}があります。")


def _as_party(p: Party | Mapping[str, Any] | None) -> Party | None:
    if p is None or isinstance(p, Party):
        return p
    return Party(str(p.get("business_id") or ""), str(p.get("trade_name") or ""))


def check_worker_consent(read: Mapping[str, Reading], declared: Mapping[str, Any],
                         filer: Party | Mapping[str, Any] | None, employer_name: str | None, today: date,
                         max_age_days: int = CONSENT_VALIDITY_DAYS) -> list[ConsentCheck]:
    """The worker's consent (様式C1) against the application: one check per item.

    ``filer`` is the registered proxy business (None when it is not registered); ``employer_name``
    the worker's employer's registered name (for an employer proxy the employer is the filer)."""
    proxy = declared.get("proxy") or {}
    party = _as_party(filer)
    if proxy.get("relation") == "employer":
        employer_name = party.trade_name if party else employer_name
    declared_id = proxy.get("filer_business_id") or (party.business_id if party else None)
    return [
        _match("worker_name", "技能者氏名", read.get("worker_name"), declared.get("name")),
        _match("worker_name_kana", "フリガナ", read.get("worker_name_kana"), declared.get("name_kana")),
        _date_match("birth_date", "生年月日", read.get("birth_date"), declared.get("birth_date")),
        _match("proxy_business_id", "代行申請事業者ID", read.get("proxy_business_id"), declared_id, digits=True),
        _match("proxy_business_name", "代行申請事業者名", read.get("proxy_business_name"),
               party.trade_name if party else None,
               expected_missing="代行申請事業者が登録されていないため、事業者名を照合できません。"),
        _match("employer_name", "所属事業者名", read.get("employer_name"), employer_name,
               expected_missing="所属事業者が登録されていないため、事業者名を照合できません。"),
        _signed_on(read.get("signed_on"), today, max_age_days),
        _signature(read.get("signature"), "技能者本人の署名又は押印"),
    ]


def check_employer_consent(read: Mapping[str, Reading], declared: Mapping[str, Any],
                           filer: Party | Mapping[str, Any] | None, employer: Party | Mapping[str, Any] | None,
                           today: date, max_age_days: int = CONSENT_VALIDITY_DAYS) -> list[ConsentCheck]:
    """The employer's consent (様式C2) for a contractor proxy against the application."""
    proxy = declared.get("proxy") or {}
    party, emp = _as_party(filer), _as_party(employer)
    return [
        _match("employer_name", "所属事業者名", read.get("employer_name"), emp.trade_name if emp else None,
               expected_missing="所属事業者が登録されていないため、事業者名を照合できません。"),
        _match("employer_business_id", "所属事業者ID", read.get("employer_business_id"),
               declared.get("employer_business_id"), digits=True),
        _match("proxy_business_name", "代行申請事業者名", read.get("proxy_business_name"),
               party.trade_name if party else None,
               expected_missing="代行申請事業者が登録されていないため、事業者名を照合できません。"),
        _match("proxy_business_id", "代行申請事業者ID", read.get("proxy_business_id"),
               proxy.get("filer_business_id"), digits=True),
        _match("worker_name", "技能者氏名", read.get("worker_name"), declared.get("name")),
        _date_match("birth_date", "技能者の生年月日", read.get("birth_date"), declared.get("birth_date")),
        _signed_on(read.get("signed_on"), today, max_age_days),
        _signature(read.get("signature"), "所属事業者の記名押印"),
    ]
