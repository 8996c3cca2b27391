"""The review queue screen (審査待ち一覧) and claims: take, release, reassign."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ccus.infra.db import unit_of_work
from ccus.models.application_types import Channel, Kind
from ccus.review_ui.auth import REVIEWERS, Form, Reviewer, Supervisor
from ccus.review_ui.web import page, refused, see_other
from ccus.services.auth import staff_accounts
from ccus.services.review import queue

router = APIRouter(include_in_schema=False)


def _choice(value: str | None, allowed: set[str]) -> str | None:
    return value if value in allowed else None


def _int(value: str | None, low: int, high: int) -> int | None:
    try:
        n = int(value or "")
    except ValueError:
        return None
    return n if low <= n <= high else None


def parse_filter(request: Request) -> queue.QueueFilter:
    q = request.query_params
    return queue.QueueFilter(
        kind=_choice(q.get("kind"), {k.value for k in Kind}),
        channel=_choice(q.get("channel"), {c.value for c in Channel}),
        flags=_choice(q.get("flags"), {"block", "warn", "none"}),
        min_age_days=_int(q.get("min_age_days"), 1, 3650),
        status=_choice(q.get("status"), set(queue.QUEUE_STATUSES)),
        claimed=_choice(q.get("claimed"), {"mine", "free", "others"}),
        sort=_choice(q.get("sort"), {"age", "due"}) or "age",
        page=_int(q.get("page"), 1, 100_000) or 1,
    )


@router.get("/queue")
def queue_page(request: Request, user: Reviewer) -> Response:
    f = parse_filter(request)
    with unit_of_work() as session:
        result = queue.list_queue(session, f, user.username)
    params = {k: v for k, v in request.query_params.items() if k != "page" and v}
    base = "/queue?" + "&".join(f"{k}={quote(v)}" for k, v in params.items())
    return page(request, "queue.html", q=result, f=f, base=base, kinds=list(Kind), channels=list(Channel))


def _back(number: str) -> str:
    return f"/cases/{quote(number)}"


@router.post("/queue/claim")
def claim_from_queue(request: Request, user: Reviewer, form: Form) -> Response:
    return claim(request, str(form.get("number") or ""), user, form)


@router.post("/cases/{number}/claim")
def claim(request: Request, number: str, user: Reviewer, form: Form) -> Response:
    try:
        queue.claim(number, user.username)
    except queue.ClaimRefused as exc:
        return refused(request, exc.message, 409, back="/queue")
    return see_other(_back(number) + "?done=claimed")


@router.post("/cases/{number}/release")
def release(request: Request, number: str, user: Reviewer, form: Form) -> Response:
    try:
        queue.release(number, user.username, supervisor=user.role == "supervisor")
    except queue.ClaimRefused as exc:
        return refused(request, exc.message, 409, back=_back(number))
    return see_other("/queue?done=released")


@router.post("/cases/{number}/reassign")
def reassign(request: Request, number: str, user: Supervisor, form: Form) -> Response:
    to = str(form.get("to") or "").strip()
    if not staff_accounts.user_exists(to, REVIEWERS):
        return refused(request, f"担当者 '{to}' は審査担当として登録されていません。", 422, back=_back(number))
    try:
        queue.reassign(number, to, user.username)
    except queue.ClaimRefused as exc:
        return refused(request, exc.message, 409, back=_back(number))
    return see_other(_back(number) + "?done=reassigned")
