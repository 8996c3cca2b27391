"""A returned (差戻し) mail case read again: the applicant's answer merged with what staff corrected.

A mail case returned for correction resumes when the applicant's answer comes back (by post:
``mail_intake.intake_answer``; or files over the internet). The extract stage then reads only the
answer's pages; the form pages read before are not read again. What the case holds afterwards:

1. **Readings.** A field the answer's form re-reads replaces its old reading (value, confidence,
   zone on the new page). A field the answer does not carry (no form in the envelope, or only
   some of its pages) keeps its old reading.
2. **Staff corrections.** A declared field a reviewer corrected (項目訂正) keeps the corrected value,
   unless the applicant's new form *changes* that field: read cleanly (above its confidence
   threshold) and different both from what was read the first time and from the staff value. Then
   the new value wins, and a correction row records the step (before: the staff value, after: the
   applicant's new value, actor ``applicant:mail``), so the reviewer sees both in the case history
   beside the staff correction it replaces (and the four-eyes rule for corrected cases applies).
   Re-sending the same value, leaving the field blank or writing it illegibly never undoes a
   correction; a different value read only at low confidence keeps the staff value and is flagged
   (``answer_unclear``) with its zone. The comparison is with the first *reading*, so a
   re-scan that reads the unchanged handwriting differently counts as a change: the reviewer
   sees it in the history.
3. **Declared data.** Fields not corrected take the new reading; corrected fields follow rule 2;
   everything else (fields the answer does not carry, data not on the form) stays as it was.
4. **Flags.** Recomputed from the merged readings, except for fields whose staff correction is
   kept (a reviewer has settled them); page flags come from this read; flags about earlier
   evidence documents (unclassified pages) are kept. The later stages then check the declared data
   again, as on the first pass.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccus.models.flags import VALIDATION, WARN, Flag
from ccus.models.forms.normalise import LOW_CONFIDENCE, OK, Reading
from ccus.models.forms.reading import field_flags, to_declared
from ccus.models.forms.spec import FormSpec
from ccus.models.review_rules import get_path, with_path
from ccus.models.tables import FieldCorrection

APPLICANT = "applicant:mail"  # actor of a correction row that records the applicant's own change
KEPT_FLAG_CODES = ("unclassified_page",)  # flags about documents, not about the form's fields


@dataclass
class Merged:
    declared: dict[str, Any]
    readings: dict[str, Reading]
    zones: dict[str, dict[str, Any]]
    flags: list[dict[str, Any]]
    outcome: dict[str, str] = field(default_factory=dict)  # field name → "kept" | "replaced" (corrected fields)


def reading_of(entry: dict[str, Any]) -> Reading:
    """A stored reading (``extracted.mail.fields[name]``) as a Reading again."""
    return Reading(entry.get("value"), entry.get("status") or "missing", entry.get("reason"), entry.get("read") or "",
                   float(entry.get("confidence") or 0.0))


def _as_declared(form: FormSpec, name: str, r: Reading) -> Any:
    f = form.field(name)
    assert f.path is not None
    return get_path(to_declared(form, {name: r}), f.path)


def staff_corrections(session: Session, app_id: int) -> dict[str, FieldCorrection]:
    """The latest correction of each declared path that a member of staff made (a path whose latest
    row is the applicant's own change is no longer a staff correction)."""
    latest: dict[str, FieldCorrection] = {}
    for row in session.scalars(select(FieldCorrection).where(FieldCorrection.application_id == app_id)
                               .order_by(FieldCorrection.id)):
        latest[row.field] = row
    return {path: row for path, row in latest.items() if row.actor != APPLICANT}


def merge(session: Session, app_id: int, declared: dict[str, Any], form: FormSpec | None,
          new: dict[str, Reading], new_zones: dict[str, dict[str, Any]], previous: dict[str, Any]) -> Merged:
    """Merge the answer's readings ``new`` into the case read before (``previous`` is its
    ``extracted["mail"]``, ``declared`` its declared data with staff corrections); see the module
    docstring. Adds a correction row for each staff correction the applicant's new value replaces."""
    old_fields: dict[str, dict[str, Any]] = previous.get("fields") or {}
    readings = {name: reading_of(e) for name, e in old_fields.items()}
    zones = {name: e["zone"] for name, e in old_fields.items() if e.get("zone")}
    readings.update(new)
    zones.update({name: z for name, z in new_zones.items() if name in new})
    out = Merged(copy.deepcopy(declared), readings, zones, [])
    if form is None:
        return out
    corrected = staff_corrections(session, app_id)
    settled: set[str] = set()  # field names whose staff value stands
    unclear: list[dict[str, Any]] = []
    for name, r in new.items():
        f = form.field(name)
        if f.path is None:
            continue
        value = _as_declared(form, name, r)
        row = corrected.get(f.path)
        if row is None:
            out.declared = with_path(out.declared, f.path, value)
            continue
        staff_value = get_path(out.declared, f.path)
        before = _as_declared(form, name, reading_of(old_fields[name])) if name in old_fields else None
        changed = r.status in (OK, LOW_CONFIDENCE) and value != before and value != staff_value
        if not changed or r.status == LOW_CONFIDENCE:
            settled.add(name)
            out.outcome[name] = "kept"
            if changed:  # a doubtful reading never overrides a reviewer's value, but it is shown
                unclear.append(Flag(
                    "answer_unclear", WARN,
                    f"{form.title} {f.page}ページ「{f.label}」: 差戻し後の回答の記入（読み取り「{r.raw}」）が"
                    f"不確かなため、職員の訂正値「{staff_value}」を維持しました。用紙で確認してください。",
                    f"application.{f.path}", VALIDATION,
                    {"zone": zones.get(name), "read": r.raw, "confidence": round(r.confidence, 1)}).as_dict())
            continue
        out.declared = with_path(out.declared, f.path, value)
        out.outcome[name] = "replaced"
        session.add(FieldCorrection(
            application_id=app_id, field=f.path, before=staff_value, after=value, actor=APPLICANT,
            reason=f"差戻し後の郵送回答で申請者が「{f.label}」の記入を変更したため、職員の訂正"
                   f"（{row.actor}：{row.before} → {row.after}）に代えて新しい記入を採用しました（当初の記入：{before}）"))
    on_form = {x.name for x in form.fields()}
    for name in readings:  # a corrected field the answer does not carry: its staff value stands too
        if name in on_form and name not in new and form.field(name).path in corrected:
            settled.add(name)
    out.flags = field_flags(form, {n: r for n, r in readings.items() if n in on_form and n not in settled}, zones)
    out.flags += unclear + [f for f in previous.get("flags") or [] if f.get("code") in KEPT_FLAG_CODES]
    return out
