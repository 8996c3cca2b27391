"""現場と施工体制 (sites and the construction structure): a prime contractor registers a site; the
prime, or any business confirmed on it, asks to place a business under itself. The lower business
consents: the relation stays ``pending`` until it accepts (``confirmed``) or declines, acting as
itself from its own sign-in. Only confirmed relations place a business on a site and make its
upper ones 元請・上位下請 in the registry view (services/registry/disclosure.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, aliased

from ccus.infra.db import unit_of_work
from ccus.models import lifecycle_notices
from ccus.models.errors import ApplicationInvalid, FieldError
from ccus.models.lifecycle_tables import Site, SiteContract
from ccus.models.tables import Business
from ccus.services.cases import audit
from ccus.services.gate import initial_status, move
from ccus.services.issuance.steps import new_registry_id
from ccus.services.registry import notices
from ccus.services.registry.business_changes import RequestRefused, business_by_id

PENDING, CONFIRMED, DECLINED = "pending", "confirmed", "declined"
CONTRACT_STATUSES = (PENDING, CONFIRMED, DECLINED)


def register_site(prime_business_id: str, name: str, *, actor: str) -> str:
    with unit_of_work() as session:
        prime = business_by_id(session, prime_business_id)
        site = Site(site_id=new_registry_id(session), name=name.strip()[:200], prime_business_pk=prime.id)
        session.add(site)
        session.flush()
        audit(session, actor=actor, action="site.registered", application_id=None, site_id=site.site_id,
              prime=prime_business_id)
        return site.site_id


def site_by_id(session: Session, site_id: str) -> Site:
    site = session.scalars(select(Site).where(Site.site_id == site_id)).one_or_none()
    if site is None:
        raise RequestRefused(404, "site_not_found", "該当する現場が見つかりません。")
    return site


def on_site(session: Session, site: Site, business_pk: int) -> bool:
    """The prime, or a business whose relation on ``site`` its own side confirmed."""
    return business_pk == site.prime_business_pk or session.scalars(select(SiteContract.id).where(
        SiteContract.site_pk == site.id, SiteContract.business_pk == business_pk,
        SiteContract.status == CONFIRMED)).first() is not None


def add_contract(actor_business_id: str, site_id: str, business_id: str, upper_business_id: str, *,
                 actor: str) -> int:
    """Ask ``business_id`` to work on the site under ``upper_business_id`` (the actor itself): a
    pending relation and a portal notice to the lower business. Returns the relation's id."""
    with unit_of_work() as session:
        site = site_by_id(session, site_id)
        actor_biz = business_by_id(session, actor_business_id)
        upper = business_by_id(session, upper_business_id)
        sub = business_by_id(session, business_id)
        if actor_biz.id != upper.id or not on_site(session, site, upper.id):
            raise RequestRefused(403, "not_upper", "自社が施工体制に入っている現場で、自社の下位の事業者のみ登録できます。")
        contract_id = None if sub.id == site.prime_business_pk else session.execute(
            insert(SiteContract).values(site_pk=site.id, business_pk=sub.id, upper_business_pk=upper.id,
                                      status=initial_status(SiteContract, PENDING))
            .on_conflict_do_nothing(constraint="uq_site_contracts_site_business").returning(SiteContract.id)
        ).scalar_one_or_none()
        if contract_id is None:
            raise RequestRefused(409, "already_on_site",
                                 "この事業者はすでにこの現場の施工体制に登録されているか、登録を依頼済み・辞退済みです。")
        subject, body = lifecycle_notices.contract_requested(sub.trade_name, site.name, site.site_id,
                                                             upper.trade_name, upper.business_id)
        notices.post(session, sub, key=f"{sub.business_id}:contract-request:{contract_id}", subject=subject,
                           body=body, email=False)
        audit(session, actor=actor, action="site.contract_requested", application_id=None, site_id=site_id,
              contract_id=contract_id, business_id=business_id, upper=upper_business_id)
        return int(contract_id)


def contracts_of(business_id: str, status: str | None = None) -> list[dict[str, Any]]:
    """The relations that place ``business_id`` under another business (requests to it included)."""
    if status is not None and status not in CONTRACT_STATUSES:
        raise ApplicationInvalid([FieldError("status", "pending・confirmed・declined のいずれかを指定してください。",
                                             "invalid_choice")])
    upper = aliased(Business)
    with unit_of_work() as session:
        me = business_by_id(session, business_id)
        stmt = (select(SiteContract, Site, upper).join(Site, Site.id == SiteContract.site_pk)
                .join(upper, upper.id == SiteContract.upper_business_pk).where(SiteContract.business_pk == me.id))
        if status is not None:
            stmt = stmt.where(SiteContract.status == status)
        return [_contract_dict(c, s, u) for c, s, u in session.execute(stmt.order_by(SiteContract.id.desc()))]


def _contract_dict(contract: SiteContract, site: Site, upper: Business) -> dict[str, Any]:
    return {"contract_id": contract.id, "site_id": site.site_id, "site_name": site.name,
            "upper_business_id": upper.business_id, "upper_trade_name": upper.trade_name, "status": contract.status,
            "requested_at": contract.requested_at.isoformat(),
            "decided_at": contract.decided_at.isoformat() if contract.decided_at else None}


def answer_contract(business_id: str, contract_id: int, *, accept: bool, actor: str) -> str:
    """The lower business accepts or declines a pending relation; answering the same way again
    changes nothing. Returns the relation's status."""
    wanted = CONFIRMED if accept else DECLINED
    with unit_of_work() as session:
        me = business_by_id(session, business_id)
        contract = session.scalars(select(SiteContract).where(
            SiteContract.id == contract_id, SiteContract.business_pk == me.id).with_for_update()).one_or_none()
        if contract is None:  # someone else's relation is as unknown as a missing one
            raise RequestRefused(404, "contract_not_found", "該当する施工体制の登録依頼が見つかりません。")
        if contract.status == wanted:
            return wanted
        if contract.status != PENDING:
            raise RequestRefused(409, "already_answered", "この登録依頼にはすでに回答済みです。")
        move(contract, wanted)
        contract.decided_at = func.now()
        audit(session, actor=actor, action=f"site.contract_{'accepted' if accept else 'declined'}",
              application_id=None, contract_id=contract.id, business_id=business_id)
        return wanted


def uppers_of(session: Session, business_pk: int) -> tuple[set[int], set[int]]:
    """(primes, upper subcontractors) above ``business_pk`` on any site, by confirmed relations only."""
    primes: set[int] = set()
    uppers: set[int] = set()
    contracts = session.execute(select(SiteContract, Site).join(Site, Site.id == SiteContract.site_pk)
                                .where(SiteContract.business_pk == business_pk, SiteContract.status == CONFIRMED)).all()
    for contract, site in contracts:
        primes.add(site.prime_business_pk)
        above, seen = contract.upper_business_pk, {business_pk}
        while above != site.prime_business_pk and above not in seen:
            seen.add(above)
            uppers.add(above)
            nxt = session.scalars(select(SiteContract.upper_business_pk).where(
                SiteContract.site_pk == site.id, SiteContract.business_pk == above,
                SiteContract.status == CONFIRMED)).first()
            if nxt is None:
                break
            above = nxt
    return primes, uppers - primes
