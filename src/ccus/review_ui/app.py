"""The web application: the internet channel's API and the reviewers' API (OpenAPI at /docs)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ccus.models.errors import message_for
from ccus.review_ui.routes import applications, review


def create_app() -> FastAPI:
    api = FastAPI(
        title="建設キャリアアップシステム 申請処理 API",
        version="1.0",
        description="インターネット申請の受付、申請状況の照会、審査。",
    )
    api.include_router(applications.router)
    api.include_router(review.router)

    @api.exception_handler(RequestValidationError)
    async def japanese_errors(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for e in exc.errors():
            loc = ".".join(str(p) for p in e.get("loc", ()))
            kind = e.get("type", "invalid")
            errors.append({"path": loc, "code": kind, "message": message_for(kind, e.get("ctx"))})
        return JSONResponse(status_code=422, content={"detail": "入力内容に誤りがあります。", "errors": errors})

    @api.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return api


app = create_app()
