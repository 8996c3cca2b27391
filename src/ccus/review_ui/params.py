"""Request parameters checked before any route reads them: every path value holds only characters
the registry accepts (``models.text_rules``), and a database id fits PostgreSQL's bigint.

``SafePath`` is a router-wide dependency (``APIRouter(dependencies=[SafePath])``); a refused value
answers 422 in the usual envelope, naming ``path.<parameter>``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.exceptions import RequestValidationError

from ccus.models.text_rules import ERROR_CODE, forbidden_character

BIGINT_MAX = 2**63 - 1


def _safe_path(request: Request) -> None:
    errors = []
    for name, value in request.path_params.items():
        if isinstance(value, str) and (reason := forbidden_character(value)):
            errors.append({"type": ERROR_CODE, "loc": ("path", name), "msg": reason, "input": None,
                           "ctx": {"reason": reason}})
    if errors:
        raise RequestValidationError(errors)


SafePath = Depends(_safe_path)

DbId = Annotated[int, Path(ge=1, le=BIGINT_MAX, description="番号（正の整数）")]
"""A row id in a path: a positive bigint (a larger number would make PostgreSQL refuse the query)."""
