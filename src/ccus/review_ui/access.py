"""Who may call each route: every route declares its roles, and the table is read from the app itself.

A dependency that checks who is calling (a staff session, a reviewer's bearer token, a portal
sign-in, a linked system's key, the applicant's proof) is marked with ``declares(...)`` and the roles
it lets through. A route's roles are the intersection of the roles of the marked dependencies it
depends on (a reviewer check under a staff session: the reviewers). A route with no marked
dependency must be listed in ``PUBLIC`` with the reason it is open to anyone;
``tests/unit/test_route_roles.py`` fails on any route that is neither, and ``ccus routes`` prints the
table that the README's security section holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount, Route

ROLES_ATTR = "__ccus_roles__"

STAFF_ROLES = ("reviewer", "supervisor", "clerk", "admin")
BUSINESS = "business"  # signed in to the portal, password changed
BUSINESS_INITIAL = "business (initial password)"  # signed in with the initial password: only the change
REGISTRANT = "business (registrant)"  # signed in as the 登録責任者 (the 事業者ID), password changed
LINKED_SYSTEM = "linked system"
APPLICANT = "applicant"  # holds the case's applicant secret
ANYONE = "anyone"

F = TypeVar("F", bound=Callable[..., Any])

# A caller in the key's role is also in these: the 登録責任者 is a business like its other 管理者IDs.
INCLUDES: dict[str, tuple[str, ...]] = {REGISTRANT: (BUSINESS,)}


def admits(roles: tuple[str, ...] | None, caller: str) -> bool:
    """Whether a route whose checks let ``roles`` through lets ``caller`` through."""
    return any(role in (roles or ()) for role in (caller, *INCLUDES.get(caller, ())))


def declares(*roles: str) -> Callable[[F], F]:
    """Mark a dependency as the check that lets ``roles`` through."""

    def mark(check: F) -> F:
        setattr(check, ROLES_ATTR, tuple(roles))
        return check

    return mark


# Routes open to anyone, each with why. Documentation and static files are open by nature.
PUBLIC: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): "liveness probe; answers nothing about cases",
    ("GET", "/fonts/ipaexg.ttf"): "the screens' Japanese font",
    ("GET", "/login"): "the staff sign-in page",
    ("POST", "/login"): "staff sign-in (throttled; login CSRF cookie)",
    ("GET", "/portal/login"): "the business portal's sign-in page",
    ("POST", "/portal/login"): "portal sign-in on the screens (throttled; login CSRF cookie)",
    ("POST", "/api/v1/applications"): "an application from anyone (a proxy filing needs a business sign-in)",
    ("POST", "/api/v1/portal/sign-in"): "portal sign-in (throttled)",
    ("GET", "/openapi.json"): "the API's description",
    ("GET", "/docs"): "the API's documentation",
    ("GET", "/docs/oauth2-redirect"): "the API documentation's sign-in helper",
    ("GET", "/redoc"): "the API's documentation",
    ("GET", "/static"): "style sheet and scripts of the screens",
}


@dataclass(frozen=True)
class RouteAccess:
    method: str
    path: str
    roles: tuple[str, ...] | None  # None: no check declared
    public_reason: str | None


def _marked(dependant: Dependant) -> Iterator[tuple[str, ...]]:
    for sub in dependant.dependencies:
        roles = getattr(sub.call, ROLES_ATTR, None)
        if roles is not None:
            yield roles
        yield from _marked(sub)


def declared_roles(route: APIRoute) -> tuple[str, ...] | None:
    sets = list(_marked(route.dependant))
    if not sets:
        return None
    allowed = [role for role in sets[0] if all(role in s for s in sets[1:])]
    return tuple(allowed)


def _routes(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    """The app's routes, with the routers it includes flattened (FastAPI ≥ 0.150 keeps an included
    router as one route object; none of ours is included with a prefix or dependencies of its own)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes)
        else:
            yield route


def route_table(app: FastAPI) -> list[RouteAccess]:
    rows: list[RouteAccess] = []
    for route in _routes(app.routes):
        if isinstance(route, APIRoute):
            roles = declared_roles(route)
            for method in sorted(route.methods or ()):
                rows.append(RouteAccess(method, route.path, roles, PUBLIC.get((method, route.path))))
        elif isinstance(route, Mount):
            rows.append(RouteAccess("GET", route.path, None, PUBLIC.get(("GET", route.path))))
        elif isinstance(route, Route):
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                rows.append(RouteAccess(method, route.path, None, PUBLIC.get((method, route.path))))
    return sorted(rows, key=lambda r: (r.path, r.method))


def undeclared(app: FastAPI) -> list[str]:
    """Routes that neither declare their roles nor are listed as public (and public ones that check)."""
    problems = []
    for row in route_table(app):
        if row.roles is None and row.public_reason is None:
            problems.append(f"{row.method} {row.path}: no role declared and not listed in access.PUBLIC")
        if row.roles is not None and row.public_reason is not None:
            problems.append(f"{row.method} {row.path}: listed as public but checks {', '.join(row.roles)}")
        if row.roles == ():
            problems.append(f"{row.method} {row.path}: its checks admit no role at all")
    present = {(r.method, r.path) for r in route_table(app)}
    problems += [f"{m} {p}: listed in access.PUBLIC but no such route" for (m, p) in PUBLIC if (m, p) not in present]
    return problems


def markdown_table(app: FastAPI) -> str:
    lines = ["| method | path | who may call it |", "|---|---|---|"]
    for row in route_table(app):
        who = ", ".join(row.roles) if row.roles is not None else f"{ANYONE} ({row.public_reason})"
        lines.append(f"| {row.method} | `{row.path}` | {who} |")
    return "\n".join(lines)
