"""現場と施工体制 (sites and the construction structure): a prime contractor registers a site; the
prime, or any business already on it, adds the businesses working under it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccus.infra.db import unit_of_work
from ccus.models.lifecycle_tables import Site, SiteContract
from ccus.services.business_lifecycle import RequestRefused, business_by_id
from ccus.services.cases import audit
from ccus.services.issuance import new_registry_id


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
    return business_pk == site.prime_business_pk or session.scalars(select(SiteContract.id).where(
        SiteContract.site_pk == site.id, SiteContract.business_pk == business_pk)).first() is not None


def add_contract(actor_business_id: str, site_id: str, business_id: str, upper_business_id: str, *, actor: str) -> None:
    """``business_id`` works on the site under ``upper_business_id``; the actor is that upper one."""
    with unit_of_work() as session:
        site = site_by_id(session, site_id)
        actor_biz = business_by_id(session, actor_business_id)
        upper = business_by_id(session, upper_business_id)
        sub = business_by_id(session, business_id)
        if actor_biz.id != upper.id or not on_site(session, site, upper.id):
            raise RequestRefused(403, "not_upper", "自社が施工体制に入っている現場で、自社の下位の事業者のみ登録できます。")
        if on_site(session, site, sub.id):
            raise RequestRefused(409, "already_on_site", "この事業者はすでにこの現場の施工体制に登録されています。")
        session.add(SiteContract(site_pk=site.id, business_pk=sub.id, upper_business_pk=upper.id))
        audit(session, actor=actor, action="site.contract_added", application_id=None, site_id=site_id,
              business_id=business_id, upper=upper_business_id)


def uppers_of(session: Session, business_pk: int) -> tuple[set[int], set[int]]:
    """(primes, upper subcontractors) above ``business_pk`` on any site."""
    primes: set[int] = set()
    uppers: set[int] = set()
    contracts = session.execute(select(SiteContract, Site).join(Site, Site.id == SiteContract.site_pk)
                                .where(SiteContract.business_pk == business_pk)).all()
    for contract, site in contracts:
        primes.add(site.prime_business_pk)
        above, seen = contract.upper_business_pk, {business_pk}
        while above != site.prime_business_pk and above not in seen:
            seen.add(above)
            uppers.add(above)
            nxt = session.scalars(select(SiteContract.upper_business_pk).where(
                SiteContract.site_pk == site.id, SiteContract.business_pk == above)).first()
            if nxt is None:
                break
            above = nxt
    return primes, uppers - primes
