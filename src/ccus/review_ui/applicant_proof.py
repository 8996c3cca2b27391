"""Typed dependencies: the applicant's proof (回答用コード or the filing business's portal sign-in).

``ApplicantCase`` guards the routes of one case (status, answer to a return): refused before the
request body is read, with the same answer whether or not the 申請番号 exists. ``proxy_filer``
takes the filer of a proxy application (代行申請) from the portal sign-in, never from the body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, status

from ccus.models.applicant_view import SECRET_HEADER
from ccus.models.errors import ApplicationInvalid, FieldError, Forbidden
from ccus.models.identifiers import normalize_application_number
from ccus.review_ui.access import APPLICANT, BUSINESS, declares
from ccus.services.auth.portal_sign_in import PortalUser, resolve
from ccus.services.intake import applicant_view

NO_PROOF = ("申請番号と回答用コードの組み合わせを確認できません。申請時または不備のお知らせに記載の回答用コードを"
            f"{SECRET_HEADER} ヘッダーで送るか、申請した事業者として事業者ポータルにログインしてください。")
NOT_YOURS = "この申請を参照・操作する権限がありません。"
SIGN_IN_FOR_PROXY = "代行申請は、申請する事業者として事業者ポータルにログインしてから送信してください。"


@dataclass(frozen=True)
class Proof:
    secret: str | None
    portal: PortalUser | None  # a live full portal session; None for none, a dead one or a first sign-in


def proof(
    x_application_secret: Annotated[str | None, Header(alias=SECRET_HEADER, max_length=200)] = None,
    authorization: Annotated[str | None, Header(max_length=500)] = None,
) -> Proof:
    user = None
    if authorization and authorization.lower().startswith("bearer "):
        user = resolve(authorization.split(" ", 1)[1].strip())
        if user is not None and user.scope != "full":
            user = None
    return Proof(x_application_secret.strip() if x_application_secret else None, user)


def _refuse(found_proof: Proof) -> HTTPException | Forbidden:
    """Signed in as a business that is not the case's: refused (403); no proof at all: challenged (401)."""
    if found_proof.portal is not None:
        return Forbidden(NOT_YOURS)
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=NO_PROOF,
                         headers={"WWW-Authenticate": f'Bearer, {SECRET_HEADER}'})


@declares(APPLICANT, BUSINESS)
def applicant_case(application_number: str, found: Annotated[Proof, Depends(proof)]) -> applicant_view.ApplicantCase:
    if found.secret is None and found.portal is None:
        raise _refuse(found)
    try:
        number = normalize_application_number(application_number)
    except ValueError:
        raise _refuse(found) from None
    case = applicant_view.case_for(number, secret=found.secret,
                                   business_id=found.portal.business_id if found.portal else None)
    if case is None:
        raise _refuse(found)
    return case


ApplicantCase = Annotated[applicant_view.ApplicantCase, Depends(applicant_case)]
ApplicantProof = Annotated[Proof, Depends(proof)]


def proxy_filer(declared: Any, found: Proof) -> Any:
    """The declared data of a proxy application with its filer taken from the portal sign-in.

    No live full portal session → 401; a body naming another business as the filer → 422 naming
    ``application.proxy.filer_business_id``."""
    if found.portal is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=SIGN_IN_FOR_PROXY,
                            headers={"WWW-Authenticate": "Bearer"})
    if not isinstance(declared, dict):
        return declared  # the declared-data checks name what is wrong
    filer = found.portal.business_id
    proxy = declared.get("proxy")
    if isinstance(proxy, dict):
        named = proxy.get("filer_business_id")
        if named not in (None, "", filer):
            raise ApplicationInvalid([FieldError(
                "application.proxy.filer_business_id",
                "代行申請の申請者は、ログインしている事業者です。別の事業者IDは指定できません。", "filer_mismatch")])
        return {**declared, "proxy": {**proxy, "filer_business_id": filer}}
    return declared
