"""Every route of the web app under hostile input, on the real stack: no answer is a server error.

The routes come from the app itself (``create_app().routes``). For each one the walker finds a
credential the route admits (none, a staff session of some role with its CSRF token, a staff API
token, a portal session, a portal screens' session with its CSRF token, a linked system's key), then sends hostile path values (NUL, full-width
digits, a 400-digit number, ``../..``, U+202E, a lone surrogate, very long strings), hostile query
values, JSON bodies whose fields hold NUL, 10**40, ``true``, nested objects…, form posts likewise, and
multipart applications (internet and counter) whose declared fields and file names are hostile.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select

from ccus.infra.db import unit_of_work
from ccus.models.disclosure import WORKER_ITEMS
from ccus.models.lifecycle import CHANGEABLE_ITEMS
from ccus.models.status import Status
from ccus.models.tables import Application, Document
from tests.support import lifecycle as make
from tests.support import portal_screens
from tests.support.counter import flatten
from tests.support.hostile import (
    EXTRA_QUERY,
    HOSTILE_TEXT,
    PATH_VALUES,
    Call,
    form_names,
    json_dumps,
    json_mutations,
    leaf_paths,
    with_value,
)
from tests.support.web import business_sample, csrf_of, new_user, proxy_sample, queued_case, sign_in, worker_sample

pytestmark = pytest.mark.integration

STAFF_HOME = {"reviewer": "/queue", "supervisor": "/queue", "clerk": "/counter", "admin": "/admin/users"}
FREE_FORM_KEYS = tuple(CHANGEABLE_ITEMS) + tuple(WORKER_ITEMS)
# Declared-field values for the multipart applications (each in every declared field in turn).
APPLICATION_VALUES: tuple[Any, ...] = ("山田\x00太郎", "\u202e郎太田山", "\ud800", "x" * 20000, 10**40, True,
                                       {"a": "b"}, ["x"])
FORM_TEXT = tuple(v for v in HOSTILE_TEXT if v != "\ud800")  # a form cannot carry a lone surrogate


def _sendable(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _app_routes(app: Any) -> Iterator[tuple[str, str, Any]]:
    from fastapi.routing import APIRoute, iter_route_contexts

    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute):
            for method in sorted(route.methods):
                yield ctx.path, method, route


class Identity:
    """A client and what it sends to be admitted: session cookie (in the client), headers, CSRF.
    ``check`` is a GET the identity must be admitted to while its session holds (None: no session)."""

    def __init__(self, name: str, client: Any, headers: dict[str, str] | None = None, csrf: str | None = None,
                 check: str | None = None):
        self.name, self.client, self.headers, self.csrf, self.check = name, client, headers or {}, csrf, check

    def send(self, call: Call) -> Any:
        kwargs = dict(call.kwargs)
        headers = {**self.headers, **kwargs.pop("headers", {})}
        data = kwargs.pop("data", None)
        if data is not None and self.csrf and isinstance(data, dict):
            data = {"csrf_token": self.csrf, **data}
        return self.client.request(call.method, call.url, headers=headers, data=data, follow_redirects=False,
                                   **kwargs)

    def holds(self) -> bool:
        """The session still admits it (its page answers 200, not the sign-in page)."""
        if self.check is None:
            return True
        response = self.client.get(self.check, headers=self.headers, follow_redirects=False)
        if response.status_code != 200:
            return False
        if self.csrf:
            self.csrf = csrf_of(response.text)
        return True


@pytest.fixture(scope="module")
def world(web: Any, reviewer_token: str) -> dict[str, Any]:
    """What the benign parts of a request name: staff users, cases, documents, a linked system."""
    from ccus.services.registry.attendance import register_system

    users = {role: new_user(role) for role in STAFF_HOME}
    queued = queued_case()
    returned = queued_case(status=Status.RETURNED)
    with unit_of_work() as session:
        app_id = session.scalars(select(Application.id).where(Application.application_number == queued)).one()
        document_id = session.scalars(select(Document.id).where(Document.application_id == app_id)).first()
    return {"users": users, "queued": queued, "returned": returned, "document_id": document_id,
            "linked_key": register_system("hostile-walker").api_key, "api_token": reviewer_token,
            "throwaway": new_user("reviewer", "throwaway")}


PORTAL_WORLD = ("business_id", "worker_id", "site_id")  # path values owned by the portal identity's business


class Identities:
    """The walk's identities (anonymous, each staff role, a staff API token, a business's portal
    session, a linked system), kept from route to route and renewed whenever a route may have spent
    one: the identity that walked a route that is not a GET is replaced (it may have signed out,
    withdrawn, changed its password…), and so is the portal's business when such a route named it;
    an identity only probed, or walking a GET, is kept while its session still admits it. (Signing
    in costs an argon2 verification and a new business two hashes: a fresh set for every route was
    most of the walk's time.)"""

    def __init__(self, web: Any, world: dict[str, Any]):
        self.web, self.world = web, world
        self.by_name: dict[str, Identity] = {}
        self.benign: dict[str, str] = {"application_number": world["queued"], "number": world["queued"],
                                       "document_id": str(world["document_id"]), "page_no": "1", "notice_id": "1", "act": "suspend",
                                       "username": world["throwaway"]}
        for name in ("anonymous", *STAFF_HOME, "staff-api", "portal", "portal-web", "linked"):
            self.renew(name)

    def client(self) -> Any:
        from fastapi.testclient import TestClient

        return TestClient(self.web, raise_server_exceptions=False, client=("walker.test", 50000))  # its failed sign-ins throttle only this address

    def renew(self, name: str) -> None:
        old = self.by_name.get(name)
        if old is not None:
            old.client.close()
        c = self.client()
        if name in STAFF_HOME:
            assert sign_in(c, self.world["users"][name]).status_code == 303
            self.by_name[name] = Identity(name, c, csrf=csrf_of(c.get(STAFF_HOME[name]).text), check=STAFF_HOME[name])
        elif name == "staff-api":
            self.by_name[name] = Identity(name, c, {"Authorization": f"Bearer {self.world['api_token']}"})
        elif name == "linked":
            self.by_name[name] = Identity(name, c, {"X-API-Key": self.world["linked_key"]})
        elif name == "portal":
            self.by_name[name] = self._portal(c)
        elif name == "portal-web":
            c.close()
            self.by_name[name] = self._portal_web()
        else:
            self.by_name[name] = Identity(name, c)

    def _portal(self, c: Any) -> Identity:
        from ccus.services.registry import sites

        biz = make.business(must_change=False)
        token = c.post("/api/v1/portal/sign-in", json={"login_id": biz.business_id, "password": make.PASSWORD}).json()
        worker = make.worker(biz)
        self.benign.update(worker_id=worker.worker_id, business_id=biz.business_id,
                           site_id=sites.register_site(biz.business_id, "見本現場", actor="test"))
        return Identity("portal", c, {"Authorization": f"Bearer {token['token']}"}, check="/api/v1/portal/home")

    def _portal_web(self) -> Identity:
        """The 登録責任者 of a business signed in to the portal's screens (a cookie and its CSRF token),
        from an address of its own: the walk's failed sign-ins never throttle it."""
        from fastapi.testclient import TestClient

        biz = make.business(must_change=False, admin_ids=2)
        c = TestClient(self.web, raise_server_exceptions=False, client=("walker-portal.test", 50001))
        assert portal_screens.sign_in(c, biz.business_id, make.PASSWORD).status_code == 303
        return Identity("portal-web", c, csrf=csrf_of(c.get("/portal").text), check="/portal")

    def in_order(self) -> list[Identity]:
        return list(self.by_name.values())

    def after(self, path: str, method: str, walked_by: Identity, probed: list[Identity]) -> None:
        """Renew what the route may have spent (see the class)."""
        stale = {walked_by.name} if method != "GET" else set()
        if method != "GET" and any(f"{{{param}}}" in path for param in PORTAL_WORLD):
            stale.add("portal")
        stale |= {i.name for i in (*probed, walked_by) if i.name not in stale and not i.holds()}
        for name in stale:
            self.renew(name)


def _url(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), path)


def _admitted(response: Any) -> bool:
    if response.status_code in (401, 403):
        return False
    return not (response.status_code in (302, 303, 307) and "/login" in response.headers.get("location", ""))


def _benign_kwargs(route: Any) -> dict[str, Any]:
    if route.body_field is not None:
        schema = route.body_field.field_info.annotation.model_json_schema()
        body = next(json_mutations(schema, FREE_FORM_KEYS))[1]
        return {"content": json_dumps(body), "headers": {"Content-Type": "application/json"}}
    if route.methods & {"POST", "PUT", "PATCH", "DELETE"}:
        return {"data": dict.fromkeys(form_names(route), "テスト")}
    return {}


def _calls(path: str, method: str, route: Any, benign: dict[str, str], world: dict[str, Any]) -> Iterator[Call]:
    base = _benign_kwargs(route)
    for param in (p.name for p in route.dependant.path_params):
        for value in PATH_VALUES:
            yield Call(f"path {param}={value:.30}", method, _url(path, {**benign, param: value}), dict(base))
    url = _url(path, benign)
    query_names = [q.alias for q in route.dependant.query_params] + (list(EXTRA_QUERY) if method == "GET" else [])
    for value in FORM_TEXT:
        if query_names:
            yield Call(f"query={value!r:.30}", method, url + "?" + "&".join(
                f"{n}={quote(value[:3000])}" for n in query_names), dict(base))
    if route.body_field is not None:
        schema = route.body_field.field_info.annotation.model_json_schema()
        for label, body in json_mutations(schema, FREE_FORM_KEYS):
            yield Call(f"json {label}", method, url, {"content": json_dumps(body),
                                                      "headers": {"Content-Type": "application/json"}})
    elif "data" in base:
        names = form_names(route)
        for value in FORM_TEXT:
            yield Call(f"form={value!r:.30}", method, url, {"data": dict.fromkeys(names, value)})
    yield from _special_calls(path, method, url.replace(benign["application_number"], world["returned"]))


def _samples() -> list[Any]:
    return [business_sample(), worker_sample(), proxy_sample("employer")]


def _special_calls(path: str, method: str, url: str) -> Iterator[Call]:
    """Multipart bodies: the internet application, the counter form, the answer to a return."""
    if (path, method) == ("/api/v1/applications", "POST"):
        for sample in _samples():
            files = [(f.role, (f.filename, f.data, f.content_type)) for f in sample.files]
            envelope = sample.envelope()
            for leaf in leaf_paths(envelope["data"]):
                for value in APPLICATION_VALUES:
                    body = with_value(envelope, ("data", *leaf), value)
                    yield Call(f"application {sample.kind} {'.'.join(map(str, leaf))}={value!r:.30}", method, url,
                               {"data": {"application": json_dumps(body).decode()}, "files": files})
            for field, value in (("kind", "\x00"), ("kind", 10**40), ("data", "\x00"), ("data", 10**40)):
                yield Call(f"application {field}={value!r}", method, url,
                           {"data": {"application": json_dumps({**envelope, field: value}).decode()}, "files": files})
            for name in ("a\x00b.jpg", "\u202egpj.exe", "x" * 1000 + ".jpg", "../../etc/passwd"):
                renamed = [(role, (name, data, ctype)) for role, (_, data, ctype) in files]
                yield Call(f"application filename={name!r:.30}", method, url,
                           {"data": {"application": json.dumps(envelope)}, "files": renamed})
    if path.endswith("/documents") and method == "POST":
        sample = worker_sample()
        for name in ("a\x00b.jpg", "\u202egpj.exe", "x" * 1000 + ".jpg"):
            files = [(f.role, (name, f.data, f.content_type)) for f in sample.files]
            yield Call(f"documents filename={name!r:.30}", method, url, {"files": files})
    if (path, method) == ("/counter/new", "POST"):
        for sample in _samples():
            scans = [(f"attachments.{f.role}", (f.filename, f.data, f.content_type)) for f in sample.files]
            values = flatten(sample.data)
            for name in values:
                for value in ("山田\x00太郎", "\u202e郎太田山", "9" * 400):
                    yield Call(f"counter {sample.kind} {name}={value!r:.30}", method, url, {
                        "data": {**values, name: value, "kind": sample.kind}, "files": scans})


def test_no_route_answers_hostile_input_with_a_server_error(web: Any, world: dict[str, Any]) -> None:
    routes = list(_app_routes(web))
    assert len(routes) > 40, "the walker found too few routes: did the app's route listing change?"
    failures: list[str] = []
    walked = 0
    identities = Identities(web, world)
    for path, method, route in routes:
        benign = dict(identities.benign)
        probe = Call("probe", method, _url(path, benign), _benign_kwargs(route))
        probed: list[Identity] = []
        for candidate in identities.in_order():
            probed.append(candidate)
            if _admitted(candidate.send(probe)):
                who = candidate
                break
        else:
            who = probed[0]
        for call in _calls(path, method, route, benign, world):
            walked += 1
            try:
                response = who.send(call)
            except (UnicodeEncodeError, httpx.InvalidURL):
                continue  # the client itself cannot send it
            if response.status_code >= 500:
                failures.append(f"{method} {path} as {who.name}: {call.label} → {response.status_code}")
        identities.after(path, method, who, probed)
    assert walked > 1000
    assert not failures, f"{len(failures)} server errors of {walked} requests:\n" + "\n".join(failures[:200])
