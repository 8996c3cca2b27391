"""The web application: the internet channel's API, the reviewers' API (OpenAPI at /docs) and the
staff screens (sign-in, queue, case, dashboard, counter look-up and intake, accounts), and the
business portal's screens (/portal)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from ccus.models.errors import INVALID_JA, FieldError, Invalid, message_for, path_of
from ccus.review_ui.body_limit import BodyLimitMiddleware
from ccus.review_ui.caching import NoStoreMiddleware
from ccus.review_ui.failures import FailureMiddleware, install_refusals, refusal_body
from ccus.review_ui.params import SafePath
from ccus.review_ui.routes import (
    applications,
    linked,
    portal,
    portal_admins,
    portal_workers,
    review,
    web_auth,
    web_case,
    web_counter,
    web_manage,
    web_portal,
    web_portal_admins,
    web_queue,
)
from ccus.review_ui.web import HERE, install_error_pages


def create_app() -> FastAPI:
    api = FastAPI(
        title="建設キャリアアップシステム 申請処理 API",
        version="1.0",
        description="インターネット申請の受付、申請状況の照会、審査。",
        dependencies=[SafePath],  # every path value checked for forbidden characters, on every route
    )
    api.include_router(applications.router)
    api.include_router(review.router)
    api.include_router(portal.router)
    api.include_router(portal_admins.router)
    api.include_router(portal_workers.router)
    api.include_router(linked.router)
    # The staff screens (server-rendered pages, Japanese).
    for router in (web_auth.router, web_queue.router, web_case.router, web_manage.router, web_counter.router):
        api.include_router(router)
    # The business portal's screens (事業者ポータル, /portal), over the portal API's services.
    for router in (web_portal.router, web_portal_admins.router):
        api.include_router(router)
    install_error_pages(api)
    install_refusals(api)
    api.add_middleware(BodyLimitMiddleware)  # every body but the uploads' counted against its cap
    api.add_middleware(FailureMiddleware)  # S3 or database down → 503; logs errors without their data
    api.add_middleware(NoStoreMiddleware)  # outermost: error answers carry no-store too
    api.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @api.get("/fonts/ipaexg.ttf", include_in_schema=False)
    def japanese_font() -> FileResponse:
        """IPAexGothic (from japanize-matplotlib): the screens render Japanese on any machine."""
        spec = importlib.util.find_spec("japanize_matplotlib")  # located, not imported (matplotlib is slow)
        assert spec is not None and spec.submodule_search_locations
        path = Path(spec.submodule_search_locations[0]) / "fonts" / "ipaexg.ttf"
        return FileResponse(path, media_type="font/ttf", headers={"Cache-Control": "public, max-age=86400"})

    @api.exception_handler(RequestValidationError)
    async def japanese_errors(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [FieldError(path_of(e.get("loc", ())), message_for(e.get("type", "invalid"), e.get("ctx")),
                             e.get("type", "invalid")) for e in exc.errors()]
        return JSONResponse(status_code=422, content=refusal_body(Invalid(INVALID_JA, errors=errors)))

    @api.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return api


app = create_app()
