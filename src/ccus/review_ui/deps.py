"""Typed dependencies for routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, status
from sqlalchemy.orm import Session

from ccus.infra.db import unit_of_work
from ccus.models.errors import Forbidden as Refused
from ccus.review_ui.access import STAFF_ROLES, declares
from ccus.services.auth.api_tokens import Staff, authenticate


@declares(*STAFF_ROLES)
def _staff(authorization: Annotated[str | None, Header()] = None) -> Staff:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="認証が必要です。",
                            headers={"WWW-Authenticate": "Bearer"})
    staff = authenticate(authorization.split(" ", 1)[1].strip())
    if staff is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="認証情報が正しくありません。",
                            headers={"WWW-Authenticate": "Bearer"})
    return staff


def require_role(*roles: str):  # type: ignore[no-untyped-def]
    @declares(*roles)
    def check(staff: Annotated[Staff, Depends(_staff)]) -> Staff:
        if staff.role not in roles:
            raise Refused("この操作を行う権限がありません。")
        return staff

    return check


Reviewer = Annotated[Staff, Depends(require_role("reviewer", "supervisor"))]


def _transaction() -> Iterator[Session]:
    """The route's one transaction: committed when the route function returns (before the answer
    is sent, so a failed commit is answered as a failure), rolled back if it raises."""
    with unit_of_work() as session:
        yield session


# A route that reads or writes the database in one transaction declares ``session: SessionDep``
# and hands the session to the services it calls; it opens no ``unit_of_work`` of its own.
SessionDep = Annotated[Session, Depends(_transaction, scope="function")]
