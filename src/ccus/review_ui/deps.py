"""Typed dependencies for routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, status

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
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="この操作を行う権限がありません。")
        return staff

    return check


Reviewer = Annotated[Staff, Depends(require_role("reviewer", "supervisor"))]
