"""Typed dependencies of the business portal's API: the signed-in business (事業者ポータル)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, status

from ccus.models.errors import Forbidden
from ccus.review_ui.access import BUSINESS, BUSINESS_INITIAL, REGISTRANT, declares
from ccus.services.auth.portal_sign_in import PortalUser, resolve
from ccus.services.registry.admin_ids import require_registrant


def bearer(authorization: Annotated[str | None, Header()] = None) -> str:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="ログインが必要です。",
                            headers={"WWW-Authenticate": "Bearer"})
    return authorization.split(" ", 1)[1].strip()


@declares(BUSINESS, BUSINESS_INITIAL)
def _any_scope(token: Annotated[str, Depends(bearer)]) -> PortalUser:
    user = resolve(token)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="ログインの有効期限が切れたか、ログインが無効です。",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


@declares(BUSINESS)
def _full(user: Annotated[PortalUser, Depends(_any_scope)]) -> PortalUser:
    if user.scope != "full":
        raise Forbidden("初期パスワードを変更してください（セキュリティコードが必要です）。", code="must_change_password")
    return user


@declares(REGISTRANT)
def _registrant(token: Annotated[str, Depends(bearer)]) -> PortalUser:
    """The 登録責任者: signed in with the 事業者ID itself (its first 管理者ID), password changed."""
    user = _full(_any_scope(token))
    require_registrant(user)
    return user


AnyPortalUser = Annotated[PortalUser, Depends(_any_scope)]
RegistrantUser = Annotated[PortalUser, Depends(_registrant)]
BusinessUser = Annotated[PortalUser, Depends(_full)]
Token = Annotated[str, Depends(bearer)]
