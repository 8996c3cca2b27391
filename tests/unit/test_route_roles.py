"""Every route declares who may call it, and the README's security section holds the table."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI

from ccus.review_ui import access
from ccus.review_ui.app import create_app
from ccus.review_ui.auth import Reviewer
from ccus.review_ui.portal_deps import BusinessUser

README = Path(__file__).parents[2] / "README.md"


def test_every_route_of_the_app_declares_its_roles_or_is_listed_as_public() -> None:
    assert access.undeclared(create_app()) == []


def test_a_new_route_without_a_role_check_is_reported() -> None:
    app = create_app()
    extra = APIRouter()

    @extra.get("/api/v1/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    app.include_router(extra)
    assert "GET /api/v1/forgotten: no role declared and not listed in access.PUBLIC" in access.undeclared(app)


def test_roles_are_the_intersection_of_the_checks_a_route_depends_on() -> None:
    app = FastAPI()

    @app.get("/screen")
    def screen(user: Reviewer) -> None: ...

    @app.get("/portal")
    def portal(user: BusinessUser) -> None: ...

    @app.get("/nobody")
    def nobody(user: Reviewer, biz: BusinessUser) -> None: ...

    @app.get("/marked", dependencies=[Depends(access.declares("admin")(lambda: None))])
    def marked() -> None: ...

    roles = {row.path: row.roles for row in access.route_table(app) if row.method == "GET"}
    assert roles["/screen"] == ("reviewer", "supervisor")
    assert roles["/portal"] == (access.BUSINESS,)
    assert roles["/nobody"] == ()
    assert roles["/marked"] == ("admin",)
    assert "GET /nobody: its checks admit no role at all" in access.undeclared(app)


def test_the_readme_holds_the_route_table_generated_from_the_app() -> None:
    table = access.markdown_table(create_app())
    assert table in README.read_text(encoding="utf-8"), (
        "README.md's security section is out of date: paste the output of `uv run ccus routes`")


def test_the_registrant_is_a_business_but_a_business_is_not_the_registrant() -> None:
    assert access.admits((access.BUSINESS,), access.REGISTRANT)
    assert access.admits((access.REGISTRANT,), access.REGISTRANT)
    assert not access.admits((access.REGISTRANT,), access.BUSINESS)
    assert not access.admits((access.REGISTRANT,), access.BUSINESS_INITIAL)
    assert not access.admits(None, access.REGISTRANT)
