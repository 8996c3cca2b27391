"""A worker's registered content beyond the ``workers`` row (技能者の登録内容): the qualifications
held and the rest of the approved registration (詳細型, the employer's items), and the card level
they earn (``models/qualifications.card_level``).

Written in the caller's transaction; every write is keyed (one qualification per worker and name,
one profile per worker, one application of each change), so a rerun adds nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ccus.models.qualifications import CardLevel, card_level, known_qualification
from ccus.models.tables import Application, Worker
from ccus.models.worker_details import DETAILED_ITEMS
from ccus.models.worker_tables import WorkerProfile, WorkerQualification

# What the profile keeps of a registration (the qualifications have their own table).
PROFILE_ITEMS: Final = ("tier", *(k for k in DETAILED_ITEMS if k != "qualifications"), "employer_items",
                        "trade", "experience_years")


def add_qualifications(session: Session, worker: Worker, quals: list[dict[str, Any]], app: Application) -> int:
    """Record the qualifications ``app`` declared (and review verified) as held; one already held
    is kept as it was. Returns how many were added."""
    added = 0
    for q in quals:
        known = known_qualification(q["name"])
        if known is None:  # refused at intake; a later change of the list does not lose the row
            raise ValueError(f"unknown qualification {q['name']!r}")
        row = session.execute(insert(WorkerQualification).values(
            worker_pk=worker.id, name=known.name, number=q["number"], obtained_on=date.fromisoformat(q["obtained_on"]),
            category=known.category, application_id=app.id,
        ).on_conflict_do_nothing(constraint="uq_worker_qualifications_worker_name").returning(WorkerQualification.id))
        added += 1 if row.scalar_one_or_none() is not None else 0
    return added


def record_registration(session: Session, worker: Worker, app: Application) -> None:
    """The approved registration's detailed content: qualifications and the profile."""
    d = app.declared
    add_qualifications(session, worker, list(d.get("qualifications") or []), app)
    data = {k: d[k] for k in PROFILE_ITEMS if k in d}
    session.execute(insert(WorkerProfile).values(worker_pk=worker.id, data=data, applied=[app.application_number])
                    .on_conflict_do_nothing(index_elements=["worker_pk"]))


def qualifications(session: Session, worker_pk: int) -> list[WorkerQualification]:
    return list(session.scalars(select(WorkerQualification).where(WorkerQualification.worker_pk == worker_pk)
                                .order_by(WorkerQualification.id)))


def level_of(session: Session, worker_pk: int) -> CardLevel:
    """The card level the worker's verified qualifications earn now."""
    return card_level(q.name for q in qualifications(session, worker_pk))


def content(session: Session, worker: Worker) -> dict[str, Any]:
    """The registered content as shown: the profile and the qualifications held."""
    prof = session.get(WorkerProfile, worker.id)
    return {
        **(prof.data if prof is not None else {}),
        "qualifications": [{"name": q.name, "number": q.number, "obtained_on": q.obtained_on.isoformat()}
                           for q in qualifications(session, worker.id)],
        "card_level": level_of(session, worker.id).level,
    }
