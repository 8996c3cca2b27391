"""就業履歴 (attendance records) from linked systems (連携システム).

A linked system is registered once (``register_system``) and gets an API key, shown once and stored
only as its SHA-256. It sends batches of records (現場ID, 技能者ID, 就業日, システムコード); each line
is validated on its own and answered with a Japanese reason when refused. The database keeps at
most one record per worker, site and day (``uq_attendance_worker_site_day``), whichever system
sends it and however often: a resent batch, or two batches at once, add each record once.

Each accepted record carries the site's prime contractor (元請事業者), who pays its 現場利用料.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from ccus.infra.db import unit_of_work
from ccus.models.japanese import normalize_digits
from ccus.models.lifecycle_tables import AttendanceRecord, LinkedSystem, Site
from ccus.models.tables import Worker
from ccus.services.cases import audit

MAX_BATCH = 1000
_CODE = re.compile(r"^[A-Za-z0-9_-]{2,20}$")

REASONS = {
    "system_code_mismatch": "システムコードが、認証された連携システムのものと一致しません。",
    "invalid_date": "就業日の形式が正しくありません（YYYY-MM-DD）。",
    "future_date": "就業日が未来の日付です。",
    "invalid_site_id": "現場IDの形式が正しくありません（14桁の数字）。",
    "unknown_site": "現場IDに該当する現場が登録されていません。",
    "invalid_worker_id": "技能者IDの形式が正しくありません（14桁の数字）。",
    "unknown_worker": "技能者IDに該当する技能者が登録されていません。",
    "duplicate": "同じ技能者・同じ現場・同じ就業日の就業履歴はすでに登録されています。",
}


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class RegisteredSystem:
    system_code: str
    name: str
    api_key: str  # shown once, never stored


def register_system(name: str, system_code: str | None = None) -> RegisteredSystem:
    """Register (or, for a known code, re-key) a linked system; the plaintext key is returned once."""
    name = name.strip()
    if not name:
        raise ValueError("連携システムの名称を入力してください。")
    code = system_code or ("LS" + secrets.token_hex(4).upper())
    if not _CODE.match(code):
        raise ValueError("システムコードは英数字・ハイフン・下線の2〜20文字です。")
    key = "ccusl_" + secrets.token_urlsafe(32)
    stmt = insert(LinkedSystem).values(system_code=code, name=name[:200], token_sha256=_digest(key))
    with unit_of_work() as session:
        session.execute(stmt.on_conflict_do_update(index_elements=["system_code"],
                                                   set_={"name": stmt.excluded.name,
                                                         "token_sha256": stmt.excluded.token_sha256}))
        audit(session, actor="linked-systems", action="linked_system.keyed", application_id=None, system_code=code)
    return RegisteredSystem(code, name, key)


def authenticate(api_key: str) -> str | None:
    """The system code of the linked system holding ``api_key``, or None."""
    if not api_key:
        return None
    with unit_of_work() as session:
        return session.scalars(select(LinkedSystem.system_code)
                               .where(LinkedSystem.token_sha256 == _digest(api_key))).one_or_none()


@dataclass(frozen=True)
class LineResult:
    line: int
    status: str  # accepted | rejected
    code: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "status": self.status}
        if self.code:
            out |= {"code": self.code, "reason": self.reason}
        return out


@dataclass
class BatchReport:
    system_code: str
    results: list[LineResult] = field(default_factory=list)

    @property
    def counts(self) -> Counter[str]:
        return Counter(r.status for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        counts = self.counts
        return {"system_code": self.system_code, "accepted": counts["accepted"], "rejected": counts["rejected"],
                "results": [r.as_dict() for r in self.results]}


def _id14(value: Any) -> str | None:
    text = normalize_digits(str(value or "")).strip()
    return text if re.fullmatch(r"\d{14}", text) else None


def _work_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(normalize_digits(str(value or "")).strip())
    except ValueError:
        return None


def _refused(line: int, code: str) -> LineResult:
    return LineResult(line, "rejected", code, REASONS[code])


def record_batch(system_code: str, records: list[dict[str, Any]], *, today: date) -> BatchReport:
    """Validate and store ``records`` (dicts of site_id, worker_id, work_date, system_code) sent by
    the authenticated ``system_code``; one result per line, in order (lines count from 1)."""
    if len(records) > MAX_BATCH:
        raise ValueError(f"1回に送信できる就業履歴は{MAX_BATCH}件までです。")
    report = BatchReport(system_code)
    with unit_of_work() as session:
        site_ids = {s for s in (_id14(r.get("site_id")) for r in records) if s}
        worker_ids = {w for w in (_id14(r.get("worker_id")) for r in records) if w}
        sites = {s.site_id: s for s in session.scalars(select(Site).where(Site.site_id.in_(site_ids)))} \
            if site_ids else {}
        workers = dict(session.execute(select(Worker.worker_id, Worker.id)
                                       .where(Worker.worker_id.in_(worker_ids))).all()) if worker_ids else {}
        for n, rec in enumerate(records, start=1):
            sent_code = str(rec.get("system_code") or system_code).strip()
            site_id, worker_id, day = _id14(rec.get("site_id")), _id14(rec.get("worker_id")), _work_date(
                rec.get("work_date"))
            if sent_code != system_code:
                report.results.append(_refused(n, "system_code_mismatch"))
            elif day is None:
                report.results.append(_refused(n, "invalid_date"))
            elif day > today:
                report.results.append(_refused(n, "future_date"))
            elif site_id is None:
                report.results.append(_refused(n, "invalid_site_id"))
            elif site_id not in sites:
                report.results.append(_refused(n, "unknown_site"))
            elif worker_id is None:
                report.results.append(_refused(n, "invalid_worker_id"))
            elif worker_id not in workers:
                report.results.append(_refused(n, "unknown_worker"))
            else:
                site = sites[site_id]
                inserted = session.execute(insert(AttendanceRecord).values(
                    site_pk=site.id, worker_pk=workers[worker_id], work_date=day, system_code=system_code,
                    prime_business_pk=site.prime_business_pk,
                ).on_conflict_do_nothing(constraint="uq_attendance_worker_site_day")
                    .returning(AttendanceRecord.id)).scalar_one_or_none()
                report.results.append(LineResult(n, "accepted") if inserted else _refused(n, "duplicate"))
        counts = report.counts
        audit(session, actor=f"linked:{system_code}", action="attendance.received", application_id=None,
              lines=len(records), accepted=counts["accepted"], rejected=counts["rejected"])
    return report
