"""The registry view and the disclosure settings (開示設定), enforcing models/disclosure.py.

The viewer is a signed-in business; its position towards what it views comes from the sites'
construction structure (元請・上位下請) and affiliations (所属).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ccus.infra.db import unit_of_work
from ccus.models.disclosure import (
    WORKER_ITEMS,
    Subject,
    Viewer,
    WorkerSearch,
    visible_fields,
    visible_items,
    worker_matches,
    worker_search,
)
from ccus.models.errors import ApplicationInvalid, FieldError
from ccus.models.lifecycle_tables import DisclosureSetting
from ccus.models.tables import Affiliation, Application, Business, Card, Worker
from ccus.services.cases import audit
from ccus.services.registry import worker_content
from ccus.services.registry.business_changes import RequestRefused, business_by_id, profile
from ccus.services.registry.sites import uppers_of


def _position(session: Session, viewer_pk: int, business_pk: int, same: Viewer) -> Viewer:
    if viewer_pk == business_pk:
        return same
    primes, uppers = uppers_of(session, business_pk)
    if viewer_pk in primes:
        return Viewer.PRIME
    if viewer_pk in uppers:
        return Viewer.UPPER
    return Viewer.OTHER_BUSINESS


def _worker(session: Session, worker_id: str) -> tuple[Worker, Business | None]:
    worker = session.scalars(select(Worker).where(Worker.worker_id == worker_id)).one_or_none()
    if worker is None:
        raise RequestRefused(404, "not_found", "該当する技能者が見つかりません。")
    employer = session.scalars(select(Business).join(Affiliation, Affiliation.business_pk == Business.id).where(
        Affiliation.worker_pk == worker.id, Affiliation.until.is_(None))).first()
    return worker, employer


def disclosed(session: Session, business_pk: int, worker_pk: int) -> frozenset[str]:
    return frozenset(session.scalars(select(DisclosureSetting.item).where(
        DisclosureSetting.business_pk == business_pk, DisclosureSetting.worker_pk == worker_pk,
        DisclosureSetting.disclosed.is_(True))))


def view_business(viewer_business_id: str, business_id: str) -> dict[str, Any]:
    with unit_of_work() as session:
        viewer = business_by_id(session, viewer_business_id)
        biz = business_by_id(session, business_id)
        if biz.status == "withdrawn":
            raise RequestRefused(404, "not_found", "該当する事業者が見つかりません。")
        position = _position(session, viewer.id, biz.id, Viewer.SELF)
        items = visible_items(Subject.BUSINESS, position)
        fields = visible_fields(Subject.BUSINESS, items)
        data = {"business_id": biz.business_id, **profile(session, biz).data}
        audit(session, actor=f"portal:{viewer_business_id}", action="registry.business_viewed",
              application_id=biz.application_id, position=position.value)
        return {"business_id": biz.business_id, "position": position.value, "items": sorted(items),
                "content": {k: v for k, v in data.items() if k in fields}}


def view_worker(viewer_business_id: str, worker_id: str) -> dict[str, Any]:
    with unit_of_work() as session:
        viewer = business_by_id(session, viewer_business_id)
        worker, employer = _worker(session, worker_id)
        if employer is None:
            position, shown = Viewer.OTHER_BUSINESS, frozenset[str]()
        else:
            position = _position(session, viewer.id, employer.id, Viewer.EMPLOYER)
            shown = disclosed(session, employer.id, worker.id)
        items = visible_items(Subject.WORKER, position, shown)
        fields = visible_fields(Subject.WORKER, items)
        reg = session.get(Application, worker.application_id)
        card = session.scalars(select(Card).where(Card.worker_pk == worker.id).order_by(Card.id.desc())).first()
        # The registration as declared, then the registered content (qualifications verified by review,
        # including those added by a change since).
        data = {**(reg.declared if reg else {}), **worker_content.content(session, worker),
                "name": worker.name, "name_kana": worker.name_kana,
                "birth_date": worker.birth_date.isoformat(),
                "card": {"level": card.level, "colour": card.colour, "expires_on": card.expires_on.isoformat(),
                         "status": card.status} if card else None}
        audit(session, actor=f"portal:{viewer_business_id}", action="registry.worker_viewed",
              application_id=worker.application_id, position=position.value)
        return {"worker_id": worker.worker_id, "position": position.value, "items": sorted(items),
                "content": {k: v for k, v in data.items() if k in fields}}


def search_of(params: dict[str, str | None]) -> WorkerSearch:
    """The checked search of the 開示設定 list; refused (nothing read) with each bad parameter named."""
    search, errors = worker_search(params)
    if errors:
        raise ApplicationInvalid([FieldError(f"query.{key}", message, "invalid") for key, message in errors])
    return search


def settings_of(business_id: str, search: WorkerSearch | None = None) -> list[dict[str, Any]]:
    """開示設定 → 所属技能者: every affiliated worker with the items disclosed to その他事業者, those
    meeting ``search`` (models/disclosure.worker_search) when given. Only the business's own
    workers are listed or searched: their employer may see every item."""
    search = search or WorkerSearch()
    with unit_of_work() as session:
        biz = business_by_id(session, business_id)
        stmt = (select(Worker, Application.declared)
                .join(Affiliation, Affiliation.worker_pk == Worker.id)
                .join(Application, Application.id == Worker.application_id)
                .where(Affiliation.business_pk == biz.id, Affiliation.until.is_(None)))
        if search.worker_id:  # a bound LIKE pattern with its wildcards escaped
            stmt = stmt.where(Worker.worker_id.startswith(search.worker_id, autoescape=True))
        rows = [(w, declared) for w, declared in session.execute(stmt.order_by(Worker.id)).all()
                if worker_matches(search, w.worker_id, {**declared, "name": w.name, "name_kana": w.name_kana})]
        shown: dict[int, set[str]] = {}
        for worker_pk, item in session.execute(select(DisclosureSetting.worker_pk, DisclosureSetting.item).where(
                DisclosureSetting.business_pk == biz.id, DisclosureSetting.disclosed.is_(True),
                DisclosureSetting.worker_pk.in_([w.id for w, _ in rows]))):
            shown.setdefault(worker_pk, set()).add(item)
        return [{"worker_id": w.worker_id, "name": w.name, "name_kana": w.name_kana,
                 "items": {i: i in shown.get(w.id, set()) for i in WORKER_ITEMS}} for w, _ in rows]


def set_settings(business_id: str, worker_id: str, items: dict[str, bool], *, actor: str) -> dict[str, bool]:
    unknown = [i for i in items if i not in WORKER_ITEMS]
    if unknown:
        raise ApplicationInvalid([FieldError(f"items.{i}", "開示設定できない項目です。", "unknown_item") for i in unknown])
    with unit_of_work() as session:
        biz = business_by_id(session, business_id)
        worker, employer = _worker(session, worker_id)
        if employer is None or employer.id != biz.id:
            raise RequestRefused(403, "not_affiliated", "自社に所属する技能者のみ開示設定できます。")
        for item, value in items.items():
            stmt = insert(DisclosureSetting).values(business_pk=biz.id, worker_pk=worker.id, item=item,
                                                    disclosed=bool(value))
            session.execute(stmt.on_conflict_do_update(constraint="uq_disclosure_settings_bwi",
                                                       set_={"disclosed": stmt.excluded.disclosed}))
        audit(session, actor=actor, action="disclosure.updated", application_id=worker.application_id,
              worker_id=worker_id, items=items)
        now = disclosed(session, biz.id, worker.id)
        return {i: i in now for i in WORKER_ITEMS}
